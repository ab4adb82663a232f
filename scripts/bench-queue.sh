#!/usr/bin/env bash
# Queue benchmark (issue #4): one unit with 50,000 open cases among 1,000,000, on SQLite or
# PostgreSQL. Release build; `minsheng seed-demo`; then wrk with 16 connections for 20 s against
# the staff API's queue (bearer token), the same filtered to overdue cases, and the handler's queue
# page (signed-in session cookie), after a 5 s warm-up that is not counted; and, in the same run,
# against a trivial actix-web GET as the baseline. Prints each run and the ratios.
#
# Usage: scripts/bench-queue.sh [sqlite|postgres]   (CASES=1000000 UNIT_OPEN=50000 DURATION=20s
#        CONNECTIONS=16 POOL=0, the service's default: twice the cores; PostgreSQL at MINSHENG_BENCH_PG, default postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
CASES=${CASES:-1000000}
UNIT_OPEN=${UNIT_OPEN:-50000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet --bin minsheng --example bench_baseline
BIN=$CARGO_TARGET_DIR/release/minsheng
BASE=$CARGO_TARGET_DIR/release/examples/bench_baseline

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

case "$BACKEND" in
  sqlite) URL="sqlite://$work/bench.db" ;;
  postgres)
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS minsheng_bench WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE minsheng_bench" >/dev/null
    URL="$PG/minsheng_bench" ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
export MINSHENG_CONFIG_DIR=config MINSHENG__DATABASE__URL="$URL" MINSHENG__DATA_DIR="$work/data" \
       MINSHENG__LOG__FILTER=warn MINSHENG__SERVER__BIND=127.0.0.1:18092 MINSHENG__SWEEPER__INTERVAL_SECS=0 \
       MINSHENG__MAIL__INTERVAL_SECS=0 MINSHENG__DATABASE__POOL_SIZE=${POOL:-0}

"$BIN" seed-demo --cases "$CASES" --unit 370983-police --unit-open "$UNIT_OPEN"
echo "bench password long enough" | "$BIN" user add --username bench.handler --unit 370983-police --role handler >/dev/null
TOKEN=$("$BIN" token create --username bench.handler 2>/dev/null)

# Measure the steady state, not the aftermath of the bulk load: write the loaded data out
# (PostgreSQL checkpoint, then the kernel's dirty pages) before the clock starts. Otherwise the
# kernel throttles whichever process writes next — a PostgreSQL backend evicting a buffer — and
# queries stall for hundreds of milliseconds while gigabytes of seed data drain to disk.
if [ "$BACKEND" = postgres ]; then psql "$URL" -qc "CHECKPOINT" >/dev/null; fi
sync
for _ in $(seq 1 120); do
  dirty_kb=$(awk '/^Dirty:/ {print $2}' /proc/meminfo)
  [ "${dirty_kb:-0}" -lt 65536 ] && break
  sleep 1
done

wait_port() {
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; return 1
}
run_wrk() { # url, extra header -> RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/get.lua -H "$2" "$1" | grep '^RESULT'
}

"$BASE" 127.0.0.1:18093 >/dev/null 2>&1 & pids+=($!)
wait_port 18093
base=$(run_wrk "http://127.0.0.1:18093/api/v1/staff/queue" "X-Nothing: 1")

"$BIN" serve >"$work/serve.log" 2>&1 & pids+=($!)
wait_port 18092
jar="$work/jar"
csrf=$(curl -s -c "$jar" http://127.0.0.1:18092/handler/login | sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST http://127.0.0.1:18092/handler/login \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "username=bench.handler" \
  --data-urlencode "password=bench password long enough"
SESSION=$(awk '$6 == "ms_staff" {print $7}' "$jar")
[ -n "$SESSION" ] || { echo "could not sign in" >&2; exit 1; }
check=$(curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18092/api/v1/staff/queue | python3 -c "import json,sys; d=json.load(sys.stdin); print(len(d['cases']), d['counts'])")
echo "first page: $check"

# Warm up (connections, caches) for a few seconds; not counted.
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18092/api/v1/staff/queue" >/dev/null

api=$(run_wrk "http://127.0.0.1:18092/api/v1/staff/queue" "Authorization: Bearer $TOKEN")
overdue=$(run_wrk "http://127.0.0.1:18092/api/v1/staff/queue?overdue=true" "Authorization: Bearer $TOKEN")
page=$(run_wrk "http://127.0.0.1:18092/handler" "Cookie: ms_staff=$SESSION")

field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }
echo
echo "== $BACKEND: $CASES cases, $UNIT_OPEN open at one unit; $CONNECTIONS connections, $DURATION each, $(nproc) cores =="
for name in base api overdue page; do
  line=${!name}
  printf '%-8s %s\n' "$name" "$line"
done
for name in api overdue page; do
  line=${!name}
  printf '%-8s p99 %s ms, %s req/s (%.3f of baseline)\n' "$name" "$(field p99_ms "$line")" "$(field rps "$line")" \
    "$(awk -v a="$(field rps "$line")" -v b="$(field rps "$base")" 'BEGIN {print a/b}')"
done
