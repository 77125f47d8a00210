#!/usr/bin/env bash
# Builds Tavolo and runs it: http://127.0.0.1:8080, data in SQLite under ./data.
# Every argument is passed to `tavolo` (see `scripts/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "Tavolo needs the Rust toolchain (cargo) to build: see https://rustup.rs" >&2
  exit 1
fi
cargo build --release --locked -p tavolo
exec ./target/release/tavolo "$@"
