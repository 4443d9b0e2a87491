#!/usr/bin/env bash
# The agent against OpenSSH 9.2, both ways: OpenSSH's ssh-add against skiff-agent and
# skiff-add against OpenSSH's ssh-agent (add ed25519, ecdsa and rsa keys, -l, -L, -d,
# -D, -t lifetimes that expire, -x/-X lock and unlock); ssh logging in to sshd with a key
# held only by skiff-agent (RSA with rsa-sha2-256 and rsa-sha2-512); skiff logging in
# with a key held only by skiff-agent, then only by ssh-agent (SSH_AUTH_SOCK and
# IdentityAgent); the confirm constraint with an askpass that says yes and one that says
# no; skiff-agent's output (-s, -c, -k, a command); its socket private to the user
# (another user is refused by the directory's mode and, on a reachable socket, by the
# peer credential check).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user and to act as another user"
require_cmd ssh ssh-add ssh-agent ssh-keygen setpriv
create_test_user
AGENT=$(skiff_bin skiff-agent)
ADD=$(skiff_bin skiff-add)
SKIFF=$(skiff_bin skiff)
OTHER_USER=skiffnone
cd "$SKIFF_T" || exit 1
unset SSH_AUTH_SOCK SSH_AGENT_PID SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY WAYLAND_DISPLAY

failures=0
fail_case() {
  log "FAIL: $*"
  failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  "$@" || fail_case "$what"
}

ssh-keygen -q -t ed25519 -N '' -C key-ed25519 -f id_ed25519
ssh-keygen -q -t ecdsa -b 384 -N '' -C key-ecdsa -f id_ecdsa
ssh-keygen -q -t rsa -b 3072 -N '' -C key-rsa -f id_rsa
ssh-keygen -q -t ed25519 -N 'secret phrase' -C key-protected -f id_protected
for k in ed25519 ecdsa rsa protected; do authorize_key "$TEST_USER" "id_$k.pub"; done
fp() { key_fingerprint "$1"; }

# start_skiff_agent NAME [options]: skiff-agent -d on $SKIFF_T/NAME.sock, its debug
# lines in NAME.log. Sets AGENT_SOCK.
start_skiff_agent() {
  local name=$1
  shift
  AGENT_SOCK=$SKIFF_T/$name.sock
  "$AGENT" -d -a "$AGENT_SOCK" "$@" >"$name.out" 2>"$name.log" &
  track_pid $!
  for _ in $(seq 50); do [[ -S $AGENT_SOCK ]] && return 0; sleep 0.1; done
  die "skiff-agent did not create $AGENT_SOCK"
}

# agent_ops ADD_PROGRAM LABEL: the ssh-add operations against the agent at $SSH_AUTH_SOCK.
agent_ops() {
  local add=$1 label=$2 out
  out=$("$add" id_ed25519 id_ecdsa id_rsa 2>&1) || fail_case "$label: add"
  [[ $out == *"Identity added: id_ed25519 (key-ed25519)"* && $out == *"Identity added: id_rsa (key-rsa)"* ]] ||
    fail_case "$label: add messages: $out"
  out=$("$add" -l) || fail_case "$label: -l"
  for k in ed25519 ecdsa rsa; do
    [[ $out == *"$(fp id_$k.pub) key-$k"* ]] || fail_case "$label: -l lacks $k: $out"
  done
  [[ $(grep -c . <<<"$out") == 3 ]] || fail_case "$label: -l lists $(grep -c . <<<"$out") keys"
  [[ $out == *"(ED25519)"* && $out == *"384 "*"(ECDSA)"* && $out == *"3072 "*"(RSA)"* ]] || fail_case "$label: -l format: $out"
  out=$("$add" -L) || fail_case "$label: -L"
  for k in ed25519 ecdsa rsa; do
    grep -qF "$(cut -d' ' -f1,2 id_$k.pub) key-$k" <<<"$out" || fail_case "$label: -L lacks $k"
  done
  out=$("$add" -d id_ecdsa 2>&1) || fail_case "$label: -d"
  [[ $out == "Identity removed: id_ecdsa ECDSA (key-ecdsa)" ]] || fail_case "$label: -d message: $out"
  "$add" -d id_ecdsa 2>/dev/null && fail_case "$label: removing an absent key succeeded"
  [[ $("$add" -l | grep -c .) == 2 ]] || fail_case "$label: -d did not remove the key"
  out=$("$add" -t 2 id_ecdsa 2>&1) || fail_case "$label: -t"
  [[ $out == *"Lifetime set to 2 seconds"* ]] || fail_case "$label: -t message: $out"
  [[ $("$add" -l | grep -c .) == 3 ]] || fail_case "$label: key with lifetime not listed"
  sleep 3
  "$add" -l | grep -q key-ecdsa && fail_case "$label: key with a 2 s lifetime still listed after 3 s"
  # Lock and unlock read the password from stdin when there is no terminal.
  out=$(printf 'lockpw\nlockpw\n' | setsid -w "$add" -x 2>&1) || fail_case "$label: -x"
  [[ $out == *"Agent locked."* ]] || fail_case "$label: -x message: $out"
  out=$("$add" -l 2>&1) && fail_case "$label: -l succeeded while locked"
  [[ $out == "The agent has no identities." ]] || fail_case "$label: -l while locked: $out"
  "$add" id_ecdsa >/dev/null 2>&1 && fail_case "$label: add succeeded while locked"
  out=$(printf 'wrong\n' | setsid -w "$add" -X 2>&1) && fail_case "$label: -X with a wrong password succeeded"
  [[ $out == *"Failed to unlock agent: agent refused operation"* ]] || fail_case "$label: bad -X message: $out"
  out=$(printf 'lockpw\n' | setsid -w "$add" -X 2>&1) || fail_case "$label: -X"
  [[ $out == *"Agent unlocked."* ]] || fail_case "$label: -X message: $out"
  [[ $("$add" -l | grep -c .) == 2 ]] || fail_case "$label: keys not back after unlock"
  out=$(printf 'secret phrase\n' | setsid -w "$add" id_protected 2>&1) || fail_case "$label: add a protected key"
  [[ $out == *"Enter passphrase for id_protected:"*"Identity added: id_protected (key-protected)"* ]] ||
    fail_case "$label: passphrase prompt: $out"
  out=$("$add" -D 2>&1) || fail_case "$label: -D"
  [[ $out == "All identities removed." ]] || fail_case "$label: -D message: $out"
  out=$("$add" -l) && fail_case "$label: -l with no keys succeeded"
  [[ $out == "The agent has no identities." ]] || fail_case "$label: empty -l: $out"
}

