#!/usr/bin/env bash
# Transport interop with PuTTY 0.78's plink (a client only, so plink -> skiff server),
# for every algorithm that both PuTTY and skiff implement: the key exchange completes,
# the host key signature verifies against a pinned key, ssh-userauth is accepted, and
# rekeys started by each side complete.
#
# PuTTY's lists are read from its own KEXINIT, as an OpenSSH sshd logs it at DEBUG3
# (plink cannot list them). The names PuTTY offers that skiff lacks are logged once and
# skipped. Each case restricts the skiff server to the one algorithm under test, so
# that negotiation must pick it.
#
# plink runs with a private HOME and a saved session, ~/.putty/sessions/skiff, that
# - puts every kex, cipher and host key class above PuTTY's "WARN" line (in batch mode
#   PuTTY refuses to use an algorithm below it, e.g. diffie-hellman-group1-sha1),
# - sets RekeyBytes=1 and a keepalive every second (PingIntervalSecs=1): each keepalive
#   (SSH_MSG_IGNORE) then crosses the data limit, so plink starts a rekey about once a
#   second (RekeyTime counts in minutes, too slow),
# - turns GSSAPI key exchange off.
# The host key is pinned with -hostkey <SHA256 fingerprint of the expected key>, which
# in batch mode makes plink refuse any other key. plink authenticates with "none"
# (it always tries it first; skiff-kex accepts it), and -N opens no session. skiff-kex
# rekeys once after authentication.
source "$(dirname "$0")/lib.sh"
require_root "to run an OpenSSH sshd that reads plink's KEXINIT"
require_cmd plink ssh-keygen
KEX=$(skiff_bin skiff-kex)

FAILS=0
FAILED=()
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); FAILED+=("$1"); }

PUTTY_HOME=$SKIFF_T/home
mkdir -p "$PUTTY_HOME/.putty/sessions"
cat >"$PUTTY_HOME/.putty/sessions/skiff" <<'EOF'
KEX=ntru-curve25519,ecdh,dh-gex-sha1,dh-group18-sha512,dh-group17-sha512,dh-group16-sha512,dh-group15-sha512,dh-group14-sha1,dh-group1-sha1,rsa,WARN
Cipher=aes,chacha20,aesgcm,3des,des,blowfish,arcfour,WARN
HostKey=ed448,ed25519,ecdsa,rsa,dsa,WARN
RekeyBytes=1
RekeyTime=60
PingInterval=0
PingIntervalSecs=1
GssapiKex=0
AuthGSSAPI=0
EOF

# plink in batch mode with the saved session, verbose, no agent, in the private HOME,
# without a terminal, with a time limit. Started in the background straight from this
# shell (not from a function's subshell), so that stopping it leaves no orphan behind
# that only init would reap.
PLINK=(timeout -k 5 30 setsid plink -load skiff -ssh -batch -noagent -v)
plink_run() {  # plink_run LOG [plink options...] HOST
  local logf=$1
  shift
  HOME=$PUTTY_HOME "${PLINK[@]}" "$@" </dev/null >>"$logf" 2>&1
}

# ---------------------------------------------------------------- PuTTY's lists
ours() { "$KEX" -Q "$1" 2>/dev/null; }

# proposal LOG FIELD: the names in one field of the peer's KEXINIT, as sshd logged it
# at DEBUG3 ("peer client KEXINIT proposal" then "debug2: FIELD: a,b [preauth]").
proposal() {
  awk -v f="debug2: $2: " '
    /peer (server|client) KEXINIT proposal/ { p = 1; next }
    p && index($0, f) { sub(/\r$/, ""); sub(/ \[preauth\]$/, ""); sub(/.*: /, ""); print; exit }' "$1" |
    tr ',' '\n' | sed '/^$/d'
}

# common KIND < NAMES: the names skiff implements too, in the peer's order; the others
# are noted in $SKIPPED (pseudo-algorithms that only signal extensions are not algorithms).
SKIPPED=$SKIFF_T/skipped-algorithms
: >"$SKIPPED"
common() {
  local list a
  list=$(ours "$1")
  while read -r a; do
    case $a in ext-info-* | kex-strict-*) continue ;; esac
    if grep -qx -- "$a" <<<"$list"; then
      echo "$a"
    else
      echo "$a" >>"$SKIPPED"
    fi
  done
}

