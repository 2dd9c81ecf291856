#!/usr/bin/env bash
# A leader with three witnesses (quorum 2) and two followers (ledgerd --follow), under
# concurrent writes, some of them sent to a follower (which redirects them, 307, to the
# leader); one follower is killed with -9 mid-copy again and again and resumes. Then both
# followers serve the leader's cosigned checkpoint; every acknowledged entry is in their copies
# at its receipt's index (their level-0 hash tiles against the receipts' leaf hashes); a bundle
# served by a follower verifies with the leader's key and the witness policy.
# Usage: follower_test.sh LEDGERD LEDGERCTL [KILLS]
set -euo pipefail
ledgerd=$1 ctl=$2 kills=${3:-6}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../witness/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}" ${f1_pid:-}; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do echo "== $log" >&2; tail -5 "$log" >&2; done
  exit 1
}

# The leader's ledger and key first: its verifier key is what witnesses and followers follow.
vkey=$(node_vkey "$ledgerd" "$work/leader") || fail "the leader did not start"
echo "$vkey sha256" >"$work/logs"
start_witnesses "$ledgerd" "$work" 3 || fail "the witnesses did not start"
"$ledgerd" --data-dir "$work/leader" --port 0 --witnesses-file "$work/witnesses" \
  --witness-quorum 2 2>"$work/leader.log" &
pids+=("$!")
leader=$(wait_url "$work/leader.log" "$!") || fail "the leader did not start with witnesses"

start_follower() {  # NAME PORT: a follower of the leader in $work/NAME, its PID in $started
  "$ledgerd" --follow "$leader" --follow-key "$vkey" --follow-poll-ms 50 \
    --data-dir "$work/$1" --port "$2" 2>>"$work/$1.log" &
  started=$!
}
f1_port=$(free_port) f2_port=$(free_port)
start_follower f1 "$f1_port"
f1_pid=$started
start_follower f2 "$f2_port"
f2_pid=$started
pids+=("$f2_pid")
f1="http://127.0.0.1:$f1_port" f2="http://127.0.0.1:$f2_port"
wait_url "$work/f2.log" "$f2_pid" >/dev/null || fail "follower 2 did not start"

# Writers: signed penalties in batches of 50, one writer to the leader and one to follower 2,
# whose 307 curl follows (-L keeps the POST and its body on a 307).
"$ctl" bench-entries --key "$work/leader/dev-keys/sz-tax.pem" --agency sz-tax \
  --genesis "$work/leader/dev-genesis.json" --count 3000 --out "$work/entries.jsonl" >/dev/null
