#!/usr/bin/env bash
# skiff-sftp against OpenSSH's SFTP server: first with no network at all
# (-D /usr/lib/openssh/sftp-server), then, as root, through OpenSSH's sshd with
# OpenSSH's ssh as the transport (-S ssh) and with skiff as the transport (the default).
# Each time: a 64 MiB random file up and down (sha256 equal), get -r/put -r -p of a tree
# (modes and times kept), reget/reput after truncation, rename, rm, mkdir, rmdir,
# symlink, ln, chmod, df, names with spaces, non-ASCII bytes and leading dashes, a batch
# that stops at a failing command (exit 1) and one that goes on past a '-' command; and
# the output of the same batches compared byte for byte with OpenSSH's sftp.
source "$(dirname "$0")/lib.sh"
require_cmd sftp sha256sum
SFTP_SERVER=${SKIFF_SFTP_SERVER:-/usr/lib/openssh/sftp-server}
[[ -x $SFTP_SERVER ]] || die "$SFTP_SERVER not found"
SKIFF_SFTP=$(skiff_bin skiff-sftp)
BIG_MIB=${SKIFF_SFTP_BIG_MIB:-64}

LOCAL=$SKIFF_T/local
mkdir -p "$LOCAL"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$LOCAL/big"
BIG_SUM=$(sha256sum <"$LOCAL/big" | cut -d' ' -f1)
# A tree with modes and old times to keep.
mkdir -p "$LOCAL/tree/sub dir/deeper"
echo one >"$LOCAL/tree/a"
head -c 100000 /dev/urandom >"$LOCAL/tree/sub dir/b"
printf 'caf\xc3\xa9\n' >"$LOCAL/tree/sub dir/deeper/$(printf 'caf\xc3\xa9')"
echo dash >"$LOCAL/tree/-leading"
chmod 0640 "$LOCAL/tree/a"
chmod 0751 "$LOCAL/tree/sub dir"
chmod 0600 "$LOCAL/tree/sub dir/b"
find "$LOCAL/tree" -exec touch -h -d '2021-03-04 05:06:07' {} +

# tree_listing DIR: every entry with its mode, size and mtime (what -p must keep).
tree_listing() { (cd "$1" && find . -mindepth 1 -printf '%P %m %s %T@\n' | sort); }

# Sets TRANSPORT to the arguments that reach the server for kind $1: direct, ssh, skiff.
transport() {
  case $1 in
    direct) TRANSPORT=(-D "$SFTP_SERVER") ;;
    ssh | skiff)
      local prog=ssh
      [[ $1 == skiff ]] && prog=$(skiff_bin skiff)
      TRANSPORT=(-S "$prog" -F /dev/null -P "$SSHD_PORT" -i "$SKIFF_T/id_ed25519"
        -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null
        -o StrictHostKeyChecking=no -o IdentityAgent=none -o IdentitiesOnly=yes
        "$TEST_USER@127.0.0.1")
      ;;
  esac
}

# run_batch CLIENT KIND REMOTE_CWD BATCH OUT: one batch; stdout in OUT.out, stderr in
# OUT.err, status in OUT.rc. With -D the server starts in REMOTE_CWD (our cwd).
run_batch() {
  local client=$1 kind=$2 cwd=$3 batch=$4 out=$5 rc=0
  transport "$kind"
  (cd "$cwd" && HOME=$SKIFF_T/home timeout -k 5 300 "$client" -b "$batch" "${TRANSPORT[@]}" \
    >"$out.out" 2>"$out.err" </dev/null) || rc=$?
  echo "$rc" >"$out.rc"
  return 0
}

expect_rc() { [[ $(cat "$1.rc") == "$2" ]] || { cat "$1.err" >&2; die "$1: exit $(cat "$1.rc"), expected $2"; }; }

# same_output A B: stdout, stderr and status byte for byte.
same_output() {
  local f
  for f in out err rc; do
    cmp -s "$1.$f" "$2.$f" || { diff "$1.$f" "$2.$f" >&2 || true; die "$(basename "$1") and $(basename "$2") differ ($f)"; }
  done
}

