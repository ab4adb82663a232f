-- wrk script: GET /api/v1/staff/cases/{code} for a random code of those in the file named by
-- the CODES environment variable (one a line); prints one RESULT line as get.lua does.
local codes = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  for line in io.lines(os.getenv("CODES")) do
    if #line > 0 then codes[#codes + 1] = line end
  end
  math.randomseed(os.time() * 100 + id)
end

function request()
  return wrk.format("GET", "/api/v1/staff/cases/" .. codes[math.random(#codes)])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d seconds=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
