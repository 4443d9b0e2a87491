#!/usr/bin/env bash
# Installs skiff's build and test dependencies from Debian 12's archive.
#
# Idempotent: when every package is already installed it does nothing at all (no
# apt-get, no network). Otherwise it runs apt-get update and installs what is
# missing. Runs as root, or through sudo when it is available.
#
# The OpenSSH server package is needed for interop tests (the tests start their
# own sshd on loopback with their own configuration). Installing it must not start
# or enable the system's sshd: a policy-rc.d that refuses every service start is in
# place during the installation, and if this script is what installed
# openssh-server, the ssh service is disabled again afterwards.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries skiff links with
  libssl-dev zlib1g-dev libasio-dev libpam0g-dev
  # skiff-sftp's prompt: line editing, history and completion
  libedit-dev
  # tests and benchmarks
  googletest libgtest-dev libbenchmark-dev
  # clang with libFuzzer and its sanitizer runtimes for the fuzz targets: clang-19, the
  # first that compiles std::expected from g++ 12's libstdc++ (clang-14 cannot)
  clang-19 libclang-rt-19-dev
  # real peers for interop tests and benchmarks
  openssh-client openssh-server dropbear-bin putty-tools openssl
  # process and network tools used by the test harness (ps, fuser, ss) and tmux for terminal tests
  procps psmisc iproute2 tmux
  # X11 forwarding tests: a virtual X server, xauth, xdpyinfo
  xvfb xauth x11-utils
  # echo servers and SOCKS clients of the forwarding tests (tests/interop/forward_tool.py)
  python3 curl
)

# skiffd's PAM service: installed (as root) when absent or different from the checkout's.
install_pam_service() {
  local src dst=/etc/pam.d/skiffd
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/config/pam.d/skiffd"
  [[ -f $src ]] || return 0
  cmp -s "$src" "$dst" && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: not root, $dst not installed (skiffd's PAM tests will skip)" >&2
    return 0
  fi
  install -m 0644 "$src" "$dst"
  echo "setup: installed $dst"
}
install_pam_service

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E bash "$0" "$@"
  fi
  echo "setup: must run as root (or with sudo) to install: ${missing[*]}" >&2
  exit 1
fi

# Whether openssh-server is new on this machine (then its service is ours to disable).
ssh_server_was_installed=0
[[ $(dpkg-query -W -f='${db:Status-Abbrev}' openssh-server 2>/dev/null || true) == ii* ]] &&
  ssh_server_was_installed=1

# Refuse every service start while packages are installed (invoke-rc.d and
# deb-systemd-invoke obey /usr/sbin/policy-rc.d). Keep an existing policy file.
POLICY=/usr/sbin/policy-rc.d
policy_backup=
if [[ -e $POLICY ]]; then
  policy_backup=$(mktemp /tmp/skiff-policy-rc.d.XXXXXX)
  cp -p "$POLICY" "$policy_backup"
fi
restore_policy() {
  if [[ -n $policy_backup ]]; then
    cp -p "$policy_backup" "$POLICY"
    rm -f "$policy_backup"
  else
    rm -f "$POLICY"
  fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# skiff scripts/setup.sh: no service starts during package installation\nexit 101\n' >"$POLICY"
chmod 0755 "$POLICY"

export DEBIAN_FRONTEND=noninteractive
# A source other than Debian's archive may be unreachable; what matters is the install.
apt-get update || echo "setup: warning: apt-get update reported errors; trying the install anyway" >&2
apt-get install -y --no-install-recommends "${missing[@]}"

if ((ssh_server_was_installed == 0)); then
  # We installed openssh-server only for its sshd binary: the system's ssh service
  # stays off (not enabled for the next boot, not running now if a start slipped through).
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper disable ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d ssh disable >/dev/null 2>&1 || true
  fi
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
  echo "setup: openssh-server installed; the system ssh service was left disabled"
fi

echo "setup: done"
