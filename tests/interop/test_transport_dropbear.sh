#!/usr/bin/env bash
# Transport interop with Dropbear 2022.83, both directions, for every algorithm that
# both Dropbear and skiff implement: the key exchange completes, the host key
# signature verifies against a pinned key, ssh-userauth is accepted, and rekeys
# complete.
#
# Dropbear's lists are read from its own KEXINIT, as OpenSSH logs it at DEBUG3
# (ssh -> dropbear for the server's, dbclient -> sshd for the client's): Dropbear has
# no -v (built without debug tracing) and no option to list its kex or host key
# algorithms. The names Dropbear offers that skiff lacks are logged once and skipped.
#
# skiff client -> dropbear: dropbear -B accepts the "none" method for a user whose
# password is empty, and checks that the user's shell is in /etc/shells (so the
# nologin user of the OpenSSH test does not do); this test uses its own user,
# skiffdbnone, with /bin/sh, no home, and an empty password only while it runs.
# skiff rekeys twice after authentication. Dropbear also accepts a client KEXINIT
# before authentication (OpenSSH does not): one case rekeys without logging in.
#
# dbclient -> skiff server: skiff-kex accepts "none" (dbclient always asks "none"
# first) and rekeys once after authentication; dbclient -N opens no session, and
# with -K 1 keeps sending keepalive requests, which skiff answers, across the rekey.
# dbclient checks the host key against ~/.ssh/known_hosts in a private HOME, without
# -y, so an unknown or different key fails; Dropbear 2022.83 ignores the port there
# (a "127.0.0.1 type key" line, not "[127.0.0.1]:port"). dbclient sends its first kex
# packet on a guess (first_kex_packet_follows, with kexguess2@matt.ucc.asn.au, which
# skiff does not offer, so RFC 4253's rule applies): the guess is right only for
# curve25519-sha256 with ssh-ed25519, and every other server case makes skiff discard
# the guessed packet.
#
# NOT COVERED, because it cannot be forced: a rekey started by Dropbear, as server or
# client. Dropbear rekeys only after KEX_REKEY_TIMEOUT (8 hours) or KEX_REKEY_DATA
# (1 GiB), both compile-time constants with no option to change them, and skiff-kex
# opens no channel that could carry a gigabyte. Dropbear's side of a rekey is covered
# only as the responder.
source "$(dirname "$0")/lib.sh"
require_root "to give a test user an empty password for dropbear -B"
require_cmd dropbear dbclient dropbearkey ssh ssh-keygen
KEX=$(skiff_bin skiff-kex)

FAILS=0
FAILED=()
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); FAILED+=("$1"); }

# ---------------------------------------------------------------- Dropbear's lists
ours() { "$KEX" -Q "$1" 2>/dev/null; }

# proposal LOG FIELD: the names in one field of the peer's KEXINIT, as ssh or sshd
# logged it at DEBUG3 ("peer server/client KEXINIT proposal" then "debug2: FIELD: a,b").
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
    case $a in ext-info-* | kex-strict-* | kexguess2@matt.ucc.asn.au) continue ;; esac
    if grep -qx -- "$a" <<<"$list"; then
      echo "$a"
    else
      echo "$a" >>"$SKIPPED"
    fi
  done
}

# Two dropbears: it holds at most four host keys, and the harness gives it ed25519,
# ecdsa 256 and rsa 3072; the fourth is an ecdsa 384 key for one, 521 for the other.
EXTRA=$SKIFF_T/extra-hostkeys
mkdir -p "$EXTRA"
for bits in 384 521; do
  dropbearkey -t ecdsa -s "$bits" -f "$EXTRA/dropbear_ecdsa${bits}_host_key" >/dev/null 2>&1 ||
    die "dropbearkey -t ecdsa -s $bits failed"
done

# dropbear_pub PRIVATE OUT: the public key line of a Dropbear private key.
dropbear_pub() {
  dropbearkey -y -f "$1" 2>/dev/null | grep -E '^(ssh-|ecdsa-)' >"$2" || die "dropbearkey -y $1 failed"
}

USER_NONE=skiffdbnone
if ! id "$USER_NONE" >/dev/null 2>&1; then
  useradd -M -d /nonexistent -s /bin/sh -c "skiff interop tests (dropbear none auth)" "$USER_NONE" ||
    id "$USER_NONE" >/dev/null 2>&1 || die "useradd $USER_NONE failed"
