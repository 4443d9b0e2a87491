#!/usr/bin/env bash
# skiffd under bad input: wrong passwords count against MaxAuthTries and end the
# connection; an unknown user gets the same answers as a known one; messages out of
# phase (a channel open before authentication, a client-sent USERAUTH_SUCCESS) end the
# connection, and skiff ends one when a server sends an unsolicited USERAUTH_SUCCESS; a
# channel flood, data beyond the window and data after close end only that connection
# (a session running meanwhile completes, and skiffd still serves new logins);
# LoginGraceTime frees a connection that stalls. Crafted messages come from
# tools/skiff-kex (--send).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen
set_test_user_password
SRV_USER=$TEST_USER
KEX=$(skiff_bin skiff-kex)
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id"
authorize_key "$SRV_USER" "$SKIFF_T/id.pub"

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }

start_skiffd "PasswordAuthentication yes" "KbdInteractiveAuthentication no" "MaxAuthTries 3" "LoginGraceTime 3"

ssh_to() {  # ssh_to LOG [options...] -- CMD ; password answers come from $ASKPASS_PW
  local logf=$1
  shift
  _client_env_stdin env SSH_ASKPASS="$(askpass_script "${ASKPASS_PW:-x}")" SSH_ASKPASS_REQUIRE=force \
    ssh -F /dev/null -p "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o ConnectTimeout=10 -o LogLevel=DEBUG3 -E "$logf" "$@"
}

# A session that runs through all the attacks below and must complete unharmed.
ssh_to "$SKIFF_T/survivor.log" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -o BatchMode=yes "$SRV_USER@127.0.0.1" \
  'sleep 8; echo survived' </dev/null >"$SKIFF_T/survivor.out" 2>&1 &
SURVIVOR=$!
track_pid "$SURVIVOR"

# ---- MaxAuthTries: the third wrong password ends the connection.
rc=0
ASKPASS_PW=wrong ssh_to "$SKIFF_T/tries.log" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
  -o NumberOfPasswordPrompts=10 "$SRV_USER@127.0.0.1" true </dev/null || rc=$?
[[ $rc == 255 ]] || fail_case "MaxAuthTries: ssh exit $rc"
grep -q 'Received disconnect from 127.0.0.1 port [0-9]*:2: Too many authentication failures' "$SKIFF_T/tries.log" ||
  fail_case "MaxAuthTries: ssh did not see 'Too many authentication failures'"
n=$(grep -c 'debug3: send packet: type 50' "$SKIFF_T/tries.log" || true)
((n <= 4)) || fail_case "MaxAuthTries: ssh could send $n requests (none + 3 passwords expected)"
grep -q "maximum authentication attempts exceeded for $SRV_USER from 127.0.0.1 port [0-9]* ssh2" "$SKIFFD_LOG" ||
  fail_case "MaxAuthTries: skiffd did not log 'maximum authentication attempts exceeded'"

# ---- An unknown user: the same methods and answers as a known user with a wrong password
# and a key that is not authorized (the user's name masked; ssh's -E lines end in \r).
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/other"
for who in "$SRV_USER" nosuchuser-skiff; do
  ASKPASS_PW=wrong ssh_to "$SKIFF_T/user.$who.log" -o PreferredAuthentications=publickey,password \
    -i "$SKIFF_T/other" -o IdentitiesOnly=yes -o NumberOfPasswordPrompts=1 "$who@127.0.0.1" true </dev/null || true
  tr -d '\r' <"$SKIFF_T/user.$who.log" | grep -E 'Authentications that can continue|Permission denied|receive packet: type' |
    grep -v 'type 2[01]$\|type 3[01]$\|type 7$\|type 6$' | sed "s/$who@/USER@/" >"$SKIFF_T/user.$who.answers" || true
done
if ! grep -q 'can continue' "$SKIFF_T/user.$SRV_USER.answers"; then
  fail_case "unknown user: no answers recorded"
elif ! cmp -s "$SKIFF_T/user.$SRV_USER.answers" "$SKIFF_T/user.nosuchuser-skiff.answers"; then
  fail_case "unknown user: answers differ from a known user's"
  diff "$SKIFF_T/user.$SRV_USER.answers" "$SKIFF_T/user.nosuchuser-skiff.answers" >&2 || true
fi
grep -q 'Invalid user nosuchuser-skiff from 127.0.0.1 port' "$SKIFFD_LOG" || fail_case "no 'Invalid user' log line"

