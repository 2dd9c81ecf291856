-- wrk script: GET the target path with ?index=<random below SIZE>, the same way for the node's
-- inclusion proofs and for the static-file reference (which ignores the query), so that both
-- pay the same load-generator cost. A PATH ending in "/" is a C2SP tile prefix instead: the
-- random index is appended as tlog-tiles spells it (000, x001/234, ...).
-- Arguments (after --): PATH SIZE [EXTRA_QUERY]
function init(args)
  path = args[1]
  size = tonumber(args[2])
  extra = args[3] or ""
  ok, other = 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

local function tile_index(n)
  local spelled = string.format("%03d", n % 1000)
  n = math.floor(n / 1000)
  while n > 0 do
    spelled = string.format("x%03d/", n % 1000) .. spelled
    n = math.floor(n / 1000)
  end
  return spelled
end

function request()
  local n = math.random(0, size - 1)
  if path:sub(-1) == "/" then return wrk.format("GET", path .. tile_index(n)) end
  return wrk.format("GET", path .. "?index=" .. n .. extra)
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
