#!/usr/bin/env bash
# A node with three witnesses (ledgerd in witness mode) and a quorum of two: its published
# checkpoint (/v1/checkpoint, /tlog/checkpoint) carries at least two cosignatures, each checked
# by Go (tests/e2e/interop/cosignature.go); it keeps being published with one witness killed
# (kill -9), stops advancing with two, and catches up when they return. Prints the time from
# an acknowledged entry to its 2-of-3 cosigned checkpoint (a figure, not a timed assertion:
# the wait is bounded only to end a hung run).
# Usage: cosigning_test.sh LEDGERD LEDGERCTL
set -euo pipefail
ledgerd=$1 ctl=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -5 "$work/node.log" >&2 || true
  exit 1
}
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" GOFLAGS=
go build -o "$work/cosignature" "$here/../interop/cosignature.go"

# The node's ledger and key come first (its verifier key is what the witnesses follow).
"$ledgerd" --dev --data-dir "$work/node" --port 0 2>"$work/first.log" &
first=$!
url=$(wait_url "$work/first.log" "$first") || fail "the node did not start"
log_vkey=$(curl -fsS "$url/v1/node" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verifier_key"])')
kill "$first"; wait "$first" || true
echo "$log_vkey sha256" >"$work/logs"

# Three witnesses, each on a fixed port so that a restarted one comes back where it was.
declare -A witness_pid witness_port
: >"$work/witnesses"
start_witness() {  # N
  "$ledgerd" --witness-name "witness.credledger.test/w$1" --witness-logs-file "$work/logs" \
    --data-dir "$work/w$1" --port "${witness_port[$1]}" 2>>"$work/w$1.log" &
  witness_pid[$1]=$!
  pids+=("$!")
  wait_url "$work/w$1.log" "$!" >/dev/null || fail "witness $1 did not start"
}
for n in 1 2 3; do
  witness_port[$n]=$(free_port)
  start_witness "$n"
  key=$(grep -o 'witness_key=[^ ]*' "$work/w$n.log" | tail -1 | cut -d= -f2- | tr -d '"')
  echo "$key http://127.0.0.1:${witness_port[$n]}" >>"$work/witnesses"
done

"$ledgerd" --data-dir "$work/node" --port 0 --witnesses-file "$work/witnesses" \
  --witness-quorum 2 2>"$work/node.log" &
pids+=("$!")
node=$(wait_url "$work/node.log" "$!") || fail "the node did not start with witnesses"

# The published checkpoint: the node's signature and at least two cosignatures, by Go.
cosigned_count() {  # FILE: how many of the three witnesses' cosignatures Go accepts
  local count=0 key
  while read -r key _; do
    "$work/cosignature" "$log_vkey" "$key" "$1" >/dev/null 2>&1 && count=$((count + 1))
  done <"$work/witnesses"
  echo "$count"
}
published_at_least() {  # SIZE: waits until /v1/checkpoint is cosigned by 2 at SIZE or more
  for _ in $(seq 400); do
    curl -fsS "$node/v1/checkpoint" >"$work/published"
    if [ "$(sed -n 2p "$work/published")" -ge "$1" ] && [ "$(cosigned_count "$work/published")" -ge 2 ]; then
      return 0
    fi
    sleep 0.025
  done
  return 1
}
published_at_least 1 || fail "no checkpoint cosigned by two witnesses"
cmp -s "$work/published" <(curl -fsS "$node/tlog/checkpoint") || fail "/tlog/checkpoint is not the published checkpoint"

# Entries acknowledged, then their cosigned checkpoint: the time between, twenty times.
add_license() {  # N: a distinct signed license (the README's example), its index printed
  post_license "$ctl" "$work/node" "$node" "$1" >"$work/receipt"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index"])' "$work/receipt"
}
times=()
for n in $(seq 10 29); do
  index=$(add_license "$n")
  start=$(date +%s%N)
  published_at_least $((index + 1)) || fail "entry $index never got a 2-of-3 cosigned checkpoint"
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "cosigning_test: entry to 2-of-3 cosigned checkpoint, 20 entries: p50 $(echo "$sorted" | sed -n 10p) ms, max $(echo "$sorted" | tail -1) ms (polling every 25 ms)"

# A bundle of the last record carries the published checkpoint, cosigned.
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["record_id"])' "$work/receipt")
curl -fsS "$node/v1/records/$id/bundle" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checkpoint"], end="")' >"$work/bundle-checkpoint"
[ "$(cosigned_count "$work/bundle-checkpoint")" -ge 2 ] || fail "the bundle's checkpoint is not cosigned"
# ledgerctl verify with the witness policy: two of the three required.
curl -fsS "$node/v1/records/$id/bundle" >"$work/bundle.json"
witness_flags=()
while read -r key _; do witness_flags+=(--witness "$key"); done <"$work/witnesses"
"$ctl" verify "$work/bundle.json" --vkey "$log_vkey" "${witness_flags[@]}" --quorum 2 >"$work/verify.txt" ||
  fail "ledgerctl verify refused the cosigned bundle: $(cat "$work/verify.txt")"
grep -q "cosignatures.*cosigned by [23] of the 3 witnesses given" "$work/verify.txt" ||
  fail "verify did not report the cosignatures: $(cat "$work/verify.txt")"
# ledgerctl monitor with the policy accepts the node's checkpoint; with a witness the node
# does not have, it does not (and keeps no state).
"$ctl" monitor "$node" --vkey "$log_vkey" --state "$work/monitor" --once "${witness_flags[@]}" \
  --quorum 2 >"$work/monitor.txt" || fail "monitor refused the cosigned checkpoint: $(cat "$work/monitor.txt")"
stranger=$(python3 -c '
import base64, hashlib, os
name, key = "stranger.example/w", os.urandom(32)
kid = hashlib.sha256(name.encode() + b"\n\x04" + key).digest()[:4].hex()
print(name + "+" + kid + "+" + base64.b64encode(b"\x04" + key).decode())')
if "$ctl" monitor "$node" --vkey "$log_vkey" --state "$work/monitor2" --once \
  --witness "$stranger" >"$work/monitor2.txt"; then
  fail "monitor accepted a checkpoint its witness never cosigned"
fi
grep -q "not accepted: cosigned by 0 of 1 witnesses, 1 required (no cosignature by stranger.example/w)" \
  "$work/monitor2.txt" || fail "monitor: $(cat "$work/monitor2.txt")"
[ ! -e "$work/monitor2" ] || fail "monitor saved a checkpoint it did not accept"

# One witness killed: still two. Two killed: the published checkpoint stays where it was.
{ kill -9 "${witness_pid[1]}"; wait "${witness_pid[1]}"; } 2>/dev/null || true
index=$(add_license 40)
published_at_least $((index + 1)) || fail "no quorum with one witness down"
{ kill -9 "${witness_pid[2]}"; wait "${witness_pid[2]}"; } 2>/dev/null || true
stuck=$(sed -n 2p "$work/published")
index=$(add_license 41)
sleep 1
[ "$(curl -fsS "$node/v1/checkpoint" | sed -n 2p)" = "$stuck" ] || fail "published without a quorum"
grep -q '^credledger_witness_unreachable [1-9]' <<<"$(curl -fsS "$node/metrics")" || fail "unreachable witnesses not counted"
# They come back with what they cosigned (kill -9 kept it), and the node catches them up.
start_witness 1
start_witness 2
published_at_least $((index + 1)) || fail "no catching up after the witnesses returned"
echo "cosigning_test: ok (published with 2 of 3, with 1 down; held with 2 down; caught up)"
