#!/usr/bin/env bash
# Checks every deployment file in deploy/ the way a fresh server would read it (deploy/README.md):
#   nginx -t           each nginx configuration, with a throwaway certificate where it names one;
#   systemd-analyze    each unit, against the freshly built binary; any warning fails;
#   check-config       each example configuration, read by the binary exactly as `serve` would.
# Needs Debian's nginx and systemd (scripts/test-all.sh installs them). Usage:
#   scripts/check-deploy.sh [path/to/khaothi]   (default: target/debug/khaothi, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/debug/khaothi}
[[ -x "$BIN" ]] || cargo build -q -p khaothi
BIN=$(realpath "$BIN")
for tool in nginx systemd-analyze openssl; do
  command -v "$tool" >/dev/null || { echo "check-deploy: $tool is missing (Debian: nginx, systemd, openssl)" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/khaothi-deploy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "check-deploy: FAIL $*" >&2; failures=$((failures + 1)); }

# nginx: each file is a server-level configuration (map and server blocks), included in a minimal
# main configuration. The certificate paths it names are pointed at a throwaway certificate.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=khaothi-check -days 1 \
  -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" 2>/dev/null
mkdir -p "$WORK/nginx/logs"
while IFS= read -r conf; do
  sed -E "s#(ssl_certificate(_key)?[[:space:]]+)[^;]*/([a-z]+\.pem);#\1$WORK/\3;#" "$conf" > "$WORK/site.conf"
  printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n  include /etc/nginx/mime.types;\n  include %s;\n}\n' \
    "$WORK/nginx" "$WORK/nginx" "$WORK/site.conf" > "$WORK/nginx/main.conf"
  if nginx -t -q -c "$WORK/nginx/main.conf" -p "$WORK/nginx" 2> "$WORK/nginx.err"; then
    echo "ok   nginx -t $conf"
  else
    cat "$WORK/nginx.err" >&2
    fail "nginx -t $conf"
  fi
done < <(grep -rlE '^\s*server\s*\{' deploy --include='*.conf' | sort)

# systemd: the units name /usr/local/bin/khaothi; the check runs them against the built binary.
while IFS= read -r unit; do
  copy="$WORK/$(basename "$unit")"
  sed "s#/usr/local/bin/khaothi#$BIN#g" "$unit" > "$copy"
  if systemd-analyze verify "$copy" > "$WORK/unit.out" 2>&1 && [[ ! -s "$WORK/unit.out" ]]; then
    echo "ok   systemd-analyze verify $unit"
  else
    cat "$WORK/unit.out" >&2
    fail "systemd-analyze verify $unit"
  fi
done < <(find deploy -name '*.service' | sort)

# Example configurations: the section names the service.
while IFS= read -r toml; do
  service=$(sed -nE 's/^\[(bank|delivery)\]$/\1/p' "$toml" | head -1)
  [[ -n "$service" ]] || continue
  file=$(realpath "$toml")
  if (cd "$WORK" && "$BIN" "$service" check-config --config "$file") > "$WORK/check.json"; then
    echo "ok   khaothi $service check-config $toml"
  else
    cat "$WORK/check.json" >&2
    fail "khaothi $service check-config $toml"
  fi
done < <(find deploy -name '*.toml' | sort)

# The multi-node compose file: parsed and cross-checked against the nginx upstream (no container
# runtime needed; python3-yaml).
if python3 scripts/check-compose.py; then
  echo "ok   deploy/multi-node/compose.yaml"
else
  fail "deploy/multi-node/compose.yaml"
fi

if ((failures)); then
  echo "check-deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "check-deploy: every deployment file passed"
