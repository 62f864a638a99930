#!/usr/bin/env python3
"""Checks deploy/multi-node/compose.yaml without a container runtime (scripts/check-deploy.sh):
the file parses; every delivery node has its own name, address and volume and the shared
settings; nginx's upstream (nginx-multi-node.conf) names exactly the nodes' addresses; the files
it mounts exist; the example node configuration names a node. Exit status 1 on any problem."""
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent.parent / "deploy" / "multi-node"
problems = []
compose = yaml.safe_load((HERE / "compose.yaml").read_text())
services = compose.get("services", {})
nodes = {k: v for k, v in services.items() if k.startswith("delivery-")}
if len(nodes) < 2:
    problems.append(f"expected several delivery-N services, found {sorted(nodes)}")
names, addresses, volumes = set(), set(), set()
for name, svc in nodes.items():
    env = svc.get("environment", {})
    node = env.get("KHAOTHI__DELIVERY__NODE")
    if not node or node in names:
        problems.append(f"{name}: KHAOTHI__DELIVERY__NODE missing or not unique ({node})")
    names.add(node)
    for key in ["DATABASE_URL", "CODE_SECRET", "JWT_SECRET", "SITE_KEY", "LISTEN"]:
        if f"KHAOTHI__DELIVERY__{key}" not in env:
            problems.append(f"{name}: KHAOTHI__DELIVERY__{key} is not set (every node needs the same)")
    if not str(env.get("KHAOTHI__DELIVERY__DATABASE_URL", "")).startswith("postgres://"):
        problems.append(f"{name}: the nodes share one PostgreSQL database")
    if svc.get("command") != ["delivery", "serve"]:
        problems.append(f"{name}: command is not delivery serve")
    addr = svc.get("networks", {}).get("khaothi", {}).get("ipv4_address")
    if not addr or addr in addresses:
        problems.append(f"{name}: a fixed, unique address is needed (nginx's upstream names it)")
    addresses.add(addr)
    for v in svc.get("volumes", []):
        if v in volumes:
            problems.append(f"{name}: volume {v} shared with another node")
        volumes.add(v)
    if "postgres" not in svc.get("depends_on", {}):
        problems.append(f"{name}: must start after postgres")
conf = (HERE / "nginx-multi-node.conf").read_text()
upstream = set(re.findall(r"^\s*server\s+([0-9.]+):8090\b", conf, re.M))
if upstream != addresses:
    problems.append(f"nginx upstream {sorted(upstream)} differs from the nodes' addresses {sorted(addresses)}")
for v in services.get("nginx", {}).get("volumes", []):
    src = v.split(":")[0]
    if src.startswith("./") and src != "./tls" and not (HERE / src).exists():
        problems.append(f"nginx mounts {src}, which does not exist")
for svc in ("postgres", "nginx", "bank"):
    if svc not in services:
        problems.append(f"service {svc} is missing")
toml = (HERE / "delivery-node.toml").read_text()
if not re.search(r'^node\s*=\s*"', toml, re.M):
    problems.append("delivery-node.toml does not name its node")
for p in problems:
    print(f"check-compose: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
