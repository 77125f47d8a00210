#!/usr/bin/env bash
# Builds Tavolo (the web client, then the server that embeds it) and runs it:
# http://127.0.0.1:8080, data in SQLite under ./data. Every argument is passed to
# `tavolo` (see `scripts/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v npm >/dev/null 2>&1; then
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "Tavolo needs the Rust toolchain (cargo) to build: see https://rustup.rs" >&2
  exit 1
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build --release --locked -p tavolo
exec ./target/release/tavolo "$@"
