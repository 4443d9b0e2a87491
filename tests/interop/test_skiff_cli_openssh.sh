#!/usr/bin/env bash
# skiff's command line against ssh's: for a table of command lines and configuration
# files, `skiff -G ...` must print what `ssh -G ...` prints (stdout, stderr and exit
# status), except the algorithm lists, which are skiff's own. Error cases (bad flags,
# bad values, bad -o lines) must give ssh's messages and status 255. Nothing connects.
source "$(dirname "$0")/lib.sh"
require_cmd ssh
SK=$(skiff_bin skiff)
cd "$SKIFF_T" || exit 1
unset SSH_AUTH_SOCK

# Lines whose values are algorithm lists: skiff implements fewer algorithms than ssh.
mask() { sed -E 's/^(ciphers|macs|kexalgorithms|hostkeyalgorithms|hostbasedacceptedalgorithms|casignaturealgorithms|pubkeyacceptedalgorithms) .*/\1 <list>/'; }

cat >cfg1 <<'CFG'
Host alias
  HostName real.example.org
  Port 2200
  User alice
  IdentityFile ~/.ssh/id_test_%r_%h
  StrictHostKeyChecking accept-new
  HashKnownHosts no
  EscapeChar ^B
  RequestTTY force
  SendEnv FOO BAR_*
  SetEnv A=1 B=2
  ServerAliveInterval 1m
  ConnectTimeout 7
  LocalForward 127.0.0.1:8080 localhost:80
  UserKnownHostsFile ~/kh1 /tmp/kh_%h
  CertificateFile ~/.ssh/cert-%u
Host *.example.com
  VisualHostKey yes
  BatchMode yes
  ControlPath ~/.ssh/cm-%C
  ControlMaster auto
  ControlPersist 10m
  ForwardAgent yes
Match user bob
  Compression yes
Host *
  PasswordAuthentication no
  NumberOfPasswordPrompts 1
  LogLevel VERBOSE
CFG

cat >cfg2 <<'CFG'
Host *
  RemoteCommand uptime
  SessionType default
  StdinNull yes
  AddKeysToAgent confirm
  IPQoS af21
  Tunnel point-to-point
  TunnelDevice 3
  ProxyCommand nc %h %p
  UpdateHostKeys ask
CFG

cat >cfg3 <<CFG
Include $SKIFF_T/inc_*.conf
Match exec "test -e $SKIFF_T/cfg3"
  User execuser
Match host real.example.org
  Port 4444
Host short
  HostName real.example.org
  IdentityFile %d/.ssh/id_%h_%p
  CertificateFile /x/c
  ControlPath /tmp/cm-%C-%r
  ProxyJump u@jump:2222,other
  ForwardX11Timeout 5m
  StreamLocalBindMask 0077
  IPQoS af21 cs1
  SyslogFacility local3
  AddKeysToAgent yes
  ConnectTimeout 1m
  RekeyLimit 1G 1h
  Tunnel ethernet
  TunnelDevice 3:5
  ControlPersist yes
  ServerAliveCountMax 9
  EscapeChar none
CFG
printf 'Host short\n  VisualHostKey yes\n  PubkeyAuthentication host-bound\n' >inc_1.conf

