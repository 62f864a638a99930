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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mps")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--gap", type=float, default=0.001)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("mip_rel_gap", args.gap)
    h.setOptionValue("threads", args.threads)
    started = time.monotonic()
    h.readModel(args.mps)
    h.run()
    info = h.getInfo()
    optimum = -info.objective_function_value
    bound = -info.mip_dual_bound
    print(json.dumps({
        "model": os.path.basename(args.mps),
        "status": h.modelStatusToString(h.getModelStatus()),
        "optimum": optimum,
        "bound": bound,
        "gap": (bound - optimum) / abs(bound) if bound else None,
        "seconds": round(time.monotonic() - started, 1),
        "highs": h.version(),
        "load_average": open("/proc/loadavg").read().split()[:3],
    }))


if __name__ == "__main__":
    main()
