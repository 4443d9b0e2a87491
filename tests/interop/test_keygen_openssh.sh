#!/usr/bin/env bash
# skiff-keygen against OpenSSH's ssh-keygen, both ways: keys made by one are read by
# the other (plain, encrypted with several ciphers, PEM and PKCS#8), fingerprints and
# randomart print the same, -p and -c edit each other's files, -e/-i conversions agree,
# known_hosts files hashed or edited by one are searched alike by the other (-R leaves
# the very same file), and the error paths give the same status and message.
# No root, no network: everything happens in the harness's temporary directory.
source "$(dirname "$0")/lib.sh"
require_cmd ssh-keygen cmp diff
SK=$(skiff_bin skiff-keygen)
cd "$SKIFF_T" || exit 1
# Both programs take the home directory from the password database, so every file
# is named with -f; HOME only keeps anything else away from the real one.
export HOME=$SKIFF_T/home
unset DISPLAY SSH_ASKPASS SSH_ASKPASS_REQUIRE
mkdir -p "$HOME"
umask 022
START=$SECONDS
CHECKS=0
step() { log "$* (at $((SECONDS - START)) s)"; }

# run NAME CMD...: CMD's stdout, stderr and status in NAME.out, NAME.err, NAME.rc
# (stdin from NAME.in when it exists, else /dev/null).
run() {
  local n=$1 in=/dev/null rc=0
  shift
  [[ -f $n.in ]] && in=$n.in
  "$@" <"$in" >"$n.out" 2>"$n.err" || rc=$?
  echo "$rc" >"$n.rc"
}

# in_dir DIR CMD...: CMD run inside DIR (messages then name files alike for both programs).
in_dir() { (cd "$1" && shift && exec "$@"); }

# The program's own name is the one expected difference in messages.
norm() { sed -e 's/\bssh-keygen\b/PROG/g' -e 's/\bskiff-keygen\b/PROG/g' "$1"; }

show_diff() {
  printf -- '--- ssh-keygen %s (%s)\n' "$2" "$1" >&2
  norm "$1.$2" >&2
  printf -- '--- skiff-keygen %s (%s)\n' "$2" "$3" >&2
  norm "$3.$2" >&2
  diff -u <(norm "$1.$2") <(norm "$3.$2") >&2 || true
}

