#!/usr/bin/env bash
# Proves the interop harness with real peers only (no skiff code involved):
# OpenSSH sshd and Dropbear start on loopback ports, and OpenSSH's ssh, Dropbear's
# dbclient and PuTTY's plink complete key exchanges (and, where the harness can
# authorize a key without touching any home directory, log in). Every process is
# stopped by pid at the end, and that is checked.
source "$(dirname "$0")/lib.sh"

require_cmd ssh ssh-keygen dbclient dropbear dropbearkey dropbearconvert plink puttygen ss

# The user that logs in: as root the test user (a fresh account, not locked, whatever
# root's own password entry says; sshd without PAM refuses locked accounts), otherwise
# the current user (a non-root sshd can only log in the user it runs as).
if [[ $(id -u) -eq 0 ]]; then
  create_test_user
  me=$TEST_USER
else
  me=$(id -un)
fi
KEX_DONE='SSH2_MSG_NEWKEYS received'
KEX_ALG='kex: algorithm: '

# A client key, authorized for the current user on the harness's sshd.
make_user_key ed25519 "$SKIFF_T/id_ed25519"
authorize_key "$me" "$SKIFF_T/id_ed25519.pub"

start_sshd

# --- OpenSSH ssh -> sshd: unauthenticated attempt, kex must still complete.
log "ssh -> sshd (no key: kex completes, auth fails)"
mark=$(log_mark "$SSHD_LOG")
if run_ssh "$SKIFF_T/ssh-noauth.log" "$SSHD_PORT" -o PubkeyAuthentication=no -l nobody-$$ 127.0.0.1 true; then
  die "ssh without a key logged in"
fi
grep -q "$KEX_ALG" "$SKIFF_T/ssh-noauth.log" || die "ssh log has no '$KEX_ALG'"
grep -q "$KEX_DONE" "$SKIFF_T/ssh-noauth.log" || die "ssh log has no '$KEX_DONE'"
grep -q 'Permission denied' "$SKIFF_T/ssh-noauth.log" || die "ssh did not reach authentication"
expect_log "$SSHD_LOG" "$mark" "$KEX_DONE" "sshd: kex completed"

# --- OpenSSH ssh -> sshd with a key: a full login that runs a command.
log "ssh -> sshd (key login as $me)"
out=$(run_ssh "$SKIFF_T/ssh-login.log" "$SSHD_PORT" -o IdentitiesOnly=yes -i "$SKIFF_T/id_ed25519" \
  -l "$me" 127.0.0.1 'echo skiff-harness-ok') || die "ssh key login failed"
[[ $out == skiff-harness-ok ]] || die "ssh login printed '$out'"

# --- Dropbear dbclient -> sshd.
log "dbclient -> sshd (kex, then key login)"
mark=$(log_mark "$SSHD_LOG")
# (dbclient exits 0 even when the server disconnects it, so judge by its output.)
run_dbclient "$SKIFF_T/dbclient-noauth.log" "$SSHD_PORT" -l "nobody-$$" 127.0.0.1 'echo skiff-harness-ok' || true
grep -q skiff-harness-ok "$SKIFF_T/dbclient-noauth.log" && die "dbclient without a key logged in"
expect_log "$SSHD_LOG" "$mark" "$KEX_DONE" "sshd: kex with dbclient completed"
expect_log "$SSHD_LOG" "$mark" 'Connection closed by (authenticating|invalid) user|Invalid user' \
  "sshd: dbclient reached authentication"
to_dropbear_key "$SKIFF_T/id_ed25519" "$SKIFF_T/id_ed25519.dropbear"
out=$(run_dbclient /dev/stdout "$SSHD_PORT" -i "$SKIFF_T/id_ed25519.dropbear" -l "$me" 127.0.0.1 'echo skiff-harness-ok') ||
  die "dbclient key login failed: $out"
[[ $out == *skiff-harness-ok* ]] || die "dbclient login printed '$out'"

# --- PuTTY plink -> sshd, host key pinned by its SHA256 fingerprint.
log "plink -> sshd (kex, then key login)"
hostkey_args=()
while read -r fp; do hostkey_args+=(-hostkey "$fp"); done < <(sshd_hostkey_fingerprints)
to_putty_key "$SKIFF_T/id_ed25519" "$SKIFF_T/id_ed25519.ppk"
mark=$(log_mark "$SSHD_LOG")
out=$(run_plink /dev/stdout "$SSHD_PORT" "${hostkey_args[@]}" \
  -i "$SKIFF_T/id_ed25519.ppk" -l "$me" 127.0.0.1 'echo skiff-harness-ok') || die "plink key login failed: $out"
[[ $out == *skiff-harness-ok* ]] || die "plink login printed '$out'"
[[ $out == *'Initialised'*'encryption'* ]] || die "plink -v did not report its ciphers"
expect_log "$SSHD_LOG" "$mark" "$KEX_DONE" "sshd: kex with plink completed"
# And with a wrong pinned key plink must refuse the server.
bad_fp=$(ssh-keygen -l -E sha256 -f "$SKIFF_T/id_ed25519.pub" | awk '{print $2}')
run_plink "$SKIFF_T/plink-badkey.log" "$SSHD_PORT" -hostkey "$bad_fp" -l "$me" 127.0.0.1 true &&
  die "plink accepted a host key that was not pinned"

# --- OpenSSH ssh -> Dropbear.
start_dropbear -s
log "ssh -> dropbear (kex completes, auth fails)"
mark=$(log_mark "$DROPBEAR_LOG")
run_ssh "$SKIFF_T/ssh-dropbear.log" "$DROPBEAR_PORT" -o PubkeyAuthentication=no -l "nobody-$$" 127.0.0.1 true &&
  die "ssh logged in to dropbear without a key"
grep -q 'remote software version dropbear' "$SKIFF_T/ssh-dropbear.log" || die "ssh did not talk to dropbear"
grep -q "$KEX_ALG" "$SKIFF_T/ssh-dropbear.log" || die "ssh log has no '$KEX_ALG'"
grep -q "$KEX_DONE" "$SKIFF_T/ssh-dropbear.log" || die "ssh log has no '$KEX_DONE' (dropbear)"
# ssh pinned to dropbear's ed25519 host key by fingerprint check after the fact.
fp=$(dropbear_hostkey_fingerprint ed25519)
grep -q "Server host key: ssh-ed25519 $fp" "$SKIFF_T/ssh-dropbear.log" ||
  die "ssh saw a different dropbear host key than $fp"

# --- Everything we started stops, by pid.
started=("${SKIFF_PIDS[@]}")
stop_all
left=$(alive_pids)
[[ -z $left ]] || die "processes still alive after stop_all: $left"
if ps -e -o pid=,args= | grep -F -- "$SKIFF_T" | grep -v grep; then
  die "a process still refers to $SKIFF_T"
fi
port_listening "$SSHD_PORT" && die "sshd port $SSHD_PORT still listening"
port_listening "$DROPBEAR_PORT" && die "dropbear port $DROPBEAR_PORT still listening"
log "PASS (stopped ${#started[@]} servers: ${started[*]})"
