#!/usr/bin/env bash
# The comparison harness: runs the same tavolo-bench scenarios against Tavolo and against
# other servers that speak the y-websocket protocol, in one run on this machine, and
# writes the results into BENCHMARKS.md (only its own section, between marker comments).
# The raw results of a run stay in bench/results/<UTC time>/ (ignored by git).
#
#   bench/run.sh                  # everything, full size (about 15-20 minutes)
#   BENCH_SCALE=quick bench/run.sh    # every scenario, small sizes (a few minutes)
#   BENCH_SERVERS="tavolo reference" BENCH_SCENARIOS="fanout capacity" bench/run.sh
#   BENCH_TAVOLO_REV=HEAD bench/run.sh   # build tavolo from that commit (a git worktree under
#                                        # bench/work) instead of the working tree
#
# Servers (each on 127.0.0.1, its own port, a fresh process and data directory per
# scenario):
#   tavolo     target/release/tavolo over SQLite with its default options (built here)
#   tavolo-full the same with --sqlite-sync full (an fsync per commit): fanout and durable only
#   reference  @y/websocket-server from npm (bench/package.json + lockfile): in memory, its
#              default; with y-leveldb persistence (YPERSISTENCE) for durable and cold-load
#   floor      `tavolo-bench relay`: forwards each update to every client of the board and
#              does nothing else; the fan-out latency step only (what the host and the
#              load generator cost when a server does no work of its own)
#   pycrdt     pycrdt-websocket from PyPI (bench/requirements.txt) in bench/.venv, on
#              hypercorn, in memory (bench/servers/pycrdt_server.py)
# Skipped: y-sweet (its npm package downloads a prebuilt binary from outside the npm
# registry at install time, which cannot work on this machine); Hocuspocus (its protocol
# prefixes every message with the document name: not y-websocket, needs its own provider).
#
# Everything is bounded: each tavolo-bench call has its own --max-seconds and a `timeout`;
# every server started is stopped on exit (trap), whatever happens.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
SCALE="${BENCH_SCALE:-full}"
SERVERS="${BENCH_SERVERS:-tavolo reference pycrdt tavolo-full}"
SCENARIOS="${BENCH_SCENARIOS:-fanout capacity breadth reconnect durable cold}"
OUT="${BENCH_OUT:-$ROOT/BENCHMARKS.md}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$BENCH/results/$STAMP"
WORK="$BENCH/work"
BIN="$ROOT/target/release/tavolo-bench"
TAVOLO="$ROOT/target/release/tavolo"
T0=$(date +%s)

mkdir -p "$RESULTS"
: > "$RESULTS/commands.txt"
: > "$RESULTS/notes.txt"
: > "$RESULTS/servers.tsv"
LOG="$RESULTS/harness.log"

say() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
note() { echo "$*" >> "$RESULTS/notes.txt"; say "note: $*"; }
cmd() { local c="$*"; echo "${c//$ROOT\//}" >> "$RESULTS/commands.txt"; }

# --- every server we start is stopped on exit ------------------------------------------
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
    done
    sleep 0.5
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
    done
    if [ -n "${SRC:-}" ]; then
        git -C "$ROOT" worktree remove --force "$SRC" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# --- sizes ----------------------------------------------------------------------------
if [ "$SCALE" = quick ]; then
    FAN_CLIENTS=10; FAN_RATE=5; FAN_SECS=3; FAN_ROUNDS=2
    CAP_CLIENTS=10; CAP_RATES=10,40,160; CAP_SECS=3
    BR_BOARDS=20; BR_CPB=10; BR_RATE=0.5; BR_SECS=5
    RC_BOARDS=5; RC_CPB=20
    DU_BOARDS=10; DU_CPB=4; DU_RATES=500,2000,8000; DU_SECS=3
    CL_UPDATES=10000
