#!/usr/bin/env bash
# Login interop with OpenSSH 9.2, both directions: OpenSSH's ssh against skiffd, skiff
# against OpenSSH's sshd. Password, keyboard-interactive (PAM) and public-key login with
# every key type; exit codes 0..255 and an exit signal; a 256 MiB binary stream through
# stdin and back; stderr kept apart; SendEnv/AcceptEnv; a wrong password refused.
# (Terminal sessions are in test_login_pty.sh, known_hosts in test_login_known_hosts.sh.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/login_cases.sh"
require_root "to log in as the test user"
require_cmd ssh ssh-keygen
set_test_user_password
SRV_USER=$TEST_USER
STREAM_MIB=${SKIFF_STREAM_MIB:-256}

KEY_TYPES=(ed25519 ecdsa256 ecdsa384 ecdsa521 rsa3072)
for kind in "${KEY_TYPES[@]}"; do
  case $kind in
    ecdsa*) ssh-keygen -q -t ecdsa -b "${kind#ecdsa}" -N '' -C "user-$kind" -f "$SKIFF_T/id_$kind" ;;
    rsa*) ssh-keygen -q -t rsa -b "${kind#rsa}" -N '' -C "user-$kind" -f "$SKIFF_T/id_$kind" ;;
    *) ssh-keygen -q -t "$kind" -N '' -C "user-$kind" -f "$SKIFF_T/id_$kind" ;;
  esac
  authorize_key "$SRV_USER" "$SKIFF_T/id_$kind.pub"
done

# auth_opts AUTH: client options and environment for one way of logging in (OpenSSH's
# option names: skiff takes the same). Sets AUTH_OPTS and AUTH_ENV.
auth_opts() {
  AUTH_ENV=()
  case $1 in
    password | kbdint)
      local ap
      ap=$(askpass_script "${CL_PASSWORD:-$TEST_USER_PASSWORD}")
      AUTH_ENV=(SSH_ASKPASS="$ap" SSH_ASKPASS_REQUIRE=force)
      local m=password
      [[ $1 == kbdint ]] && m=keyboard-interactive
      AUTH_OPTS=(-o BatchMode=no -o PreferredAuthentications=$m -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1)
      ;;
    key:*) AUTH_OPTS=(-o BatchMode=yes -o PreferredAuthentications=publickey -o IdentitiesOnly=yes -i "${1#key:}") ;;
    *) die "unknown auth $1" ;;
  esac
  [[ -n ${CL_SEND_ENV:-} ]] && AUTH_OPTS+=(-o "SendEnv=$CL_SEND_ENV")
  return 0
}

# client_run PROGRAM LOG PORT AUTH CMD: one login with OpenSSH's command line.
client_run() {
  local prog=$1 logf=$2 port=$3 auth=$4 cmd=$5
  auth_opts "$auth"
  _client_env_stdin env "${AUTH_ENV[@]}" "$prog" -F /dev/null -p "$port" \
    "${AUTH_OPTS[@]}" \
    -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o ConnectTimeout=10 -o LogLevel=DEBUG3 -E "$logf" \
    "$SRV_USER@127.0.0.1" "$cmd"
}

all_cases() {
  case_login password
  case_login kbdint
  for kind in "${KEY_TYPES[@]}"; do case_login "key:$SKIFF_T/id_$kind"; done
  case_wrong_password
  case_exit_codes "key:$SKIFF_T/id_ed25519" $(seq 0 255)
  case_exit_signal "key:$SKIFF_T/id_ed25519"
  case_stderr "key:$SKIFF_T/id_ed25519"
  case_env "key:$SKIFF_T/id_ed25519" SKIFF_TEST_ENV "value with spaces"
  case_stream "key:$SKIFF_T/id_ecdsa256" "$STREAM_MIB"
}

# ---------------------------------------------------------------- ssh -> skiffd
start_skiffd "UsePAM yes" "PasswordAuthentication yes" "KbdInteractiveAuthentication yes" "AcceptEnv SKIFF_*"
CL_NAME="ssh -> skiffd"
SSH_LOG=$SKIFF_T/ssh.log CL_LOG=$SKIFF_T/ssh.log
cl_exec() { client_run ssh "$SSH_LOG" "$SKIFFD_PORT" "$1" "$2"; }
all_cases
grep -q 'rtype exit-signal' "$SSH_LOG" || fail_case "$CL_NAME: ssh never received exit-signal"
# Every key type appears in skiffd's log as sshd would log it.
for kind in "${KEY_TYPES[@]}"; do
  fp=$(key_fingerprint "$SKIFF_T/id_$kind.pub")
  grep -q "Accepted publickey for $SRV_USER from 127.0.0.1 port [0-9]* ssh2: [A-Z0-9-]* $fp" "$SKIFFD_LOG" ||
    fail_case "$CL_NAME: no 'Accepted publickey' line for $kind"
done
grep -q "Accepted password for $SRV_USER from 127.0.0.1 port" "$SKIFFD_LOG" || fail_case "no 'Accepted password' line"
grep -q "Failed password for $SRV_USER from 127.0.0.1 port" "$SKIFFD_LOG" || fail_case "no 'Failed password' line"

# ---------------------------------------------------------------- skiff -> sshd
start_sshd "UsePAM yes" "PasswordAuthentication yes" "KbdInteractiveAuthentication yes" "AcceptEnv SKIFF_*"
SKIFF=$(skiff_bin skiff)
CL_NAME="skiff -> sshd"
SKIFF_LOG=$SKIFF_T/skiff.log CL_LOG=$SKIFF_T/skiff.log
cl_exec() { client_run "$SKIFF" "$SKIFF_LOG" "$SSHD_PORT" "$1" "$2"; }
all_cases
grep -q 'Authenticated to 127.0.0.1' "$SKIFF_LOG" || fail_case "$CL_NAME: skiff's log lacks 'Authenticated to'"

finish_cases
