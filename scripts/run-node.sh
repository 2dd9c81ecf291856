#!/usr/bin/env bash
# The README's first command. Installs what is missing, builds in Release, and runs ledgerd on
# 127.0.0.1:8080 with a development ledger under ./data (created on first start: genesis with a
# development admin and three demo agencies, their keys in data/dev-keys; reused after).
# Prints the URL, the verifier key and a curl example that works as printed. Ctrl-C stops the
# node cleanly (pending blocks are committed). Extra arguments go to ledgerd.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target ledgerd ledgerctl

data=${CREDLEDGER_DATA:-data}
port=${CREDLEDGER_PORT:-8080}
url="http://127.0.0.1:$port"
# A ./data made by the pre-ledgerd script holds a generic ledger without agencies: keep it
# aside rather than fail.
if [ -d "$data/store" ] && [ ! -f "$data/dev-genesis.json" ]; then
  aside="$data.generic-$(date +%Y%m%d%H%M%S)"
  echo "==> $data holds a ledger without a domain genesis; moved to $aside"
  mv "$data" "$aside"
fi
build/release/node/ledgerd --dev --data-dir "$data" --port "$port" "$@" &
node=$!
trap 'kill -TERM $node 2>/dev/null; wait $node' INT TERM
for _ in $(seq 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 $node 2>/dev/null || { wait $node; exit 1; }
  sleep 0.1
done
vkey=$(curl -fsS "$url/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
cat <<TEXT

ledgerd is serving $url   (data: $data, agency keys: $data/dev-keys)
verifier key: $vkey

Sign the example license as agency sz-amr and submit it (run it twice: same bytes, same index):
  build/release/tools/ledgerctl sign --key $data/dev-keys/sz-amr.pem $data/dev-keys/example-license.json | curl -sS -H 'Content-Type: application/json' --data-binary @- $url/v1/entries
Then: curl -sS $url/v1/checkpoint ; curl -sS '$url/v1/subjects/914403001922038216/records'
Documents: PUT /v1/payloads/{file_hash} uploads a record's document; banks read it with
  -H "Authorization: Bearer \$(cat $data/dev-keys/demo-bank.token)" '$url/v1/payloads/{hash}?purpose=loan'
  (each read lands in $data/query-audit.jsonl, anchored in the log).
API: docs/openapi.yaml. Ctrl-C stops the node.

TEXT
wait $node
