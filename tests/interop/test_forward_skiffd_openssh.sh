#!/usr/bin/env bash
# skiffd's forwarding with OpenSSH's ssh as the client: -L, -R (a fixed port and -R 0),
# -D and -W each carrying 100 MiB (equal sha256) and 50 connections at once through
# python echo servers on loopback; Unix-socket -L and -R (the socket made as the user,
# a socket the user may not write refused); cancel of both kinds through a control
# master; "localhost" on both loopbacks, GatewayPorts yes, ports below 1024 and ports in
# use, StreamLocalBindUnlink; a skiffd run by the user itself; listeners and connections
# closed with the connection; and
# each option that forbids a kind of forwarding refusing it with ssh's own messages and
# exit codes and skiffd's log line in sshd's words: AllowTcpForwarding no/local/remote,
# DisableForwarding, PermitOpen, PermitListen, AllowStreamLocalForwarding no, and the
# authorized_keys options restrict, permitopen=, permitlisten=.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen python3 sha256sum stat
create_test_user
U=$TEST_USER
TOOL=$(dirname "$0")/forward_tool.py

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}
check_log() {  # check_log NAME FILE MARK PATTERN
  if wait_log "$2" "$3" "$4" 5; then log "ok: $1"; else fail_case "$1: /$4/ not in ${2#"$SKIFF_T"/}"; fi
}

# The test user reaches Unix sockets under $SKIFF_T: traverse only, no listing.
chmod 0711 "$SKIFF_T"
mkdir -p "$SKIFF_T/usock" "$SKIFF_T/echo"
chown "$U:" "$SKIFF_T/usock"
chmod 0700 "$SKIFF_T/usock"
chmod 0755 "$SKIFF_T/echo"

# Echo servers: TCP on a free loopback port, and two Unix sockets, one the user may
# write (chowned) and one only root may.
start_echo() {  # start_echo ADDR NAME -> ready file $SKIFF_T/NAME.ready
  python3 "$TOOL" echo-server "$1" "$SKIFF_T/$2.ready" >>"$SKIFF_T/echo-$2.log" 2>&1 &
  track_pid $!
  for ((i = 0; i < 100; i++)); do [[ -s $SKIFF_T/$2.ready ]] && return 0; sleep 0.05; done
  die "echo server $2 did not start"
}
start_echo 0 tcp
ECHO=$(cat "$SKIFF_T/tcp.ready")
start_echo "$SKIFF_T/echo/user.sock" unix_user
chown "$U:" "$SKIFF_T/echo/user.sock"
chmod 0600 "$SKIFF_T/echo/user.sock"
start_echo "$SKIFF_T/echo/root.sock" unix_root
chmod 0600 "$SKIFF_T/echo/root.sock"
CLOSED=$(free_port)  # nothing listens there

head -c 100M /dev/urandom >"$SKIFF_T/big"
BIG_SHA=$(sha256sum "$SKIFF_T/big" | cut -d' ' -f1)
head -c 10M "$SKIFF_T/big" >"$SKIFF_T/small"
SMALL_SHA=$(sha256sum "$SKIFF_T/small" | cut -d' ' -f1)

RP_ALLOWED=$(free_port)
for k in plain restrict popen plisten; do ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/$k"; done
{
  cat "$SKIFF_T/plain.pub"
  echo "restrict $(cat "$SKIFF_T/restrict.pub")"
  echo "permitopen=\"127.0.0.1:$ECHO\" $(cat "$SKIFF_T/popen.pub")"
  echo "permitlisten=\"127.0.0.1:$RP_ALLOWED\" $(cat "$SKIFF_T/plisten.pub")"
} >"$SKIFF_T/authorized_keys.$U"
chmod 0644 "$SKIFF_T/authorized_keys.$U"

