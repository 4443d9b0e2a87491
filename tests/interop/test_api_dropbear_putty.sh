#!/usr/bin/env bash
# The public API's server side (examples/exec_server) against Dropbear's dbclient and
# PuTTY's plink: public-key login, exec and exit codes.
source "$(dirname "$0")/lib.sh"
require_cmd ssh-keygen dbclient dropbearconvert plink puttygen
SERVER=$SKIFF_BUILD_DIR/examples/exec_server
[[ -x $SERVER ]] || die "examples not built under $SKIFF_BUILD_DIR/examples"

make_user_key ed25519 "$SKIFF_T/id"
to_dropbear_key "$SKIFF_T/id" "$SKIFF_T/id.dropbear"
to_putty_key "$SKIFF_T/id" "$SKIFF_T/id.ppk"

"$SERVER" -p 0 -u carol --authorized-keys "$SKIFF_T/id.pub" >"$SKIFF_T/server.out" 2>"$SKIFF_T/server.log" </dev/null &
track_pid $!
for _ in $(seq 50); do grep -q '^listening' "$SKIFF_T/server.out" && break; sleep 0.1; done
PORT=$(sed -n 's/^listening on .* port \([0-9]*\)$/\1/p' "$SKIFF_T/server.out")
[[ -n $PORT ]] || die "exec_server did not start: $(cat "$SKIFF_T/server.log")"
sed -n 's/^host key: //p' "$SKIFF_T/server.out" >"$SKIFF_T/hostkey.pub"
FP=$(key_fingerprint "$SKIFF_T/hostkey.pub")

# dbclient
: >"$SKIFF_T/dbclient.log"
run_dbclient "$SKIFF_T/dbclient.log" "$PORT" -i "$SKIFF_T/id.dropbear" carol@127.0.0.1 echo from dropbear ||
  die "dbclient exec failed"
grep -qx 'from dropbear' "$SKIFF_T/dbclient.log" || die "dbclient did not print the echo"
for code in 0 9 200; do
  rc=0
  run_dbclient "$SKIFF_T/dbclient.log" "$PORT" -i "$SKIFF_T/id.dropbear" carol@127.0.0.1 exit "$code" || rc=$?
  [[ $rc == "$code" ]] || die "dbclient exit $code returned $rc"
done
log "dbclient -> exec_server: publickey, exec, exit codes"

# plink, with the host key pinned by fingerprint
: >"$SKIFF_T/plink.log"
run_plink "$SKIFF_T/plink.log" "$PORT" -hostkey "$FP" -i "$SKIFF_T/id.ppk" carol@127.0.0.1 echo from plink ||
  die "plink exec failed"
grep -qx 'from plink' "$SKIFF_T/plink.log" || die "plink did not print the echo"
for code in 0 5 255; do
  rc=0
  run_plink "$SKIFF_T/plink.log" "$PORT" -hostkey "$FP" -i "$SKIFF_T/id.ppk" carol@127.0.0.1 exit "$code" || rc=$?
  [[ $rc == "$code" ]] || die "plink exit $code returned $rc"
done
log "plink -> exec_server: publickey, exec, exit codes"
log "PASS"
