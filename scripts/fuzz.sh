#!/usr/bin/env bash
# Builds skiff's libFuzzer targets (fuzz/fuzz_*.cpp) with clang and runs each one for a
# while, starting from its seed corpus. Exits non-zero if a target fails to build, or
# finds a crash, a sanitizer report, a leak, a timeout or runs out of memory.
#
#   bash scripts/fuzz.sh                 every target
#   bash scripts/fuzz.sh fuzz_version    only these targets
#
# Prints one line per target: "<target>: ok (<runs> runs, cov <edges>, corpus <units>)"
# or "<target>: FAILED (...)", with the end of the target's log after a failure.
#
# SKIFF_FUZZ_SECONDS    time per target (default 20)
# SKIFF_FUZZ_BUILD_DIR  build directory (default build-fuzz); the working corpus is kept
#                       in <dir>/corpus/<target>, crashing inputs go to <dir>/artifacts/
# SKIFF_FUZZ_CC, SKIFF_FUZZ_CXX   compilers (default clang-19, clang++-19: Debian 12's
#                       packages clang-19 and libclang-rt-19-dev; clang-14 cannot compile
#                       std::expected from g++ 12's libstdc++)
# SKIFF_JOBS            parallel compile jobs (default: CPUs)
#
# SKIFF_FUZZ_REGRESSIONS=0   skip the replay below
#
# Inputs in fuzz/regressions/<target>/ are run once before fuzzing: each is a crash
# that was found and must stay fixed (a target whose regressions fail is not fuzzed).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER=${SKIFF_FUZZ_SECONDS:-20}
DIR=${SKIFF_FUZZ_BUILD_DIR:-build-fuzz}
CC_=${SKIFF_FUZZ_CC:-clang-19}
CXX_=${SKIFF_FUZZ_CXX:-clang++-19}
JOBS=${SKIFF_JOBS:-$(nproc)}

# Largest input per target: big enough for what the target reads, small enough to stay fast.
max_len_for() {
  case $1 in
    fuzz_version) echo 4096 ;;
    fuzz_kexinit) echo 8192 ;;
    fuzz_packet_decoder) echo 16384 ;;
    fuzz_transport_server) echo 16384 ;;
    fuzz_kex_client) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

for tool in "$CC_" "$CXX_"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz: $tool not found (Debian 12: apt-get install clang-19 libclang-rt-19-dev)" >&2
    exit 1
  fi
done

names=()
if (($#)); then
  names=("$@")
else
  for src in fuzz/fuzz_*.cpp; do [[ -e $src ]] && names+=("$(basename "$src" .cpp)"); done
fi
if ((${#names[@]} == 0)); then
  echo "fuzz: no targets in fuzz/"
  exit 0
fi

echo "fuzz: building ${names[*]} in $DIR with $CXX_"
mkdir -p "$DIR"
if ! CC=$CC_ CXX=$CXX_ cmake -G Ninja -S . -B "$DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_FUZZ=ON \
  -DSKIFF_TESTS=OFF -DSKIFF_BENCH=OFF >"$DIR/configure.log" 2>&1; then
  cat "$DIR/configure.log"
  echo "fuzz: FAILED: configure failed"
  exit 1
fi
if ! cmake --build "$DIR" -j "$JOBS" --target "${names[@]}"; then
  echo "fuzz: FAILED: build failed"
  exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$DIR/artifacts"
failed=0
summary=()
for name in "${names[@]}"; do
  bin=$DIR/fuzz/$name
  log=$DIR/$name.log
  corpus=$DIR/corpus/$name
  mkdir -p "$corpus"
  rm -f "$DIR/$name.regressions.log"
  seeds=()
  [[ -d fuzz/corpus/$name ]] && seeds=("fuzz/corpus/$name")
  extra=()
  [[ -f fuzz/$name.dict ]] && extra=("-dict=fuzz/$name.dict")

  # Known crashes first: each must now pass.
  if [[ ${SKIFF_FUZZ_REGRESSIONS:-1} != 0 && -d fuzz/regressions/$name ]] &&
    compgen -G "fuzz/regressions/$name/*" >/dev/null; then
    bad=()
    for input in "fuzz/regressions/$name"/*; do
      if ! "$bin" -runs=1 -timeout=60 "$input" >>"$DIR/$name.regressions.log" 2>&1; then
        bad+=("$(basename "$input")")
      fi
    done
    if ((${#bad[@]})); then
      summary+=("$name: FAILED (regression inputs still crash: ${bad[*]}; see $DIR/$name.regressions.log)")
      grep -E 'invariant violated|ERROR: |SUMMARY: ' "$DIR/$name.regressions.log" | head -n 20
      failed=$((failed + 1))
      continue
    fi
  fi

  # The working corpus comes first: libFuzzer adds new inputs to the first directory only.
  timeout -k 10 $((SECONDS_PER + 300)) "$bin" -max_total_time="$SECONDS_PER" -max_len="$(max_len_for "$name")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$DIR/artifacts/$name-" \
    "${extra[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+')
  units=$(grep -Eo 'corp: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+')
  if ((rc == 0)); then
    summary+=("$name: ok (${runs:-?} runs, cov ${cov:-?}, corpus ${units:-?})")
  else
    artifact=$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/Test unit written to //')
    summary+=("$name: FAILED (exit $rc after ${runs:-?} runs; input ${artifact:-none written}; log $log)")
    echo "--- $name: last lines of $log"
    tail -n 60 "$log"
    failed=$((failed + 1))
  fi
done

echo
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "fuzz: FAILED: $failed of ${#names[@]} targets"
  exit 1
fi
echo "fuzz: ${#names[@]} targets ran ${SECONDS_PER}s each without a failure"
