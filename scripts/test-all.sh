#!/usr/bin/env bash
# Runs the whole test suite: every crate with all features (HiGHS included), the assembly crate
# alone with its default solver, and the storage/service tests on SQLite and PostgreSQL.
# PostgreSQL: uses $KHAOTHI_TEST_POSTGRES (an admin URL) when set; otherwise starts a throwaway
# local cluster from Debian's postgresql package and removes it afterwards.
#
# It sets itself up: the Debian packages it needs (DEBIAN_PACKAGES below) are installed when it
# runs as root (a fresh machine, CI); otherwise it prints the one apt-get command to run and stops.
# `scripts/test-all.sh --setup-only` does only that (.ci/run calls it before its lints).
set -euo pipefail
cd "$(dirname "$0")/.."

# postgresql: the throwaway test cluster; cmake, libclang-dev, pkg-config, g++: the HiGHS solver
# (--all-features); chromium, chromium-driver: the browser tests of the candidate and proctor pages;
# nginx, systemd, openssl: scripts/check-deploy.sh checks deploy/'s files with them; nginx and
# openssl also run the multi-node end-to-end test (tests/multi_node.rs); python3-yaml reads
# deploy/multi-node/compose.yaml (scripts/check-compose.py).
# libxml2-utils: xmllint checks written QTI 3.0 packages against the 1EdTech XSDs (khaothi-interop).
# python3-docx, libreoffice-writer-nogui, libreoffice-math-nogui, fonts-liberation2, poppler-utils:
# the Word paper read back and rendered by software khaothi did not write (crates/interop/tests/
# paper_docx.rs; about 85 MB, 1.5 min to install).
# libreoffice-draw-nogui: WMF/EMF previews of unconvertible equations rasterised to PNG
# (khaothi-bank raster.rs and its test); python3-olefile: scripts/fixtures/mathtype_lo.py.
DEBIAN_PACKAGES=(postgresql cmake libclang-dev pkg-config g++ chromium chromium-driver nginx systemd openssl
  libxml2-utils python3-docx libreoffice-writer-nogui libreoffice-math-nogui fonts-liberation2 poppler-utils
  libreoffice-draw-nogui python3-olefile python3-yaml)

set_up() {
  local need=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  ((${#need[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages; run this once, then this script again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
}

if ! command -v dpkg >/dev/null; then
  echo "not a Debian-like system: install ${DEBIAN_PACKAGES[*]} (or their equivalents) yourself" >&2
else
  set_up
fi
if [[ "${1:-}" == "--setup-only" ]]; then
  exit 0
fi

PG_DIR=""
cleanup() {
  if [[ -n "$PG_DIR" ]]; then
    run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT

run_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    # PostgreSQL refuses to run as root; use Debian's postgres account.
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

if [[ -z "${KHAOTHI_TEST_POSTGRES:-}" ]]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "PostgreSQL server binaries not found: install Debian's postgresql package or set KHAOTHI_TEST_POSTGRES" >&2
    exit 1
  fi
  PG_DIR=$(mktemp -d /tmp/khaothi-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres "$PG_DIR"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
  export KHAOTHI_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PORT/postgres"
  echo "started a throwaway PostgreSQL on port $PORT"
fi

FEATURES="--all-features"
if ! command -v cmake >/dev/null || [[ -z "$(ls /usr/lib/llvm-*/lib/libclang*.so* 2>/dev/null)" ]]; then
  echo "cmake or libclang missing: the HiGHS solver cannot be built; install cmake and libclang-dev" >&2
  exit 1
fi

# The end-to-end tests (tests/) run the real `khaothi` binary and the browser and process tests
# spawn examples (`cargo test` does not rebuild those): all built first, with the workspace's one
# feature set — `cargo build -p khaothi` alone resolves features differently and rebuilt every
# dependency (HiGHS from source included) a second time.
cargo build --workspace --all-targets $FEATURES
cargo test --workspace $FEATURES --no-fail-fast
if [[ -d crates/assembly ]]; then
  cargo test -p khaothi-assembly --no-fail-fast
fi
# deploy/: nginx -t, systemd-analyze verify and check-config on every file (deploy/README.md).
bash scripts/check-deploy.sh