else
    FAN_CLIENTS=50; FAN_RATE=5; FAN_SECS=10; FAN_ROUNDS=5
    CAP_CLIENTS=50; CAP_RATES=5,10,20,40,80,160,320,640; CAP_SECS=6
    BR_BOARDS=500; BR_CPB=20; BR_RATE=0.1; BR_SECS=15
    RC_BOARDS=50; RC_CPB=20
    DU_BOARDS=50; DU_CPB=4; DU_RATES=1000,2500,5000,10000,20000,40000,60000,80000; DU_SECS=6
    CL_UPDATES=100000
fi

# --- file descriptors -----------------------------------------------------------------
want_fds=$(( BR_BOARDS * BR_CPB * 2 + 4096 ))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want_fds" ]; then
    ulimit -Hn "$want_fds" 2>/dev/null || true
fi
ulimit -Sn "$want_fds" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
note "ulimit -n raised to $(ulimit -n) for this run (servers inherit it; tavolo-bench also raises its own RLIMIT_NOFILE with setrlimit)."

# --- install and build ----------------------------------------------------------------
cmd "# $(env | grep -E '^BENCH_' | sort | xargs) bench/run.sh"
cmd "(cd bench && npm ci) && python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt"
say "installing the reference servers"
(cd "$BENCH" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >> "$LOG" 2>&1)
if [ ! -x "$BENCH/.venv/bin/python" ]; then
    timeout 120 python3 -m venv "$BENCH/.venv"
fi
timeout 300 "$BENCH/.venv/bin/pip" install -q --disable-pip-version-check -r "$BENCH/requirements.txt" >> "$LOG" 2>&1
if [ -n "${BENCH_TAVOLO_REV:-}" ]; then
    SRC="$WORK/tavolo-src"
    git -C "$ROOT" worktree remove --force "$SRC" >/dev/null 2>&1 || rm -rf "$SRC"
    git -C "$ROOT" worktree prune
    mkdir -p "$WORK"
    git -C "$ROOT" worktree add --detach "$SRC" "$BENCH_TAVOLO_REV" >> "$LOG" 2>&1
    say "building tavolo at $BENCH_TAVOLO_REV (release, in $SRC)"
    cmd "git worktree add --detach bench/work/tavolo-src $BENCH_TAVOLO_REV && (cd bench/work/tavolo-src && CARGO_TARGET_DIR=bench/work/target-tavolo cargo build --release -p tavolo) && cargo build --release -p tavolo-bench"
    (cd "$SRC" && CARGO_TARGET_DIR="$WORK/target-tavolo" timeout 1800 cargo build --release -p tavolo >> "$LOG" 2>&1)
    TAVOLO="$WORK/target-tavolo/release/tavolo"
    TAVOLO_REV=$(git -C "$SRC" rev-parse --short HEAD)
    say "building tavolo-bench (release)"
    (cd "$ROOT" && timeout 1800 cargo build --release -p tavolo-bench >> "$LOG" 2>&1)
else
    say "building tavolo and tavolo-bench (release)"
    cmd "cargo build --release -p tavolo -p tavolo-bench"
    (cd "$ROOT" && timeout 1800 cargo build --release -p tavolo -p tavolo-bench >> "$LOG" 2>&1)
    TAVOLO_REV=$(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- crates server 2>/dev/null || echo " + uncommitted changes")
fi

REF_VERSION=$(node -p "require('$BENCH/node_modules/@y/websocket-server/package.json').version")
YJS_VERSION=$(node -p "require('$BENCH/node_modules/yjs/package.json').version")
PYCRDT_VERSION=$("$BENCH/.venv/bin/python" -c "import importlib.metadata as m; print(m.version('pycrdt-websocket'), 'pycrdt', m.version('pycrdt'))")

{
    echo "nproc: $(nproc)"
    echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}') total, $(free -h | awk '/^Mem:/ {print $7}') available at the start"
    echo "kernel: $(uname -sr)"
    echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
    echo "toolchains: $(rustc --version), node $(node --version), $("$BENCH/.venv/bin/python" --version)"
    echo "scale: $SCALE"
} > "$RESULTS/machine.txt"

