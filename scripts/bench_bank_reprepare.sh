#!/bin/bash
# How many times SQLite compiled the bank's SQL during a fixed mix of requests (docs/benchmarks.md,
# "The bank's reads by key on SQLite"). Needs root (uprobes) and Linux perf.
#
#   scripts/bench_bank_reprepare.sh BINARY [ROUNDS] [PORT]
#
# BINARY is a khaothi binary (debug or release). The script strips a copy of its debug information
# (perf finds the C symbols of the bundled SQLite by the symbol table then), loads the sample bank
# with `khaothi demo --load-only`, starts `khaothi bank serve` alone, warms it up with 5 rounds,
# then counts `sqlite3Reprepare` and `sqlite3LockAndPrepare` (with the SQL text) while
# scripts/bench_bank_requests.py runs ROUNDS rounds of 10 requests. The counts do not depend on
# the machine's load. Prints them and the statements compiled, most frequent first.
set -euo pipefail
BIN=$(realpath "$1"); ROUNDS=${2:-100}; PORT=${3:-18480}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${BENCH_WORK:-/tmp}/bank-reprepare.XXXXXX")  # BENCH_WORK: where the copy and the data go
TAG=b$$
objcopy --strip-debug "$BIN" "$WORK/khaothi"
perf probe -q -x "$WORK/khaothi" --add "rp_$TAG=sqlite3Reprepare"
perf probe -q -x "$WORK/khaothi" --add "prep_$TAG=sqlite3LockAndPrepare sql=+0(%si):string"
cleanup() { perf probe -q -d "probe_khaothi:*_$TAG" || true; kill "${PID:-}" 2>/dev/null || true; }
trap cleanup EXIT
"$WORK/khaothi" demo --load-only --data-dir "$WORK/data" --samples "$HERE/item-bank-samples" > "$WORK/demo.log" 2>&1
KHAOTHI_LOG=warn KHAOTHI__BANK__DATA_DIR="$WORK/data" KHAOTHI__BANK__LISTEN="127.0.0.1:$PORT" \
  "$WORK/khaothi" bank serve > "$WORK/bank.log" 2>&1 &
PID=$!
for _ in $(seq 120); do curl -sf "127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
python3 "$HERE/scripts/bench_bank_requests.py" --url "http://127.0.0.1:$PORT" --rounds 5 > /dev/null
perf record -q -e "probe_khaothi:rp_$TAG" -e "probe_khaothi:prep_$TAG" -p "$PID" -o "$WORK/perf.data" &
PERF=$!
sleep 2
python3 "$HERE/scripts/bench_bank_requests.py" --url "http://127.0.0.1:$PORT" --rounds "$ROUNDS"
sleep 1
kill -INT "$PERF"; wait "$PERF" || true
perf script -i "$WORK/perf.data" 2> /dev/null | tr -d '\0' > "$WORK/perf.txt"
echo "re-prepares: $(grep -ac "rp_$TAG:" "$WORK/perf.txt" || true)"
echo "statements compiled: $(grep -ac "prep_$TAG:" "$WORK/perf.txt" || true)"
echo "  without BEGIN/COMMIT: $(grep -a "prep_$TAG:" "$WORK/perf.txt" | grep -avc 'sql="\(BEGIN\|COMMIT\|ROLLBACK\)' || true)"
grep -a "prep_$TAG:" "$WORK/perf.txt" | sed 's/.*sql="//' | cut -c1-100 | sort | uniq -c | sort -rn | head -8
rm -rf "$WORK"
