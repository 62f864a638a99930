#!/usr/bin/env bash
# Runs khaothi's libFuzzer targets (docs/fuzzing.md) one after the other, each in one process (one
# core), and prints each target's executions and whether it crashed: the outsider-facing targets of
# fuzz/libfuzzer and the file readers' targets of fuzz/readers (read_docx, read_qti, …).
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [target ...]   (default: 60 s each, every target;
#                                                              with both, whichever comes first)
#
# Needs a nightly toolchain and cargo-fuzz (installed from crates.io when missing). Without
# nightly it says so and exits 0: the stable run of the same targets is
# `cargo test -p khaothi-fuzz` and `cargo test -p khaothi-interop --test fuzz_corpus` (set
# PROPTEST_CASES for a longer one). New inputs libFuzzer finds go to <project>/corpus/<target> (not
# committed); crashes to <project>/artifacts/<target>, where <project> is fuzz/libfuzzer or
# fuzz/readers.
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
PROJECTS=(fuzz/libfuzzer fuzz/readers)
if ((${#TARGETS[@]} == 0)); then
  mapfile -t TARGETS < <(ls fuzz/libfuzzer/fuzz_targets fuzz/readers/fuzz_targets | grep '\.rs$' | sed 's/\.rs$//')
fi
project_of() {
  local p
  for p in "${PROJECTS[@]}"; do
    [[ -f "$p/fuzz_targets/$1.rs" ]] && { echo "$p"; return; }
  done
  echo "fuzz: no target $1 in ${PROJECTS[*]}" >&2
  exit 2
}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain; the stable run of the targets is: cargo test -p khaothi-fuzz"
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# No sanitizer: the code is safe Rust (unsafe_code = forbid); what fuzzing finds here is panics,
# overflows (debug assertions are on) and broken invariants, which need no ASan and run faster.
# -O -a: an optimised build with debug assertions (overflow checks) on.
FLAGS=(-O -s none -a)
for p in "${PROJECTS[@]}"; do
  for t in "${TARGETS[@]}"; do
    if [[ $(project_of "$t") == "$p" ]]; then
      cargo +nightly fuzz build --fuzz-dir "$p" "${FLAGS[@]}"
      break
    fi
  done
done
failed=0
for t in "${TARGETS[@]}"; do
  p=$(project_of "$t")
  mkdir -p "$p/corpus/$t" "$p/artifacts/$t"
  log=$(mktemp)
  # Inputs up to 256 KiB: the Word and spreadsheet seeds are zip packages of tens of KiB.
  if cargo +nightly fuzz run --fuzz-dir "$p" "${FLAGS[@]}" "$t" "$p/corpus/$t" "fuzz/corpus/$t" -- \
      "${LIMIT[@]}" -print_final_stats=1 -rss_limit_mb=2048 -max_len=262144 \
      -artifact_prefix="$p/artifacts/$t/" >"$log" 2>&1; then
    verdict="no crash"
  else
    verdict="CRASH (see $p/artifacts/$t/)"
    failed=1
    tail -40 "$log" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz: $t: $runs executions ($secs/s), $verdict"
  rm -f "$log"
done
exit "$failed"