fi
on_exit "usermod -p '*' '$USER_NONE'"
passwd -d "$USER_NONE" >/dev/null

start_dropbear -B -r "$EXTRA/dropbear_ecdsa384_host_key"
DB_A_PORT=$DROPBEAR_PORT DB_A_DIR=$DROPBEAR_DIR DB_A_LOG=$DROPBEAR_LOG
start_dropbear -B -r "$EXTRA/dropbear_ecdsa521_host_key"
DB_B_PORT=$DROPBEAR_PORT DB_B_DIR=$DROPBEAR_DIR DB_B_LOG=$DROPBEAR_LOG
for d in A B; do
  dir_var=DB_${d}_DIR
  dropbear_pub "${!dir_var}/dropbear_ed25519_host_key" "${!dir_var}/ssh-ed25519.pub"
  dropbear_pub "${!dir_var}/dropbear_ecdsa_host_key" "${!dir_var}/ecdsa-sha2-nistp256.pub"
  dropbear_pub "${!dir_var}/dropbear_rsa_host_key" "${!dir_var}/ssh-rsa.pub"
done
dropbear_pub "$EXTRA/dropbear_ecdsa384_host_key" "$DB_A_DIR/ecdsa-sha2-nistp384.pub"
dropbear_pub "$EXTRA/dropbear_ecdsa521_host_key" "$DB_B_DIR/ecdsa-sha2-nistp521.pub"

# The server's KEXINIT, from each dropbear (their host key lists differ).
for d in A B; do
  port_var=DB_${d}_PORT
  run_ssh "$SKIFF_T/probe-dropbear-$d.log" "${!port_var}" -o PubkeyAuthentication=no -o PasswordAuthentication=no \
    -o KbdInteractiveAuthentication=no -l "nobody-$$" 127.0.0.1 true >/dev/null 2>&1 || true
  grep -q "peer server KEXINIT proposal" "$SKIFF_T/probe-dropbear-$d.log" ||
    die "could not read dropbear's KEXINIT (ssh -> dropbear $d)"
done
PA=$SKIFF_T/probe-dropbear-A.log PB=$SKIFF_T/probe-dropbear-B.log
mapfile -t SRV_KEXES < <(proposal "$PA" "KEX algorithms" | common kex)
mapfile -t SRV_HOSTKEYS < <( (proposal "$PA" "host key algorithms"; proposal "$PB" "host key algorithms") |
  awk '!seen[$0]++' | common key)
mapfile -t SRV_CIPHERS < <(proposal "$PA" "ciphers ctos" | common cipher)
mapfile -t SRV_MACS < <(proposal "$PA" "MACs ctos" | common mac)
SRV_COMPRESSION=$(proposal "$PA" "compression ctos" | tr '\n' ' ')

# The client's KEXINIT: dbclient against an OpenSSH sshd (it fails at login; the
# proposal comes first).
start_sshd
run_dbclient "$SKIFF_T/probe-dbclient.log" "$SSHD_PORT" -l "nobody-$$" 127.0.0.1 true || true
wait_log "$SSHD_LOG" 0 "peer client KEXINIT proposal" 10 || die "could not read dbclient's KEXINIT from sshd's log"
sleep 0.2
stop_pid "$SSHD_PID"
mapfile -t CLI_KEXES < <(proposal "$SSHD_LOG" "KEX algorithms" | common kex)
mapfile -t CLI_HOSTKEYS < <(proposal "$SSHD_LOG" "host key algorithms" | common key)
mapfile -t CLI_CIPHERS < <(proposal "$SSHD_LOG" "ciphers ctos" | common cipher)
mapfile -t CLI_MACS < <(proposal "$SSHD_LOG" "MACs ctos" | common mac)
CLI_COMPRESSION=$(proposal "$SSHD_LOG" "compression ctos" | tr '\n' ' ')

