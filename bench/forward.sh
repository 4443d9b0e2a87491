#!/usr/bin/env bash
# Port forwarding benchmark: one -L forward carrying one long stream over loopback, in
# one run:
#   skiff -L -> sshd          next to   ssh -L -> sshd
#   skiff -L -> skiffd        next to   ssh -L -> sshd   (when skiffd forwards in this tree)
#   two plain TCP relays      next to   ssh -L -> sshd   (bench/tcp_relay.cpp: the same
#                                       two user processes in the path, no SSH, no crypto;
#                                       the ceiling of this machine for any forwarder)
# every client with the same cipher; the stream goes into a sink that answers the byte
# count it got (checked).
#
#   bash bench/forward.sh          (as root: the servers log the test user in)
#   SKIFF_BENCH_FWD_MIB=2048       size of the stream (default 2 GiB)
#   SKIFF_BENCH_CIPHER=...         the cipher for every client (default aes128-gcm@openssh.com)
#   SKIFF_BENCH_ROUNDS=3           streams per pair; the best is kept
#
# Throughput is the stream's size over the time from the first byte sent to the sink's
# answer (the forward is set up before), so it measures the forwarding path: the
# client's socket reads and channel writes, the cipher, the server's side.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SKIFF_BUILD_DIR=${SKIFF_BUILD_DIR:-$PWD/build}
export SKIFF_BIN_DIR=${SKIFF_BIN_DIR:-$SKIFF_BUILD_DIR/tools}
MIB=${SKIFF_BENCH_FWD_MIB:-2048}
CIPHER=${SKIFF_BENCH_CIPHER:-aes128-gcm@openssh.com}
ROUNDS=${SKIFF_BENCH_ROUNDS:-3}
source tests/interop/lib.sh
require_root "to log the test user in"
require_cmd ssh python3
create_test_user
SKIFF=$(skiff_bin skiff)
RELAY=$SKIFF_BUILD_DIR/bench/tcp_relay
if [[ ! -x $RELAY ]]; then ninja -C "$SKIFF_BUILD_DIR" tcp_relay >/dev/null || die "cannot build tcp_relay"; fi
TOOL=$PWD/tests/interop/fwd_tool.py
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
export SSHD_HOSTKEY_KINDS=ed25519
start_sshd "LogLevel ERROR"
start_skiffd "LogLevel ERROR" "UsePAM no"

SINK=$(free_port)
python3 "$TOOL" sink "$SINK" >"$SKIFF_T/sink.out" 2>&1 &
track_pid $!
wait_port "$SINK" || die "the sink did not start"

# forward PROG SERVER_PORT: starts PROG -N -L to the sink; sets FWD_PORT and FWD_PID.
forward() {
  FWD_PORT=$(free_port)
  HOME=$SKIFF_T "$1" -N -F /dev/null -p "$2" -c "$CIPHER" -i "$SKIFF_T/id" -o IdentitiesOnly=yes \
    -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -L "$FWD_PORT:127.0.0.1:$SINK" "$TEST_USER@127.0.0.1" </dev/null >"$SKIFF_T/fwd.out" 2>&1 &
  FWD_PID=$!
  track_pid "$FWD_PID"
  wait_port "$FWD_PORT" 20 "$FWD_PID" || die "$1 -L to port $2 did not listen: $(cat "$SKIFF_T/fwd.out")"
}

# best PROG SERVER_PORT: "MB/s CPU" where MB/s (10^6) is the fastest of ROUNDS streams
# through one forward and CPU the client's user+system seconds per GiB over all of them
# (less sensitive than wall time to other work on the machine).
best() {
  local i ms ticks best_ms=''
  forward "$1" "$2"
  for ((i = 0; i < ROUNDS; i++)); do
    ms=$(python3 "$TOOL" push "$FWD_PORT" "${MIB}M") || die "$1 -L: the stream failed"
    [[ -z $best_ms || $ms -lt $best_ms ]] && best_ms=$ms
  done
  ticks=$(awk '{ print $14 + $15 }' "/proc/$FWD_PID/stat")
  stop_pid "$FWD_PID"
  awk -v b="$((MIB * 1024 * 1024))" -v ms="$best_ms" -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$ROUNDS" \
    'BEGIN { printf "%.1f %.2f\n", b / 1e6 / (ms / 1000), t / hz / (n * b / 2^30) }'
}

