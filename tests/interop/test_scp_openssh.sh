#!/usr/bin/env bash
# skiff-scp against OpenSSH, and OpenSSH's scp against skiffd (as root, for the logins):
#  - skiff-scp -> sshd: SFTP mode and -O (OpenSSH's scp as the remote end): a 64 MiB
#    random file up and down (sha256 equal), -r -p trees (modes and times kept), names
#    with spaces and leading dashes, remote to remote (the same server, two directories)
#    with and without -3, exit codes on failure compared with OpenSSH's scp;
#  - OpenSSH's scp -> skiffd: SFTP mode (skiff-sftp-server) and -O, where the remote
#    `scp` is skiff-scp: the authorized key's environment="PATH=..." (skiffd runs with
#    PermitUserEnvironment yes) puts a directory with an `scp` symlink first in PATH;
#  - a malicious legacy source (a script behind a fake ssh given with -S) sending
#    "../evil", "/abs" and an unrequested file: refused, nothing written outside the target.
source "$(dirname "$0")/lib.sh"
require_cmd scp ssh sha256sum
require_root "to log in as the test user"
SKIFF_SCP=$(skiff_bin skiff-scp)
BIG_MIB=${SKIFF_SCP_BIG_MIB:-64}
chmod 0755 "$SKIFF_T"

LOCAL=$SKIFF_T/local
mkdir -p "$LOCAL/tree/sub dir/deeper"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$LOCAL/big"
BIG_SUM=$(sha256sum <"$LOCAL/big" | cut -d' ' -f1)
echo one >"$LOCAL/tree/a"
head -c 100000 /dev/urandom >"$LOCAL/tree/sub dir/b"
echo deep >"$LOCAL/tree/sub dir/deeper/c"
echo dash >"$LOCAL/-dash name"
chmod 0640 "$LOCAL/tree/a"
chmod 0751 "$LOCAL/tree/sub dir"
chmod 0600 "$LOCAL/tree/sub dir/b"
find "$LOCAL/tree" -exec touch -h -d '2021-03-04 05:06:07' {} +

tree_listing() { (cd "$1" && find . -mindepth 1 -printf '%P %m %s %T@\n' | sort); }
same_tree() { diff <(tree_listing "$1") <(tree_listing "$2") >&2 || die "$3: trees differ"; }
same_big() { [[ $(sha256sum <"$1" | cut -d' ' -f1) == "$BIG_SUM" ]] || die "$2: sha256 differs"; }

create_test_user
ssh-keygen -q -t ed25519 -N '' -f "$SKIFF_T/id_ed25519"
# The remote scp of the -O cases against skiffd is skiff-scp, found first in PATH.
SCPBIN=$SKIFF_T/scpbin
mkdir -p "$SCPBIN" && ln -s "$SKIFF_SCP" "$SCPBIN/scp"
printf 'environment="PATH=%s:/usr/local/bin:/usr/bin:/bin" %s\n' "$SCPBIN" "$(cat "$SKIFF_T/id_ed25519.pub")" \
  >>"$SKIFF_T/authorized_keys.$TEST_USER"
chmod 0644 "$SKIFF_T/authorized_keys.$TEST_USER"
# For remote to remote without -3 the first host logs in to the second as the test user.
install -d -o "$TEST_USER" -m 0700 "$TEST_USER_HOME/.ssh"
install -o "$TEST_USER" -m 0600 "$SKIFF_T/id_ed25519" "$TEST_USER_HOME/.ssh/id_ed25519"
on_exit "rm -rf '$TEST_USER_HOME/.ssh'"
user_ssh_config() {
  printf 'Host 127.0.0.1\n  Port %s\n  IdentityFile ~/.ssh/id_ed25519\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n' "$1" \
    >"$TEST_USER_HOME/.ssh/config"
  chown "$TEST_USER:" "$TEST_USER_HOME/.ssh/config"
}

