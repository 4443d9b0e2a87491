#!/usr/bin/env bash
# skiff's forwarding (-L, -R, -D, -W, -J) against OpenSSH's sshd, as root with the test
# user: each forward carries a large stream through an echo server (sha256 equal both
# ways) and many connections at once; curl through -D as socks5h, socks5, socks4 and
# socks4a; the Unix-socket forms of -L and -R; -R 0 and its "Allocated port" line; -W as
# OpenSSH ssh's ProxyCommand; a two-hop -J chain; and refusals (AllowTcpForwarding no, a
# port in use, ExitOnForwardFailure) with the text OpenSSH's ssh prints in the same case.
#
# SKIFF_FWD_BIG (default 100M) and SKIFF_FWD_PARALLEL (default 50) size the transfers.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user through sshd"
require_cmd ssh python3 curl sha256sum
create_test_user
SKIFF=$(skiff_bin skiff)
TOOL=$(dirname "$0")/fwd_tool.py
BIG=${SKIFF_FWD_BIG:-100M}
PARALLEL=${SKIFF_FWD_PARALLEL:-50}
export SKIFF_CLIENT_TIMEOUT=300

make_user_key ed25519 "$SKIFF_T/id_ed25519"
authorize_key "$TEST_USER" "$SKIFF_T/id_ed25519.pub"
start_sshd
mkdir -p "$SKIFF_T/home"
CFG=$SKIFF_T/client_config
cat >"$CFG" <<EOF
Host *
  User $TEST_USER
  IdentityFile $SKIFF_T/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $SKIFF_T/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking no
  BatchMode yes
  ConnectTimeout 10
EOF

# The echo servers everything forwards to: TCP, and a Unix socket.
ECHO_PORT=$(free_port)
python3 "$TOOL" serve "$ECHO_PORT" >"$SKIFF_T/echo.out" 2>&1 &
track_pid $!
python3 "$TOOL" serve "unix:$SKIFF_T/echo.sock" >"$SKIFF_T/echo-unix.out" 2>&1 &
track_pid $!
wait_port "$ECHO_PORT" || die "echo server did not start"
for ((i = 0; i < 100; i++)); do [[ -S $SKIFF_T/echo.sock ]] && break; sleep 0.05; done
# A directory the test user may create sockets in (sshd binds remote Unix forwards as the user).
USER_DIR=$SKIFF_T/user
mkdir -p "$USER_DIR" && chown "$TEST_USER" "$USER_DIR"

# client NAME PROGRAM ARGS...: a background client (stdout/stderr in NAME.out/NAME.err).
client() {
  local name=$1 prog=$2
  shift 2
  HOME=$SKIFF_T/home setsid "$prog" -F "$CFG" -p "$SSHD_PORT" "$@" >"$SKIFF_T/$name.out" 2>"$SKIFF_T/$name.err" </dev/null &
  track_pid $!
  CLIENT_PID=$!
}
# run NAME PROGRAM ARGS...: the same in the foreground; status in RC.
run() {
  local name=$1 prog=$2
  shift 2
  RC=0
  HOME=$SKIFF_T/home timeout -k 5 60 setsid "$prog" -F "$CFG" -p "$SSHD_PORT" "$@" >"$SKIFF_T/$name.out" \
    2>"$SKIFF_T/$name.err" </dev/null || RC=$?
}
wait_path() {
  local i
  for ((i = 0; i < 200; i++)); do [[ -S $1 ]] && return 0; sleep 0.05; done
  return 1
}
# check_echo ADDR: one big stream and many parallel ones through ADDR.
check_echo() {
  python3 "$TOOL" echo "$1" "$BIG" >/dev/null || die "$2: $BIG through the forward failed"
  python3 "$TOOL" echo "$1" 1M "$PARALLEL" >/dev/null || die "$2: $PARALLEL parallel connections failed"
  log "$2: $BIG and $PARALLEL x 1M: ok"
}

