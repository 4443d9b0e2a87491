#!/usr/bin/env bash
# The public API against OpenSSH 9.2, both directions, through the examples built on it:
# - OpenSSH's ssh against examples/exec_server (public-key login; password login when
#   sshpass is installed): exec, exit codes, an exit signal, a binary round trip through
#   stdin and back, stderr kept apart, a refused login.
# - examples/exec_client against a private sshd: public-key and password login, exec,
#   exit codes, the same round trip, and a host key that is not pinned refused.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ssh ssh-keygen sha256sum
SERVER=$SKIFF_BUILD_DIR/examples/exec_server
CLIENT=$SKIFF_BUILD_DIR/examples/exec_client
[[ -x $SERVER && -x $CLIENT ]] || die "examples not built under $SKIFF_BUILD_DIR/examples"

head -c $((16 * 1024 * 1024)) /dev/urandom >"$SKIFF_T/data"
WANT=$(sha256sum <"$SKIFF_T/data" | cut -d' ' -f1)
make_user_key ed25519 "$SKIFF_T/id"

# ---------------------------------------------------------------- ssh -> exec_server

"$SERVER" -p 0 -u alice --authorized-keys "$SKIFF_T/id.pub" --password "s3cret-pw" \
  >"$SKIFF_T/server.out" 2>"$SKIFF_T/server.log" </dev/null &
track_pid $!
for _ in $(seq 50); do grep -q '^listening' "$SKIFF_T/server.out" && break; sleep 0.1; done
PORT=$(sed -n 's/^listening on .* port \([0-9]*\)$/\1/p' "$SKIFF_T/server.out")
[[ -n $PORT ]] || die "exec_server did not start: $(cat "$SKIFF_T/server.log")"
echo "[127.0.0.1]:$PORT $(sed -n 's/^host key: //p' "$SKIFF_T/server.out")" >"$SKIFF_T/server_known_hosts"
log "exec_server on port $PORT"

ssh_to() {  # ssh_to STDIN_FILE ssh-arguments...: ssh with the pinned key, strict checking
  local in=$1
  shift
  mkdir -p "$SKIFF_T/home"
  HOME=$SKIFF_T/home timeout -k 5 120 ssh -F /dev/null -p "$PORT" -o BatchMode=yes \
    -o UserKnownHostsFile="$SKIFF_T/server_known_hosts" -o StrictHostKeyChecking=yes \
    -o GlobalKnownHostsFile=/dev/null -o IdentityAgent=none -o IdentitiesOnly=yes \
    -E "$SKIFF_T/ssh.log" "$@" <"$in"
}

out=$(ssh_to /dev/null -i "$SKIFF_T/id" alice@127.0.0.1 echo hello from C++) || die "ssh exec failed"
[[ $out == "hello from C++" ]] || die "echo gave '$out'"
for code in 0 1 42 255; do
  rc=0
  ssh_to /dev/null -i "$SKIFF_T/id" alice@127.0.0.1 exit "$code" || rc=$?
  [[ $rc == "$code" ]] || die "exit $code: ssh returned $rc"
done
rc=0
ssh_to /dev/null -i "$SKIFF_T/id" alice@127.0.0.1 kill TERM 2>"$SKIFF_T/kill.err" || rc=$?
[[ $rc == 255 ]] || die "exit signal: ssh returned $rc"
got=$(ssh_to "$SKIFF_T/data" -i "$SKIFF_T/id" alice@127.0.0.1 cat 2>"$SKIFF_T/cat.err" | sha256sum | cut -d' ' -f1)
[[ $got == "$WANT" ]] || die "16 MiB round trip through ssh differs"
[[ $(cat "$SKIFF_T/cat.err") == "$((16 * 1024 * 1024)) bytes" ]] || die "stderr was '$(cat "$SKIFF_T/cat.err")'"
log "ssh -> exec_server: publickey, exec, exit codes, exit signal, 16 MiB round trip, stderr"

