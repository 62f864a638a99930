#!/usr/bin/env python3
"""Server CPU per acknowledged answer in steady state, product against the bare server (issue 17,
docs/benchmarks.md "Issue 17 targets 2 and 4: the answer path").

Starts one server (`--kind product` or `bare`, fresh SQLite data, as scripts/bench_delivery_limit.py
does), drives it with `khaothi loadtest` (no drops), waits `--warmup` seconds for the logins to end,
then over `--window` seconds reads the server's user + system CPU from /proc/<pid>/stat and the
rows its response table gained (counted from the database file by a reader beside the server, so
the count costs the server nothing). Prints one JSON object: CPU µs per answer, answers/s in the
window, the server's write-family syscalls and bytes written per answer (`syscw`, `wchar` of
/proc/<pid>/io: SQLite's WAL, checkpoint and temporary-file writes; the acks' socket writes are
small beside them), the server's RSS, the load average, and the load test's report.

With `--perf FILE`, `perf record -g` samples the server during the window (`perf report -i FILE
--no-children` for the top entries; `--sort pid,dso` splits them by thread). The release build has
no frame pointers: `--perf-call-graph dwarf,16384` (with a short `--window`, the file grows fast)
gives whole call chains for `perf report --children`.

CPU per answer is steadier than latency on a shared machine, but still approximate: alternate the
binaries being compared in one session and report ratios.

    python3 scripts/bench_answer_cpu.py --kind product --candidates 10000 --interval 1
    python3 scripts/bench_answer_cpu.py --kind bare --candidates 10000 --interval 1
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_delivery_limit as limit  # noqa: E402


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15)


def io_counters(pid):
    """The server's write-family syscalls and the bytes they passed (`syscw`, `wchar` of
    /proc/<pid>/io): SQLite's WAL and checkpoint writes, and the sockets' (small) frames."""
    with open(f"/proc/{pid}/io") as f:
        fields = dict(line.split(":") for line in f)
    return int(fields["syscw"]), int(fields["wchar"])


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def stored(db, table):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        c.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--khaothi", default="target/release/khaothi")
    p.add_argument("--bare", default="target/release/examples/bare_ack_server")
    p.add_argument("--items", default="item-bank-samples/toan.jsonl")
    p.add_argument("--kind", choices=["product", "bare"], required=True)
    p.add_argument("--candidates", type=int, default=10000)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--login-concurrency", type=int, default=200)
    p.add_argument("--warmup", type=float, default=25.0, help="seconds before the window (the logins)")
    p.add_argument("--window", type=float, default=20.0)
    p.add_argument("--perf", default="", help="perf record -g output file for the window")
    p.add_argument("--perf-call-graph", default="fp",
                   help="perf's --call-graph mode (fp; dwarf,16384 unwinds code built without frame pointers)")
    args = p.parse_args()
    args.disconnect_rate, args.storm_at, args.server_log = 0.0, 0.0, ""
    duration = int(args.warmup + args.window + 5)
    with tempfile.TemporaryDirectory(prefix="khaothi-cpu-") as tmp:
        args.board_key = os.path.join(tmp, "board.key")
        keygen = subprocess.run([args.khaothi, "package", "keygen", "--out", args.board_key],
                                capture_output=True, text=True, check=True)
        args.board_public = keygen.stdout.strip()
        proc, port = limit.start(args.kind, args, tmp, 1)
        if args.kind == "product":
            db, table = os.path.join(tmp, "product-1", "delivery.db"), "dl_responses"
        else:
            db, table = os.path.join(tmp, "bare-1.sqlite"), "response"
        try:
            cmd = [args.khaothi, "loadtest", "--url", f"http://127.0.0.1:{port}",
                   "--candidates", str(args.candidates), "--duration", str(duration),
                   "--answer-interval", str(args.interval), "--disconnect-rate", "0",
                   "--server-pid", str(proc.pid), "--processes", str(args.processes),
                   "--login-concurrency", str(args.login_concurrency)]
            if args.kind == "bare":
                cmd.append("--bare")
            else:
                cmd += ["--signing-key", args.board_key, "--items", args.items]
            swarm = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(args.warmup)
            perf = None
            if args.perf:
                perf = subprocess.Popen(["perf", "record", "--call-graph", args.perf_call_graph, "-F", "499", "-o", args.perf,
                                         "-p", str(proc.pid), "--", "sleep", str(args.window)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu0, rows0, t0 = cpu_seconds(proc.pid), stored(db, table), time.time()
            io0 = io_counters(proc.pid)
            time.sleep(args.window)
            cpu1, rows1, t1 = cpu_seconds(proc.pid), stored(db, table), time.time()
            io1 = io_counters(proc.pid)
            rss, load = rss_mb(proc.pid), os.getloadavg()[0]
            if perf:
                perf.wait()
            out, err = swarm.communicate()
            if swarm.returncode != 0:
                sys.exit(f"loadtest failed:\n{err[-2000:]}")
            report = json.loads(out.strip().splitlines()[-1])
        finally:
            limit.stop(proc)
    answers = rows1 - rows0
    result = {
        "kind": args.kind,
        "candidates": args.candidates,
        "interval": args.interval,
        "window_s": round(t1 - t0, 2),
        "answers_in_window": answers,
        "answers_per_s": round(answers / (t1 - t0), 1),
        "server_cpu_s": round(cpu1 - cpu0, 2),
        "cpu_us_per_answer": round((cpu1 - cpu0) * 1e6 / answers, 1) if answers else None,
        "write_calls_per_answer": round((io1[0] - io0[0]) / answers, 2) if answers else None,
        "bytes_written_per_answer": round((io1[1] - io0[1]) / answers) if answers else None,
        "server_rss_mb": round(rss, 1),
        "load_average": round(load, 2),
        "all_in_ms": report.get("all_in_ms"),
        "steady_ack_p99_ms": report.get("steady_ack_p99_ms"),
        "answers_lost": report.get("answers_lost"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
