#!/usr/bin/env bash
# Load benchmark of durable intake on SQLite (issue #2).
#
# Release build; wrk with 32 connections for 20 s of valid POST /api/v1/submissions, each with a
# distinct contact and X-Forwarded-For (the server trusts 127.0.0.1 as a proxy, limits raised).
# Each round measures, in the same run, a baseline (a trivial actix-web POST handler) and then
# minsheng on a fresh SQLite database, and counts the rows really stored. Prints every round and
# the medians, with minsheng's throughput as a ratio of the baseline's.
#
# Usage: scripts/bench-intake.sh            (ROUNDS=3 DURATION=20s CONNECTIONS=32 THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…" >&2
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin minsheng --example bench_baseline
BIN=$CARGO_TARGET_DIR/release/minsheng
BASE=$CARGO_TARGET_DIR/release/examples/bench_baseline

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}

run_wrk() { # port -> RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/bench/submit.lua "http://127.0.0.1:$1" \
    | grep '^RESULT'
}

field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }

base_rps=(); ms_rps=(); ms_p50=(); ms_p99=(); base_p99=(); stored_all=()
for round in $(seq 1 "$ROUNDS"); do
  "$BASE" 127.0.0.1:18090 >/dev/null 2>&1 & pids+=($!)
  wait_port 18090
  b=$(run_wrk 18090)
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

  db="$work/round$round.db"
  MINSHENG_CONFIG_DIR=config \
  MINSHENG__SERVER__BIND=127.0.0.1:18091 \
  MINSHENG__SERVER__TRUSTED_PROXIES=127.0.0.1 \
  MINSHENG__DATABASE__URL="sqlite://$db" \
  MINSHENG__DATABASE__POOL_SIZE=8 \
  MINSHENG__DATA_DIR="$work/data" \
  MINSHENG__LIMITS__SUBMIT_BURST=100000000 \
  MINSHENG__LIMITS__SUBMIT_PER_MINUTE=100000000 \
  MINSHENG__LIMITS__CONTACT_PER_DAY=100000000 \
  MINSHENG__LOG__FILTER=info \
    "$BIN" serve >"$work/serve$round.log" 2>&1 & pids+=($!)
  wait_port 18091
  m=$(run_wrk 18091)
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from submissions').fetchone()[0])" "$db")
  sync_mode=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma journal_mode').fetchone()[0])" "$db")

  echo "round $round baseline: $b"
  echo "round $round minsheng: $m stored_rows=$stored journal=$sync_mode"
  base_rps+=("$(field rps "$b")"); base_p99+=("$(field p99_ms "$b")")
  ms_rps+=("$(field ok_rps "$m")"); ms_p50+=("$(field p50_ms "$m")"); ms_p99+=("$(field p99_ms "$m")")
  stored_all+=("$stored")
  non2xx=$(field non2xx "$m")
  if [ "$non2xx" != "0" ]; then echo "WARNING: $non2xx non-2xx answers in round $round" >&2; fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${base_rps[@]}"); mm=$(median "${ms_rps[@]}")
echo
echo "== medians over $ROUNDS rounds ($CONNECTIONS connections, $DURATION each, $(nproc) cores) =="
echo "baseline (trivial actix-web POST):   $(printf '%.0f' "$mb") req/s, p99 $(median "${base_p99[@]}") ms"
echo "minsheng (durable, SQLite FULL/WAL): $(printf '%.0f' "$mm") submissions/s, p50 $(median "${ms_p50[@]}") ms, p99 $(median "${ms_p99[@]}") ms"
echo "rows stored per round:               ${stored_all[*]}"
echo "ratio minsheng / baseline:           $(awk -v a="$mm" -v b="$mb" 'BEGIN {printf "%.3f", a/b}')"