rc=0
ssh_to /dev/null -i "$SKIFF_T/id" -o PreferredAuthentications=publickey bob@127.0.0.1 true 2>"$SKIFF_T/denied.err" || rc=$?
[[ $rc == 255 ]] && grep -q 'Permission denied (publickey,password)' "$SKIFF_T/ssh.log" ||
  die "a wrong user was not refused as OpenSSH words it (rc $rc)"
if command -v sshpass >/dev/null; then
  out=$(SSHPASS=s3cret-pw sshpass -e ssh -F /dev/null -p "$PORT" -o UserKnownHostsFile="$SKIFF_T/server_known_hosts" \
    -o PreferredAuthentications=password alice@127.0.0.1 echo pw </dev/null) || die "password login failed"
  [[ $out == pw ]] || die "password login gave '$out'"
  log "ssh -> exec_server: password"
else
  log "sshpass is not installed: password login of ssh not tested (publickey only)"
fi

# ---------------------------------------------------------------- exec_client -> sshd

set_test_user_password
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
start_sshd "PasswordAuthentication yes" "KbdInteractiveAuthentication no"
: >"$SKIFF_T/sshd_known_hosts"
for k in "${SSHD_HOSTKEYS[@]}"; do echo "[127.0.0.1]:$SSHD_PORT $(cat "$k.pub")" >>"$SKIFF_T/sshd_known_hosts"; done

client() {  # client STDIN_FILE exec_client-arguments...
  local in=$1
  shift
  timeout -k 5 120 "$CLIENT" -p "$SSHD_PORT" -k "$SKIFF_T/sshd_known_hosts" "$@" <"$in"
}

out=$(client /dev/null -l "$TEST_USER" -i "$SKIFF_T/id" 127.0.0.1 echo hello sshd) || die "exec_client failed"
[[ $out == "hello sshd" ]] || die "exec_client echo gave '$out'"
for code in 0 3 77 255; do
  rc=0
  client /dev/null -l "$TEST_USER" -i "$SKIFF_T/id" 127.0.0.1 "exit $code" || rc=$?
  [[ $rc == "$code" ]] || die "exec_client exit $code returned $rc"
done
got=$(client "$SKIFF_T/data" -l "$TEST_USER" -i "$SKIFF_T/id" 127.0.0.1 'cat; echo apart >&2' 2>"$SKIFF_T/client.err" |
  sha256sum | cut -d' ' -f1)
[[ $got == "$WANT" ]] || die "16 MiB round trip through exec_client differs"
[[ $(cat "$SKIFF_T/client.err") == apart ]] || die "exec_client stderr was '$(cat "$SKIFF_T/client.err")'"
out=$(SKIFF_PASSWORD=$TEST_USER_PASSWORD client /dev/null -l "$TEST_USER" 127.0.0.1 echo by password) ||
  die "exec_client password login failed"
[[ $out == "by password" ]] || die "password login gave '$out'"
rc=0
SKIFF_PASSWORD=wrong client /dev/null -l "$TEST_USER" 127.0.0.1 true 2>"$SKIFF_T/wrong.err" || rc=$?
[[ $rc == 255 ]] && grep -q 'Permission denied' "$SKIFF_T/wrong.err" || die "wrong password: rc $rc, $(cat "$SKIFF_T/wrong.err")"
rc=0
timeout 60 "$CLIENT" -p "$SSHD_PORT" -k "$SKIFF_T/server_known_hosts" -l "$TEST_USER" -i "$SKIFF_T/id" 127.0.0.1 true \
  </dev/null 2>"$SKIFF_T/hostkey.err" || rc=$?
[[ $rc == 255 ]] && grep -q 'Host key verification failed.' "$SKIFF_T/hostkey.err" ||
  die "an unpinned host key was not refused: rc $rc, $(cat "$SKIFF_T/hostkey.err")"
log "exec_client -> sshd: publickey, password, exit codes, 16 MiB round trip, stderr, host key refused"
log "PASS"
