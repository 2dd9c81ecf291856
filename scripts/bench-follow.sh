#!/usr/bin/env bash
# Followers and witnesses under the ingest benchmark's load (docs/PERFORMANCE.md,
# "Followers"): a leader with three witnesses (quorum 2) and one follower take batch ingest
# (wrk, POST /v1/entries/batch of 1,000 signed p256 penalties over 2 connections, as
# scripts/bench-http.sh) for S seconds while a sampler reads, every 20 ms, the leader's tree
# size, its published (2-of-3 cosigned) checkpoint's and the follower's. From the samples:
#   - follower lag: at each sample, how long ago the leader first held an entry the follower
#     did not have yet (0 when caught up); p50, p99, max;
#   - block to cosigned checkpoint: the same for the published checkpoint;
#   - the follower's copy rate beside the leader's ingest rate, and its catch-up time after
#     the load stops.
# Everything shares the machine's cores (leader, follower, 3 witnesses, wrk): report ratios.
# Not a test: it asserts nothing.
# BENCH_PAUSE_MS paces the load: each of the 2 connections waits that long between batches
# (default 0: the ingest benchmark's full load).
# Usage: scripts/bench-follow.sh   (BENCH_SECONDS=20 FOLLOW_POLL_MS=200 BENCH_PAUSE_MS=0)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${BENCH_SECONDS:-20}
poll=${FOLLOW_POLL_MS:-200}
pause=${BENCH_PAUSE_MS:-0}
source "$root/scripts/bench-lib.sh"
source "$root/tests/e2e/witness/lib.sh"
bench_build
work=$(mktemp -d /tmp/credledger-bench-follow.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
vkey=$(node_vkey "$ledgerd" leader)
echo "$vkey sha256" >logs
start_witnesses "$ledgerd" "$work" 3
"$ledgerd" --data-dir leader --port 0 --witnesses-file witnesses --witness-quorum 2 \
  --log-format logfmt 2>leader.log &
pids+=("$!")
leader=$(wait_url leader.log "$!")
"$ledgerd" --follow "$leader" --follow-key "$vkey" --follow-poll-ms "$poll" --data-dir follower \
  --port 0 --log-format logfmt 2>follower.log &
pids+=("$!")
follower=$(wait_url follower.log "$!")

count=$((20000 * seconds))
echo "== machine: $(nproc) cores; signing $count p256 penalties as sz-tax"
"$ctl" bench-entries --key leader/dev-keys/sz-tax.pem --agency sz-tax --genesis leader/dev-genesis.json \
  --count "$count" --out batch.jsonl >/dev/null

python3 - "$leader" "$follower" samples.txt <<'PY' &
import json, sys, time, urllib.request
leader, follower, out = sys.argv[1], sys.argv[2], sys.argv[3]
def size(url, path):
    body = urllib.request.urlopen(url + path, timeout=5).read().decode()
    return json.loads(body)["tree_size"] if path == "/v1/node" else int(body.split("\n")[1])
start = time.time()
idle = 0
with open(out, "w") as f:
    while True:
        t = time.time() - start
        l, p, fo = size(leader, "/v1/node"), size(leader, "/v1/checkpoint"), size(follower, "/v1/node")
        f.write("%.3f %d %d %d\n" % (t, l, p, fo))
        f.flush()
        idle = idle + 1 if (t > 5 and fo == l and p == l) else 0
        if idle > 25 or t > 600:
            break
        time.sleep(0.02)
PY
sampler=$!
sleep 1
echo "== batch ingest into the leader: wrk -t2 -c2 -d${seconds}s, 1000 entries a request, ${pause} ms between"
wrk -t2 -c2 -d"${seconds}s" --timeout 30s -s "$root/scripts/wrk/post-batches.lua" \
  "$leader" -- "$work/batch.jsonl" 2 1000 "$pause" | grep RESULT
wait "$sampler"
python3 - samples.txt "$poll" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
def lags(col):
    out = []
    for t, *sizes in rows:
        behind = sizes[col]
        first = next((tt for tt, *s in rows if s[0] > behind), None)
        out.append(max(0.0, t - first) if first is not None and first <= t else 0.0)
    return sorted(out)
def pct(xs, p):
    return xs[min(len(xs) - 1, int(p * len(xs)))]
loaded = [r for r in rows if r[1] > rows[0][1]]
t0 = loaded[0][0]                                         # the first entry seen
t1 = next(r[0] for r in rows if r[1] == rows[-1][1])      # the leader's last entry seen
ingest = (rows[-1][1] - rows[0][1]) / (t1 - t0)
caught = next(r[0] for r in rows if r[3] == rows[-1][1])
print("   leader: %d entries in %.1f s (%.0f/s); samples every 20 ms: %d" % (rows[-1][1] - rows[0][1], t1 - t0, ingest, len(rows)))
for name, col in (("follower lag (poll %s ms)" % sys.argv[2], 2), ("block to 2-of-3 cosigned checkpoint", 1)):
    xs = lags(col)
    print("   %s: p50 %.3f s, p99 %.3f s, max %.3f s" % (name, pct(xs, .5), pct(xs, .99), xs[-1]))
print("   follower caught up %.2f s after the leader's last entry (copy rate %.2fx the ingest rate)"
      % (caught - t1, (rows[-1][1] - rows[0][1]) / (caught - t0) / ingest))
PY