# s KEY LOG [ssh args...]: ssh as the test user with KEY, its log in $SKIFF_T/LOG.
s() {
  local k=$1 l=$2
  shift 2
  _client_env_stdin ssh -F /dev/null -p "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 \
    -o IdentityAgent=none -o LogLevel=DEBUG3 -E "$SKIFF_T/$l" -i "$SKIFF_T/$k" -o IdentitiesOnly=yes \
    -o ExitOnForwardFailure=yes "$@"
}
# bg KEY LOG [ssh args...]: the same in the background, for -N forwards; sets BG.
bg() {
  SKIFF_CLIENT_TIMEOUT=600 s "$@" -N "$U@127.0.0.1" </dev/null &
  BG=$!
  track_pid "$BG"
}
stop_bg() { stop_pid "$BG"; }
wait_socket() {  # wait_socket PATH
  for ((i = 0; i < 100; i++)); do [[ -S $1 ]] && return 0; sleep 0.05; done
  return 1
}
sha_through() { python3 "$TOOL" send "$@" 2>&1; }
parallel() { python3 "$TOOL" parallel 50 262144 "$@" 2>&1; }

# ------------------------------------------------------------ everything allowed
start_skiffd
L=$(free_port)
bg plain ssh-L.log -L "$L:127.0.0.1:$ECHO"
wait_port "$L" 10 "$BG" || fail_case "-L: ssh did not listen"
check "-L: 100 MiB" "$(sha_through "$SKIFF_T/big" "$L")" "$BIG_SHA"
check "-L: 50 connections at once" "$(parallel "$L")" "ok 50"
# A direct-tcpip connection still open when the client goes: the connection process ends.
python3 "$TOOL" hold "$L" >"$SKIFF_T/holdL.out" 2>&1 &
track_pid $!
for ((i = 0; i < 100; i++)); do grep -q echoed "$SKIFF_T/holdL.out" && break; sleep 0.05; done
CHILD=$(pgrep -P "$SKIFFD_PID" | head -n 1)
stop_bg
for ((i = 0; i < 100; i++)); do kill -0 "${CHILD:-0}" 2>/dev/null || break; sleep 0.05; done
if [[ -z $CHILD ]] || kill -0 "$CHILD" 2>/dev/null; then
  fail_case "-L: the connection process '$CHILD' outlived its client"
else
  log "ok: -L: the connection process ended with an open forwarded connection"
fi
bg plain ssh-L.log -L "$L:127.0.0.1:$ECHO"
wait_port "$L" 10 "$BG" || fail_case "-L again: ssh did not listen"
L2=$(free_port)
m=$(log_mark "$SKIFF_T/ssh-L.log")
stop_bg
bg plain ssh-L2.log -L "$L2:127.0.0.1:$CLOSED"
wait_port "$L2" 10 "$BG" || fail_case "-L closed port: ssh did not listen"
check "-L to a closed port: closed" "$(python3 "$TOOL" probe "$L2")" closed
check_log "-L to a closed port: connect failed" "$SKIFF_T/ssh-L2.log" 0 \
  "open failed: connect failed: Connection refused"
check_log "-L to a closed port: skiffd's line" "$SKIFFD_LOG" 0 "connect_to 127.0.0.1 port $CLOSED: failed\."
stop_bg

R=$(free_port)
bg plain ssh-R.log -R "$R:127.0.0.1:$ECHO"
wait_port "$R" 10 "$BG" || fail_case "-R: skiffd did not listen"
check "-R: 100 MiB" "$(sha_through "$SKIFF_T/big" "$R")" "$BIG_SHA"
check "-R: 50 connections at once" "$(parallel "$R")" "ok 50"
# A forwarded connection still open when the client goes: closed, and the connection
# process ends (nothing left waiting on the socket).
python3 "$TOOL" hold "$R" >"$SKIFF_T/hold.out" 2>&1 &
HOLD=$!
track_pid "$HOLD"
for ((i = 0; i < 100; i++)); do grep -q echoed "$SKIFF_T/hold.out" && break; sleep 0.05; done
CHILD=$(pgrep -P "$SKIFFD_PID" | head -n 1)
stop_bg
for ((i = 0; i < 100; i++)); do grep -q eof "$SKIFF_T/hold.out" && break; sleep 0.05; done
check "-R: an open forwarded connection closed with the client" "$(tr '\n' ' ' <"$SKIFF_T/hold.out")" "echoed eof "
for ((i = 0; i < 100; i++)); do kill -0 "${CHILD:-0}" 2>/dev/null || break; sleep 0.05; done
if [[ -z $CHILD ]] || kill -0 "$CHILD" 2>/dev/null; then
  fail_case "-R: the connection process '$CHILD' outlived its client"
