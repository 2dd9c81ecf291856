#!/usr/bin/env bash
# The API contract: drives a real ledgerd through every route and the statuses a client meets
# (successes, each kind of refusal), keeps every answer, and has validate_responses.py check
# each against docs/openapi.yaml with a JSON Schema validator (python3-jsonschema): the status
# is documented for the route, the content type is the documented one, and a JSON body
# matches the documented schema. So the document cannot drift from what the node answers.
# Usage: contract_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL PATH_TO_OPENAPI_YAML
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
openapi=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
# shellcheck source=../node_test_lib.sh
source "$here/../node_test_lib.sh"
start_node node.log --dev --data-dir data --port 0 --max-body-bytes 65536
mkdir -p answers
: >manifest.jsonl
n=0
json=(-H 'Content-Type: application/json')
token=$(cat data/dev-keys/demo-bank.token)
bank=(-H "Authorization: Bearer $token")

# call METHOD TEMPLATE WANT_STATUS [curl args...] PATH: one answer, kept for validation.
call() {
  local method=$1 template=$2 want=$3
  shift 3
  local path=${*: -1}
  local args=("${@:1:$#-1}")
  n=$((n + 1))
  local code type
  code=$(curl -sS -X "$method" -o "answers/$n.body" -D "answers/$n.headers" -w '%{http_code}' \
    "${args[@]}" "$base$path")
  type=$(grep -i '^content-type:' "answers/$n.headers" | tail -1 | cut -d' ' -f2- | tr -d '\r')
  [ "$code" = "$want" ] && ok || bad "$method $path: HTTP $code (want $want): $(head -c 300 "answers/$n.body")"
  printf '{"method":"%s","template":"%s","status":%s,"content_type":"%s","body":"answers/%s.body"}\n' \
    "$method" "$template" "$code" "$type" "$n" >>manifest.jsonl
}

call GET /healthz 200 /healthz
call GET /readyz 200 /readyz
call GET /metrics 200 /metrics
call GET /v1/node 200 /v1/node
call GET /v1/checkpoint 200 /v1/checkpoint

# Writes: a receipt, a replay, each kind of refusal.
"$ctl" sign --key data/dev-keys/sz-amr.pem data/dev-keys/example-license.json >license.json
call POST /v1/entries 201 "${json[@]}" --data-binary @license.json /v1/entries
record=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' "answers/$n.body")
call POST /v1/entries 200 "${json[@]}" --data-binary @license.json /v1/entries
call POST /v1/entries 400 "${json[@]}" --data-binary '{"type":' /v1/entries
sed 's/"license_number":"SZ-DEMO/"license_number":"XX-DEMO/' license.json >tampered.json
call POST /v1/entries 401 "${json[@]}" --data-binary @tampered.json /v1/entries
sed 's/"agency": *"sz-amr"/"agency": "sz-tax"/' data/dev-keys/example-license.json >copy.json
"$ctl" sign --key data/dev-keys/sz-tax.pem copy.json >copy-signed.json
call POST /v1/entries 403 "${json[@]}" --data-binary @copy-signed.json /v1/entries
sed 's/"issued_at": *"2026-11-27T09:00:00.000Z"/"issued_at": "2026-11-27T09:00:01.000Z"/' \
  data/dev-keys/example-license.json >dup.json
"$ctl" sign --key data/dev-keys/sz-amr.pem dup.json >dup-signed.json
call POST /v1/entries 409 "${json[@]}" --data-binary @dup-signed.json /v1/entries
head -c 70000 /dev/zero | tr '\0' ' ' >big.json
call POST /v1/entries 413 "${json[@]}" --data-binary @big.json /v1/entries
call POST /v1/entries 415 -H 'Content-Type: text/plain' --data-binary @license.json /v1/entries
call POST /v1/entries 422 "${json[@]}" --data-binary '{"type":"license"}' /v1/entries
call POST /v1/entries/batch 200 "${json[@]}" \
  --data-binary "{\"entries\":[$(cat license.json),{\"type\":1}]}" /v1/entries/batch
call POST /v1/entries/batch 400 "${json[@]}" --data-binary '[1]' /v1/entries/batch
call POST /v1/entries/batch 415 -H 'Content-Type: text/plain' --data-binary '{}' /v1/entries/batch

