#!/usr/bin/env bash
# Fuzzes the parsers of bytes from outside (tests/fuzz/) with libFuzzer under AddressSanitizer
# and UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     fuzz each harness for SECONDS (default 600)
#   scripts/fuzz.sh --replay [HARNESS...]      run every corpus input once, fuzzing nothing
#
# HARNESS is a name such as fuzz_wav or wav; all of them by default. The harnesses are built
# with clang in build-fuzz/ (IBLLM_FUZZ_BUILD_DIR to change it). New inputs go to
# build-fuzz/corpus-<name>/, never into the seed corpus tests/fuzz/corpus/<name>/; a crash, a
# leak, a sanitizer report, an input slower than the timeout or over the memory limit goes
# to tests/fuzz/crashes/, and so does an input slower than 1 s (slow-unit-*) while fuzzing.
# One line per harness: executions, coverage, the slowest input, findings (counted from that
# folder, so run one fuzz.sh at a time for the counts to be each harness's own). The exit code
# is non-zero when any harness found something.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${IBLLM_FUZZ_BUILD_DIR:-build-fuzz}

REPLAY=0
SECONDS_EACH=600
if [ "${1:-}" = "--replay" ]; then
  REPLAY=1
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  SECONDS_EACH=$1
  shift
fi

ALL=(fuzz_server_request fuzz_zip_reader fuzz_tensor_files fuzz_point_text fuzz_wav fuzz_clip_text
     fuzz_training_data fuzz_spm_decode fuzz_media_points_pcl fuzz_media_av fuzz_faiss_index fuzz_pickle)
HARNESSES=()
for h in "${@}"; do HARNESSES+=("fuzz_${h#fuzz_}"); done
[ ${#HARNESSES[@]} -eq 0 ] && HARNESSES=("${ALL[@]}")

# The longest input worth trying per format, and the per-input time limit (seconds).
max_len() {
  case $1 in
    fuzz_media_av) echo 32768 ;;
    fuzz_tensor_files|fuzz_zip_reader) echo 16384 ;;
    fuzz_server_request|fuzz_training_data|fuzz_media_points_pcl|fuzz_point_text|fuzz_wav) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ is missing; install clang and libclang-rt-14-dev (Debian 12) to build the harnesses." >&2
  exit 2
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  mkdir -p "$BUILD"
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIBLLM_FUZZ=ON \
    -DIBLLM_BUILD_TESTS=OFF >"$BUILD/configure.log" 2>&1 ||
    { echo "fuzz.sh: configuring $BUILD failed; see $BUILD/configure.log" >&2; exit 2; }
fi
cmake --build "$BUILD" --target "${HARNESSES[@]}" >"$BUILD/harnesses.log" 2>&1 ||
  { echo "fuzz.sh: building the harnesses failed; see $BUILD/harnesses.log" >&2; exit 2; }

mkdir -p tests/fuzz/crashes
status=0
for h in "${HARNESSES[@]}"; do
  name=${h#fuzz_}
  seeds=tests/fuzz/corpus/$name
  args=(-rss_limit_mb=4096 -timeout=10 -max_len="$(max_len "$h")" -print_final_stats=1)
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  log=$BUILD/$name.log
  if [ $REPLAY -eq 1 ]; then
    # Every seed once: a crash found earlier and fixed must stay fixed.
    mapfile -t inputs < <(find "$seeds" -type f | sort)
    "$BUILD/bin/$h" "${args[@]}" -runs=1 "${inputs[@]}" >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
      printf '%-24s replayed %d inputs: ok\n' "$h" "${#inputs[@]}"
    else
      printf '%-24s replay FAILED (exit %d); see %s\n' "$h" "$rc" "$log"
      grep -m3 -E "ERROR|runtime error|SUMMARY" "$log" | sed 's/^/    /'
      status=1
    fi
    continue
  fi
  scratch=$BUILD/corpus-$name
  mkdir -p "$scratch"
  before=$(find tests/fuzz/crashes -type f | wc -l)
  # The scratch folder first: libFuzzer writes the inputs it finds into the first folder.
  # An input slower than 1 s is saved as a finding too (slow-unit-*), though it does not stop
  # the run; the slowest one's time is printed.
  "$BUILD/bin/$h" "${args[@]}" -report_slow_units=1 -max_total_time="$SECONDS_EACH" \
    -artifact_prefix="tests/fuzz/crashes/$name-" "$scratch" "$seeds" >"$log" 2>&1
  rc=$?
  after=$(find tests/fuzz/crashes -type f | wc -l)
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+')
  slowest=$(grep -oE 'Slowest unit: [0-9]+ s' "$log" | grep -oE '[0-9]+' | sort -n | tail -1)
  found=$((after - before))
  printf '%-24s %10s executions in %4ss  %-22s slowest: %s  crashes: %d%s\n' "$h" "${runs:-?}" "${secs:-?}" \
    "${cov:-cov: ?}" "$([ -n "$slowest" ] && echo "${slowest} s" || echo "< 1 s")" "$found" \
    "$([ $rc -ne 0 ] && echo "  (exit $rc; see $log)")"
  [ $found -gt 0 ] || [ $rc -ne 0 ] && status=1
done
exit $status
