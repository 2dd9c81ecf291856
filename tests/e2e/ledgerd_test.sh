#!/usr/bin/env bash
# Integration test of ledgerd over HTTP: starts the real node on an ephemeral loopback port
# with a development ledger, drives every route's success path, and for writes every error
# class with its status and problem code; after each bad request the node still serves and
# nothing was written (the tree size is unchanged). Ends with SIGTERM: exit 0, and the
# acknowledged entries are there after a restart.
# Usage: ledgerd_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"

start() {
  start_node node.log --dev --data-dir data --port 0 --max-body-bytes 65536 \
    --max-batch-entries 5 --read-timeout-ms 2000
}

# req NAME WANT_STATUS [curl args...] URL_PATH: the body lands in body.json.
req() {
  local name=$1 want=$2
  shift 2
  local path=${*: -1}
  local args=("${@:1:$#-1}")
  local got
  got=$(curl -sS -o body.json -w '%{http_code}' "${args[@]}" "$base$path")
  if [ "$got" = "$want" ]; then ok; else bad "$name: status $got, want $want: $(head -c 400 body.json)"; fi
}
has() {  # has NAME TEXT: body.json contains TEXT
  if grep -qF -- "$2" body.json; then ok; else bad "$1: body lacks '$2': $(head -c 400 body.json)"; fi
}
tree_size() { curl -sS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/'; }
json=(-H 'Content-Type: application/json')

start
req "healthz" 200 /healthz
req "readyz" 200 /readyz
has "readyz says ready" '"ready":true'
req "node" 200 /v1/node
has "node gives the verifier key" '"verifier_key":"dev.credledger.local/log+'
req "checkpoint" 200 /v1/checkpoint
has "checkpoint is a signed note" "— dev.credledger.local/log "

# A signed license from the development agency (Ed25519: the same bytes every time).
"$ctl" sign --key data/dev-keys/sz-amr.pem data/dev-keys/example-license.json >license.json
req "submit a license" 201 "${json[@]}" --data-binary @license.json /v1/entries
has "receipt has the index" '"index":1'
has "receipt has the checkpoint" '"checkpoint":"dev.credledger.local/log\n2\n'
has "receipt has the inclusion proof" '"inclusion_proof":["'
record_id=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' body.json)
req "resubmitting the same bytes is idempotent" 200 "${json[@]}" --data-binary @license.json /v1/entries
has "the same index again" '"already_present":true'
# The same entry pretty-printed is canonicalized to the same bytes.
spaced=$(sed 's/,"/, "/g' license.json)  # whitespace between members only
req "non-canonical JSON is canonicalized" 200 "${json[@]}" --data-binary "$spaced" /v1/entries
has "canonicalized to the same record" "\"record_id\":\"$record_id\""

size=$(tree_size)
[ "$size" = 2 ] && ok || bad "tree size after one record: $size"

# Every write error class: status, code, and nothing written.
write_error() {  # write_error NAME STATUS CODE [curl args...]
  local name=$1 status=$2 code=$3
  shift 3
  req "$name" "$status" "$@" /v1/entries
  has "$name: code" "\"code\":\"$code\""
  has "$name: problem type" '"type":"https://credledger.dev/problems/'
  [ "$(tree_size)" = "$size" ] && ok || bad "$name: the tree grew"
}
write_error "bad JSON" 400 malformed_json "${json[@]}" --data-binary '{"type":'
write_error "wrong content type" 415 unsupported_media_type -H 'Content-Type: text/plain' --data-binary @license.json
sed 's/"license_number":"SZ-DEMO/"license_number":"XX-DEMO/' license.json >tampered.json
write_error "bad signature" 401 unauthenticated "${json[@]}" --data-binary @tampered.json
sed 's/"agency": *"sz-amr"/"agency": "nobody"/' data/dev-keys/example-license.json >nobody.json
"$ctl" sign --key data/dev-keys/sz-amr.pem nobody.json >nobody-signed.json
write_error "unknown agency" 401 unauthenticated "${json[@]}" --data-binary @nobody-signed.json
sed 's/"agency": *"sz-amr"/"agency": "sz-tax"/' data/dev-keys/example-license.json >other.json
"$ctl" sign --key data/dev-keys/sz-amr.pem other.json >other-signed.json
write_error "another agency's key" 401 unauthenticated "${json[@]}" --data-binary @other-signed.json
sed 's/"type":"license"/"type":"certificate"/' license.json >wrongtype.json
write_error "schema violation names the member" 422 invalid_entry "${json[@]}" --data-binary @wrongtype.json
has "the pointer is named" '/body/'
sed 's/"issued_at": *"2026-11-27T09:00:00.000Z"/"issued_at": "2026-11-27T09:00:01.000Z"/' \
  data/dev-keys/example-license.json >dup.json
cmp -s dup.json data/dev-keys/example-license.json && bad "the duplicate template did not change"
"$ctl" sign --key data/dev-keys/sz-amr.pem dup.json >dup-signed.json
write_error "a reused license number" 409 conflict "${json[@]}" --data-binary @dup-signed.json
head -c 70000 /dev/zero | tr '\0' ' ' >big.json
write_error "oversized body" 413 payload_too_large "${json[@]}" --data-binary @big.json

# Reads and proofs.
req "entry by index" 200 /v1/entries/1
has "entry carries the record" '"agency":"sz-amr"'
req "record" 200 "/v1/records/$record_id"
has "record status" '"status":"valid"'
req "record history" 200 "/v1/records/$record_id/history"
has "history lists the record" "\"record_id\":\"$record_id\""
req "subject records" 200 "/v1/subjects/914403001922038216/records?limit=10&type=license"
has "subject page holds the license" "\"record_id\":\"$record_id\""
req "block" 200 /v1/blocks/1
has "block header" '"height":1'
req "latest block" 200 /v1/blocks/latest
req "agencies" 200 /v1/agencies
has "three demo agencies" '"id":"sz-eco"'
req "agency" 200 /v1/agencies/sz-tax
has "agency key algorithm" '"alg":"p256"'
req "inclusion proof by index" 200 "/v1/proofs/inclusion?index=1"
has "inclusion proof with checkpoint" '"checkpoint":"dev.credledger.local/log'
req "inclusion proof by leaf hash" 200 "/v1/proofs/inclusion?leaf_hash=$record_id&tree_size=2"
req "consistency proof" 200 "/v1/proofs/consistency?from=1&to=2"
has "consistency proof" '"consistency_proof":["'
req "metrics" 200 /metrics
has "request counter" 'credledger_http_requests_total{route="/v1/entries",method="POST",status="201"} 1'
has "tree size gauge" 'credledger_tree_size 2'
has "block commit latency histogram" 'credledger_block_commit_seconds_bucket{le="+Inf"}'
has "blocks committed" 'credledger_blocks_committed_total 1'
has "pending queue depth" 'credledger_pending_entries 0'

# Read errors.
req "unknown route" 404 /v1/nothing
has "unknown route code" '"code":"not_found"'
req "wrong method" 405 -X DELETE /v1/checkpoint
has "wrong method code" '"code":"method_not_allowed"'
req "bad path parameter" 400 /v1/entries/-1
has "bad parameter code" '"code":"bad_parameter"'
req "index beyond the tree" 404 /v1/entries/99
req "overflowing index" 400 /v1/entries/18446744073709551616
req "tree_size beyond the tree" 400 "/v1/proofs/inclusion?index=0&tree_size=99"
has "names the tree size" 'beyond the tree'
req "bad record id" 400 /v1/records/XYZ
req "unknown record" 404 "/v1/records/$(printf '%064d' 0)"
req "bad subject" 400 /v1/subjects/91440300192203821I/records
# A code that fails only its check character may be a flagged historical one: readable.
req "a subject with a failing check character" 200 /v1/subjects/914403001922038217/records
req "bad limit" 400 "/v1/subjects/914403001922038216/records?limit=0"
req "batch too large" 413 "${json[@]}" --data-binary '{"entries":[1,2,3,4,5,6]}' /v1/entries/batch
req "batch: one result per item" 200 "${json[@]}" --data-binary "{\"entries\":[$(cat license.json),{\"type\":1}]}" /v1/entries/batch
has "batch item 0 answered" '"already_present":true'
has "batch item 1 refused on its own" '"code":"invalid_entry"'
[ "$(tree_size)" = "$size" ] && ok || bad "the tree grew after the errors"

# Documents: an upload is bound by the hash a committed record carries; banks read with a
# token and a purpose, each read logged (hash-chained) and anchored in the log; the issuing
# agency erases on a lawful request and the record stays.
printf 'the license document, as issued' >doc.txt
doc_hash=$(sha256sum doc.txt | cut -c1-64)
dev_license data SZ-DEMO-2026-000002 |
  sed "s/\"file_hash\": *\"0*\"/\"file_hash\": \"$doc_hash\"/" >withdoc.json
"$ctl" sign --key data/dev-keys/sz-amr.pem withdoc.json >withdoc-signed.json
req "a record carrying a document" 201 "${json[@]}" --data-binary @withdoc-signed.json /v1/entries
doc_record=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' body.json)
stray=$(printf 'stray' | sha256sum | cut -c1-64)
req "upload of a document no record carries" 409 -X PUT --data-binary stray "/v1/payloads/$stray"
req "upload of other bytes" 422 -X PUT --data-binary 'not it' "/v1/payloads/$doc_hash"
has "mismatch code" '"code":"payload_mismatch"'
req "upload the document" 201 -X PUT --data-binary @doc.txt "/v1/payloads/$doc_hash"
req "upload it again" 200 -X PUT --data-binary @doc.txt "/v1/payloads/$doc_hash"
token=$(cat data/dev-keys/demo-bank.token)
bank=(-H "Authorization: Bearer $token")
req "document read without a token" 401 "/v1/payloads/$doc_hash?purpose=loan"
req "document read with a wrong token" 401 -H "Authorization: Bearer clb_wrong" "/v1/payloads/$doc_hash?purpose=loan"
req "document read without a purpose" 400 "${bank[@]}" "/v1/payloads/$doc_hash"
req "bank reads the document" 200 "${bank[@]}" "/v1/payloads/$doc_hash?purpose=loan%20review"
cmp -s body.json doc.txt && ok || bad "the document read back differs"
grep -q '"bank":"demo-bank".*"purpose":"loan review","result":200' data/query-audit.jsonl && ok ||
  bad "the read is not in the query audit log"
last_entry() { curl -sS -o body.json "$base/v1/entries/$(($(tree_size) - 1))"; }
for _ in $(seq 30); do last_entry; grep -q query_audit_anchor body.json && break; sleep 0.1; done
has "the audit log is anchored in the log" '"type":"query_audit_anchor"'
has "the anchor covers the read" '"size":1'
"$ctl" erasure-request --key data/dev-keys/sz-tax.pem --agency sz-tax --hash "$doc_hash" \
  --legal-basis test >erase-other.json
req "erasure by another agency" 403 -X DELETE "${json[@]}" --data-binary @erase-other.json "/v1/payloads/$doc_hash"
"$ctl" erasure-request --key data/dev-keys/sz-amr.pem --agency sz-amr --hash "$doc_hash" \
  --legal-basis 'PIPL art. 47' >erase.json
sed 's/PIPL art. 47/PIPL art. 48/' erase.json >erase-tampered.json
req "erasure request with a bad signature" 401 -X DELETE "${json[@]}" --data-binary @erase-tampered.json "/v1/payloads/$doc_hash"
req "erasure by the issuing agency" 200 -X DELETE "${json[@]}" --data-binary @erase.json "/v1/payloads/$doc_hash"
req "an erased document is gone" 410 "${bank[@]}" "/v1/payloads/$doc_hash?purpose=loan"
has "gone code" '"code":"gone"'
has "says on what basis" 'PIPL art. 47'
req "an erased document is not taken back" 410 -X PUT --data-binary @doc.txt "/v1/payloads/$doc_hash"
req "the record stays after erasure" 200 "/v1/records/$doc_record"
[ "$(grep -c '"bank":"demo-bank"' data/query-audit.jsonl)" = 2 ] && ok ||
  bad "audit lines: $(wc -l <data/query-audit.jsonl), want 2 (refused reads are not bank reads)"
sleep 0.3  # let the last anchor land before the tree size is noted
size=$(tree_size)

# Paper-free verification: the bundle, checked offline by ledgerctl with the verifier key
# alone; POST /v1/verify; the page a QR code opens; a revocation shows in fresh bundles.
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
req "record bundle" 200 -D headers.txt "/v1/records/$record_id/bundle"
cp body.json bundle.json
has "bundle format" '"format":"credledger-proof/v1"'
grep -qi "content-disposition: attachment; filename=\"credledger-proof-${record_id:0:16}.json\"" headers.txt &&
  ok || bad "the bundle is not a named download: $(cat headers.txt)"
"$ctl" verify bundle.json --vkey "$vkey" >verify.txt; rc=$?
[ "$rc" = 0 ] && grep -q "verdict: AUTHENTIC, IN FORCE" verify.txt && ok ||
  bad "ledgerctl verify of a valid license: rc $rc: $(cat verify.txt)"
grep -q '"in_force":true' <<<"$("$ctl" verify bundle.json --vkey "$vkey" --json)" && ok || bad "verify --json"
sed 's/"status":"valid"/"status":"valie"/' bundle.json >forged.json
"$ctl" verify forged.json --vkey "$vkey" >verify.txt; rc=$?
[ "$rc" = 1 ] && grep -q "FAIL  status" verify.txt && grep -q "verdict: NOT AUTHENTIC" verify.txt && ok ||
  bad "a forged bundle: rc $rc: $(cat verify.txt)"
doc_index=$(curl -sS "$base/v1/records/$doc_record" | sed 's/.*"index":\([0-9]*\).*/\1/')
req "bundle by entry index" 200 "/v1/entries/$doc_index/bundle"
cp body.json doc-bundle.json
# The holder of an erased document still proves it offline: only its hash is on the log.
grep -q "ok    document" <<<"$("$ctl" verify doc-bundle.json --vkey "$vkey" --document doc.txt)" && ok ||
  bad "verify --document"
printf 'edited' >edited.txt
"$ctl" verify doc-bundle.json --vkey "$vkey" --document edited.txt >/dev/null; rc=$?
[ "$rc" = 1 ] && ok || bad "an edited document verified: rc $rc"
req "no bundle for the genesis" 404 /v1/entries/0/bundle
req "verify a document that was never anchored" 200 -H 'Content-Type: application/pdf' --data-binary 'forged' /v1/verify
has "not found, cleanly" '"found":false'
req "verify a document as a form upload" 200 -F "document=@doc.txt" /v1/verify
has "found by its bytes" '"found":true'
req "verify by hash" 200 "${json[@]}" --data-binary "{\"hash\":\"$doc_hash\"}" /v1/verify
has "found by hash" '"found":true'
has "answers the status" '"status":"valid"'
req "verification page" 200 "/v/$record_id"
has "the page's verdict, in zh-CN" '真实 · 有效'
req "verification page in English" 200 -H 'Accept-Language: en-US,en;q=0.9' "/v/$record_id"
has "the page's verdict" 'AUTHENTIC · IN FORCE'
"$ctl" qr "$base/v/$record_id" --out qr.svg && grep -q '<svg' qr.svg && ok || bad "ledgerctl qr"
cat >revoke.json <<EOF
{"type":"status_change","agency":"sz-amr","refs":["$record_id"],
 "subject":{"kind":"organization","uscc":"914403001922038216"},
 "body":{"target":"$record_id","action":"revoke","new_status":"revoked","reversible":false,
         "reason":"obtained by fraud","effective_at":"2026-11-28T00:00:00Z"}}
EOF
"$ctl" sign --key data/dev-keys/sz-amr.pem revoke.json >revoke-signed.json
req "revoke the license" 201 "${json[@]}" --data-binary @revoke-signed.json /v1/entries
req "bundle after the revocation" 200 "/v1/records/$record_id/bundle"
"$ctl" verify body.json --vkey "$vkey" >verify.txt; rc=$?
[ "$rc" = 3 ] && grep -q "NOT IN FORCE (revoked)" verify.txt && ok ||
  bad "a revoked license: rc $rc: $(cat verify.txt)"
req "an old bundle, checked against the ledger now" 200 "${json[@]}" --data-binary @bundle.json /v1/verify
has "the old bundle itself is authentic" '"authentic":true'
has "the ledger now says revoked" '"status":"revoked"'
req "verification page of a revoked license" 200 -H 'Accept-Language: en' "/v/$record_id"
has "the page says revoked" 'AUTHENTIC · REVOKED'
# Credit profiles: the bank's view, logged and signed; the public's, without a token.
audit_lines=$(wc -l <data/query-audit.jsonl)
req "bank credit profile" 200 "${bank[@]}" "/v1/subjects/914403001922038216/profile?purpose=loan%20review"
has "bank view" '"audience":"bank"'
has "lists the licenses" "\"record_id\":\"$record_id\""
cp body.json profile.json
"$ctl" verify profile.json --vkey "$vkey" >verify.txt && grep -q "verdict: AUTHENTIC credit profile" verify.txt &&
  ok || bad "ledgerctl verify of a profile: $(cat verify.txt)"
sed 's/"audience":"bank"/"audience":"bonk"/' profile.json >forged-profile.json
"$ctl" verify forged-profile.json --vkey "$vkey" >/dev/null 2>&1 && bad "a forged profile verified" || ok
[ "$(wc -l <data/query-audit.jsonl)" = $((audit_lines + 1)) ] &&
  grep -q '"purpose":"loan review","result":200,"seq":[0-9]*,"subject":"914403001922038216","target":"/v1/subjects/914403001922038216/profile' data/query-audit.jsonl &&
  ok || bad "the profile read is not in the query audit log: $(tail -1 data/query-audit.jsonl)"
req "public credit profile" 200 "/v1/subjects/914403001922038216/profile"
has "public view" '"audience":"public"'
req "profile with a wrong token" 401 -H "Authorization: Bearer clb_wrong" "/v1/subjects/914403001922038216/profile?purpose=x"

sleep 0.3
size=$(tree_size)

# Graceful shutdown: exit 0, and after a restart the acknowledged record is there.
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 0 ] && ok || bad "SIGTERM exit status $rc"
grep -q 'msg=stopped' node.log && ok || bad "no stop line in the log"
pid=
start
req "the record survives a restart" 200 "/v1/records/$record_id"
[ "$(tree_size)" = "$size" ] && ok || bad "tree size after restart"
kill -TERM "$pid"; wait "$pid"; pid=

echo "ledgerd_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
