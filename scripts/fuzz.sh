#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for a while: `scripts/fuzz.sh [seconds-per-target]`
# (default 20). Installs cargo-fuzz if it is missing, builds the targets once and runs
# each from its committed seeds (fuzz/corpus/<target>) plus a scratch corpus in fuzz/work/.
# Fails on the first crash, leak or timeout (libFuzzer writes the input to
# fuzz/artifacts/<target>/); prints the executions of each target.
#
# TAVOLO_FUZZ_SEED fixes libFuzzer's seed and TAVOLO_FUZZ_RUNS (default 100000 when
# seeded) the number of inputs each target tries, the time then being only a cap
# (scripts/test.sh sets the seed under CI). A seed alone is not enough: a time-bound run
# goes as far as the machine's speed lets it, so a slower or faster CI machine walked
# past the inputs checked before submitting and failed on a new one. With the same seed,
# committed seeds and number of runs, CI replays (nearly: the code under test hashes
# with random keys, so coverage can differ a little) what was checked. Unset, every run
# explores afresh for the given time (what a fuzzing session wants).
#
# Works on the stable toolchain alone: cargo-fuzz passes nightly-only flags, which
# RUSTC_BOOTSTRAP=1 lets stable accept, and runs without AddressSanitizer (`-s none`; the
# code under test forbids `unsafe`, so the sanitizer would guard only dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-20}"
runs="${TAVOLO_FUZZ_RUNS:-100000}"
export RUSTC_BOOTSTRAP=1
# The same flags for the build and the runs, so `cargo fuzz run` does not build again.
flags=(-s none --codegen-units 16)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  start=$SECONDS
  cargo install cargo-fuzz --locked --version 0.13.2 --quiet
  echo "cargo-fuzz installed in $((SECONDS - start)) s"
fi

start=$SECONDS
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $((SECONDS - start)) s"

mapfile -t targets < <(cargo fuzz list)
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
  dict=()
  seed=()
  [ -z "${TAVOLO_FUZZ_SEED:-}" ] || seed=(-seed="$TAVOLO_FUZZ_SEED" -runs="$runs")
  case "$t" in import_json | control) dict=(-dict=fuzz/dict/json.dict) ;; esac
  log="fuzz/work/$t.log"
  echo "==> fuzzing $t for $secs s${seed:+ at most (seed ${TAVOLO_FUZZ_SEED:-}, $runs runs)}"
  if ! cargo fuzz run "${flags[@]}" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "${seed[@]}" "${dict[@]}" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/ (log: $log)" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  summary+=("$(printf '%-14s %10s executions (at most %s s), %s' "$t" "${execs:-?}" "$secs" "${cov:-cov: ?}")")
done
echo
echo "==> fuzzing: no crash"
printf '%s\n' "${summary[@]}"