else
  log "ok: -R: the connection process ended"
fi
for ((i = 0; i < 50; i++)); do port_listening "$R" || break; sleep 0.1; done
if port_listening "$R"; then fail_case "-R: the listener outlived the connection"; else log "ok: -R listener closed with the connection"; fi

# "localhost" (ssh's default listen address) is both loopbacks, as sshd binds it.
bg plain ssh-Rlo.log -R "$R:127.0.0.1:$ECHO"
wait_port "$R" 10 "$BG" || fail_case "-R again: skiffd did not listen"
if [[ -n $(ip -6 addr show lo 2>/dev/null) ]]; then
  check "-R localhost: bound on ::1 and 127.0.0.1" \
    "$(ss -Htln "( sport = :$R )" | awk '{print $4}' | sort | tr '\n' ' ')" "127.0.0.1:$R [::1]:$R "
fi
stop_bg

# cancel-tcpip-forward, through a control master: the listener goes, the connection stays.
bg plain ssh-M.log -M -S "$SKIFF_T/ctl" -R "$R:127.0.0.1:$ECHO"
wait_port "$R" 10 "$BG" || fail_case "-R with a master: skiffd did not listen"
_client_env ssh -F /dev/null -S "$SKIFF_T/ctl" -O cancel -R "$R:127.0.0.1:$ECHO" x >/dev/null 2>&1 ||
  fail_case "ssh -O cancel failed"
for ((i = 0; i < 50; i++)); do port_listening "$R" || break; sleep 0.1; done
if port_listening "$R"; then fail_case "cancel: still listening"; else log "ok: cancel-tcpip-forward closed the listener"; fi
kill -0 "$BG" 2>/dev/null && log "ok: cancel: the connection stays" || fail_case "cancel: the master ended"
stop_bg

# Ports below 1024 are root's: the user's forward fails as in sshd's unprivileged child.
refused_R_low() {  # refused_R_low [LABEL]
  local rc=0 m t=${1:-}
  m=$(log_mark "$SKIFFD_LOG")
  s plain "R-low${t:+-user}.log" -N -R "1023:127.0.0.1:$ECHO" "$U@127.0.0.1" </dev/null >/dev/null 2>&1 || rc=$?
  check "$t-R 1023 as a user: ssh exits 255" "$rc" 255
  check_log "$t-R 1023: ssh's message" "$SKIFF_T/R-low${t:+-user}.log" 0 \
    "Error: remote port forwarding failed for listen port 1023"
  check_log "$t-R 1023: skiffd's line" "$SKIFFD_LOG" "$m" "bind \[127\.0\.0\.1\]:1023: Permission denied"
  check_log "$t-R 1023: skiffd's last line" "$SKIFFD_LOG" "$m" "cannot listen to port: 1023"
}
refused_R_low

bg plain ssh-R0.log -R "0:127.0.0.1:$ECHO"
wait_log "$SKIFF_T/ssh-R0.log" 0 "Allocated port [0-9]+ for remote forward" 10 || fail_case "-R 0: no allocated port"
R0=$(grep -Eo 'Allocated port [0-9]+' "$SKIFF_T/ssh-R0.log" | head -n 1 | awk '{print $3}')
check "-R 0: 100 MiB on the allocated port $R0" "$(sha_through "$SKIFF_T/big" "${R0:-1}")" "$BIG_SHA"
check "-R 0: 50 connections at once" "$(parallel "${R0:-1}")" "ok 50"
stop_bg

