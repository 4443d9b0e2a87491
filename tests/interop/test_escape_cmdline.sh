#!/usr/bin/env bash
# The ~C command line (EnableEscapeCommandline) in an interactive session on a pty,
# driven through tmux, for skiff and for OpenSSH's ssh against the same sshd: "-L" adds a
# forward that then carries sshd's banner, "-KL" cancels it, "-h" lists the commands,
# a bad command gets ssh's answer; both print the same texts. Without the option, ~C
# answers "commandline disabled".
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen tmux python3
create_test_user
SK=$(skiff_bin skiff)
make_user_key ed25519 "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
start_sshd
mkdir -p "$SKIFF_T/home"

screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t s 2>/dev/null || true; }
wait_screen() {
  local i
  for ((i = 0; i < ${2:-10} * 10; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
banner() { python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5); print(s.recv(64).decode(errors='replace').strip())" "$1" 2>/dev/null; }

# session NAME PROGRAM [options...]: an interactive session in its own tmux server.
session() {
  local name=$1 prog=$2
  shift 2
  TMUX_SOCK=skiff-esc-$$-$name
  on_exit "tmux -L $TMUX_SOCK kill-server 2>/dev/null"
  tmux -L "$TMUX_SOCK" new-session -d -s s -x 100 -y 30 \
    "HOME=$SKIFF_T/home $prog -F /dev/null -p $SSHD_PORT -tt -l $TEST_USER -i $SKIFF_T/id -o IdentitiesOnly=yes \
       -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$SKIFF_T/known_hosts \
       -o GlobalKnownHostsFile=/dev/null $* 127.0.0.1; echo CLIENT-EXIT=\$?; sleep 30"
  track_pid "$(tmux -L "$TMUX_SOCK" display -p -t s '#{pid}')"
  tmux -L "$TMUX_SOCK" send-keys -t s "PS1='READY> '" Enter
  wait_screen 'READY> *$' 15 || die "$name: no prompt: $(screen | tr '\n' '|')"
}
# cmdline TEXT: ~C, then TEXT at the "ssh> " prompt.
cmdline() {
  tmux -L "$TMUX_SOCK" send-keys -t s Enter '~C'
  wait_screen 'ssh> *$' 5 || die "no ssh> prompt: $(screen | tr '\n' '|')"
  tmux -L "$TMUX_SOCK" send-keys -t s -l -- "$1"
  tmux -L "$TMUX_SOCK" send-keys -t s Enter
}

for prog in ssh "$SK"; do
  name=$(basename "$prog")
  session "$name" "$prog" -o EnableEscapeCommandline=yes
  LP=$(free_port)
  cmdline "-L $LP:127.0.0.1:$SSHD_PORT"
  wait_screen '^Forwarding port\.' 5 || die "$name: -L: $(screen | tr '\n' '|')"
  wait_port "$LP" 10 || die "$name: ~C -L opened no listener"
  [[ $(banner "$LP") == SSH-2.0-OpenSSH* ]] || die "$name: no banner through the ~C forward"
  cmdline "-KL $LP"
  wait_screen '^Canceled forwarding\.' 5 || die "$name: -KL: $(screen | tr '\n' '|')"
  for _ in $(seq 50); do port_listening "$LP" || break; sleep 0.1; done
  port_listening "$LP" && die "$name: ~C -KL left the listener"
  cmdline "-KL $LP"
  wait_screen '^Unknown port forwarding\.' 5 || die "$name: second -KL: $(screen | tr '\n' '|')"
  cmdline "-X"
  wait_screen '^Invalid command\.' 5 || die "$name: bad command: $(screen | tr '\n' '|')"
  cmdline "-h"
  wait_screen 'Cancel dynamic forward' 5 || die "$name: -h: $(screen | tr '\n' '|')"
  # The texts the two clients printed, from "Forwarding port." on, without prompts.
  screen | grep -E '^(Forwarding|Canceled|Unknown|Invalid|Commands|      -)' >"$SKIFF_T/texts.$name"
  tmux -L "$TMUX_SOCK" send-keys -t s Enter '~.'
  wait_screen '^CLIENT-EXIT=' 10 || die "$name: ~. did not end the session"
done
diff "$SKIFF_T/texts.ssh" "$SKIFF_T/texts.skiff" || die "skiff's ~C texts differ from ssh's"

# Without EnableEscapeCommandline (9.2's default).
session off "$SK"
tmux -L "$TMUX_SOCK" send-keys -t s Enter '~C'
wait_screen 'commandline disabled' 5 || die "~C without the option: $(screen | tr '\n' '|')"
tmux -L "$TMUX_SOCK" send-keys -t s Enter '~.'
wait_screen '^CLIENT-EXIT=' 10 || die "~. did not end the session"
log "~C: -L, -KL, unknown, invalid, help as ssh; disabled by default"