# Reads.
call GET /tlog/checkpoint 200 /tlog/checkpoint
call GET '/tlog/tile/{path...}' 200 /tlog/tile/0/000.p/2
call GET '/tlog/tile/{path...}' 200 /tlog/tile/entries/000.p/2
call GET '/tlog/tile/{path...}' 400 /tlog/tile/0/x000/001
call GET '/tlog/tile/{path...}' 404 /tlog/tile/0/001
call GET '/v1/entries/{index}' 200 /v1/entries/1
call GET '/v1/entries/{index}' 400 /v1/entries/x
call GET '/v1/entries/{index}' 404 /v1/entries/999999
call GET '/v1/records/{id}' 200 "/v1/records/$record"
call GET '/v1/records/{id}' 400 /v1/records/x
call GET '/v1/records/{id}' 404 "/v1/records/$(printf '%064d' 0)"
call GET '/v1/records/{id}/history' 200 "/v1/records/$record/history"
call GET '/v1/records/{id}/history' 404 "/v1/records/$(printf '%064d' 0)/history"
call GET '/v1/subjects/{uscc}/records' 200 "/v1/subjects/914403001922038216/records?limit=1"
call GET '/v1/subjects/{uscc}/records' 400 "/v1/subjects/x/records"
call GET '/v1/blocks/latest' 200 /v1/blocks/latest
call GET '/v1/blocks/{height}' 200 /v1/blocks/0
call GET '/v1/blocks/{height}' 400 /v1/blocks/x
call GET '/v1/blocks/{height}' 404 /v1/blocks/99999
call GET /v1/agencies 200 /v1/agencies
call GET '/v1/agencies/{id}' 200 /v1/agencies/sz-amr
call GET '/v1/agencies/{id}' 404 /v1/agencies/nobody
call GET /v1/proofs/inclusion 200 "/v1/proofs/inclusion?index=1"
call GET /v1/proofs/inclusion 200 "/v1/proofs/inclusion?index=0&tree_size=1"
call GET /v1/proofs/inclusion 400 "/v1/proofs/inclusion?index=x"
call GET /v1/proofs/inclusion 404 "/v1/proofs/inclusion?leaf_hash=$(printf '%064d' 0)"
call GET /v1/proofs/consistency 200 "/v1/proofs/consistency?from=1&to=2"
call GET /v1/proofs/consistency 400 "/v1/proofs/consistency?from=2"
call GET '/v1/records/{id}/bundle' 200 "/v1/records/$record/bundle"
cp "answers/$n.body" bundle.json
call GET '/v1/records/{id}/bundle' 404 "/v1/records/$(printf '%064d' 0)/bundle"
call GET '/v1/entries/{index}/bundle' 200 /v1/entries/1/bundle
call GET '/v1/entries/{index}/bundle' 404 /v1/entries/0/bundle
call GET '/v/{id}' 200 "/v/$record"
call GET '/v/{id}' 200 -H 'Accept: application/json' "/v/$record"
call GET '/v/{id}' 404 "/v/$(printf '%064d' 0)"
call GET '/v/{id}' 400 /v/x
call GET '/v1/records/{id}/bundle' 400 /v1/records/x/bundle
call GET '/v1/records/{id}/history' 400 /v1/records/x/history
call GET '/v1/entries/{index}/bundle' 400 /v1/entries/x/bundle
printf '{"entries":[%s{}]}' "$(printf '{},%.0s' $(seq 1000))" >many.json
call POST /v1/entries/batch 413 "${json[@]}" --data-binary @many.json /v1/entries/batch

# Verification: by hash (found and not), by document, by bundle; a malformed request.
call POST /v1/verify 200 "${json[@]}" --data-binary "{\"hash\":\"$(printf '%064d' 0)\"}" /v1/verify
call POST /v1/verify 200 -H 'Content-Type: application/octet-stream' --data-binary 'a document' /v1/verify
call POST /v1/verify 200 "${json[@]}" --data-binary @bundle.json /v1/verify
call POST /v1/verify 400 "${json[@]}" --data-binary '{"x":1}' /v1/verify
call POST /v1/verify 413 -H 'Content-Type: application/octet-stream' --data-binary @big.json /v1/verify

