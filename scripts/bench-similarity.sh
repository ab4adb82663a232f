#!/usr/bin/env bash
# Suggestion look-up benchmark (issue #16, "one matter, many voices"): 1,000,000 seeded cases, a
# share of them other people's rewordings of one matter (seed-demo), on SQLite or PostgreSQL.
# Release build; a fresh database; `minsheng seed-demo`; then, with the index job off:
#   1. baseline: wrk with few connections against the staff case view
#      (`GET /api/v1/staff/cases/{code}`, bearer token of a handler at 370983-police) for random
#      codes of that unit's cases in the window, BEFORE the similarity index is built — the same
#      request, its own fingerprint computed, the candidate look-up finding nothing;
#   2. `minsheng similarity rebuild` under GNU time (seconds, peak RSS = VmHWM), then ANALYZE, and
#      the database's growth;
#   3. the same requests with the index built: candidates read, loaded, confirmed.
# Each measurement is ROUNDS rounds of DURATION after a 5 s warm-up; prints each round, the
# medians and the ratios, and how many of a sample of the codes got a suggestion.
#
# Usage: scripts/bench-similarity.sh [sqlite|postgres]   (CASES=1000000 CONNECTIONS=2 ROUNDS=3
#        DURATION=15s UNIT=370983-police; PROFILE=<file>: one more round with the index, not
#        counted, under `perf record -g -a` (server, database, wrk), report written to <file>; PostgreSQL at
#        MINSHENG_BENCH_PG, default postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
CASES=${CASES:-1000000}
CONNECTIONS=${CONNECTIONS:-2}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15s}
UNIT=${UNIT:-370983-police}
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet --bin minsheng
BIN=$CARGO_TARGET_DIR/release/minsheng

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
       MINSHENG__LOG__FILTER=warn MINSHENG__SERVER__BIND=127.0.0.1:18094 MINSHENG__SWEEPER__INTERVAL_SECS=0 \
       MINSHENG__MAIL__INTERVAL_SECS=0 MINSHENG__SIMILARITY__INDEX_INTERVAL_SECS=0

sql() { # one statement, unaligned output
  case "$BACKEND" in
    sqlite) sqlite3 "$work/bench.db" "$1" ;;
    postgres) psql "$URL" -Atqc "$1" ;;
  esac
}
db_bytes() {
  case "$BACKEND" in
    sqlite) du -cb "$work"/bench.db* | tail -1 | cut -f1 ;;
    postgres) sql "SELECT pg_database_size(current_database())" ;;
  esac
}
settle() { # write the loaded data out, so a run measures the steady state
  if [ "$BACKEND" = postgres ]; then psql "$URL" -qc "CHECKPOINT" >/dev/null; fi
  sync
  for _ in $(seq 1 120); do
    dirty_kb=$(awk '/^Dirty:/ {print $2}' /proc/meminfo)
    [ "${dirty_kb:-0}" -lt 65536 ] && break
    sleep 1
  done
}
wait_port() {
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; return 1
}

/usr/bin/time -f "seed: %e s, peak RSS %M KiB" "$BIN" seed-demo --cases "$CASES" --unit "$UNIT" --unit-open 0
echo "bench password long enough" | "$BIN" user add --username bench.handler --unit "$UNIT" --role handler >/dev/null
TOKEN=$("$BIN" token create --username bench.handler 2>/dev/null)

# The handler's cases in the window (received in the last 90 days).
export CODES="$work/codes"
sql "SELECT tracking_code FROM submissions WHERE assigned_unit = '$UNIT' AND received_day >= (SELECT MAX(received_day) FROM submissions) - 89" >"$CODES"
echo "codes: $(wc -l <"$CODES") cases in the window at $UNIT"
before=$(db_bytes)

