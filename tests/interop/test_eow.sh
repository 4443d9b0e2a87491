#!/usr/bin/env bash
# eow@openssh.com: when the client's stdout goes away (`... 'yes' | head -n 1`), the
# client says so and the server stops reading the command's output, which then dies of
# SIGPIPE; the session ends promptly with the same exit status as OpenSSH's ssh to
# sshd gives: skiff to sshd, and skiff to skiffd. (OpenSSH's ssh sends eow@openssh.com
# only to servers whose version string says OpenSSH (its SSH_NEW_OPENSSH compat flag), so
# `ssh skiffd 'yes' | head` runs on, as it does against Dropbear.)
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen
create_test_user
SK=$(skiff_bin skiff)
make_user_key ed25519 "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
start_sshd
start_skiffd
mkdir -p "$SKIFF_T/home"
opts=(-F /dev/null -l "$TEST_USER" -i "$SKIFF_T/id" -o IdentitiesOnly=yes
  -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 -o IdentityAgent=none -o LogLevel=ERROR)

# status CLIENT PORT: the client's exit status and the first line, with stdout closed early.
status() {
  local client=$1 port=$2 rc
  set +e +o pipefail
  HOME=$SKIFF_T/home timeout -k 5 30 "$client" "${opts[@]}" -p "$port" 127.0.0.1 'yes' </dev/null |
    head -n 1 >"$SKIFF_T/first"
  rc=${PIPESTATUS[0]}
  set -e -o pipefail
  printf '%s %s\n' "$rc" "$(cat "$SKIFF_T/first")"
}
want=$(status ssh "$SSHD_PORT")
[[ $want == *" y" ]] || die "ssh to sshd: $want"
got=$(status "$SK" "$SSHD_PORT")
[[ $got == "$want" ]] || die "skiff to sshd: '$got', ssh to sshd: '$want'"
got=$(status "$SK" "$SKIFFD_PORT")
[[ $got == "$want" ]] || die "skiff to skiffd: '$got', ssh to sshd: '$want'"
log "stdout closed early: status and output as OpenSSH ($want)"
