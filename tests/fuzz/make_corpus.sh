#!/usr/bin/env bash
# Writes the seed corpus of the fuzz targets (corpus/<target>/seed-*) from a development
# node: real signed entries, checkpoints, bundles and profiles, and HTTP requests for every
# kind of route. Run by hand when formats change; regression-* inputs are kept.
# Usage: make_corpus.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)/corpus
fixtures=$(cd "$(dirname "$0")/../fixtures/records" && pwd)
# shellcheck source=../e2e/node_test_lib.sh
source "$(dirname "$0")/../e2e/node_test_lib.sh"
start_node node.log --dev --data-dir data --port 0
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
for t in fuzz_canonical_json fuzz_entry fuzz_checkpoint fuzz_bundle fuzz_http; do
  mkdir -p "$out/$t"
  rm -f "$out/$t"/seed-*
done

# Entries: a license (dev agency sz-amr), penalties (sz-tax), and the same license signed
# with the fuzz agency key for fuzz_http's node.
"$ctl" sign --key data/dev-keys/sz-amr.pem data/dev-keys/example-license.json >license.json
"$ctl" sign --key "$out/../agency-key.pem" data/dev-keys/example-license.json >fuzz-license.json
dev_license data SZ-DEMO-2026-000002 >second.json
"$ctl" sign --key "$out/../agency-key.pem" second.json >fuzz-second.json
"$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series S --count 2 \
  --out penalties.jsonl >/dev/null
cp license.json "$out/fuzz_entry/seed-license"
# The shared sample of every record type (tests/fixtures/records/), signed.
for sample in "$fixtures"/*.json; do
  "$ctl" sign --key "$out/../agency-key.pem" "$sample" >"$out/fuzz_entry/seed-sample-$(basename "$sample" .json)"
done
sed -n 1p penalties.jsonl >"$out/fuzz_entry/seed-penalty"
cp data/dev-keys/example-license.json "$out/fuzz_canonical_json/seed-unsigned-license"
printf '{"numbers":[0,-0,1e21,1e-7,123456789012,0.000001,-1.5e300,9007199254740991],"s":"\\u20ac\\ud83d\\ude00\\n\\"","nested":{"b":[true,false,null],"a":{}}}' \
  >"$out/fuzz_canonical_json/seed-rfc8785-values"
printf '[{"\\u00e9":1,"e\\u0301":2,"z":[],"a":"x"}]' >"$out/fuzz_canonical_json/seed-ordering"

# A record on the dev node, its checkpoint, bundle and the bank's profile.
curl -fsS -o receipt.json -H 'Content-Type: application/json' --data-binary @license.json "$base/v1/entries"
id=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' receipt.json)
sleep 0.2
{ echo "$vkey"; curl -fsS "$base/v1/checkpoint"; } >"$out/fuzz_checkpoint/seed-checkpoint"
{ echo "$vkey"; curl -fsS "$base/v1/records/$id/bundle"; } >"$out/fuzz_bundle/seed-license-bundle"
token=$(cat data/dev-keys/demo-bank.token)
{ echo "$vkey"; curl -fsS -H "Authorization: Bearer $token" \
  "$base/v1/subjects/914403001922038216/profile?purpose=loan"; } >"$out/fuzz_bundle/seed-profile"

# HTTP requests for fuzz_http (its own node: entries signed with agency-key.pem).
request() {  # request NAME METHOD TARGET [CONTENT_TYPE BODY_FILE]
  local file="$out/fuzz_http/seed-$1"
  if [ $# -gt 3 ]; then
    printf '%s %s HTTP/1.1\r\nHost: fuzz\r\nContent-Type: %s\r\nContent-Length: %s\r\n\r\n' \
      "$2" "$3" "$4" "$(stat -c %s "$5")" >"$file"
    cat "$5" >>"$file"
  else
    printf '%s %s HTTP/1.1\r\nHost: fuzz\r\n\r\n' "$2" "$3" >"$file"
  fi
}
printf '{"entries":[%s,%s]}' "$(cat fuzz-license.json)" "$(cat fuzz-second.json)" >batch.json
printf '{"hash":"%s"}' "$(printf '0%.0s' $(seq 64))" >verify-hash.json
request post-entry POST /v1/entries application/json fuzz-license.json
request post-batch POST /v1/entries/batch application/json batch.json
request post-verify-hash POST /v1/verify application/json verify-hash.json
request post-verify-bundle POST /v1/verify application/json "$out/fuzz_bundle/seed-license-bundle"
for route in /healthz /readyz /metrics /v1/node /v1/checkpoint /v1/entries/1 /v1/blocks/1 \
  /v1/blocks/latest /v1/agencies /v1/agencies/sz-amr "/v1/proofs/inclusion?index=1" \
  "/v1/proofs/consistency?from=1&to=2" /v1/subjects/914403001922038216/records \
  /v1/subjects/914403001922038216/profile /v1/entries/1/bundle; do
  name=$(echo "$route" | tr -c 'a-z0-9\n' '-' | sed 's/^-*//; s/-*$//')
  request "get-$name" GET "$route"
done
echo "make_corpus: $(find "$out" -name 'seed-*' | wc -l) seeds in $out"