start_sshd
plink_run "$SKIFF_T/probe-plink.log" -C -P "$SSHD_PORT" -l "nobody-$$" 127.0.0.1 true || true
wait_log "$SSHD_LOG" 0 "peer client KEXINIT proposal" 10 || die "could not read plink's KEXINIT from sshd's log"
sleep 0.2
stop_pid "$SSHD_PID"
mapfile -t KEXES < <(proposal "$SSHD_LOG" "KEX algorithms" | common kex)
mapfile -t HOSTKEYS < <(proposal "$SSHD_LOG" "host key algorithms" | common key)
mapfile -t CIPHERS < <(proposal "$SSHD_LOG" "ciphers ctos" | common cipher)
mapfile -t MACS < <(proposal "$SSHD_LOG" "MACs ctos" | common mac)
COMPRESSION=$(proposal "$SSHD_LOG" "compression ctos" | tr '\n' ' ')
log "plink: kex ${KEXES[*]}; host keys ${HOSTKEYS[*]}; ciphers ${CIPHERS[*]}; macs ${MACS[*]}; compression (-C) $COMPRESSION"
log "offered by PuTTY but not implemented by skiff (skipped): $(awk '!seen[$0]++' "$SKIPPED" | tr '\n' ' ')"
[[ ${#KEXES[@]} -ge 8 && ${#HOSTKEYS[@]} -ge 6 && ${#CIPHERS[@]} -ge 5 && ${#MACS[@]} -ge 3 ]] ||
  die "plink's algorithm lists look wrong"

# ---------------------------------------------------------------- plink -> skiff server
# A skiff-kex server per case, restricted to the algorithm under test, on a
# kernel-chosen loopback port; it accepts "none" and rekeys once after it. Making its
# host keys (RSA 3072 among them) takes seconds, so the next case's server is spawned
# while the current case runs.
# spawn_skiff_server LOG [skiff-kex -o options...]
declare -A SERVER_PIDS=()
spawn_skiff_server() {
  local logf=$1 o opts=()
  shift
  for o in "$@"; do opts+=(-o "$o"); done
  setsid "$KEX" --server -p 0 --accept-none-auth --rekey 1 --host-keys-out "$logf.hostkeys" "${opts[@]}" \
    >"$logf.port" 2>"$logf" </dev/null &
  SERVER_PIDS[$logf]=$!
  track_pid "$!"
}
# await_skiff_server LOG: wait until it listens. Sets SERVER_PORT SERVER_PID.
await_skiff_server() {
  local logf=$1
  SERVER_PID=${SERVER_PIDS[$logf]}
  for _ in $(seq 300); do
    [[ -s $logf.port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  SERVER_PORT=$(head -n 1 "$logf.port" 2>/dev/null)
  [[ -n $SERVER_PORT ]] || die "skiff-kex server did not start: $(cat "$logf")"
}
start_skiff_server() { spawn_skiff_server "$@" && await_skiff_server "$1"; }

# fingerprint_of HOSTKEYS_FILE KEYTYPE: SHA256 fingerprint of the server's key of that type.
fingerprint_of() {
  grep -E "^$2 " "$1" >"$1.$2.pub" || die "no $2 key in $1"
  key_fingerprint "$1.$2.pub"
}

keytype_of() {  # the key type that signs for a host key algorithm
  case $1 in rsa-sha2-* | ssh-rsa) echo ssh-rsa ;; *) echo "$1" ;; esac
}

# add_case NAME HOSTKEYALG EXPECT PLINK_OPTIONS [skiff-kex -o options...]: EXPECT is a
# regular expression that skiff's "key exchange complete" line must match;
# PLINK_OPTIONS is a word list (may be empty). No option contains a space.
C_NAME=() C_HK=() C_EXPECT=() C_PLINK=() C_SERVER=()
add_case() {
  C_NAME+=("$1") C_HK+=("$2") C_EXPECT+=("$3") C_PLINK+=("$4")
  shift 4
  C_SERVER+=("$*")
}
spawn_case() {  # spawn_case INDEX: start that case's server
  local i=$1
  # shellcheck disable=SC2086
  spawn_skiff_server "$SKIFF_T/server.${C_NAME[i]}.log" "HostKeyAlgorithms=${C_HK[i]}" ${C_SERVER[i]}
}

server_case() {  # server_case INDEX
  local i=$1 name=${C_NAME[$1]} hk=${C_HK[$1]} expect=${C_EXPECT[$1]} pid fp ok=1
  local logf=$SKIFF_T/server.$name.log out=$SKIFF_T/plink.$name.log
  local plink_opts=()
  read -r -a plink_opts <<<"${C_PLINK[i]}"
  await_skiff_server "$logf"
  fp=$(fingerprint_of "$logf.hostkeys" "$(keytype_of "$hk")")
  HOME=$PUTTY_HOME "${PLINK[@]}" "${plink_opts[@]}" -N -P "$SERVER_PORT" -l skiffnone -hostkey "$fp" 127.0.0.1 \
    </dev/null >>"$out" 2>&1 &
  pid=$!
  track_pid "$pid"
  local deadline=$((SECONDS + 20))
  while ((SECONDS < deadline)); do
    log_has "$logf" 0 "rekey 1 completed \\(started by us\\)" && log_has "$logf" 0 "rekey completed \\(started by peer\\)" &&
      break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  local alive=0 ended
  kill -0 "$pid" 2>/dev/null && alive=1
  ended=$(grep "connection ended" "$logf" || true)
  stop_pid "$pid"
  stop_pid "$SERVER_PID"
  local f="plink->skiff:$name"
  grep -q "remote software version SSH-2.0-PuTTY" "$logf" || { fail_case "$f" "no plink connection: $(tail -n 3 "$out" | tr '\n' ' ')"; return 0; }
  grep -Eq "key exchange complete: .*$expect" "$logf" || { fail_case "$f" "kex not complete or not /$expect/"; ok=0; }
  grep -A1 "Host key fingerprint is:" "$out" | grep -qF -- "$fp" || { fail_case "$f" "plink did not see the pinned key $fp"; ok=0; }
  grep -q "client requested service ssh-userauth" "$logf" || { fail_case "$f" "no service request"; ok=0; }
  grep -q "accepted 'none' authentication for skiffnone" "$logf" || { fail_case "$f" "skiff did not authenticate"; ok=0; }
  grep -q "Access granted" "$out" || { fail_case "$f" "plink did not get USERAUTH_SUCCESS"; ok=0; }
  grep -q "rekey 1 completed (started by us)" "$logf" || { fail_case "$f" "skiff's rekey"; ok=0; }
  grep -q "rekey completed (started by peer)" "$logf" || { fail_case "$f" "plink's rekey (skiff side)"; ok=0; }
  grep -q "Initiating key re-exchange" "$out" || { fail_case "$f" "plink started no rekey"; ok=0; }
  [[ -z $ended ]] || { fail_case "$f" "connection ended early: $ended"; ok=0; }
  ((alive)) || { fail_case "$f" "plink exited: $(tail -n 3 "$out" | tr '\n' ' ')"; ok=0; }
  grep -q "FATAL ERROR" "$out" && { fail_case "$f" "plink: $(grep 'FATAL ERROR' "$out")"; ok=0; }
  ((ok)) && log "ok: plink -> skiff $name"
  return 0
}

for k in "${KEXES[@]}"; do add_case "kex-$k" ssh-ed25519 "kex $k," "" "KexAlgorithms=$k"; done
for h in "${HOSTKEYS[@]}"; do add_case "hostkey-$h" "$h" "host key $h," ""; done
for c in "${CIPHERS[@]}"; do add_case "cipher-$c" ssh-ed25519 "cipher $c/$c," "" "Ciphers=$c"; done
for m in "${MACS[@]}"; do add_case "mac-$m" ssh-ed25519 "mac $m/$m," "" "Ciphers=aes128-ctr" "MACs=$m"; done
# plink -C puts compression first; skiff takes the client's first zlib method.
[[ $COMPRESSION == *zlib* ]] &&
  add_case "compression" ssh-ed25519 "compression zlib[^/]*/zlib" "-C" "Compression=yes"

spawn_case 0
for ((i = 0; i < ${#C_NAME[@]}; i++)); do
  ((i + 1 < ${#C_NAME[@]})) && spawn_case $((i + 1))
  server_case "$i"
done

# plink refuses a server whose key is not the pinned one.
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/other" </dev/null
mm_log=$SKIFF_T/server.mismatch.log
start_skiff_server "$mm_log" "HostKeyAlgorithms=ssh-ed25519"
if plink_run "$SKIFF_T/plink.mismatch.log" -N -P "$SERVER_PORT" -l skiffnone \
  -hostkey "$(key_fingerprint "$SKIFF_T/other.pub")" 127.0.0.1; then
  fail_case "plink->skiff:mismatch" "plink accepted a host key that was not pinned"
elif ! grep -q "FATAL ERROR" "$SKIFF_T/plink.mismatch.log"; then
  fail_case "plink->skiff:mismatch" "plink did not report the refusal: $(tail -n 3 "$SKIFF_T/plink.mismatch.log" | tr '\n' ' ')"
elif grep -q "accepted 'none'" "$mm_log"; then
  fail_case "plink->skiff:mismatch" "plink went on to authenticate"
else
  log "ok: plink refuses a skiff host key that is not the pinned one ($(grep -m1 'FATAL ERROR' "$SKIFF_T/plink.mismatch.log"))"
fi
stop_pid "$SERVER_PID"

((FAILS == 0)) || die "$FAILS interop check(s) failed: $(printf '%s\n' "${FAILED[@]}" | sort -u | tr '\n' ' ')"
log "all PuTTY transport interop cases passed"