cases=(
  "-F cfg3 short"
  "-F cfg3 -i /etc/hostname -o IdentityFile=/b short"
  "-F cfg3 -o ProxyCommand=none short"
  "-F none -o ControlPersist=600 -o ControlPath=none h"
  "-F none -o EscapeChar=^? h"
  "-F none -o AddKeysToAgent=confirm h"
  "-F none -o ForwardAgent=/nonexistent/sock h"
  "-F none -o ForwardAgent=~/%u.sock -o ExitOnForwardFailure=yes h"
  "-F none -o CanonicalDomains=a.b -o LogVerbose=kex.c:* -o PermitRemoteOpen=a:1 h"
  "-F none -o RemoteCommand=echo_%h_%p h"
  "-F none -o IdentityAgent=~/a_%r h"
  "-F none -o ProxyCommand=none h"
  "-F none -o SecurityKeyProvider=none h"
  "-F none -J 10.0.0.1:2200 h"
  "-F none -J a,ssh://u@h:99 h"
  "-F none -J u@[::1]:22 h"
  "-F none ssh://a+b@h."
  "-F none ssh://[::1]"
  "-F none ssh://h_x:22/"
  "-F none ssh://-h"
  "-F none ssh://a..b"
  "-F none ssh://u%00x@h"
  "-F none ssh://h/path"
  "-F none -o HostKeyAlias=ALIAS h"
  "-F none -o Hostname=UPPER.example UPPER"
  "-F none -o ControlPath=~/%C -o UserKnownHostsFile=~/%h h"
  "-F none -E /nonexistent/dir/log h"
  "h"
  "-F none h"
  "-F cfg1 alias"
  "-F cfg1 -l bob alias"
  "-F cfg1 host.example.com"
  "-F cfg1 -p 1234 -o User=carol alias"
  "-F cfg2 h"
  "-F none -p 2222 -l bob h"
  "-F none bob@h -p 5 -o User=x"
  "-F none -o User=x bob@h"
  "-F none ssh://u@h:99"
  "-F none ssh://h"
  "-F none -o Port=3 -p 2222 h"
  "-F none -p 2222 -o Port=3 h"
  "-F none -4 -C -A -X -g -q h"
  "-F none -6 -a -x -Y -vvv h"
  "-F none -v -q -v h"
  "-F none -tt -e ^A h"
  "-F none -t -e none h"
  "-F none -e x -o EscapeChar=y h"
  "-F none -T h cmd arg"
  "-F none -N -f h"
  "-F none -n h ls"
  "-F none -f h"
  "-F none -c aes128-ctr -m hmac-sha2-256 h"
  "-F none -i /nonexistent/key -i ~/.ssh/nope h"
  "-F none -L 8080:localhost:80 -R 9090:localhost:90 -D 1080 -D 127.0.0.1:1081 h"
  "-F none -L 8080:/tmp/x.sock -L /tmp/a.sock:/tmp/b.sock -L /tmp/c.sock:h:22 -R 8080 -R [::1]:0 -R 9:/tmp/r.sock h"
  "-F none -J jump h"
  "-F none -S /tmp/ctl -M h"
  "-F none -MM h"
  "-F none -b 127.0.0.1 -B lo h"
  "-F none -o RequestTTY=no -t h"
  "-F none -t -o RequestTTY=no h"
  "-F none -o StrictHostKeyChecking=no -o HashKnownHosts=yes -o VisualHostKey=yes h"
  "-F none -o StrictHostKeyChecking=off h"
  "-F none -o IdentitiesOnly=yes -o IdentityFile=/x/%u h"
  "-F none -s h sftp"
  "-F none -W example.org:22 h"
  "-F none -o PubkeyAuthentication=unbound h"
  "-F none h -p 7 -- -p 8"
  "-F none -- h -p 8"
  "-F none h echo hello world"
  # errors
  "-F none -z h"
  "-F none -p"
  "-F none -p abc h"
  "-F none -e xx h"
  "-F none -o bogus=1 h"
  "-F none -o Port=abc h"
  "-F none"
  "-F none @h"
  "-F none -c bogus-cipher h"
  "-F none -m bogus-mac h"
  "-F none -O bogus h"
  "-F none -L 8080 h"
  "-F none -J a -J b h"
  "-F none -s h"
  "-F /nonexistent/cfg h"
  "-F none -o Host=x h"
  "-F none -o RemoteCommand=ls h ls"
  "-q -F /nonexistent/cfg h"
  "-F none -q -o bogus=1 h"
  "-F none -y -E log.txt h"
  "-F none -E log.txt h"
)

fails=0
n=0
for c in "${cases[@]}"; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  { set +e; ssh -G $c </dev/null >ssh.out 2>ssh.err; echo "rc=$?" >>ssh.err; set -e; }
  # shellcheck disable=SC2086
  { set +e; "$SK" -G $c </dev/null >skiff.out 2>skiff.err; echo "rc=$?" >>skiff.err; set -e; }
  # Debug lines are not compared; the version line (with -v) only as such.
  errmask() { sed -E '/^debug[0-9]: /d; s/^(OpenSSH_|skiff_).*, OpenSSL .*/<version>/'; }
  if ! diff <(mask <ssh.out; errmask <ssh.err) <(mask <skiff.out; errmask <skiff.err) >diff.$n; then
    log "differs: ssh -G $c"
    sed 's/^/    /' diff.$n >&2
    fails=$((fails + 1))
  fi
done

# -V: one line on stderr, status 0, nothing on stdout.
set +e
"$SK" -V >v.out 2>v.err
rc=$?
set -e
[[ $rc -eq 0 && ! -s v.out ]] || die "skiff -V: status $rc"
grep -qE '^skiff_[0-9.]+, OpenSSL [0-9]' v.err || die "skiff -V printed: $(cat v.err)"

[[ $fails -eq 0 ]] || die "$fails of $n command lines differ from ssh -G"
log "passed ($n command lines)"
