-- wrk script for GET benchmarks: prints one RESULT line (requests, non-2xx, rate, percentiles).
function done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d seconds=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
