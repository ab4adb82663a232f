#!/usr/bin/env bash
# Load benchmark of durable intake (issues #2 and #14).
#
# Release build; wrk with 32 connections for 20 s of valid POST /api/v1/submissions, each with a
# distinct contact and X-Forwarded-For (the server trusts 127.0.0.1 as a proxy, limits raised).
# Each round measures, in the same run:
#   baseline  a trivial actix-web POST handler
#   sqlite    minsheng on a fresh SQLite database (WAL, synchronous=FULL, mail worker running)
#   postgres  minsheng on a fresh PostgreSQL database (fsync and synchronous_commit on)
#   three     three `minsheng serve` on one fresh PostgreSQL database behind nginx (installed
#             from Debian's packages if missing), loaded together through it
# and counts the rows really stored for each. After the three-instance load the instances keep
# sending mail for a few seconds; every mail file written must be a distinct outbox row marked
# sent (nothing sent twice). Prints every round and the medians, with ratios to the baseline.
#
# Usage: scripts/bench-intake.sh   (ROUNDS=3 DURATION=20s CONNECTIONS=32 THREADS=2 POOL_SIZE=8
#        MODES="sqlite postgres three"; PostgreSQL at MINSHENG_BENCH_PG, default
#        postgres://postgres@127.0.0.1:5432)
# A/B in the same run: VARIANTS="now before=/path/to/an/older/minsheng@/its/config" runs every mode
# of a round with each binary in turn ("now" is this checkout's release build and config; an older
# binary needs the config directory of its own commit), so all of them see the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PG=${MINSHENG_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/minsheng-target}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…" >&2
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [[ " ${MODES:-three} " == *" three "* ]] && ! command -v nginx >/dev/null; then
  echo "installing nginx (Debian package)…" >&2
  apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null 2>&1 || apt-get install -y -qq nginx >/dev/null
fi
cargo build --release --quiet --bin minsheng --example bench_baseline
NOW=$CARGO_TARGET_DIR/release/minsheng
BASE=$CARGO_TARGET_DIR/release/examples/bench_baseline

# shellcheck source=bench/intake-serve.sh
. scripts/bench/intake-serve.sh

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

run_wrk() { # port -> RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/bench/submit.lua "http://127.0.0.1:$1" \
    | grep '^RESULT'
}

field() { sed -E "s/.* $1=([0-9.]+).*/\1/" <<<"$2"; }

serve() { # port, database URL, data dir, log file -> starts one instance of $bin in the background
  bench_serve "$bin" "$conf" "$1" "$2" "$3" "$4" "$DATA_KEY"; pids+=($!)
}
vmhwm() { # pid -> its peak resident memory (VmHWM), in MiB
  awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}
