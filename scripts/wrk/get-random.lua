-- wrk script: GET the target path with ?index=<random below SIZE>, the same way for the node's
-- inclusion proofs and for the static-file reference (which ignores the query), so that both
-- pay the same load-generator cost.
-- Arguments (after --): PATH SIZE [EXTRA_QUERY]
function init(args)
  path = args[1]
  size = tonumber(args[2])
  extra = args[3] or ""
  ok, other = 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

function request()
  return wrk.format("GET", path .. "?index=" .. math.random(0, size - 1) .. extra)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    bad = bad + t:get("other")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT ok=%d other=%d seconds=%.2f ok_per_s=%.0f bytes_per_response=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    good, bad, seconds, good / seconds, summary.bytes / math.max(1, summary.requests),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