D=$(free_port)
bg plain ssh-D.log -D "$D"
wait_port "$D" 10 "$BG" || fail_case "-D: ssh did not listen"
check "-D: 100 MiB" "$(sha_through "$SKIFF_T/big" "127.0.0.1:$ECHO" --socks "127.0.0.1:$D")" "$BIG_SHA"
check "-D: 50 connections at once" "$(parallel "127.0.0.1:$ECHO" --socks "127.0.0.1:$D")" "ok 50"
stop_bg

SKIFF_CLIENT_TIMEOUT=300 s plain ssh-W.log -W "127.0.0.1:$ECHO" "$U@127.0.0.1" <"$SKIFF_T/big" >"$SKIFF_T/W.out" 2>/dev/null
check "-W: 100 MiB" "$(sha256sum "$SKIFF_T/W.out" | cut -d' ' -f1)" "$BIG_SHA"

# A name with two addresses: ::1 refused, then 127.0.0.1, as sshd tries each in turn.
check "-W localhost: the next address after a refusal" \
  "$(echo hello | s plain W-localhost.log -W "localhost:$ECHO" "$U@127.0.0.1" 2>/dev/null)" hello

# A port already taken: sshd's bind error, then the forward fails.
m=$(log_mark "$SKIFFD_LOG")
rc=0
s plain R-inuse.log -N -R "127.0.0.1:$ECHO:127.0.0.1:$ECHO" "$U@127.0.0.1" </dev/null >/dev/null 2>&1 || rc=$?
check "-R on a port in use: ssh exits 255" "$rc" 255
check_log "-R on a port in use: skiffd's line" "$SKIFFD_LOG" "$m" \
  "bind \[127\.0\.0\.1\]:$ECHO: Address already in use"

# Unix sockets: -L to one the user may write, to one only root may, -R made as the user.
bg plain ssh-Lu.log -L "$SKIFF_T/lu.sock:$SKIFF_T/echo/user.sock"
wait_socket "$SKIFF_T/lu.sock" || fail_case "Unix -L: ssh did not listen"
check "Unix -L: 10 MiB" "$(sha_through "$SKIFF_T/small" "$SKIFF_T/lu.sock")" "$SMALL_SHA"
stop_bg
m=$(log_mark "$SKIFFD_LOG")
bg plain ssh-Lr.log -L "$SKIFF_T/lr.sock:$SKIFF_T/echo/root.sock"
wait_socket "$SKIFF_T/lr.sock" || fail_case "Unix -L (root's socket): ssh did not listen"
check "Unix -L to a socket the user may not write: closed" "$(python3 "$TOOL" probe "$SKIFF_T/lr.sock")" closed
check_log "Unix -L refused: ssh's line" "$SKIFF_T/ssh-Lr.log" 0 "open failed: connect failed: open failed"
check_log "Unix -L refused: skiffd's line" "$SKIFFD_LOG" "$m" \
  "connect to $SKIFF_T/echo/root.sock port -2 failed: Permission denied"
stop_bg
bg plain ssh-Ru.log -R "$SKIFF_T/usock/r.sock:127.0.0.1:$ECHO"
wait_socket "$SKIFF_T/usock/r.sock" || fail_case "Unix -R: no socket"
check "Unix -R: the socket's owner and mode" "$(stat -c '%U %A' "$SKIFF_T/usock/r.sock")" "$U srw-------"
check "Unix -R: 10 MiB" "$(sha_through "$SKIFF_T/small" "$SKIFF_T/usock/r.sock")" "$SMALL_SHA"
stop_bg
rm -f "$SKIFF_T/usock/r.sock"
# cancel-streamlocal-forward through a master: new connections are no longer forwarded.
bg plain ssh-Mu.log -M -S "$SKIFF_T/ctlu" -R "$SKIFF_T/usock/c.sock:127.0.0.1:$ECHO"
wait_socket "$SKIFF_T/usock/c.sock" || fail_case "Unix -R with a master: no socket"
_client_env ssh -F /dev/null -S "$SKIFF_T/ctlu" -O cancel -R "$SKIFF_T/usock/c.sock:127.0.0.1:$ECHO" x \
  >/dev/null 2>&1 || fail_case "ssh -O cancel (Unix) failed"
