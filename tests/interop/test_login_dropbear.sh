#!/usr/bin/env bash
# Login interop with Dropbear 2022.83, both directions: dbclient against skiffd, skiff
# against the dropbear server. Password and public-key login (every key type Dropbear
# has), exit codes 0..255, an exit signal (the client must end as it does against
# OpenSSH's sshd), a 256 MiB binary stream, stderr kept apart, a wrong password refused.
# Dropbear has no keyboard-interactive server and no AcceptEnv: those cases are in the
# OpenSSH and PuTTY tests.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/login_cases.sh"
require_root "to log in as the test user"
require_cmd dbclient dropbear dropbearconvert ssh-keygen
set_test_user_password
SRV_USER=$TEST_USER
STREAM_MIB=${SKIFF_STREAM_MIB:-256}

KEY_TYPES=(ed25519 ecdsa256 ecdsa384 ecdsa521 rsa3072)
for kind in "${KEY_TYPES[@]}"; do
  case $kind in
    ecdsa*) ssh-keygen -q -t ecdsa -b "${kind#ecdsa}" -N '' -m PEM -f "$SKIFF_T/id_$kind" ;;
    rsa*) ssh-keygen -q -t rsa -b "${kind#rsa}" -N '' -m PEM -f "$SKIFF_T/id_$kind" ;;
    *) ssh-keygen -q -t "$kind" -N '' -f "$SKIFF_T/id_$kind" ;;
  esac
  to_dropbear_key "$SKIFF_T/id_$kind" "$SKIFF_T/id_$kind.db"
  authorize_key "$SRV_USER" "$SKIFF_T/id_$kind.pub"
done

# dbclient's command line; DROPBEAR_PASSWORD answers its password prompt.
db_exec() {
  local port=$1 auth=$2 cmd=$3 env=()
  case $auth in
    password) env=(DROPBEAR_PASSWORD="${CL_PASSWORD:-$TEST_USER_PASSWORD}") ;;
    key:*) env=(DROPBEAR_PASSWORD=not-this-one) ;;
  esac
  local idopt=()
  [[ $auth == key:* ]] && idopt=(-i "${auth#key:}.db")
  _client_env_stdin env "${env[@]}" dbclient -y -y -p "$port" "${idopt[@]}" "$SRV_USER@127.0.0.1" "$cmd"
}

# What dbclient returns for a killed command against OpenSSH's sshd: the reference.
start_sshd "PasswordAuthentication yes"
ref=0
db_exec "$SSHD_PORT" password 'kill -TERM $$' </dev/null >/dev/null 2>&1 || ref=$?
ref_wrong=0
CL_PASSWORD=wrong db_exec "$SSHD_PORT" password true </dev/null >/dev/null 2>&1 || ref_wrong=$?
log "dbclient against sshd: killed command: exit $ref; wrong password: exit $ref_wrong"

all_cases() {
  case_login password
  for kind in "${KEY_TYPES[@]}"; do case_login "key:$SKIFF_T/id_$kind"; done
  case_wrong_password "$WRONG_STATUS" "$WRONG_PATTERN"
  case_exit_codes "key:$SKIFF_T/id_ed25519" $(seq 0 255)
  case_stderr "key:$SKIFF_T/id_ed25519"
  case_stream "key:$SKIFF_T/id_ed25519" "$STREAM_MIB"
}

# ---------------------------------------------------------------- dbclient -> skiffd
start_skiffd "PasswordAuthentication yes"
CL_NAME="dbclient -> skiffd" CL_LOG=
WRONG_STATUS=$ref_wrong WRONG_PATTERN="exited: "
cl_exec() { db_exec "$SKIFFD_PORT" "$1" "$2"; }
all_cases
case_exit_signal "key:$SKIFF_T/id_ed25519" "$ref"

# ---------------------------------------------------------------- skiff -> dropbear
# The dropbear server reads the user's own ~/.ssh/authorized_keys: install ours for the
# test and put back what was there.
ak=$TEST_USER_HOME/.ssh/authorized_keys
mkdir -p "$TEST_USER_HOME/.ssh"
[[ -e $ak ]] && cp -p "$ak" "$SKIFF_T/authorized_keys.saved"
on_exit "if [[ -e $SKIFF_T/authorized_keys.saved ]]; then cp -p $SKIFF_T/authorized_keys.saved $ak; else rm -f $ak; fi"
cp "$SKIFF_T/authorized_keys.$SRV_USER" "$ak"
chown -R "$SRV_USER:" "$TEST_USER_HOME/.ssh"
chmod 0700 "$TEST_USER_HOME/.ssh"
chmod 0600 "$ak"

start_dropbear
SKIFF=$(skiff_bin skiff)
CL_NAME="skiff -> dropbear" CL_LOG=$SKIFF_T/skiff.log
WRONG_STATUS=255 WRONG_PATTERN="Permission denied"
cl_exec() {
  local auth=$1 opts=() env=()
  case $auth in
    password)
      env=(SSH_ASKPASS="$(askpass_script "${CL_PASSWORD:-$TEST_USER_PASSWORD}")" SSH_ASKPASS_REQUIRE=force)
      opts=(-o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1)
      ;;
    key:*) opts=(-o BatchMode=yes -o PreferredAuthentications=publickey -o IdentitiesOnly=yes -i "${auth#key:}") ;;
  esac
  _client_env_stdin env "${env[@]}" "$SKIFF" -F /dev/null -p "$DROPBEAR_PORT" "${opts[@]}" \
    -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o ConnectTimeout=10 -o LogLevel=DEBUG3 -E "$CL_LOG" \
    "$SRV_USER@127.0.0.1" "$2"
}
all_cases
# Against dropbear, skiff ends a killed command as OpenSSH's ssh does.
ref_ssh=0
_client_env ssh -F /dev/null -p "$DROPBEAR_PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$SKIFF_T/id_ed25519" \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "$SRV_USER@127.0.0.1" 'kill -TERM $$' \
  >/dev/null 2>&1 || ref_ssh=$?
case_exit_signal "key:$SKIFF_T/id_ed25519" "$ref_ssh"

finish_cases
