#!/usr/bin/env bash
# Property-based tests of the REST API against its own OpenAPI document, with schemathesis:
# `scripts/schemathesis.sh` (after a build: it runs target/debug/tavolo, or $TAVOLO_BIN).
#
# Starts the real server on a free port with a fresh data directory, creates through the
# API what the authenticated routes need (the first facilitator through the one-time setup
# link, a workspace, a meeting with a board, invitations and joined members, a vote, a
# snapshot), then lets schemathesis send generated requests, valid and invalid, to every
# operation of the document the server serves (/api/openapi.json), signed in as that
# facilitator and with those real ids in the paths (scripts/schemathesis.toml). It fails on
# any server error (5xx) and on any answer the document does not describe: an undocumented
# status code, a body that does not match the documented schema, another content type,
# missing documented headers. No operation is left out: the WebSocket routes get plain
# GETs, which must be refused as documented; logout only ends a cookie's sign-in, and the run
# signs in with a bearer header. The stateful phase (chains of calls) is not run: the
# document declares no links between operations.
#
# Bounded by the number of cases, not by time: at most TAVOLO_SCHEMATHESIS_EXAMPLES (default
# 150) generated cases per operation in the fuzzing phase (plus the coverage phase's, derived
# from the document), about a minute and a half on two cores; TAVOLO_SCHEMATHESIS_SECONDS
# (default 300) only caps a run that hangs. (Schemathesis's own --max-time would repeat
# fuzzing until the time is spent, so a faster or slower machine would try other cases.)
# Under CI the seed is fixed (TAVOLO_SCHEMATHESIS_SEED, default 1), so CI replays what was
# checked before submitting; elsewhere each run draws new cases. Schemathesis itself is installed from PyPI
# (a pinned version) into a virtualenv under target/, on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv="$PWD/target/schemathesis/venv"
bin="${TAVOLO_BIN:-$PWD/target/debug/tavolo}"
examples="${TAVOLO_SCHEMATHESIS_EXAMPLES:-150}"
max_secs="${TAVOLO_SCHEMATHESIS_SECONDS:-300}"

[ -x "$bin" ] || { echo "no server binary at $bin: build first (cargo build -p tavolo)" >&2; exit 1; }

if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  echo "==> installing schemathesis $version"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "schemathesis $version needs Python 3.11 or later (Debian 12 has it)" >&2; exit 1; }
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    # Debian splits venv (and its pip) out of python3
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work=$(mktemp -d)
server_pid=""
stop() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

# The server's stdout goes to a file; its first lines are the address and the setup link.
"$bin" --bind 127.0.0.1:0 --media-udp 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q 'setup/' "$work/stdout" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/stderr" >&2; echo "tavolo exited" >&2; exit 1; }
  sleep 0.1
done
base=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/stdout" | head -n 1)
setup_token=$(sed -n 's/.*\/setup\/\([0-9a-f]*\).*/\1/p' "$work/stdout" | head -n 1)
[ -n "$base" ] && [ -n "$setup_token" ] || { cat "$work/stdout" >&2; echo "no address or setup link" >&2; exit 1; }
echo "tavolo at $base"

# What the operations act on, created as the web client would; printed as KEY=value lines.
fixtures=$(python3 - "$base" "$setup_token" <<'EOF'
import http.cookies, json, sys, urllib.request

base, setup_token = sys.argv[1], sys.argv[2]
login = None

def call(method, path, body=None, signed_in=True):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if signed_in and login:
        req.add_header("Authorization", "Bearer " + login)
    with urllib.request.urlopen(req) as r:
        cookies = http.cookies.SimpleCookie()
        for v in r.headers.get_all("Set-Cookie") or []:
            cookies.load(v)
        return json.load(r), {k: m.value for k, m in cookies.items()}

password = "una password lunga"
_, cookies = call("POST", "/api/setup", {"token": setup_token, "email": "anna@comune.example",
                                         "display_name": "Anna", "password": password})
_, cookies = call("POST", "/api/login", {"email": "anna@comune.example", "password": password})
login = cookies["tavolo_login"]

def create(path, body):
    return call("POST", path, body)[0]["id"]

workspace = create("/api/workspaces", {"name": "Tavolo anziani"})
doomed_workspace = create("/api/workspaces", {"name": "Da cancellare"})
session = create(f"/api/workspaces/{workspace}/sessions", {"title": "Incontro 1", "date": "2026-12-01"})
doomed_session = create(f"/api/workspaces/{workspace}/sessions", {"title": "Da chiudere", "date": "2026-12-02"})
board = create(f"/api/sessions/{session}/boards", {"kind": "stakeholder_map", "title": "Chi siede al tavolo"})
invite, _ = call("POST", f"/api/sessions/{session}/invites", {"role": "participant"})
doomed_invite = create(f"/api/sessions/{session}/invites", {"role": "observer", "hours": 2})

def join(name):
    j, _ = call("POST", "/api/join", {"token": invite["token"], "display_name": name}, signed_in=False)
    return j

member = join("Bruno")
doomed_member = join("Carla")
vote = create(f"/api/boards/{board}/votes", {"dots": 3})
doomed_vote = create(f"/api/boards/{board}/votes", {"dots": 2})
snapshot = create(f"/api/boards/{board}/snapshots", {"label": "Prima del voto"})

for k, v in dict(LOGIN=login, WORKSPACE=workspace, DOOMED_WORKSPACE=doomed_workspace,
                 SESSION=session, DOOMED_SESSION=doomed_session, BOARD=board,
                 INVITE=invite["id"], INVITE_TOKEN=invite["token"], DOOMED_INVITE=doomed_invite,
                 MEMBER=member["id"], MEMBER_TOKEN=member["token"], DOOMED_MEMBER=doomed_member["id"],
                 VOTE=vote, DOOMED_VOTE=doomed_vote, SNAPSHOT=snapshot).items():
    print(f"TAVOLO_ST_{k}={v}")
EOF
)
while IFS='=' read -r key value; do export "$key=$value"; done <<<"$fixtures"

seed=()
if [ -n "${CI:-}" ] || [ -n "${TAVOLO_SCHEMATHESIS_SEED:-}" ]; then
  seed=(--seed "${TAVOLO_SCHEMATHESIS_SEED:-1}")
fi

start=$SECONDS
status=0
# The checks of the requirement (README: Security): no 5xx, and every answer as documented.
# From the scratch directory: schemathesis and hypothesis leave their caches in the current one.
repo=$PWD
(cd "$work" && timeout "$max_secs" "$venv/bin/schemathesis" --config-file "$repo/scripts/schemathesis.toml" \
  run "$base/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" --workers 2 \
  --generation-database none --no-color \
  "${seed[@]}" \
  -H "Authorization: Bearer $TAVOLO_ST_LOGIN") || status=$?
echo "schemathesis ran for $((SECONDS - start)) s"
[ "$status" != 124 ] || echo "schemathesis did not finish within $max_secs s" >&2
if [ "$status" != 0 ]; then
  echo "server log (stderr), last lines:" >&2
  tail -n 40 "$work/stderr" >&2
fi
exit "$status"
