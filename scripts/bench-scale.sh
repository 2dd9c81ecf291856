#!/usr/bin/env bash
# The scale benchmark (docs/PERFORMANCE.md, "Scale"): for each size N, grows one domain ledger
# to N entries (`ledgerctl bench-scale`: all five record types, six agencies signing with p256,
# ed25519 and sm2 keys, 100,000 enterprises), then starts a real ledgerd on it and reports
#   - restart: from exec to the first 200 from /readyz;
#   - resident memory right after that, and after the reads;
#   - read latencies p50/p99 of one client (`ledgerctl bench-reads`): inclusion proofs,
#     records, subject pages, bundles and profiles;
#   - bytes on disk (the LevelDB store) per byte of entries.
# Not a test: it asserts nothing. At 10M entries the build takes about half an hour.
# Usage: scripts/bench-scale.sh [N...]   (default 1000000 3000000 10000000)
#        BENCH_SCALE_DIR=DIR keeps the ledger there (default: a temporary directory, removed)
#        BENCH_READS=100000 reads per size
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 3000000 10000000)
reads=${BENCH_READS:-100000}
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target ledgerd ledgerctl >/dev/null
ctl=$root/build/release/tools/ledgerctl
ledgerd=$root/build/release/node/ledgerd

dir=${BENCH_SCALE_DIR:-}
keep=1
if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/credledger-scale.XXXXXX); keep=0; fi
node=
out=$(mktemp -d /tmp/credledger-scale-out.XXXXXX)  # build.json, reads.json
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; wait 2>/dev/null; rm -rf "$out"; [ "$keep" = 1 ] || rm -rf "$dir"' EXIT
cd "$out"

rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
json() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"; }  # json FIELD < one-line JSON
nested() { sed -n "s/.*\"$1\":{\"p50_ms\":\([0-9.e+-]*\),\"p99_ms\":\([0-9.e+-]*\)}.*/\1 \2/p"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; ledger in $dir"
for n in "${sizes[@]}"; do
  echo "== growing the ledger to $n entries"
  "$ctl" bench-scale --data "$dir" --entries "$n" 2>/dev/null | tee build.json
  sync
  log=$dir/ledgerd.log
  start=$(date +%s%N)
  "$ledgerd" --data-dir "$dir" --port 0 --log-format logfmt 2>"$log" &
  node=$!
  base=
  while true; do
    [ -n "$base" ] || base=$(grep -o 'url="http://[0-9.:]*"' "$log" | tail -1 | sed 's/url="//; s/"$//' || true)
    if [ -n "$base" ] && curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; then break; fi
    kill -0 "$node" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.01
  done
  restart_ms=$((($(date +%s%N) - start) / 1000000))
  rss_start=$(rss_mib "$node")
  sleep 5  # the leaf filter is built in the background after the start
  rss_settled=$(rss_mib "$node")
  "$ctl" bench-reads --url "$base" --data "$dir" --requests "$reads" | tee reads.json
  rss_reads=$(rss_mib "$node")
  kill -TERM "$node"; wait "$node" || true; node=
  store_bytes=$(du -sb "$dir/store" | cut -f1)
  entry_bytes=$(json entry_bytes < build.json)
  read -r proof50 proof99 < <(nested proof < reads.json)
  read -r record50 record99 < <(nested record < reads.json)
  read -r page50 page99 < <(nested subject_page < reads.json)
  read -r bundle50 bundle99 < <(nested bundle < reads.json)
  read -r profile50 profile99 < <(nested profile < reads.json)
  echo "SCALE entries=$n build_per_s=$(json entries_per_second < build.json | cut -d. -f1)" \
    "restart_ms=$restart_ms $(grep -o 'index_open_ms="\?[0-9.]*' "$log" | tail -1 | tr -d '"')" \
    "rss_start_mib=$rss_start rss_settled_mib=$rss_settled rss_after_reads_mib=$rss_reads" \
    "proof_ms=$proof50/$proof99 record_ms=$record50/$record99 page_ms=$page50/$page99" \
    "bundle_ms=$bundle50/$bundle99 profile_ms=$profile50/$profile99" \
    "disk_per_entry_byte=$(awk -v s="$store_bytes" -v e="$entry_bytes" 'BEGIN {printf "%.2f", s / e}')"
done
