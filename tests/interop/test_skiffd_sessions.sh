#!/usr/bin/env bash
# skiffd's sessions and per-key rules, with OpenSSH's ssh as the client: authorized_keys
# options (command= with SSH_ORIGINAL_COMMAND, no-pty, from=, environment= under
# PermitUserEnvironment, expiry-time=), ForceCommand, a Subsystem run through the shell
# and internal-sftp started, a Match User block that turns password off, exit statuses
# through a pty, the session's process group ended when the client goes away, and an
# authenticated connection leaving MaxStartups.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen pgrep
set_test_user_password
U=$TEST_USER

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}

for k in forced from env expired plain; do ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/$k"; done
{
  echo "command=\"echo forced:\$SSH_ORIGINAL_COMMAND\",no-pty $(cat "$SKIFF_T/forced.pub")"
  echo "from=\"192.0.2.9\" $(cat "$SKIFF_T/from.pub")"
  echo "environment=\"SKIFF_KEY_ENV=from-key\" $(cat "$SKIFF_T/env.pub")"
  echo "expiry-time=\"20200101\" $(cat "$SKIFF_T/expired.pub")"
  cat "$SKIFF_T/plain.pub"
} >"$SKIFF_T/authorized_keys.$U"
chmod 0644 "$SKIFF_T/authorized_keys.$U"

SKIFFD_CONFIG_TAIL=$'Subsystem skiff-echo /bin/cat\nSubsystem sftp internal-sftp\nMatch User '"$U"$'\n  PasswordAuthentication no'
start_skiffd "PermitUserEnvironment yes" "PasswordAuthentication yes" "MaxStartups 1:100:1"

s() {  # s KEY [ssh args...]: with the caller's stdin; ssh's log in $SKIFF_T/ssh.log
  local k=$1
  shift
  _client_env_stdin ssh -F /dev/null -p "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 \
    -o IdentityAgent=none -o LogLevel=DEBUG3 -E "$SKIFF_T/ssh.log" -i "$SKIFF_T/$k" -o IdentitiesOnly=yes "$@"
}

check "command= with SSH_ORIGINAL_COMMAND" "$(s forced "$U@127.0.0.1" 'hello there' </dev/null)" "forced:hello there"
s forced -tt "$U@127.0.0.1" x </dev/null >/dev/null 2>&1 || true
grep -q "PTY allocation request failed" "$SKIFF_T/ssh.log" && log "ok: no-pty" || fail_case "no-pty: a pty was granted"
rc=0
s from "$U@127.0.0.1" true </dev/null >/dev/null 2>&1 || rc=$?
check "from= refuses another address" "$rc" 255
check "environment= with PermitUserEnvironment" "$(s env "$U@127.0.0.1" 'echo $SKIFF_KEY_ENV' </dev/null)" from-key
rc=0
s expired "$U@127.0.0.1" true </dev/null >/dev/null 2>&1 || rc=$?
check "expiry-time= in the past refuses" "$rc" 255
check "Subsystem through the shell" "$(echo subsystem-data | s plain -s "$U@127.0.0.1" skiff-echo)" subsystem-data
# internal-sftp is served in skiffd's session child (test_skiffd_sftp.sh has the cases):
# a client that closes at once ends it with status 0.
rc=0
s plain -s "$U@127.0.0.1" sftp </dev/null >/dev/null 2>&1 || rc=$?
check "internal-sftp started and ended" "$rc" 0
grep -q "Starting session: subsystem 'sftp' for $U" "$SKIFFD_LOG" || fail_case "no log line for internal-sftp"
rc=0
_client_env env SSH_ASKPASS="$(askpass_script "$TEST_USER_PASSWORD")" SSH_ASKPASS_REQUIRE=force \
  ssh -F /dev/null -p "$SKIFFD_PORT" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
  -o NumberOfPasswordPrompts=1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  "$U@127.0.0.1" true </dev/null >/dev/null 2>&1 || rc=$?
check "Match User turns password off" "$rc" 255

# Through a pty: the output before the exit, then the exit status.
rc=0
out=$(s plain -tt "$U@127.0.0.1" 'seq 1 20000 | tail -n 1; exit 3' </dev/null 2>/dev/null | tr -d '\r') || rc=$?
check "pty: output drained" "$out" 20000
check "pty: exit status" "$rc" 3

# MaxStartups 1:100:1: a logged-in connection no longer counts, so a second gets in.
s plain "$U@127.0.0.1" 'sleep 5.137' </dev/null >/dev/null 2>&1 &
LONG=$!
track_pid "$LONG"
for ((i = 0; i < 50; i++)); do pgrep -u "$U" -f 'sleep 5.137' >/dev/null && break; sleep 0.1; done
check "MaxStartups: a second login while the first runs" "$(s plain "$U@127.0.0.1" 'echo second' </dev/null)" second
# The client goes away: the session's process group is ended.
kill -9 "$LONG"
for ((i = 0; i < 50; i++)); do pgrep -u "$U" -f 'sleep 5.137' >/dev/null || break; sleep 0.1; done
if pgrep -u "$U" -f 'sleep 5.137' >/dev/null; then fail_case "the session outlived its client"; else log "ok: session ended with its client"; fi

# ForceCommand replaces every command, the original kept in SSH_ORIGINAL_COMMAND.
stop_pid "$SKIFFD_PID"
start_skiffd 'ForceCommand echo config-forced:$SSH_ORIGINAL_COMMAND'
check "ForceCommand" "$(s plain "$U@127.0.0.1" 'asked for this' </dev/null)" "config-forced:asked for this"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