split -l 50 -d -a 3 "$work/entries.jsonl" "$work/batch."
write() {  # TARGET_URL FILES...: posts each file as one batch, keeping the answers
  local target=$1
  shift
  for f in "$@"; do
    python3 -c 'import json,sys; print(json.dumps({"entries": [json.loads(l) for l in open(sys.argv[1])]}))' "$f" |
      curl -fsSL -H 'Content-Type: application/json' --data-binary @- "$target/v1/entries/batch" \
        >"$f.answer" || return 1
  done
}
batches=("$work"/batch.*)
half=$((${#batches[@]} / 2))
write "$leader" "${batches[@]:0:$half}" &
writer1=$!
write "$f2" "${batches[@]:$half}" &
writer2=$!

# Follower 1 killed with -9 at random moments while it copies, and started again.
for k in $(seq "$kills"); do
  wait_url "$work/f1.log" "$f1_pid" >/dev/null || fail "follower 1 did not start (round $k)"
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$f1_pid" 2>/dev/null || true
  wait "$f1_pid" 2>/dev/null || true
  start_follower f1 "$f1_port"
  f1_pid=$started
done
wait "$writer1" || fail "the writer to the leader failed"
wait "$writer2" || fail "the writer to follower 2 (redirected) failed"
wait_url "$work/f1.log" "$f1_pid" >/dev/null || fail "follower 1 did not start at the end"
grep -q 'status=307' "$work/f2.log" || fail "follower 2 redirected no write"

# Both followers converge to the leader's published (cosigned) checkpoint.
leader_size=$(curl -fsS "$leader/v1/node" | json_field tree_size)
[ "$leader_size" -ge 3001 ] || fail "the leader holds $leader_size entries, not 3001"
converged() {
  local want
  want=$(curl -fsS "$leader/v1/checkpoint")
  [ "$(echo "$want" | sed -n 2p)" -ge "$leader_size" ] || return 1
  [ "$(curl -fsS "$1/v1/checkpoint")" = "$want" ]
}
for f in "$f1" "$f2"; do
  for _ in $(seq 600); do converged "$f" && break; sleep 0.05; done
  converged "$f" || fail "$f did not converge to the leader's checkpoint"
  [ "$(curl -fsS "$f/v1/blocks/latest")" = "$(curl -fsS "$leader/v1/blocks/latest")" ] ||
    fail "$f's latest block is not the leader's"
  curl -fsS "$f/readyz" >/dev/null || fail "$f is not ready once caught up"
  metrics=$(curl -fsS "$f/metrics")
  grep -q '^credledger_follow_alarm 0$' <<<"$metrics" || fail "$f raised an alarm"
done

# Every acknowledged entry at its receipt's index in both copies: the receipts' leaf hashes
# against the followers' level-0 hash tiles (C2SP tiles of leaf hashes).
python3 -c '
import json, sys
for answer in sys.argv[1:]:
    for r in json.load(open(answer))["results"]:
        print(r["index"], r["leaf_hash"])' "$work"/batch.*.answer >"$work/receipts"
[ "$(wc -l <"$work/receipts")" -eq 3000 ] || fail "$(wc -l <"$work/receipts") receipts, not 3000"
for f in "$f1" "$f2"; do
  python3 - "$f" "$leader_size" "$work/receipts" <<'PY' || fail "$f lacks acknowledged entries"
import sys, urllib.request
url, size, receipts = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def path(n):
    digits = []
    while True:
        digits.insert(0, "%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    return "/".join(["x" + d for d in digits[:-1]] + [digits[-1]])
leaves = b""
for n in range((size + 255) // 256):
    width = min(256, size - 256 * n)
    tile = "/tlog/tile/0/" + path(n) + ("" if width == 256 else ".p/%d" % width)
    leaves += urllib.request.urlopen(url + tile).read()
missing = 0
for line in open(receipts):
    index, leaf = line.split()
    index = int(index)
    if leaves[32 * index:32 * index + 32].hex() != leaf:
        missing += 1
if missing:
    sys.exit("%d acknowledged entries are not at their receipts' index" % missing)
PY
done

# A bundle served by a follower verifies offline with the leader's key and the witnesses.
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][7]["record_id"])' "$work/batch.000.answer")
curl -fsS "$f1/v1/records/$id/bundle" >"$work/bundle.json" || fail "follower 1 serves no bundle"
witness_flags=()
while read -r key _; do witness_flags+=(--witness "$key"); done <"$work/witnesses"
"$ctl" verify "$work/bundle.json" --vkey "$vkey" "${witness_flags[@]}" --quorum 2 >"$work/verify.txt" ||
  fail "the follower's bundle does not verify: $(cat "$work/verify.txt")"
# A public credit profile from a follower: assembled from its copy, signed with its own key
# (its /v1/node "profile_key"), the records proven against the leader's checkpoint; a bank's
# read is sent to the leader, which logs it.
curl -fsS "$f1/v1/subjects/914403001922038216/profile" >"$work/profile.json" ||
  fail "follower 1 serves no public profile"
signer=$(curl -fsS "$f1/v1/node" | python3 -c 'import json,sys; print(json.load(sys.stdin)["profile_key"]["spki"])')
"$ctl" verify "$work/profile.json" --vkey "$vkey" --profile-signer "$signer" >"$work/profile.txt" ||
  fail "the follower's profile does not verify: $(cat "$work/profile.txt")"
grep -q "AUTHENTIC credit profile" "$work/profile.txt" || fail "$(cat "$work/profile.txt")"
"$ctl" verify "$work/profile.json" --vkey "$vkey" >/dev/null 2>&1 &&
  fail "a follower's profile verified as signed by the leader's key"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/leader/dev-keys/demo-bank.token")" \
  "$f1/v1/subjects/914403001922038216/profile?purpose=loan")
[ "$code" = 307 ] || fail "a bank's read of a follower was not redirected to the leader ($code)"
copied=$(grep -o '^credledger_follow_entries_copied [0-9]*' <<<"$(curl -fsS "$f2/metrics")" | cut -d' ' -f2)
echo "follower_test: 2 followers of a 3-witness leader converged at $leader_size entries," \
  "follower 1 killed -9 $kills times; follower 2 copied $copied entries"