SQLITE_SYNC=$("$TAVOLO" --help 2>/dev/null | grep -A4 -- '--sqlite-sync' | grep -o 'default: [a-z]*' | head -1 | cut -d' ' -f2)
printf 'tavolo\tTavolo %s, SQLite (WAL; --sqlite-sync %s, its default), release build\t%s\n' "$TAVOLO_REV" "${SQLITE_SYNC:-?}" \
    "target/release/tavolo --bind 127.0.0.1:PORT --data-dir DIR" >> "$RESULTS/servers.tsv"
printf 'reference\t@y/websocket-server %s (yjs %s) on Node %s: in memory; with y-leveldb (YPERSISTENCE) for durable and cold-load\t%s\n' \
    "$REF_VERSION" "$YJS_VERSION" "$(node --version)" \
    "HOST=127.0.0.1 PORT=PORT [YPERSISTENCE=DIR] node bench/node_modules/@y/websocket-server/src/server.js" >> "$RESULTS/servers.tsv"
printf 'pycrdt\tpycrdt-websocket %s on hypercorn (Python %s), in memory\t%s\n' \
    "$PYCRDT_VERSION" "$(python3 -c 'import platform; print(platform.python_version())')" \
    "bench/.venv/bin/python bench/servers/pycrdt_server.py PORT" >> "$RESULTS/servers.tsv"
case " $SERVERS " in *" tavolo-full "*)
printf 'tavolo-full\tthe same Tavolo binary with --sqlite-sync full (an fsync per commit, survives a power cut): fanout and durable only\t%s\n' \
    "target/release/tavolo --bind 127.0.0.1:PORT --data-dir DIR --sqlite-sync full" >> "$RESULTS/servers.tsv" ;;
esac
note "Skipped y-sweet: its npm package fetches a prebuilt binary from outside the npm registry when installed, which cannot work on this machine. Skipped Hocuspocus: its wire protocol prefixes each message with the document name, so it is not a y-websocket server."
note "pycrdt-websocket 0.16.5 hangs a client that joins a room while another client is still starting it (YRoom.start holds its start lock for the room's whole life); bench/servers/pycrdt_server.py starts each room once under its own lock so that concurrent joins work."

# --- starting and stopping servers ------------------------------------------------------
SERVER_PID=""
SERVER_URL=""
port_of() { case "$1" in tavolo) echo 18711 ;; reference) echo 18712 ;; pycrdt) echo 18713 ;; tavolo-full) echo 18714 ;; floor) echo 18715 ;; esac; }

wait_port() {
    local port=$1 i
    for i in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
        sleep 0.1
    done
    return 1
}

