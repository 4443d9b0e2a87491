#!/usr/bin/env bash
# Agent forwarding (-A, auth-agent@openssh.com) with OpenSSH, both ways: skiff -A to
# OpenSSH's sshd and OpenSSH's ssh -A (and skiff -A) to skiffd let the remote ssh-add see
# the local ssh-agent's key; without -A it sees none; a ForwardAgent socket path works;
# the next hop logs in with the forwarded agent alone; skiffd's socket is the user's, in
# a private directory, gone with the connection, and AllowAgentForwarding no refuses.
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

opts=(-F /dev/null -l "$TEST_USER" -i "$SKIFF_T/id" -o IdentitiesOnly=yes
  -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null
  -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10)
sk() { HOME=$SKIFF_T/home timeout -k 5 60 "$SK" "${opts[@]}" -o LogLevel=ERROR "$@" </dev/null; }
# Against sshd unless -p comes later (the first -p wins, as in ssh): sk_sshd.
sks() { sk -p "$SSHD_PORT" "$@"; }

# -A: the remote ssh-add lists the agent's key.
out=$(sks -A -v -E "$SKIFF_T/a.log" 127.0.0.1 'ssh-add -l; echo "sock=$SSH_AUTH_SOCK"' 2>&1) ||
  die "skiff -A: $out"
grep -q "$AGENT_FP" <<<"$out" || die "remote ssh-add -l did not list the forwarded key: $out"
grep -q "^sock=/tmp/ssh-" <<<"$out" || die "no SSH_AUTH_SOCK in the session: $out"
grep -q "Requesting authentication agent forwarding." "$SKIFF_T/a.log" || die "no agent request logged"

# Without -A: no agent there.
rc=0
out=$(sks 127.0.0.1 'ssh-add -l' 2>&1) || rc=$?
[[ $rc -eq 2 ]] || die "without -A, ssh-add -l status $rc (want 2: no agent): $out"

# IdentityAgent none means no agent at all, so -A forwards nothing (as ssh).
rc=0
out=$(sks -A -o IdentityAgent=none 127.0.0.1 'ssh-add -l' 2>&1) || rc=$?
[[ $rc -eq 2 ]] || die "-A with IdentityAgent none: ssh-add -l status $rc: $out"

# ForwardAgent with a socket path (and SSH_AUTH_SOCK pointing nowhere).
out=$(SSH_AUTH_SOCK=/nonexistent sks -o ForwardAgent="$SKIFF_T/agent.sock" 127.0.0.1 'ssh-add -l' 2>&1) ||
  die "ForwardAgent PATH: $out"
grep -q "$AGENT_FP" <<<"$out" || die "ForwardAgent PATH: key not listed: $out"

# The next hop: on the server, OpenSSH's ssh logs in to the same sshd with the
# forwarded agent's key only (no key files there).
hop="ssh -F /dev/null -p $SSHD_PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -o IdentitiesOnly=no -o PubkeyAuthentication=yes $TEST_USER@127.0.0.1 echo second-hop-ok"
out=$(sks -A 127.0.0.1 "$hop" 2>&1) || die "second hop through the forwarded agent: $out"
grep -q "second-hop-ok" <<<"$out" || die "second hop: $out"

# ---- skiffd: ssh -A and skiff -A, with skiffd creating the socket as the user
start_skiffd
os() { HOME=$SKIFF_T/home timeout -k 5 60 ssh "${opts[@]}" -o UpdateHostKeys=no -o LogLevel=ERROR "$@" </dev/null; }
probe='ssh-add -l; s=$SSH_AUTH_SOCK; echo "sock=$s"; stat -c "%U %a" "$s" "${s%/*}"'
for client in os sk; do
  out=$("$client" -A -p "$SKIFFD_PORT" 127.0.0.1 "$probe" 2>&1) || die "$client -A to skiffd: $out"
  grep -q "$AGENT_FP" <<<"$out" || die "$client -A to skiffd: key not listed: $out"
  sock=$(sed -n 's/^sock=//p' <<<"$out")
  [[ $sock =~ ^/tmp/ssh-[A-Za-z0-9]{10}/agent\.[0-9]+$ ]] || die "$client -A to skiffd: socket path '$sock'"
  grep -q "^$TEST_USER 600$" <<<"$out" || die "$client -A: the socket is not the user's with mode 600: $out"
  grep -q "^$TEST_USER 700$" <<<"$out" || die "$client -A: the directory is not the user's with mode 700: $out"
  for _ in $(seq 50); do [[ -e ${sock%/*} ]] || break; sleep 0.1; done
  [[ ! -e ${sock%/*} ]] || die "$client -A: $sock's directory left after the connection"
done
rc=0
out=$(os -p "$SKIFFD_PORT" 127.0.0.1 'ssh-add -l' 2>&1) || rc=$?
[[ $rc -eq 2 ]] || die "ssh without -A to skiffd: ssh-add -l status $rc: $out"
# The next hop from skiffd's session: OpenSSH's ssh to sshd with the forwarded agent.
out=$(sk -A -p "$SKIFFD_PORT" 127.0.0.1 "$hop" 2>&1) || die "second hop from skiffd: $out"
grep -q "second-hop-ok" <<<"$out" || die "second hop from skiffd: $out"
# AllowAgentForwarding no: no socket, the session goes on.
start_skiffd "AllowAgentForwarding no"
rc=0
out=$(os -A -p "$SKIFFD_PORT" 127.0.0.1 'echo "sock=${SSH_AUTH_SOCK:-none}"' 2>&1) || rc=$?
grep -q "^sock=none$" <<<"$out" || die "AllowAgentForwarding no: $out"
log "agent forwarding: skiff -A to sshd, ssh/skiff -A to skiffd, path form, second hops, refusal"