# ---------------------------------------------------------------- -L
L_PORT=$(free_port)
client local "$SKIFF" -N -L "$L_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_port "$L_PORT" 20 "$CLIENT_PID" || die "-L: skiff does not listen: $(cat "$SKIFF_T/local.err")"
check_echo "$L_PORT" "-L port:host:port"
# "*" listens on every address (GatewayPorts yes does the same for a forward without one).
G_PORT=$(free_port)
client gateway "$SKIFF" -N -4 -L "*:$G_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_port "$G_PORT" 20 "$CLIENT_PID" || die "-L *:port: no listener"
ss -Htln "( sport = :$G_PORT )" | grep -q "0.0.0.0:$G_PORT" || die "-L *:port does not listen on 0.0.0.0"
G2=$(free_port)
client gateway2 "$SKIFF" -N -4 -o GatewayPorts=yes -L "$G2:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_port "$G2" 20 "$CLIENT_PID" || die "GatewayPorts -L: no listener"
ss -Htln "( sport = :$G2 )" | grep -q "0.0.0.0:$G2" || die "GatewayPorts yes: -L does not listen on 0.0.0.0"
ss -Htln "( sport = :$L_PORT )" | grep -q "127.0.0.1:$L_PORT" || die "-L port: not on loopback"
ss -Htln "( sport = :$L_PORT )" | grep -q "\[::1\]:$L_PORT" || die "-L port: not on IPv6 loopback"
log "-L bind addresses (loopback v4+v6, *, GatewayPorts): ok"
# A closed destination: the connection ends and ssh's line is printed.
CLOSED=$(free_port)
L2=$(free_port)
client local2 "$SKIFF" -N -L "$L2:127.0.0.1:$CLOSED" 127.0.0.1
wait_port "$L2" 20 "$CLIENT_PID" || die "-L to a closed port: no listener"
python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $L2)); s.recv(1)" || true
sleep 0.5
grep -Eq '^channel [0-9]+: open failed: connect failed: Connection refused' "$SKIFF_T/local2.err" ||
  die "-L to a closed port: no 'open failed' line: $(cat "$SKIFF_T/local2.err")"

# Unix forms: a local socket to a remote port; a local port to a remote socket; socket to socket.
client local_unix "$SKIFF" -N -L "$SKIFF_T/l.sock:127.0.0.1:$ECHO_PORT" \
  -L "$(free_port):$SKIFF_T/echo.sock" -L "$SKIFF_T/l2.sock:$SKIFF_T/echo.sock" 127.0.0.1
wait_path "$SKIFF_T/l.sock" || die "-L path:host:port: no socket: $(cat "$SKIFF_T/local_unix.err")"
wait_path "$SKIFF_T/l2.sock" || die "-L path:path: no socket"
python3 "$TOOL" echo "unix:$SKIFF_T/l.sock" 4M 8 >/dev/null || die "-L path:host:port failed"
python3 "$TOOL" echo "unix:$SKIFF_T/l2.sock" 4M 8 >/dev/null || die "-L path:path failed"
[[ $(stat -c %a "$SKIFF_T/l.sock") == 600 ]] || die "-L path: socket mode $(stat -c %a "$SKIFF_T/l.sock"), not 600"
# A stale file at the path: refused, unless StreamLocalBindUnlink.
touch "$SKIFF_T/stale.sock"
run stale "$SKIFF" -o ExitOnForwardFailure=yes -L "$SKIFF_T/stale.sock:127.0.0.1:$ECHO_PORT" 127.0.0.1 true
if [[ $RC != 255 ]] || ! grep -q "unix_listener: cannot bind to path $SKIFF_T/stale.sock: Address already in use" \
  "$SKIFF_T/stale.err"; then
  die "-L onto a stale file: exit $RC: $(cat "$SKIFF_T/stale.err")"