# start_server KEY DATA_DIR [persistent] [extra tavolo args...]
start_server() {
    local key=$1 data=$2 mode=${3:-memory}; shift 3 || shift $#
    local port; port=$(port_of "$key")
    local log="$RESULTS/$key/server.log"
    mkdir -p "$RESULTS/$key" "$data"
    echo "--- start $(date -u +%H:%M:%S) mode=$mode data=$data $*" >> "$log"
    case "$key" in
        tavolo)
            cmd "${TAVOLO#$ROOT/} --bind 127.0.0.1:$port --data-dir $data --anonymous-boards --anonymous-boards-per-minute 0 --anonymous-board-mib 0 $*"
            "$TAVOLO" --bind "127.0.0.1:$port" --data-dir "$data" --anonymous-boards --anonymous-boards-per-minute 0 --anonymous-board-mib 0 "$@" >> "$log" 2>&1 &
            SERVER_URL="ws://127.0.0.1:$port/sync" ;;
        tavolo-full)
            cmd "${TAVOLO#$ROOT/} --bind 127.0.0.1:$port --data-dir $data --anonymous-boards --anonymous-boards-per-minute 0 --anonymous-board-mib 0 --sqlite-sync full $*"
            "$TAVOLO" --bind "127.0.0.1:$port" --data-dir "$data" --anonymous-boards --anonymous-boards-per-minute 0 --anonymous-board-mib 0 --sqlite-sync full "$@" >> "$log" 2>&1 &
            SERVER_URL="ws://127.0.0.1:$port/sync" ;;
        reference)
            if [ "$mode" = persistent ]; then
                cmd "HOST=127.0.0.1 PORT=$port YPERSISTENCE=$data node bench/node_modules/@y/websocket-server/src/server.js"
                HOST=127.0.0.1 PORT=$port YPERSISTENCE="$data" node "$BENCH/node_modules/@y/websocket-server/src/server.js" >> "$log" 2>&1 &
            else
                cmd "HOST=127.0.0.1 PORT=$port node bench/node_modules/@y/websocket-server/src/server.js"
                HOST=127.0.0.1 PORT=$port node "$BENCH/node_modules/@y/websocket-server/src/server.js" >> "$log" 2>&1 &
            fi
            SERVER_URL="ws://127.0.0.1:$port" ;;
        floor)
            cmd "target/release/tavolo-bench relay --bind 127.0.0.1:$port --max-seconds 3600"
            "$BIN" relay --bind "127.0.0.1:$port" --max-seconds 3600 >> "$log" 2>&1 &
            SERVER_URL="ws://127.0.0.1:$port" ;;
        pycrdt)
            cmd "bench/.venv/bin/python bench/servers/pycrdt_server.py $port"
            "$BENCH/.venv/bin/python" "$BENCH/servers/pycrdt_server.py" "$port" >> "$log" 2>&1 &
            SERVER_URL="ws://127.0.0.1:$port" ;;
    esac
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    if ! wait_port "$port"; then
        say "$key did not start (see $log)"
        return 1
    fi
}

# stop_server [KILL]: SIGTERM and wait (at most 20 s), or SIGKILL at once
stop_server() {
    local how=${1:-TERM} i
    [ -z "$SERVER_PID" ] && return 0
    kill "-$how" "$SERVER_PID" 2>/dev/null || true
    for i in $(seq 1 200); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    echo "--- stopped with SIG$how $(date -u +%H:%M:%S)" >> "$RESULTS/${CUR_KEY:-x}/server.log"
    SERVER_PID=""
}

# bench KEY NAME SECONDS SUBCOMMAND ARGS...: one tavolo-bench run, JSON into KEY/NAME.json
bench() {
    local key=$1 name=$2 secs=$3; shift 3
    local sub=$1; shift
    local prefix="b$STAMP-$name"
    case "$name" in cold-*) prefix="b$STAMP-$key-cold" ;; esac  # every cold-load phase: one board
    local args=("$sub" --url "$SERVER_URL" --prefix "$prefix" --server-pid "$SERVER_PID" --json --max-seconds "$secs" "$@")
    cmd "target/release/tavolo-bench ${args[*]}"
    say "$key: $name"
    if timeout $((secs + 30)) "$BIN" "${args[@]}" > "$RESULTS/$key/$name.json" 2> "$RESULTS/$key/$name.txt"; then
        sed 's/^/    /' "$RESULTS/$key/$name.txt" | tee -a "$LOG" >&2
    else
        say "$key: $name failed or timed out (exit $?); see $RESULTS/$key/$name.txt"
        rm -f "$RESULTS/$key/$name.json"
        note "$key: scenario $name did not finish ($(tail -1 "$RESULTS/$key/$name.txt" 2>/dev/null | cut -c1-200))"
    fi
}

