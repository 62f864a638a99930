#!/usr/bin/env python3
"""WAL bytes per answer for layouts of the response log (issue 17, docs/benchmarks.md "CPU per
stored answer (stop 19)"): CANDIDATES candidates with UUID ids answer in random order, BATCH
answers a transaction, ROUNDS rounds; the WAL of the last five rounds is measured (it is never
checkpointed meanwhile, so its size is every frame written). Rows as the delivery server stores
them; `synchronous=OFF`, since only the page counts matter.

    python3 scripts/wal_bytes_by_layout.py 3000 50 30
"""

import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid

COLUMNS = ("candidate_id TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL, "
           "item_id TEXT NOT NULL, value TEXT NOT NULL, received_at TEXT NOT NULL")
KEY = "PRIMARY KEY (candidate_id, epoch, seq)"
LAYOUTS = {
    "today (rowid, hex hashes)": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER NOT NULL, prev_hash TEXT, hash TEXT, {KEY});"
        "CREATE INDEX r_cs ON r (chain_seq);", "hex"),
    "blob hashes": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER NOT NULL, prev_hash BLOB, hash BLOB, {KEY});"
        "CREATE INDEX r_cs ON r (chain_seq);", "blob"),
    "WITHOUT ROWID, blob hashes": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER NOT NULL, prev_hash BLOB, hash BLOB, {KEY})"
        " WITHOUT ROWID; CREATE INDEX r_cs ON r (chain_seq);", "blob"),
    "WITHOUT ROWID, hex hashes": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER NOT NULL, prev_hash TEXT, hash TEXT, {KEY})"
        " WITHOUT ROWID; CREATE INDEX r_cs ON r (chain_seq);", "hex"),
    "chain_seq INTEGER PRIMARY KEY, blob hashes": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER PRIMARY KEY, prev_hash BLOB, hash BLOB,"
        " UNIQUE (candidate_id, epoch, seq));", "blob"),
    "bare server (no chain)": (
        f"CREATE TABLE r ({COLUMNS}, chain_seq INTEGER, prev_hash BLOB, hash BLOB, {KEY});", None),
}


def run(sql, hashes, candidates, batch, rounds, path):
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=OFF")
    c.execute("PRAGMA wal_autocheckpoint=0")
    c.executescript(sql)
    ids = [str(uuid.uuid4()) for _ in range(candidates)]
    seqs, chain, commits = [0] * candidates, 0, 0
    order = list(range(candidates))
    for r in range(rounds):
        random.shuffle(order)
        for i in range(0, candidates, batch):
            c.execute("BEGIN")
            for k in order[i:i + batch]:
                seqs[k] += 1
                chain += 1
                h, p = os.urandom(32), os.urandom(32)
                if hashes == "hex":
                    h, p = h.hex(), p.hex()
                elif hashes is None:
                    h, p = None, None
                c.execute("INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?)",
                          (ids[k], 1, seqs[k], f"TOAN12-{seqs[k] % 40:04}", '"17"',
                           "2026-12-06T04:40:55.326811+00:00", chain, p, h))
            c.execute("COMMIT")
            commits += 1
        if r == rounds - 6:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            commits = 0
    wal = os.path.getsize(path + "-wal")
    c.close()
    return wal / (commits * batch), wal / 4120 / commits


def main():
    candidates, batch, rounds = (int(a) for a in (sys.argv[1:] + ["3000", "50", "30"][len(sys.argv) - 1:])[:3])
    random.seed(1)
    for name, (sql, hashes) in LAYOUTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            t = time.time()
            per_answer, pages = run(sql, hashes, candidates, batch, rounds, os.path.join(tmp, "r.db"))
            print(f"{name:45s} WAL bytes/answer {per_answer:7.0f}  pages/commit {pages:6.1f}  "
                  f"({time.time() - t:.1f} s)")


if __name__ == "__main__":
    main()
