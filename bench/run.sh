#!/usr/bin/env bash
# Transport benchmark: skiff's in-memory client/server pair per cipher and MAC next to
# `openssl speed -evp` of the same primitive, measured in the same run, and the CPU time
# of each key exchange method per side.
#
#   bash bench/run.sh            (builds build/bench/transport_bench first)
#   SKIFF_BENCH_BYTES=...        bytes per cipher (default 512 MiB)
#
# Ratios: "seal" is the CPU time of the sending side, "open" of the receiving side; each
# is compared with one pass of the raw primitive over the same bytes (for CTR+HMAC, the
# cipher and the MAC together: 1 / (1/aes + 1/hmac)).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${SKIFF_BUILD_DIR:-build}
BYTES=${SKIFF_BENCH_BYTES:-536870912}
if [[ ! -d $BUILD ]]; then cmake -G Ninja -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; fi
ninja -C "$BUILD" transport_bench >/dev/null

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
"$BUILD/bench/transport_bench" --bytes "$BYTES" --kex-rounds 50 >"$OUT"

# openssl speed: the 16384-byte column, in kB/s (1000 bytes), printed as MB/s.
speed() {
  openssl speed -seconds 2 -bytes 16384 "$@" 2>/dev/null | awk '/^[a-zA-Z]/ && NF >= 2 {v=$NF} END {sub(/k$/, "", v); printf "%.0f\n", v / 1000}'
}
declare -A RAW
RAW[aes128-gcm@openssh.com]=$(speed -evp aes-128-gcm)
RAW[aes256-gcm@openssh.com]=$(speed -evp aes-256-gcm)
RAW[chacha20-poly1305@openssh.com]=$(speed -evp chacha20-poly1305)
AES128CTR=$(speed -evp aes-128-ctr)
AES192CTR=$(speed -evp aes-192-ctr)
AES256CTR=$(speed -evp aes-256-ctr)
HMAC256=$(speed -hmac sha256)
HMAC512=$(speed -hmac sha512)
combined() { awk -v a="$1" -v h="$2" 'BEGIN { printf "%.0f\n", 1 / (1 / a + 1 / h) }'; }
for bits in 128 192 256; do
  ctr_var=AES${bits}CTR
  for mac in hmac-sha2-256 hmac-sha2-512; do
    h=$HMAC256
    [[ $mac == hmac-sha2-512 ]] && h=$HMAC512
    RAW[aes$bits-ctr+$mac]=$(combined "${!ctr_var}" "$h")
    RAW[aes$bits-ctr+$mac-etm@openssh.com]=${RAW[aes$bits-ctr+$mac]}
  done
done

printf '%-46s %9s %9s %9s %8s %8s\n' "cipher (+MAC)" "seal MB/s" "open MB/s" "raw MB/s" "seal/raw" "open/raw"
while read -r _ name _ seal _ _ open _ _ _ _; do
  raw=${RAW[$name]:-}
  [[ -n $raw ]] || continue
  awk -v n="$name" -v s="$seal" -v o="$open" -v r="$raw" \
    'BEGIN { printf "%-46s %9d %9d %9d %7.0f%% %7.0f%%\n", n, s, o, r, 100 * s / r, 100 * o / r }'
done < <(grep '^throughput' "$OUT")
echo
printf '%-40s %12s %12s\n' "key exchange (host key ssh-ed25519)" "client CPU" "server CPU"
grep '^kex' "$OUT" | awk '{ printf "%-40s %9.3f ms %9.3f ms\n", $2, $6, $9 }'
if grep -q 'FAILED\|MISMATCH' "$OUT"; then
  grep 'FAILED\|MISMATCH' "$OUT"
  exit 1
fi
