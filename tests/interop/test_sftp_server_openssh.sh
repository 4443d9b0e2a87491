#!/usr/bin/env bash
# skiff-sftp-server with OpenSSH's sftp as the client: first over a pipe (sftp -D, no
# network, no root): transfers of a large random file checked by SHA-256, resumed
# transfers, listings, directories, links, modes, df, awkward names, read-only mode;
# the same listing batch against OpenSSH's own sftp-server must print the same. Then,
# as root, as skiffd's "Subsystem sftp" with sftp logging in with a key.
source "$(dirname "$0")/lib.sh"
require_cmd sftp sha256sum ssh-keygen
SERVER=$(skiff_bin skiff-sftp-server)
OPENSSH_SERVER=/usr/lib/openssh/sftp-server

FAILS=0
fail_case() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then log "ok: $1"; else fail_case "$1: got '$2', want '$3'"; fi
}
# sftp_batch SERVER_COMMAND BATCHFILE: OpenSSH's sftp over a pipe to the server,
# in the current directory; its output in $SKIFF_T/sftp.out, its status returned.
sftp_batch() {
  local rc=0
  timeout -k 5 120 sftp -D "$1" -b "$2" >"$SKIFF_T/sftp.out" 2>&1 </dev/null || rc=$?
  return $rc
}

# ---------------------------------------------------------------- transfers
W=$SKIFF_T/work
mkdir -p "$W/remote" "$W/local"
cd "$W/local"
head -c $((64 * 1024 * 1024)) /dev/urandom >big.bin
WANT=$(sha256sum <big.bin | cut -d' ' -f1)
cat >"$SKIFF_T/transfer.batch" <<EOF
cd $W/remote
put big.bin
get big.bin big.back
EOF
sftp_batch "$SERVER -e -l INFO" "$SKIFF_T/transfer.batch" || fail_case "put/get batch failed: $(tail -5 "$SKIFF_T/sftp.out")"
check "put: 64 MiB arrive intact" "$(sha256sum <"$W/remote/big.bin" | cut -d' ' -f1)" "$WANT"
check "get: 64 MiB come back intact" "$(sha256sum <big.back | cut -d' ' -f1)" "$WANT"
grep -q "close \"$W/remote/big.bin\" bytes read 0 written 67108864" "$SKIFF_T/sftp.out" &&
  log "ok: close logged with the byte count" || fail_case "no close line with 67108864 bytes written"

# Resume: a download cut short is finished by reget, an upload by reput.
truncate -s $((20 * 1024 * 1024 + 17)) big.back
printf 'cd %s\nreget big.bin big.back\n' "$W/remote" >"$SKIFF_T/resume.batch"
sftp_batch "$SERVER" "$SKIFF_T/resume.batch" || fail_case "reget batch failed: $(tail -5 "$SKIFF_T/sftp.out")"
check "reget finishes a partial download" "$(sha256sum <big.back | cut -d' ' -f1)" "$WANT"
truncate -s $((33 * 1024 * 1024 + 5)) "$W/remote/big.bin"
printf 'cd %s\nreput big.bin\n' "$W/remote" >"$SKIFF_T/resume.batch"
sftp_batch "$SERVER" "$SKIFF_T/resume.batch" || fail_case "reput batch failed: $(tail -5 "$SKIFF_T/sftp.out")"
check "reput finishes a partial upload" "$(sha256sum <"$W/remote/big.bin" | cut -d' ' -f1)" "$WANT"
rm -f big.back "$W/remote/big.bin"

