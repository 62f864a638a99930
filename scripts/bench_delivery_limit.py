#!/usr/bin/env python3
"""The delivery server against its limit, side by side (issue 17 target 4, docs/benchmarks.md).

Starts the product (`khaothi delivery serve`, fresh SQLite data) and the bare ack-after-fsync
server (`bare_ack_server`, the example of khaothi-loadtest), each as its own process and afresh
for every run, drives both with the same `khaothi loadtest`, and prints one JSON object: both
reports at the target load, a saturation sweep of each (the answer rate where p99 passes 50 ms)
and the ratios — product p99 / bare p99 at the target load, and product / bare throughput at
saturation (the highest acknowledged rate whose p99 stayed ≤ 50 ms).

Build first (release):
    cargo build --release -p khaothi --bin khaothi
    cargo build --release -p khaothi-loadtest --example bare_ack_server
Then:
    python3 scripts/bench_delivery_limit.py --candidates 10000 --duration 60 --interval 2

`--loadtest BIN` runs the load generator from another build than the server (`--khaothi`);
`--server-log PREFIX` keeps the product server's stderr; the ports are 18090/18091 unless
KHAOTHI_BENCH_PRODUCT_PORT / KHAOTHI_BENCH_BARE_PORT say otherwise.

A benchmark, not a test: it takes minutes and its figures depend on the machine's load (the load
average is printed with them).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

PRODUCT_PORT = int(os.environ.get("KHAOTHI_BENCH_PRODUCT_PORT", "18090"))
BARE_PORT = int(os.environ.get("KHAOTHI_BENCH_BARE_PORT", "18091"))


def wait_healthy(port, proc, limit=60):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server on port {port} exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server on port {port} did not answer /healthz")


def start(kind, args, tmp, run_no):
    if kind == "product":
        data = os.path.join(tmp, f"product-{run_no}")
        os.makedirs(data, mode=0o700)
        env = dict(os.environ,
                   KHAOTHI__DELIVERY__LISTEN=f"127.0.0.1:{PRODUCT_PORT}",
                   KHAOTHI__DELIVERY__DATA_DIR=data,
                   KHAOTHI__DELIVERY__BOARD_PUBLIC_KEY=args.board_public,
                   KHAOTHI__DELIVERY__DEMO="true")
        log = open(f"{args.server_log}-{run_no}.log", "w") if args.server_log else subprocess.DEVNULL
        proc = subprocess.Popen([args.khaothi, "delivery", "serve"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
        port = PRODUCT_PORT
    else:
        db = os.path.join(tmp, f"bare-{run_no}.sqlite")
        proc = subprocess.Popen([args.bare, f"127.0.0.1:{BARE_PORT}", db],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = BARE_PORT
    wait_healthy(port, proc)
    return proc, port


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def loadtest(kind, args, tmp, run_no, candidates, duration, interval):
    proc, port = start(kind, args, tmp, run_no)
    try:
        cmd = [args.loadtest or args.khaothi, "loadtest", "--url", f"http://127.0.0.1:{port}",
               "--candidates", str(candidates), "--duration", str(duration),
               "--answer-interval", str(interval), "--disconnect-rate", str(args.disconnect_rate),
               "--server-pid", str(proc.pid), "--processes", str(args.processes),
               "--login-concurrency", str(args.login_concurrency)]
        if args.storm_at:
            cmd += ["--storm-at", str(args.storm_at)]
        if kind == "bare":
            cmd.append("--bare")
        else:
            cmd += ["--signing-key", args.board_key, "--items", args.items]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"loadtest against {kind} failed:\n{out.stderr[-2000:]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        report["load_average"] = round(os.getloadavg()[0], 2)
        print(f"{kind}: {candidates} candidates, interval {interval} s: p99 {report['ack_p99_ms']} ms, "
              f"{report['answers_per_s']} answers/s, lost {report['answers_lost']}, "
              f"failed {report.get('candidates_failed', 0)}, all in {report.get('all_in_ms')} ms, "
              f"CPU server {report.get('server_cpu_s')} s / load generator {report.get('client_cpu_s')} s",
              file=sys.stderr)
        for reason, n in sorted(report.get("failures_by_reason", {}).items(), key=lambda kv: -kv[1]):
            print(f"  failed: {n} × {reason}", file=sys.stderr)
        return report
    finally:
        stop(proc)


def saturation(kind, args, tmp, run_no):
    """The sweep's runs, and the highest acknowledged rate whose steady-state p99 stayed ≤ 50 ms.

    Steady state (answers sent after the last login) because saturation is a property of the
    answer rate: over a 30 s run the login ramp alone would decide the p99 (target 3 measures
    the ramp on its own)."""
    runs, best = [], 0.0
    for interval in args.sweep_intervals:
        run_no += 1
        r = loadtest(kind, args, tmp, run_no, args.sweep_candidates, args.sweep_duration, interval)
        runs.append({"interval": interval, "answers_per_s": r["answers_per_s"],
                     "ack_p99_ms": r["ack_p99_ms"], "steady_ack_p99_ms": r["steady_ack_p99_ms"],
                     "answers_lost": r["answers_lost"],
                     "candidates_failed": r.get("candidates_failed", 0),
                     "failures_by_reason": r.get("failures_by_reason", {})})
        if r["steady_ack_p99_ms"] <= 50.0:
            best = max(best, r["answers_per_s"])
        else:
            break  # past saturation: faster rates only queue more
    return runs, best, run_no


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--khaothi", default="target/release/khaothi")
    p.add_argument("--loadtest", default=None,
                   help="the khaothi binary that runs `loadtest` (default: --khaothi), e.g. a newer "
                        "load generator against an older server")
    p.add_argument("--server-log", default=None,
                   help="keep the product server's stderr (its warnings and errors) in PREFIX-<run>.log")
    p.add_argument("--bare", default="target/release/examples/bare_ack_server")
    p.add_argument("--items", default="item-bank-samples/toan.jsonl")
    p.add_argument("--candidates", type=int, default=10000)
    p.add_argument("--duration", type=int, default=60)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--disconnect-rate", type=float, default=0.01)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--login-concurrency", type=int, default=200)
    p.add_argument("--storm-at", type=float, default=0.0,
                   help="a reconnect storm this many seconds into each run (0: none)")
    p.add_argument("--kinds", default="bare,product", help="which servers to run, in order")
    p.add_argument("--sweep-candidates", type=int, default=10000)
    p.add_argument("--sweep-duration", type=int, default=30)
    p.add_argument("--sweep-intervals", default="2,1,0.5,0.25",
                   help="answer intervals of the saturation sweep, slowest first ('' skips it)")
    args = p.parse_args()
    args.sweep_intervals = [float(x) for x in args.sweep_intervals.split(",") if x]
    with tempfile.TemporaryDirectory(prefix="khaothi-limit-") as tmp:
        args.board_key = os.path.join(tmp, "board.key")
        keygen = subprocess.run([args.khaothi, "package", "keygen", "--out", args.board_key],
                                capture_output=True, text=True, check=True)
        args.board_public = keygen.stdout.strip()
        result, run_no = {"load_average_start": round(os.getloadavg()[0], 2)}, 0
        for kind in args.kinds.split(","):
            run_no += 1
            target = loadtest(kind, args, tmp, run_no, args.candidates, args.duration, args.interval)
            runs, best, run_no = saturation(kind, args, tmp, run_no)
            result[kind] = {"target": target, "sweep": runs, "saturation_answers_per_s": best}
        if "bare" not in result or "product" not in result:
            print(json.dumps(result))
            return
        bare, product = result["bare"], result["product"]
        bare_p99 = bare["target"]["ack_p99_ms"]
        result["p99_ratio"] = round(product["target"]["ack_p99_ms"] / bare_p99, 2) if bare_p99 else None
        bare_sat = bare["saturation_answers_per_s"]
        result["saturation_ratio"] = (round(product["saturation_answers_per_s"] / bare_sat, 2)
                                      if bare_sat else None)
        result["load_average_end"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
