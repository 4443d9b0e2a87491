#!/usr/bin/env bash
# known_hosts in skiff's client, compared with OpenSSH's ssh in the same situations:
# first contact with accept-new (recorded, plain and hashed), a known key accepted
# silently under StrictHostKeyChecking=yes, a changed key refused with OpenSSH's loud
# warning naming the offending line and exit 255, an unknown key under BatchMode and
# under "yes", and the interactive first-contact question answered through tmux. Where
# both programs see the same files, their stderr must be identical byte for byte.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen tmux
create_test_user
SRV_USER=$TEST_USER
SKIFF=$(skiff_bin skiff)
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id_ed25519"
authorize_key "$SRV_USER" "$SKIFF_T/id_ed25519.pub"

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }

SSHD_HOSTKEY_KINDS=ed25519 start_sshd
PORT=$SSHD_PORT

# connect PROGRAM KNOWN_HOSTS [options...]: run `true` remotely; stderr to $SKIFF_T/err.
connect() {
  local prog=$1 kh=$2
  shift 2
  _client_env "$prog" -F /dev/null -p "$PORT" -i "$SKIFF_T/id_ed25519" -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes "$@" \
    "$SRV_USER@127.0.0.1" true 2>"$SKIFF_T/err"
}

# same_as_ssh NAME KNOWN_HOSTS_TEMPLATE [options...]: both programs on copies of the same
# known_hosts file: same exit status, same stderr, same resulting file (for unhashed files).
same_as_ssh() {
  local name=$1 tmpl=$2 rs=0 rk=0
  shift 2
  cp "$tmpl" "$SKIFF_T/kh.ssh" 2>/dev/null || : >"$SKIFF_T/kh.ssh"
  cp "$SKIFF_T/kh.ssh" "$SKIFF_T/kh.skiff"
  connect ssh "$SKIFF_T/kh.ssh" "$@" || rs=$?
  sed "s#$SKIFF_T/kh.ssh#KH#g" "$SKIFF_T/err" >"$SKIFF_T/err.ssh"
  connect "$SKIFF" "$SKIFF_T/kh.skiff" "$@" || rk=$?
  # skiff names its own key tool where ssh names ssh-keygen ("remove with: ...").
  sed -e "s#$SKIFF_T/kh.skiff#KH#g" -e 's/^  skiff-keygen -f/  ssh-keygen -f/' "$SKIFF_T/err" >"$SKIFF_T/err.skiff"
  [[ $rs == "$rk" ]] || fail_case "$name: exit $rk, ssh's $rs"
  if ! cmp -s "$SKIFF_T/err.ssh" "$SKIFF_T/err.skiff"; then
    fail_case "$name: stderr differs from ssh's:"
    diff "$SKIFF_T/err.ssh" "$SKIFF_T/err.skiff" >&2 || true
  fi
  if [[ $* != *HashKnownHosts=yes* ]] && ! cmp -s "$SKIFF_T/kh.ssh" "$SKIFF_T/kh.skiff"; then
    fail_case "$name: known_hosts differs from ssh's"
    diff "$SKIFF_T/kh.ssh" "$SKIFF_T/kh.skiff" >&2 || true
  fi
  log "case $name: exit $rk"
  LAST_STATUS=$rk
}

: >"$SKIFF_T/empty"
same_as_ssh accept-new "$SKIFF_T/empty" -o StrictHostKeyChecking=accept-new
[[ $LAST_STATUS == 0 ]] || fail_case "accept-new did not connect"
grep -q "^\[127.0.0.1\]:$PORT ssh-ed25519 " "$SKIFF_T/kh.skiff" || fail_case "accept-new: no [127.0.0.1]:$PORT line"
grep -q "Permanently added '\[127.0.0.1\]:$PORT' (ED25519) to the list of known hosts" "$SKIFF_T/err.skiff" ||
  fail_case "accept-new: no 'Permanently added' message"
cp "$SKIFF_T/kh.skiff" "$SKIFF_T/known"

same_as_ssh known-yes "$SKIFF_T/known" -o StrictHostKeyChecking=yes
[[ $LAST_STATUS == 0 ]] || fail_case "a known key was not accepted"

same_as_ssh unknown-yes "$SKIFF_T/empty" -o StrictHostKeyChecking=yes
[[ $LAST_STATUS == 255 ]] || fail_case "unknown key under 'yes' was accepted"
same_as_ssh unknown-batch-ask "$SKIFF_T/empty" -o StrictHostKeyChecking=ask

# Hashed: skiff records a hashed line that both skiff and ssh then accept.
cp "$SKIFF_T/empty" "$SKIFF_T/kh.hashed"
connect "$SKIFF" "$SKIFF_T/kh.hashed" -o StrictHostKeyChecking=accept-new -o HashKnownHosts=yes ||
  fail_case "hashed accept-new failed: $(cat "$SKIFF_T/err")"
grep -q '^|1|' "$SKIFF_T/kh.hashed" || fail_case "HashKnownHosts=yes wrote no hashed line"
grep -q '127.0.0.1' "$SKIFF_T/kh.hashed" && fail_case "the hashed file names the host in clear"
ssh-keygen -F "[127.0.0.1]:$PORT" -f "$SKIFF_T/kh.hashed" >/dev/null || fail_case "ssh-keygen -F cannot find skiff's hashed line"
connect ssh "$SKIFF_T/kh.hashed" -o StrictHostKeyChecking=yes || fail_case "ssh refuses skiff's hashed line"
connect "$SKIFF" "$SKIFF_T/kh.hashed" -o StrictHostKeyChecking=yes || fail_case "skiff refuses its own hashed line"
# ... and one hashed by ssh-keygen -H.
cp "$SKIFF_T/known" "$SKIFF_T/kh.keygen" && ssh-keygen -q -H -f "$SKIFF_T/kh.keygen" 2>/dev/null
connect "$SKIFF" "$SKIFF_T/kh.keygen" -o StrictHostKeyChecking=yes || fail_case "skiff refuses a line hashed by ssh-keygen -H"

