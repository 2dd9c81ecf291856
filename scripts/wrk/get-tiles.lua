-- wrk script: GET full C2SP tiles at random indexes below COUNT, PREFIX/<N as tlog-tiles spells
-- it> (000, x001/234, ...), or, with a FIXED path, that one file every time (the static
-- baseline, paying the same load-generator cost but for the index).
-- Arguments (after --): PREFIX COUNT [FIXED]
function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  fixed = args[3]
  ok, other = 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

local function index_path(n)
  local path = string.format("%03d", n % 1000)
  n = math.floor(n / 1000)
  while n > 0 do
    path = string.format("x%03d/", n % 1000) .. path
    n = math.floor(n / 1000)
  end
  return path
end

function request()
  if fixed then return wrk.format("GET", fixed) end
  return wrk.format("GET", prefix .. index_path(math.random(0, count - 1)))
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
