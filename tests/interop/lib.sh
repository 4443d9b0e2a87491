# shellcheck shell=bash
# Harness for interop tests against real peers (OpenSSH, Dropbear, PuTTY).
#
# Source it from a test:   source "$(dirname "$0")/lib.sh"
#
# It gives the test a private temporary directory ($SKIFF_T), starts peers on
# 127.0.0.1 and free ports only, and on exit stops every process it started, by
# pid (and the processes those started, found by parent pid), then removes the
# directory. It never touches port 22, /etc/ssh or the system's sshd.
#
# Exit codes: 0 pass, 77 skipped (ctest SKIP_RETURN_CODE; only through skip_test,
# for a precondition that truly cannot be met), anything else fails.
#
# Environment:
#   SKIFF_BUILD_DIR   the build tree (set by ctest; default <repo>/build)
#   SKIFF_BIN_DIR     where the programs are (set by ctest; default $SKIFF_BUILD_DIR/tools)
#   SKIFF_KEEP_TMP=1  keep the temporary directory for post-mortem reading
#   SKIFF_SSHD        the sshd binary (default /usr/sbin/sshd)

set -euo pipefail

SKIFF_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKIFF_BUILD_DIR=${SKIFF_BUILD_DIR:-$SKIFF_SRC_DIR/build}
SKIFF_BIN_DIR=${SKIFF_BIN_DIR:-$SKIFF_BUILD_DIR/tools}
SKIFF_SSHD=${SKIFF_SSHD:-/usr/sbin/sshd}
SKIFF_TEST_USER=${SKIFF_TEST_USER:-skifftest}

SKIFF_TEST_NAME=$(basename "${0:-interop}" .sh)
SKIFF_T=$(mktemp -d "${TMPDIR:-/tmp}/skiff-${SKIFF_TEST_NAME}.XXXXXX")
# Traversable by other users, so that a server running as the test user can read
# files handed to it here (private keys stay 0600 themselves).
chmod 0755 "$SKIFF_T"

SKIFF_PIDS=()          # every process started through this library, in order
SKIFF_ON_EXIT=()       # extra clean-up commands, run before the processes are stopped
_skiff_instance=0      # numbering for sshd/dropbear instances within one test

# ---------------------------------------------------------------- messages

log() { printf '[%s] %s\n' "$SKIFF_TEST_NAME" "$*" >&2; }

die() {
  printf '\n[%s] FAIL: %s\n' "$SKIFF_TEST_NAME" "$*" >&2
  exit 1
}

# Mark the test as skipped (ctest reports "Not Run (Skipped)" for exit code 77).
# Only for preconditions that truly cannot be met here; say loudly why.
skip_test() {
  {
    printf '\n****************************************************************\n'
    printf '* [%s] SKIPPED: %s\n' "$SKIFF_TEST_NAME" "$*"
    printf '****************************************************************\n\n'
  } >&2
  exit 77
}

require_root() {
  [[ $(id -u) -eq 0 ]] || skip_test "needs root (${1:-to run sshd as a login daemon}); run the tests as root"
}

# require_cmd NAME... : the named programs must be installed (scripts/setup.sh installs them).
require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' is not installed; run scripts/setup.sh"
  done
}

# skiff_bin NAME: path of a built skiff program, or fail if it has not been built.
skiff_bin() {
  local p
  for p in "$SKIFF_BIN_DIR/$1/$1" "$SKIFF_BIN_DIR/$1"; do
    [[ -x $p && ! -d $p ]] && { printf '%s\n' "$p"; return 0; }
  done
  die "skiff program '$1' not found under $SKIFF_BIN_DIR (not built?)"
}

# ---------------------------------------------------------------- processes

# track_pid PID: stop PID (and its descendants) when the test exits.
track_pid() { SKIFF_PIDS+=("$1"); }

# on_exit CMD...: run a command at exit (before processes are stopped).
on_exit() { SKIFF_ON_EXIT+=("$*"); }

