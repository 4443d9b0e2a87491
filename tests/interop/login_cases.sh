# shellcheck shell=bash
# Login cases shared by the test_login_*.sh scripts: one client program against one
# server, through a "client adapter" the test defines:
#
#   cl_exec AUTH CMD      run CMD remotely; stdin, stdout and stderr are the adapter's
#                         own (the caller redirects); returns the client's exit status.
#                         AUTH is password, kbdint, or key:<private key file>.
#   CL_NAME               a label for messages, e.g. "ssh -> skiffd".
#   CL_LOG                the client's log file, if it writes one (-E).
#
# and, for the server, SRV_USER (the account to log in as). Cases call fail_case on a
# mismatch and go on; the test ends with finish_cases.

FAILS=0
fail_case() {
  log "FAIL: $*"
  FAILS=$((FAILS + 1))
}
ok_case() { log "ok: $CL_NAME: $*"; }

finish_cases() {
  ((FAILS == 0)) || die "$FAILS case(s) failed"
  log "all cases passed"
}

# case_login AUTH: log in with AUTH and check who we are.
case_login() {
  local auth=$1 out
  out=$(cl_exec "$auth" 'id -un; echo "home=$HOME"' </dev/null 2>"$SKIFF_T/err.$$") || {
    fail_case "$CL_NAME: login with $auth failed: $(tail -n 3 "$SKIFF_T/err.$$" | tr '\n' ' ')"
    return
  }
  [[ $(head -n 1 <<<"$out") == "$SRV_USER" ]] || {
    fail_case "$CL_NAME: $auth: logged in as '$(head -n 1 <<<"$out")', not $SRV_USER"
    return
  }
  ok_case "login with $auth"
}

# case_exit_codes AUTH CODES...: the remote command's exit status comes back unchanged.
case_exit_codes() {
  local auth=$1 code got bad=()
  shift
  for code in "$@"; do
    got=0
    cl_exec "$auth" "exit $code" </dev/null >/dev/null 2>&1 || got=$?
    [[ $got == "$code" ]] || bad+=("$code->$got")
  done
  ((${#bad[@]} == 0)) || {
    fail_case "$CL_NAME: exit codes differ: ${bad[*]:0:20}"
    return
  }
  ok_case "exit codes $1..${!#} (${#} values)"
}

# case_exit_signal AUTH [EXPECTED]: a command killed by SIGTERM: the client ends as it
# does for OpenSSH's server (255 for OpenSSH's ssh, which has no other way to say it;
# other clients: pass what they give against sshd). Whether exit-signal was sent is
# checked by the caller in its client's log.
case_exit_signal() {
  local auth=$1 want=${2:-255} got=0
  cl_exec "$auth" 'kill -TERM $$' </dev/null >/dev/null 2>&1 || got=$?
  [[ $got == "$want" ]] || {
    fail_case "$CL_NAME: killed command: exit $got, expected $want"
    return
  }
  ok_case "exit signal -> $want"
}

# case_stream AUTH MIB: MIB MiB of random bytes through stdin, cat, stdout: equal sha256.
case_stream() {
  local auth=$1 mib=$2 in=$SKIFF_T/stream.in out=$SKIFF_T/stream.out
  [[ -f $in && $(stat -c %s "$in") -eq $((mib * 1048576)) ]] || head -c "$((mib * 1048576))" /dev/urandom >"$in"
  rm -f "$out"
  cl_exec "$auth" 'cat' <"$in" >"$out" 2>"$SKIFF_T/stream.err" || {
    fail_case "$CL_NAME: ${mib} MiB stream: client failed: $(tail -n 3 "$SKIFF_T/stream.err" | tr '\n' ' ')"
    return
  }
  local a b
  a=$(sha256sum <"$in" | cut -d' ' -f1)
  b=$(sha256sum <"$out" | cut -d' ' -f1)
  [[ $a == "$b" ]] || {
    fail_case "$CL_NAME: ${mib} MiB stream: sha256 differs ($(stat -c %s "$out") bytes came back)"
    return
  }
  ok_case "${mib} MiB binary stream, sha256 equal"
}

# case_stderr AUTH: stdout and stderr stay apart, binary-safe.
case_stderr() {
  local auth=$1 o=$SKIFF_T/split.out e=$SKIFF_T/split.err
  local rc=0
  cl_exec "$auth" 'printf "to-out\n"; printf "to-err\n" >&2; printf "\000\377" ; exit 3' </dev/null >"$o" 2>"$e" || rc=$?
  local before=$FAILS
  [[ $rc == 3 ]] || fail_case "$CL_NAME: stderr case: exit $rc, expected 3"
  [[ $(od -An -c "$o" | tr -s ' ') == " t o - o u t \n \0 377" ]] ||
    fail_case "$CL_NAME: stdout was: $(od -An -c "$o" | tr -s ' ')"
  grep -qx 'to-err' "$e" || fail_case "$CL_NAME: stderr lacks to-err: $(head -c 200 "$e")"
  if grep -q 'to-out' "$e"; then fail_case "$CL_NAME: stdout leaked into stderr"; fi
  ((FAILS > before)) || ok_case "stdout/stderr apart"
}

# case_env AUTH VAR VALUE: the client sends VAR (its adapter passes SendEnv); the server
# accepts it (AcceptEnv) and the command sees it.
case_env() {
  local auth=$1 var=$2 value=$3 out
  out=$(
    export "$var=$value" CL_SEND_ENV="$var"
    cl_exec "$auth" "printf '%s' \"\${$var-unset}\"" </dev/null 2>/dev/null
  ) || true
  [[ $out == "$value" ]] || {
    fail_case "$CL_NAME: env $var: remote saw '$out'"
    return
  }
  ok_case "SendEnv/AcceptEnv $var"
}

# case_wrong_password [STATUS [PATTERN]]: a wrong password fails: the command does not
# run, the client ends with STATUS (255 for OpenSSH's clients; others as against sshd)
# and says PATTERN (default "Permission denied") on stderr or in its log.
case_wrong_password() {
  local want=${1:-255} pattern=${2:-Permission denied} got=0 out
  out=$(CL_PASSWORD=wrong-password cl_exec password 'echo RAN' </dev/null 2>"$SKIFF_T/wrong.err") || got=$?
  [[ $out != *RAN* ]] || { fail_case "$CL_NAME: wrong password: the command ran"; return; }
  [[ $got == "$want" ]] || { fail_case "$CL_NAME: wrong password: exit $got, expected $want"; return; }
  # With -E the client's messages go to its log (CL_LOG) instead of stderr.
  grep -qs -- "$pattern" "$SKIFF_T/wrong.err" ${CL_LOG:+"$CL_LOG"} ||
    { fail_case "$CL_NAME: wrong password: no '$pattern'"; return; }
  ok_case "wrong password refused"
}
