#!/usr/bin/env bash
# The HTTP benchmark of ledgerd (docs/PERFORMANCE.md, "HTTP"), with wrk on loopback, each
# figure beside a reference measured in the same run on the same machine:
#   1. ingest: POST /v1/entries, one distinct signed p256 penalty per request, C connections,
#      against `openssl speed -multi 2 ecdsap256` verify/s (the 2-core signature bound); then
#      batch ingest, POST /v1/entries/batch of 1,000 entries over 2 connections, against the
#      same bound;
#   2. latency at half the ingest rate measured in 1 (paced with wrk's per-request delay);
#   3. inclusion-proof GETs at random indexes, against nginx serving a static file of the
#      same size to the same wrk command.
# Not a test: it asserts nothing and runs for about two minutes (at the default 15 s a phase).
# Usage: scripts/bench-http.sh   (BENCH_SECONDS=15 BENCH_CONNECTIONS=64 BENCH_WRK_THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${BENCH_SECONDS:-15}
conns=${BENCH_CONNECTIONS:-64}
wrk_threads=${BENCH_WRK_THREADS:-2}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target ledgerd ledgerctl >/dev/null
ctl=$root/build/release/tools/ledgerctl

work=$(mktemp -d /tmp/credledger-bench.XXXXXX)
chmod 755 "$work"
node= ngx=
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; [ -n "$ngx" ] && kill "$ngx" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }  # field NAME < wrk RESULT line
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in clock ticks
thread_ticks() {  # thread_ticks PID NAME: the same for the thread named NAME
  for t in /proc/"$1"/task/*; do
    [ "$(cat "$t/comm")" = "$2" ] && awk '{print $14 + $15}' "$t/stat" && return
  done
  echo 0
}

echo "== machine: $(nproc) cores; $(openssl version)"
"$root/build/release/node/ledgerd" --dev --data-dir data --port 0 --log-format logfmt 2>node.log &
node=$!
for _ in $(seq 100); do
  base=$(grep -o 'url="http://[0-9.:]*"' node.log | tail -1 | sed 's/url="//; s/"$//' || true)
  [ -n "$base" ] && curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ -n "$base" ] || { cat node.log; exit 1; }

# Enough distinct entries that no run wraps around (a wrapped run would resend duplicates).
count=$((25000 * seconds))
batch_count=$((25000 * seconds))
echo "== signing $count + $((count / 2)) + $batch_count p256 penalties as sz-tax (2 processes)"
"$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series A \
  --count "$count" --out full.jsonl &
{
  "$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series B \
    --count $((count / 2)) --out half.jsonl
  "$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series C \
    --count "$batch_count" --out batch.jsonl
}
wait %%

echo "== reference: openssl speed -multi 2 ecdsap256"
bound=$(openssl speed -multi 2 -seconds 5 -elapsed ecdsap256 2>/dev/null |
  awk '/nistp256/ {v = $NF} END {print v}')
echo "   p256 verify/s on 2 cores: $bound"

echo "== ingest: wrk -t$wrk_threads -c$conns -d${seconds}s POST /v1/entries"
ticks_before=$(cpu_ticks "$node")
seq_before=$(thread_ticks "$node" cl-sequencer)
wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$root/scripts/wrk/post-entries.lua" \
  "$base" -- "$work/full.jsonl" "$wrk_threads" | tee ingest.txt | grep -E 'Requests/sec|RESULT'
ticks=$(($(cpu_ticks "$node") - ticks_before))
seq_ticks=$(($(thread_ticks "$node" cl-sequencer) - seq_before))
rate=$(grep RESULT ingest.txt | field created_per_s)
created=$(grep RESULT ingest.txt | field created)
echo "   ratio to the 2-core verify bound: $(awk -v a="$rate" -v b="$bound" 'BEGIN {printf "%.2f", a / b}')"
# Where the CPU goes: ledgerd's CPU time per entry, against one p256 verification's share of
# the reference (2 cores / bound); the rest of the 2 cores went to wrk and the kernel.
echo "   ledgerd CPU: $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v s="$seconds" 'BEGIN {printf "%.2f", t / hz / s}') cores;" \
  "$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$created" 'BEGIN {printf "%.0f", t / hz / n * 1e6}') us per entry," \
  "of which one verification is $(awk -v b="$bound" 'BEGIN {printf "%.0f", 2 / b * 1e6}') us;" \
  "the serial sequencer: $(awk -v t="$seq_ticks" -v hz="$(getconf CLK_TCK)" -v n="$created" 'BEGIN {printf "%.0f", t / hz / n * 1e6}') us per entry"

echo "== batch ingest: wrk -t2 -c2 -d${seconds}s POST /v1/entries/batch, 1000 entries each"
wrk -t2 -c2 -d"${seconds}s" --timeout 30s -s "$root/scripts/wrk/post-batches.lua" \
  "$base" -- "$work/batch.jsonl" 2 1000 | tee batch.txt | grep RESULT
batch_rate=$(grep RESULT batch.txt | field created_per_s)
echo "   ratio to the 2-core verify bound: $(awk -v a="$batch_rate" -v b="$bound" 'BEGIN {printf "%.2f", a / b}')"

half=$(awk -v r="$rate" 'BEGIN {printf "%d", r / 2}')
pause=$(awk -v r="$half" -v c="$conns" 'BEGIN {printf "%d", c * 1000 / r}')
echo "== latency at half that rate (~$half/s: each connection waits ${pause} ms between requests)"
wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" --timeout 10s -s "$root/scripts/wrk/post-entries.lua" \
  "$base" -- "$work/half.jsonl" "$wrk_threads" "$pause" | tee half.txt | grep RESULT

size=$(curl -fsS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/')
proof_path=/v1/proofs/inclusion
curl -fsS -o proof.json "$base$proof_path?index=$((size / 3))&tree_size=$size"
mkdir -p www && head -c "$(stat -c %s proof.json)" proof.json >www/proof.json
echo "== inclusion proofs at tree size $size ($(stat -c %s proof.json)-byte answers): wrk -t$wrk_threads -c$conns -d${seconds}s"
wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" -s "$root/scripts/wrk/get-random.lua" \
  "$base" -- "$proof_path" "$size" "&tree_size=$size" | tee proofs.txt | grep RESULT
kill "$node"; wait "$node" || true; node=

port=$((20000 + RANDOM % 20000))
cat >nginx.conf <<CONF
daemon off;
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$port; root $work/www; default_type application/json; }
}
CONF
"$nginx" -c "$work/nginx.conf" -p "$work" &
ngx=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/proof.json" && break; sleep 0.1; done
echo "== reference: nginx ($(nproc) workers) serving www/proof.json, same wrk command"
wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" -s "$root/scripts/wrk/get-random.lua" \
  "http://127.0.0.1:$port" -- /proof.json "$size" "&tree_size=$size" | tee nginx.txt | grep RESULT
proofs=$(grep RESULT proofs.txt | field ok_per_s)
static=$(grep RESULT nginx.txt | field ok_per_s)

echo
echo "SUMMARY ingest=$rate/s bound=$bound/s ratio=$(awk -v a="$rate" -v b="$bound" 'BEGIN {printf "%.2f", a / b}')" \
  "batch=$batch_rate/s batch_ratio=$(awk -v a="$batch_rate" -v b="$bound" 'BEGIN {printf "%.2f", a / b}')" \
  "half_load_p99_ms=$(grep RESULT half.txt | field p99_ms) half_load_rate=$(grep RESULT half.txt | field created_per_s)/s" \
  "proofs=$proofs/s nginx=$static/s ratio=$(awk -v a="$proofs" -v b="$static" 'BEGIN {printf "%.2f", a / b}')"
