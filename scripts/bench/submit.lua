-- wrk script: valid POST /api/v1/submissions, each with a distinct contact and a distinct
-- X-Forwarded-For (the server trusts 127.0.0.1 as a proxy during the benchmark).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local n = tid * 10000000 + counter
  local body = string.format(
    '{"kind":"complaint","category":"service_attitude","region":"370983","target_unit":"370983-police",' ..
    '"title":"派出所窗口排长队","body":"肥城市某派出所户籍窗口只开一个，排队两个小时没有人管，希望增加窗口。编号%d",' ..
    '"name":"测试","phone":"13800138000","email":"bench%d@example.com"}', n, n)
  local ip = string.format("10.%d.%d.%d", tid % 250, math.floor(counter / 250) % 250, counter % 250 + 1)
  return wrk.format("POST", "/api/v1/submissions",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local ok = summary.requests - summary.errors.status
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d seconds=%.2f rps=%.0f ok_rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    seconds, summary.requests / seconds, ok / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