check "cancel-streamlocal-forward: nobody listens any more" \
  "$(python3 "$TOOL" probe "$SKIFF_T/usock/c.sock" | cut -d' ' -f1)" error
stop_bg
rm -f "$SKIFF_T/usock/c.sock"
# Something already at the path: refused without StreamLocalBindUnlink (see below with it).
su -s /bin/sh "$U" -c "touch '$SKIFF_T/usock/stale.sock'"
m=$(log_mark "$SKIFFD_LOG")
rc=0
s plain R-stale.log -N -R "$SKIFF_T/usock/stale.sock:127.0.0.1:$ECHO" "$U@127.0.0.1" </dev/null >/dev/null 2>&1 || rc=$?
check "Unix -R over a file: ssh exits 255" "$rc" 255
check_log "Unix -R over a file: ssh's message" "$SKIFF_T/R-stale.log" 0 \
  "Error: remote port forwarding failed for listen path $SKIFF_T/usock/stale.sock"
check_log "Unix -R over a file: skiffd's line" "$SKIFFD_LOG" "$m" \
  "cannot bind to path $SKIFF_T/usock/stale.sock: Address already in use"

# ------------------------------------------------------------ authorized_keys options
refused_W() {  # refused_W NAME KEY TARGET_PORT SKIFFD_LOG_PATTERN
  local rc=0 m
  m=$(log_mark "$SKIFFD_LOG")
  s "$2" "W-$1.log" -W "127.0.0.1:$3" "$U@127.0.0.1" </dev/null >/dev/null 2>&1 || rc=$?
  check "$1: ssh -W exits 255" "$rc" 255
  check_log "$1: ssh's message" "$SKIFF_T/W-$1.log" 0 \
    "channel [0-9]+: open failed: administratively prohibited: open failed"
  check_log "$1: skiffd's line" "$SKIFFD_LOG" "$m" "$4"
}
refused_R() {  # refused_R NAME KEY SPEC LISTEN [SKIFFD_LOG_PATTERN]
  local rc=0 m
  m=$(log_mark "$SKIFFD_LOG")
  s "$2" "R-$1.log" -N -R "$3" "$U@127.0.0.1" </dev/null >/dev/null 2>&1 || rc=$?
  check "$1: ssh -R exits 255" "$rc" 255
  check_log "$1: ssh's message" "$SKIFF_T/R-$1.log" 0 "Error: remote port forwarding failed for listen $4"
  [[ -z ${5:-} ]] || check_log "$1: skiffd's line" "$SKIFFD_LOG" "$m" "$5"
}
allowed_W() {  # allowed_W NAME KEY
  check "$1: -W allowed" "$(echo hello | s "$2" "W-$1.log" -W "127.0.0.1:$ECHO" "$U@127.0.0.1" 2>/dev/null)" hello
}

refused_W "restrict" restrict "$ECHO" "refused local port forward: originator .* target 127\.0\.0\.1 port $ECHO"
refused_R "restrict" restrict "$(free_port):127.0.0.1:$ECHO" "port [0-9]+"
allowed_W "permitopen=" popen
refused_W "permitopen= other port" popen "$CLOSED" \
  "Received request from 127\.0\.0\.1 port [0-9]+ to connect to host 127\.0\.0\.1 port $CLOSED, but the request was denied\."
bg plisten ssh-plisten.log -R "127.0.0.1:$RP_ALLOWED:127.0.0.1:$ECHO"
wait_port "$RP_ALLOWED" 10 "$BG" && log "ok: permitlisten= allows its port" || fail_case "permitlisten=: its port refused"
stop_bg
OTHER=$(free_port)
refused_R "permitlisten= other port" plisten "$OTHER:127.0.0.1:$ECHO" "port $OTHER" \
  "Received request from 127\.0\.0\.1 port [0-9]+ to remote forward to host localhost port $OTHER, but the request was denied\."
stop_pid "$SKIFFD_PID"

