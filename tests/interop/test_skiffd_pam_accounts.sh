#!/usr/bin/env bash
# skiffd's PAM tests that need real accounts (tests/unit/skiffd/pam_test.cpp skips them
# without one): password and keyboard-interactive through the "skiffd" PAM service for
# an account with a known password, and an expired password changed through PAM. The
# unit test binary runs them with accounts made here: the test user with a password for
# this test, and a throwaway account "skiffexp" with an expired password, removed at exit.
source "$(dirname "$0")/lib.sh"
require_root "to create accounts and use PAM"
[[ -f /etc/pam.d/skiffd ]] || die "/etc/pam.d/skiffd is missing (scripts/setup.sh installs it)"
UNIT=$SKIFF_BUILD_DIR/tests/skiff_unit_tests
[[ -x $UNIT ]] || die "$UNIT not built"
set_test_user_password

EXP=skiffexp
id "$EXP" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /bin/sh "$EXP"
on_exit "userdel $EXP >/dev/null 2>&1"
printf '%s:%s\n' "$EXP" "$TEST_USER_PASSWORD" | chpasswd
chage -d 0 "$EXP"

out=$SKIFF_T/unit.log
SKIFF_PAM_USER=$TEST_USER SKIFF_PAM_PASSWORD=$TEST_USER_PASSWORD SKIFF_PAM_CHANGE_USER=$EXP \
  "$UNIT" --gtest_filter='SkiffdPam.*' >"$out" 2>&1 || { cat "$out" >&2; die "the PAM unit tests failed"; }
grep -q 'SKIPPED' "$out" && { cat "$out" >&2; die "a PAM test was skipped although its accounts exist"; }
grep -E '^\[  PASSED  \]' "$out" >&2
log "all cases passed"
