#!/usr/bin/env bash
# Side-by-side 2PL calibration: `khaothi calibrate` vs the Python package girth (twopl_mml),
# end to end (process start and CSV reading included), on the same simulated 50,000 × 40 file.
#
#   [SEED=n] crates/irt/benches/girth_compare.sh [PERSONS] [ITEMS]
#
# Needs python3 with venv and network access to PyPI for `pip install girth` (into a venv under
# /tmp, never committed). Not run by .ci/run. Prints both timings, the ratio and the parameter
# recovery (RMSE of a and b against the generating values) of each program.
set -euo pipefail
PERSONS=${1:-50000}
ITEMS=${2:-40}
SEED=${SEED:-20240601}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=${WORK:-/tmp/khaothi-girth}
VENV=${VENV:-/tmp/khaothi-girth-venv}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet girth
fi
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p khaothi)
KHAOTHI="$TARGET/release/khaothi"

# data: seeded numpy simulation, written once for both programs
"$VENV/bin/python" - "$PERSONS" "$ITEMS" "$WORK" "$SEED" <<'PY'
import json, sys
import numpy as np
n, j, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(int(sys.argv[4]))
a = rng.uniform(0.7, 2.0, j)
b = np.clip(rng.normal(0, 1, j), -2.5, 2.5)
theta = rng.normal(0, 1, n)
p = 1 / (1 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
x = (rng.uniform(size=(n, j)) < p).astype(np.uint8)
ids = [f"Q{k+1:03d}" for k in range(j)]
with open(f"{work}/responses.csv", "w") as f:
    f.write(",".join(ids) + "\n")
    np.savetxt(f, x, fmt="%d", delimiter=",")
json.dump({"ids": ids, "a": a.tolist(), "b": b.tolist()}, open(f"{work}/truth.json", "w"))
PY

cat > "$WORK/run_girth.py" <<'PY'
import json, sys
import numpy as np
from girth import twopl_mml
data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.int64)
est = twopl_mml(data.T)  # girth wants items × persons
json.dump({"a": np.asarray(est["Discrimination"]).tolist(), "b": np.asarray(est["Difficulty"]).tolist()},
          open(sys.argv[2], "w"))
PY

# girth's twopl_mml returns no standard errors, so the like-for-like run is `--no-se`; the run
# with standard errors (khaothi's default) is timed too.
t0=$(date +%s.%N)
"$KHAOTHI" calibrate --model 2pl --input "$WORK/responses.csv" --output "$WORK/khaothi.json" --no-se
t1=$(date +%s.%N)
"$VENV/bin/python" "$WORK/run_girth.py" "$WORK/responses.csv" "$WORK/girth.json"
t2=$(date +%s.%N)
"$KHAOTHI" calibrate --model 2pl --input "$WORK/responses.csv" --output "$WORK/khaothi-se.json"
t3=$(date +%s.%N)

"$VENV/bin/python" - "$WORK" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, sys
import numpy as np
work, t0, t1, t2, t3 = sys.argv[1], *map(float, sys.argv[2:])
truth = json.load(open(f"{work}/truth.json"))
k = json.load(open(f"{work}/khaothi.json"))
g = json.load(open(f"{work}/girth.json"))
ka = np.array([i["a"] for i in k["items"]]); kb = np.array([i["b"] for i in k["items"]])
ta, tb = np.array(truth["a"]), np.array(truth["b"])
rm = lambda x, y: float(np.sqrt(np.mean((np.asarray(x) - y) ** 2)))
tk, tg = t1 - t0, t2 - t1
print(json.dumps({
    "khaothi_s": round(tk, 3), "girth_s": round(tg, 3), "ratio": round(tg / tk, 1),
    "khaothi_with_se_s": round(t3 - t2, 3), "ratio_with_se": round(tg / (t3 - t2), 1),
    "khaothi_rmse_a": rm(ka, ta), "khaothi_rmse_b": rm(kb, tb),
    "girth_rmse_a": rm(g["a"], ta), "girth_rmse_b": rm(g["b"], tb),
    "khaothi_rmse_all": rm(np.r_[ka, kb], np.r_[ta, tb]), "girth_rmse_all": rm(np.r_[g["a"], g["b"]], np.r_[ta, tb]),
}, indent=2))
PY
