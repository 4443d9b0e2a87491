#!/usr/bin/env bash
# Interactive sessions on a pty, driven through tmux, both directions with OpenSSH 9.2
# (ssh -> skiffd, skiff -> sshd): a shell prompt, a command, the terminal size seen by
# `stty size` before and after the tmux window is resized (window-change), the
# terminal type, and ~. leaving the session (the client ends, the terminal is restored).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen tmux
create_test_user
SRV_USER=$TEST_USER
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id_ed25519"
authorize_key "$SRV_USER" "$SKIFF_T/id_ed25519.pub"

# One tmux server per case (a new session right after kill-server can meet the dying
# server: "server exited unexpectedly").
tmx() { tmux -L "$TMUX_SOCK" "$@"; }

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }

# screen: the visible text of the pane.
screen() { tmx capture-pane -p -t s 2>/dev/null || true; }
# wait_screen PATTERN [SECONDS]: until the pane shows PATTERN (grep -E).
wait_screen() {
  local i
  for ((i = 0; i < ${2:-10} * 10; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}

# pty_case NAME PROGRAM PORT: one interactive session through tmux.
pty_case() {
  local name=$1 prog=$2 port=$3 logf=$SKIFF_T/pty.$1.log
  TMUX_SOCK=skiff-pty-$$-$name
  on_exit "tmux -L $TMUX_SOCK kill-server 2>/dev/null"
  tmx new-session -d -s s -x 80 -y 24 \
    "HOME=$SKIFF_T/home TERM=xterm-256color $prog -F /dev/null -p $port -tt -i $SKIFF_T/id_ed25519 \
       -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
       -o UserKnownHostsFile=$SKIFF_T/known_hosts -o GlobalKnownHostsFile=/dev/null \
       -o LogLevel=DEBUG3 -E $logf $SRV_USER@127.0.0.1; echo CLIENT-EXIT=\$?; sleep 30"
  local pid
  pid=$(tmx display -p -t s '#{pid}')
  track_pid "$pid"
  tmx send-keys -t s "PS1='READY> '" Enter
  wait_screen 'READY> *$' 15 || { fail_case "$name: no prompt; screen: $(screen | tr '\n' '|')"; return; }
  tmx send-keys -t s 'echo "term=$TERM tty=$(tty) user=$(id -un)"' Enter
  wait_screen "^term=xterm-256color tty=/dev/pts/[0-9]+ user=$SRV_USER" ||
    fail_case "$name: wrong session facts: $(screen | grep term= | tail -n 1)"
  tmx send-keys -t s 'stty size' Enter
  wait_screen '^24 80$' || fail_case "$name: stty size before resize: $(screen | tail -n 3 | tr '\n' '|')"
  tmx resize-window -t s -x 100 -y 30
  sleep 0.3
  tmx send-keys -t s 'clear; stty size' Enter
  wait_screen '^30 100$' || fail_case "$name: stty size after resize: $(screen | tr '\n' '|')"
  # ~. at the start of a line ends the session from the client side.
  tmx send-keys -t s Enter '~.'
  wait_screen '^CLIENT-EXIT=' 10 || { fail_case "$name: ~. did not end the client: $(screen | tr '\n' '|')"; return; }
  local status
  status=$(screen | sed -n 's/^CLIENT-EXIT=//p' | tail -n 1)
  [[ $status == 255 ]] || fail_case "$name: client exit after ~. was $status, expected 255"
  screen | grep -q 'Connection to 127.0.0.1 closed.' || fail_case "$name: no 'Connection to 127.0.0.1 closed.'"
  ((FAILS)) || log "ok: $name"
}

start_skiffd
pty_case ssh-skiffd ssh "$SKIFFD_PORT"
grep -q 'pty-req' "$SKIFFD_LOG" || log "note: skiffd's log does not mention pty-req"

start_sshd
pty_case skiff-sshd "$(skiff_bin skiff)" "$SSHD_PORT"
grep -q 'window-change' "$SSHD_LOG" || fail_case "sshd never saw window-change from skiff"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