fi
client unlink "$SKIFF" -N -o StreamLocalBindUnlink=yes -L "$SKIFF_T/stale.sock:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_path "$SKIFF_T/stale.sock" || die "StreamLocalBindUnlink: no socket"
python3 "$TOOL" echo "unix:$SKIFF_T/stale.sock" 1M 2 >/dev/null || die "StreamLocalBindUnlink: the forward failed"
log "-L Unix socket forms (mode 600, StreamLocalBindUnlink): ok"
LU_PORT=$(free_port)
client local_unix2 "$SKIFF" -N -L "$LU_PORT:$SKIFF_T/echo.sock" 127.0.0.1
wait_port "$LU_PORT" 20 "$CLIENT_PID" || die "-L port:path: no listener"
python3 "$TOOL" echo "$LU_PORT" 4M 8 >/dev/null || die "-L port:path failed"
log "-L port:/remote/path: ok"

# After the session ends, skiff stays until the forwarded connections close (as ssh).
W_PORT=$(free_port)
client linger "$SKIFF" -L "$W_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1 'sleep 1'
wait_port "$W_PORT" 20 "$CLIENT_PID" || die "-L with a session: no listener"
python3 -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $W_PORT))
time.sleep(3)
s.sendall(b'late')
assert s.recv(4) == b'late'
s.close()" || die "-L: the forwarded connection did not outlive the session"
for ((i = 0; i < 100; i++)); do kill -0 "$CLIENT_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$CLIENT_PID" 2>/dev/null && die "-L: skiff did not exit once the forwarded connection closed"
wait "$CLIENT_PID" || die "-L with a session: exit $?"
log "-L: forwarded connection outlives the session, then skiff exits 0: ok"