# Descendants of a pid, deepest last, found through parent pids (never by name).
_descendants() {
  local root=$1 pid ppid
  local -A children=()
  while read -r pid ppid; do
    children[$ppid]+="$pid "
  done < <(ps -e -o pid=,ppid=)
  local queue=("$root") out=() cur
  while ((${#queue[@]})); do
    cur=${queue[0]}
    queue=("${queue[@]:1}")
    for pid in ${children[$cur]:-}; do
      out+=("$pid")
      queue+=("$pid")
    done
  done
  printf '%s\n' "${out[@]}"
}

# stop_pid PID: TERM, wait up to 5 s, then KILL; the pid's descendants too.
stop_pid() {
  local pid=$1 p i all
  kill -0 "$pid" 2>/dev/null || return 0
  mapfile -t all < <(_descendants "$pid")
  all=("$pid" "${all[@]}")
  for p in "${all[@]}"; do [[ -n $p ]] && kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    local alive=0
    for p in "${all[@]}"; do [[ -n $p ]] && kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${all[@]}"; do [[ -n $p ]] && kill -KILL "$p" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
}

# Every tracked pid that is still alive (for assertions that nothing leaked).
alive_pids() {
  local p
  for p in "${SKIFF_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && printf '%s\n' "$p"; done
  return 0
}

stop_all() {
  local i
  for ((i = ${#SKIFF_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${SKIFF_PIDS[i]}"; done
}

_skiff_cleanup() {
  local rc=$? c
  trap - EXIT INT TERM
  set +e
  for c in "${SKIFF_ON_EXIT[@]}"; do eval "$c"; done
  stop_all
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    # Show the end of every log so that a failure can be understood from ctest output.
    local f
    for f in "$SKIFF_T"/*.log "$SKIFF_T"/*/*.log; do
      [[ -f $f ]] || continue
      printf '\n----- tail of %s -----\n' "${f#"$SKIFF_T"/}" >&2
      tail -n 40 "$f" >&2
    done
  fi
  if [[ ${SKIFF_KEEP_TMP:-0} == 1 ]]; then
    log "kept $SKIFF_T"
  else
    rm -rf "$SKIFF_T"
  fi
  exit "$rc"
}
trap _skiff_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports

# free_port: a TCP port on 127.0.0.1 that nothing uses now. Chosen at random
# below the kernel's ephemeral range (so outgoing connections do not take it) and
# checked with ss; starters retry with a new port if the bind still loses a race.
free_port() {
  local lo=20000 hi=32767 range_lo port i
  read -r range_lo _ </proc/sys/net/ipv4/ip_local_port_range || range_lo=32768
  ((range_lo > lo + 1000)) && hi=$((range_lo - 1))
  for ((i = 0; i < 200; i++)); do
    port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    ((port == 22)) && continue
    if [[ -z $(ss -Htan "( sport = :$port or dport = :$port )" 2>/dev/null) ]]; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "no free port found"
}

# port_listening PORT: true if something listens on 127.0.0.1:PORT.
port_listening() {
  [[ -n $(ss -Htln "( sport = :$1 )" 2>/dev/null | awk '$4 ~ /^(127\.0\.0\.1|0\.0\.0\.0|\*):/') ]]
}

# wait_port PORT [SECONDS] [PID]: wait until 127.0.0.1:PORT listens; fails early if PID dies.
wait_port() {
  local port=$1 secs=${2:-10} pid=${3:-} i
  for ((i = 0; i < secs * 20; i++)); do
    port_listening "$port" && return 0
    [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && return 1
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- logs

# log_mark FILE: the current size of FILE, to look only at what is logged after.
log_mark() { stat -c %s "$1" 2>/dev/null || echo 0; }

# log_has FILE MARK PATTERN: grep -E PATTERN in what FILE gained since MARK.
log_has() { tail -c "+$(($2 + 1))" "$1" 2>/dev/null | grep -Eq -- "$3"; }

# wait_log FILE MARK PATTERN [SECONDS]: wait until log_has holds (servers log asynchronously).
wait_log() {
  local i secs=${4:-10}
  for ((i = 0; i < secs * 20; i++)); do
    log_has "$1" "$2" "$3" && return 0
    sleep 0.05
  done
  return 1
}

# expect_log FILE MARK PATTERN [WHAT]: wait_log or fail the test.
expect_log() {
  wait_log "$1" "$2" "$3" || die "${4:-expected log line} not found: /$3/ in ${1#"$SKIFF_T"/}"
}

# ---------------------------------------------------------------- keys

# Host keys for the OpenSSH server: ed25519, ecdsa 256/384/521, rsa 3072, made
# once per test in $SKIFF_T/hostkeys. Sets SSHD_HOSTKEYS (array of private key paths).
# SKIFF_HOSTKEY_KEYGEN names the program that makes them (default ssh-keygen; the main
# job uses skiff-keygen, so that OpenSSH's sshd serves keys that skiff wrote).
SSHD_HOSTKEYS=()
make_sshd_hostkeys() {
  ((${#SSHD_HOSTKEYS[@]})) && return 0
  local d=$SKIFF_T/hostkeys spec type bits f keygen=${SKIFF_HOSTKEY_KEYGEN:-ssh-keygen}
  mkdir -p "$d"
  for spec in ed25519: ecdsa:256 ecdsa:384 ecdsa:521 rsa:3072; do
    type=${spec%%:*}
    bits=${spec#*:}
    f=$d/ssh_host_${type}${bits:+_$bits}_key
    "$keygen" -q -t "$type" ${bits:+-b "$bits"} -N '' -C "skiff-test-$type$bits" -f "$f" </dev/null >/dev/null ||
      die "$keygen could not make $f"
    SSHD_HOSTKEYS+=("$f")
  done
}

# sshd_hostkey KIND: path of the private host key of one kind
# (ed25519, ecdsa256, ecdsa384, ecdsa521, rsa3072).
sshd_hostkey() {
  make_sshd_hostkeys
  local f
  for f in "${SSHD_HOSTKEYS[@]}"; do
    [[ $(basename "$f") == "ssh_host_$(sed -E 's/^(ecdsa|rsa)([0-9]+)$/\1_\2/' <<<"$1")_key" ]] && {
      printf '%s\n' "$f"
      return 0
    }
  done
  die "no host key of kind '$1'"
}

# key_fingerprint PUBKEY_OR_PRIVATE_KEY_FILE: SHA256:... fingerprint.
key_fingerprint() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }

# make_user_key TYPE FILE: an unencrypted client key (FILE and FILE.pub).
make_user_key() {
  local bits=()
  [[ $1 == rsa ]] && bits=(-b 3072)
  ssh-keygen -q -t "$1" "${bits[@]}" -N '' -C "skiff-test-user" -f "$2" </dev/null >/dev/null
}

# to_dropbear_key OPENSSH_KEY DROPBEAR_KEY: convert a private key for dbclient -i
# (Dropbear 2022.83 cannot read OpenSSH's private key format itself).
to_dropbear_key() { dropbearconvert openssh dropbear "$1" "$2" >/dev/null 2>&1 || die "dropbearconvert $1 failed"; }

# to_putty_key OPENSSH_KEY PPK: convert a private key for plink -i.
to_putty_key() { puttygen "$1" -O private -o "$2" >/dev/null 2>&1 || die "puttygen could not convert $1"; }

# authorize_key USER PUBFILE: let USER log in to the harness's sshd with that key.
# The harness's sshd reads $SKIFF_T/authorized_keys.<user>, never ~/.ssh.
authorize_key() {
  cat "$2" >>"$SKIFF_T/authorized_keys.$1"
  chmod 0644 "$SKIFF_T/authorized_keys.$1"
}

# ---------------------------------------------------------------- OpenSSH server

# start_sshd [sshd_config lines...]
#
# Starts the real OpenSSH sshd on 127.0.0.1 and a free port, in the foreground
# (-D) with its own configuration and fresh host keys; nothing under /etc/ssh is
# used. Extra lines come first in the file, so they override the defaults (sshd
# keeps the first value of an option); put Match blocks in SSHD_CONFIG_TAIL.
# Restrict the host keys with SSHD_HOSTKEY_KINDS="ed25519 rsa3072" and so on.
#
# Sets: SSHD_PORT SSHD_PID SSHD_LOG SSHD_CONFIG SSHD_DIR
start_sshd() {
  require_cmd ssh-keygen ss
  [[ -x $SKIFF_SSHD ]] || die "$SKIFF_SSHD not found (openssh-server not installed? run scripts/setup.sh)"
  make_sshd_hostkeys
  if [[ ! -d /run/sshd ]]; then
    # sshd's privilege separation directory (systemd normally makes it).
    if [[ $(id -u) -eq 0 ]]; then
      mkdir -p /run/sshd && chmod 0755 /run/sshd
    fi
  fi

  # SSHD_SFTP_SUBSYSTEM: what serves sftp (sshd refuses a second Subsystem sftp line).
  local extra=("UsePAM no" "Subsystem sftp ${SSHD_SFTP_SUBSYSTEM:-internal-sftp}")
  _start_login_daemon sshd "$SKIFF_SSHD" extra SSHD_CONFIG_TAIL "$@"
  SSHD_PORT=$DAEMON_PORT SSHD_PID=$DAEMON_PID SSHD_LOG=$DAEMON_LOG SSHD_CONFIG=$DAEMON_CONFIG SSHD_DIR=$DAEMON_DIR
}

# _start_login_daemon KIND PROGRAM EXTRA_ARRAY TAIL_VAR [config lines...]
# What start_sshd and start_skiffd share (skiffd takes sshd's flags and configuration):
# a configuration with the given lines first, then 127.0.0.1 and a free port, the
# harness's host keys (SSHD_HOSTKEY_KINDS), test-friendly defaults, the lines of the array
# named EXTRA_ARRAY and the text of the variable named TAIL_VAR; checked with -t, then the
# daemon in the foreground with a DEBUG3 log, retried on a port lost to a race.
# Sets: DAEMON_PORT DAEMON_PID DAEMON_LOG DAEMON_CONFIG DAEMON_DIR
_start_login_daemon() {
  local kind=$1 program=$2 tail_var=$4
  local -n extra_lines=$3
  shift 4
  _skiff_instance=$((_skiff_instance + 1))
  local dir=$SKIFF_T/$kind.$_skiff_instance attempt port pid k keys=()
  mkdir -p "$dir"
  if [[ -n ${SSHD_HOSTKEY_KINDS:-} ]]; then
    for k in $SSHD_HOSTKEY_KINDS; do keys+=("$(sshd_hostkey "$k")"); done
  else
    keys=("${SSHD_HOSTKEYS[@]}")
  fi

  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    {
      printf '%s\n' "$@"
      printf '%s\n' "ListenAddress 127.0.0.1" "Port $port"
      for k in "${keys[@]}"; do printf 'HostKey %s\n' "$k"; done
      printf '%s\n' \
        "PidFile $dir/$kind.pid" \
        "StrictModes no" \
        "LogLevel DEBUG3" \
        "AuthorizedKeysFile $SKIFF_T/authorized_keys.%u" \
        "MaxStartups 100" \
        "MaxSessions 100" \
        "${extra_lines[@]}"
      printf '%s\n' "${!tail_var:-}"
    } >"$dir/${kind}_config"

    if ! "$program" -t -f "$dir/${kind}_config" >"$dir/$kind-t.out" 2>&1; then
      cat "$dir/$kind-t.out" >&2
      die "$kind -t rejected the configuration $dir/${kind}_config"
    fi

    # setsid: its own session, so that no terminal signal reaches it; the pid we
    # get is the daemon's own (setsid does not fork when not a process group leader).
    setsid "$program" -D -e -f "$dir/${kind}_config" -E "$dir/$kind.log" </dev/null >>"$dir/$kind.out" 2>&1 &
    pid=$!
    track_pid "$pid"
    if wait_port "$port" 10 "$pid"; then
      DAEMON_PORT=$port DAEMON_PID=$pid DAEMON_LOG=$dir/$kind.log DAEMON_CONFIG=$dir/${kind}_config DAEMON_DIR=$dir
      log "$kind pid $pid listening on 127.0.0.1:$port (log ${DAEMON_LOG#"$SKIFF_T"/})"
      return 0
    fi
    stop_pid "$pid"
    if grep -qs 'Address already in use' "$dir/$kind.log" "$dir/$kind.out"; then
      log "port $port was taken meanwhile; retrying"
      continue
    fi
    cat "$dir/$kind.log" "$dir/$kind.out" >&2 2>/dev/null || true
    die "$kind did not start"
  done
  die "$kind: no free port after 5 attempts"
}

# ---------------------------------------------------------------- Dropbear server

# start_dropbear [extra dropbear options...]
# Dropbear in the foreground on 127.0.0.1 and a free port, host keys made with
# dropbearkey in the temp dir. Sets: DROPBEAR_PORT DROPBEAR_PID DROPBEAR_LOG DROPBEAR_DIR
start_dropbear() {
  require_cmd dropbear dropbearkey ss
  _skiff_instance=$((_skiff_instance + 1))
  local dir=$SKIFF_T/dropbear.$_skiff_instance attempt port pid spec type bits f keys=()
  mkdir -p "$dir"
  for spec in ed25519: ecdsa:256 rsa:3072; do
    type=${spec%%:*}
    bits=${spec#*:}
    f=$dir/dropbear_${type}_host_key
    dropbearkey -t "$type" ${bits:+-s "$bits"} -f "$f" >/dev/null 2>&1 || die "dropbearkey -t $type failed"
    keys+=(-r "$f")
  done
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    setsid dropbear -F -E -p "127.0.0.1:$port" "${keys[@]}" -P "$dir/dropbear.pid" "$@" \
      </dev/null >>"$dir/dropbear.log" 2>&1 &
    pid=$!
    track_pid "$pid"
    if wait_port "$port" 10 "$pid"; then
      DROPBEAR_PORT=$port DROPBEAR_PID=$pid DROPBEAR_LOG=$dir/dropbear.log DROPBEAR_DIR=$dir
      log "dropbear pid $pid listening on 127.0.0.1:$port"
      return 0
    fi
    stop_pid "$pid"
    if grep -qs -e 'Address already in use' -e 'Failed listening' "$dir/dropbear.log"; then
      log "port $port was taken meanwhile; retrying"
      continue
    fi
    cat "$dir/dropbear.log" >&2 || true
    die "dropbear did not start"
  done
  die "dropbear: no free port after 5 attempts"
}

# dropbear_hostkey_fingerprint TYPE: SHA256 fingerprint of the running dropbear's key.
dropbear_hostkey_fingerprint() {
  dropbearkey -y -f "$DROPBEAR_DIR/dropbear_$1_host_key" 2>/dev/null | grep -E '^ssh-' >"$DROPBEAR_DIR/$1.pub"
  key_fingerprint "$DROPBEAR_DIR/$1.pub"
}

# ---------------------------------------------------------------- clients

# Clients run with a time limit, a private HOME (PuTTY and Dropbear keep files
# there) and stdin from /dev/null, without a controlling terminal, so that
# nothing can wait for a password.
SKIFF_CLIENT_TIMEOUT=${SKIFF_CLIENT_TIMEOUT:-30}
_client_env() {
  mkdir -p "$SKIFF_T/home"
  HOME=$SKIFF_T/home timeout -k 5 "$SKIFF_CLIENT_TIMEOUT" setsid "$@" </dev/null
}
# The same with the caller's stdin (for data streamed through a session).
_client_env_stdin() {
  mkdir -p "$SKIFF_T/home"
  HOME=$SKIFF_T/home timeout -k 5 "$SKIFF_CLIENT_TIMEOUT" setsid "$@"
}

# run_ssh LOGFILE PORT [ssh options and arguments...]
# OpenSSH's client against 127.0.0.1:PORT: no system or user configuration, known
# hosts in the temp dir, no prompts, DEBUG3 log in LOGFILE. Returns ssh's status.
run_ssh() {
  local logf=$1 port=$2
  shift 2
  _client_env ssh -F /dev/null -p "$port" \
    -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 \
    -o IdentityAgent=none -o UpdateHostKeys=no \
    -o LogLevel=DEBUG3 -E "$logf" \
    "$@"
}

# run_dbclient LOGFILE PORT [dbclient options...] HOST [command]
# Dropbear's client; -y -y skips host key checking (and writing known_hosts).
run_dbclient() {
  local logf=$1 port=$2
  shift 2
  _client_env dbclient -y -y -p "$port" "$@" >>"$logf" 2>&1
}

# run_plink LOGFILE PORT [plink options...] HOST [command]
# PuTTY's plink in batch mode (never prompts), verbose. Pin the host key with
# -hostkey FINGERPRINT options (see sshd_hostkey_fingerprints).
run_plink() {
  local logf=$1 port=$2
  shift 2
  _client_env plink -ssh -batch -noagent -v -P "$port" "$@" >>"$logf" 2>&1
}

# sshd_hostkey_fingerprints: SHA256 fingerprints of the harness sshd's host keys, one a line.
sshd_hostkey_fingerprints() {
  make_sshd_hostkeys
  local k
  for k in "${SSHD_HOSTKEYS[@]}"; do key_fingerprint "$k.pub"; done
}

# ---------------------------------------------------------------- test user

# create_test_user: a local user "skifftest" with a home directory, for login
# tests (idempotent; root only). Its password is "*": not a usable password, but
# not "locked" either (sshd without PAM refuses locked accounts even for keys).
# A test that needs password login calls set_test_user_password.
create_test_user() {
  require_root "to create the test user"
  local home i
  # Tests running in parallel may race on /etc/passwd's lock: retry.
  for ((i = 0; i < 20; i++)); do
    getent passwd "$SKIFF_TEST_USER" >/dev/null && break
    useradd --create-home --shell /bin/bash --comment "skiff interop tests" "$SKIFF_TEST_USER" 2>/dev/null && break
    sleep 0.5
  done
  getent passwd "$SKIFF_TEST_USER" >/dev/null || die "could not create the user $SKIFF_TEST_USER"
  home=$(getent passwd "$SKIFF_TEST_USER" | cut -d: -f6)
  [[ -d $home ]] || { mkdir -p "$home" && chown "$SKIFF_TEST_USER:" "$home"; }
  # A locked password ("!...") would make sshd refuse even key logins: unlock to "*".
  for ((i = 0; i < 20; i++)); do
    [[ $(getent shadow "$SKIFF_TEST_USER" | cut -d: -f2) != '!'* ]] && break
    usermod -p '*' "$SKIFF_TEST_USER" 2>/dev/null && break
    sleep 0.5
  done
  TEST_USER=$SKIFF_TEST_USER TEST_USER_HOME=$home
}

# set_test_user_password: give the test user a random password for this test only
# (reset to "*" at exit). Sets TEST_USER_PASSWORD. Call it directly, not in $(...).
set_test_user_password() {
  create_test_user
  TEST_USER_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s:%s\n' "$SKIFF_TEST_USER" "$TEST_USER_PASSWORD" | chpasswd
  on_exit "usermod -p '*' '$SKIFF_TEST_USER'"
}

# ---------------------------------------------------------------- skiff server

# start_skiffd [skiffd_config lines...]
#
# skiff's own server on 127.0.0.1 and a free port, in the foreground (-D) with its own
# configuration, the harness's host keys and a DEBUG3 log. Lines given come first (the
# first value of a keyword wins, as in sshd); Match blocks go in SKIFFD_CONFIG_TAIL.
# Authorized keys come from $SKIFF_T/authorized_keys.<user>, as for start_sshd.
#
# Sets: SKIFFD_PORT SKIFFD_PID SKIFFD_LOG SKIFFD_CONFIG SKIFFD_DIR
start_skiffd() {
  require_cmd ss
  make_sshd_hostkeys
  local skiffd extra=()
  skiffd=$(skiff_bin skiffd)
  _start_login_daemon skiffd "$skiffd" extra SKIFFD_CONFIG_TAIL "$@"
  SKIFFD_PORT=$DAEMON_PORT SKIFFD_PID=$DAEMON_PID SKIFFD_LOG=$DAEMON_LOG SKIFFD_CONFIG=$DAEMON_CONFIG SKIFFD_DIR=$DAEMON_DIR
}

# ---------------------------------------------------------------- passwords without a terminal

# askpass_script SECRET: a program that prints SECRET, for SSH_ASKPASS (OpenSSH's
# clients read passwords and keyboard-interactive answers from it when
# SSH_ASKPASS_REQUIRE=force; no sshpass needed). Prints the script's path.
askpass_script() {
  local f
  f=$(mktemp "$SKIFF_T/askpass.XXXXXX")
  printf '#!/bin/sh\nprintf "%%s\\n" %q\n' "$1" >"$f"
  chmod 0755 "$f"
  printf '%s\n' "$f"
}

# run_skiff LOGFILE PORT [skiff options and arguments...]
# skiff's client against 127.0.0.1:PORT, set up like run_ssh: no configuration files,
# known hosts in the temp dir, no prompts, DEBUG3 log in LOGFILE.
run_skiff() {
  local logf=$1 port=$2 skiff
  shift 2
  skiff=$(skiff_bin skiff)
  _client_env "$skiff" -F /dev/null -p "$port" \
    -o UserKnownHostsFile="$SKIFF_T/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=10 \
    -o LogLevel=DEBUG3 -E "$logf" \
    "$@"
}
