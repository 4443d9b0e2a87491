#!/usr/bin/env bash
# Connection sharing (ControlMaster, PROTOCOL.mux) against OpenSSH, both ways: a skiff
# master serves skiff and OpenSSH's ssh as passengers, and skiff is a passenger of an
# OpenSSH master. Every passenger session must run without a new login at the server
# (counted in sshd's log), keep exit status, stdin/stdout (binary, 8 MiB) and stderr;
# -O check / exit / stop; -W through the master; ControlPersist; the control socket is
# private (mode 0600, another user refused).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen sha256sum setpriv
create_test_user
SK=$(skiff_bin skiff)
make_user_key ed25519 "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
start_sshd
mkdir -p "$SKIFF_T/home"

# Both clients alike: no configuration, the test key, known hosts in the temp dir.
opts=(-F /dev/null -p "$SSHD_PORT" -l "$TEST_USER" -i "$SKIFF_T/id" -o IdentitiesOnly=yes
  -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 -o IdentityAgent=none)
sk() { HOME=$SKIFF_T/home timeout -k 5 60 "$SK" "${opts[@]}" "$@"; }
os() { HOME=$SKIFF_T/home timeout -k 5 60 ssh "${opts[@]}" -o UpdateHostKeys=no "$@"; }
logins() { grep -c 'Accepted publickey' "$SSHD_LOG"; }
master_pid() { sed -n 's/^Master running (pid=\([0-9]*\)).*/\1/p' "$1"; }

# (Not sharing, but needs a server: RemoteCommand none clears the option, so a command
# on the line is allowed, as ssh.)
out=$(sk -o RemoteCommand=none 127.0.0.1 'echo rc-none' 2>"$SKIFF_T/rc.err") || die "RemoteCommand none with a command: $(cat "$SKIFF_T/rc.err")"
[[ $out == rc-none ]] || die "RemoteCommand none: '$out'"
# At LogLevel VERBOSE the end of a connection reports its bytes, as ssh's client_loop.
sk -v 127.0.0.1 true 2>"$SKIFF_T/v.err" || die "skiff -v: $(cat "$SKIFF_T/v.err")"
grep -Eq '^Transferred: sent [1-9][0-9]*, received [1-9][0-9]*( bytes, in [0-9]+\.[0-9] seconds)' "$SKIFF_T/v.err" ||
  die "no Transferred line: $(cat "$SKIFF_T/v.err")"
grep -Eq '^Bytes per second: sent [0-9]+\.[0-9], received [0-9]+\.[0-9]' "$SKIFF_T/v.err" || die "no Bytes per second line"

# ---- a skiff master (-M -N -f), then passengers of both kinds
CP=$SKIFF_T/cm-skiff
sk -o ControlMaster=yes -o ControlPath="$CP" -N -f -E "$SKIFF_T/master.log" -o LogLevel=DEBUG3 127.0.0.1 ||
  die "skiff -M -N -f failed"
for _ in $(seq 50); do [[ -S $CP ]] && break; sleep 0.1; done
[[ -S $CP ]] || die "no control socket at $CP"
[[ $(stat -c %a "$CP") == 600 ]] || die "control socket mode $(stat -c %a "$CP"), want 600"
sk -o ControlPath="$CP" -O check 127.0.0.1 2>"$SKIFF_T/check.err" || die "skiff -O check failed: $(cat "$SKIFF_T/check.err")"
MPID=$(master_pid "$SKIFF_T/check.err")
[[ -n $MPID ]] || die "-O check printed no pid: $(cat "$SKIFF_T/check.err")"
track_pid "$MPID"
[[ $(logins) -eq 3 ]] || die "expected one login after the master, got $(($(logins) - 2))"

