#!/usr/bin/env bash
# The README's first command. Installs what is missing, builds in Release, and brings up a
# development ledger under ./data (created on first run, reused after).
#
# ledgerd (the HTTP node) arrives with issue 4; until then this runs the ledger through
# ledgerctl: it creates the ledger and its development node key on first start, appends a
# demo record, and prints the verifier key, the signed checkpoint and an inclusion proof.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target ledgerctl

ctl=build/release/tools/ledgerctl
data=${CREDLEDGER_DATA:-data}
if [ ! -d "$data/store" ]; then
  echo "==> creating a development ledger in $data (node key: $data/node-key.pem)"
  "$ctl" init --data "$data" --origin dev.credledger.local/log
fi
echo "==> appending a demo record (idempotent: the same bytes get the same index)"
printf '%s\n' '{"type":"demo","subject":"914403001922038216","note":"hello, credledger"}' |
  "$ctl" append --data "$data"
echo "==> verifier key (all a verifier needs to check this ledger)"
"$ctl" checkpoint --data "$data" --vkey
echo "==> signed checkpoint (C2SP tlog-checkpoint)"
"$ctl" checkpoint --data "$data"
echo "==> inclusion proof of entry 1 in the current tree"
"$ctl" prove --data "$data" --index 1