# No terminal: the first-contact question goes to SSH_ASKPASS, as ssh's confirm() does.
ASKPASS_YES=$(askpass_script yes)
for prog in ssh "$SKIFF"; do
  : >"$SKIFF_T/kh.askpass"
  _client_env env SSH_ASKPASS="$ASKPASS_YES" SSH_ASKPASS_REQUIRE=force "$prog" -F /dev/null -p "$PORT" \
    -i "$SKIFF_T/id_ed25519" -o IdentitiesOnly=yes -o UserKnownHostsFile="$SKIFF_T/kh.askpass" \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=ask "$SRV_USER@127.0.0.1" true \
    2>"$SKIFF_T/err.askpass.${prog##*/}" || fail_case "${prog##*/}: 'yes' from SSH_ASKPASS did not connect"
  grep -q "^\[127.0.0.1\]:$PORT ssh-ed25519 " "$SKIFF_T/kh.askpass" || fail_case "${prog##*/}: askpass 'yes' recorded nothing"
done
cmp -s "$SKIFF_T/err.askpass.ssh" "$SKIFF_T/err.askpass.skiff" ||
  { diff "$SKIFF_T/err.askpass.ssh" "$SKIFF_T/err.askpass.skiff" >&2; fail_case "askpass: stderr differs from ssh's"; }

# The server's key changes: the same known_hosts now holds a different key.
stop_pid "$SSHD_PID"
rm -rf "$SKIFF_T/hostkeys"
SSHD_HOSTKEYS=()
SSHD_HOSTKEY_KINDS=ed25519 start_sshd
PORT=$SSHD_PORT
sed "s/^\[127.0.0.1\]:[0-9]*/[127.0.0.1]:$PORT/" "$SKIFF_T/known" >"$SKIFF_T/known.changed"
# Put an unrelated line first so that the offending line number is not 1.
{ echo "otherhost ssh-ed25519 $(cut -d' ' -f2 "$SKIFF_T/id_ed25519.pub")"; cat "$SKIFF_T/known.changed"; } >"$SKIFF_T/known.2"
for mode in yes accept-new ask no; do
  same_as_ssh "changed-$mode" "$SKIFF_T/known.2" -o StrictHostKeyChecking=$mode
done
grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$SKIFF_T/err.skiff" || fail_case "no changed-key warning"
grep -q 'Offending ED25519 key in KH:2' "$SKIFF_T/err.skiff" || fail_case "the offending line is not named"

# The interactive question on a terminal: both programs show the same question, and
# answering "yes" records the key.
ask_case() {
  local prog=$1 kh=$SKIFF_T/kh.ask.$2 i
  : >"$kh"
  # One tmux server per case (a new session right after kill-server can meet the dying one).
  TMUX_SOCK=skiff-kh-$$-$2
  on_exit "tmux -L $TMUX_SOCK kill-server 2>/dev/null"
  tmux -L "$TMUX_SOCK" new-session -d -s s -x 200 -y 40 \
    "HOME=$SKIFF_T/home $prog -F /dev/null -p $PORT -i $SKIFF_T/id_ed25519 -o IdentitiesOnly=yes \
     -o UserKnownHostsFile=$kh -o GlobalKnownHostsFile=/dev/null $SRV_USER@127.0.0.1 echo CONNECTED; sleep 30"
  track_pid "$(tmux -L "$TMUX_SOCK" display -p -t s '#{pid}')"
  for ((i = 0; i < 100; i++)); do
    tmux -L "$TMUX_SOCK" capture-pane -p -t s | grep -q 'continue connecting' && break
    sleep 0.1
  done
  tmux -L "$TMUX_SOCK" capture-pane -p -t s | sed '/^$/d' >"$SKIFF_T/ask.$2"
  tmux -L "$TMUX_SOCK" send-keys -t s 'maybe' Enter
  sleep 0.5
  tmux -L "$TMUX_SOCK" send-keys -t s 'yes' Enter
  for ((i = 0; i < 100; i++)); do
    tmux -L "$TMUX_SOCK" capture-pane -p -t s | grep -q '^CONNECTED' && break
    sleep 0.1
  done
  tmux -L "$TMUX_SOCK" capture-pane -p -t s | sed '/^$/d' >"$SKIFF_T/ask.$2.after"
  grep -q '^CONNECTED' "$SKIFF_T/ask.$2.after" || fail_case "$2: answering yes did not connect"
  grep -q "^\[127.0.0.1\]:$PORT ssh-ed25519" "$kh" || fail_case "$2: answering yes recorded nothing"
}
ask_case ssh ssh
ask_case "$SKIFF" skiff
sed -i "s#$SKIFF_T/kh.ask.ssh#KH#g" "$SKIFF_T/ask.ssh" "$SKIFF_T/ask.ssh.after"
sed -i "s#$SKIFF_T/kh.ask.skiff#KH#g" "$SKIFF_T/ask.skiff" "$SKIFF_T/ask.skiff.after"
cmp -s "$SKIFF_T/ask.ssh" "$SKIFF_T/ask.skiff" || {
  fail_case "the first-contact question differs from ssh's"
  diff "$SKIFF_T/ask.ssh" "$SKIFF_T/ask.skiff" >&2 || true
}
cmp -s "$SKIFF_T/ask.ssh.after" "$SKIFF_T/ask.skiff.after" || {
  fail_case "the re-ask and answer differ from ssh's"
  diff "$SKIFF_T/ask.ssh.after" "$SKIFF_T/ask.skiff.after" >&2 || true
}

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