# ------------------------------------------------------------ ssh-add -> skiff-agent
start_skiff_agent a1
export SSH_AUTH_SOCK=$AGENT_SOCK
agent_ops ssh-add "ssh-add -> skiff-agent"

# ------------------------------------------------------------ skiff-add -> ssh-agent
ssh-agent -d -a "$SKIFF_T/openssh.sock" >openssh-agent.out 2>openssh-agent.log &
track_pid $!
for _ in $(seq 50); do [[ -S $SKIFF_T/openssh.sock ]] && break; sleep 0.1; done
export SSH_AUTH_SOCK=$SKIFF_T/openssh.sock
agent_ops "$ADD" "skiff-add -> ssh-agent"

# ------------------------------------------------------------ skiff-add's own cases
out=$(env -u SSH_AUTH_SOCK "$ADD" -l 2>&1) && st=0 || st=$?
[[ $st == 2 && $out == "Could not open a connection to your authentication agent." ]] || fail_case "no agent: $out"
out=$(SSH_AUTH_SOCK=$SKIFF_T/absent "$ADD" -l 2>&1) && st=0 || st=$?
[[ $st == 2 && $out == "Error connecting to agent: No such file or directory" ]] || fail_case "absent agent: $out"

# ------------------------------------------------------------ logins through the agents
start_sshd "PubkeyAuthentication yes" "PasswordAuthentication no" "KbdInteractiveAuthentication no"
# ssh as run_ssh, but with the agent (run_ssh turns it off).
ssh_agent_login() {
  local logf=$1
  shift
  _client_env ssh -F /dev/null -p "$SSHD_PORT" -o UserKnownHostsFile="$SKIFF_T/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 \
    -o UpdateHostKeys=no -o LogLevel=DEBUG3 -E "$logf" "$@" -l "$TEST_USER" 127.0.0.1 echo agent-login-ok
}

export SSH_AUTH_SOCK=$AGENT_SOCK
ssh-add -q id_ed25519 id_rsa
[[ $(ssh_agent_login ssh-ed25519.log -o PubkeyAcceptedAlgorithms=ssh-ed25519) == agent-login-ok ]] ||
  fail_case "ssh with an ed25519 key in skiff-agent"
for alg in rsa-sha2-256 rsa-sha2-512; do
  [[ $(ssh_agent_login "ssh-$alg.log" -o PubkeyAcceptedAlgorithms=$alg) == agent-login-ok ]] ||
    fail_case "ssh with an RSA key in skiff-agent ($alg)"
  grep -q "sign .*(key-rsa) with $alg" a1.log || fail_case "skiff-agent did not sign with $alg"
done
grep -q "Accepted publickey for $TEST_USER from 127.0.0.1 port .* RSA $(fp id_rsa.pub)" "$SSHD_LOG" ||
  fail_case "sshd did not accept the RSA key from the agent"
