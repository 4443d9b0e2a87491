#!/usr/bin/env bash
# Login interop with PuTTY 0.78's plink against skiffd (PuTTY has no server: the other
# direction does not exist). Password, keyboard-interactive and public-key login with
# every key type, the host key pinned by fingerprint; exit codes 0..255; an exit signal
# (plink must end as it does against OpenSSH's sshd); a 256 MiB binary stream; stderr
# kept apart; a wrong password refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/login_cases.sh"
require_root "to log in as the test user"
require_cmd plink puttygen ssh-keygen
set_test_user_password
SRV_USER=$TEST_USER
STREAM_MIB=${SKIFF_STREAM_MIB:-256}

KEY_TYPES=(ed25519 ecdsa256 ecdsa384 ecdsa521 rsa3072)
for kind in "${KEY_TYPES[@]}"; do
  case $kind in
    ecdsa*) ssh-keygen -q -t ecdsa -b "${kind#ecdsa}" -N '' -f "$SKIFF_T/id_$kind" ;;
    rsa*) ssh-keygen -q -t rsa -b "${kind#rsa}" -N '' -f "$SKIFF_T/id_$kind" ;;
    *) ssh-keygen -q -t "$kind" -N '' -f "$SKIFF_T/id_$kind" ;;
  esac
  to_putty_key "$SKIFF_T/id_$kind" "$SKIFF_T/id_$kind.ppk"
  authorize_key "$SRV_USER" "$SKIFF_T/id_$kind.pub"
done
make_sshd_hostkeys  # here, not in the subshell below, so that the servers reuse them
HOSTKEY_OPTS=()
while read -r fp; do HOSTKEY_OPTS+=(-hostkey "$fp"); done < <(sshd_hostkey_fingerprints)

plink_exec() {
  local port=$1 auth=$2 cmd=$3 opts=()
  case $auth in
    password) opts=(-pw "${CL_PASSWORD:-$TEST_USER_PASSWORD}" -no-trivial-auth) ;;
    kbdint) opts=(-pw "${CL_PASSWORD:-$TEST_USER_PASSWORD}") ;;
    key:*) opts=(-i "${auth#key:}.ppk") ;;
  esac
  _client_env_stdin plink -ssh -batch -noagent -P "$port" "${HOSTKEY_OPTS[@]}" "${opts[@]}" \
    "$SRV_USER@127.0.0.1" "$cmd"
}

# The reference: plink against OpenSSH's sshd, for a killed command.
start_sshd "PasswordAuthentication yes"
ref=0
plink_exec "$SSHD_PORT" "key:$SKIFF_T/id_ed25519" 'kill -TERM $$' </dev/null >/dev/null 2>&1 || ref=$?
ref_wrong=0
CL_PASSWORD=wrong plink_exec "$SSHD_PORT" password true </dev/null >/dev/null 2>"$SKIFF_T/plink-ref.err" || ref_wrong=$?
log "plink against sshd: killed command: exit $ref; wrong password: exit $ref_wrong: $(tail -n 1 "$SKIFF_T/plink-ref.err")"

start_skiffd "UsePAM yes" "PasswordAuthentication yes" "KbdInteractiveAuthentication yes"
CL_NAME="plink -> skiffd" CL_LOG=
cl_exec() { plink_exec "$SKIFFD_PORT" "$1" "$2"; }
case_login password
for kind in "${KEY_TYPES[@]}"; do case_login "key:$SKIFF_T/id_$kind"; done
case_wrong_password "$ref_wrong" "$(tail -n 1 "$SKIFF_T/plink-ref.err" | cut -c1-30)"
case_exit_codes "key:$SKIFF_T/id_ed25519" $(seq 0 255)
case_exit_signal "key:$SKIFF_T/id_ed25519" "$ref"
case_stderr "key:$SKIFF_T/id_ed25519"
case_stream "key:$SKIFF_T/id_rsa3072" "$STREAM_MIB"

# keyboard-interactive only: skiffd offers no password method, PAM asks.
stop_pid "$SKIFFD_PID"
start_skiffd "UsePAM yes" "PasswordAuthentication no" "KbdInteractiveAuthentication yes" "PubkeyAuthentication no"
case_login kbdint
grep -q 'Accepted keyboard-interactive/pam for' "$SKIFFD_LOG" || fail_case "no 'Accepted keyboard-interactive/pam' line"

finish_cases
