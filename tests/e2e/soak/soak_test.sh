#!/usr/bin/env bash
# Soak: mixed reads and writes over loopback against a real ledgerd for a bounded time, with
# no failed request, resident memory bounded per entry written after warm-up (the indexes
# legitimately grow with the log, so "flat" is per entry, reported), and every acknowledged
# entry proven in the final checkpoint's tree (ledgerctl soak); then the node restarts on
# what it wrote. (crash_kill9 audits whole logs; here that would double the time.)
# Usage: soak_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL [SECONDS]   (CI: 30; benchmark: 600)
set -uo pipefail
# shellcheck source=../node_test_lib.sh
source "$(dirname "$0")/../node_test_lib.sh"
seconds=${3:-30}

# Small caches, so that they fill during warm-up and what grows after it is the node's own.
caches=(--store-cache-mb 4 --store-write-buffer-mb 4 --tile-cache-tiles 64)
start_node node.log --dev --data-dir data --port 0 "${caches[@]}"
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
# More entries than two writers can send in the time (each run's are new: series by time).
"$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series "soak$$" \
  --count $((seconds * 1500 + 5000)) --out entries.jsonl >/dev/null
warmup=$((seconds / 6 > 2 ? seconds / 6 : 2))
if "$ctl" soak "$base" --entries entries.jsonl --vkey "$vkey" --pid "$pid" --seconds "$seconds" \
  --warmup "$warmup" >soak.txt 2>&1; then ok; else bad "soak: $(tail -3 soak.txt)"; fi
cat soak.txt
size=$(curl -sS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/')
kill -TERM "$pid"; wait "$pid"; pid=
start_node node.log --dev --data-dir data --port 0 "${caches[@]}"
got=$(curl -sS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/')
[ "$got" = "$size" ] && ok || bad "after a restart the tree has $got entries, not $size"

echo "soak_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