# ------------------------------------------------------------ sshd_config options
start_skiffd "AllowTcpForwarding no"
m=$(log_mark "$SKIFFD_LOG")
L=$(free_port)
bg plain ssh-Lno.log -L "$L:127.0.0.1:$ECHO"
wait_port "$L" 10 "$BG" || fail_case "AllowTcpForwarding no: ssh did not listen"
check "AllowTcpForwarding no: -L connection closed" "$(python3 "$TOOL" probe "$L")" closed
check_log "AllowTcpForwarding no: -L ssh's message" "$SKIFF_T/ssh-Lno.log" 0 \
  "channel [0-9]+: open failed: administratively prohibited: open failed"
check_log "AllowTcpForwarding no: -L skiffd's line" "$SKIFFD_LOG" "$m" \
  "refused local port forward: originator 127\.0\.0\.1 port [0-9]+, target 127\.0\.0\.1 port $ECHO"
stop_bg
OTHER=$(free_port)
refused_R "AllowTcpForwarding no" plain "$OTHER:127.0.0.1:$ECHO" "port $OTHER"
stop_pid "$SKIFFD_PID"

start_skiffd "AllowTcpForwarding local"
allowed_W "AllowTcpForwarding local" plain
OTHER=$(free_port)
refused_R "AllowTcpForwarding local" plain "$OTHER:127.0.0.1:$ECHO" "port $OTHER"
stop_pid "$SKIFFD_PID"

start_skiffd "AllowTcpForwarding remote" "GatewayPorts yes" "StreamLocalBindUnlink yes"
refused_W "AllowTcpForwarding remote" plain "$ECHO" "refused local port forward: originator .* port $ECHO"
R=$(free_port)
bg plain ssh-Rremote.log -R "$R:127.0.0.1:$ECHO"
wait_port "$R" 10 "$BG" && log "ok: AllowTcpForwarding remote allows -R" || fail_case "AllowTcpForwarding remote: -R refused"
check "GatewayPorts yes: every address" "$(ss -Htln "( sport = :$R )" | awk '{print $4}' | grep -c -E '^(0\.0\.0\.0|\*):')" 1
stop_bg
bg plain ssh-unlink.log -R "$SKIFF_T/usock/stale.sock:127.0.0.1:$ECHO"
for ((i = 0; i < 100; i++)); do [[ -S $SKIFF_T/usock/stale.sock ]] && break; sleep 0.05; done
check "StreamLocalBindUnlink yes: the file replaced by the socket" "$(stat -c %F "$SKIFF_T/usock/stale.sock")" socket
stop_bg
stop_pid "$SKIFFD_PID"

start_skiffd "DisableForwarding yes"
refused_W "DisableForwarding" plain "$ECHO" "refused local port forward: originator .* port $ECHO"
OTHER=$(free_port)
refused_R "DisableForwarding" plain "$OTHER:127.0.0.1:$ECHO" "port $OTHER"
refused_R "DisableForwarding (Unix -R)" plain "$SKIFF_T/usock/d.sock:127.0.0.1:$ECHO" "path $SKIFF_T/usock/d.sock"
stop_pid "$SKIFFD_PID"

start_skiffd "PermitOpen 127.0.0.1:$ECHO"
allowed_W "PermitOpen" plain
refused_W "PermitOpen other port" plain "$CLOSED" \
  "Received request from 127\.0\.0\.1 port [0-9]+ to connect to host 127\.0\.0\.1 port $CLOSED, but the request was denied\."
stop_pid "$SKIFFD_PID"

start_skiffd "PermitListen 127.0.0.1:$RP_ALLOWED"
bg plain ssh-PL.log -R "127.0.0.1:$RP_ALLOWED:127.0.0.1:$ECHO"
wait_port "$RP_ALLOWED" 10 "$BG" && log "ok: PermitListen allows its port" || fail_case "PermitListen: its port refused"
stop_bg
OTHER=$(free_port)
refused_R "PermitListen other port" plain "$OTHER:127.0.0.1:$ECHO" "port $OTHER" \
  "Received request from 127\.0\.0\.1 port [0-9]+ to remote forward to host localhost port $OTHER, but the request was denied\."
stop_pid "$SKIFFD_PID"

