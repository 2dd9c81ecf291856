#!/usr/bin/env bash
# Hostile input against a running ledgerd: malformed, truncated, deeply nested, huge and
# invalid-UTF-8 JSON, duplicate keys, oversized bodies, header floods, slowloris, idle
# connections, wrong methods, path tricks, bad indices, and entries that are well formed but
# not allowed (a signature over other bytes, a revoked key, another agency's key, a forbidden
# type, a repair of another agency's penalty). Each gets its documented status and problem
# code, the node keeps serving, and nothing is written (the tree size is unchanged).
# Usage: hostile_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL
set -uo pipefail
# Every route, as docs/openapi.yaml lists them (api_test holds that list to the route table).
openapi=$(cd "$(dirname "$0")/../../docs" && pwd)/openapi.yaml
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"

start_node node.log --dev --data-dir data --port 0 --max-body-bytes 65536 \
  --max-header-bytes 8192 --read-timeout-ms 1000 --max-connections 64
port=${base##*:}
tree_size() { curl -sS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/'; }
json=(-H 'Content-Type: application/json')

# hostile NAME STATUS CODE [curl args...] PATH: the answer, its problem code, the node still
# serving, and no entry written.
hostile() {
  local name=$1 want=$2 code=$3
  shift 3
  local path=${*: -1}
  local args=("${@:1:$#-1}")
  local before got
  before=$(tree_size)
  got=$(curl -sS -o body.json -w '%{http_code}' "${args[@]}" "$base$path" 2>/dev/null)
  if [ "$got" = "$want" ] && grep -qF "\"code\":\"$code\"" body.json; then ok; else
    bad "$name: HTTP $got (want $want $code): $(head -c 300 body.json)"
  fi
  curl -fsS -o /dev/null "$base/healthz" && ok || bad "$name: the node stopped serving"
  [ "$(tree_size)" = "$before" ] && ok || bad "$name: the tree grew"
}

"$ctl" sign --key data/dev-keys/sz-amr.pem data/dev-keys/example-license.json >license.json
half=$(head -c 300 license.json)
hostile "malformed JSON" 400 malformed_json "${json[@]}" --data-binary '{"type":' /v1/entries
hostile "truncated entry" 400 malformed_json "${json[@]}" --data-binary "$half" /v1/entries
printf '%*s' 60000 '' | tr ' ' '[' >deep.json
hostile "60,000 levels of nesting" 400 malformed_json "${json[@]}" --data-binary @deep.json /v1/entries
hostile "a number past a double" 400 malformed_json "${json[@]}" --data-binary '{"n":1e999}' /v1/entries
hostile "an integer past 2^53" 400 malformed_json "${json[@]}" --data-binary '{"n":9007199254740993}' /v1/entries
printf '{"type":"license","x":"%s"}' "$(head -c 60000 /dev/zero | tr '\0' 'A')" >huge-string.json
hostile "a 60 KB string" 422 invalid_entry "${json[@]}" --data-binary @huge-string.json /v1/entries
printf '{"type":"license","x":"\xff\xfe"}' >bad-utf8.json
hostile "invalid UTF-8" 400 malformed_json "${json[@]}" --data-binary @bad-utf8.json /v1/entries
hostile "duplicate member names" 400 malformed_json "${json[@]}" --data-binary '{"type":"license","type":"penalty"}' /v1/entries
head -c 70000 /dev/zero | tr '\0' ' ' >big.json
hostile "a body over max-body-bytes" 413 payload_too_large "${json[@]}" --data-binary @big.json /v1/entries
hostile "a batch that is not a batch" 400 malformed_batch "${json[@]}" --data-binary '[1,2]' /v1/entries/batch
hostile "PUT on the entries" 405 method_not_allowed -X PUT "${json[@]}" --data-binary @license.json /v1/entries
hostile "DELETE on a checkpoint" 405 method_not_allowed -X DELETE /v1/checkpoint
hostile "dot segments" 404 not_found --path-as-is /v1/../v1/node
hostile "an empty segment" 404 not_found --path-as-is /v1//node
hostile "a malformed percent escape" 400 bad_parameter "/v1/proofs/inclusion?index=%zz"
hostile "a parameter given twice" 400 bad_parameter "/v1/proofs/inclusion?index=1&index=2"
hostile "a negative index" 400 bad_parameter /v1/entries/-1
hostile "an index past 2^64" 400 bad_parameter /v1/entries/18446744073709551616
hostile "a tree size past the tree" 400 bad_parameter "/v1/proofs/inclusion?index=0&tree_size=18446744073709551615"
hostile "an index past the tree" 404 not_found /v1/entries/9999999
flood=()
for i in $(seq 200); do flood+=(-H "X-Flood-$i: $(printf '%*s' 60 '' | tr ' ' x)"); done
hostile "a header flood" 431 headers_too_large "${flood[@]}" /healthz

# Well-formed entries that are not allowed.
sed 's/"license_number":"SZ-DEMO/"license_number":"XX-DEMO/' license.json >other-bytes.json
hostile "a signature over other bytes" 401 unauthenticated "${json[@]}" --data-binary @other-bytes.json /v1/entries
sed 's/"agency": *"sz-amr"/"agency": "sz-tax"/' data/dev-keys/example-license.json >as-tax.json
"$ctl" sign --key data/dev-keys/sz-amr.pem as-tax.json >as-tax-signed.json
hostile "another agency's key" 401 unauthenticated "${json[@]}" --data-binary @as-tax-signed.json /v1/entries
# Records in another agency's name (docs/RECORDS.md, "Who may say what"): sz-tax copies a
# license of sz-amr. In sz-amr's name it is refused (403); in its own name, with its own
# identifier but sz-amr's document, too (409); a document verifies as its one issuer's.
doc=$(printf 'the hostile test license' | sha256sum | cut -c1-64)
dev_license data SZ-HOSTILE-1 | sed "s/\"file_hash\": *\"0*\"/\"file_hash\": \"$doc\"/" >amr-doc.json
"$ctl" sign --key data/dev-keys/sz-amr.pem amr-doc.json >amr-doc-signed.json
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @amr-doc-signed.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "sz-amr's license with a document: HTTP $code $(head -c 300 body.json)"
sed 's/"agency": *"sz-amr"/"agency": "sz-tax"/' amr-doc.json >copy.json
"$ctl" sign --key data/dev-keys/sz-tax.pem copy.json >copy-signed.json
hostile "a copy of another agency's license in its name" 403 forbidden "${json[@]}" --data-binary @copy-signed.json /v1/entries
grep -q 'issuing_authority/uscc' body.json && ok || bad "the 403 does not name issuing_authority: $(cat body.json)"
amr_id=$(grep -o '"identifier": "[^"]*"' amr-doc.json | cut -d'"' -f4)
tax_uscc=$(curl -sS "$base/v1/agencies/sz-tax" | grep -o '"uscc":"[^"]*"' | head -1 | cut -d'"' -f4)
tax_id=$("$ctl" license-id --type-code 11100000000000000A --issuer "$tax_uscc" --serial 9)
amr_uscc=$(echo "$amr_id" | cut -d. -f7)
sed "s/\"$amr_id\"/\"$tax_id\"/; s/\"uscc\": \"$amr_uscc\"/\"uscc\": \"$tax_uscc\"/" copy.json >own.json
"$ctl" sign --key data/dev-keys/sz-tax.pem own.json >own-signed.json
hostile "another agency's document in its own license" 409 conflict "${json[@]}" --data-binary @own-signed.json /v1/entries
curl -sS -o verify.json "${json[@]}" --data-binary "{\"hash\":\"$doc\"}" "$base/v1/verify"
[ "$(grep -o '"record_id"' verify.json | wc -l)" = 1 ] && grep -q '"agency":"sz-amr"' verify.json && ok ||
  bad "the document does not verify as sz-amr's alone: $(head -c 400 verify.json)"

# Admin config entries (legitimate writes): revoke sz-eco's key, restrict sz-tax to certificates.
eco_key=$(curl -sS "$base/v1/agencies/sz-eco" | sed 's/.*"key_id":"\([0-9a-f]*\)".*/\1/')
"$ctl" config --keys data/dev-keys/admin.pem --action revoke_key \
  --params "{\"agency_id\":\"sz-eco\",\"key_id\":\"$eco_key\"}" >revoke.json
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @revoke.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "the admins' revocation: HTTP $code $(head -c 300 body.json)"
"$ctl" config --keys data/dev-keys/admin.pem --action set_types \
  --params '{"agency_id":"sz-tax","types":["certificate"]}' >types.json
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @types.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "the admins' set_types: HTTP $code $(head -c 300 body.json)"
sed 's/"agency": *"sz-amr"/"agency": "sz-eco"/; s/SZ-DEMO-2026-000001/ECO-1/' \
  data/dev-keys/example-license.json >eco.json
"$ctl" sign --key data/dev-keys/sz-eco.pem eco.json >eco-signed.json
hostile "a revoked key" 401 unauthenticated "${json[@]}" --data-binary @eco-signed.json /v1/entries
sed 's/SZ-DEMO-2026-000001/TAX-1/' as-tax.json >tax.json
"$ctl" sign --key data/dev-keys/sz-tax.pem tax.json >tax-signed.json
hostile "a type the agency may not issue" 403 forbidden "${json[@]}" --data-binary @tax-signed.json /v1/entries
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @license.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "the license: HTTP $code"
record_id=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' body.json)
size=$(tree_size)
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @license.json "$base/v1/entries")
[ "$code" = 200 ] && grep -q '"already_present":true' body.json && [ "$(tree_size)" = "$size" ] && ok ||
  bad "a replayed entry: HTTP $code, tree $(tree_size) (was $size): $(head -c 200 body.json)"
cat >repair.json <<JSON
{"type":"status_change","agency":"sz-tax","refs":["$record_id"],
 "subject":{"kind":"organization","uscc":"914403001922038216"},
 "body":{"target":"$record_id","action":"revoke","new_status":"revoked","reversible":false,
         "reason":"not ours","effective_at":"2026-11-28T00:00:00Z"}}
JSON
"$ctl" config --keys data/dev-keys/admin.pem --action set_types \
  --params '{"agency_id":"sz-tax","types":["certificate","status_change"]}' >types2.json
curl -sS -o /dev/null "${json[@]}" --data-binary @types2.json "$base/v1/entries"
"$ctl" sign --key data/dev-keys/sz-tax.pem repair.json >repair-signed.json
hostile "revoking another agency's record" 403 forbidden "${json[@]}" --data-binary @repair-signed.json /v1/entries

# A holder with a historical (pre-GB 32100) code, from an agency the admins allow to import
# them: admitted, and readable by every subject route.
pilot=91350100M0001TGQXM
"$ctl" config --keys data/dev-keys/admin.pem --action set_historical_codes \
  --params '{"agency_id":"sz-amr","allowed":true}' >historical.json
curl -sS -o /dev/null "${json[@]}" --data-binary @historical.json "$base/v1/entries"
dev_license data SZ-PILOT-1 |
  sed "s/\"uscc\": \"914403001922038216\"/\"uscc\": \"$pilot\", \"historical_code\": true/; s/\"holder_code\": \"914403001922038216\"/\"holder_code\": \"$pilot\"/" >pilot.json
"$ctl" sign --key data/dev-keys/sz-amr.pem pilot.json >pilot-signed.json
code=$(curl -sS -o body.json -w '%{http_code}' "${json[@]}" --data-binary @pilot-signed.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "a license for a historical code: HTTP $code $(head -c 300 body.json)"
pilot_record=$(sed 's/.*"record_id":"\([0-9a-f]*\)".*/\1/' body.json)
curl -sS -o body.json "$base/v1/subjects/$pilot/records"
grep -q "$pilot_record" body.json && ok || bad "the historical holder's records: $(head -c 300 body.json)"
code=$(curl -sS -o body.json -w '%{http_code}' -H "Authorization: Bearer $(cat data/dev-keys/demo-bank.token)" \
  "$base/v1/subjects/$pilot/profile?purpose=loan")
[ "$code" = 200 ] && grep -q "$pilot_record" body.json && ok ||
  bad "the historical holder's profile: HTTP $code $(head -c 300 body.json)"

# Raw HTTP: framing, smuggling, limits on every part of a request, HEAD and OPTIONS on every
# route (tests/api/server_test.cc has every variant; these are the classes, against ledgerd).
# raw NAME WANT BYTES_FILE: sends the bytes on a new connection with a second request
# (GET /healthz) behind them, reads every answer until the node closes (or 3 s), and wants
# WANT as the status lines of all answers, space separated ("400": the second was not run).
raw() {
  local name=$1 want=$2 file=$3 got
  printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >>"$file"
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  (cat "$file" >&3) 2>/dev/null
  timeout 3 cat <&3 >raw.out 2>/dev/null
  exec 3>&-
  got=$(grep -a -o '^HTTP/1\.[01] [0-9]*' raw.out | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$want" ] && ok || bad "$name: answers '$got' (want '$want'): $(head -c 300 raw.out)"
  if ! kill -0 "$pid" 2>/dev/null; then
    bad "$name: the node died"; cat node.log
    echo "hostile_test: $passed passed, $failed failed"; exit 1
  fi
  curl -fsS -o /dev/null "$base/healthz" && ok || bad "$name: the node stopped serving"
}
crlf() { printf '%b' "$1" >req.bin; }
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: '
  head -c 65534 /dev/zero | tr '\0' v; printf '\r\n\r\n'; } >req.bin
raw "a 65,534-byte trailer field" 413 req.bin
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;'
  head -c 200000 /dev/zero | tr '\0' e; printf '\r\nx\r\n0\r\n\r\n'; } >req.bin
raw "a 200 KB chunk extension" 413 req.bin
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'
  head -c 200000 /dev/zero | tr '\0' 0; printf '1\r\nx\r\n0\r\n\r\n'; } >req.bin
