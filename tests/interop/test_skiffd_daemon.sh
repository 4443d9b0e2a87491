#!/usr/bin/env bash
# skiffd as a daemon, next to OpenSSH 9.2's sshd: -t and -T against sshd's own output
# for the same files, listeners and one re-executed process per connection, host keys
# fetched by ssh-keyscan, daemonizing with a PidFile, SIGHUP restart in place, SIGTERM,
# inetd mode through ssh's ProxyCommand, MaxStartups, and an ordinary user's skiffd.
#
# This build of skiffd ends every connection after the key exchange (authentication
# comes with the server API), so clients here stop at the host key.
source "$(dirname "$0")/lib.sh"
require_root "to compare with sshd -t/-T and to run skiffd as another user"
require_cmd ssh ssh-keyscan ssh-keygen setpriv
SKIFFD=$(skiff_bin skiffd/skiffd)
[[ $SKIFFD == /* ]] || SKIFFD=$(cd "$(dirname "$SKIFFD")" && pwd)/$(basename "$SKIFFD")
make_sshd_hostkeys
ED25519=$(sshd_hostkey ed25519)
ECDSA=$(sshd_hostkey ecdsa256)
RSA=$(sshd_hostkey rsa3072)

# ---------------------------------------------------------------- -t

cfg() {  # cfg NAME LINES...: a configuration file in the temp dir
  local f=$SKIFF_T/$1
  shift
  printf '%s\n' "$@" >"$f"
  printf '%s\n' "$f"
}

expect_status() {  # expect_status WANT OUTFILE CMD...
  local want=$1 out=$2 rc=0
  shift 2
  "$@" >"$out" 2>&1 || rc=$?
  [[ $rc -eq $want ]] || { cat "$out" >&2; die "$* exited $rc, want $want"; }
}

GOOD=$(cfg good.conf "HostKey $ED25519" "HostKey $RSA" "Port 2200" "PermitRootLogin no" \
  "Match User alice" "  PasswordAuthentication no")
expect_status 0 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$GOOD"
[[ ! -s $SKIFF_T/t.out ]] || die "skiffd -t printed something for a good file"

BAD=$(cfg bad.conf "HostKey $ED25519" "Port 2200" "NoSuchKeyword yes" "AlsoBad 1")
expect_status 255 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$BAD"
grep -qx "$BAD: line 3: Bad configuration option: NoSuchKeyword" "$SKIFF_T/t.out" || die "no file:line for the keyword"
grep -qx "$BAD: terminating, 2 bad configuration options" "$SKIFF_T/t.out" || die "no terminating line"
# sshd says the same about the same file (it ends its stderr lines with CR LF).
{ "$SKIFF_SSHD" -t -f "$BAD" 2>&1 || true; } | tr -d "\r" >"$SKIFF_T/sshd-t.out"
diff "$SKIFF_T/sshd-t.out" "$SKIFF_T/t.out" >&2 || die "skiffd -t and sshd -t disagree on $BAD"
# A bad port: sshd stops at it (fatal); skiffd names it the same way and goes on.
BADPORT=$(cfg badport.conf "HostKey $ED25519" "Port seventy")
expect_status 255 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$BADPORT"
grep -qx "$BADPORT line 2: Badly formatted port number." "$SKIFF_T/t.out" || die "no file:line for the port"

INMATCH=$(cfg inmatch.conf "HostKey $ED25519" "Match Address 10.0.0.0/8" "  Port 2201")
expect_status 255 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$INMATCH"
grep -q "line 3: Directive 'Port' is not allowed within a Match block" "$SKIFF_T/t.out" || die "Match check"

expect_status 1 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$SKIFF_T/missing.conf"
grep -qx "$SKIFF_T/missing.conf: No such file or directory" "$SKIFF_T/t.out" || die "missing file message"
expect_status 1 "$SKIFF_T/t.out" "$SKIFFD" -Z
grep -q '^usage: skiffd \[-46DdeiqTtV\]' "$SKIFF_T/t.out" || die "no usage for a bad flag"
# A bad -o stops at once, with sshd's words and status.
expect_status 1 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$GOOD" -o NoSuch=1
grep -qx 'command-line: line 0: Bad configuration option: NoSuch' "$SKIFF_T/t.out" || die "bad -o message"
expect_status 255 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$GOOD" -C user=x
grep -qx 'Config test connection parameter (-C) provided without test mode (-T)' "$SKIFF_T/t.out" || die "-C without -T"
expect_status 1 "$SKIFF_T/t.out" "$SKIFFD" -t -p 0 -f "$GOOD"
grep -qx 'Bad port number.' "$SKIFF_T/t.out" || die "bad -p"

# Host key permissions, as sshd refuses them.
cp "$ED25519" "$SKIFF_T/open_key" && chmod 0644 "$SKIFF_T/open_key"
OPEN=$(cfg open.conf "HostKey $SKIFF_T/open_key")
expect_status 1 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$OPEN"
grep -qx "Permissions 0644 for '$SKIFF_T/open_key' are too open." "$SKIFF_T/t.out" || die "no permission warning"
grep -qx 'skiffd: no hostkeys available -- exiting.' "$SKIFF_T/t.out" || die "no 'no hostkeys' line"
# A missing key among good ones is reported and skipped.
expect_status 0 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$GOOD" -h "$SKIFF_T/nokey"
grep -qx "Unable to load host key: $SKIFF_T/nokey" "$SKIFF_T/t.out" || die "missing -h key not reported"
# sshd refuses AuthenticationMethods that no enabled method can satisfy; so does skiffd.
NOAUTH=$(cfg noauth.conf "HostKey $ED25519" "PasswordAuthentication no" "AuthenticationMethods publickey,password")
expect_status 255 "$SKIFF_T/t.out" "$SKIFFD" -t -f "$NOAUTH"
{ "$SKIFF_SSHD" -t -f "$NOAUTH" 2>&1 || true; } | tr -d "\r" >"$SKIFF_T/sshd-t.out"
diff "$SKIFF_T/sshd-t.out" "$SKIFF_T/t.out" >&2 || die "skiffd -t and sshd -t disagree on $NOAUTH"
log "-t: good and bad files, flags, key permissions: ok"

# ---------------------------------------------------------------- -T against sshd -T

# Lines that differ for a reason, masked on both sides:
#  ciphers, macs, kexalgorithms, hostkeyalgorithms, pubkeyacceptedalgorithms,
#  casignaturealgorithms, hostbasedacceptedalgorithms: skiff implements no umac, no
#    sntrup761, no certificates and no security keys, so its lists are shorter;
#  gssapikexalgorithms: skiff has no GSSAPI; it prints "none";
#  pidfile: the defaults differ by design (/run/skiffd.pid); every table entry sets it.
MASK='^(ciphers|macs|kexalgorithms|hostkeyalgorithms|pubkeyacceptedalgorithms|casignaturealgorithms|hostbasedacceptedalgorithms|gssapikexalgorithms) '
compare_T() {  # compare_T NAME [flags for both...] [-- LINES...]
  local name=$1 spec=()
  shift
  while (($#)) && [[ $1 != -- ]]; do spec+=("$1"); shift; done
  (($#)) && shift
  local f
  f=$(cfg "T-$name.conf" "HostKey $ED25519" "PidFile $SKIFF_T/T.pid" "$@")
  "$SKIFF_SSHD" -T -f "$f" "${spec[@]}" 2>"$SKIFF_T/T-$name.sshd.err" | grep -Ev "$MASK" >"$SKIFF_T/T-$name.sshd" ||
    die "sshd -T failed on $name: $(cat "$SKIFF_T/T-$name.sshd.err")"
  "$SKIFFD" -T -f "$f" "${spec[@]}" 2>"$SKIFF_T/T-$name.err" | grep -Ev "$MASK" >"$SKIFF_T/T-$name.skiffd" ||
    die "skiffd -T failed on $name: $(cat "$SKIFF_T/T-$name.err")"
  diff -u "$SKIFF_T/T-$name.sshd" "$SKIFF_T/T-$name.skiffd" >&2 || die "skiffd -T differs from sshd -T for $name"
}
compare_T defaults
compare_T ports -- "Port 2200" "Port 2201" "ListenAddress 127.0.0.1" "ListenAddress [::1]:2299" "AddressFamily any"
compare_T auth -- "PermitRootLogin no" "PasswordAuthentication yes" "KbdInteractiveAuthentication no" \
  "AuthenticationMethods publickey,password publickey,keyboard-interactive" "MaxAuthTries 3" "MaxSessions 4" \
  "MaxStartups 5:50:20" "LoginGraceTime 1m30s" "ClientAliveInterval 60" "ClientAliveCountMax 5" \
  "AuthorizedKeysFile .ssh/authorized_keys /etc/skiff/keys/%u" "AllowUsers alice bob" "DenyGroups nope" \
  "PermitEmptyPasswords yes" "StrictModes no" "Banner /etc/issue.net" "PrintMotd no" "PrintLastLog no"
compare_T session -- "AcceptEnv LANG LC_*" "AcceptEnv TZ" "SetEnv A=1 B=2" "Subsystem sftp /usr/lib/openssh/sftp-server" \
  "ForceCommand /bin/true" "PermitTTY no" "ChrootDirectory /srv/%u" "PermitUserEnvironment LANG,TZ" \
  "LogLevel VERBOSE" "SyslogFacility LOCAL3" "RekeyLimit 1G 1h" "X11Forwarding yes" "AllowTcpForwarding local" \
  "GatewayPorts clientspecified" "TCPKeepAlive no" "UseDNS yes" "PermitTunnel point-to-point" "PermitOpen 10.0.0.1:80"
compare_T algorithms -- "Ciphers aes128-ctr,aes256-gcm@openssh.com" "MACs hmac-sha2-256" \
  "KexAlgorithms curve25519-sha256" "HostKeyAlgorithms ssh-ed25519"
# Command-line flags: -p replaces the files' Port lines, -o comes first, -4 limits the family.
compare_T flags -p 2300 -p 2301 -o "ListenAddress 127.0.0.1" -o "MaxAuthTries=2" -4 -- "Port 2200" "MaxAuthTries 5"
compare_T hostkey-flag -h "$RSA" -g 45 -- "HostKey $ECDSA"
MATCH_LINES=("PasswordAuthentication yes" "Match User alice Address 192.0.2.0/24" "  PasswordAuthentication no"
  "  ForceCommand /usr/bin/restricted" "Match LocalPort 2201" "  MaxAuthTries 2" "Match Host *.example.org" "  Banner none")
compare_T match-alice -C user=alice,host=a.example.org,addr=192.0.2.7,laddr=127.0.0.1,lport=2201 -- "${MATCH_LINES[@]}"
compare_T match-bob -C user=bob,host=b.example.net,addr=198.51.100.1,laddr=127.0.0.1,lport=22 -- "${MATCH_LINES[@]}"
log "-T: same output as sshd -T for $(ls "$SKIFF_T"/T-*.conf | wc -l) configurations (algorithm lists masked)"

# ---------------------------------------------------------------- a foreground skiffd

# start_skiffd NAME [config lines...]: skiffd -D -e on 127.0.0.1 and a free port with the
# test's host keys. Sets SKIFFD_PORT SKIFFD_PID SKIFFD_LOG SKIFFD_CONF.
start_skiffd() {
  local name=$1 attempt port pid
  shift
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    SKIFFD_CONF=$(cfg "$name.conf" "$@" "ListenAddress 127.0.0.1" "Port $port" \
      "HostKey $ED25519" "HostKey $ECDSA" "HostKey $RSA" "PidFile none")
    SKIFFD_LOG=$SKIFF_T/$name.log
    setsid "$SKIFFD" -D -e -f "$SKIFFD_CONF" -E "$SKIFFD_LOG" </dev/null >>"$SKIFF_T/$name.out" 2>&1 &
    pid=$!
    track_pid "$pid"
    if wait_port "$port" 10 "$pid"; then
      SKIFFD_PORT=$port SKIFFD_PID=$pid
      return 0
    fi
    stop_pid "$pid"
    grep -qs 'Address already in use' "$SKIFFD_LOG" && continue
    die "skiffd did not start: $(cat "$SKIFFD_LOG" "$SKIFF_T/$name.out" 2>/dev/null)"
  done
  die "skiffd: no free port"
}

# connection_children PID: the connection processes skiffd PID has now.
connection_children() {
  local p
  for p in $(ps -o pid= --ppid "$1"); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '--skiffd-connection' && echo "$p"
  done
  return 0
}

hold_connection() {  # hold_connection PORT SECONDS: an idle TCP connection, in the background
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && sleep "$2") &
  track_pid $!
}

start_skiffd fg
expect_log "$SKIFFD_LOG" 0 "^Server listening on 127\.0\.0\.1 port $SKIFFD_PORT\.$"

# ssh-keyscan gets exactly the host keys of the files.
ssh-keyscan -p "$SKIFFD_PORT" -t ed25519,ecdsa,rsa 127.0.0.1 2>/dev/null | awk '{print $2, $3}' | sort >"$SKIFF_T/scanned"
cat "$ED25519.pub" "$ECDSA.pub" "$RSA.pub" | awk '{print $1, $2}' | sort >"$SKIFF_T/expected"
diff "$SKIFF_T/expected" "$SKIFF_T/scanned" >&2 || die "ssh-keyscan did not return the configured host keys"
log "ssh-keyscan: the three host keys: ok"

# ssh gets the host key, then an ordinary refusal: nobody has no key and no password
# here (logins themselves are test_login_*.sh's).
run_ssh "$SKIFF_T/ssh-fg.log" "$SKIFFD_PORT" -o HostKeyAlgorithms=ssh-ed25519 nobody@127.0.0.1 true && die "ssh succeeded?"
grep -q "Server host key: ssh-ed25519 $(key_fingerprint "$ED25519.pub")" "$SKIFF_T/ssh-fg.log" || die "ssh saw no host key"
grep -q 'Permission denied' "$SKIFF_T/ssh-fg.log" || die "ssh was not refused with 'Permission denied'"

# One re-executed process per connection, child of the listener, with its own session.
hold_connection "$SKIFFD_PORT" 6
hold_connection "$SKIFFD_PORT" 6
for ((i = 0; i < 40; i++)); do
  [[ $(connection_children "$SKIFFD_PID" | wc -l) -eq 2 ]] && break
  sleep 0.1
done
mapfile -t KIDS < <(connection_children "$SKIFFD_PID")
[[ ${#KIDS[@]} -eq 2 ]] || die "want 2 connection processes, have ${#KIDS[@]}"
for k in "${KIDS[@]}"; do
  [[ $(readlink "/proc/$k/exe") == "$(readlink -f "$SKIFFD")" ]] || die "child $k is not a re-executed skiffd"
  [[ $(ps -o sid= -p "$k" | tr -d ' ') == "$k" ]] || die "child $k is not a session leader"
  [[ -S /proc/$k/fd/3 || $(readlink "/proc/$k/fd/3") == socket:* ]] || die "child $k has no socket on fd 3"
done
# The listener holds no connection socket itself.
[[ $(ls -l "/proc/$SKIFFD_PID/fd" | grep -c 'socket:') -eq 1 ]] || die "the listener keeps connection sockets"
log "one process per connection: ok (${KIDS[*]})"
stop_pid "$SKIFFD_PID"

# ---------------------------------------------------------------- MaxStartups

start_skiffd maxstartups "MaxStartups 2:100:2" "LoginGraceTime 20"
hold_connection "$SKIFFD_PORT" 8
hold_connection "$SKIFFD_PORT" 8
for ((i = 0; i < 40; i++)); do
  [[ $(connection_children "$SKIFFD_PID" | wc -l) -eq 2 ]] && break
  sleep 0.1
done
exec 5<>"/dev/tcp/127.0.0.1/$SKIFFD_PORT"
reply=$(timeout 5 head -c 100 <&5 | tr -d '\r' || true)
exec 5<&-
[[ $reply == "Exceeded MaxStartups" ]] || die "third connection got '$reply', not a MaxStartups drop"
expect_log "$SKIFFD_LOG" 0 "^beginning MaxStartups throttling$"
expect_log "$SKIFFD_LOG" 0 "drop connection #2 from \[127\.0\.0\.1\]:[0-9]+ on \[127\.0\.0\.1\]:$SKIFFD_PORT past MaxStartups"
stop_pid "$SKIFFD_PID"
log "MaxStartups 2:100:2 drops the third unauthenticated connection: ok"

# ---------------------------------------------------------------- daemon, PidFile, SIGHUP, SIGTERM

PORT1=$(free_port)
PIDFILE=$SKIFF_T/skiffd.pid
DCONF=$(cfg daemon.conf "ListenAddress 127.0.0.1" "Port $PORT1" "HostKey $ED25519" "PidFile $PIDFILE")
"$SKIFFD" -f "$DCONF" -E "$SKIFF_T/daemon.log" </dev/null >"$SKIFF_T/daemon.out" 2>&1 ||
  die "skiffd did not start as a daemon: $(cat "$SKIFF_T/daemon.out")"
for ((i = 0; i < 50; i++)); do [[ -s $PIDFILE ]] && break; sleep 0.1; done
DPID=$(cat "$PIDFILE")
track_pid "$DPID"
wait_port "$PORT1" 10 "$DPID" || die "the daemon does not listen"
[[ $(ps -o sid= -p "$DPID" | tr -d ' ') == "$DPID" ]] || die "the daemon is not in its own session"
[[ $(readlink "/proc/$DPID/cwd") == / ]] || die "the daemon did not chdir /"
[[ $(readlink "/proc/$DPID/fd/0") == /dev/null ]] || die "the daemon's stdin is not /dev/null"

hold_connection "$PORT1" 15  # an established connection must survive HUP and TERM
for ((i = 0; i < 40; i++)); do [[ -n $(connection_children "$DPID") ]] && break; sleep 0.1; done
KID=$(connection_children "$DPID")
[[ -n $KID ]] || die "no connection process"

PORT2=$(free_port)
sed -i "s/^Port $PORT1\$/Port $PORT2/" "$DCONF"
MARK=$(log_mark "$SKIFF_T/daemon.log")
kill -HUP "$DPID"
expect_log "$SKIFF_T/daemon.log" "$MARK" "^Server listening on 127\.0\.0\.1 port $PORT2\.$" "the restart"
wait_port "$PORT2" 10 "$DPID" || die "no listener on the new port after SIGHUP"
port_listening "$PORT1" && die "the old port still listens after SIGHUP"
[[ $(cat "$PIDFILE") == "$DPID" ]] || die "the pid changed on SIGHUP"
kill -0 "$KID" 2>/dev/null || die "SIGHUP ended an established connection"
ssh-keyscan -p "$PORT2" -t ed25519 127.0.0.1 2>/dev/null | grep -q "$(awk '{print $2}' "$ED25519.pub")" ||
  die "the restarted daemon does not serve"
log "SIGHUP: same pid $DPID, new port $PORT2: ok"

MARK=$(log_mark "$SKIFF_T/daemon.log")
kill -TERM "$DPID"
for ((i = 0; i < 50; i++)); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DPID" 2>/dev/null && die "SIGTERM did not end the daemon"
expect_log "$SKIFF_T/daemon.log" "$MARK" '^Received signal 15; terminating\.$'
[[ -e $PIDFILE ]] && die "the PidFile is still there"
kill -0 "$KID" 2>/dev/null || die "SIGTERM to the listener ended an established connection"
track_pid "$KID"
log "SIGTERM: exit, PidFile removed, connection kept: ok"

# ---------------------------------------------------------------- inetd mode

INETD=$(cfg inetd.conf "HostKey $ED25519" "PidFile none")
_client_env ssh -F /dev/null -v -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o ProxyCommand="$SKIFFD -i -e -f $INETD" nobody@inetd true >"$SKIFF_T/inetd.log" 2>&1 && die "ssh -i succeeded?"
grep -q "Server host key: ssh-ed25519 $(key_fingerprint "$ED25519.pub")" "$SKIFF_T/inetd.log" ||
  die "inetd mode: ssh saw no host key"
log "inetd mode through ProxyCommand: ok"

# ---------------------------------------------------------------- an ordinary user

# The one place this test writes in a home directory: an ordinary user's skiffd keeps
# its keys in ~/.skiff/skiffd (from the password database, as OpenSSH's ~), which is
# what is tested; the test user exists for these tests, and the directory is removed
# at exit unless it was there before.
create_test_user
STATE=$TEST_USER_HOME/.skiff/skiffd
if [[ ! -e $TEST_USER_HOME/.skiff ]]; then on_exit "rm -rf '$TEST_USER_HOME/.skiff'"; fi
as_user() { setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups env HOME="$TEST_USER_HOME" "$@"; }
UPORT=$(free_port)
setsid setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
  "$SKIFFD" -D -e -p "$UPORT" -o ListenAddress=127.0.0.1 </dev/null >"$SKIFF_T/user.log" 2>&1 &
UPID=$!
track_pid "$UPID"
wait_port "$UPORT" 60 "$UPID" || die "the user's skiffd does not listen: $(cat "$SKIFF_T/user.log")"
[[ $(stat -c %a "$STATE") == 700 ]] || die "$STATE is not 0700"
for t in ed25519 ecdsa rsa; do
  k=$STATE/ssh_host_${t}_key
  [[ $(stat -c '%a %U' "$k") == "600 $TEST_USER" ]] || die "$k: not 0600 $TEST_USER"
  ssh-keyscan -p "$UPORT" -t "$t" 127.0.0.1 2>/dev/null | awk '{print $2, $3}' >"$SKIFF_T/user.$t"
  [[ $(cat "$SKIFF_T/user.$t") == "$(awk '{print $1, $2}' "$k.pub")" ]] || die "keyscan $t differs from $k.pub"
done
[[ $(ps -o user= -p "$UPID") == "$TEST_USER" ]] || die "the user's skiffd does not run as $TEST_USER"
# Without -p: port 2222 and a PidFile in its own directory (-T needs the keys made above).
as_user "$SKIFFD" -T -f none >"$SKIFF_T/user.T" 2>&1 || die "-T as $TEST_USER: $(cat "$SKIFF_T/user.T")"
grep -qx 'port 2222' "$SKIFF_T/user.T" || die "an ordinary user's default port is not 2222"
grep -qx "pidfile $STATE/skiffd.pid" "$SKIFF_T/user.T" || die "an ordinary user's PidFile"
grep -qx "hostkey $STATE/ssh_host_ed25519_key" "$SKIFF_T/user.T" || die "an ordinary user's host keys"
log "ordinary user: host keys made in $STATE and served: ok"

log "PASS"