# settle DIR: wait (at most 30 s) until DIR stops growing, for servers that write behind;
# says so when it is still growing (never fails: the run goes on)
settle() {
    local dir=$1 a b i
    b=$(du -sb "$dir" 2>/dev/null | cut -f1)
    for i in $(seq 1 30); do
        sleep 1
        a=$b
        b=$(du -sb "$dir" 2>/dev/null | cut -f1)
        if [ "$a" = "$b" ]; then return 0; fi
    done
    note "$dir was still growing after 30 s; the server was stopped all the same"
}

fresh() { rm -rf "$WORK/$1"; mkdir -p "$WORK/$1"; echo "$WORK/$1"; }

has() { case " $SCENARIOS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# --- the scenarios ---------------------------------------------------------------------
run_server() {
    local key=$1 d
    CUR_KEY=$key
    mkdir -p "$RESULTS/$key"
    local SCENARIOS="$SCENARIOS"
    if [ "$key" = tavolo-full ]; then
        SCENARIOS=$(for s in $SCENARIOS; do case $s in fanout|durable) echo "$s" ;; esac; done | xargs)
    fi
    if has capacity; then
        d=$(fresh "$key-capacity"); start_server "$key" "$d" memory && \
        bench "$key" capacity 400 fanout --clients "$CAP_CLIENTS" --rate "$CAP_RATES" --duration "$CAP_SECS" --drain 5 --p99-limit-ms 50
        stop_server
    fi
    if has breadth; then
        d=$(fresh "$key-breadth"); start_server "$key" "$d" memory && \
        bench "$key" breadth 420 breadth --boards "$BR_BOARDS" --clients-per-board "$BR_CPB" --rate "$BR_RATE" --duration "$BR_SECS" --drain 15 --connect-timeout 180
        stop_server
    fi
    if has reconnect; then
        d=$(fresh "$key-reconnect"); start_server "$key" "$d" memory && \
        bench "$key" reconnect 240 reconnect --boards "$RC_BOARDS" --clients-per-board "$RC_CPB" --timeout 120
        stop_server
    fi
    if has durable; then
        d=$(fresh "$key-durable"); start_server "$key" "$d" persistent && \
        bench "$key" durable 400 durable --boards "$DU_BOARDS" --clients-per-board "$DU_CPB" --rates "$DU_RATES" --step "$DU_SECS" --drain 5
        stop_server
    fi
    if has cold; then
        run_cold "$key"
    fi
}

run_cold() {
    local key=$1 d
    local common=(--room cold --updates "$CL_UPDATES" --connections 4 --timeout 60)
    case "$key" in
        tavolo)
            # no compaction while filling, then SIGKILL: the log stays as written (every
            # update was committed before it was broadcast, so nothing is lost)
            d=$(fresh "$key-cold")
            start_server tavolo "$d" persistent --compact-after 1000000000 || return 0
            bench tavolo cold-fill 300 cold-load --phase fill "${common[@]}"
            bench tavolo cold-memory 120 cold-load --phase measure --repeat 2 "${common[@]}"
            stop_server KILL
            if command -v sqlite3 >/dev/null; then
                note "tavolo: after the cold-load fill the board's log held $(sqlite3 "$d/tavolo.db" 'select count(*) from board_updates' 2>/dev/null) rows for $CL_UPDATES updates (a batch of updates is one log row) and $(sqlite3 "$d/tavolo.db" 'select count(*) from board_snapshots' 2>/dev/null) snapshots."
            fi
            start_server tavolo "$d" persistent --compact-after 1000000000 || return 0
            bench tavolo cold-log 300 cold-load --phase measure --repeat 2 "${common[@]}"
            stop_server KILL
            # default --compact-after: the load finds a long log and compacts it
            start_server tavolo "$d" persistent || return 0
            bench tavolo cold-compacting 300 cold-load --phase measure --repeat 2 "${common[@]}"
            stop_server
            start_server tavolo "$d" persistent || return 0
            bench tavolo cold-snapshot 300 cold-load --phase measure --repeat 3 "${common[@]}"
            stop_server
            ;;
        reference)
            # y-leveldb keeps every update and merges (trims) them when it loads a document
            # with more than 500 of them; without persistence a restart loses the board
            d=$(fresh "$key-cold")
            start_server reference "$d" persistent || return 0
            bench reference cold-fill 300 cold-load --phase fill "${common[@]}"
            settle "$d"  # y-leveldb writes behind: let it finish before the restart
            stop_server
            start_server reference "$d" persistent || return 0
            bench reference cold-compacting 300 cold-load --phase measure --repeat 2 "${common[@]}"
            settle "$d"
            stop_server
            start_server reference "$d" persistent || return 0
            bench reference cold-snapshot 300 cold-load --phase measure --repeat 3 "${common[@]}"
            stop_server
            d=$(fresh "$key-cold-memory")
            start_server reference "$d" memory || return 0
            bench reference cold-fill-memory 300 cold-load --phase fill "${common[@]}"
            bench reference cold-memory 120 cold-load --phase measure --repeat 2 "${common[@]}"
            stop_server
            ;;
        pycrdt)
            d=$(fresh "$key-cold")
            start_server pycrdt "$d" memory || return 0
            bench pycrdt cold-fill 300 cold-load --phase fill "${common[@]}"
            bench pycrdt cold-memory 120 cold-load --phase measure --repeat 2 "${common[@]}"
            stop_server
            ;;
    esac
}