# ---- Crafted messages: each must make skiffd end that connection (exit 0 of skiff-kex).
hexstr() { printf '%08x' "${#1}"; printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
OPEN_SESSION=5a$(hexstr session)000000000020000000008000
DATA32K=5e00000000$(printf '%08x' 32768)$(head -c 32768 /dev/zero | od -An -tx1 -v | tr -d ' \n')
crafted() {  # crafted NAME [skiff-kex options...]: expect skiffd to end the connection
  local name=$1 rc=0
  shift
  SKIFF_KEX_PASSWORD=$TEST_USER_PASSWORD timeout 60 "$KEX" -p "$SKIFFD_PORT" --wait-close 10 "$@" 127.0.0.1 \
    >"$SKIFF_T/crafted.$name.log" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    fail_case "$name: skiffd did not end the connection (skiff-kex exit $rc): $(tail -n 2 "$SKIFF_T/crafted.$name.log" | tr '\n' ' ')"
  else
    log "ok: $name: $(grep -m1 'peer disconnected\|connection ended' "$SKIFF_T/crafted.$name.log")"
  fi
}
crafted open-before-auth --send-early --send "$OPEN_SESSION"
crafted client-sent-success --send-early --send 34
crafted data-beyond-window --auth-password "$SRV_USER" --send "$OPEN_SESSION" --send @91 --send "$DATA32K*80"
crafted data-after-close --auth-password "$SRV_USER" --send "$OPEN_SESSION" --send @91 --send 6100000000 \
  --send 5e00000000$(printf '%08x' 4)41414141
crafted data-unknown-channel --auth-password "$SRV_USER" --send 5e00000007$(printf '%08x' 4)41414141
# A flood of opens: refused beyond MaxSessions and the caps, or the connection ended;
# either way skiffd stays bounded and the other connections go on.
rc=0
SKIFF_KEX_PASSWORD=$TEST_USER_PASSWORD timeout 60 "$KEX" -p "$SKIFFD_PORT" --wait-close 3 \
  --auth-password "$SRV_USER" --send "$OPEN_SESSION*5000" 127.0.0.1 >"$SKIFF_T/crafted.flood.log" 2>&1 || rc=$?
[[ $rc == 0 || $rc == 3 ]] || fail_case "channel flood: skiff-kex exit $rc"
log "channel flood: skiff-kex exit $rc ($([[ $rc == 0 ]] && echo ended by skiffd || echo refused, connection kept))"

# ---- skiff, the client, ends a connection whose server sends USERAUTH_SUCCESS unasked:
# the crafted server sends two right after accepting the service; the first answers
# skiff's "none" request, the second answers nothing.
rc=0
_client_env "$(skiff_bin skiff)" -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o "ProxyCommand=$KEX --server -i --send 34 --send 34" \
  "$SRV_USER@crafted-server" true 2>"$SKIFF_T/unsolicited.err" || rc=$?
[[ $rc == 255 ]] || fail_case "unsolicited success: skiff exit $rc, expected 255"
grep -qi 'unexpected\|protocol error\|after authentication ended' "$SKIFF_T/unsolicited.err" ||
  fail_case "unsolicited success: skiff did not say it was a protocol error: $(cat "$SKIFF_T/unsolicited.err")"
log "unsolicited success: skiff: $(tail -n 1 "$SKIFF_T/unsolicited.err")"

# ---- LoginGraceTime: a connection that sends its version and then nothing is dropped.
exec 7<>"/dev/tcp/127.0.0.1/$SKIFFD_PORT"
printf 'SSH-2.0-stalled\r\n' >&7
t0=$SECONDS
if timeout 15 cat <&7 >"$SKIFF_T/stalled.out"; then
  ((SECONDS - t0 >= 2)) || fail_case "LoginGraceTime: closed after $((SECONDS - t0)) s, before the grace time"
else
  fail_case "LoginGraceTime 3: the stalled connection was still open after 15 s"
fi
exec 7<&-
grep -q 'Timeout before authentication for 127.0.0.1 port' "$SKIFFD_LOG" ||
  fail_case "LoginGraceTime: no 'Timeout before authentication' log line"

# ---- The session that ran meanwhile completed, and skiffd still serves.
wait "$SURVIVOR" || fail_case "the parallel session failed: $(cat "$SKIFF_T/survivor.out")"
grep -qx survived "$SKIFF_T/survivor.out" || fail_case "the parallel session lost its output"
out=$(ssh_to "$SKIFF_T/after.log" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -o BatchMode=yes "$SRV_USER@127.0.0.1" \
  'echo still-serving' </dev/null) || true
[[ $out == still-serving ]] || fail_case "skiffd no longer serves after the attacks"
kill -0 "$SKIFFD_PID" || fail_case "skiffd died"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