start_skiffd "AllowStreamLocalForwarding no"
m=$(log_mark "$SKIFFD_LOG")
bg plain ssh-SLno.log -L "$SKIFF_T/slno.sock:$SKIFF_T/echo/user.sock"
wait_socket "$SKIFF_T/slno.sock" || fail_case "AllowStreamLocalForwarding no: ssh did not listen"
check "AllowStreamLocalForwarding no: Unix -L closed" "$(python3 "$TOOL" probe "$SKIFF_T/slno.sock")" closed
# sshd refuses these with its default reason, "connect failed".
check_log "AllowStreamLocalForwarding no: ssh's message" "$SKIFF_T/ssh-SLno.log" 0 \
  "open failed: connect failed: open failed"
check_log "AllowStreamLocalForwarding no: skiffd's line" "$SKIFFD_LOG" "$m" \
  "refused streamlocal port forward: originator .* target $SKIFF_T/echo/user.sock"
stop_bg
refused_R "AllowStreamLocalForwarding no (Unix -R)" plain "$SKIFF_T/usock/n.sock:127.0.0.1:$ECHO" \
  "path $SKIFF_T/usock/n.sock"
allowed_W "AllowStreamLocalForwarding no leaves TCP" plain
stop_pid "$SKIFFD_PID"

# ------------------------------------------------------------ skiffd run by the user
# An ordinary user's skiffd serves only that user, with no identity to switch: the
# kernel decides about low ports, and sockets are the user's anyway.
require_cmd setpriv
UDIR=$SKIFF_T/userd
mkdir -p "$UDIR"
cp "$(sshd_hostkey ed25519)" "$UDIR/hostkey"
chown -R "$U:" "$UDIR"
chmod 0700 "$UDIR"
chmod 0600 "$UDIR/hostkey"
UPORT=$(free_port)
printf '%s\n' "HostKey $UDIR/hostkey" "ListenAddress 127.0.0.1" "Port $UPORT" "PidFile $UDIR/pid" \
  "StrictModes no" "LogLevel DEBUG3" "AuthorizedKeysFile $SKIFF_T/authorized_keys.%u" >"$UDIR/config"
chown "$U:" "$UDIR/config"
SKIFFD=$(skiff_bin skiffd/skiffd)
[[ $SKIFFD == /* ]] || SKIFFD=$(cd "$(dirname "$SKIFFD")" && pwd)/$(basename "$SKIFFD")
setsid setpriv --reuid="$U" --regid="$U" --init-groups env HOME="$TEST_USER_HOME" \
  "$SKIFFD" -D -e -f "$UDIR/config" -E "$UDIR/log" </dev/null >"$UDIR/out" 2>&1 &
UPID=$!
track_pid "$UPID"
if wait_port "$UPORT" 20 "$UPID"; then
  SKIFFD_PORT=$UPORT SKIFFD_LOG=$UDIR/log
  L=$(free_port)
  bg plain ssh-userL.log -L "$L:127.0.0.1:$ECHO"
  wait_port "$L" 10 "$BG" || fail_case "user's skiffd -L: ssh did not listen"
  check "user's skiffd: -L 10 MiB" "$(sha_through "$SKIFF_T/small" "$L")" "$SMALL_SHA"
  stop_bg
  bg plain ssh-userR.log -R "$SKIFF_T/usock/user.sock:127.0.0.1:$ECHO"
  wait_socket "$SKIFF_T/usock/user.sock" || fail_case "user's skiffd Unix -R: no socket"
  check "user's skiffd: Unix -R socket" "$(stat -c '%U %A' "$SKIFF_T/usock/user.sock" 2>&1)" "$U srw-------"
  check "user's skiffd: Unix -R 10 MiB" "$(sha_through "$SKIFF_T/small" "$SKIFF_T/usock/user.sock")" "$SMALL_SHA"
  stop_bg
  refused_R_low "user's skiffd: "
else
  fail_case "the user's skiffd did not start: $(cat "$UDIR/out" "$UDIR/log" 2>/dev/null | tail -n 5)"
fi
stop_pid "$UPID"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all forwarding cases passed"
