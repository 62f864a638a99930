#!/usr/bin/env bash
# Runs khaothi's libFuzzer targets (fuzz/libfuzzer, docs/fuzzing.md) one after the other, each in
# one process (one core), and prints each target's executions and whether it crashed.
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [target ...]   (default: 60 s each, every target;
#                                                              with both, whichever comes first)
#
# Needs a nightly toolchain and cargo-fuzz (installed from crates.io when missing). Without
# nightly it says so and exits 0: the stable run of the same targets is
# `cargo test -p khaothi-fuzz` (set PROPTEST_CASES for a longer one). New inputs libFuzzer finds go
# to fuzz/libfuzzer/corpus/<target> (not committed); crashes to fuzz/libfuzzer/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT=()
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) LIMIT+=("-max_total_time=$2"); shift 2 ;;
    --runs) LIMIT+=("-runs=$2"); shift 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
((${#LIMIT[@]})) || LIMIT=(-max_total_time=60)
if ((${#TARGETS[@]} == 0)); then
  mapfile -t TARGETS < <(ls fuzz/libfuzzer/fuzz_targets | sed 's/\.rs$//')
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain; the stable run of the targets is: cargo test -p khaothi-fuzz"
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# No sanitizer: the code is safe Rust (unsafe_code = forbid); what fuzzing finds here is panics,
# overflows (debug assertions are on) and broken invariants, which need no ASan and run faster.
FLAGS=(--fuzz-dir fuzz/libfuzzer -s none -a)
cargo +nightly fuzz build "${FLAGS[@]}"
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/libfuzzer/corpus/$t" "fuzz/libfuzzer/artifacts/$t"
  log=$(mktemp)
  if cargo +nightly fuzz run "${FLAGS[@]}" "$t" "fuzz/libfuzzer/corpus/$t" "fuzz/corpus/$t" -- \
      "${LIMIT[@]}" -print_final_stats=1 -rss_limit_mb=2048 \
      -artifact_prefix="fuzz/libfuzzer/artifacts/$t/" >"$log" 2>&1; then
    verdict="no crash"
  else
    verdict="CRASH (see fuzz/libfuzzer/artifacts/$t/)"
    failed=1
    tail -40 "$log" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz: $t: $runs executions ($secs/s), $verdict"
  rm -f "$log"
done
exit "$failed"