# all_cases KIND REMOTE: everything against one server, REMOTE a directory it can write.
all_cases() {
  local kind=$1 remote=$2 w=$SKIFF_T/work.$1
  rm -rf "$w" && mkdir -p "$w/dl"
  log "[$kind] 64 MiB up and down"
  cat >"$w/big.batch" <<EOF
cd "$remote"
put "$LOCAL/big" big
get big "$w/dl/big"
EOF
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/big.batch" "$w/big"
  expect_rc "$w/big" 0
  [[ $(sha256sum <"$w/dl/big" | cut -d' ' -f1) == "$BIG_SUM" ]] || die "[$kind] downloaded file differs"
  [[ $(sha256sum <"$remote/big" | cut -d' ' -f1) == "$BIG_SUM" ]] || die "[$kind] uploaded file differs"

  log "[$kind] reget and reput after truncation"
  truncate -s 12345678 "$w/dl/big"
  printf 'cd "%s"\nreget big "%s"\n' "$remote" "$w/dl/big" >"$w/reget.batch"
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/reget.batch" "$w/reget"
  expect_rc "$w/reget" 0
  truncate -s 7654321 "$remote/big"
  printf 'cd "%s"\nreput "%s" big\n' "$remote" "$LOCAL/big" >"$w/reput.batch"
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/reput.batch" "$w/reput"
  expect_rc "$w/reput" 0
  cmp -s "$w/dl/big" "$LOCAL/big" || die "[$kind] reget result differs"
  cmp -s "$remote/big" "$LOCAL/big" || die "[$kind] reput result differs"

  log "[$kind] put -r -p and get -r -p keep modes and times"
  cat >"$w/tree.batch" <<EOF
cd "$remote"
put -r -p "$LOCAL/tree" tree
get -r -p tree "$w/dl/tree"
EOF
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/tree.batch" "$w/tree"
  expect_rc "$w/tree" 0
  [[ $(tree_listing "$LOCAL/tree") == "$(tree_listing "$remote/tree")" ]] || die "[$kind] put -r -p lost something"
  [[ $(tree_listing "$LOCAL/tree") == "$(tree_listing "$w/dl/tree")" ]] || die "[$kind] get -r -p lost something"

  log "[$kind] file operations, odd names, compared with OpenSSH's sftp"
  rm -rf "$remote/ops"
  mkdir -p "$remote/ops" && echo data >"$remote/ops/file" && touch -d '2020-02-02 02:02' "$remote/ops/file"
  [[ $kind != direct ]] && chown -R "$TEST_USER:" "$remote/ops"
  cat >"$w/ops.batch" <<EOF
cd "$remote/ops"
mkdir "new dir"
rename file "new dir/with space"
symlink "with space" "new dir/link"
ln "new dir/with space" "new dir/hard"
chmod 600 "new dir/hard"
put -- "$LOCAL/tree/-leading" -dash
put "$LOCAL/tree/sub dir/deeper/$(printf 'caf\xc3\xa9')" "$(printf 'caf\xc3\xa9')"
ls -l "new dir"
ls -1
ls
ls -la -- -dash
ls -lS
ls -ltr
get -- -dash "$w/dl/-dash"
lls "$w/dl"
rm "new dir/hard"
rm "new dir/link"
rename "new dir/with space" file
rmdir "new dir"
-rmdir nonexistent
-get nothere
@pwd
progress
version
help
rm -- -dash
get nothere
pwd
EOF
  touch -d '2020-02-02 02:02' "$remote/ops/file"
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/ops.batch" "$w/ops.skiff"
  expect_rc "$w/ops.skiff" 1  # the last get fails and stops the batch before pwd
  grep -q '^sftp> pwd$' "$w/ops.skiff.out" && die "[$kind] batch went on after a failure"
  [[ $(cat "$remote/ops/file") == data ]] || die "[$kind] rename round trip lost the file"
  [[ -e $remote/ops/new\ dir ]] && die "[$kind] rmdir did not remove the directory"
  cmp -s "$w/dl/-dash" "$LOCAL/tree/-leading" || die "[$kind] leading-dash file differs"
  # OpenSSH's sftp on the same starting state: byte for byte the same transcript.
  rm -f "$remote/ops/$(printf 'caf\xc3\xa9')" "$w/dl/-dash"
  touch -d '2020-02-02 02:02' "$remote/ops/file"
  run_batch sftp "$kind" "$remote" "$w/ops.batch" "$w/ops.openssh"
  same_output "$w/ops.openssh" "$w/ops.skiff"

  log "[$kind] df and a failing batch without '-'"
  printf 'cd "%s"\ndf\ndf -h\ndf -i\n' "$remote" >"$w/df.batch"
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/df.batch" "$w/df"
  expect_rc "$w/df" 0
  grep -q '%Capacity' "$w/df.out" || die "[$kind] df printed no table"
  [[ $(grep -c 'Capacity' "$w/df.out") == 3 ]] || die "[$kind] df tables missing"
  printf 'cd "%s"\nrmdir nonexistent\npwd\n' "$remote" >"$w/fail.batch"
  run_batch "$SKIFF_SFTP" "$kind" "$remote" "$w/fail.batch" "$w/fail"
  run_batch sftp "$kind" "$remote" "$w/fail.batch" "$w/fail.openssh"
  expect_rc "$w/fail" 1
  same_output "$w/fail.openssh" "$w/fail"
}

# ---- without network: the server as our child
DIRECT_REMOTE=$SKIFF_T/remote.direct
mkdir -p "$DIRECT_REMOTE"
all_cases direct "$DIRECT_REMOTE"

# ---- through OpenSSH's sshd: needs root for the test user
if [[ $(id -u) -ne 0 ]]; then
  log "not root: the sshd cases are skipped (the -D cases passed)"
  exit 0
fi
create_test_user
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id_ed25519"
authorize_key "$TEST_USER" "$SKIFF_T/id_ed25519.pub"
start_sshd
for kind in ssh skiff; do
  remote=$SKIFF_T/remote.$kind
  mkdir -p "$remote" && chown "$TEST_USER:" "$remote"
  all_cases "$kind" "$remote"
done
log "all passed"