log "dropbear server: kex ${SRV_KEXES[*]}; host keys ${SRV_HOSTKEYS[*]}; ciphers ${SRV_CIPHERS[*]}; macs ${SRV_MACS[*]}; compression $SRV_COMPRESSION"
log "dbclient: kex ${CLI_KEXES[*]}; host keys ${CLI_HOSTKEYS[*]}; ciphers ${CLI_CIPHERS[*]}; macs ${CLI_MACS[*]}; compression $CLI_COMPRESSION"
log "offered by Dropbear but not implemented by skiff (skipped): $(awk '!seen[$0]++' "$SKIPPED" | tr '\n' ' ')"
# dbclient -c help / -m help must agree with what its KEXINIT showed.
for c in $(dbclient -c help 2>&1 | sed -n 's/.*Available ciphers: //p' | tr ',' ' '); do
  grep -qx -- "$c" <(ours cipher) && ! [[ " ${CLI_CIPHERS[*]} " == *" $c "* ]] && die "dbclient -c help lists $c, its KEXINIT does not"
done
[[ ${#SRV_KEXES[@]} -ge 5 && ${#SRV_HOSTKEYS[@]} -ge 4 && ${#SRV_CIPHERS[@]} -ge 2 && ${#SRV_MACS[@]} -ge 2 ]] ||
  die "dropbear's algorithm lists look wrong"
[[ ${#CLI_KEXES[@]} -ge 5 && ${#CLI_HOSTKEYS[@]} -ge 4 && ${#CLI_CIPHERS[@]} -ge 2 && ${#CLI_MACS[@]} -ge 2 ]] ||
  die "dbclient's algorithm lists look wrong"

# ---------------------------------------------------------------- skiff client -> dropbear
# dropbear_for HOSTKEYALG: "port dir" of a dropbear that has a key for that algorithm.
dropbear_for() {
  case $1 in
    ecdsa-sha2-nistp521) echo "$DB_B_PORT $DB_B_DIR" ;;
    *) echo "$DB_A_PORT $DB_A_DIR" ;;
  esac
}
pub_for() {  # pub_for DIR HOSTKEYALG: the public key file that algorithm signs with
  case $2 in
    rsa-sha2-* | ssh-rsa) echo "$1/ssh-rsa.pub" ;;
    *) echo "$1/$2.pub" ;;
  esac
}

# client_case NAME HOSTKEYALG EXPECT [skiff-kex options...]: EXPECT is a regular
# expression the "key exchange complete" line must match (the algorithm under test).
client_case() {
  local name=$1 hk=$2 expect=$3 out=$SKIFF_T/client.$1.log port dir mark logf auth=1
  shift 3
  read -r port dir < <(dropbear_for "$hk")
  logf=$DB_A_LOG
  [[ $port == "$DB_B_PORT" ]] && logf=$DB_B_LOG
  local args=(-o "HostKeyAlgorithms=$hk" --known-host-key "$(pub_for "$dir" "$hk")")
  if [[ ${1:-} == --preauth ]]; then
    auth=0
    shift
    args+=(--rekey 1)
  else
    args+=(--auth-none "$USER_NONE" --rekey 2)
  fi
  mark=$(log_mark "$logf")
  if ! timeout 60 "$KEX" -p "$port" "${args[@]}" "$@" 127.0.0.1 >"$out" 2>&1; then
    fail_case "skiff->dropbear:$name" "$(tail -n 3 "$out" | tr '\n' ' ')"
    return
  fi
  local ok=1
  grep -q "remote software version SSH-2.0-dropbear" "$out" || { fail_case "skiff->dropbear:$name" "not dropbear"; ok=0; }
  grep -q "host key matches" "$out" || { fail_case "skiff->dropbear:$name" "host key not checked"; ok=0; }
  grep -Eq "key exchange complete: .*$expect" "$out" || { fail_case "skiff->dropbear:$name" "negotiated something else than /$expect/"; ok=0; }
  grep -q "service ssh-userauth accepted" "$out" || { fail_case "skiff->dropbear:$name" "no service accept"; ok=0; }
  if ((auth)); then
    grep -q "authenticated with 'none'" "$out" || { fail_case "skiff->dropbear:$name" "not authenticated"; ok=0; }
    wait_log "$logf" "$mark" "Auth succeeded with blank password for '$USER_NONE'" 5 ||
      { fail_case "skiff->dropbear:$name" "dropbear did not log the login"; ok=0; }
    grep -q "rekey 2 completed (started by us)" "$out" || { fail_case "skiff->dropbear:$name" "our rekeys"; ok=0; }
  else
    grep -q "rekey 1 completed (started by us)" "$out" || { fail_case "skiff->dropbear:$name" "our pre-auth rekey"; ok=0; }
  fi
  ((ok)) && log "ok: skiff -> dropbear $name"
  return 0
}

for k in "${SRV_KEXES[@]}"; do client_case "kex-$k" ssh-ed25519 "kex $k," -o "KexAlgorithms=$k"; done
for h in "${SRV_HOSTKEYS[@]}"; do client_case "hostkey-$h" "$h" "host key $h,"; done
for c in "${SRV_CIPHERS[@]}"; do client_case "cipher-$c" ssh-ed25519 "cipher $c/$c," -o "Ciphers=$c"; done
for m in "${SRV_MACS[@]}"; do
  client_case "mac-$m" ssh-ed25519 "mac $m/$m," -o "Ciphers=aes128-ctr" -o "MACs=$m"
done
[[ " $SRV_COMPRESSION " == *" zlib@openssh.com "* ]] &&
  client_case "compression" ssh-ed25519 "compression zlib@openssh.com/zlib@openssh.com" -o "Compression=yes"
client_case "preauth-rekey" ssh-ed25519 "kex curve25519-sha256," --preauth

# A pinned key that does not match is refused.
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/other" </dev/null
if timeout 30 "$KEX" -p "$DB_A_PORT" -o HostKeyAlgorithms=ssh-ed25519 --known-host-key "$SKIFF_T/other.pub" \
  --auth-none "$USER_NONE" 127.0.0.1 >"$SKIFF_T/client.mismatch.log" 2>&1; then
  fail_case "skiff->dropbear:mismatch" "a wrong pinned host key was accepted"
elif ! grep -q "HOST KEY MISMATCH" "$SKIFF_T/client.mismatch.log"; then
  fail_case "skiff->dropbear:mismatch" "mismatch not reported"
else
  log "ok: skiff -> dropbear refuses a host key that is not the pinned one"
fi

# ---------------------------------------------------------------- dbclient -> skiff server
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

DB_HOME=$SKIFF_T/home
mkdir -p "$DB_HOME/.ssh"
# known_hosts_for HOSTKEYS_FILE KEYTYPE: only that key of the server, so that dbclient
# can verify nothing else.
known_hosts_for() {
  grep -E "^$2 " "$1" | sed 's/^/127.0.0.1 /' >"$DB_HOME/.ssh/known_hosts"
  [[ -s $DB_HOME/.ssh/known_hosts ]] || die "no $2 key in $1"
}

# add_case NAME KEYTYPE EXPECT [skiff-kex -o options...]: EXPECT is a regular
# expression that skiff's "key exchange complete" line must match; KEYTYPE the type of
# the one key put in known_hosts. No option contains a space.
C_NAME=() C_KEYTYPE=() C_EXPECT=() C_SERVER=()
add_case() {
  C_NAME+=("$1") C_KEYTYPE+=("$2") C_EXPECT+=("$3")
  shift 3
  C_SERVER+=("$*")
}
spawn_case() {  # spawn_case INDEX: start that case's server
  # shellcheck disable=SC2086
  spawn_skiff_server "$SKIFF_T/server.${C_NAME[$1]}.log" ${C_SERVER[$1]}
}

server_case() {  # server_case INDEX
  local name=${C_NAME[$1]} keytype=${C_KEYTYPE[$1]} expect=${C_EXPECT[$1]} pid ok=1
  local logf=$SKIFF_T/server.$name.log out=$SKIFF_T/dbclient.$name.log
  await_skiff_server "$logf"
  known_hosts_for "$logf.hostkeys" "$keytype"
  # No -y: the key must be in known_hosts. -K 1: keepalives cross the rekey.
  HOME=$DB_HOME timeout -k 5 30 setsid dbclient -N -K 1 -p "$SERVER_PORT" -l skiffnone 127.0.0.1 \
    </dev/null >"$out" 2>&1 &
  pid=$!
  track_pid "$pid"
  wait_log "$logf" 0 "rekey 1 completed \\(started by us\\)" 15 || true
  # Two keepalive rounds under the new keys.
  sleep 2.2
  local alive=0 ended
  kill -0 "$pid" 2>/dev/null && alive=1
  ended=$(grep "connection ended" "$logf" || true)
  stop_pid "$pid"
  stop_pid "$SERVER_PID"
  local f="dbclient->skiff:$name"
  grep -q "remote software version SSH-2.0-dropbear" "$logf" || { fail_case "$f" "no dbclient connection"; return 0; }
  grep -Eq "key exchange complete: .*$expect" "$logf" || { fail_case "$f" "kex not complete or not /$expect/"; ok=0; }
  grep -q "client requested service ssh-userauth" "$logf" || { fail_case "$f" "no service request"; ok=0; }
  grep -q "accepted 'none' authentication for skiffnone" "$logf" || { fail_case "$f" "not authenticated"; ok=0; }
  grep -q "rekey 1 completed (started by us)" "$logf" || { fail_case "$f" "skiff's rekey"; ok=0; }
  [[ -z $ended ]] || { fail_case "$f" "connection ended early: $ended"; ok=0; }
  ((alive)) || { fail_case "$f" "dbclient exited: $(tr '\n' ' ' <"$out")"; ok=0; }
  grep -Eiq "exited|error|mismatch" "$out" && { fail_case "$f" "dbclient said: $(tr '\n' ' ' <"$out")"; ok=0; }
  ((ok)) && log "ok: dbclient -> skiff $name"
  return 0
}

keytype_of() {  # the key type in known_hosts for a host key algorithm
  case $1 in rsa-sha2-* | ssh-rsa) echo ssh-rsa ;; *) echo "$1" ;; esac
}

