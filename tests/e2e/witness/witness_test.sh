#!/usr/bin/env bash
# A witness (ledgerd in witness mode) cosigning a real node's checkpoints over HTTP as C2SP
# tlog-witness says: the first with old size 0, the next with the node's consistency proof,
# a stale old size refused with the latest size (409, text/x.tlog.size), the state kept across
# kill -9, the spec's refusals as problems. Each cosignature is checked by Go alone
# (tests/e2e/interop/cosignature.go: sumdb/note with the log's key, crypto/ed25519 over the
# spec's message).
# Usage: witness_test.sh LEDGERD LEDGERCTL
set -euo pipefail
ledgerd=$1 ctl=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d)
node_pid= witness_pid=
trap stop_started EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work/node.log" "$work/witness.log"; do [ -f "$f" ] && tail -5 "$f" >&2; done
  exit 1
}
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" GOFLAGS=
go build -o "$work/cosignature" "$here/../interop/cosignature.go"

# The log: a development node.
"$ledgerd" --dev --data-dir "$work/node" --port 0 2>"$work/node.log" &
node_pid=$!
node=$(wait_url "$work/node.log" "$node_pid") || fail "the node did not start"
log_vkey=$(curl -fsS "$node/v1/node" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verifier_key"])')

# The witness follows it.
echo "# the development node
$log_vkey sha256" >"$work/logs"
start_witness() {
  "$ledgerd" --witness-name witness.credledger.test/w1 --witness-logs-file "$work/logs" \
    --data-dir "$work/witness" --port 0 2>>"$work/witness.log" &
  witness_pid=$!
  witness=$(wait_url "$work/witness.log" "$witness_pid") || fail "the witness did not start"
  witness_vkey=$(grep -o 'witness_key=[^ ]*' "$work/witness.log" | tail -1 | cut -d= -f2- | tr -d '"')
}
start_witness

# add-checkpoint: status, content type and body into $work/answer.
submit() {  # OLD_SIZE FROM_SIZE CHECKPOINT_FILE
  {
    echo "old $1"
    if [ "$1" -gt 0 ] && [ "$1" != "$2" ]; then
      curl -fsS "$node/v1/proofs/consistency?from=$1&to=$2" | python3 -c '
import base64, json, sys
for h in json.load(sys.stdin)["consistency_proof"]:
    print(base64.b64encode(bytes.fromhex(h)).decode())'
    fi
    echo
    cat "$3"
  } >"$work/request"
  curl -sS -o "$work/answer" -w '%{http_code} %{content_type}' --data-binary @"$work/request" \
    "$witness/add-checkpoint"
}
size_of() { sed -n 2p "$1"; }

curl -fsS "$node/v1/checkpoint" >"$work/cp1"
n1=$(size_of "$work/cp1")
got=$(submit 0 "$n1" "$work/cp1")
[ "$got" = "200 text/plain; charset=utf-8" ] || fail "first checkpoint: $got $(cat "$work/answer")"
cat "$work/cp1" "$work/answer" >"$work/cosigned1"
"$work/cosignature" "$log_vkey" "$witness_vkey" "$work/cosigned1" | grep -q "^ok size=$n1 " ||
  fail "Go does not accept the first cosignature"

# The log grows by a signed license (the README's example, numbered N).
add_license() { post_license "$ctl" "$work/node" "$node" "$1" >/dev/null; }
# The next checkpoint comes with the node's consistency proof.
add_license 2
curl -fsS "$node/v1/checkpoint" >"$work/cp2"
n2=$(size_of "$work/cp2")
[ "$n2" -gt "$n1" ] || fail "the log did not grow"
got=$(submit "$n1" "$n2" "$work/cp2")
[ "$got" = "200 text/plain; charset=utf-8" ] || fail "second checkpoint: $got $(cat "$work/answer")"
cat "$work/cp2" "$work/answer" >"$work/cosigned2"
"$work/cosignature" "$log_vkey" "$witness_vkey" "$work/cosigned2" | grep -q "^ok size=$n2 " ||
  fail "Go does not accept the second cosignature"

# A stale old size: 409 with the latest size.
got=$(submit 0 "$n2" "$work/cp2")
[ "$got" = "409 text/x.tlog.size" ] && [ "$(cat "$work/answer")" = "$n2" ] ||
  fail "stale old size: $got $(cat "$work/answer")"

# kill -9: the witness remembers what it cosigned.
kill -9 "$witness_pid"
wait "$witness_pid" 2>/dev/null || true
start_witness
got=$(submit 0 "$n2" "$work/cp2")
[ "$got" = "409 text/x.tlog.size" ] && [ "$(cat "$work/answer")" = "$n2" ] ||
  fail "after kill -9: $got $(cat "$work/answer")"
got=$(submit "$n2" "$n2" "$work/cp2")
[ "$got" = "200 text/plain; charset=utf-8" ] || fail "same checkpoint again: $got"

# Refusals as problems: an unknown log, a malformed body, an old size above the checkpoint's,
# a consistency proof that does not verify.
printf 'old 0\n\nother.example/log\n1\n%s=\n\n\xe2\x80\x94 other.example/log AAAAAAA=\n' \
  "$(printf 'A%.0s' $(seq 43))" >"$work/unknown"
got=$(curl -sS -o "$work/answer" -w '%{http_code} %{content_type}' --data-binary @"$work/unknown" "$witness/add-checkpoint")
[ "$got" = "404 application/problem+json" ] || fail "unknown log: $got"
got=$(curl -sS -o "$work/answer" -w '%{http_code} %{content_type}' --data-binary 'hello' "$witness/add-checkpoint")
[ "$got" = "400 application/problem+json" ] || fail "malformed: $got"
grep -q '"code":"malformed_request"' "$work/answer" || fail "malformed: $(cat "$work/answer")"
{ echo "old $((n2 + 1))"; echo; cat "$work/cp2"; } >"$work/above"
got=$(curl -sS -o "$work/answer" -w '%{http_code}' --data-binary @"$work/above" "$witness/add-checkpoint")
[ "$got" = "400" ] || fail "old size above the checkpoint's: $got"
# The same size with a proof, or another tree at a larger size: never cosigned.
{ echo "old $n2"; echo "$(printf 'B%.0s' $(seq 42))A="; echo; cat "$work/cp2"; } >"$work/sameproof"
got=$(curl -sS -o "$work/answer" -w '%{http_code}' --data-binary @"$work/sameproof" "$witness/add-checkpoint")
[ "$got" = "409" ] || fail "a proof for the same size: $got"
add_license 3
curl -fsS "$node/v1/checkpoint" >"$work/cp3"
n3=$(size_of "$work/cp3")
{ echo "old $n2"; echo "$(printf 'B%.0s' $(seq 42))A="; echo; cat "$work/cp3"; } >"$work/badproof"
got=$(curl -sS -o "$work/answer" -w '%{http_code} %{content_type}' --data-binary @"$work/badproof" "$witness/add-checkpoint")
[ "$got" = "422 application/problem+json" ] || fail "a proof that does not verify: $got"
got=$(submit "$n2" "$n3" "$work/cp3")
[ "$got" = "200 text/plain; charset=utf-8" ] || fail "third checkpoint: $got $(cat "$work/answer")"
got=$(curl -sS -o /dev/null -w '%{http_code}' "$witness/add-checkpoint")
[ "$got" = "405" ] || fail "GET add-checkpoint: $got"
grep -q 'credledger_witness_answers_total{status="200"} 2' <<<"$(curl -fsS "$witness/metrics")" ||
  fail "metrics: $(curl -fsS "$witness/metrics")"
echo "witness_test: ok (sizes $n1, $n2 and $n3 cosigned, two checked by Go; 409, kill -9, refusals)"