# skiffd's forwarding may not be in this tree yet: a short probe decides its row.
skiffd_forwards() {
  forward "$SKIFF" "$SKIFFD_PORT"
  local ok=0
  python3 "$TOOL" push "$FWD_PORT" 1M >/dev/null 2>&1 || ok=1
  stop_pid "$FWD_PID"
  return $ok
}

log "$MIB MiB per stream, cipher $CIPHER, best of $ROUNDS"
SSH=$(best ssh "$SSHD_PORT")
SKIFF_SSHD=$(best "$SKIFF" "$SSHD_PORT")
SKIFF_SKIFFD=
if skiffd_forwards; then SKIFF_SKIFFD=$(best "$SKIFF" "$SKIFFD_PORT"); fi

# The ceiling: pusher -> relay -> relay -> sink, as many rounds, the best kept. The relays
# start here, not in a command substitution (they would hold its output open, and their
# pids would not reach the clean-up).
RELAY_FAR=$(free_port)
"$RELAY" "$RELAY_FAR" "$SINK" >/dev/null 2>&1 &
track_pid $!
wait_port "$RELAY_FAR" || die "tcp_relay did not listen"
RELAY_NEAR=$(free_port)
"$RELAY" "$RELAY_NEAR" "$RELAY_FAR" >/dev/null 2>&1 &
track_pid $!
wait_port "$RELAY_NEAR" || die "tcp_relay did not listen"
relay_ceiling() {
  local i ms best_ms=''
  for ((i = 0; i < ROUNDS; i++)); do
    ms=$(python3 "$TOOL" push "$RELAY_NEAR" "${MIB}M") || die "the relay chain failed"
    [[ -z $best_ms || $ms -lt $best_ms ]] && best_ms=$ms
  done
  awk -v b="$((MIB * 1024 * 1024))" -v ms="$best_ms" 'BEGIN { printf "%.1f -\n", b / 1e6 / (ms / 1000) }'
}
CEILING=$(relay_ceiling)

printf '\n%-40s %8s %8s %6s %10s %10s\n' "-L forward, $MIB MiB, $CIPHER" "MB/s" "OpenSSH" "ratio" "CPU s/GiB" "OpenSSH"
# row NAME "MBS CPU" "MBS CPU"
row() {
  awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%-40s %8.1f %8.1f %6.2f %10.2f %10.2f\n", n, x[1], y[1], x[1] / y[1], x[2], y[2] }'
}
row "skiff -L -> sshd   vs ssh -L -> sshd" "$SKIFF_SSHD" "$SSH"
if [[ -n $SKIFF_SKIFFD ]]; then
  row "skiff -L -> skiffd vs ssh -L -> sshd" "$SKIFF_SKIFFD" "$SSH"
else
  printf '%-40s %s\n' "skiff -L -> skiffd" "(skiffd does not forward in this tree)"
fi
printf '%-40s %8.1f %8.1f %6.2f\n' "ceiling: 2 plain TCP relays vs ssh -L" "${CEILING% *}" "${SSH% *}" \
  "$(awk -v a="${CEILING% *}" -v b="${SSH% *}" 'BEGIN { print a / b }')"
printf '\nCPU: the forwarding client'"'"'s user+system time per GiB carried.\n'
printf 'ceiling: the same stream through two relay processes copying with read/write, no SSH and\n'
printf 'no cryptography: no forwarder whose data crosses a client and a server process beats it here.\n'