for k in "${CLI_KEXES[@]}"; do
  add_case "kex-$k" ssh-ed25519 "kex $k," "KexAlgorithms=$k" "HostKeyAlgorithms=ssh-ed25519"
done
for h in "${CLI_HOSTKEYS[@]}"; do
  add_case "hostkey-$h" "$(keytype_of "$h")" "host key $h," "HostKeyAlgorithms=$h"
done
for c in "${CLI_CIPHERS[@]}"; do
  add_case "cipher-$c" ssh-ed25519 "cipher $c/$c," "Ciphers=$c" "HostKeyAlgorithms=ssh-ed25519"
done
for m in "${CLI_MACS[@]}"; do
  add_case "mac-$m" ssh-ed25519 "mac $m/$m," "Ciphers=aes128-ctr" "MACs=$m" "HostKeyAlgorithms=ssh-ed25519"
done
[[ " $CLI_COMPRESSION " == *" zlib@openssh.com "* ]] &&
  add_case "compression" ssh-ed25519 "compression zlib@openssh.com/zlib@openssh.com" "Compression=yes" \
    "HostKeyAlgorithms=ssh-ed25519"

spawn_case 0
for ((i = 0; i < ${#C_NAME[@]}; i++)); do
  ((i + 1 < ${#C_NAME[@]})) && spawn_case $((i + 1))
  server_case "$i"
done

# dbclient refuses a server whose key differs from the one in known_hosts.
mm_log=$SKIFF_T/server.mismatch.log
start_skiff_server "$mm_log" "HostKeyAlgorithms=ssh-ed25519"
printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$SKIFF_T/other.pub")" >"$DB_HOME/.ssh/known_hosts"
if HOME=$DB_HOME timeout -k 5 20 setsid dbclient -N -p "$SERVER_PORT" -l skiffnone 127.0.0.1 </dev/null \
  >"$SKIFF_T/dbclient.mismatch.log" 2>&1; then
  fail_case "dbclient->skiff:mismatch" "dbclient accepted a host key that is not in known_hosts"
elif ! grep -qi "mismatch" "$SKIFF_T/dbclient.mismatch.log"; then
  fail_case "dbclient->skiff:mismatch" "dbclient did not report a mismatch: $(tr '\n' ' ' <"$SKIFF_T/dbclient.mismatch.log")"
elif grep -q "accepted 'none'" "$mm_log"; then
  fail_case "dbclient->skiff:mismatch" "dbclient went on to authenticate"
else
  log "ok: dbclient refuses a skiff host key that differs from known_hosts"
fi
stop_pid "$SERVER_PID"

log "not covered: a rekey started by Dropbear (only after 8 h or 1 GiB, compile-time; see the header)"
((FAILS == 0)) || die "$FAILS interop check(s) failed: $(printf '%s\n' "${FAILED[@]}" | sort -u | tr '\n' ' ')"
log "all Dropbear transport interop cases passed"