measure() { # label -> one RESULT line per round, in $work/<label>
  settle
  "$BIN" serve >"$work/serve-$1.log" 2>&1 & local pid=$!
  pids+=("$pid")
  wait_port 18094
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18094/api/v1/staff/cases/$(head -1 "$CODES")" \
    || { echo "the case view does not answer" >&2; exit 1; }
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s scripts/bench/codes.lua -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18094 >/dev/null
  : >"$work/$1"
  for r in $(seq 1 "$ROUNDS"); do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/codes.lua -H "Authorization: Bearer $TOKEN" \
      http://127.0.0.1:18094 | grep '^RESULT' | tee -a "$work/$1"
  done
  if [ -n "${PROFILE:-}" ] && [ "$1" = after ]; then
    perf record -F 499 -g -a -o "$work/perf.data" -- sleep 10 >/dev/null 2>&1 &
    local perf=$!
    wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s scripts/bench/codes.lua -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18094 >/dev/null
    wait "$perf" || true
    # (head closes the pipe early: not a failure)
    { perf report -i "$work/perf.data" --no-children --sort comm,symbol --stdio -g none 2>/dev/null | head -90 >"$PROFILE"; } || true
    { perf report -i "$work/perf.data" --children --sort comm,symbol --stdio -g none 2>/dev/null | head -90 >>"$PROFILE"; } || true
    cp "$work/perf.data" "$PROFILE.data"
  fi
  # How many of 200 codes get a suggestion, and how many in all.
  shuf -n 200 --random-source=<(yes) "$CODES" | while read -r code; do
    curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18094/api/v1/staff/cases/$code" |
      python3 -c "import json,sys; print(len(json.load(sys.stdin).get('suggestions') or []))"
  done | awk '{n++; s+=$1; if ($1 > 0) w++} END {printf "suggested: %d of %d sampled cases have a suggestion (%d suggestions)\n", w, n, s}' | tee "$work/$1.sample"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "== baseline: before the index is built"
measure before

echo "== similarity rebuild"
settle
/usr/bin/time -v "$BIN" similarity rebuild 2>"$work/rebuild.time"
grep -E "Elapsed|Maximum resident" "$work/rebuild.time"
case "$BACKEND" in
  sqlite) sql "ANALYZE" ;;
  postgres) sql "VACUUM ANALYZE case_bands" >/dev/null; sql "VACUUM ANALYZE case_fingerprints" >/dev/null ;;
esac
after=$(db_bytes)
echo "rows: $(sql "SELECT COUNT(*) FROM case_fingerprints") fingerprints, $(sql "SELECT COUNT(*) FROM case_bands") band keys"
if [ "$BACKEND" = postgres ]; then
  echo "sizes: case_bands $(sql "SELECT pg_size_pretty(pg_total_relation_size('case_bands'))"), case_fingerprints $(sql "SELECT pg_size_pretty(pg_total_relation_size('case_fingerprints'))")"
fi
awk -v a="$after" -v b="$before" 'BEGIN {printf "database: %.0f MiB -> %.0f MiB (+%.0f MiB)\n", b/1048576, a/1048576, (a-b)/1048576}'

echo "== with the index"
measure after

median() { # field, file -> median over the rounds
  sed -E "s/.* $1=([0-9.]+).*/\1/" "$2" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
echo
echo "== $BACKEND: $CASES cases; $CONNECTIONS connections, $ROUNDS rounds of $DURATION, $(nproc) cores; medians =="
for label in before after; do
  printf '%-7s p50 %s ms, p99 %s ms, %s req/s; %s\n' "$label" "$(median p50_ms "$work/$label")" \
    "$(median p99_ms "$work/$label")" "$(median rps "$work/$label")" "$(cat "$work/$label.sample")"
done
awk -v a="$(median p99_ms "$work/after")" -v b="$(median p99_ms "$work/before")" \
    -v c="$(median p50_ms "$work/after")" -v d="$(median p50_ms "$work/before")" \
    'BEGIN {printf "ratio with index / before: p50 %.2f, p99 %.2f\n", c/d, a/b}'
