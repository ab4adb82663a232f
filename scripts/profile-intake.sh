#!/usr/bin/env bash
# Where an intake's CPU goes (issue #14): one release instance on a fresh database, loaded like
# scripts/bench-intake.sh (wrk, 32 connections, scripts/bench/submit.lua), profiled with
# `perf record -g` (Debian's linux-perf, installed if missing) for 10 s in the middle of the load.
# Prints the throughput under the profiler, the share of the server's samples per thread, and
# the top symbols (self time) of the whole server and of its busiest thread.
#
# Usage: scripts/profile-intake.sh sqlite|postgres [minsheng binary]   (default: this checkout's
#        release build; POOL_SIZE=8; PostgreSQL at MINSHENG_BENCH_PG, default
#        postgres://postgres@127.0.0.1:5432; the perf data stays in OUT, default /tmp/profile-intake)
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:?sqlite or postgres}
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
OUT=${OUT:-/tmp/profile-intake}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}
for tool in wrk perf; do
  if ! command -v $tool >/dev/null; then
    echo "installing $tool (Debian package)…" >&2
    apt-get update -qq && apt-get install -y -qq "$( [ $tool = perf ] && echo linux-perf || echo wrk )" >/dev/null
  fi
done
if [ -n "${2:-}" ]; then
  bin=$2
else
  cargo build --release --quiet --bin minsheng
  bin=$CARGO_TARGET_DIR/release/minsheng
fi

# shellcheck source=bench/intake-serve.sh
. scripts/bench/intake-serve.sh

mkdir -p "$OUT"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

case $backend in
  sqlite) url="sqlite://$work/profile.db" ;;
  postgres)
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS minsheng_profile WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE minsheng_profile" >/dev/null
    url="$PG/minsheng_profile" ;;
  *) echo "sqlite or postgres" >&2; exit 2 ;;
esac

bench_serve "$bin" config 18095 "$url" "$work/data" "$work/serve.log" \
  "$(python3 -c "import secrets; print(secrets.token_hex(32))")"
pid=$!
wait_port 18095

wrk -t2 -c32 -d20s --latency -s scripts/bench/submit.lua http://127.0.0.1:18095 | grep '^RESULT' >"$work/wrk" &
wrk_pid=$!
sleep 5
perf record -g -F 999 -o "$OUT/$backend.data" -p "$pid" -- sleep 10 2>/dev/null >/dev/null
wait "$wrk_pid"
echo "== $backend under the profiler: $(cat "$work/wrk")"
echo "== share of the server's samples per thread"
perf report -i "$OUT/$backend.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8
echo "== top symbols, whole server (self time)"
perf report -i "$OUT/$backend.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null \
  | grep -E '^ +[0-9]' | head -25
busiest=$(perf report -i "$OUT/$backend.data" --no-children --sort comm --stdio 2>/dev/null \
  | grep -E '^ +[0-9]' | head -1 | awk '{print $2}')
echo "== top symbols of the busiest thread ($busiest)"
perf report -i "$OUT/$backend.data" --no-children --comms "$busiest" --sort dso,sym --stdio -g none 2>/dev/null \
  | grep -E '^ +[0-9]' | head -20