# same WHAT OPENSSH_RUN SKIFF_RUN [out|err|rc]...: the runs agree on those parts
# (default: status and stdout).
same() {
  local what=$1 a=$2 b=$3 k
  shift 3
  (($#)) || set -- rc out
  for k in "$@"; do
    if ! cmp -s <(norm "$a.$k") <(norm "$b.$k"); then
      show_diff "$a" "$k" "$b"
      die "$what: the $k differs"
    fi
  done
  CHECKS=$((CHECKS + 1))
}

# expect_file WHAT EXPECTED_FILE ACTUAL_FILE
expect_file() {
  if ! cmp -s "$2" "$3"; then
    printf -- '--- expected (%s)\n' "$2" >&2
    cat "$2" >&2
    printf -- '--- got (%s)\n' "$3" >&2
    cat "$3" >&2
    die "$1"
  fi
  CHECKS=$((CHECKS + 1))
}

expect_rc() { # WHAT RUN STATUS
  local got
  got=$(cat "$2.rc")
  if [[ $got != "$3" ]]; then
    cat "$2.out" "$2.err" >&2
    die "$1: exit status $got, expected $3"
  fi
}

expect_mode() { # FILE MODE
  local m
  m=$(stat -c %a "$1")
  [[ $m == "$2" ]] || die "$1 has mode $m, expected $2"
}

# ----------------------------------------------------------------- key specs

# type:bits:cipher (the cipher for the encrypted copies; several of OpenSSH's table).
SPECS=(
  ed25519::chacha20-poly1305@openssh.com
  ecdsa:256:aes256-gcm@openssh.com
  ecdsa:384:aes128-ctr
  ecdsa:521:aes256-cbc
  rsa:2048:aes128-gcm@openssh.com
  rsa:3072:aes256-ctr
)
PASS='correct horse'

# The public key line ssh-keygen -y must print for a private key: the .pub without the
# separating space before an empty comment.
pub_line() { sed -e 's/ $//' "$1.pub"; }

# check_reads_back WHAT KEYFILE PASSPHRASE: both programs print the .pub from the private key.
check_reads_back() {
  local what=$1 f=$2 pass=$3
  pub_line "$f" >"$f.expect"
  run o_y ssh-keygen -y -P "$pass" -f "$f"
  run s_y "$SK" -y -P "$pass" -f "$f"
  expect_rc "$what: ssh-keygen -y" o_y 0
  expect_rc "$what: skiff-keygen -y" s_y 0
  expect_file "$what: ssh-keygen -y prints the .pub" "$f.expect" o_y.out
  expect_file "$what: skiff-keygen -y prints the .pub" "$f.expect" s_y.out
}

# check_fingerprints WHAT FILE HASH...: -l and -lv print the same with each -E HASH.
check_fingerprints() {
  local what=$1 f=$2 h v
  shift 2
  for h in "$@"; do
    for v in -l -lv; do
      run o_l ssh-keygen "$v" -E "$h" -f "$f"
      run s_l "$SK" "$v" -E "$h" -f "$f"
      same "$what: $v -E $h -f ${f##*/}" o_l s_l
    done
  done
}

make_keys() { # PROG PREFIX TYPE BITS CIPHER
  local prog=$1 p=$2 type=$3 bits=$4 cipher=$5
  local b=()
  [[ -n $bits ]] && b=(-b "$bits")
  "$prog" -q -t "$type" "${b[@]}" -N '' -C "plain-$p" -f "$p.plain" </dev/null >/dev/null ||
    die "$prog could not make a $type$bits key"
  "$prog" -q -t "$type" "${b[@]}" -N "$PASS" -a 2 -Z "$cipher" -C "enc $p" -f "$p.enc" </dev/null >/dev/null ||
    die "$prog could not make an encrypted $type$bits key ($cipher)"
}

step "keys: both ways, every type, plain and encrypted"
for spec in "${SPECS[@]}"; do
  IFS=: read -r type bits cipher <<<"$spec"
  kind=$type$bits
  make_keys "$SK" "s_$kind" "$type" "$bits" "$cipher"
  make_keys ssh-keygen "o_$kind" "$type" "$bits" "$cipher"
  for f in "s_$kind.plain" "s_$kind.enc"; do
    expect_mode "$f" 600
    expect_mode "$f.pub" 644
  done
  for p in s o; do
    check_reads_back "$kind $p plain" "${p}_$kind.plain" ''
    check_reads_back "$kind $p encrypted ($cipher)" "${p}_$kind.enc" "$PASS"
    check_fingerprints "$kind" "${p}_$kind.plain.pub" sha256 md5
    check_fingerprints "$kind" "${p}_$kind.enc" sha256 md5
    # Without the .pub: the fingerprint of the private key file alone.
    cp -p "${p}_$kind.enc" "${p}_$kind.alone"
    cp -p "${p}_$kind.plain" "${p}_$kind.alone_plain"
    check_fingerprints "$kind" "${p}_$kind.alone" md5
    check_fingerprints "$kind" "${p}_$kind.alone_plain" sha256
  done
done

step "generation output, default type, prompts"
run o_gen ssh-keygen -t ed25519 -N '' -C 'gen test' -f o_gen
run s_gen "$SK" -t ed25519 -N '' -C 'gen test' -f s_gen
# Everything but the random parts (file names, fingerprint, picture) is the same.
sed -e 's/[os]_gen/F/g' -e '5s/.*/FP/' -e '7,$d' o_gen.out >o_gen.shape
sed -e 's/[os]_gen/F/g' -e '5s/.*/FP/' -e '7,$d' s_gen.out >s_gen.shape
expect_file "generation messages" o_gen.shape s_gen.shape
printf '%s gen test\n' "$(ssh-keygen -l -f s_gen.pub | awk '{print $2}')" >s_gen.fp
sed -n 5p s_gen.out >s_gen.fpline
expect_file "the fingerprint line after generation" s_gen.fp s_gen.fpline
ssh-keygen -lv -f s_gen.pub | tail -n +2 >s_gen.art
sed -n '7,$p' s_gen.out >s_gen.art2
expect_file "the randomart after generation" s_gen.art s_gen.art2
"$SK" -q -N '' -f s_default </dev/null >/dev/null || die "skiff-keygen with no -t failed"
ssh-keygen -l -f s_default | grep -q '^3072 .* (RSA)$' || die "the default key is not RSA 3072 as in OpenSSH 9.2"
# Overwriting asks first; "n" leaves the file alone with exit status 1.
cp o_gen o_ow && cp o_gen.pub o_ow.pub && cp o_gen s_ow && cp o_gen.pub s_ow.pub
echo n >o_ow.in && echo n >s_ow.in
run o_ow ssh-keygen -t ed25519 -N '' -f o_ow
run s_ow "$SK" -t ed25519 -N '' -f s_ow
sed -i 's/[os]_ow/F/g' o_ow.out s_ow.out
same "overwrite refused" o_ow s_ow rc out err
expect_file "a refused overwrite keeps the key" o_gen s_ow
# With no terminal the passphrase comes from stdin, prompts on stderr, as ssh-keygen.
printf 'pw1\npw2\nsecret\nsecret\n' >o_tty.in && cp o_tty.in s_tty.in
run o_tty setsid ssh-keygen -q -t ed25519 -a 2 -f o_tty
run s_tty setsid "$SK" -q -t ed25519 -a 2 -f s_tty
same "passphrases read without a terminal, with a mismatch first" o_tty s_tty rc out err
check_reads_back "key encrypted through prompts" s_tty secret
check_reads_back "key encrypted through prompts (ssh-keygen)" o_tty secret

step "-p and -c on each other's keys"
for spec in ed25519:: ecdsa:384: rsa:2048:; do
  IFS=: read -r type bits _ <<<"$spec"
  kind=$type$bits
  for p in s o; do
    [[ $p == s ]] && other=o || other=s
    f=${other}_$kind.enc
    cp -p "$f" "$f.p" && cp -p "$f.pub" "$f.p.pub"
    if [[ $p == s ]]; then prog=$SK; else prog=ssh-keygen; fi
    run "${p}_p" "$prog" -p -P "$PASS" -N 'new pass' -a 3 -f "$f.p"
    expect_rc "$kind: -p by $p" "${p}_p" 0
    check_reads_back "$kind: key after -p by $p" "$f.p" 'new pass'
    run "${p}_c" "$prog" -c -P 'new pass' -C "renamed by $p" -f "$f.p"
    expect_rc "$kind: -c by $p" "${p}_c" 0
    grep -q " renamed by $p\$" "$f.p.pub" || die "$kind: -c by $p did not rewrite $f.p.pub"
    check_reads_back "$kind: key after -c by $p" "$f.p" 'new pass'
  done
  sed -i 's/enc [os]_/enc K_/' o_p.out s_p.out o_c.out s_c.out
  same "$kind: -p output" o_p s_p rc out err
  sed -i 's/renamed by [os]/renamed/' o_c.out s_c.out
  same "$kind: -c output" o_c s_c rc out err
done
# -p -Z with the ciphers the keys above did not use, both ways.
for cipher in aes192-ctr aes128-cbc aes192-cbc 3des-cbc; do
  for p in s o; do
    [[ $p == s ]] && prog=$SK || prog=ssh-keygen
    cp -p "${p}_ed25519.plain" "${p}_z" && cp -p "${p}_ed25519.plain.pub" "${p}_z.pub"
    "$prog" -p -N "$PASS" -a 2 -Z "$cipher" -f "${p}_z" >/dev/null </dev/null || die "$prog -p -Z $cipher failed"
    check_reads_back "-p -Z $cipher by $p" "${p}_z" "$PASS"
  done
done
# The same comment again, and removing it (prompt-free forms).
for p in o s; do
  [[ $p == s ]] && prog=$SK || prog=ssh-keygen
  cp -p "${p}_ed25519.plain" "${p}_cc" && cp -p "${p}_ed25519.plain.pub" "${p}_cc.pub"
  run "${p}_cc1" "$prog" -c -C "plain-${p}_ed25519" -f "${p}_cc"
  run "${p}_cc2" "$prog" -c -C '' -f "${p}_cc"
  run "${p}_cc3" "$prog" -c -C '' -f "${p}_cc"
done
sed -i 's/[os]_ed25519/K/' o_cc1.out s_cc1.out o_cc2.out s_cc2.out
same "-c with the same comment" o_cc1 s_cc1 rc out err
same "-c removing the comment" o_cc2 s_cc2 rc out err
same "-c on an empty comment" o_cc3 s_cc3 rc out err
expect_file "-c removing the comment: the .pub" <(pub_line o_cc | cut -d' ' -f1) <(pub_line s_cc | cut -d' ' -f1)

step "PEM and PKCS#8 private keys"
for spec in ed25519:: ecdsa:256: ecdsa:521: rsa:3072:; do
  IFS=: read -r type bits _ <<<"$spec"
  kind=$type$bits
  for fmt in PEM PKCS8; do
    for pass in '' "$PASS"; do
      tag=$fmt${pass:+-enc}
      for p in s o; do
        [[ $p == s ]] && prog=$SK || prog=ssh-keygen
        f=${p}_$kind.$tag
        cp -p "${p}_$kind.plain" "$f" && cp -p "${p}_$kind.plain.pub" "$f.pub"
        run "${p}_fmt" "$prog" -p -m "$fmt" -N "$pass" -f "$f"
        expect_rc "$kind: -p -m $fmt by $p" "${p}_fmt" 0
      done
      # Both write the same kind of file (Ed25519 stays openssh-key-v1, as in OpenSSH).
      head -1 "o_$kind.$tag" >o_head && head -1 "s_$kind.$tag" >s_head
      expect_file "$kind: -m $tag writes the same armour" o_head s_head
      if [[ -n $pass ]]; then
        grep -c ENCRYPTED "o_$kind.$tag" >o_head || true
        grep -c ENCRYPTED "s_$kind.$tag" >s_head || true
        expect_file "$kind: -m $tag encryption marks" o_head s_head
      fi
      for p in s o; do
        # The comment is lost in PEM/PKCS#8 files; compare the keys only.
        f=${p}_$kind.$tag
        cut -d' ' -f1,2 "$f.pub" >"$f.keyonly"
        for prog in ssh-keygen "$SK"; do
          "$prog" -y -P "$pass" -f "$f" 2>"$f.err" | cut -d' ' -f1,2 >"$f.got" || true
          expect_file "$kind: $prog -y on $tag written by $p" "$f.keyonly" "$f.got"
        done
      done
    done
  done
done
# Generation straight to PEM.
"$SK" -q -t ecdsa -m PEM -N '' -f s_genpem </dev/null >/dev/null || die "skiff-keygen -m PEM generation failed"
grep -q 'BEGIN EC PRIVATE KEY' s_genpem || die "skiff-keygen -m PEM did not write an EC PRIVATE KEY"
ssh-keygen -y -f s_genpem | cut -d' ' -f1,2 >s_genpem.got
cut -d' ' -f1,2 s_genpem.pub >s_genpem.want
expect_file "ssh-keygen reads skiff's -m PEM generated key" s_genpem.want s_genpem.got

step "-e and -i, RFC4716, PKCS8, PEM"
for spec in ed25519:: ecdsa:256: ecdsa:384: ecdsa:521: rsa:2048: rsa:3072:; do
  IFS=: read -r type bits _ <<<"$spec"
  kind=$type$bits
  for fmt in RFC4716 PKCS8 PEM; do
    # A public key file, and an encrypted private key without its .pub.
    for src in "s_$kind.plain.pub" "o_$kind.alone"; do
      run o_e ssh-keygen -e -m "$fmt" -P "$PASS" -f "$src"
      run s_e "$SK" -e -m "$fmt" -P "$PASS" -f "$src"
      same "$kind: -e -m $fmt -f $src" o_e s_e rc out err
      [[ $(cat o_e.rc) == 0 ]] || continue
      [[ $src == *.pub ]] && pub=$src || pub=o_$kind.enc.pub
      cut -d' ' -f1,2 "$pub" >e.want
      # The exports are the same bytes, so each imports the other's.
      run o_i ssh-keygen -i -m "$fmt" -f s_e.out
      run s_i "$SK" -i -m "$fmt" -f o_e.out
      same "$kind: -i -m $fmt of the other's -e -m $fmt" o_i s_i rc out err
      [[ $(cat o_i.rc) == 0 ]] || continue
      expect_file "$kind: ssh-keygen -i -m $fmt gives the key back" e.want o_i.out
      expect_file "$kind: skiff-keygen -i -m $fmt gives the key back" e.want s_i.out
    done
  done
done
# Importing the wrong kind of file fails the same way.
run o_bad ssh-keygen -i -m PEM -f o_rsa2048.plain.pub
run s_bad "$SK" -i -m PEM -f o_rsa2048.plain.pub
same "-i -m PEM of an OpenSSH public key" o_bad s_bad rc out err
ssh-keygen -e -m PKCS8 -f o_rsa2048.plain.pub >spki.pem
run o_bad ssh-keygen -i -m PEM -f spki.pem
run s_bad "$SK" -i -m PEM -f spki.pem
same "-i -m PEM of a PKCS8 public key" o_bad s_bad rc out err
run o_bad ssh-keygen -i -f spki.pem
run s_bad "$SK" -i -f spki.pem
same "-i (RFC4716) of a PKCS8 public key" o_bad s_bad rc

step "known_hosts: -F, -R, -H"
K1=$(cut -d' ' -f1,2 o_ed25519.plain.pub)
K2=$(cut -d' ' -f1,2 s_ecdsa256.plain.pub)
K3=$(cut -d' ' -f1,2 o_rsa2048.plain.pub)
cat >kh.orig <<EOF
# known hosts for the test
host1,10.0.0.1 $K1
host2 $K2 with a comment
@revoked host1 $K3
@cert-authority *.example.org $K2
*.wild.test $K1

[host1]:2222 $K3
Host3,HOST4 $K2
host1 $K2
!neg.test,*.test $K3
EOF
NAMES=(host1 host2 10.0.0.1 '[host1]:2222' HOST3 host4 a.wild.test x.example.org neg.test nothere)
find_all() { # TAG FILE NAME...
  local tag=$1 file=$2 name i=0
  shift 2
  for name in "$@"; do
    i=$((i + 1))
    for flags in -F -lvF -HF -qF; do
      [[ $flags == -HF && $tag == hashed* ]] && continue
      run "o_f$i" ssh-keygen "$flags" "$name" -f "$file"
      run "s_f$i" "$SK" "$flags" "$name" -f "$file"
      if [[ $flags == -HF ]]; then
        # Fresh salts: compare all but the hashes.
        sed -i -E 's/^\|1\|[^ ]+ /HASHED /' "o_f$i.out" "s_f$i.out"
      fi
      same "$tag: $flags $name" "o_f$i" "s_f$i" rc out err
    done
  done
}
find_all plain kh.orig "${NAMES[@]}"

mkdir -p o s
for name in host1 host2 10.0.0.1 '[host1]:2222' host3 a.wild.test nothere neg.test; do
  cp kh.orig o/known_hosts && cp kh.orig s/known_hosts
  run o_r in_dir o ssh-keygen -R "$name" -f known_hosts
  run s_r in_dir s "$SK" -R "$name" -f known_hosts
  same "-R $name" o_r s_r rc out err
  expect_file "-R $name leaves the same file" o/known_hosts s/known_hosts
  [[ -f o/known_hosts.old ]] && expect_file "-R $name: the same backup" o/known_hosts.old s/known_hosts.old
  [[ $(stat -c %a o/known_hosts) == $(stat -c %a s/known_hosts) ]] || die "-R $name: modes differ"
done

# -H by each; compare shapes, then each searches the other's hashed file.
for p in o s; do
  [[ $p == s ]] && prog=$SK || prog=ssh-keygen
  cp kh.orig "$p/known_hosts"
  chmod 0640 "$p/known_hosts"
  run "${p}_h" in_dir "$p" "$prog" -H -f known_hosts
done
same "-H" o_h s_h rc out err
for p in o s; do
  sed -E 's/^\|1\|[A-Za-z0-9+\/=]{28}\|[A-Za-z0-9+\/=]{28} /HASHED /' "$p/known_hosts" >"$p.shape"
  grep -c '^|1|' "$p/known_hosts" >"$p.count" || true
done
expect_file "-H: the same lines hashed, the rest kept" o.shape s.shape
expect_file "-H: as many hashed lines" o.count s.count
expect_file "-H: the same backup" o/known_hosts.old s/known_hosts.old
[[ $(stat -c %a o/known_hosts) == $(stat -c %a s/known_hosts) ]] || die "-H: modes differ"
cp o/known_hosts kh.hashed_by_openssh
cp s/known_hosts kh.hashed_by_skiff
find_all hashed_by_openssh kh.hashed_by_openssh host1 10.0.0.1 '[host1]:2222' HOST3 host4 nothere
find_all hashed_by_skiff kh.hashed_by_skiff host1 10.0.0.1 '[host1]:2222' HOST3 host4 nothere
for f in kh.hashed_by_openssh kh.hashed_by_skiff; do
  for name in host1 host3 nothere; do
    cp "$f" o/known_hosts && cp "$f" s/known_hosts
    run o_r in_dir o ssh-keygen -R "$name" -f known_hosts
    run s_r in_dir s "$SK" -R "$name" -f known_hosts
    same "$f: -R $name" o_r s_r rc out err
    expect_file "$f: -R $name leaves the same file" o/known_hosts s/known_hosts
  done
done
# An invalid line (unknown key type): both refuse to rewrite. A bad key blob after a
# known type name is not invalid for ssh-keygen, which does not decode it here.
for bad in 'host9 nosuchtype AAAA' 'host9 ssh-ed25519 notbase64!'; do
  { cat kh.orig; echo "$bad"; } >kh.bad
  for op in "-R host2" "-H"; do
    cp kh.bad o/known_hosts && cp kh.bad s/known_hosts
    # shellcheck disable=SC2086 # op holds an option and its argument
    run o_r in_dir o ssh-keygen $op -f known_hosts
    # shellcheck disable=SC2086
    run s_r in_dir s "$SK" $op -f known_hosts
    same "line '$bad', $op" o_r s_r rc out err
    if [[ $op == -H ]]; then
      sed -E 's/^\|1\|[^ ]+ /HASHED /' o/known_hosts >o.shape
      sed -E 's/^\|1\|[^ ]+ /HASHED /' s/known_hosts >s.shape
      expect_file "line '$bad', $op: the same file" o.shape s.shape
    else
      expect_file "line '$bad', $op: the same file" o/known_hosts s/known_hosts
    fi
  done
done

step "-A with a prefix"
for p in o s; do
  [[ $p == s ]] && prog=$SK || prog=ssh-keygen
  mkdir -p "$p.root/etc/ssh"
  : >"$p.root/etc/ssh/ssh_host_ecdsa_key"   # empty: made again, as ssh-keygen does
  run "${p}_A" "$prog" -A -f "$p.root"
  run "${p}_A2" "$prog" -A -f "$p.root"
done
same "-A" o_A s_A rc out err
same "-A when every key exists" o_A2 s_A2 rc out err
for t in rsa ecdsa ed25519; do
  f=s.root/etc/ssh/ssh_host_${t}_key
  expect_mode "$f" 600
  expect_mode "$f.pub" 644
  check_reads_back "-A $t" "$f" ''
done

step "error paths"
cp -p o_ed25519.enc o_wrong
for args in "-y -P wrong" "-p -P wrong -N x" "-c -P wrong -C x" "-e -P wrong"; do
  rm -f o_wrong.pub
  # shellcheck disable=SC2086
  run o_err ssh-keygen $args -f o_wrong
  # shellcheck disable=SC2086
  run s_err "$SK" $args -f o_wrong
  same "wrong passphrase ($args)" o_err s_err rc out err
done
run s_err "$SK" -y -P wrong -f o_wrong
grep -q '^Load key "o_wrong": incorrect passphrase supplied to decrypt private key' s_err.err ||
  die "wrong passphrase: unexpected message $(cat s_err.err)"
head -c 300 o_ed25519.plain >trunc && chmod 600 trunc
for args in -y "-p -N x" "-c -C x"; do
  # shellcheck disable=SC2086
  run o_err ssh-keygen $args -f trunc
  # shellcheck disable=SC2086
  run s_err "$SK" $args -f trunc
  same "truncated key ($args)" o_err s_err rc out
  # OpenSSH falls back to its PEM reader and says "error in libcrypto"; skiff names the format.
  [[ $(cut -d: -f1 o_err.err) == "$(cut -d: -f1 s_err.err)" ]] ||
    { show_diff o_err err s_err; die "truncated key ($args): the message differs before the reason"; }
done
run o_err ssh-keygen -l -f trunc
run s_err "$SK" -l -f trunc
same "truncated key (-l)" o_err s_err rc out err
# PEM and PKCS#8 refuse passphrases of under five characters; -i wants RFC 4716.
for fmt in PEM PKCS8; do
  cp -p o_ecdsa256.plain o_short && cp -p o_ecdsa256.plain s_short
  run o_err ssh-keygen -p -m "$fmt" -N abcd -f o_short
  run s_err "$SK" -p -m "$fmt" -N abcd -f s_short
  sed -i 's/[os]_short/F/g' o_err.out s_err.out o_err.err s_err.err
  same "-p -m $fmt with a short passphrase" o_err s_err rc out err
  expect_file "-p -m $fmt with a short passphrase keeps the key" o_ecdsa256.plain s_short
done
run o_err ssh-keygen -i -f o_ecdsa256.plain.pub
run s_err "$SK" -i -f o_ecdsa256.plain.pub
same "-i of an OpenSSH public key" o_err s_err rc out err
cp o_ed25519.plain open && chmod 644 open
run o_err ssh-keygen -y -f open
run s_err "$SK" -y -f open
same "private key readable by others" o_err s_err rc out err
for args in -y -l -p -c -e -i "-F host"; do
  # shellcheck disable=SC2086
  run o_err ssh-keygen $args -f missing
  # shellcheck disable=SC2086
  run s_err "$SK" $args -f missing
  same "missing file ($args)" o_err s_err rc out err
done
for args in "-t bad" "-t ecdsa -b 100" "-b x" "-b" "-Z nosuch" "-m nosuch" "-E nosuch" "-a 0" "-p -c" "-l -H" "-x" "extra"; do
  # shellcheck disable=SC2086
  run o_err ssh-keygen $args -N '' -f never
  # shellcheck disable=SC2086
  run s_err "$SK" $args -N '' -f never
  # The usage text lists what each program supports; the message before it is the same.
  sed -i '/^usage:/,$d' o_err.err s_err.err
  same "bad arguments ($args)" o_err s_err rc out err
  [[ ! -e never ]] || die "bad arguments ($args) still wrote a key"
done
# What skiff-keygen does not implement fails loudly, never silently.
for args in "-t dsa" "-t ed25519-sk" "-s ca -I id x.pub" "-M generate out" "-K" "-O resident" "-Y sign -n x" "-L" "-B"; do
  # shellcheck disable=SC2086
  run s_err "$SK" $args -N '' -f never
  [[ $(cat s_err.rc) != 0 ]] || die "skiff-keygen $args succeeded"
  grep -q 'not supported' s_err.err || { cat s_err.err >&2; die "skiff-keygen $args: no clear message"; }
  [[ ! -e never ]] || die "skiff-keygen $args wrote a key"
done

log "passed: $CHECKS comparisons in $((SECONDS - START)) s"