# -f: to the background once the forward is set up (ExitOnForwardFailure: once confirmed).
F_PORT=$(free_port)
run fork "$SKIFF" -f -N -o ExitOnForwardFailure=yes -L "$F_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1
[[ $RC == 0 ]] || die "-f -N -L: exit $RC: $(cat "$SKIFF_T/fork.err")"
wait_port "$F_PORT" 20 || die "-f -N -L: nothing listens"
F_PID=$(ss -Htlnp "( sport = :$F_PORT )" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[[ -n $F_PID ]] && track_pid "$F_PID"
python3 "$TOOL" echo "$F_PORT" 4M 4 >/dev/null || die "-f -N -L: the forward does not carry data"
log "-f -N -L: ok"

# ---------------------------------------------------------------- -R
R_PORT=$(free_port)
client remote "$SKIFF" -N -R "$R_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_port "$R_PORT" 20 "$CLIENT_PID" || die "-R: sshd does not listen: $(cat "$SKIFF_T/remote.err")"
check_echo "$R_PORT" "-R port:host:port"

client remote0 "$SKIFF" -N -R "0:127.0.0.1:$ECHO_PORT" 127.0.0.1
for ((i = 0; i < 200; i++)); do grep -q 'Allocated port' "$SKIFF_T/remote0.err" && break; sleep 0.05; done
R0=$(sed -n "s/^Allocated port \([0-9]*\) for remote forward to 127.0.0.1:$ECHO_PORT\r\?$/\1/p" "$SKIFF_T/remote0.err")
[[ -n $R0 ]] || die "-R 0: no 'Allocated port' line: $(cat "$SKIFF_T/remote0.err")"
wait_port "$R0" 20 || die "-R 0: nothing listens on the allocated port $R0"
check_echo "$R0" "-R 0 (allocated port $R0)"

client remote_unix "$SKIFF" -N -R "$USER_DIR/r.sock:127.0.0.1:$ECHO_PORT" 127.0.0.1
wait_path "$USER_DIR/r.sock" || die "-R path:host:port: no socket: $(cat "$SKIFF_T/remote_unix.err")"
python3 "$TOOL" echo "unix:$USER_DIR/r.sock" 4M 8 >/dev/null || die "-R path:host:port failed"
RU_PORT=$(free_port)
client remote_unix2 "$SKIFF" -N -R "$RU_PORT:$SKIFF_T/echo.sock" 127.0.0.1
wait_port "$RU_PORT" 20 "$CLIENT_PID" || die "-R port:path: no listener"
python3 "$TOOL" echo "$RU_PORT" 4M 8 >/dev/null || die "-R port:/local/path failed"
log "-R Unix socket forms: ok"

# Remote dynamic forwarding: sshd's port speaks SOCKS, skiff connects (PermitRemoteOpen).
RD_PORT=$(free_port)
client remote_dyn "$SKIFF" -N -R "$RD_PORT" 127.0.0.1
wait_port "$RD_PORT" 20 "$CLIENT_PID" || die "-R port (dynamic): no listener"
python3 "$TOOL" socks5 "$RD_PORT" 127.0.0.1 "$ECHO_PORT" 8M 10 >/dev/null || die "-R dynamic failed"
RD2=$(free_port)
client remote_dyn2 "$SKIFF" -N -o "PermitRemoteOpen 127.0.0.1:$CLOSED" -R "$RD2" 127.0.0.1
wait_port "$RD2" 20 "$CLIENT_PID" || die "-R dynamic with PermitRemoteOpen: no listener"
if python3 "$TOOL" socks5 "$RD2" 127.0.0.1 "$ECHO_PORT" 1K 2>/dev/null; then
  die "-R dynamic: PermitRemoteOpen did not refuse"
fi
log "-R dynamic (SOCKS), PermitRemoteOpen: ok"

# ---------------------------------------------------------------- -D
D_PORT=$(free_port)
client dynamic "$SKIFF" -N -D "$D_PORT" 127.0.0.1
wait_port "$D_PORT" 20 "$CLIENT_PID" || die "-D: no listener: $(cat "$SKIFF_T/dynamic.err")"
python3 "$TOOL" socks5 "$D_PORT" 127.0.0.1 "$ECHO_PORT" "$BIG" >/dev/null || die "-D: $BIG failed"
python3 "$TOOL" socks5 "$D_PORT" localhost "$ECHO_PORT" 1M "$PARALLEL" >/dev/null || die "-D: parallel failed"
log "-D: $BIG and $PARALLEL x 1M: ok"
WEB=$SKIFF_T/web
mkdir -p "$WEB"
head -c 3000000 /dev/urandom >"$WEB/file"
WEB_PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WEB" "$WEB_PORT" >"$SKIFF_T/web.log" 2>&1 &
track_pid $!
wait_port "$WEB_PORT" || die "http.server did not start"
for proto in socks5h socks5 socks4 socks4a; do
  host=127.0.0.1
  [[ $proto == socks5h || $proto == socks4a ]] && host=localhost
  curl -sf --max-time 30 -x "$proto://127.0.0.1:$D_PORT" "http://$host:$WEB_PORT/file" -o "$SKIFF_T/got.$proto" ||
    die "curl through -D as $proto failed"
  cmp -s "$WEB/file" "$SKIFF_T/got.$proto" || die "curl through -D as $proto: different file"
done
# A refused destination gets a SOCKS failure, not a hang.
if curl -s --max-time 20 -x "socks5h://127.0.0.1:$D_PORT" "http://127.0.0.1:$CLOSED/" -o /dev/null; then
  die "-D to a closed port succeeded"
fi
# The SOCKS5 reply says why: 5, connection refused.
python3 -c "
import socket
s = socket.create_connection(('127.0.0.1', $D_PORT))
s.sendall(b'\x05\x01\x00')
assert s.recv(2) == b'\x05\x00'
s.sendall(b'\x05\x01\x00\x01\x7f\x00\x00\x01' + ($CLOSED).to_bytes(2, 'big'))
r = s.recv(10)
assert r[:2] == b'\x05\x05', r" || die "-D to a closed port: not SOCKS5 reply 5"
log "-D: curl as socks5h, socks5, socks4, socks4a; failure replies: ok"

# ---------------------------------------------------------------- -W
# skiff -W as OpenSSH ssh's ProxyCommand.
RC=0
HOME=$SKIFF_T/home timeout 60 ssh -F "$CFG" -p "$SSHD_PORT" \
  -o ProxyCommand="$SKIFF -F $CFG -p $SSHD_PORT -W %h:%p 127.0.0.1" 127.0.0.1 'echo via-proxy' \
  >"$SKIFF_T/w.out" 2>"$SKIFF_T/w.err" </dev/null || RC=$?
[[ $RC == 0 && $(cat "$SKIFF_T/w.out") == via-proxy ]] || die "ssh through skiff -W failed ($RC): $(cat "$SKIFF_T/w.err")"
# Binary-safe both ways, EOF passed on: -W straight to the echo server.
head -c 5000000 /dev/urandom >"$SKIFF_T/w.in"
RC=0
HOME=$SKIFF_T/home timeout 60 "$SKIFF" -F "$CFG" -p "$SSHD_PORT" -W "127.0.0.1:$ECHO_PORT" 127.0.0.1 \
  <"$SKIFF_T/w.in" >"$SKIFF_T/w.echo" 2>"$SKIFF_T/w2.err" || RC=$?
[[ $RC == 0 ]] || die "skiff -W exit $RC: $(cat "$SKIFF_T/w2.err")"
cmp -s "$SKIFF_T/w.in" "$SKIFF_T/w.echo" || die "skiff -W: the echo differs"
# A refused -W: ssh's two lines and 255.
for prog in ssh "$SKIFF"; do
  name=$(basename "$prog")
  run "wfail_$name" "$prog" -W "127.0.0.1:$CLOSED" 127.0.0.1
  echo "$RC" >"$SKIFF_T/wfail_$name.rc"
  tr -d '\r' <"$SKIFF_T/wfail_$name.err" >"$SKIFF_T/wfail_$name.text"
done
[[ $(cat "$SKIFF_T/wfail_skiff.rc") == 255 && $(cat "$SKIFF_T/wfail_ssh.rc") == 255 ]] || die "refused -W: not 255"
diff "$SKIFF_T/wfail_ssh.text" "$SKIFF_T/wfail_skiff.text" || die "refused -W: skiff's text differs from ssh's"
log "-W: as ssh's ProxyCommand, 5 MB echo, refused as ssh: ok"

# ---------------------------------------------------------------- -J
# Two hops: sshd #1 -> sshd #2 -> sshd #1 again (the last hop differs from the target).
FIRST=$SSHD_PORT
start_sshd
SECOND=$SSHD_PORT
SSHD_PORT=$FIRST
run jump "$SKIFF" -J "127.0.0.1:$FIRST,$TEST_USER@127.0.0.1:$SECOND" 127.0.0.1 'echo via-jumps'
[[ $RC == 0 && $(cat "$SKIFF_T/jump.out") == via-jumps ]] || die "-J two hops failed ($RC): $(cat "$SKIFF_T/jump.err")"
grep -q "Accepted publickey for $TEST_USER" "$SKIFF_T/sshd.2/sshd.log" || die "-J: the second hop was not used"
grep -q "rtype no-more-sessions@openssh.com" "$SKIFF_T/sshd.1/sshd.log" || die "no-more-sessions@openssh.com was not sent"
run jump_loop "$SKIFF" -J "127.0.0.1:$FIRST" 127.0.0.1 true
if [[ $RC != 255 ]] || ! grep -q "jumphost loop via 127.0.0.1" "$SKIFF_T/jump_loop.err"; then
  die "-J loop not detected"
fi
# A chain through a skiffd hop and an sshd hop: skiffd carries the direct-tcpip of
# the first hop's -W, sshd #2 the second's, to sshd #1.
start_skiffd
SKIFFD_HOP=$SKIFFD_PORT
before=$(grep -c "Accepted publickey for $TEST_USER" "$SKIFF_T/sshd.2/sshd.log")
run jump_skiffd "$SKIFF" -J "$TEST_USER@127.0.0.1:$SKIFFD_HOP,$TEST_USER@127.0.0.1:$SECOND" 127.0.0.1 'echo via-skiffd'
[[ $RC == 0 && $(cat "$SKIFF_T/jump_skiffd.out") == via-skiffd ]] ||
  die "-J through skiffd and sshd failed ($RC): $(cat "$SKIFF_T/jump_skiffd.err")"
grep -q "Accepted publickey for $TEST_USER" "$SKIFFD_LOG" || die "-J: the skiffd hop was not used"
[[ $(grep -c "Accepted publickey for $TEST_USER" "$SKIFF_T/sshd.2/sshd.log") -gt $before ]] ||
  die "-J: the sshd hop after skiffd was not used"
# OpenSSH's ssh through the same chain.
run jump_ssh ssh -J "$TEST_USER@127.0.0.1:$SKIFFD_HOP,$TEST_USER@127.0.0.1:$SECOND" 127.0.0.1 'echo ssh-via-skiffd'
[[ $RC == 0 && $(cat "$SKIFF_T/jump_ssh.out") == ssh-via-skiffd ]] ||
  die "ssh -J through skiffd failed ($RC): $(cat "$SKIFF_T/jump_ssh.err")"
log "-J: two hops (sshd, sshd) and (skiffd, sshd), skiff and ssh: ok"

# ---------------------------------------------------------------- refusals, as ssh says them
start_sshd "AllowTcpForwarding no"
RP=$(free_port)
for prog in ssh "$SKIFF"; do
  name=$(basename "$prog")
  P=$(free_port)
  client "deny_$name" "$prog" -N -L "$P:127.0.0.1:$ECHO_PORT" 127.0.0.1
  wait_port "$P" 20 "$CLIENT_PID" || die "$name -L (refused): no listener"
  python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $P)); s.recv(1)" || true
  for ((i = 0; i < 100; i++)); do grep -q 'open failed' "$SKIFF_T/deny_$name.err" && break; sleep 0.05; done
  grep -Eo 'channel [0-9]+: open failed: .*' "$SKIFF_T/deny_$name.err" | tr -d '\r' | sed 's/channel [0-9]*/channel N/' \
    >"$SKIFF_T/deny_$name.line"
  run "rdeny_$name" "$prog" -N -o ExitOnForwardFailure=yes -R "$RP:127.0.0.1:$ECHO_PORT" 127.0.0.1
  echo "$RC" >"$SKIFF_T/rdeny_$name.rc"
  grep -v '^debug' "$SKIFF_T/rdeny_$name.err" | tr -d '\r' >"$SKIFF_T/rdeny_$name.text"