raw "200,000 leading zeros of a chunk size" 413 req.bin
for te in gzip identity compress xchunked 'chunked, gzip' 'chunked;q=1'; do
  crlf "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: $te\r\n\r\n"
  raw "Transfer-Encoding: $te (smuggling)" 400 req.bin
done
crlf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'
raw "Transfer-Encoding: gzip, chunked" 501 req.bin
crlf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n'
raw "Transfer-Encoding folded onto a continuation line" 400 req.bin
crlf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
raw "Content-Length and Transfer-Encoding" 400 req.bin
crlf 'GET /healthz HTTP/1.1\r\n\r\n'
raw "no Host" 400 req.bin
crlf 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
raw "two Hosts" 400 req.bin
crlf 'GET http://node.example/healthz HTTP/1.1\r\n\r\n'
raw "an absolute-form target" "200 200" req.bin
crlf 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n'
raw "HTTP/2.0 in an HTTP/1 request line" 505 req.bin
crlf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}'
raw "an Expect other than 100-continue" 417 req.bin
{ printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n'; for i in $(seq 150); do printf 'X-F%d: %060d\r\n' "$i" 0; done
  printf '\r\n'; } >req.bin
raw "a header section over the limit, sent whole" 431 req.bin
# Expect: 100-continue: the 100 comes before the body is sent.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n' >&3
line=
IFS= read -r -t 3 -u 3 line
[ "$line" = $'HTTP/1.1 100 Continue\r' ] && ok || bad "Expect: 100-continue: got '$line'"
printf '{}' >&3
timeout 3 cat <&3 >raw.out
grep -q '^HTTP/1.1 422' raw.out && ok || bad "the body after 100 Continue: $(head -c 200 raw.out)"
exec 3>&-
# HEAD answers carry no body (the GET /healthz behind each is read right after its header),
# OPTIONS answers 204 with Allow, on every route (each template made concrete) and on a path
# no route serves.
paths=()
while IFS= read -r template; do
  path=${template//\{index\}/1}
  path=${path//\{height\}/0}
  path=${path//\{uscc\}/914403001922038216}
  path=${path//\{hash\}/$(printf '%064d' 0)}
  case $path in
    /v1/cluster/*) continue ;;  # served by cluster nodes only (docs/OPERATIONS.md)
    /v1/agencies/*) path=${path//\{id\}/sz-amr} ;;
    /v1/proofs/inclusion) path="$path?index=1" ;;
    /v1/proofs/consistency) path="$path?from=1&to=2" ;;
  esac
  paths+=("${path//\{id\}/$record_id}")
done < <(sed -n 's/^  \(\/[^:]*\):[[:space:]]*$/\1/p' "$openapi")
[ ${#paths[@]} -ge 20 ] && ok || bad "read only ${#paths[@]} routes from $openapi"
for path in "${paths[@]}" /nowhere; do
  crlf "HEAD $path HTTP/1.1\r\nHost: x\r\n\r\n"
  printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >>req.bin
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  (cat req.bin >&3) 2>/dev/null
  timeout 3 cat <&3 >raw.out 2>/dev/null
  exec 3>&-
  # The answer to HEAD, its blank line, then at once the next status line; and "ok" last.
  after=$(sed -n '/^\r$/{n;p;q}' raw.out | head -c 12)
  [ "$after" = "HTTP/1.1 200" ] && [ "$(tail -c 3 raw.out)" = ok ] && ok ||
    bad "HEAD $path: a body or no answer: $(head -c 400 raw.out | tr '\r\n' '  ')"
  code=$(curl -sS -o /dev/null -D headers.txt -w '%{http_code}' -X OPTIONS "$base$path")
  if [ "$path" = /nowhere ]; then want=404; else want=204; fi
  [ "$code" = "$want" ] && { [ "$want" = 404 ] || grep -qi '^Allow: .*OPTIONS' headers.txt; } && ok ||
    bad "OPTIONS $path: HTTP $code $(tr '\r\n' '  ' <headers.txt)"
done
hostile "DELETE on the node has Allow" 405 method_not_allowed -D headers.txt -X DELETE /v1/node
grep -qi '^Allow: GET, HEAD, OPTIONS' headers.txt && ok || bad "405 without Allow: $(cat headers.txt)"
# Encodings in every query parameter and path segment: invalid UTF-8 (a lone byte, an overlong
# form, a surrogate) and control characters are the client's mistake (400), never the node's
# (a bank read used to get 503 when the audit log refused the purpose).
token=$(cat data/dev-keys/demo-bank.token)
for bad_text in %FF %C0%AE %ED%A0%80 %00 %0A; do
  for path in "/v1/subjects/914403001922038216/profile?purpose=$bad_text" \
    "/v1/subjects/914403001922038216/records?cursor=$bad_text" \
    "/v1/payloads/$(printf '%064d' 0)?purpose=$bad_text" "/v1/proofs/inclusion?index=$bad_text" \
    "/v1/proofs/consistency?from=$bad_text&to=1" "/v1/node?x=$bad_text" \
    "/v1/agencies/$bad_text" "/v1/records/$bad_text" "/v/$bad_text"; do
    hostile "$path" 400 bad_parameter -H "Authorization: Bearer $token" "$path"
  done
done

# Connections: a slowloris request is cut at the read deadline; idle connections past the
# limit do not stop the node.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n' >&3
closed=no
for _ in $(seq 20); do
  # In a subshell: a write to the closed socket raises SIGPIPE, which ends only it.
  (printf 'X' >&3) 2>/dev/null || { closed=yes; break; }
  if read -r -t 0.25 -u 3 _ 2>/dev/null; then :; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.05
done
[ "$closed" = yes ] && ok || bad "a slowloris request was not cut off within 6 s"
exec 3>&-
fds=()
for _ in $(seq 100); do exec {fd}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null && fds+=("$fd"); done
sleep 1.5  # past the read deadline
code=$(curl -sS -o /dev/null -w '%{http_code}' -m 5 "$base/healthz")
[ "$code" = 200 ] && ok || bad "after 100 idle connections: HTTP $code"
for fd in "${fds[@]}"; do exec {fd}>&-; done
kill -0 "$pid" && ok || bad "the node died"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ "$rc" = 0 ] && ok || bad "SIGTERM exit status $rc"
echo "hostile_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
