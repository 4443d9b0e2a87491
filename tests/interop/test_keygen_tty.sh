#!/usr/bin/env bash
# skiff-keygen and ssh-keygen at a terminal: passphrases typed at /dev/tty (a pseudo
# terminal from script(1)) with echo off. Each program's whole terminal transcript is
# compared, and the passphrases must never appear in it.
source "$(dirname "$0")/lib.sh"
require_cmd ssh-keygen script mkfifo
SK=$(skiff_bin skiff-keygen)
cd "$SKIFF_T" || exit 1
export HOME=$SKIFF_T/home
mkdir -p "$HOME"
unset DISPLAY SSH_ASKPASS SSH_ASKPASS_REQUIRE
umask 022

# at_tty NAME ANSWER... -- CMD...: runs CMD in a pseudo terminal; each ANSWER is typed
# (with Return) once the next prompt ending in ": " or "? " has appeared, so nothing is
# typed before the program turns echo off. Transcript in NAME.out, status in NAME.rc.
# CMD runs in the directory $AT_DIR (default: the test's), so that both programs name
# their files alike.
at_tty() {
  local name=$1 answers=() cmd i n pid
  shift
  while [[ $1 != -- ]]; do
    answers+=("$1")
    shift
  done
  shift
  printf -v cmd '%q ' "$@"
  rm -f "$name.fifo" "$name.out"
  mkfifo "$name.fifo"
  (cd "${AT_DIR:-.}" && exec script -qfec "$cmd" /dev/null) <"$name.fifo" >"$name.out" 2>&1 &
  pid=$!
  track_pid "$pid"
  exec 3>"$name.fifo"
  for ((i = 0; i < ${#answers[@]}; i++)); do
    for ((n = 0; n < 200; n++)); do
      (($(grep -Eo '(: |\? )' "$name.out" 2>/dev/null | wc -l) > i)) && break
      sleep 0.05
    done
    ((n < 200)) || { cat "$name.out" >&2; die "$name: prompt $((i + 1)) never came"; }
    printf '%s\r' "${answers[i]}" >&3
  done
  local rc=0
  wait "$pid" || rc=$?
  exec 3>&-
  echo "$rc" >"$name.rc"
}

compare() { # WHAT OPENSSH_RUN SKIFF_RUN
  local a b
  a=$(sed 's/\bssh-keygen\b/PROG/g' "$2.out")
  b=$(sed 's/\bskiff-keygen\b/PROG/g' "$3.out")
  if [[ $a != "$b" || $(cat "$2.rc") != "$(cat "$3.rc")" ]]; then
    printf -- '--- ssh-keygen (status %s)\n%s\n--- skiff-keygen (status %s)\n%s\n' \
      "$(cat "$2.rc")" "$a" "$(cat "$3.rc")" "$b" >&2
    die "$1: the terminal transcripts differ"
  fi
  if grep -q 'typed-secret\|other-secret' "$3.out"; then
    cat "$3.out" >&2
    die "$1: a passphrase was echoed"
  fi
}

log "generation: a mismatch, then a passphrase"
for p in o s; do
  [[ $p == s ]] && prog=$SK || prog=ssh-keygen
  mkdir -p "$p"
  AT_DIR=$p at_tty "${p}_gen" typed-secret other-secret typed-secret typed-secret -- \
    "$prog" -t ed25519 -a 2 -C tty -f key
  # The fingerprint and the picture are the key's own.
  sed -i '/^SHA256:/,$d' "${p}_gen.out"
done
compare "generation" o_gen s_gen
ssh-keygen -y -P typed-secret -f s/key >/dev/null || die "ssh-keygen cannot open the key made at the terminal"

log "-y, -p and a wrong passphrase on the same key"
cp -p o/key key && cp -p o/key.pub key.pub
at_tty o_y typed-secret -- ssh-keygen -y -f key
at_tty s_y typed-secret -- "$SK" -y -f key
compare "-y" o_y s_y
at_tty o_bad wrong -- ssh-keygen -y -f key
at_tty s_bad wrong -- "$SK" -y -f key
compare "wrong passphrase" o_bad s_bad
for p in o s; do
  [[ $p == s ]] && prog=$SK || prog=ssh-keygen
  cp -p key "$p/pkey"
  AT_DIR=$p at_tty "${p}_p" typed-secret other-secret other-secret -- "$prog" -p -a 2 -f pkey
done
compare "-p" o_p s_p
"$SK" -y -P other-secret -f o/pkey >/dev/null || die "skiff-keygen cannot open ssh-keygen's -p result"
ssh-keygen -y -P other-secret -f s/pkey >/dev/null || die "ssh-keygen cannot open skiff-keygen's -p result"
log "passed"
