#!/usr/bin/env bash
# Login benchmark: `skiff host true` against skiffd next to `ssh host true` against
# OpenSSH's sshd, on this machine in one run, both servers on 127.0.0.1 with the same
# settings (publickey login with an Ed25519 key, UsePAM no, the same host key).
#
#   bash bench/login.sh          (as root: the servers log the test user in)
#   SKIFF_BENCH_CONNS=200        connections per latency measurement (default 200)
#   SKIFF_BENCH_PARALLEL=4       concurrent clients for the rate (default 4)
#   SKIFF_BENCH_IDLE=50          idle connections for the memory figure (default 50)
#
# Printed per pair:
# - latency: wall time of one whole `client host true` (connect, kex, auth, session,
#   exit status, close), median and mean over sequential runs;
# - rate: connections per second with SKIFF_BENCH_PARALLEL clients in parallel;
# - server CPU per connection: user+system CPU of the server's whole process tree
#   (the listener's own and its reaped children's, /proc/PID/stat) over the
#   sequential run, divided by the number of connections;
# - memory per idle authenticated connection: the proportional set size (smaps_rollup
#   Pss) of every server process that a held `-N` connection adds, divided by their number.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SKIFF_BUILD_DIR=${SKIFF_BUILD_DIR:-$PWD/build}
export SKIFF_BIN_DIR=$SKIFF_BUILD_DIR/tools
CONNS=${SKIFF_BENCH_CONNS:-200}
PAR=${SKIFF_BENCH_PARALLEL:-4}
IDLE=${SKIFF_BENCH_IDLE:-50}
source tests/interop/lib.sh
require_root "to log the test user in"
create_test_user
SKIFF=$(skiff_bin skiff)
skiff_bin skiffd >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
export SSHD_HOSTKEY_KINDS=ed25519
COMMON=("MaxStartups 1000" "MaxSessions 10" "LogLevel ERROR")
start_sshd "${COMMON[@]}" "UsePAM no"
start_skiffd "${COMMON[@]}" "UsePAM no"

client_args() {  # client_args PORT
  printf '%s\n' -F /dev/null -p "$1" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$TEST_USER@127.0.0.1"
}

tree_cpu_ticks() {  # utime+stime+cutime+cstime of a pid (fields 14-17 of /proc/PID/stat)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}

# latency PROG PORT SERVER_PID: prints "median_ms mean_ms cpu_ms_per_conn".
latency() {
  local prog=$1 port=$2 spid=$3 i t0 t1 c0 c1 args
  mapfile -t args < <(client_args "$port")
  "$prog" "${args[@]}" true </dev/null || die "$prog cannot log in to port $port"
  c0=$(tree_cpu_ticks "$spid")
  : >"$SKIFF_T/lat"
  for ((i = 0; i < CONNS; i++)); do
    t0=$(date +%s%N)
    "$prog" "${args[@]}" true </dev/null || die "$prog failed on connection $i"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >>"$SKIFF_T/lat"
  done
  sleep 0.5  # let the server reap its last children
  c1=$(tree_cpu_ticks "$spid")
  sort -n "$SKIFF_T/lat" | awk -v n="$CONNS" -v ticks="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
    '{ v[NR] = $1; s += $1 } END { printf "%.2f %.2f %.3f\n", v[int((n + 1) / 2)] / 1000, s / n / 1000, ticks * 1000 / hz / n }'
}

# rate PROG PORT: connections per second with PAR clients in parallel.
rate() {
  local prog=$1 port=$2 t0 t1 p pids=() args per=$((CONNS / PAR))
  mapfile -t args < <(client_args "$port")
  t0=$(date +%s%N)
  for ((p = 0; p < PAR; p++)); do
    (for ((i = 0; i < per; i++)); do "$prog" "${args[@]}" true </dev/null || exit 1; done) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "$prog failed in the rate run"; done
  t1=$(date +%s%N)
  awk -v n="$((per * PAR))" -v ns="$((t1 - t0))" 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}

# idle_pss PROG PORT SERVER_PID: kB of Pss per idle authenticated connection.
idle_pss() {
  local prog=$1 port=$2 spid=$3 i args pids=() before after procs
  mapfile -t args < <(client_args "$port")
  before=$(_descendants "$spid" | wc -l)
  for ((i = 0; i < IDLE; i++)); do
    setsid "$prog" "${args[@]}" -N </dev/null >/dev/null 2>&1 &
    pids+=($!)
    track_pid "$!"
  done
  # Wait until every connection has its server side logged in.
  for ((i = 0; i < 100; i++)); do
    sleep 0.2
    after=$(_descendants "$spid" | wc -l)
    ((after - before >= IDLE)) && break
  done
  sleep 1
  procs=$(_descendants "$spid")
  local total=0 p v
  for p in $procs; do
    v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$((total / IDLE)) $(($(wc -w <<<"$procs") )) "
  for p in "${pids[@]}"; do stop_pid "$p"; done
}

log "$CONNS sequential connections per pair, $PAR in parallel for the rate, $IDLE idle for memory"
read -r skl_med skl_mean skl_cpu < <(latency "$SKIFF" "$SKIFFD_PORT" "$SKIFFD_PID")
read -r ssl_med ssl_mean ssl_cpu < <(latency ssh "$SSHD_PORT" "$SSHD_PID")
read -r ssh_skd_med _ _ < <(latency ssh "$SKIFFD_PORT" "$SKIFFD_PID")
read -r skf_sshd_med _ _ < <(latency "$SKIFF" "$SSHD_PORT" "$SSHD_PID")
skr=$(rate "$SKIFF" "$SKIFFD_PORT")
ssr=$(rate ssh "$SSHD_PORT")
read -r skm skprocs < <(idle_pss "$SKIFF" "$SKIFFD_PORT" "$SKIFFD_PID")
read -r ssm ssprocs < <(idle_pss ssh "$SSHD_PORT" "$SSHD_PID")

printf '\n%-44s %14s %14s %9s\n' "login benchmark (ed25519 key, loopback)" "skiff/skiffd" "ssh/sshd" "ratio"
row() { awk -v n="$1" -v a="$2" -v b="$3" -v u="$4" 'BEGIN { printf "%-44s %11.2f %-2s %11.2f %-2s %8.3f\n", n, a, u, b, u, a / b }'; }
row "latency of 'client host true', median" "$skl_med" "$ssl_med" ms
row "latency, mean" "$skl_mean" "$ssl_mean" ms
row "connections per second ($PAR parallel)" "$skr" "$ssr" "/s"
row "server CPU per connection" "$skl_cpu" "$ssl_cpu" ms
row "server Pss per idle authenticated conn." "$skm" "$ssm" kB
printf '%-44s %14s %14s\n' "server processes for $IDLE idle connections" "$skprocs" "$ssprocs"
printf '%-44s %11.2f ms (ssh -> skiffd)   %.2f ms (skiff -> sshd)\n' "cross latency, median" "$ssh_skd_med" "$skf_sshd_med"
printf '\nTargets (issue 4): latency <= 0.1 x, server CPU <= 1/6, memory <= 1/8 of OpenSSH.\n'
