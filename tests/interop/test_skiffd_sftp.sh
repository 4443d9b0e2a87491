#!/usr/bin/env bash
# skiffd's internal-sftp (the SFTP engine in the session child, no program run), as
# root: OpenSSH's sftp with "Subsystem sftp internal-sftp" (a 1 GiB random file up and
# down checked by SHA-256, rename, rm, mkdir, symlink, hard link, df, a batch that fails
# and sftp's exit status), "internal-sftp -R", "ForceCommand internal-sftp" with a
# ChrootDirectory (the user sees only the chroot; a chroot with bad ownership is refused
# with sshd's log line), then PuTTY's psftp and pscp (transfers, a -b batch, pscp -r).
source "$(dirname "$0")/lib.sh"
require_root "to log in as the test user and chroot"
require_cmd sftp ssh-keygen sha256sum
create_test_user
U=$TEST_USER
UHOME=$TEST_USER_HOME

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}

make_user_key ed25519 "$SKIFF_T/id"
authorize_key "$U" "$SKIFF_T/id.pub"

# sftp_as_user BATCHFILE: OpenSSH's sftp logged in with the key; output in
# $SKIFF_T/sftp.out, its exit status returned.
sftp_as_user() {
  local rc=0
  _client_env timeout -k 5 300 sftp -F /dev/null -P "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o IdentityAgent=none \
    -o IdentitiesOnly=yes -i "$SKIFF_T/id" -b "$1" "$U@127.0.0.1" >"$SKIFF_T/sftp.out" 2>&1 </dev/null || rc=$?
  return $rc
}
batch() { printf '%s\n' "$@" >"$SKIFF_T/batch"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# Everything the user writes lands in a directory of its own, removed at the end.
WORK=$UHOME/skiff-sftp-test.$$
rm -rf "$WORK"
mkdir -p "$WORK"
chown "$U:" "$WORK"
on_exit "rm -rf '$WORK'"
L=$SKIFF_T/local
mkdir -p "$L"

# ---------------------------------------------------------------- Subsystem sftp internal-sftp
start_skiffd "Subsystem sftp internal-sftp -l INFO"

# SKIFF_SFTP_BIG_MIB: the big file's size (a smaller one for a quick run).
BIG_MIB=${SKIFF_SFTP_BIG_MIB:-1024}
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$L/big"
WANT=$(sha "$L/big")
batch "put $L/big $WORK/big"
t0=$(date +%s.%N)
sftp_as_user "$SKIFF_T/batch" || fail_case "big upload: sftp exit $?: $(tail -n 2 "$SKIFF_T/sftp.out")"
t1=$(date +%s.%N)
check "big upload: SHA-256" "$(sha "$WORK/big")" "$WANT"
check "big upload: owned by the user" "$(stat -c %U "$WORK/big")" "$U"
batch "get $WORK/big $L/big.back"
sftp_as_user "$SKIFF_T/batch" || fail_case "big download: sftp exit $?: $(tail -n 2 "$SKIFF_T/sftp.out")"
t2=$(date +%s.%N)
check "big download: SHA-256" "$(sha "$L/big.back")" "$WANT"
log "$BIG_MIB MiB up: $(awk "BEGIN{print $t1 - $t0}") s, down: $(awk "BEGIN{print $t2 - $t1}") s"
rm -f "$L/big.back" "$WORK/big"
grep -q "session opened for local user $U from \[127.0.0.1\]" "$SKIFFD_LOG" ||
  fail_case "no 'session opened' line (internal-sftp -l INFO) in skiffd's log"
grep -q "session closed for local user $U from \[127.0.0.1\]" "$SKIFFD_LOG" ||
  fail_case "no 'session closed' line in skiffd's log"
grep -q "Starting session: subsystem 'sftp' for $U" "$SKIFFD_LOG" || fail_case "no 'Starting session' line"

echo small >"$L/small"
batch "cd $WORK" "mkdir d" "put $L/small d/a" "rename d/a d/b" "put $L/small gone" "rm gone" \
  "symlink d/b link" "ln d/b hard" "df ." "ls -l"
if sftp_as_user "$SKIFF_T/batch"; then
  check "mkdir" "$(stat -c %F "$WORK/d")" directory
  check "rename" "$(cat "$WORK/d/b" 2>&1) $([[ -e $WORK/d/a ]] && echo still-there)" "small "
  check "rm" "$([[ -e $WORK/gone ]] && echo present || echo absent)" absent
  check "symlink" "$(readlink "$WORK/link")" d/b
  check "hard link" "$(stat -c %h "$WORK/d/b")" 2
  grep -Eq '^ +Size +Used +Avail' "$SKIFF_T/sftp.out" && log "ok: df" || fail_case "df printed no statvfs table"
else
  fail_case "operations batch: sftp exit $?: $(tail -n 3 "$SKIFF_T/sftp.out")"
fi

# sftp -b stops at the first failing command and exits 1; "-" in front ignores a failure.
batch "-get /nonexistent/file $L/x" "cd $WORK" "get /nonexistent/file $L/x" "mkdir never-made"
rc=0
sftp_as_user "$SKIFF_T/batch" || rc=$?
check "failing batch: exit status" "$rc" 1
check "failing batch: stops at the failure" "$([[ -e $WORK/never-made ]] && echo went-on || echo stopped)" stopped

# Through the shell, "internal-sftp" is just an unknown command.
rc=0
_client_env ssh -F /dev/null -p "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
  -o BatchMode=yes -o IdentityAgent=none -i "$SKIFF_T/id" "$U@127.0.0.1" internal-sftp </dev/null >/dev/null 2>&1 || rc=$?
check "exec internal-sftp goes to the shell" "$rc" 127

# ---------------------------------------------------------------- internal-sftp -R
stop_pid "$SKIFFD_PID"
start_skiffd "Subsystem sftp internal-sftp -R"
batch "get $WORK/d/b $L/read-only-get" "put $L/small $WORK/refused"
rc=0
sftp_as_user "$SKIFF_T/batch" || rc=$?
check "-R: write refused (sftp exit)" "$rc" 1
check "-R: reads still work" "$(cat "$L/read-only-get" 2>&1)" small
check "-R: nothing written" "$([[ -e $WORK/refused ]] && echo written || echo absent)" absent

# ---------------------------------------------------------------- ForceCommand + ChrootDirectory
# The chroot's path must be root-owned and not group/world writable all the way: not
# under /tmp. %u names the user's own chroot.
CHROOTS=$(mktemp -d /var/lib/skiff-chroot.XXXXXX)
chmod 0755 "$CHROOTS"
on_exit "rm -rf '$CHROOTS'"
mkdir -p "$CHROOTS/$U/upload"
chown "$U:" "$CHROOTS/$U/upload"
echo inside >"$CHROOTS/$U/inside.txt"
stop_pid "$SKIFFD_PID"
# As with sshd, the subsystem must exist for its request to be accepted; ForceCommand
# then replaces its program (which would not exist inside the chroot) by internal-sftp.
start_skiffd "Subsystem sftp /usr/lib/openssh/sftp-server" "ForceCommand internal-sftp -l INFO" \
  "ChrootDirectory $CHROOTS/%u"

batch "pwd" "ls /" "get /inside.txt $L/inside" "cd /upload" "put $L/small up" "cd .." "cd .." "pwd"
if sftp_as_user "$SKIFF_T/batch"; then
  grep -q 'Remote working directory: /$' "$SKIFF_T/sftp.out" && log "ok: chroot: starts at /" ||
    fail_case "chroot: pwd was $(grep 'Remote working' "$SKIFF_T/sftp.out" | head -n 1)"
  check "chroot: cd .. stays at /" "$(grep -c 'Remote working directory: /$' "$SKIFF_T/sftp.out")" 2
  check "chroot: read inside" "$(cat "$L/inside" 2>&1)" inside
  check "chroot: write in the user's directory" "$(cat "$CHROOTS/$U/upload/up" 2>&1)" small
else
  fail_case "chroot batch: sftp exit $?: $(tail -n 3 "$SKIFF_T/sftp.out")"
fi
for escape in "get /etc/passwd $L/escaped" "get ../../../../etc/passwd $L/escaped" \
  "get $UHOME/.profile $L/escaped" "put $L/small /outside" "put $L/small ../../../../tmp/escaped-$$"; do
  batch "$escape"
  rc=0
  sftp_as_user "$SKIFF_T/batch" || rc=$?
  check "chroot: '$escape' fails" "$rc" 1
done
check "chroot: nothing came out" "$(ls "$L/escaped" /tmp/escaped-$$ "$CHROOTS/$U/outside" 2>/dev/null | wc -l)" 0
rc=0
out=$(_client_env ssh -F /dev/null -p "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
  -o BatchMode=yes -o IdentityAgent=none -i "$SKIFF_T/id" "$U@127.0.0.1" cat /etc/passwd </dev/null 2>/dev/null) || rc=$?
check "ForceCommand internal-sftp: a command is refused" "$rc:$out" "1:This service allows sftp connections only."
grep -q "Connection from 127.0.0.1 port [0-9]*: refusing non-sftp session" "$SKIFFD_LOG" ||
  fail_case "no 'refusing non-sftp session' line"

# A chroot the user could change is refused, with sshd's message.
chown "$U" "$CHROOTS/$U"
batch "pwd"
rc=0
sftp_as_user "$SKIFF_T/batch" || rc=$?
[[ $rc != 0 ]] && log "ok: bad chroot ownership refused (sftp exit $rc)" || fail_case "bad chroot ownership: sftp succeeded"
grep -q "bad ownership or modes for chroot directory \"$CHROOTS/$U\"" "$SKIFFD_LOG" ||
  fail_case "no 'bad ownership or modes for chroot directory' line"
chown root "$CHROOTS/$U"
chmod 0775 "$CHROOTS"
rc=0
sftp_as_user "$SKIFF_T/batch" || rc=$?
[[ $rc != 0 ]] && log "ok: group-writable chroot component refused" || fail_case "group-writable component accepted"
grep -q "bad ownership or modes for chroot directory component \"$CHROOTS/\"" "$SKIFFD_LOG" ||
  fail_case "no 'bad ownership or modes for chroot directory component' line"
chmod 0755 "$CHROOTS"

# ---------------------------------------------------------------- PuTTY: psftp and pscp
if ! command -v psftp >/dev/null || ! command -v pscp >/dev/null || ! command -v puttygen >/dev/null; then
  log "psftp/pscp not installed (putty-tools): PuTTY cases skipped"
else
  stop_pid "$SKIFFD_PID"
  start_skiffd "Subsystem sftp internal-sftp"
  to_putty_key "$SKIFF_T/id" "$SKIFF_T/id.ppk"
  HOSTKEY_OPTS=()
  while read -r fp; do HOSTKEY_OPTS+=(-hostkey "$fp"); done < <(sshd_hostkey_fingerprints)
  putty_opts=(-batch -noagent -P "$SKIFFD_PORT" "${HOSTKEY_OPTS[@]}" -i "$SKIFF_T/id.ppk" -l "$U")
  head -c $((64 * 1024 * 1024)) /dev/urandom >"$L/mid"
  MID=$(sha "$L/mid")
  rc=0
  _client_env timeout -k 5 120 pscp -sftp "${putty_opts[@]}" "$L/mid" "127.0.0.1:$WORK/mid" >"$SKIFF_T/pscp.out" 2>&1 || rc=$?
  check "pscp upload (64 MiB)" "$rc:$(sha "$WORK/mid" 2>/dev/null)" "0:$MID"
  rc=0
  _client_env timeout -k 5 120 pscp -sftp "${putty_opts[@]}" "127.0.0.1:$WORK/mid" "$L/mid.pscp" >>"$SKIFF_T/pscp.out" 2>&1 || rc=$?
  check "pscp download" "$rc:$(sha "$L/mid.pscp" 2>/dev/null)" "0:$MID"

  printf '%s\n' "cd $WORK" "mkdir pdir" "put $L/mid pdir/m" "rename pdir/m pdir/n" "get pdir/n $L/mid.psftp" \
    "put $L/small pgone" "rm pgone" >"$SKIFF_T/psftp.batch"
  rc=0
  _client_env timeout -k 5 120 psftp "${putty_opts[@]}" -b "$SKIFF_T/psftp.batch" 127.0.0.1 \
    >"$SKIFF_T/psftp.out" 2>&1 </dev/null || rc=$?
  check "psftp batch: exit" "$rc" 0
  check "psftp: mkdir + put + rename" "$(sha "$WORK/pdir/n" 2>/dev/null)" "$MID"
  check "psftp: get" "$(sha "$L/mid.psftp" 2>/dev/null)" "$MID"
  check "psftp: rm" "$([[ -e $WORK/pgone ]] && echo present || echo absent)" absent
  printf '%s\n' "cd $WORK" "rm no-such-file" "mkdir after-failure" >"$SKIFF_T/psftp.batch"
  rc=0
  _client_env timeout -k 5 60 psftp "${putty_opts[@]}" -b "$SKIFF_T/psftp.batch" 127.0.0.1 \
    >"$SKIFF_T/psftp.out" 2>&1 </dev/null || rc=$?
    # psftp -b ends at the first failing command, with a non-zero status.
  check "psftp batch with a failure: stops" "$([[ $rc != 0 ]] && echo failed):$([[ -e $WORK/after-failure ]] && echo went-on || echo stopped)" \
    "failed:stopped"

  mkdir -p "$L/tree/a/b" "$L/tree/c"
  echo one >"$L/tree/a/one"
  head -c 300000 /dev/urandom >"$L/tree/a/b/two"
  : >"$L/tree/c/empty"
  rc=0
  _client_env timeout -k 5 60 pscp -sftp -r "${putty_opts[@]}" "$L/tree" "127.0.0.1:$WORK/" >>"$SKIFF_T/pscp.out" 2>&1 || rc=$?
  check "pscp -r up" "$rc:$(cd "$WORK/tree" 2>/dev/null && find . -type f -exec sha256sum {} + | sort | sha256sum)" \
    "0:$(cd "$L/tree" && find . -type f -exec sha256sum {} + | sort | sha256sum)"
  rc=0
  _client_env timeout -k 5 60 pscp -sftp -r "${putty_opts[@]}" "127.0.0.1:$WORK/tree" "$L/tree.back" >>"$SKIFF_T/pscp.out" 2>&1 || rc=$?
  check "pscp -r down" "$rc:$(cd "$L/tree.back" 2>/dev/null && find . -type f -exec sha256sum {} + | sort | sha256sum)" \
    "0:$(cd "$L/tree" && find . -type f -exec sha256sum {} + | sort | sha256sum)"
fi

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
