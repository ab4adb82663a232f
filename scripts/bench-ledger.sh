#!/usr/bin/env bash
# Ledger export benchmark (issue #12): seeds N cases (all held by one unit, so the export lists
# every one of them), then times `minsheng ledger export` as CSV and as an Excel workbook and
# reports rows, seconds and the process's peak memory (max RSS, from GNU time). Memory should stay
# flat as N grows: rows are read in keyset pages and written as they are read.
#
# Usage: scripts/bench-ledger.sh [sqlite|postgres]   (CASES=100000 PROFILE=release|debug;
#        PostgreSQL at MINSHENG_BENCH_PG, default postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
CASES=${CASES:-100000}
PROFILE=${PROFILE:-release}
UNIT=370983-police
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet --bin minsheng
else
  cargo build --quiet --bin minsheng
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy: the target folder may be shared with other checkouts' builds.
cp "$CARGO_TARGET_DIR/$PROFILE/minsheng" "$work/minsheng"
BIN=$work/minsheng
case "$BACKEND" in
  sqlite) URL="sqlite://$work/bench.db" ;;
  postgres)
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS minsheng_ledger_bench WITH (FORCE)" >/dev/null
    psql "$PG/postgres" -qc "CREATE DATABASE minsheng_ledger_bench" >/dev/null
    URL="$PG/minsheng_ledger_bench"
    trap 'rm -rf "$work"; psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS minsheng_ledger_bench WITH (FORCE)" >/dev/null' EXIT ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
export MINSHENG_CONFIG_DIR=config MINSHENG__DATABASE__URL="$URL" MINSHENG__DATA_DIR="$work/data" \
       MINSHENG__LOG__FILTER=warn

"$BIN" seed-demo --cases "$CASES" --unit "$UNIT" --unit-open "$CASES"
# Seeded cases were received in the past (90 days today; wider if seed-demo adds history).
FROM=$(TZ=Asia/Shanghai date -d '-1000 days' +%F)
TO=$(TZ=Asia/Shanghai date +%F)

echo
echo "== $BACKEND, $PROFILE build: $CASES cases at $UNIT, $FROM to $TO, $(nproc) cores =="
for format in csv xlsx; do
  out="$work/ledger.$format"
  /usr/bin/time -v -o "$work/time.$format" \
    "$BIN" ledger export --scope "$UNIT" --from "$FROM" --to "$TO" --format "$format" --out "$out" \
    >"$work/out.$format"
  rows=$(sed -E 's/^wrote ([0-9]+) row.*/\1/' "$work/out.$format")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.$format")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.$format")
  size=$(du -h "$out" | cut -f1)
  [ "$rows" = "$CASES" ] || { echo "$format: $rows rows, expected $CASES" >&2; exit 1; }
  printf '%-5s rows %s, wall %s, max RSS %s MiB, file %s  (%s)\n' \
    "$format" "$rows" "$secs" "$((rss / 1024))" "$size" "$(cat "$work/out.$format")"
done
