#!/usr/bin/env bash
# X11 forwarding against a real X server (Xvfb on a free display with its own -auth file):
# skiff -X / -Y to skiffd running xdpyinfo (the Xvfb screen's dimensions must come back),
# both cross directions (OpenSSH's ssh -X to skiffd, skiff -X to OpenSSH's sshd), untrusted
# forwarding (xauth generate), an X client with a wrong cookie refused by skiff with ssh's
# line, X11Forwarding no and no-x11-forwarding refused with ssh's warning, and -X without
# DISPLAY.
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen Xvfb xauth xdpyinfo
create_test_user
U=$TEST_USER
# The sessions store the forwarded cookie in the test user's ~/.Xauthority (xauth run as
# the user, as sshd does): not left behind.
on_exit "rm -f '$TEST_USER_HOME/.Xauthority' '$TEST_USER_HOME/.Xauthority-c' '$TEST_USER_HOME/.Xauthority-l'"

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}
contains() {  # contains NAME TEXT PATTERN
  if grep -Eq -- "$3" <<<"$2"; then log "ok: $1"; else fail_case "$1: '$3' not in: $2"; fi
}

# ---- a private X server: a display number nobody uses, its cookie in our own file.
N=
for n in $(seq 71 140); do
  [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
  N=$n
  break
done
[[ -n $N ]] || skip_test "no free X display number"
XA=$SKIFF_T/xauthority
xauth -f "$XA" add ":$N" MIT-MAGIC-COOKIE-1 "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" 2>/dev/null
# -noreset: an untrusted cookie (xauth generate) lives only until the server resets, which
# it does whenever its last client leaves.
Xvfb ":$N" -noreset -auth "$XA" -screen 0 1234x567x24 -nolisten tcp >"$SKIFF_T/xvfb.log" 2>&1 &
track_pid $!
for _ in $(seq 100); do [[ -S /tmp/.X11-unix/X$N ]] && break; sleep 0.1; done
[[ -S /tmp/.X11-unix/X$N ]] || die "Xvfb :$N did not start"
export DISPLAY=:$N XAUTHORITY=$XA
xdpyinfo >/dev/null 2>&1 || die "xdpyinfo cannot reach Xvfb :$N itself"
XAUTHORITY=/dev/null xdpyinfo >/dev/null 2>&1 && die "Xvfb :$N accepts clients without the cookie"

ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id"
{
  cat "$SKIFF_T/id.pub"
} >"$SKIFF_T/authorized_keys.$U"
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/nox11"
echo "no-x11-forwarding $(cat "$SKIFF_T/nox11.pub")" >>"$SKIFF_T/authorized_keys.$U"
chmod 0644 "$SKIFF_T/authorized_keys.$U"

DIMS='dimensions: +1234x567 pixels'
REMOTE='echo "display=$DISPLAY"; xdpyinfo | grep dimensions'

start_skiffd "X11Forwarding yes"
SKIFFD_ON=$SKIFFD_PORT
SKIFFD_ON_PID=$SKIFFD_PID
start_skiffd "X11Forwarding no"
SKIFFD_OFF=$SKIFFD_PORT
start_sshd "X11Forwarding yes"

sk() {  # sk PORT LOG [skiff args...]
  local port=$1 logf=$2
  shift 2
  run_skiff "$logf" "$port" -i "$SKIFF_T/id" -o IdentitiesOnly=yes "$@"
}

# ---- skiff -X to skiffd (Debian's default ForwardX11Trusted yes: the real cookie is used)
out=$(sk "$SKIFFD_ON" "$SKIFF_T/c1.log" -X "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "skiff -X to skiffd: xdpyinfo sees the Xvfb screen" "$out" "$DIMS"
contains "skiffd sets DISPLAY=localhost:N.0" "$out" 'display=localhost:[0-9]+\.0'
grep -q "Requesting X11 forwarding with authentication spoofing." "$SKIFF_T/c1.log" ||
  fail_case "skiff -X did not log its request"
grep -q 'client_request_x11: request from 127.0.0.1\|client_request_x11: request from ::1' "$SKIFF_T/c1.log" ||
  fail_case "skiff did not log the x11 channel"

# ---- -Y
out=$(sk "$SKIFFD_ON" "$SKIFF_T/c2.log" -Y "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "skiff -Y to skiffd" "$out" "$DIMS"

# ---- untrusted: a cookie made by xauth generate (SECURITY extension), in a directory removed after
before=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'skiff-*' 2>/dev/null | wc -l)
out=$(sk "$SKIFFD_ON" "$SKIFF_T/c3.log" -X -o ForwardX11Trusted=no -o ForwardX11Timeout=5m "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "skiff -X untrusted to skiffd" "$out" "$DIMS"
grep -q 'generate :'"$N"' MIT-MAGIC-COOKIE-1 untrusted timeout 360' "$SKIFF_T/c3.log" ||
  fail_case "untrusted: no xauth generate with ForwardX11Timeout + 60"
after=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'skiff-*' 2>/dev/null | wc -l)
[[ $after -le $before ]] && log "ok: the temporary xauth directory is gone" || fail_case "a skiff-* xauth directory was left"

# ---- untrusted, after ForwardX11Timeout: the x11 channel is refused, as ssh
out=$(sk "$SKIFFD_ON" "$SKIFF_T/c3b.log" -X -o ForwardX11Trusted=no -o ForwardX11Timeout=1 "$U@127.0.0.1" \
  'sleep 3; xdpyinfo >/dev/null 2>&1; echo "rc=$?"' 2>&1)
contains "after ForwardX11Timeout: xdpyinfo fails" "$out" 'rc=1'
grep -q "Rejected X11 connection after ForwardX11Timeout expired" "$SKIFF_T/c3b.log" &&
  log "ok: after ForwardX11Timeout: ssh's line" || fail_case "after ForwardX11Timeout: no rejection line"

# ---- OpenSSH's ssh -X to skiffd
out=$(run_ssh "$SKIFF_T/c4.log" "$SKIFFD_ON" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -X "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "ssh -X to skiffd" "$out" "$DIMS"

# ---- skiff -X to OpenSSH's sshd
out=$(sk "$SSHD_PORT" "$SKIFF_T/c5.log" -X "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "skiff -X to sshd" "$out" "$DIMS"
out=$(sk "$SSHD_PORT" "$SKIFF_T/c5b.log" -X -o ForwardX11Trusted=no "$U@127.0.0.1" "$REMOTE" 2>&1)
contains "skiff -X untrusted to sshd" "$out" "$DIMS"

# ---- an X client on the server with a cookie other than the fake one: skiff refuses it
WRONG='f=$(mktemp); xauth -f "$f" add "$DISPLAY" MIT-MAGIC-COOKIE-1 00112233445566778899aabbccddeeff; XAUTHORITY=$f xdpyinfo >/dev/null 2>&1; echo "rc=$?"; rm -f "$f"'
out=$(sk "$SKIFFD_ON" "$SKIFF_T/c6.log" -X "$U@127.0.0.1" "$WRONG" 2>&1)
contains "wrong cookie: xdpyinfo fails" "$out" 'rc=1'
grep -q "X11 connection rejected because of wrong authentication." "$SKIFF_T/c6.log" &&
  log "ok: wrong cookie rejected with ssh's line" || fail_case "wrong cookie: no rejection line"
out=$(run_ssh "$SKIFF_T/c6b.log" "$SSHD_PORT" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -X "$U@127.0.0.1" "$WRONG" 2>&1)
grep -q "X11 connection rejected because of wrong authentication." "$SKIFF_T/c6b.log" ||
  log "note: ssh to sshd did not log the rejection either"

# ---- refusals: X11Forwarding no, no-x11-forwarding; the session still runs
out=$(sk "$SKIFFD_OFF" "$SKIFF_T/c7.log" -X "$U@127.0.0.1" 'echo "display=${DISPLAY:-unset}"' 2>&1)
contains "X11Forwarding no: ssh's warning" "$(cat "$SKIFF_T/c7.log")" 'X11 forwarding request failed on channel 0'
contains "X11Forwarding no: no DISPLAY" "$out" 'display=unset'
out=$(run_ssh "$SKIFF_T/c7b.log" "$SKIFFD_OFF" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -X "$U@127.0.0.1" 'echo "display=${DISPLAY:-unset}"' 2>&1)
contains "X11Forwarding no: ssh's own warning from skiffd" "$(cat "$SKIFF_T/c7b.log")" 'X11 forwarding request failed on channel 0'
out=$(run_skiff "$SKIFF_T/c8.log" "$SKIFFD_ON" -i "$SKIFF_T/nox11" -o IdentitiesOnly=yes -X "$U@127.0.0.1" 'echo "display=${DISPLAY:-unset}"' 2>&1)
contains "no-x11-forwarding: refused" "$(cat "$SKIFF_T/c8.log")" 'X11 forwarding request failed on channel 0'
contains "no-x11-forwarding: no DISPLAY" "$out" 'display=unset'

# ---- -X without DISPLAY: nothing asked, as ssh
out=$(
  unset DISPLAY
  run_skiff "$SKIFF_T/c9.log" "$SKIFFD_ON" -i "$SKIFF_T/id" -o IdentitiesOnly=yes -X "$U@127.0.0.1" 'echo "display=${DISPLAY:-unset}"' 2>&1
)
contains "no DISPLAY: the session runs without X11" "$out" 'display=unset'
grep -q "X11 forwarding requested but DISPLAY not set" "$SKIFF_T/c9.log" && log "ok: no DISPLAY logged" ||
  fail_case "no DISPLAY: ssh's debug line missing"

grep -q "Requesting X11 forwarding" "$SKIFF_T/c9.log" && fail_case "no DISPLAY: x11-req sent anyway"
# Every connection process ended: the display listeners closed with their sessions.
for _ in $(seq 50); do pgrep -P "$SKIFFD_ON_PID" >/dev/null || break; sleep 0.1; done
pgrep -P "$SKIFFD_ON_PID" >/dev/null && fail_case "skiffd connection processes left: $(pgrep -a -P "$SKIFFD_ON_PID")" ||
  log "ok: no connection process left behind"

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all X11 forwarding cases passed"
