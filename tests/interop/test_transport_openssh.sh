#!/usr/bin/env bash
# Transport interop with OpenSSH 9.2, both directions, for every algorithm that both
# OpenSSH (ssh -Q) and skiff implement: the key exchange completes, the host key
# signature verifies against a pinned key, ssh-userauth is accepted, and a rekey
# started by either side completes.
#
# Rekeying needs an authenticated connection (OpenSSH refuses KEXINIT before
# authentication), so the tests log in with the "none" method as a user with an empty
# password (PermitEmptyPasswords) and rekey after that.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ssh ssh-keygen
KEX=$(skiff_bin skiff-kex/skiff-kex)

USER_NONE=skiffnone
id "$USER_NONE" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "$USER_NONE"
passwd -d "$USER_NONE" >/dev/null
# The empty password is only for this test's private servers: lock it again at exit.
on_exit "passwd -l $USER_NONE >/dev/null 2>&1"

ours() { "$KEX" --list "$1" 2>/dev/null; }
common() {  # common KIND SSH_Q_NAME: algorithms in both lists, in OpenSSH's order
  local ours_list
  ours_list=$(ours "$1")
  for a in $(ssh -Q "$2"); do grep -qx -- "$a" <<<"$ours_list" && echo "$a"; done
}

mapfile -t KEXES < <(common kex kex)
mapfile -t CIPHERS < <(common cipher cipher)
mapfile -t MACS < <(common mac mac)
HOSTKEY_ALGS=(ssh-ed25519 ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 rsa-sha2-512 rsa-sha2-256)
log "kex: ${KEXES[*]}"
log "ciphers: ${CIPHERS[*]}"
log "macs: ${MACS[*]}"
[[ ${#KEXES[@]} -ge 9 && ${#CIPHERS[@]} -ge 6 && ${#MACS[@]} -ge 6 ]] || die "algorithm lists look wrong"

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }

# ---------------------------------------------------------------- skiff client -> sshd
start_sshd "PermitEmptyPasswords yes" "PasswordAuthentication yes" "RekeyLimit default 1" \
  "KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group1-sha1" \
  "HostKeyAlgorithms +ssh-rsa" "MACs +hmac-sha1,hmac-sha1-etm@openssh.com"

pinned_for() {  # the sshd public key a host key algorithm will use
  case $1 in
    ssh-ed25519) echo "$(sshd_hostkey ed25519).pub" ;;
    ecdsa-sha2-nistp256) echo "$(sshd_hostkey ecdsa256).pub" ;;
    ecdsa-sha2-nistp384) echo "$(sshd_hostkey ecdsa384).pub" ;;
    ecdsa-sha2-nistp521) echo "$(sshd_hostkey ecdsa521).pub" ;;
    *) echo "$(sshd_hostkey rsa3072).pub" ;;
  esac
}

client_case() {  # client_case NAME HOSTKEYALG [skiff-kex -o options...]
  local name=$1 hk=$2 out=$SKIFF_T/client.$1.log
  shift 2
  local opts=(-o "HostKeyAlgorithms=$hk")
  for o in "$@"; do opts+=(-o "$o"); done
  if ! timeout 60 "$KEX" -p "$SSHD_PORT" "${opts[@]}" --known-host-key "$(pinned_for "$hk")" \
    --auth-none "$USER_NONE" --rekey 1 --wait-peer-rekey 1 127.0.0.1 >"$out" 2>&1; then
    fail_case "skiff -> sshd $name: $(tail -n 3 "$out" | tr '\n' ' ')"
    return
  fi
  grep -q "host key matches" "$out" || fail_case "skiff -> sshd $name: host key not checked"
  grep -q "service ssh-userauth accepted" "$out" || fail_case "skiff -> sshd $name: no service accept"
  grep -q "rekey 1 completed (started by us)" "$out" || fail_case "skiff -> sshd $name: our rekey"
  grep -q "rekey completed (started by peer)" "$out" || fail_case "skiff -> sshd $name: sshd's rekey"
  log "ok: skiff -> sshd $name"
}

for k in "${KEXES[@]}"; do client_case "kex-$k" ssh-ed25519 "KexAlgorithms=$k"; done
for h in "${HOSTKEY_ALGS[@]}" ssh-rsa; do client_case "hostkey-$h" "$h"; done
for c in "${CIPHERS[@]}"; do client_case "cipher-$c" ssh-ed25519 "Ciphers=$c"; done
for m in "${MACS[@]}"; do client_case "mac-$m" ssh-ed25519 "Ciphers=aes128-ctr" "MACs=$m"; done
client_case "compression" ssh-ed25519 "Compression=yes"

# A pinned key that does not match is refused.
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/other"
if "$KEX" -p "$SSHD_PORT" -o HostKeyAlgorithms=ssh-ed25519 --known-host-key "$SKIFF_T/other.pub" 127.0.0.1 \
  >"$SKIFF_T/mismatch.log" 2>&1; then
  fail_case "a wrong pinned host key was accepted"
fi
grep -q "HOST KEY MISMATCH" "$SKIFF_T/mismatch.log" || fail_case "mismatch not reported"

