#!/usr/bin/env bash
# Agent forwarding (-A, auth-agent@openssh.com) with OpenSSH: skiff -A to OpenSSH's sshd
# lets the remote ssh-add see the local ssh-agent's key; without -A it sees none; a
# ForwardAgent socket path works too; and the next hop logs in with the forwarded agent
# alone (skiff -A to sshd, where OpenSSH's ssh logs in to the same sshd again).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen ssh-agent ssh-add
create_test_user
SK=$(skiff_bin skiff)
make_user_key ed25519 "$SKIFF_T/id"
authorize_key "$TEST_USER" "$SKIFF_T/id.pub"
make_user_key ecdsa "$SKIFF_T/agentkey"
authorize_key "$TEST_USER" "$SKIFF_T/agentkey.pub"
start_sshd
mkdir -p "$SKIFF_T/home"
# The test user's own processes must reach the forwarded socket's directory.
chmod 0755 "$SKIFF_T"

# A private ssh-agent holding only agentkey.
eval "$(ssh-agent -s -a "$SKIFF_T/agent.sock")" >/dev/null
track_pid "$SSH_AGENT_PID"
ssh-add -q "$SKIFF_T/agentkey" 2>/dev/null || die "ssh-add into the test agent failed"
AGENT_FP=$(ssh-keygen -lf "$SKIFF_T/agentkey.pub" | awk '{print $2}')

opts=(-F /dev/null -p "$SSHD_PORT" -l "$TEST_USER" -i "$SKIFF_T/id" -o IdentitiesOnly=yes
  -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 -o IdentityAgent=none)
sk() { HOME=$SKIFF_T/home timeout -k 5 60 "$SK" "${opts[@]}" "$@" </dev/null; }

# -A: the remote ssh-add lists the agent's key.
out=$(sk -A -E "$SKIFF_T/a.log" -o LogLevel=DEBUG1 127.0.0.1 'ssh-add -l; echo "sock=$SSH_AUTH_SOCK"' 2>&1) ||
  die "skiff -A: $out"
grep -q "$AGENT_FP" <<<"$out" || die "remote ssh-add -l did not list the forwarded key: $out"
grep -q "^sock=/tmp/ssh-" <<<"$out" || die "no SSH_AUTH_SOCK in the session: $out"
grep -q "Requesting authentication agent forwarding." "$SKIFF_T/a.log" || die "no agent request logged"

# Without -A: no agent there.
rc=0
out=$(sk 127.0.0.1 'ssh-add -l' 2>&1) || rc=$?
[[ $rc -eq 2 ]] || die "without -A, ssh-add -l status $rc (want 2: no agent): $out"

# ForwardAgent with a socket path (and SSH_AUTH_SOCK pointing nowhere).
out=$(SSH_AUTH_SOCK=/nonexistent sk -o ForwardAgent="$SKIFF_T/agent.sock" 127.0.0.1 'ssh-add -l' 2>&1) ||
  die "ForwardAgent PATH: $out"
grep -q "$AGENT_FP" <<<"$out" || die "ForwardAgent PATH: key not listed: $out"

# The next hop: on the server, OpenSSH's ssh logs in to the same sshd with the
# forwarded agent's key only (no key files there).
hop="ssh -F /dev/null -p $SSHD_PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -o IdentitiesOnly=no -o PubkeyAuthentication=yes $TEST_USER@127.0.0.1 echo second-hop-ok"
out=$(sk -A 127.0.0.1 "$hop" 2>&1) || die "second hop through the forwarded agent: $out"
grep -q "second-hop-ok" <<<"$out" || die "second hop: $out"
log "skiff -A to sshd: key listed remotely, path form, second hop with the forwarded agent"
