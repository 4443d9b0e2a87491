#!/usr/bin/env bash
# skiffd's authentication under Match User and AuthenticationMethods, with OpenSSH's ssh:
# a Match User block that turns password authentication on for one user when the
# connection's settings have it off (the methods offered follow the user, as sshd's), a
# user outside the block is not even offered it, a client that only tries "none" is
# logged as an invalid user, and with "publickey,password" the key's
# authorized_keys options (command=, no-pty) still hold after the password step.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen
set_test_user_password
U=$TEST_USER

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}

ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/forced"
echo "command=\"echo forced:\$SSH_ORIGINAL_COMMAND\",no-pty $(cat "$SKIFF_T/forced.pub")" >"$SKIFF_T/authorized_keys.$U"
chmod 0644 "$SKIFF_T/authorized_keys.$U"
ASKPASS=$(askpass_script "$TEST_USER_PASSWORD")

# ssh_to PORT [ssh args, destination, command]: password from SSH_ASKPASS; ssh's log in
# $SKIFF_T/ssh.log.
ssh_to() {
  local port=$1
  shift
  : >"$SKIFF_T/ssh.log"  # -E appends
  _client_env env SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force \
    ssh -F /dev/null -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o GlobalKnownHostsFile=/dev/null -o IdentityAgent=none -o NumberOfPasswordPrompts=1 \
    -o ConnectTimeout=10 -o LogLevel=DEBUG3 -E "$SKIFF_T/ssh.log" "$@" </dev/null
}

# 1. Password off for the connection, on for the test user.
SKIFFD_CONFIG_TAIL=$'Match User '"$U"$'\n  PasswordAuthentication yes'
start_skiffd "PasswordAuthentication no" "KbdInteractiveAuthentication no"
check "Match User turns password on" "$(ssh_to "$SKIFFD_PORT" -o PubkeyAuthentication=no \
  -o PreferredAuthentications=password "$U@127.0.0.1" 'echo in' 2>/dev/null)" in
grep -q "Accepted password for $U from 127.0.0.1" "$SKIFFD_LOG" || fail_case "no 'Accepted password' line"
rc=0
ssh_to "$SKIFFD_PORT" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
  nosuchuser-skiff@127.0.0.1 true >/dev/null 2>&1 || rc=$?
check "another user is not offered password" "$rc" 255
offered=$(grep -m1 'Authentications that can continue' "$SKIFF_T/ssh.log" | tr -d '\r')
check "the methods offered to another user" "${offered##*: }" publickey

# A client that only tries "none" is logged as sshd logs it: the name is looked up with
# the first request.
ssh_to "$SKIFFD_PORT" -o PreferredAuthentications=none -o BatchMode=yes nobody-here-skiff@127.0.0.1 true \
  >/dev/null 2>&1 || true
wait_log "$SKIFFD_LOG" 0 "Invalid user nobody-here-skiff from 127.0.0.1 port [0-9]+" 5 ||
  fail_case "no 'Invalid user' line for a client that only tried none"

# 2. publickey then password: the key's options hold after the password step.
SKIFFD_CONFIG_TAIL=
start_skiffd "PasswordAuthentication yes" "KbdInteractiveAuthentication no" "AuthenticationMethods publickey,password"
out=$(ssh_to "$SKIFFD_PORT" -i "$SKIFF_T/forced" -o IdentitiesOnly=yes "$U@127.0.0.1" 'echo unrestricted' 2>/dev/null) || true
check "publickey,password: the key's command= holds" "$out" "forced:echo unrestricted"
grep -q "Partial publickey for $U from 127.0.0.1" "$SKIFFD_LOG" || fail_case "no 'Partial publickey' line"
ssh_to "$SKIFFD_PORT" -tt -i "$SKIFF_T/forced" -o IdentitiesOnly=yes "$U@127.0.0.1" x >/dev/null 2>&1 || true
grep -q "PTY allocation request failed" "$SKIFF_T/ssh.log" && log "ok: publickey,password: no-pty holds" ||
  fail_case "publickey,password: a pty was granted"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