# ---------------------------------------------------------------- file operations
cd "$W/local"
echo small >small.txt
cat >"$SKIFF_T/ops.batch" <<EOF
cd $W/remote
put small.txt
mkdir sub
rename small.txt sub/moved.txt
symlink sub/moved.txt sym
ln sub/moved.txt hard
chmod 640 hard
ls -l
df
rm sym
mkdir empty
rmdir empty
EOF
sftp_batch "$SERVER" "$SKIFF_T/ops.batch" || fail_case "operations batch failed: $(tail -5 "$SKIFF_T/sftp.out")"
check "rename moved the file" "$(cat "$W/remote/sub/moved.txt" 2>/dev/null)" small
check "ln made a hard link" "$(stat -c %h "$W/remote/hard" 2>/dev/null)" 2
check "chmod set the mode (on both links)" "$(stat -c %a "$W/remote/sub/moved.txt" 2>/dev/null)" 640
check "rm removed the symlink" "$([[ -e $W/remote/sym || -L $W/remote/sym ]] && echo present || echo gone)" gone
check "rmdir removed the directory" "$([[ -d $W/remote/empty ]] && echo present || echo gone)" gone
# sftp formats ls -l itself (with users-groups-by-id@openssh.com for the names).
grep -Eq '^-rw-r----- .* 6 [A-Z][a-z]{2} .* hard$' "$SKIFF_T/sftp.out" && log "ok: ls -l lists the hard link" ||
  fail_case "ls -l: no line for the hard link"
grep -Eq '^ +Size +Used +Avail +\(root\) +%Capacity' "$SKIFF_T/sftp.out" && log "ok: df (statvfs@openssh.com)" ||
  fail_case "df printed no statvfs table"
# Symlink check before rm: symlink made with the target first (OpenSSH's order).
printf 'cd %s\nsymlink sub/moved.txt sym2\n' "$W/remote" >"$SKIFF_T/sym.batch"
sftp_batch "$SERVER" "$SKIFF_T/sym.batch"
check "symlink points at its target" "$(readlink "$W/remote/sym2")" sub/moved.txt

# ---------------------------------------------------------------- awkward names
mkdir -p "$W/names"
for n in 'with space' $'new\nline' 'ünïcødé' '-leading-dash' '--' "quote'd"; do printf '%s' "$n" >"$W/names/$n"; done
printf 'get -r %s %s\n' "$W/names" "$W/names.back" >"$SKIFF_T/names.batch"
sftp_batch "$SERVER" "$SKIFF_T/names.batch" || fail_case "get -r of awkward names failed: $(tail -5 "$SKIFF_T/sftp.out")"
if diff -r "$W/names" "$W/names.back" >/dev/null; then log "ok: awkward names come back intact"; else fail_case "awkward names differ"; fi
printf 'cd %s\nput ./-upload-dash\nrename ./-upload-dash "a b"\n' "$W/remote" >"$SKIFF_T/dash.batch"
echo dash >"$W/local/-upload-dash"
sftp_batch "$SERVER" "$SKIFF_T/dash.batch" || fail_case "leading dash upload failed: $(tail -5 "$SKIFF_T/sftp.out")"
check "leading-dash upload renamed to a name with a space" "$(cat "$W/remote/a b" 2>/dev/null)" dash

# ---------------------------------------------------------------- read-only mode
printf 'cd %s\nput small.txt ro.txt\n' "$W/remote" >"$SKIFF_T/ro.batch"
rc=0
sftp_batch "$SERVER -R" "$SKIFF_T/ro.batch" || rc=$?
check "-R: sftp fails the upload" "$rc" 1
grep -q "Permission denied" "$SKIFF_T/sftp.out" && log "ok: -R answers Permission denied" ||
  fail_case "-R: no 'Permission denied' in: $(cat "$SKIFF_T/sftp.out")"
check "-R: nothing written" "$([[ -e $W/remote/ro.txt ]] && echo present || echo absent)" absent
printf 'cd %s\nget hard ro-get.txt\n' "$W/remote" >"$SKIFF_T/ro-get.batch"
sftp_batch "$SERVER -R" "$SKIFF_T/ro-get.batch" || fail_case "-R: a download was refused"
rc=0
printf 'cd %s\nrm hard\n' "$W/remote" >"$SKIFF_T/deny.batch"
sftp_batch "$SERVER -P remove" "$SKIFF_T/deny.batch" || rc=$?
check "-P remove: sftp fails rm" "$rc" 1
check "-Q requests lists what sftp-server lists" "$("$SERVER" -Q requests | tr '\n' ' ')" \
  "$("$OPENSSH_SERVER" -Q requests | tr '\n' ' ')"