# client_opts PORT: how each client reaches the server under test.
client_opts() {
  CLIENT_OPTS=(-F /dev/null -P "$1" -i "$SKIFF_T/id_ed25519" -o UserKnownHostsFile="$SKIFF_T/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o IdentityAgent=none -o IdentitiesOnly=yes)
}

# run_scp OUT PROGRAM ARGS...: stdout+stderr in OUT.err, status in OUT.rc.
run_scp() {
  local out=$1 rc=0
  shift
  timeout -k 5 300 "$@" </dev/null >"$out.err" 2>&1 || rc=$?
  echo "$rc" >"$out.rc"
}
expect_rc() { [[ $(cat "$1.rc") == "$2" ]] || { cat "$1.err" >&2; die "$(basename "$1"): exit $(cat "$1.rc"), expected $2"; }; }

# copy_cases LABEL SERVER_PORT CLIENT MODE_FLAGS...: uploads, downloads, trees, odd
# names and remote to remote with one client against one server.
copy_cases() {
  local label=$1 port=$2 client=$3
  shift 3
  local flags=("$@") w=$SKIFF_T/work.$label remote=$SKIFF_T/remote.$label
  local dest=$TEST_USER@127.0.0.1
  rm -rf "$w" "$remote" && mkdir -p "$w/dl" "$remote"
  chown "$TEST_USER:" "$remote"
  client_opts "$port"
  log "[$label] $BIG_MIB MiB up and down"
  run_scp "$w/up" "$client" "${flags[@]}" "${CLIENT_OPTS[@]}" "$LOCAL/big" "$dest:$remote/big"
  expect_rc "$w/up" 0
  same_big "$remote/big" "$label upload"
  run_scp "$w/down" "$client" "${flags[@]}" "${CLIENT_OPTS[@]}" "$dest:$remote/big" "$w/dl/big"
  expect_rc "$w/down" 0
  same_big "$w/dl/big" "$label download"

  log "[$label] -r -p trees"
  run_scp "$w/rup" "$client" "${flags[@]}" -r -p "${CLIENT_OPTS[@]}" "$LOCAL/tree" "$dest:$remote/"
  expect_rc "$w/rup" 0
  same_tree "$LOCAL/tree" "$remote/tree" "$label upload -r -p"
  run_scp "$w/rdown" "$client" "${flags[@]}" -r -p "${CLIENT_OPTS[@]}" "$dest:$remote/tree" "$w/dl/"
  expect_rc "$w/rdown" 0
  same_tree "$LOCAL/tree" "$w/dl/tree" "$label download -r -p"

  log "[$label] names with spaces and leading dashes"
  run_scp "$w/dash" "$client" "${flags[@]}" "${CLIENT_OPTS[@]}" "$LOCAL/-dash name" "$dest:$remote/"
  expect_rc "$w/dash" 0
  cmp -s "$LOCAL/-dash name" "$remote/-dash name" || die "$label: -dash name upload"
  # SFTP mode takes the path as it is; the legacy remote shell needs it quoted.
  local rname="$remote/-dash name"
  [[ " ${flags[*]} " == *" -O "* ]] && rname="$remote/-dash\\ name"
  run_scp "$w/dashdown" "$client" "${flags[@]}" "${CLIENT_OPTS[@]}" "$dest:$rname" "$w/dl/"
  expect_rc "$w/dashdown" 0
  cmp -s "$LOCAL/-dash name" "$w/dl/-dash name" || die "$label: -dash name download"

  log "[$label] remote to remote, with -3 and through the first host"
  mkdir -p "$remote/r3" "$remote/rr" && chown "$TEST_USER:" "$remote/r3" "$remote/rr"
  run_scp "$w/r3" "$client" "${flags[@]}" -3 -r "${CLIENT_OPTS[@]}" "$dest:$remote/tree" "$dest:$remote/r3/"
  expect_rc "$w/r3" 0
  diff -r "$LOCAL/tree" "$remote/r3/tree" >&2 || die "$label: -3 copy differs"
  user_ssh_config "$port"
  run_scp "$w/rr" "$client" "${flags[@]}" -r "${CLIENT_OPTS[@]}" "$dest:$remote/tree" "$dest:$remote/rr/"
  expect_rc "$w/rr" 0
  diff -r "$LOCAL/tree" "$remote/rr/tree" >&2 || die "$label: remote-to-remote copy differs"
}

# failure_cases LABEL PORT MODE_FLAGS...: exit statuses of skiff-scp and scp agree.
failure_cases() {
  local label=$1 port=$2
  shift 2
  local flags=("$@") w=$SKIFF_T/fail.$label dest=$TEST_USER@127.0.0.1 prog
  mkdir -p "$w"
  client_opts "$port"
  log "[$label] failures: exit codes as OpenSSH's scp"
  for prog in scp "$SKIFF_SCP"; do
    local tag
    tag=$(basename "$prog")
    run_scp "$w/nofile.$tag" "$prog" "${flags[@]}" "${CLIENT_OPTS[@]}" "$dest:/nonexistent/file" "$w/"
    run_scp "$w/nodir.$tag" "$prog" "${flags[@]}" "${CLIENT_OPTS[@]}" "$LOCAL/tree/a" "$dest:/nonexistent/dir/x"
    run_scp "$w/nolocal.$tag" "$prog" "${flags[@]}" "${CLIENT_OPTS[@]}" "$w/missing" "$dest:/tmp/"
    run_scp "$w/dir.$tag" "$prog" "${flags[@]}" "${CLIENT_OPTS[@]}" "$dest:/etc" "$w/"
  done
  for t in nofile nodir nolocal dir; do
    [[ $(cat "$w/$t.scp.rc") != 0 ]] || die "$label $t: OpenSSH's scp succeeded"
    expect_rc "$w/$t.skiff-scp" "$(cat "$w/$t.scp.rc")"
    log "  $t: exit $(cat "$w/$t.scp.rc"): $(tr '\n' ' ' <"$w/$t.skiff-scp.err")| scp: $(tr '\n' ' ' <"$w/$t.scp.err")"
  done
}

# ---- a malicious legacy source: nothing is written outside the target directory
log "malicious legacy sources"
EVIL=$SKIFF_T/evil
mkdir -p "$EVIL/target"
evil_ssh() {
  # $1: the record the fake remote scp sends after the sink's first acknowledgement;
  # it ends after the sink's answer to the data, so an accepting sink (-T) sees the end.
  printf '#!/bin/sh\nhead -c 1 >/dev/null\nprintf %q\nhead -c 1 >/dev/null\nprintf "abc\\0"\nhead -c 1 >/dev/null\n' "$1" \
    >"$EVIL/ssh.$2"
  chmod 0755 "$EVIL/ssh.$2"
}
evil_ssh 'C0644 3 ../evil\n' dotdot
evil_ssh 'C0644 3 /abs\n' abs
evil_ssh 'C0644 3 other\n' extra
for kind in dotdot abs extra; do
  for prog in scp "$SKIFF_SCP"; do
    tag=$(basename "$prog")
    run_scp "$EVIL/$kind.$tag" "$prog" -O -S "$EVIL/ssh.$kind" "host:wanted" "$EVIL/target/"
    expect_rc "$EVIL/$kind.$tag" 1
  done
  [[ -z $(ls -A "$EVIL/target") ]] || die "malicious $kind: something was written in the target"
  log "  $kind: skiff-scp: $(tr '\n' ' ' <"$EVIL/$kind.skiff-scp.err")| scp: $(tr '\n' ' ' <"$EVIL/$kind.scp.err")"
done
grep -q 'unexpected filename: ../evil' "$EVIL/dotdot.skiff-scp.err" || die "../evil: no refusal message"
grep -q 'unexpected filename: /abs' "$EVIL/abs.skiff-scp.err" || die "/abs: no refusal message"
grep -q 'filename does not match request' "$EVIL/extra.skiff-scp.err" || die "extra file: no refusal message"
[[ ! -e /abs && ! -e $EVIL/evil ]] || die "a file escaped the target"
# -T turns the name check off, as in scp: the unrequested name is then accepted.
run_scp "$EVIL/extra.T" "$SKIFF_SCP" -O -T -S "$EVIL/ssh.extra" "host:wanted" "$EVIL/target/"
[[ -e $EVIL/target/other ]] || die "-T: the file was not received"

# ---- skiff-scp against OpenSSH's sshd
start_sshd
copy_cases sshd-sftp "$SSHD_PORT" "$SKIFF_SCP"
copy_cases sshd-legacy "$SSHD_PORT" "$SKIFF_SCP" -O
failure_cases sshd-sftp "$SSHD_PORT"
failure_cases sshd-legacy "$SSHD_PORT" -O

# ---- OpenSSH's scp against skiffd (skiff-scp as the remote scp of -O)
start_skiffd "Subsystem sftp $(skiff_bin skiff-sftp-server)" "PermitUserEnvironment yes"
copy_cases skiffd-sftp "$SKIFFD_PORT" scp
copy_cases skiffd-legacy "$SKIFFD_PORT" scp -O
log "all passed"
