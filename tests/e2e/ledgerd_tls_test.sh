#!/usr/bin/env bash
# ledgerd over HTTPS with client certificates (mutual TLS): a test CA issues the server's and
# a client's certificates (openssl CLI); the node answers a client that presents its
# certificate, refuses the handshake of one that does not or that speaks plain HTTP, and keeps
# serving; ledgerctl audit and monitor check a server-only TLS node's certificate; a missing
# certificate file stops the node at start with a message naming it.
# Usage: ledgerd_tls_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"

# issue NAME EXTENSIONS: a P-256 key and a certificate signed by the test CA.
issue() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/CN=$1" 2>/dev/null
  printf '%s\n' "$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 2 -subj "/CN=credledger test CA" 2>/dev/null
issue server "subjectAltName=IP:127.0.0.1"
issue client "extendedKeyUsage=clientAuth"
[ -s server.pem ] && [ -s client.pem ] || { echo "openssl could not make the test certificates"; exit 1; }

start_node node.log --dev --data-dir data --port 0 --tls-cert-file server.pem \
  --tls-key-file server.key --tls-client-ca-file ca.pem
mtls=(--cacert ca.pem --cert client.pem --key client.key)

code=$(curl -sS -o /dev/null -w '%{http_code}' "${mtls[@]}" "$base/healthz")
[ "$code" = 200 ] && ok || bad "healthz over mutual TLS: $code"
"$ctl" sign --key data/dev-keys/sz-amr.pem data/dev-keys/example-license.json >license.json
code=$(curl -sS -o body.json -w '%{http_code}' "${mtls[@]}" -H 'Content-Type: application/json' \
  --data-binary @license.json "$base/v1/entries")
[ "$code" = 201 ] && ok || bad "a write over mutual TLS: $code $(head -c 300 body.json)"
curl -sS -o /dev/null --cacert ca.pem "$base/healthz" 2>/dev/null && bad "a client without a certificate was served" || ok
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key \
  -out stranger.pem -days 2 -subj "/CN=stranger" 2>/dev/null
curl -sS -o /dev/null --cacert ca.pem --cert stranger.pem --key stranger.key "$base/healthz" \
  2>/dev/null && bad "a client certificate from another CA was served" || ok
curl -sS -o /dev/null "http${base#https}/healthz" 2>/dev/null && bad "plain HTTP was served on the HTTPS port" || ok
grep -q 'msg="tls handshake failed"' node.log && ok || bad "refused handshakes are not logged"
code=$(curl -sS -o /dev/null -w '%{http_code}' "${mtls[@]}" "$base/healthz")
[ "$code" = 200 ] && ok || bad "the node stopped serving after refused handshakes: $code"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] && ok || bad "SIGTERM exit status $rc"

# Server-only TLS: ledgerctl's monitor and audit check the node's certificate and host.
start_node node.log --data-dir data --port 0 --tls-cert-file server.pem --tls-key-file server.key
vkey=$(curl -sS --cacert ca.pem "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
"$ctl" audit "$base" --vkey "$vkey" --ca-file ca.pem >audit.txt 2>&1 && ok || bad "audit over https: $(cat audit.txt)"
"$ctl" monitor "$base" --vkey "$vkey" --ca-file ca.pem --state mon.json --once >mon.txt 2>&1 && ok ||
  bad "monitor over https: $(cat mon.txt)"
"$ctl" audit "$base" --vkey "$vkey" >audit.txt 2>&1 && bad "audit trusted a certificate from an unknown CA" ||
  { grep -q "TLS handshake failed" audit.txt && ok || bad "audit without the CA: $(cat audit.txt)"; }
kill -TERM "$pid"
wait "$pid"
pid=

"$ledgerd" --data-dir data --port 0 --tls-cert-file missing.pem --tls-key-file server.key \
  2>start.log
rc=$?
[ "$rc" != 0 ] && grep -q 'tls_cert_file missing.pem' start.log && ok ||
  bad "a missing certificate file: exit $rc, $(cat start.log)"

echo "ledgerd_tls_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
