#!/usr/bin/env bash
# Installs dependencies, builds skiff and runs its main job: skiff's server and client.
#
#   sudo bash scripts/run.sh         (or without sudo as root; also works as any user)
#
# The main job: skiffd listens on 127.0.0.1 and a free port with a host key freshly made
# by skiff-keygen in a temporary directory (never port 22, never /etc/ssh or /etc/skiff,
# never the system's sshd); skiff logs in to it with a key also made here, as the user
# running this script (skiffd run by an ordinary user serves that user only), and runs a
# few commands in a session: the host key is checked against a known_hosts file written
# here, the exit status comes back. Then skiffd's log lines about the connection are
# shown, skiffd is stopped by its pid and the directory removed.
#
# SKIFF_BUILD_DIR  build directory (default build)
# SKIFF_RUN_ARGS   extra arguments for skiff (e.g. "-v")
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

# The interop harness: temporary directory, free ports, clean-up by pid.
source tests/interop/lib.sh

SKIFFD=$(skiff_bin skiffd)
SKIFF=$(skiff_bin skiff)
KEYGEN=$(skiff_bin skiff-keygen)
ME=$(id -un)
D=$SKIFF_T/run

mkdir -p "$D"
chmod 0700 "$D"
"$KEYGEN" -q -t ed25519 -N '' -C "skiffd host key (run.sh)" -f "$D/host_ed25519_key"
"$KEYGEN" -q -t ed25519 -N '' -C "$ME (run.sh)" -f "$D/id_ed25519"
cp "$D/id_ed25519.pub" "$D/authorized_keys"
chmod 0600 "$D/authorized_keys"

for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  cat >"$D/skiffd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $D/host_ed25519_key
AuthorizedKeysFile $D/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile $D/skiffd.pid
LogLevel VERBOSE
# The key files live under /tmp, which StrictModes (rightly) calls unsafe for them.
StrictModes no
EOF
  setsid "$SKIFFD" -D -e -f "$D/skiffd_config" </dev/null >"$D/skiffd.log" 2>&1 &
  PID=$!
  track_pid "$PID"
  if wait_port "$PORT" 10 "$PID"; then break; fi
  stop_pid "$PID"
  grep -qs 'Address already in use' "$D/skiffd.log" || { cat "$D/skiffd.log" >&2; die "skiffd did not start"; }
  PID=
done
[[ -n ${PID:-} ]] || die "skiffd: no free port after 5 attempts"

# The host key, pinned for the client in its own known_hosts file.
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$D/host_ed25519_key.pub")" >"$D/known_hosts"

echo
echo "run: skiffd (pid $PID) listens on 127.0.0.1:$PORT with the host key"
echo "       $("$KEYGEN" -l -f "$D/host_ed25519_key.pub")"
read -r -a extra <<<"${SKIFF_RUN_ARGS:-}"
REMOTE='echo "hello from skiffd: user $(id -un) on $(hostname), ${SSH_CONNECTION:-no SSH_CONNECTION}"; echo "to stderr" >&2; exit 7'
echo "run: $SKIFF -p $PORT -i $D/id_ed25519 -o UserKnownHostsFile=$D/known_hosts -o StrictHostKeyChecking=yes ${extra[*]} $ME@127.0.0.1 '...'"
echo
set +e
"$SKIFF" -F /dev/null -p "$PORT" -i "$D/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o UserKnownHostsFile="$D/known_hosts" -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \
  "${extra[@]}" "$ME@127.0.0.1" "$REMOTE" </dev/null
rc=$?
set -e
echo
echo "run: skiff exited with status $rc (the remote command said 'exit 7')"

wait_log "$D/skiffd.log" 0 'Disconnected|Connection closed|Received disconnect' 5 || true
echo "run: skiffd's log:"
sed -E 's/^/       /' "$D/skiffd.log"
stop_pid "$PID"
echo "run: skiffd stopped"
[[ $rc == 7 ]] || exit 1