# Without the agent the same login fails: the key is only in the agent.
SSH_AUTH_SOCK= ssh_agent_login ssh-noagent.log >/dev/null 2>&1 && fail_case "ssh logged in without the agent"

# skiff through skiff-agent, then through ssh-agent; IdentityAgent names a socket.
skiff_agent_login() {
  run_skiff "$1" "$SSHD_PORT" -l "$TEST_USER" "${@:2}" 127.0.0.1 echo agent-login-ok
}
[[ $(skiff_agent_login skiff-a1.log) == agent-login-ok ]] || fail_case "skiff through skiff-agent"
grep -q "sign .*(key-ed25519) with ssh-ed25519" a1.log || fail_case "skiff did not sign through skiff-agent"
[[ $(skiff_agent_login skiff-rsa256.log -o PubkeyAcceptedAlgorithms=rsa-sha2-256) == agent-login-ok ]] ||
  fail_case "skiff through skiff-agent with rsa-sha2-256"
SSH_AUTH_SOCK=$SKIFF_T/openssh.sock ssh-add -q id_ecdsa
# Keys skiff-add gave ssh-agent sign correctly (the private fields' order, RSA's CRT values).
SSH_AUTH_SOCK=$SKIFF_T/openssh.sock "$ADD" -q id_rsa id_ed25519 || fail_case "skiff-add to ssh-agent for logins"
for alg in rsa-sha2-512 ssh-ed25519; do
  [[ $(SSH_AUTH_SOCK=$SKIFF_T/openssh.sock ssh_agent_login "ssh-openssh-$alg.log" -o PubkeyAcceptedAlgorithms=$alg) == agent-login-ok ]] ||
    fail_case "ssh through ssh-agent with a key skiff-add added ($alg)"
done
SSH_AUTH_SOCK=$SKIFF_T/openssh.sock ssh-add -q -d id_rsa.pub id_ed25519.pub
[[ $(SSH_AUTH_SOCK=$SKIFF_T/openssh.sock skiff_agent_login skiff-openssh.log) == agent-login-ok ]] ||
  fail_case "skiff through ssh-agent"
[[ $(SSH_AUTH_SOCK= skiff_agent_login skiff-ia.log -o IdentityAgent="$SKIFF_T/openssh.sock") == agent-login-ok ]] ||
  fail_case "skiff with IdentityAgent"
skiff_agent_login skiff-none.log -o IdentityAgent=none >/dev/null 2>&1 && fail_case "skiff logged in with IdentityAgent none"
# IdentitiesOnly: the agent's keys only when they match an IdentityFile.
[[ $(skiff_agent_login skiff-io.log -o IdentitiesOnly=yes -i "$SKIFF_T/id_rsa.pub") == agent-login-ok ]] ||
  fail_case "skiff with IdentitiesOnly and the agent's key named"
skiff_agent_login skiff-io2.log -o IdentitiesOnly=yes -i "$SKIFF_T/id_ecdsa.pub" >/dev/null 2>&1 &&
  fail_case "skiff used an agent key not named with IdentitiesOnly"
ssh-add -q -D

# ------------------------------------------------------------ confirm constraint
printf '#!/bin/sh\necho "$SSH_ASKPASS_PROMPT $1" >>%q\nexit 0\n' "$SKIFF_T/askpass-yes.log" >askpass-yes
printf '#!/bin/sh\nexit 1\n' >askpass-no
chmod 0755 askpass-yes askpass-no
echo data >signed.txt
for answer in yes no; do
  SSH_ASKPASS=$SKIFF_T/askpass-$answer DISPLAY=:0 start_skiff_agent "confirm-$answer"
  SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -c id_ed25519 2>/dev/null || fail_case "ssh-add -c ($answer)"
  rm -f signed.txt.sig
  if SSH_AUTH_SOCK=$AGENT_SOCK ssh-keygen -Y sign -f id_ed25519.pub -n file signed.txt >/dev/null 2>&1; then
    [[ $answer == yes ]] || fail_case "a signature was made although askpass said no"
  else
    [[ $answer == no ]] || fail_case "no signature although askpass said yes"
  fi
