-- wrk script: POST /v1/entries/batch, BATCH distinct signed entries per request.
-- Arguments (after --): ENTRIES_FILE THREADS BATCH [PAUSE_MS]
--   ENTRIES_FILE  one canonical signed entry per line (ledgerctl bench-entries); thread t of
--                 THREADS takes lines t, t+THREADS, ... so no entry is sent twice
--   BATCH         entries per request (the node's max_batch_entries is 1000 by default)
--   PAUSE_MS      each connection waits this long between requests (default 0: full load)
-- Counts the entries appended (results with status 201); a run that wraps around its entries
-- would resend them (200, already present), which is not ingest: it stops counting and says so.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  local batch = tonumber(args[3])
  local mine = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then mine[#mine + 1] = line end
    i = i + 1
  end
  bodies = {}
  for first = 1, #mine - batch + 1, batch do
    bodies[#bodies + 1] = '{"entries":[' .. table.concat(mine, ",", first, first + batch - 1) .. ']}'
  end
  pause = tonumber(args[4] or "0")
  sent, created, other, wrapped = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function delay()
  return pause
end

function request()
  sent = sent + 1
  if sent > #bodies then wrapped = 1 end
  return wrk.format(nil, "/v1/entries/batch", nil, bodies[(sent - 1) % #bodies + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    other = other + 1
    if other == 1 then io.stderr:write("first non-200 answer: " .. status .. " " .. body:sub(1, 300) .. "\n") end
    return
  end
  local _, n = body:gsub('"status":201', "")
  created = created + n
end

function done(summary, latency, requests)
  local c, o, w = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    w = w + t:get("wrapped")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT created=%d failed_requests=%d wrapped=%d seconds=%.2f created_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
    c, o, w, seconds, c / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