# ---------------------------------------------------------------- same output as OpenSSH's sftp-server
make_tree() {
  mkdir -p "$1/dir/inner"
  printf 'abc' >"$1/file"
  printf '0123456789' >"$1/dir/ten"
  ln -s file "$1/link"
  chmod 0751 "$1/dir"
  touch -h -d '2021-02-03 04:05:06' "$1/file" "$1/dir/ten" "$1/link" "$1/dir/inner" "$1/dir" "$1"
}
cat >"$SKIFF_T/compare.batch" <<'EOF'
ls -la
ls -ln dir
ls -l link
lls
stat file
-stat missing
-cd missing
cd dir
pwd
ls
EOF
out_of() {  # out_of SERVER_COMMAND TREE
  (cd "$2" && sftp_batch "$1" "$SKIFF_T/compare.batch" || true)
  sed "s#$2#TREE#g" "$SKIFF_T/sftp.out"
}
make_tree "$W/tree-skiff"
make_tree "$W/tree-openssh"
mine=$(out_of "$SERVER" "$W/tree-skiff")
theirs=$(out_of "$OPENSSH_SERVER" "$W/tree-openssh")
if [[ $mine == "$theirs" ]]; then
  log "ok: the listing batch prints the same as with OpenSSH's sftp-server"
else
  fail_case "output differs from OpenSSH's sftp-server:"$'\n'"$(diff <(echo "$theirs") <(echo "$mine"))"
fi

# ---------------------------------------------------------------- through skiffd, as root
if [[ $(id -u) -eq 0 ]]; then
  create_test_user
  U=$TEST_USER
  make_user_key ed25519 "$SKIFF_T/id_ed25519"
  authorize_key "$U" "$SKIFF_T/id_ed25519.pub"
  start_skiffd "Subsystem sftp $SERVER -l INFO"
  D=$SKIFF_T/skiffd-files
  mkdir -p "$D"
  chown "$U:" "$D"
  head -c $((4 * 1024 * 1024)) /dev/urandom >"$SKIFF_T/four.bin"
  chmod 0644 "$SKIFF_T/four.bin"
  printf 'cd %s\nput %s four.bin\nls -l\nget four.bin %s\n' "$D" "$SKIFF_T/four.bin" "$SKIFF_T/four.back" >"$SKIFF_T/skiffd.batch"
  rc=0
  _client_env sftp -F /dev/null -P "$SKIFFD_PORT" -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o BatchMode=yes -o IdentityAgent=none -i "$SKIFF_T/id_ed25519" \
    -o IdentitiesOnly=yes -b "$SKIFF_T/skiffd.batch" "$U@127.0.0.1" >"$SKIFF_T/sftp-skiffd.out" 2>&1 || rc=$?
  check "skiffd: sftp batch over a login" "$rc" 0
  check "skiffd: the upload arrived intact" "$(sha256sum <"$D/four.bin" | cut -d' ' -f1)" \
    "$(sha256sum <"$SKIFF_T/four.bin" | cut -d' ' -f1)"
  check "skiffd: the file belongs to the user" "$(stat -c %U "$D/four.bin" 2>/dev/null)" "$U"
  check "skiffd: the download came back intact" "$(sha256sum <"$SKIFF_T/four.back" | cut -d' ' -f1)" \
    "$(sha256sum <"$SKIFF_T/four.bin" | cut -d' ' -f1)"
else
  log "not root: the skiffd part is skipped (it needs a login)"
fi

((FAILS == 0)) || die "$FAILS case(s) failed"
log "all cases passed"