done
grep -q "^confirm Allow use of key key-ed25519?" askpass-yes.log || fail_case "askpass prompt: $(cat askpass-yes.log)"
# SSH_ASKPASS_REQUIRE=force stands for a display; an askpass without a display is not
# asked (as ssh-agent), and no askpass program at all means no.
for setup in force nodisplay noprogram; do
  case $setup in
    force) SSH_ASKPASS=$SKIFF_T/askpass-yes SSH_ASKPASS_REQUIRE=force start_skiff_agent confirm-$setup ;;
    nodisplay) SSH_ASKPASS=$SKIFF_T/askpass-yes start_skiff_agent confirm-$setup ;;
    noprogram) SSH_ASKPASS=$SKIFF_T/absent DISPLAY=:0 start_skiff_agent confirm-$setup ;;
  esac
  SSH_AUTH_SOCK=$AGENT_SOCK "$ADD" -q -c id_ed25519 || fail_case "skiff-add -c ($setup)"
  rm -f signed.txt.sig
  if SSH_AUTH_SOCK=$AGENT_SOCK ssh-keygen -Y sign -f id_ed25519.pub -n file signed.txt >/dev/null 2>&1; then
    [[ $setup == force ]] || fail_case "confirm key used with $setup"
  else
    [[ $setup != force ]] || fail_case "confirm key refused with SSH_ASKPASS_REQUIRE=force"
  fi
done

# ------------------------------------------------------------ skiff-agent's command line
out=$(TMPDIR=$SKIFF_T "$AGENT" -s)
[[ $out =~ ^SSH_AUTH_SOCK=($SKIFF_T/skiff-[A-Za-z0-9]{10}/agent\.[0-9]+)\;\ export\ SSH_AUTH_SOCK\;$'\n'SSH_AGENT_PID=([0-9]+)\;\ export\ SSH_AGENT_PID\;$'\n'echo\ Agent\ pid\ ([0-9]+)\;$ ]] ||
  fail_case "-s output: $out"
sock=${BASH_REMATCH[1]} pid=${BASH_REMATCH[2]}
track_pid "$pid"
[[ ${BASH_REMATCH[3]} == "$pid" ]] || fail_case "-s pid lines differ"
[[ $(stat -c %a "$(dirname "$sock")") == 700 && $(stat -c %a "$sock") == 600 ]] ||
  fail_case "socket directory $(stat -c %a "$(dirname "$sock")") / socket $(stat -c %a "$sock")"
out=$(SSH_AUTH_SOCK=$sock ssh-add -l 2>&1) || true
[[ $out == "The agent has no identities." ]] || fail_case "the daemonised agent: $out"
# Another user: the directory keeps it out.
out=$(SSH_AUTH_SOCK=$sock setpriv --reuid "$OTHER_USER" --regid "$OTHER_USER" --clear-groups ssh-add -l 2>&1) || true
[[ $out == "Error connecting to agent: Permission denied" ]] || fail_case "other user, private directory: $out"
out=$(SSH_AGENT_PID=$pid "$AGENT" -c -k)
[[ $out == $'unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\necho Agent pid '"$pid"' killed;' ]] || fail_case "-k: $out"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail_case "-k did not stop the agent"
[[ -e $sock || -e $(dirname "$sock") ]] && fail_case "the socket or its directory outlived the agent"
out=$(SHELL=/bin/csh TMPDIR=$SKIFF_T "$AGENT")
[[ $out =~ setenv\ SSH_AGENT_PID\ ([0-9]+)\; ]] && track_pid "${BASH_REMATCH[1]}"
[[ $out == "setenv SSH_AUTH_SOCK $SKIFF_T/skiff-"*$'/agent.'*$';\nsetenv SSH_AGENT_PID '*$';\necho Agent pid '* ]] ||
  fail_case "csh output: $out"
# A command: run with the variables set, its exit status passed on.
set +e
out=$(TMPDIR=$SKIFF_T "$AGENT" sh -c 'echo "$SSH_AGENT_PID"; ssh-add -l; exit 7')
status=$?
set -e
[[ $status == 7 ]] || fail_case "command's exit status: $status"
track_pid "$(head -n1 <<<"$out")"
[[ $(tail -n1 <<<"$out") == "The agent has no identities." ]] || fail_case "command's agent: $out"

# Another user on a socket it can reach: refused by the peer credential check.
mkdir -m 0755 open && start_skiff_agent open/peer
chmod 0666 "$AGENT_SOCK"
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q id_ed25519
out=$(SSH_AUTH_SOCK=$AGENT_SOCK setpriv --reuid "$OTHER_USER" --regid "$OTHER_USER" --clear-groups ssh-add -l 2>&1) &&
  fail_case "another user listed the agent's keys: $out"
grep -q "uid mismatch: peer euid $(id -u "$OTHER_USER") != uid 0" open/peer.log || fail_case "no uid mismatch logged"
[[ $(SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -l | grep -c .) == 1 ]] || fail_case "root (the agent's user) refused"

# skiff-agent -t: the default lifetime.
start_skiff_agent deflife -t 2
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -q id_ed25519
sleep 3
SSH_AUTH_SOCK=$AGENT_SOCK ssh-add -l >/dev/null && fail_case "-t 2: key still there after 3 s"

((failures == 0)) || die "$failures case(s) failed"
log "all agent cases passed"
