#!/usr/bin/env bash
# Runs every test: the web client's unit tests, rustfmt and clippy, the Rust unit and integration tests (on
# SQLite and PostgreSQL), schemathesis against the served OpenAPI document, the end-to-end interoperability tests with the official Yjs
# clients, the browser tests in headless Chromium and a short run of each fuzz target. Installs and starts what it needs
# first (PostgreSQL, Redis, Node packages, Debian's chromium, schemathesis from PyPI); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

PG_ADMIN_URL="${TAVOLO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TAVOLO_TEST_POSTGRES_URL="$PG_ADMIN_URL"

log "PostgreSQL"
if ! command -v pg_isready >/dev/null 2>&1; then
  apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }
# Databases left behind by tests that panicked before cleaning up.
psql "$PG_ADMIN_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'tavolo_test_%'" 2>/dev/null |
  while read -r db; do psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; done

log "OpenSSL headers for the media server (str0m's DTLS and SRTP), iproute2 for the call test's network namespace"
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; } || apt_install libssl-dev pkg-config
command -v ip >/dev/null 2>&1 || apt_install iproute2

log "Redis (the cross-node bus tests start their own on a free port)"
command -v redis-server >/dev/null 2>&1 || apt_install redis-server

log "Chromium and PDF tools for the browser and export tests"
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || apt_install chromium
command -v pdftotext >/dev/null 2>&1 || apt_install poppler-utils
# the TURN server the browser calls test relays a call through (e2e/browser/calls.test.mjs)
command -v turnserver >/dev/null 2>&1 || [ -x /usr/bin/turnserver ] || apt_install coturn

log "Node.js packages"
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error)
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

log "Web client: unit tests and build (the server embeds web/dist)"
(cd web && npm test && npm run build)

log "publiccode.yml against the standard (scripts/check-publiccode.py)"
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyyaml
python3 scripts/check-publiccode.py publiccode.yml

log "Rust formatting and lints"
cargo fmt --all -- --check
(cd fuzz && cargo fmt -- --check)

log "Rust tests"
cargo test --workspace --locked

# After the tests: clippy reuses the dependencies they built (checked, not linked).
log "Clippy (every crate and target, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# `cargo test` built target/debug/tavolo (with web/dist embedded) for the integration
# tests; a separate `cargo build -p tavolo` would resolve features differently and
# rebuild half the tree.
export TAVOLO_BIN="$PWD/target/debug/tavolo"

log "The API against its OpenAPI document (schemathesis: no 5xx, every answer as documented)"
bash scripts/schemathesis.sh

log "End-to-end tests with the official yjs and y-websocket clients"
(cd e2e && npm test)

log "Browser tests in headless Chromium"
(cd e2e && npm run test:browser)

log "Fuzzing: a short run of each cargo-fuzz target (fuzz/, README: Security)"
# Under CI a fixed seed and number of runs, 30 s per target being only a cap (scripts/fuzz.sh
# says why); elsewhere 10 s of unseeded exploration per target. Longer runs find new inputs.
fuzz_secs="${TAVOLO_FUZZ_SECONDS:-10}"
if [ -n "${CI:-}" ]; then
  export TAVOLO_FUZZ_SEED="${TAVOLO_FUZZ_SEED:-1}"
  fuzz_secs="${TAVOLO_FUZZ_SECONDS:-30}"
fi
bash scripts/fuzz.sh "$fuzz_secs"

log "All tests passed"
