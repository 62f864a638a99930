#!/usr/bin/env python3
"""A fixed mix of bank requests (docs/benchmarks.md, "The bank's reads by key on SQLite").

Runs against a bank started by `khaothi demo` (its sample bank and demo accounts). Each round is
the item life cycle a writer, a reviewer and the board go through: create a draft, read it, edit
it, submit it, the reviewer approves it, the board reads it and its versions, lists the bank and
reads the organisation's settings. Prints one JSON line: rounds, requests, seconds.

    python3 scripts/bench_bank_requests.py --url http://127.0.0.1:8080 --rounds 100

Meant to run while something counts what the server does (perf uprobes on sqlite3Reprepare, see
the section); the request count is exact, so a count divided by it is a per-request figure. Only
the standard library: nothing to install.
"""

import argparse
import json
import time
import urllib.request
import uuid

PASSWORD = "khaothi-demo"


def call(url, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
        if resp.status >= 300:
            raise SystemExit(f"{method} {path}: {resp.status} {raw[:200]!r}")
        return json.loads(raw) if raw else None


def login(url, user):
    return call(url, "POST", "/api/v1/auth/login", body={"username": user, "password": PASSWORD})["access_token"]


def item(item_id, stem):
    return {
        "id": item_id, "subject": "toan", "grade": 12, "topic": "12.1.1", "level": "hieu",
        "kind": "single_choice", "stem": stem,
        "options": ["$(-1;1)$", "$(1;+\\infty)$", "$(-\\infty;-1)$", "$(0;2)$"], "key": "A",
    }


def round_(url, tokens, tag, i):
    """One item's life cycle: 10 requests."""
    w, r, b = tokens["writer"], tokens["reviewer"], tokens["board"]
    iid = f"BENCH-{tag}-{i:05d}"
    call(url, "POST", "/api/v1/items", w, item(iid, f"Hàm số $y=x^3-3x$ nghịch biến trên khoảng nào? ({i})"))
    call(url, "GET", f"/api/v1/items/{iid}", w)
    call(url, "PUT", f"/api/v1/items/{iid}", w, item(iid, f"Hàm số $y=x^3-3x+{i}$ nghịch biến trên khoảng nào?"))
    call(url, "POST", f"/api/v1/items/{iid}/submit", w)
    call(url, "POST", f"/api/v1/items/{iid}/approve", r)
    call(url, "GET", f"/api/v1/items/{iid}", b)
    call(url, "GET", f"/api/v1/items/{iid}/versions", b)
    call(url, "GET", "/api/v1/items/TOAN12-0001", b)
    call(url, "GET", "/api/v1/items?subject=toan&per_page=20", b)
    call(url, "GET", "/api/v1/auth/me", b)
    return 10


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    tokens = {u: login(args.url, u) for u in ("writer", "reviewer", "board")}
    tag = uuid.uuid4().hex[:8]
    start = time.monotonic()
    requests = sum(round_(args.url, tokens, tag, i) for i in range(args.rounds))
    print(json.dumps({"rounds": args.rounds, "requests": requests, "logins": len(tokens),
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    main()
