#!/usr/bin/env bash
# A witness killed with -9 at random moments while a log submits a growing sequence of
# checkpoints to it: after every restart its latest cosigned size is at least the largest
# size it ever answered with a cosignature (it persisted before it answered), and it keeps
# cosigning the log from there. CYCLES cycles (default 20; by hand, hundreds).
# Usage: witness_crash_test.sh LEDGERD LEDGERCTL [CYCLES]
set -euo pipefail
ledgerd=$1 ctl=$2 cycles=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d)
node_pid= witness_pid=
trap stop_started EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -5 "$work/witness.log" >&2 || true
  exit 1
}

# A log of 1 + 40 entries and its checkpoint after each (the sequence a log would submit).
"$ledgerd" --dev --data-dir "$work/node" --port 0 2>"$work/node.log" &
node_pid=$!
node=$(wait_url "$work/node.log" "$node_pid") || fail "the node did not start"
log_vkey=$(curl -fsS "$node/v1/node" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verifier_key"])')
mkdir -p "$work/seq"
curl -fsS "$node/v1/checkpoint" >"$work/seq/1"
for n in $(seq 2 41); do
  post_license "$ctl" "$work/node" "$node" "$n" >/dev/null
  curl -fsS "$node/v1/checkpoint" >"$work/seq/$n"
done
# The consistency proof from each size to the next (the submitter goes one size at a time),
# as base64 lines.
for old in $(seq 1 40); do
  curl -fsS "$node/v1/proofs/consistency?from=$old&to=$((old + 1))" | python3 -c '
import base64, json, sys
for h in json.load(sys.stdin)["consistency_proof"]:
    print(base64.b64encode(bytes.fromhex(h)).decode())' >"$work/seq/proof-$old-$((old + 1))"
done
kill "$node_pid"; wait "$node_pid" || true; node_pid=
echo "$log_vkey sha256" >"$work/logs"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The submitter: learns the witness's size (a 409 names it), then submits each next
# checkpoint with its proof, appending each size cosigned to `acked` (flushed and synced
# before the next request, so that what it recorded was answered before the kill).
cat >"$work/submit.py" <<'PY'
import os, sys, urllib.request, urllib.error
url, seq, acked = sys.argv[1], sys.argv[2], sys.argv[3]
def post(old, new):
    proof = open(f"{seq}/proof-{old}-{new}").read() if 0 < old < new else ""
    body = f"old {old}\n{proof}\n".encode() + open(f"{seq}/{new}", "rb").read()
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/add-checkpoint", data=body), timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
status, body = post(0, 1)
size = 1 if status == 200 else int(body)
with open(acked, "a") as out:
    if status == 200:
        out.write("1\n"); out.flush(); os.fsync(out.fileno())
    while size < 41:
        status, body = post(size, size + 1)
        if status != 200:
            sys.exit(f"size {size + 1}: {status} {body}")
        size += 1
        out.write(f"{size}\n"); out.flush(); os.fsync(out.fileno())
PY

: >"$work/acked"
for cycle in $(seq "$cycles"); do
  "$ledgerd" --witness-name witness.credledger.test/crash --witness-logs-file "$work/logs" \
    --data-dir "$work/witness" --port "$port" --log-format none 2>>"$work/witness.log" &
  witness_pid=$!
  witness=$(for _ in $(seq 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && { echo "http://127.0.0.1:$port"; break; }
    sleep 0.02
  done)
  [ -n "$witness" ] || fail "cycle $cycle: the witness did not start"
  # Its latest size now is at least every size it ever cosigned.
  latest=$(curl -sS --data-binary @<(printf 'old 0\n\n'; cat "$work/seq/1") "$witness/add-checkpoint")
  [ "$latest" = "$(printf '%s' "$latest" | tr -dc 0-9)" ] || latest=$(sed -n 2p "$work/seq/1")
  acked_max=$(sort -n "$work/acked" | tail -1)
  [ -z "$acked_max" ] || [ "$latest" -ge "$acked_max" ] ||
    fail "cycle $cycle: the witness is at size $latest, but it had cosigned $acked_max"
  [ "$latest" -lt 41 ] || break  # the whole sequence cosigned: nothing left to interrupt
  python3 "$work/submit.py" "$witness" "$work/seq" "$work/acked" 2>>"$work/submit.err" &
  submitter=$!
  sleep "$(printf '0.%03d' $((50 + RANDOM % 300)))"  # python starts in ~40 ms
  { kill -9 "$witness_pid"; wait "$witness_pid"; } 2>/dev/null || true
  witness_pid=
  wait "$submitter" 2>/dev/null || true
done
echo "witness_crash_test: ok ($cycle cycles; cosigned up to size $(sort -n "$work/acked" | tail -1); never behind what it answered)"