# skiff passenger: output, stderr apart, exit status.
rc=0
out=$(sk -o ControlPath="$CP" 127.0.0.1 'echo out; echo err >&2; exit 3' 2>"$SKIFF_T/p.err") || rc=$?
[[ $out == out && $rc -eq 3 ]] || die "passenger: out '$out' status $rc"
grep -qx err "$SKIFF_T/p.err" || die "passenger stderr: $(cat "$SKIFF_T/p.err")"
# 8 MiB through stdin and back.
head -c $((8 << 20)) /dev/urandom >"$SKIFF_T/blob"
got=$(sk -o ControlPath="$CP" 127.0.0.1 cat <"$SKIFF_T/blob" | sha256sum)
want=$(sha256sum <"$SKIFF_T/blob")
[[ $got == "$want" ]] || die "8 MiB through a shared session: sha256 differs"
# OpenSSH's ssh as a passenger of skiff's master.
os -S "$CP" -O check 127.0.0.1 2>"$SKIFF_T/oscheck.err" || die "ssh -O check against skiff's master: $(cat "$SKIFF_T/oscheck.err")"
grep -q "Master running (pid=$MPID)" "$SKIFF_T/oscheck.err" || die "ssh -O check: $(cat "$SKIFF_T/oscheck.err")"
rc=0
out=$(os -S "$CP" 127.0.0.1 'echo via-openssh; exit 7') || rc=$?
[[ $out == via-openssh && $rc -eq 7 ]] || die "ssh passenger: out '$out' status $rc"
# -W through the master, as OpenSSH's ProxyCommand.
out=$(os -o ProxyCommand="$SK -F /dev/null -o ControlPath=$CP -W %h:%p 127.0.0.1" 127.0.0.1 'echo hop')
[[ $out == hop ]] || die "-W through the master: '$out'"
# Several passengers at once.
pids=()
for i in 1 2 3 4 5; do
  sk -o ControlPath="$CP" 127.0.0.1 "echo p$i" >"$SKIFF_T/par.$i" &
  pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4 5; do [[ $(cat "$SKIFF_T/par.$i") == "p$i" ]] || die "parallel passenger $i"; done
# None of them logged in again (the -W session's own login is the ssh inside it).
[[ $(logins) -eq 4 ]] || die "passengers made new logins: $(logins) logins in sshd's log"

# -O forward / cancel through the master (skiff's and OpenSSH's clients): a local
# forward to sshd's own port must then carry its banner; a remote forward of port 0
# prints the allocated port on stdout.
banner() { python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5); print(s.recv(64).decode(errors='replace').strip())" "$1" 2>/dev/null; }
for client in sk os; do
  LP=$(free_port)
  "$client" -o ControlPath="$CP" -O forward -L "$LP:127.0.0.1:$SSHD_PORT" 127.0.0.1 2>"$SKIFF_T/fwd.err" ||
    die "$client -O forward -L: $(cat "$SKIFF_T/fwd.err")"
  wait_port "$LP" 10 || die "$client -O forward -L: no listener on $LP"
  [[ $(banner "$LP") == SSH-2.0-OpenSSH* ]] || die "$client -O forward -L: no banner through the forward"
  "$client" -o ControlPath="$CP" -O cancel -L "$LP:127.0.0.1:$SSHD_PORT" 127.0.0.1 2>"$SKIFF_T/cancel.err" ||
    die "$client -O cancel -L: $(cat "$SKIFF_T/cancel.err")"
  for _ in $(seq 50); do port_listening "$LP" || break; sleep 0.1; done
  port_listening "$LP" && die "$client -O cancel -L: still listening on $LP"
  RPORT=$("$client" -o ControlPath="$CP" -O forward -R "0:127.0.0.1:$SSHD_PORT" 127.0.0.1 2>"$SKIFF_T/rfwd.err") ||
    die "$client -O forward -R 0: $(cat "$SKIFF_T/rfwd.err")"
  [[ $RPORT =~ ^[0-9]+$ ]] || die "$client -O forward -R 0: printed '$RPORT'"
  [[ $(banner "$RPORT") == SSH-2.0-OpenSSH* ]] || die "$client -O forward -R: no banner through port $RPORT"
  "$client" -o ControlPath="$CP" -O cancel -R "$RPORT:127.0.0.1:$SSHD_PORT" 127.0.0.1 2>"$SKIFF_T/rcancel.err" ||
    die "$client -O cancel -R: $(cat "$SKIFF_T/rcancel.err")"
done

# Another user cannot use the socket.
chmod 0755 "$SKIFF_T"
if HOME=/tmp setpriv --reuid skiffnone --regid skiffnone --clear-groups "$SK" -F /dev/null -o ControlPath="$CP" \
  -O check 127.0.0.1 2>"$SKIFF_T/other.err"; then
  die "another user's -O check succeeded"
fi
grep -q "Control socket connect($CP): Permission denied" "$SKIFF_T/other.err" || die "other user: $(cat "$SKIFF_T/other.err")"

