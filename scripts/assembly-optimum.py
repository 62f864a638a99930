#!/usr/bin/env python3
"""The HiGHS optimum of a simultaneous assembly model, to measure the default assembly against.

    cargo run --release -p khaothi-assembly --example bench_assembly -- --forms 4 --write-mps m.mps
    python3 scripts/assembly-optimum.py m.mps [--time-limit 300] [--gap 0.001]

The model (crates/assembly/src/mps.rs) minimises −y, y the smallest information over forms and
θ points; this prints one JSON object with the best smallest information found (`optimum`), the
proven upper bound on it (`bound`), their relative gap, HiGHS's status and the seconds it took.
Needs the `highspy` package (pip install highspy): a benchmark tool, not a product dependency.
"""

import argparse
import json
import os
import time

import highspy
import numpy as np


def add_pair_count_cuts(h, forms):
    """Rows valid for every 0-1 solution that the LP relaxation of the model lacks.

    The model's columns are y, then x[f][k] (form f, unit k), then z[f,g][k] for each pair f < g
    (crates/assembly/src/model.rs). A unit on m forms is shared by m(m-1)/2 pairs of forms, so
    Σ_{f<g} z[f,g][k] ≥ m(m-1)/2 with m = Σ_f x[f][k]; m(m-1)/2 is convex in m and equals the line
    j·m − j(j+1)/2 at m = j and j + 1, so the rows Σ z ≥ j·Σ_f x − j(j+1)/2 (j = 1 … forms − 1)
    hold for every integer m. The LP relaxation meets z ≥ x_f + x_g − 1 with x = ½ and z = 0;
    these rows make it pay for spreading a strong unit thinly over many forms. They cut off no
    integer solution, so the optimum is unchanged; only the bound tightens. Returns the rows added.
    """
    lp = h.getLp()
    ncol = lp.num_col_
    pairs = forms * (forms - 1) // 2
    n = (ncol - 1) // (forms + pairs)
    if pairs == 0 or 1 + (forms + pairs) * n != ncol:
        raise SystemExit(f"{ncol} columns do not fit y, x[{forms}][N] and z[{pairs}][N]")
    lower, upper, starts, index, value = [], [], [0], [], []
    for k in range(n):
        xs = [1 + f * n + k for f in range(forms)]
        zs = [1 + forms * n + p * n + k for p in range(pairs)]
        for j in range(1, forms):
            # Σ z − j Σ x ≥ −j(j+1)/2
            index += zs + xs
            value += [1.0] * pairs + [-float(j)] * forms
            starts.append(len(index))
            lower.append(-j * (j + 1) / 2)
            upper.append(highspy.kHighsInf)
    m = len(lower)
    h.addRows(m, np.array(lower), np.array(upper), len(index), np.array(starts[:-1], dtype=np.int32),
              np.array(index, dtype=np.int32), np.array(value))
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mps")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--gap", type=float, default=0.001)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--forms", type=int, default=0,
                    help="add the pair-count rows (see add_pair_count_cuts) for this many forms")
    ap.add_argument("--lp", action="store_true", help="solve the LP relaxation only (its bound)")
    args = ap.parse_args()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("mip_rel_gap", args.gap)
    h.setOptionValue("threads", args.threads)
    started = time.monotonic()
    h.readModel(args.mps)
    cuts = add_pair_count_cuts(h, args.forms) if args.forms > 1 else 0
    if args.lp:
        lp = h.getLp()
        h.changeColsIntegrality(lp.num_col_, np.arange(lp.num_col_, dtype=np.int32),
                                np.array([highspy.HighsVarType.kContinuous] * lp.num_col_))
    h.run()
    info = h.getInfo()
    optimum = -info.objective_function_value
    bound = -info.objective_function_value if args.lp else -info.mip_dual_bound
    print(json.dumps({
        "model": os.path.basename(args.mps),
        "status": h.modelStatusToString(h.getModelStatus()),
        "optimum": optimum,
        "bound": bound,
        "gap": (bound - optimum) / abs(bound) if bound else None,
        "pair_count_rows": cuts,
        "lp_relaxation": args.lp,
        "seconds": round(time.monotonic() - started, 1),
        "highs": h.version(),
        "load_average": open("/proc/loadavg").read().split()[:3],
    }))


if __name__ == "__main__":
    main()
