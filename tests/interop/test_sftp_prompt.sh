#!/usr/bin/env bash
# skiff-sftp's interactive prompt on a terminal (driven through tmux), against OpenSSH's
# sftp-server with no network (-D): tab completion of a command, of a remote name and
# of a local name, the history (the up arrow brings the last line back), ^C giving a
# fresh prompt, and ^D leaving.
source "$(dirname "$0")/lib.sh"
require_cmd tmux
SFTP_SERVER=${SKIFF_SFTP_SERVER:-/usr/lib/openssh/sftp-server}
[[ -x $SFTP_SERVER ]] || die "$SFTP_SERVER not found"
SKIFF_SFTP=$(skiff_bin skiff-sftp)

mkdir -p "$SKIFF_T/remote/reports" "$SKIFF_T/local"
echo data >"$SKIFF_T/remote/report-2026.txt"
echo more >"$SKIFF_T/remote/reports/q1.csv"
echo mine >"$SKIFF_T/local/upload-me.bin"

TMUX_SOCK=skiff-sftp-prompt-$$
tmx() { tmux -L "$TMUX_SOCK" "$@"; }
on_exit "tmux -L $TMUX_SOCK kill-server 2>/dev/null"
screen() { tmx capture-pane -p -t s 2>/dev/null || true; }
wait_screen() {
  local i
  for ((i = 0; i < ${2:-10} * 10; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
expect_screen() { wait_screen "$1" "${2:-10}" || die "$3: screen was: $(screen | tr '\n' '|')"; }

# The remote side starts in remote/, the local side in local/.
tmx new-session -d -s s -x 100 -y 30 \
  "cd $SKIFF_T/local && HOME=$SKIFF_T TERM=xterm $SKIFF_SFTP -D '$SFTP_SERVER -d $SKIFF_T/remote'; echo SFTP-EXIT=\$?; sleep 30"
track_pid "$(tmx display -p -t s '#{pid}')"
expect_screen '^sftp> *$' 10 "no prompt"

# A command name: "vers" + TAB -> "version ".
tmx send-keys -t s 'vers' Tab
expect_screen '^sftp> version *$' 5 "command completion"
tmx send-keys -t s Enter
expect_screen '^SFTP protocol version 3' 5 "version after completion"

# A remote name: "get rep" + TAB lists report-2026.txt and reports/, and inserts "report";
# then "-" + TAB completes the file.
tmx send-keys -t s 'get rep' Tab
expect_screen 'report-2026\.txt +reports/' 5 "remote candidates listed"
expect_screen '^sftp> get report$' 5 "common prefix inserted"
tmx send-keys -t s '-' Tab
expect_screen '^sftp> get report-2026\.txt *$' 5 "remote name completed"
tmx send-keys -t s Enter
wait_screen '^sftp> *$' 5
for _ in $(seq 50); do [[ -s $SKIFF_T/local/report-2026.txt ]] && break; sleep 0.1; done
[[ $(cat "$SKIFF_T/local/report-2026.txt" 2>/dev/null) == data ]] || die "completed get did not fetch the file"

# A local name for put's first argument.
tmx send-keys -t s 'put upl' Tab
expect_screen '^sftp> put upload-me\.bin *$' 5 "local name completion"
tmx send-keys -t s Enter
for _ in $(seq 50); do [[ -s $SKIFF_T/remote/upload-me.bin ]] && break; sleep 0.1; done
[[ $(cat "$SKIFF_T/remote/upload-me.bin" 2>/dev/null) == mine ]] || die "completed put did not send the file"

# History: the up arrow brings back "put upload-me.bin".
tmx send-keys -t s C-l Up
expect_screen '^sftp> put upload-me\.bin *$' 5 "history"
# ^C: a fresh, empty prompt; the line is dropped.
tmx send-keys -t s C-c
sleep 0.3
last=$(screen | grep -v '^ *$' | tail -n 1)
[[ $last =~ ^sftp\>\ *$ ]] || die "^C did not give a fresh prompt: last line '$last'"
# ^D leaves with status 0.
tmx send-keys -t s C-d
expect_screen '^SFTP-EXIT=0' 10 "^D did not end skiff-sftp"
log "prompt: completion (command, remote, local), history, ^C, ^D"
