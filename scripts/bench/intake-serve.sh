# Sourced by scripts/bench-intake.sh and scripts/profile-intake.sh: one minsheng instance as the
# intake benchmark runs it, and a wait for its port.

# The settings every instance shares (binary, config, port, database and files apart): a trusted
# proxy on 127.0.0.1 (each request's X-Forwarded-For is its client), limits raised, the mail
# worker running every second as in service, warnings only in the log.
# bench_serve BINARY CONFIG_DIR PORT DATABASE_URL DATA_DIR LOG_FILE DATA_KEY
#   -> starts it in the background ($! is its pid)
bench_serve() {
  MINSHENG_CONFIG_DIR="$2" \
  MINSHENG__SERVER__BIND="127.0.0.1:$3" \
  MINSHENG__SERVER__TRUSTED_PROXIES=127.0.0.1 \
  MINSHENG__DATABASE__URL="$4" \
  MINSHENG__DATABASE__POOL_SIZE=${POOL_SIZE:-8} \
  MINSHENG__DATA_DIR="$5" \
  MINSHENG__SECURITY__DATA_KEY="$7" \
  MINSHENG__MAIL__INTERVAL_SECS=1 \
  MINSHENG__MAIL__BATCH=200 \
  MINSHENG__LIMITS__SUBMIT_BURST=100000000 \
  MINSHENG__LIMITS__SUBMIT_PER_MINUTE=100000000 \
  MINSHENG__LIMITS__CONTACT_PER_DAY=100000000 \
  MINSHENG__LOG__FILTER=warn \
    "$1" serve >"$6" 2>&1 &
}

wait_port() { # port -> returns once something listens there (30 s at most)
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2; return 1
}
