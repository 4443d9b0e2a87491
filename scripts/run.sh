#!/usr/bin/env bash
# Installs dependencies, builds skiff and runs its main job.
#
#   sudo bash scripts/run.sh         (or without sudo as root)
#
# The main job today: skiff performs an SSH key exchange against the real OpenSSH
# server. A private sshd (/usr/sbin/sshd) is started on 127.0.0.1 and a free port,
# with a configuration and host keys freshly made by skiff-keygen in a temporary directory
# (nothing under /etc/ssh is used, port 22 and the system's sshd are never
# touched); tools/skiff-kex connects to it; then sshd is stopped by its pid and the
# directory removed. sshd's own log lines about the exchange are shown after it.
#
# SKIFF_BUILD_DIR  build directory (default build)
# SKIFF_KEX_ARGS   extra arguments for skiff-kex (e.g. "-v")
# SKIFF_SKIP_SETUP=1, SKIFF_SKIP_BUILD=1  skip those steps
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

if [[ ${SKIFF_SKIP_SETUP:-0} != 1 ]]; then
  bash scripts/setup.sh
fi
if [[ ${SKIFF_SKIP_BUILD:-0} != 1 ]]; then
  bash scripts/build.sh
fi

build_dir=${SKIFF_BUILD_DIR:-build}
SKIFF_BUILD_DIR=$(cd "$build_dir" && pwd)
export SKIFF_BUILD_DIR

# The interop harness: temporary directory, sshd start and stop, clean-up by pid.
source tests/interop/lib.sh

KEX=$SKIFF_BUILD_DIR/tools/skiff-kex/skiff-kex
if [[ ! -x $KEX ]]; then
  cat >&2 <<EOF

run: the main job cannot run yet: $KEX was not built.
     tools/skiff-kex (skiff's key exchange against OpenSSH's sshd) is still being
     written; the build and the test harness are ready for it. See README.md, "Status".
EOF
  exit 1
fi

# sshd serves host keys that skiff-keygen wrote (openssh-key-v1), and skiff-kex checks
# the ed25519 one against its .pub file.
KEYGEN=$SKIFF_BUILD_DIR/tools/skiff-keygen/skiff-keygen
[[ -x $KEYGEN ]] && export SKIFF_HOSTKEY_KEYGEN=$KEYGEN

# As root, a user with an empty password logs in with the "none" method, so that the
# demonstration can rekey from both sides (OpenSSH rekeys only after authentication).
auth_args=()
if [[ $(id -u) -eq 0 ]]; then
  id skiffnone >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin skiffnone
  passwd -d skiffnone >/dev/null
  on_exit "passwd -l skiffnone >/dev/null 2>&1"  # empty only while this demonstration runs
  start_sshd "PermitEmptyPasswords yes" "PasswordAuthentication yes" "RekeyLimit default 1"
  auth_args=(--auth-none skiffnone --rekey 1 --wait-peer-rekey 1)
else
  start_sshd
fi
# The client checks sshd's host key against the pinned public key.
auth_args+=(-o HostKeyAlgorithms=ssh-ed25519 --known-host-key "$(sshd_hostkey ed25519).pub")
echo
echo "run: OpenSSH sshd (pid $SSHD_PID) listens on 127.0.0.1:$SSHD_PORT with these host keys"
echo "     (made by ${SKIFF_HOSTKEY_KEYGEN:-ssh-keygen}; fingerprints as OpenSSH's ssh-keygen reads them):"
for k in "${SSHD_HOSTKEYS[@]}"; do
  printf '       %s\n' "$(ssh-keygen -l -E sha256 -f "$k.pub")"
done
read -r -a kex_args <<<"${SKIFF_KEX_ARGS:-}"
echo "run: $KEX ${auth_args[*]} ${kex_args[*]} -p $SSHD_PORT 127.0.0.1"
echo

mark=$(log_mark "$SSHD_LOG")
set +e
"$KEX" "${auth_args[@]}" "${kex_args[@]}" -p "$SSHD_PORT" 127.0.0.1
rc=$?
set -e

# What the real sshd says about the same exchange (it logs asynchronously).
wait_log "$SSHD_LOG" "$mark" 'Connection closed|Disconnected|disconnect|Received disconnect|Timeout' 5 || true
echo
echo "run: sshd's view of the connection:"
tail -c "+$((mark + 1))" "$SSHD_LOG" |
  grep -E 'Connection from|Remote protocol version|kex: algorithm|kex: host key algorithm|kex: (client|server)->(client|server) cipher|SSH2_MSG_NEWKEYS (sent|received)|KEXINIT (sent|received)|Accepted|Connection closed|Received disconnect|Disconnected|error|fatal' |
  sed -E 's/^/       /' || echo "       (nothing logged)"
echo
if ((rc == 0)); then
  echo "run: skiff-kex finished successfully"
else
  echo "run: skiff-kex exited with status $rc"
fi
stop_pid "$SSHD_PID"
echo "run: sshd stopped"
exit "$rc"
