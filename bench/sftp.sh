#!/usr/bin/env bash
# SFTP benchmark: one file downloaded and uploaded over loopback, in one run:
#   skiff-sftp -> skiffd (skiff-sftp-server)      next to   sftp -> sshd (sftp-server)
#   skiff-sftp -> sshd (OpenSSH's sftp-server)    next to   sftp -> sshd (sftp-server)
# every client with the same cipher, every transfer checked by sha256.
#
#   bash bench/sftp.sh             (as root: the servers log the test user in)
#   SKIFF_BENCH_SFTP_MIB=1024      size of the file (default 1 GiB)
#   SKIFF_BENCH_CIPHER=...         the cipher for every client (default aes128-gcm@openssh.com)
#   SKIFF_BENCH_ROUNDS=3           transfers per direction and pair; the best is kept
#
#   SKIFF_BENCH_DIR=/dev/shm       where the files are (default: /dev/shm when it exists)
#
# Throughput is the file's size over the wall time of the whole client run (connect,
# authenticate, transfer, close), as a user would time `sftp -b`. The files live in
# memory (tmpfs) by default: on this machine's disk both programs wait on the page
# cache's writeback alike, and what is compared is the protocol implementations.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SKIFF_BUILD_DIR=${SKIFF_BUILD_DIR:-$PWD/build}
export SKIFF_BIN_DIR=${SKIFF_BIN_DIR:-$SKIFF_BUILD_DIR/tools}
MIB=${SKIFF_BENCH_SFTP_MIB:-1024}
CIPHER=${SKIFF_BENCH_CIPHER:-aes128-gcm@openssh.com}
ROUNDS=${SKIFF_BENCH_ROUNDS:-3}
source tests/interop/lib.sh
require_root "to log the test user in"
require_cmd sftp sha256sum
create_test_user
SKIFF=$(skiff_bin skiff)
SKIFF_SFTP=$(skiff_bin skiff-sftp)
SFTP_SERVER=/usr/lib/openssh/sftp-server
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
export SSHD_HOSTKEY_KINDS=ed25519 SSHD_SFTP_SUBSYSTEM=$SFTP_SERVER
COMMON=("LogLevel ERROR")
start_sshd "${COMMON[@]}"
start_skiffd "${COMMON[@]}" "UsePAM no" "Subsystem sftp $(skiff_bin skiff-sftp-server)"

# The files: the source in a root-only directory, the server side in one the user owns.
BASE=${SKIFF_BENCH_DIR:-}
[[ -z $BASE && -d /dev/shm ]] && BASE=/dev/shm
[[ -n $BASE ]] || BASE=$SKIFF_T
WORK=$(mktemp -d "$BASE/skiff-bench-sftp.XXXXXX")
on_exit rm -rf "$WORK"
chmod 0755 "$SKIFF_T" "$WORK"
SRC=$WORK/src
REMOTE=$WORK/remote
DL=$WORK/dl
mkdir -p "$SRC" "$REMOTE" "$DL"
chown "$TEST_USER" "$REMOTE"
log "making a $MIB MiB random file"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$SRC/file"
SUM=$(sha256sum <"$SRC/file" | cut -d' ' -f1)
cp "$SRC/file" "$REMOTE/file"
chown "$TEST_USER" "$REMOTE/file"

# run CLIENT TRANSPORT_PROG PORT BATCH: prints the wall time in ms of one client run.
run() {
  local client=$1 prog=$2 port=$3 batch=$4 t0 t1
  t0=$(date +%s%N)
  "$client" -q -b "$batch" -S "$prog" -F /dev/null -P "$port" -c "$CIPHER" -i "$SKIFF_T/id" \
    -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR "$TEST_USER@127.0.0.1" </dev/null >/dev/null || die "$client ($prog) to port $port failed"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

# best DIRECTION CLIENT PROG PORT: MB/s (10^6) of the fastest of ROUNDS runs, sha256 checked.
best() {
  local dir=$1 client=$2 prog=$3 port=$4 i ms best_ms=
  for ((i = 0; i < ROUNDS; i++)); do
    if [[ $dir == down ]]; then
      rm -f "$DL/file"
      printf 'get %s %s\n' "$REMOTE/file" "$DL/file" >"$SKIFF_T/batch"
      ms=$(run "$client" "$prog" "$port" "$SKIFF_T/batch")
      [[ $(sha256sum <"$DL/file" | cut -d' ' -f1) == "$SUM" ]] || die "$client ($prog): downloaded file differs"
    else
      rm -f "$REMOTE/up"
      printf 'put %s %s\n' "$SRC/file" "$REMOTE/up" >"$SKIFF_T/batch"
      ms=$(run "$client" "$prog" "$port" "$SKIFF_T/batch")
      [[ $(sha256sum <"$REMOTE/up" | cut -d' ' -f1) == "$SUM" ]] || die "$client ($prog): uploaded file differs"
    fi
    [[ -z $best_ms || $ms -lt $best_ms ]] && best_ms=$ms
  done
  awk -v b="$((MIB * 1024 * 1024))" -v ms="$best_ms" 'BEGIN { printf "%.1f\n", b / 1e6 / (ms / 1000) }'
}

log "$MIB MiB per transfer, cipher $CIPHER, best of $ROUNDS, files in $BASE"
declare -A R
for dir in down up; do
  R[skiff_skiffd_$dir]=$(best "$dir" "$SKIFF_SFTP" "$SKIFF" "$SKIFFD_PORT")
  R[ssh_sshd_$dir]=$(best "$dir" sftp ssh "$SSHD_PORT")
  R[skiff_sshd_$dir]=$(best "$dir" "$SKIFF_SFTP" "$SKIFF" "$SSHD_PORT")
done

printf '\n%-52s %10s %10s %8s\n' "sftp, $MIB MiB, $CIPHER, loopback" "MB/s" "OpenSSH" "ratio"
row() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-52s %10.1f %10.1f %8.2f\n", n, a, b, a / b }'; }
row "download: skiff-sftp/skiffd vs sftp/sshd" "${R[skiff_skiffd_down]}" "${R[ssh_sshd_down]}"
row "upload:   skiff-sftp/skiffd vs sftp/sshd" "${R[skiff_skiffd_up]}" "${R[ssh_sshd_up]}"
row "download: skiff-sftp/sshd+sftp-server vs sftp/sshd" "${R[skiff_sshd_down]}" "${R[ssh_sshd_down]}"
row "upload:   skiff-sftp/sshd+sftp-server vs sftp/sshd" "${R[skiff_sshd_up]}" "${R[ssh_sshd_up]}"
printf '\nTargets (issue 5): >= 2x OpenSSH both ways against skiffd; >= 1x against OpenSSH'"'"'s server.\n'