# The fan-out latency step in rounds: every server (and the floor relay) runs at once,
# idle but for the one being measured, and they take turns, round after round, so that
# the host's slow minutes fall on all of them alike. The report compares them round by
# round (Tavolo/other within a round) and takes the median.
run_fanout_rounds() {
    local keys="$SERVERS floor" key n
    declare -A pid url
    for key in $keys; do
        CUR_KEY=$key
        if start_server "$key" "$(fresh "$key-fanout")" memory; then
            pid[$key]=$SERVER_PID; url[$key]=$SERVER_URL
        else
            stop_server
        fi
    done
    for n in $(seq 1 "$FAN_ROUNDS"); do
        for key in $keys; do
            [ -n "${pid[$key]:-}" ] || continue
            SERVER_PID=${pid[$key]}; SERVER_URL=${url[$key]}
            bench "$key" "fanout-r$n" 120 fanout --clients "$FAN_CLIENTS" --rate "$FAN_RATE" --duration "$FAN_SECS" --drain 5
        done
    done
    for key in $keys; do
        [ -n "${pid[$key]:-}" ] || continue
        SERVER_PID=${pid[$key]}; CUR_KEY=$key
        stop_server
    done
}
if has fanout; then
    say "=== fanout, $FAN_ROUNDS rounds"
    run_fanout_rounds
fi

for key in $SERVERS; do
    say "=== $key"
    run_server "$key"
done

note "reference: the cold-load 'no restart' rows come from a second, in-memory instance (with y-leveldb the server drops a document from memory when its last client leaves, so the next client reloads it from disk)."

# suspicious lines in the servers' logs
for key in $SERVERS; do
    if [ -f "$RESULTS/$key/server.log" ]; then
        n=$(grep -ciE 'error|panic|exception|traceback' "$RESULTS/$key/server.log" || true)
        if [ "${n:-0}" -gt 0 ]; then
            note "$key: $n log lines mention an error, panic or exception (first: $(grep -m1 -iE 'error|panic|exception|traceback' "$RESULTS/$key/server.log" | cut -c1-200))"
        fi
    fi
done

T1=$(date +%s)
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(( (T1 - T0) / 60 )) min $(( (T1 - T0) % 60 )) s including builds; results in bench/results/$STAMP" > "$RESULTS/finished.txt"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
"$BIN" report --results "$RESULTS" --out "$OUT"
cmd "target/release/tavolo-bench report --results bench/results/$STAMP --out BENCHMARKS.md"
say "wrote $OUT ($(( (T1 - T0) / 60 )) min $(( (T1 - T0) % 60 )) s)"
