-- wrk script: POST /v1/entries, one distinct signed entry per request.
-- Arguments (after --): ENTRIES_FILE THREADS [DELAY_MS]
--   ENTRIES_FILE  one canonical signed entry per line (ledgerctl bench-entries); thread t of
--                 THREADS sends lines t, t+THREADS, ... so no entry is sent twice
--   DELAY_MS      pause per connection before each request (a paced, lighter load)
-- Counts 201 (appended) apart from everything else; a run that wraps around its entries
-- would send duplicates (200, already present), which are not ingest, so it stops counting
-- and reports them.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  pause = tonumber(args[3] or "0")
  entries = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then entries[#entries + 1] = line end
    i = i + 1
  end
  sent, created, other = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local n = (sent - 1) % #entries + 1
  return wrk.format(nil, "/v1/entries", nil, entries[n])
end

function delay()
  return pause
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
  if other == 1 and status ~= 201 then io.stderr:write("first non-201 answer: " .. status .. " " .. body:sub(1, 300) .. "\n") end
end

function done(summary, latency, requests)
  local c, o, available = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    available = available + #t:get("entries")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT created=%d other=%d entries_available=%d seconds=%.2f created_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    c, o, available, seconds, c / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