# -O stop: the socket goes, the connection stays until -O exit... which then has no
# socket to reach: so exit first on a second master below; here stop, and end by pid.
sk -o ControlPath="$CP" -O stop 127.0.0.1 2>"$SKIFF_T/stop.err" || die "-O stop failed"
grep -q "Stop listening request sent." "$SKIFF_T/stop.err" || die "-O stop: $(cat "$SKIFF_T/stop.err")"
[[ ! -e $CP ]] || die "-O stop left the socket"
kill -0 "$MPID" 2>/dev/null || die "the master ended on -O stop"
stop_pid "$MPID"

# ---- ControlPersist: the first command starts a background master and runs through it
CP2=$SKIFF_T/cm-persist
out=$(sk -o ControlMaster=auto -o ControlPath="$CP2" -o ControlPersist=yes 127.0.0.1 'echo first')
[[ $out == first ]] || die "ControlPersist first session: '$out'"
sk -o ControlPath="$CP2" -O check 127.0.0.1 2>"$SKIFF_T/check2.err" || die "no persistent master"
MPID2=$(master_pid "$SKIFF_T/check2.err")
track_pid "$MPID2"
before=$(logins)
out=$(sk -o ControlMaster=auto -o ControlPath="$CP2" -o ControlPersist=yes 127.0.0.1 'echo second')
[[ $out == second && $(logins) -eq $before ]] || die "second session through the persistent master: '$out'"
sk -o ControlPath="$CP2" -O exit 127.0.0.1 2>"$SKIFF_T/exit.err" || die "-O exit failed"
grep -q "Exit request sent." "$SKIFF_T/exit.err" || die "-O exit: $(cat "$SKIFF_T/exit.err")"
for _ in $(seq 50); do kill -0 "$MPID2" 2>/dev/null || break; sleep 0.1; done
kill -0 "$MPID2" 2>/dev/null && die "the persistent master did not exit on -O exit"
[[ ! -e $CP2 ]] || die "the master left its socket behind"

# ControlPersist with a time: the master ends by itself once idle that long.
CP3=$SKIFF_T/cm-idle
out=$(sk -o ControlMaster=auto -o ControlPath="$CP3" -o ControlPersist=1 127.0.0.1 'echo idle')
[[ $out == idle ]] || die "ControlPersist=1: '$out'"
for _ in $(seq 50); do [[ -e $CP3 ]] || break; sleep 0.1; done
[[ ! -e $CP3 ]] || die "ControlPersist=1 master still there after 5 s"

# ---- skiff as a passenger of OpenSSH's master
CP4=$SKIFF_T/cm-openssh
os -o ControlMaster=yes -o ControlPath="$CP4" -N -f 127.0.0.1 || die "ssh -M -N -f failed"
os -S "$CP4" -O check 127.0.0.1 2>"$SKIFF_T/check4.err" || die "OpenSSH master not running"
OPID=$(master_pid "$SKIFF_T/check4.err")
track_pid "$OPID"
before=$(logins)
sk -o ControlPath="$CP4" -O check 127.0.0.1 2>"$SKIFF_T/check5.err" || die "skiff -O check against ssh's master"
grep -q "Master running (pid=$OPID)" "$SKIFF_T/check5.err" || die "skiff -O check: $(cat "$SKIFF_T/check5.err")"
rc=0
out=$(sk -o ControlPath="$CP4" 127.0.0.1 'echo via-skiff; echo e2 >&2; exit 5' 2>"$SKIFF_T/p4.err") || rc=$?
[[ $out == via-skiff && $rc -eq 5 ]] || die "skiff passenger of ssh's master: '$out' status $rc"
grep -qx e2 "$SKIFF_T/p4.err" || die "stderr through ssh's master: $(cat "$SKIFF_T/p4.err")"
got=$(sk -o ControlPath="$CP4" 127.0.0.1 cat <"$SKIFF_T/blob" | sha256sum)
[[ $got == "$want" ]] || die "8 MiB through ssh's master: sha256 differs"
[[ $(logins) -eq $before ]] || die "skiff passengers of ssh's master logged in again"
sk -o ControlPath="$CP4" -O exit 127.0.0.1 2>"$SKIFF_T/exit4.err" || die "skiff -O exit to ssh's master"
for _ in $(seq 50); do kill -0 "$OPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$OPID" 2>/dev/null && die "ssh's master did not exit on skiff -O exit"
log "connection sharing: skiff master with skiff and ssh passengers, skiff passenger of ssh's master"
exit 0