stop_all() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
fresh_pg() { # database name -> URL of an empty database
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  psql "$PG/postgres" -qc "CREATE DATABASE $1" >/dev/null
  echo "$PG/$1"
}
pg_count() { psql "$1" -tAc "$2"; }
DATA_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))")
# nginx in front of the three instances: keep-alive upstream connections, the client's address
# passed on in X-Forwarded-For (which the instances trust from 127.0.0.1).
cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
error_log $work/nginx-error.log warn;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  # Idle upstream connections are closed before the instances' own 5 s keep-alive would: a POST
  # sent on a connection the upstream is closing gets a 502 (nginx retries no POST).
  upstream minsheng {
    server 127.0.0.1:18101; server 127.0.0.1:18102; server 127.0.0.1:18103;
    keepalive 64; keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:18100;
    location / {
      proxy_pass http://minsheng;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
CONF

declare -A rps p50 p99 stored hwm
failed=0
MODES=${MODES:-"sqlite postgres three"}
VARIANTS=${VARIANTS:-now}
labels=()
declare -A bins confs
for v in $VARIANTS; do
  label=${v%%=*}
  bins[$label]=$NOW; confs[$label]=config
  if [ "$label" != "$v" ]; then
    spec=${v#*=}; bins[$label]=${spec%@*}
    if [ "$spec" != "${spec%@*}" ]; then confs[$label]=${spec#*@}; fi
  fi
  [ -x "${bins[$label]}" ] || { echo "no binary for variant $label: ${bins[$label]}" >&2; exit 2; }
  labels+=("$label")
done
# Each result is kept under "mode/variant".
keys=()
for mode in $MODES; do for label in "${labels[@]}"; do keys+=("$mode/$label"); done; done

for round in $(seq 1 "$ROUNDS"); do
  "$BASE" 127.0.0.1:18090 >/dev/null 2>&1 & pids+=($!)
  wait_port 18090
  b=$(run_wrk 18090)
  stop_all
  echo "round $round baseline: $b"
  rps[base,$round]=$(field rps "$b"); p99[base,$round]=$(field p99_ms "$b")

  for key in "${keys[@]}"; do
    mode=${key%/*}; label=${key#*/}; bin=${bins[$label]}; conf=${confs[$label]}
    tag="$mode-$label-$round"
    case $mode in
      sqlite)
        db="$work/$tag.db"
        serve 18091 "sqlite://$db" "$work/data-$tag" "$work/serve-$tag.log"
        wait_port 18091
        m=$(run_wrk 18091)
        hwm[$key,$round]=$(vmhwm "${pids[0]}")
        stop_all
        n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from submissions').fetchone()[0])" "$db")
        rm -rf "$db" "$db-wal" "$db-shm" "$work/data-$tag" ;;
      postgres)
        url=$(fresh_pg minsheng_bench_intake)
        serve 18092 "$url" "$work/data-$tag" "$work/serve-$tag.log"
        wait_port 18092
        m=$(run_wrk 18092)
        hwm[$key,$round]=$(vmhwm "${pids[0]}")
        stop_all
        n=$(pg_count "$url" "select count(*) from submissions")
        rm -rf "$work/data-$tag" ;;
      three)
        url=$(fresh_pg minsheng_bench_three)
        data="$work/data-$tag"
        # The first instance migrates; the other two start on the migrated database.
        serve 18101 "$url" "$data" "$work/serve-a-$tag.log"; wait_port 18101
        serve 18102 "$url" "$data" "$work/serve-b-$tag.log"
        serve 18103 "$url" "$data" "$work/serve-c-$tag.log"
        wait_port 18102; wait_port 18103
        nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
        wait_port 18100
        m=$(run_wrk 18100)
        hwm[$key,$round]=$(for p in "${pids[@]:0:3}"; do vmhwm "$p"; echo; done | sort -g | tail -1)
        sleep 5 # the mail workers go on sending what the load queued
        stop_all
        n=$(pg_count "$url" "select count(*) from submissions")
        sent=$(pg_count "$url" "select count(*) from outbox where status = 'sent'")
        files=$(find "$data/mail" -type f 2>/dev/null | wc -l)
        ids=$(grep -h -m1 -i '^Message-ID:' "$data"/mail/* 2>/dev/null | sort -u | wc -l)
        echo "round $round $key: mail sent rows=$sent files=$files distinct message ids=$ids"
        if [ "$sent" != "$files" ] || [ "$files" != "$ids" ]; then
          echo "FAILED ($key): a mail was sent twice or not recorded (rows $sent, files $files, ids $ids)" >&2
          failed=1
        fi
        rm -rf "$data" ;;
      *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
    echo "round $round $key: $m stored_rows=$n peak_rss_mib=${hwm[$key,$round]}"
    rps[$key,$round]=$(field ok_rps "$m"); p50[$key,$round]=$(field p50_ms "$m"); p99[$key,$round]=$(field p99_ms "$m")
    stored[$key,$round]=$n
    non2xx=$(field non2xx "$m")
    if [ "$non2xx" != "0" ]; then
      echo "WARNING: $non2xx non-2xx answers in round $round ($key)" >&2
      cat "$work"/nginx-error.log 2>/dev/null | tail -3 >&2 || true
      grep -h -m3 -iE 'error|warn' "$work"/serve-*"$tag".log >&2 || true
    fi
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { local out=(); for r in $(seq 1 "$ROUNDS"); do out+=("${1}[$2,$r]"); done; for v in "${out[@]}"; do echo "${!v}"; done; }
mb=$(median $(col rps base))
echo
echo "== medians over $ROUNDS rounds ($CONNECTIONS connections, $DURATION each, pool ${POOL_SIZE:-8}, $(nproc) cores) =="
echo "baseline (trivial actix-web POST): $(printf '%.0f' "$mb") req/s, p99 $(median $(col p99 base)) ms"
for key in "${keys[@]}"; do
  mm=$(median $(col rps "$key"))
  printf '%-16s %6.0f submissions/s, p50 %s ms, p99 %s ms, ratio to baseline %s; rows stored per round: %s\n' \
    "$key" "$mm" "$(median $(col p50 "$key"))" "$(median $(col p99 "$key"))" \
    "$(awk -v a="$mm" -v b="$mb" 'BEGIN {printf "%.3f", a/b}')" "$(col stored "$key" | tr '\n' ' ')"
  echo "                 peak resident memory (VmHWM, the largest instance) per round, MiB: $(col hwm "$key" | tr '\n' ' ')"
done
if [ "$failed" != 0 ]; then echo "FAILED: see the mail checks above" >&2; exit 1; fi