# ---------------------------------------------------------------- ssh -> skiff server
SERVER_LOG=$SKIFF_T/skiff-server.log
setsid "$KEX" --server -p 0 --accept-none-auth --rekey 1 --host-keys-out "$SKIFF_T/skiff_hostkeys" \
  -o "KexAlgorithms=+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1" -o "HostKeyAlgorithms=+ssh-rsa" \
  -o "MACs=+hmac-sha1,hmac-sha1-etm@openssh.com" \
  >"$SKIFF_T/skiff-server.port" 2>"$SERVER_LOG" </dev/null &
SERVER_PID=$!
track_pid "$SERVER_PID"
for _ in $(seq 100); do [[ -s $SKIFF_T/skiff-server.port ]] && break; sleep 0.1; done
SERVER_PORT=$(head -n 1 "$SKIFF_T/skiff-server.port")
[[ -n $SERVER_PORT ]] || die "skiff-kex server did not start: $(cat "$SERVER_LOG")"
sed "s/^/[127.0.0.1]:$SERVER_PORT /" "$SKIFF_T/skiff_hostkeys" >"$SKIFF_T/known_hosts"

server_case() {  # server_case NAME [ssh -o options...]
  local name=$1 out=$SKIFF_T/ssh.$1.log pid mark
  shift
  local opts=()
  for o in "$@"; do opts+=(-o "$o"); done
  mark=$(log_mark "$SERVER_LOG")
  ssh -F /dev/null -N -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$SKIFF_T/known_hosts" \
    -o "RekeyLimit=default 1" -o ServerAliveInterval=1 -o LogLevel=DEBUG3 -E "$out" "${opts[@]}" \
    -p "$SERVER_PORT" "$USER_NONE@127.0.0.1" </dev/null &
  pid=$!
  track_pid "$pid"
  # skiff rekeys right after authentication; ssh rekeys when its one-second limit passes.
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    log_has "$SERVER_LOG" "$mark" "started by us" && log_has "$SERVER_LOG" "$mark" "started by peer" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  stop_pid "$pid"
  grep -q "Server host key:" "$out" || { fail_case "ssh -> skiff $name: no host key"; return; }
  grep -q "SSH2_MSG_SERVICE_ACCEPT received" "$out" || fail_case "ssh -> skiff $name: no service accept"
  grep -q "Authenticated to" "$out" || fail_case "ssh -> skiff $name: not authenticated"
  log_has "$SERVER_LOG" "$mark" "rekey 1 completed \\(started by us\\)" || fail_case "ssh -> skiff $name: skiff's rekey"
  log_has "$SERVER_LOG" "$mark" "rekey completed \\(started by peer\\)" || fail_case "ssh -> skiff $name: ssh's rekey"
  log "ok: ssh -> skiff $name"
}

for k in "${KEXES[@]}"; do server_case "kex-$k" "KexAlgorithms=$k"; done
for h in "${HOSTKEY_ALGS[@]}"; do server_case "hostkey-$h" "HostKeyAlgorithms=$h"; done
server_case "hostkey-ssh-rsa" "HostKeyAlgorithms=ssh-rsa" "PubkeyAcceptedAlgorithms=+ssh-rsa"
for c in "${CIPHERS[@]}"; do server_case "cipher-$c" "Ciphers=$c"; done
for m in "${MACS[@]}"; do server_case "mac-$m" "Ciphers=aes128-ctr" "MACs=$m"; done
server_case "compression" "Compression=yes"

# ---------------------------------------------------------------- inetd mode, through a ProxyCommand
# The server runs on ssh's stdin/stdout (a pair of descriptors). Its host keys are made
# when it starts, so ssh records the key (accept-new) and the test compares it after.
INETD_KEYS=$SKIFF_T/inetd_hostkeys
out=$SKIFF_T/ssh.inetd.log
timeout 60 ssh -F /dev/null -N -o BatchMode=yes -o StrictHostKeyChecking=accept-new \
  -o "UserKnownHostsFile=$SKIFF_T/known_hosts.inetd" -o HostKeyAlgorithms=ssh-ed25519 -o LogLevel=DEBUG3 -E "$out" \
  -o "ProxyCommand=$KEX --server -i --accept-none-auth --rekey 1 --host-keys-out $INETD_KEYS" \
  "$USER_NONE@inetd-test" </dev/null &
pid=$!
track_pid "$pid"
for _ in $(seq 150); do
  [[ $(grep -c "SSH2_MSG_NEWKEYS received" "$out" 2>/dev/null || true) -ge 2 ]] && break
  sleep 0.2
done
stop_pid "$pid"
if grep -q "Authenticated to" "$out" && [[ $(grep -c "SSH2_MSG_NEWKEYS received" "$out" || true) -ge 2 ]] &&
  grep -q "$(awk '/^ssh-ed25519/ {print $2}' "$INETD_KEYS")" "$SKIFF_T/known_hosts.inetd"; then
  log "ok: ssh -> skiff inetd mode (ProxyCommand): key exchange, login, skiff's rekey, recorded key matches"
else
  fail_case "ssh -> skiff inetd mode (ProxyCommand)"
fi

((FAILS == 0)) || die "$FAILS interop case(s) failed"
log "all transport interop cases passed"
