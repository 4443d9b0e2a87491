#!/usr/bin/env bash
# Installs dependencies, builds skiff and runs every test.
#
#   sudo bash scripts/test.sh        (or without sudo as root)
#
# Stages, in order (pick with SKIFF_TEST_STAGES; default "ctest sanitize fuzz"):
#   ctest     the normal build: unit, vector, pair, interop and install tests
#   sanitize  unit and pair tests again, built with AddressSanitizer and UBSan
#   fuzz      scripts/fuzz.sh: every libFuzzer target in fuzz/ built with clang-19 and
#             run for SKIFF_FUZZ_SECONDS each (default 20), saved regressions first
#
# Every stage runs even when an earlier one failed (except that nothing runs
# without a successful build), and the exit status is non-zero if any failed.
# The last lines are a summary; the very last is ctest's own summary line.
#
# SKIFF_BUILD_DIR     normal build directory (default build; the others get -asan, -fuzz)
# SKIFF_JOBS          parallel compile jobs (default: CPUs); SKIFF_TEST_JOBS for ctest (2)
# SKIFF_FUZZ_SECONDS  time per fuzz target (default 20); SKIFF_FUZZ_CC/CXX pick the clang
# SKIFF_SKIP_SETUP=1  do not run scripts/setup.sh (dependencies known to be installed)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

STAGES=${SKIFF_TEST_STAGES:-ctest sanitize fuzz}
BUILD_DIR=${SKIFF_BUILD_DIR:-build}
JOBS=${SKIFF_JOBS:-$(nproc)}
TEST_JOBS=${SKIFF_TEST_JOBS:-2}
FUZZ_SECONDS=${SKIFF_FUZZ_SECONDS:-20}

declare -A RESULT=()    # stage -> one-line result for the final summary
FAILED=0

banner() { printf '\n==================== %s ====================\n' "$*"; }

# run_ctest LOG ARGS...: ctest with its output also kept in LOG; sets CTEST_SUMMARY.
run_ctest() {
  local logf=$1
  shift
  ctest --output-on-failure --no-tests=error "$@" 2>&1 | tee "$logf"
  local rc=${PIPESTATUS[0]}
  CTEST_SUMMARY=$(grep -E '^[0-9]+% tests passed' "$logf" | tail -n 1)
  [[ -n $CTEST_SUMMARY ]] || CTEST_SUMMARY="ctest printed no summary (exit $rc)"
  return "$rc"
}

# has_target DIR NAME: the build in DIR defines target NAME.
has_target() { ninja -C "$1" -t query "$2" >/dev/null 2>&1; }

stage_ctest() {
  banner "build ($BUILD_DIR)"
  if ! SKIFF_BUILD_DIR=$BUILD_DIR SKIFF_JOBS=$JOBS bash scripts/build.sh; then
    RESULT[ctest]="FAILED: build failed"
    return 1
  fi
  banner "ctest ($BUILD_DIR)"
  if run_ctest "$BUILD_DIR/ctest.log" --test-dir "$BUILD_DIR" -j "$TEST_JOBS"; then
    RESULT[ctest]=$CTEST_SUMMARY
    return 0
  fi
  RESULT[ctest]="FAILED: $CTEST_SUMMARY"
  return 1
}

stage_sanitize() {
  local dir=$BUILD_DIR-asan targets=() t
  banner "sanitizer build ($dir)"
  if ! cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON \
    -DSKIFF_SANITIZE=ON -DSKIFF_BENCH=OFF; then
    RESULT[sanitize]="FAILED: configure failed"
    return 1
  fi
  # Only the unit and pair test programs (and what they link): the rest adds build time for nothing.
  for t in skiff_unit_tests skiff_pair_tests; do has_target "$dir" "$t" && targets+=("$t"); done
  if ((${#targets[@]} == 0)); then
    RESULT[sanitize]="FAILED: no unit or pair test targets"
    return 1
  fi
  if ! cmake --build "$dir" -j "$JOBS" --target "${targets[@]}"; then
    RESULT[sanitize]="FAILED: build failed"
    return 1
  fi
  banner "ctest under ASan+UBSan ($dir: unit, pair)"
  # The pair tests carry 32 MiB each way per cipher here instead of 1 GiB: the point is
  # what the sanitizers see, not volume.
  if SKIFF_PAIR_BYTES=${SKIFF_PAIR_BYTES:-33554432} \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_ctest "$dir/ctest.log" --test-dir "$dir" -L '^(unit|pair)$' -j "$TEST_JOBS"; then
    RESULT[sanitize]=$CTEST_SUMMARY
    return 0
  fi
  RESULT[sanitize]="FAILED: $CTEST_SUMMARY"
  return 1
}

# The fuzz runs themselves are scripts/fuzz.sh (clang-19, seeds, regressions); this
# stage runs it into its own build directory and keeps its last line for the summary.
stage_fuzz() {
  local dir=$BUILD_DIR-fuzz rc
  banner "fuzz (${FUZZ_SECONDS}s per target, $dir)"
  mkdir -p "$dir"
  SKIFF_FUZZ_BUILD_DIR=$dir SKIFF_FUZZ_SECONDS=$FUZZ_SECONDS SKIFF_JOBS=$JOBS \
    bash scripts/fuzz.sh 2>&1 | tee "$dir/fuzz-stage.log"
  rc=${PIPESTATUS[0]}
  if ((rc == 0)); then
    RESULT[fuzz]=$(grep -E '^fuzz: ' "$dir/fuzz-stage.log" | tail -n 1 | sed 's/^fuzz: //')
    return 0
  fi
  RESULT[fuzz]="FAILED: $(grep -E '^fuzz: ' "$dir/fuzz-stage.log" | tail -n 1 | sed -e 's/^fuzz: //' -e 's/^FAILED: //')"
  return 1
}

main() {
  banner "setup"
  if [[ ${SKIFF_SKIP_SETUP:-0} != 1 ]]; then
    bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }
  fi

  ORDER=()
  for s in $STAGES; do
    if ! declare -F "stage_$s" >/dev/null; then
      echo "test: unknown stage '$s' (known: ctest sanitize fuzz)" >&2
      exit 2
    fi
    ORDER+=("$s")
  done

  for s in "${ORDER[@]}"; do
    "stage_$s" || FAILED=1
  done

  banner "summary"
  for s in "${ORDER[@]}"; do
    printf '%-9s %s\n' "$s:" "${RESULT[$s]:-not run}"
  done
  if ((FAILED)); then
    echo "test: FAILED"
  else
    echo "test: all stages passed"
  fi
  # The very last line: ctest's own summary of the main test run, as ctest printed it.
  [[ -n ${RESULT[ctest]:-} ]] && printf '%s\n' "${RESULT[ctest]#FAILED: }"
  exit "$FAILED"
}

# One line, so that the whole script is parsed before anything runs (an edit to this
# file during a run cannot change what the running shell reads next).
main "$@"; exit $?
