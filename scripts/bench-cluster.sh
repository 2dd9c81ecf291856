#!/usr/bin/env bash
# The cluster beside the single node (docs/PERFORMANCE.md, "Cluster"), in the same run on the
# same machine, with wrk on loopback as scripts/bench-http.sh:
#   1. ingest: POST /v1/entries, one distinct signed p256 penalty per request, C connections:
#      entries/s and acknowledgement latency (p50, p99);
#   2. batch ingest: POST /v1/entries/batch of 1,000 entries over 2 connections;
# first against one node (--dev), then against the leader of three cluster nodes over a
# three-member etcd (quorum 2: a block is acknowledged once the leader and one follower hold
# it and its head is recorded in etcd). Everything shares the machine's cores (3 etcd,
# 3 ledgerd, wrk), so the figures are ratios. Not a test: it asserts nothing.
# Usage: scripts/bench-cluster.sh   (BENCH_SECONDS=15 BENCH_CONNECTIONS=64)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${BENCH_SECONDS:-15}
conns=${BENCH_CONNECTIONS:-64}
source "$root/scripts/bench-lib.sh"
source "$root/tests/e2e/witness/lib.sh"
bench_build etcd-server
work=$(mktemp -d /tmp/credledger-bench-cluster.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }  # field NAME < wrk RESULT line

# One development ledger, copied: the single node runs on one copy, the cluster's first node
# on the other (the others get its node key only, and copy the log from the leader).
"$ledgerd" --dev --data-dir seed --port 0 --log-format logfmt 2>seed.log &
seed_pid=$!
wait_url seed.log "$seed_pid" >/dev/null
kill "$seed_pid"; wait "$seed_pid" || true
cp -a seed single
cp -a seed n1
for n in n2 n3; do mkdir "$n"; cp seed/node-key.pem "$n/"; done

count=$((8000 * seconds))
batch_count=$((16000 * seconds))
echo "== signing entries: $count single ones and $batch_count for batches, per setup"
for s in single cluster; do
  "$ctl" bench-entries --key seed/dev-keys/sz-tax.pem --agency sz-tax --genesis seed/dev-genesis.json \
    --series "S$s" --count "$count" --out "$s-single.jsonl" &
  "$ctl" bench-entries --key seed/dev-keys/sz-tax.pem --agency sz-tax --genesis seed/dev-genesis.json \
    --series "B$s" --count "$batch_count" --out "$s-batch.jsonl" &
done
wait

# run_load NAME URL: the two loads against URL; RESULT lines in NAME-*.txt.
run_load() {
  wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s -s "$root/scripts/wrk/post-entries.lua" \
    "$2" -- "$work/$1-single.jsonl" 2 | tee "$1-ingest.txt" | grep RESULT
  wrk -t2 -c2 -d"${seconds}s" --timeout 30s -s "$root/scripts/wrk/post-batches.lua" \
    "$2" -- "$work/$1-batch.jsonl" 2 1000 | tee "$1-batchrun.txt" | grep RESULT
}

echo "== single node"
"$ledgerd" --data-dir single --port 0 --scrub-entries-per-second 0 --log-format logfmt 2>single.log &
pids+=("$!")
single_pid=$!
single=$(wait_url single.log "$!" || true)
[ -n "$single" ] || { cat single.log; exit 1; }
run_load single "$single"
kill "$single_pid"; wait "$single_pid" || true

echo "== three cluster nodes over three etcd members"
etcd_urls= initial=
for i in 1 2 3; do
  cp=$(free_port); pp=$(free_port)
  eval "client$i=$cp peer$i=$pp"
  initial+="${initial:+,}e$i=http://127.0.0.1:$pp"
  etcd_urls+="${etcd_urls:+,}http://127.0.0.1:$cp"
done
for i in 1 2 3; do
  eval "cp=\$client$i pp=\$peer$i"
  /usr/bin/etcd --name "e$i" --data-dir "etcd$i" --listen-client-urls "http://127.0.0.1:$cp" \
    --advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "$initial" \
    --initial-cluster-token "$work" --initial-cluster-state new \
    --heartbeat-interval 100 --election-timeout 1000 2>"etcd$i.log" &
  pids+=("$!")
done
nodes=
for i in 1 2 3; do
  port=$(free_port)
  eval "port$i=$port"
  nodes+="${nodes:+,}n$i=http://127.0.0.1:$port"
done
for i in 1 2 3; do
  eval "port=\$port$i"
  "$ledgerd" --data-dir "n$i" --port "$port" --cluster-etcd "$etcd_urls" --cluster-nodes "$nodes" \
    --node-id "n$i" --scrub-entries-per-second 0 --follow-poll-ms 50 --log-format logfmt 2>"n$i.log" &
  pids+=("$!")
done
leader=
for _ in $(seq 300); do
  for i in 1 2 3; do
    eval "port=\$port$i"
    body=$(curl -fsS "http://127.0.0.1:$port/v1/node" 2>/dev/null || true)
    if [ -n "$body" ] && ! grep -q '"follows"' <<<"$body"; then leader=http://127.0.0.1:$port; fi
  done
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || { tail n*.log; exit 1; }
# The followers hold the genesis before the load (they are created from the leader's).
sleep 2
run_load cluster "$leader"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
s_rate=$(grep RESULT single-ingest.txt | field created_per_s)
c_rate=$(grep RESULT cluster-ingest.txt | field created_per_s)
s_p99=$(grep RESULT single-ingest.txt | field p99_ms)
c_p99=$(grep RESULT cluster-ingest.txt | field p99_ms)
s_p50=$(grep RESULT single-ingest.txt | field p50_ms)
c_p50=$(grep RESULT cluster-ingest.txt | field p50_ms)
s_batch=$(grep RESULT single-batchrun.txt | field created_per_s)
c_batch=$(grep RESULT cluster-batchrun.txt | field created_per_s)
echo
echo "SUMMARY ingest single=$s_rate/s cluster=$c_rate/s ratio=$(ratio "$c_rate" "$s_rate")" \
  "p50_ms single=$s_p50 cluster=$c_p50 p99_ms single=$s_p99 cluster=$c_p99" \
  "p99_ratio=$(ratio "$c_p99" "$s_p99")" \
  "batch single=$s_batch/s cluster=$c_batch/s ratio=$(ratio "$c_batch" "$s_batch")"