done
# -f with ExitOnForwardFailure: the refusal is seen before going to the background.
run rdeny_fork "$SKIFF" -f -N -o ExitOnForwardFailure=yes -R "$RP:127.0.0.1:$ECHO_PORT" 127.0.0.1
[[ $RC == 255 ]] || die "-f -R refused: exit $RC, not 255"
[[ -s $SKIFF_T/deny_ssh.line ]] || die "ssh printed no 'open failed' line"
diff "$SKIFF_T/deny_ssh.line" "$SKIFF_T/deny_skiff.line" || die "-L refused: skiff's line differs from ssh's"
grep -q "administratively prohibited: open failed" "$SKIFF_T/deny_skiff.line" || die "-L refused: unexpected reason"
[[ $(cat "$SKIFF_T/rdeny_skiff.rc") == 255 && $(cat "$SKIFF_T/rdeny_ssh.rc") == 255 ]] || die "-R refused: exit status not 255"
diff "$SKIFF_T/rdeny_ssh.text" "$SKIFF_T/rdeny_skiff.text" || die "-R refused: skiff's text differs from ssh's"
log "refusals (AllowTcpForwarding no): same text as ssh"

# A local port in use: ssh's lines, and 255 with ExitOnForwardFailure.
for prog in ssh "$SKIFF"; do
  name=$(basename "$prog")
  run "busy_$name" "$prog" -o ExitOnForwardFailure=yes -4 -L "$ECHO_PORT:127.0.0.1:$ECHO_PORT" 127.0.0.1 true
  echo "$RC" >"$SKIFF_T/busy_$name.rc"
  tr -d '\r' <"$SKIFF_T/busy_$name.err" >"$SKIFF_T/busy_$name.text"
done
[[ $(cat "$SKIFF_T/busy_skiff.rc") == 255 ]] || die "-L on a port in use: skiff did not exit 255"
diff "$SKIFF_T/busy_ssh.text" "$SKIFF_T/busy_skiff.text" || die "-L on a port in use: skiff's text differs from ssh's"
log "-L on a port in use: same text and status as ssh"
log "all forwarding cases passed"