# Documents and bank reads.
printf 'the contract test document' >doc.txt
doc=$(sha256sum doc.txt | cut -c1-64)
dev_license data SZ-CONTRACT-1 | sed "s/\"file_hash\": *\"0*\"/\"file_hash\": \"$doc\"/" >withdoc.json
"$ctl" sign --key data/dev-keys/sz-amr.pem withdoc.json >withdoc-signed.json
call POST /v1/entries 201 "${json[@]}" --data-binary @withdoc-signed.json /v1/entries
stray=$(printf 'stray' | sha256sum | cut -c1-64)
call PUT '/v1/payloads/{hash}' 409 --data-binary stray "/v1/payloads/$stray"
call PUT '/v1/payloads/{hash}' 422 --data-binary 'not it' "/v1/payloads/$doc"
call PUT '/v1/payloads/{hash}' 201 --data-binary @doc.txt "/v1/payloads/$doc"
call PUT '/v1/payloads/{hash}' 200 --data-binary @doc.txt "/v1/payloads/$doc"
call GET '/v1/payloads/{hash}' 401 "/v1/payloads/$doc?purpose=loan"
call GET '/v1/payloads/{hash}' 400 "${bank[@]}" "/v1/payloads/$doc"
call GET '/v1/payloads/{hash}' 200 "${bank[@]}" "/v1/payloads/$doc?purpose=loan"
call GET '/v1/payloads/{hash}' 404 "${bank[@]}" "/v1/payloads/$stray?purpose=loan"
call GET '/v1/subjects/{uscc}/profile' 200 /v1/subjects/914403001922038216/profile
call GET '/v1/subjects/{uscc}/profile' 200 "${bank[@]}" \
  "/v1/subjects/914403001922038216/profile?purpose=loan"
call GET '/v1/subjects/{uscc}/profile' 401 -H 'Authorization: Bearer clb_wrong' \
  "/v1/subjects/914403001922038216/profile?purpose=loan"
call GET '/v1/subjects/{uscc}/profile' 400 "${bank[@]}" /v1/subjects/914403001922038216/profile
"$ctl" erasure-request --key data/dev-keys/sz-tax.pem --agency sz-tax --hash "$doc" \
  --legal-basis 'PIPL art. 47' >erase-tax.json
call DELETE '/v1/payloads/{hash}' 403 "${json[@]}" --data-binary @erase-tax.json "/v1/payloads/$doc"
"$ctl" erasure-request --key data/dev-keys/sz-amr.pem --agency sz-amr --hash "$doc" \
  --legal-basis 'PIPL art. 47' >erase.json
call DELETE '/v1/payloads/{hash}' 200 "${json[@]}" --data-binary @erase.json "/v1/payloads/$doc"
call GET '/v1/payloads/{hash}' 410 "${bank[@]}" "/v1/payloads/$doc?purpose=loan"
call DELETE '/v1/payloads/{hash}' 410 "${json[@]}" --data-binary @erase.json "/v1/payloads/$doc"
call PUT '/v1/payloads/{hash}' 410 --data-binary @doc.txt "/v1/payloads/$doc"
sed 's/PIPL art. 47/PIPL art. 48/' erase.json >erase-forged.json
call DELETE '/v1/payloads/{hash}' 401 "${json[@]}" --data-binary @erase-forged.json "/v1/payloads/$doc"
"$ctl" erasure-request --key data/dev-keys/sz-amr.pem --agency sz-amr --hash "$stray" \
  --legal-basis 'PIPL art. 47' >erase-stray.json
call DELETE '/v1/payloads/{hash}' 404 "${json[@]}" --data-binary @erase-stray.json "/v1/payloads/$stray"
call DELETE '/v1/payloads/{hash}' 422 "${json[@]}" --data-binary '{"type":"erasure_request"}' "/v1/payloads/$stray"

# Methods and paths nothing serves; HEAD and OPTIONS.
# Any path: a method it does not serve, no route, OPTIONS (template "*": info.description).
call DELETE '*' 405 /v1/node
call GET '*' 404 /nowhere
call OPTIONS '*' 204 /v1/node

kill -TERM "$pid"; wait "$pid"; pid=

# Debian's python3, which scripts/install-deps.sh gives python3-jsonschema and python3-yaml
# (another python3 earlier on PATH may lack them).
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" "$here/validate_responses.py" "$openapi" manifest.jsonl
rc=$?
[ "$rc" = 0 ] && ok || bad "answers that do not match docs/openapi.yaml (above)"
echo "contract_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
