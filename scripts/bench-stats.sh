#!/usr/bin/env bash
# Statistics benchmark (issue #12): `seed-demo` a year of history (1,000,000 cases by default) on
# SQLite or PostgreSQL, then with wrk, each for DURATION after a warm-up that is not counted:
#   stats      GET /api/v1/staff/stats, last month, grouped by unit, the whole province (admin)
#   dashboard  GET /handler/stats, the same on the staff page (signed in)
#   board      GET /board and GET /api/v1/board (public, cached)
# and, in the same run, a trivial actix-web GET as the baseline. Then `ledger export` of the
# whole year (every case) to CSV and XLSX under /usr/bin/time, for seconds and peak RSS.
# Prints each run and ratios to the baseline.
#
# Usage: scripts/bench-stats.sh [sqlite|postgres]   (CASES=1000000 DURATION=20s CONNECTIONS=2
#        SKIP_LEDGER=0; PostgreSQL at MINSHENG_BENCH_PG, default postgres://postgres@127.0.0.1:5432;
#        REUSE_DB=<sqlite file or postgres URL> measures a database seeded before instead of
#        seeding one: the new binary migrates it first, and the time that takes is printed)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
CASES=${CASES:-1000000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-2}
THREADS=${THREADS:-2}
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet --bin minsheng --example bench_baseline
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# Private copies: another checkout building into the same target directory cannot swap them.
cp "$CARGO_TARGET_DIR/release/minsheng" "$CARGO_TARGET_DIR/release/examples/bench_baseline" "$work/"
BIN=$work/minsheng
BASE=$work/bench_baseline

if [ -n "${REUSE_DB:-}" ]; then
  case "$REUSE_DB" in postgres://*) URL=$REUSE_DB ;; *) URL="sqlite://$REUSE_DB" ;; esac
else case "$BACKEND" in
  sqlite) URL="sqlite://$work/bench.db" ;;
  postgres)
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS minsheng_bench WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE minsheng_bench" >/dev/null
    URL="$PG/minsheng_bench" ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac; fi
export MINSHENG_CONFIG_DIR=config MINSHENG__DATABASE__URL="$URL" MINSHENG__DATA_DIR="$work/data" \
       MINSHENG__LOG__FILTER=warn MINSHENG__SERVER__BIND=127.0.0.1:18094 MINSHENG__SWEEPER__INTERVAL_SECS=0 \
       MINSHENG__MAIL__INTERVAL_SECS=0

started=$(date +%s)
if [ -n "${REUSE_DB:-}" ]; then
  "$BIN" migrate >/dev/null
  echo "migrated the existing database in $(( $(date +%s) - started )) s"
else
  "$BIN" seed-demo --cases "$CASES" --unit 370983-police --unit-open 5000 --months 12
  echo "seeded in $(( $(date +%s) - started )) s"
fi
echo "bench password long enough" | "$BIN" user add --username "bench.admin$$" --unit 370000-office --role admin >/dev/null
ADMIN="bench.admin$$"
TOKEN=$("$BIN" token create --username "$ADMIN" 2>/dev/null)

# Measure the steady state, not the bulk load draining to disk.
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
run_wrk() { # url, header -> RESULT line (after an uncounted warm-up)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -H "$2" "$1" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/get.lua -H "$2" "$1" | grep '^RESULT'
}

"$BASE" 127.0.0.1:18095 >/dev/null 2>&1 & pids+=($!)
wait_port 18095
base=$(run_wrk "http://127.0.0.1:18095/api/v1/staff/queue" "X-Nothing: 1")

"$BIN" serve >"$work/serve.log" 2>&1 & pids+=($!)
wait_port 18094
S=http://127.0.0.1:18094
jar="$work/jar"
csrf=$(curl -s -c "$jar" $S/handler/login | sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST $S/handler/login \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "username=$ADMIN" \
  --data-urlencode "password=bench password long enough"
SESSION=$(awk '$6 == "ms_staff" {print $7}' "$jar")

Q="period=last_month&group_by=unit"
curl -s -H "Authorization: Bearer $TOKEN" "$S/api/v1/staff/stats?$Q" | python3 -c "
import json, sys
d = json.load(sys.stdin)
t = d['total']
print('last month:', d['from'], '..', d['to'], len(d['groups']), 'units;', 'received', t['counts']['received'],
      'concluded', t['counts']['concluded'], 'closure', t['rates']['closure_rate']['percent'], '%')"

names=(base)
stats=$(run_wrk "$S/api/v1/staff/stats?$Q" "Authorization: Bearer $TOKEN"); names+=(stats)
# The same month grouped by region: not served by the rollup, read from the cases.
by_region=$(run_wrk "$S/api/v1/staff/stats?period=last_month&group_by=region" "Authorization: Bearer $TOKEN"); names+=(by_region)
status() { curl -s -o /dev/null -w '%{http_code}' -H "$2" "$1"; }
if [ "$(status "$S/handler/stats?$Q" "Cookie: ms_staff=$SESSION")" = 200 ]; then
  dashboard=$(run_wrk "$S/handler/stats?$Q" "Cookie: ms_staff=$SESSION"); names+=(dashboard)
else echo "no /handler/stats here: dashboard not measured"; fi
if [ "$(status "$S/board" "X-Nothing: 1")" = 200 ]; then
  board=$(run_wrk "$S/board" "X-Nothing: 1"); names+=(board)
  board_api=$(run_wrk "$S/api/v1/board" "X-Nothing: 1"); names+=(board_api)
else echo "no /board here: board not measured"; fi

field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }
echo
echo "== $BACKEND: $CASES cases over 12 months; $CONNECTIONS connections, $DURATION each, $(nproc) cores =="
for name in "${names[@]}"; do printf '%-10s %s\n' "$name" "${!name}"; done
for name in "${names[@]:1}"; do
  line=${!name}
  printf '%-10s p50 %s ms, p99 %s ms, %s req/s (%.3f of baseline)\n' "$name" "$(field p50_ms "$line")" \
    "$(field p99_ms "$line")" "$(field rps "$line")" \
    "$(awk -v a="$(field rps "$line")" -v b="$(field rps "$base")" 'BEGIN {print a/b}')"
done

if [ "${SKIP_LEDGER:-0}" != 1 ] && "$BIN" ledger --help >/dev/null 2>&1; then
  from=$(date -d '-13 months' +%F); to=$(date +%F)
  for format in csv xlsx; do
    /usr/bin/time -f "ledger $format: %e s, max RSS %M KiB" "$BIN" ledger export --scope all \
      --from "$from" --to "$to" --format "$format" --out "$work/ledger.$format" 2>&1 | tail -2
    ls -l "$work/ledger.$format" | awk '{print "  size", $5, "bytes"}'
  done
else echo "ledger not measured"; fi
