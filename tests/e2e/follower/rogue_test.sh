#!/usr/bin/env bash
# Leaders that break the log's promises, against followers and witnesses:
# 1. A forked leader: two ledgers under one node key (a copy of the data directory that went
#    its own way), served in turn at one address. A follower of it stops on the fork with the
#    two signed blocks as evidence; each of three witnesses cosigns at most one of the two
#    histories (the fork's checkpoint past the fork point is never published).
# 2. A leader patched to admit an entry signed with a revoked key (rogue_append): its follower
#    stops with the entry and the rules' refusal as evidence, keeps serving what it verified,
#    and stays stopped after a restart; the auditing witness beside it never cosigns a
#    checkpoint that holds the entry, while it cosigned the ones before.
# Usage: rogue_test.sh LEDGERD LEDGERCTL ROGUE_APPEND
set -euo pipefail
ledgerd=$1 ctl=$2 rogue_append=$3
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../witness/lib.sh"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}" ${leader_pid:-}; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do echo "== $log" >&2; grep -v 'msg=request' "$log" | tail -4 >&2; done
  exit 1
}
size_of() { curl -fsS "$1/v1/checkpoint" | sed -n 2p; }
metric() { grep -o "^$2 [0-9.]*" <<<"$(curl -fsS "$1/metrics")" | cut -d' ' -f2; }
wait_for() {  # SECONDS CONDITION...: polls every 50 ms
  local tries=$(($1 * 20))
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.05; done
  return 1
}

# The leader's ledger first, for its key; then its witnesses: two plain, one auditing beside
# a follower (started below, on a port chosen now).
vkey=$(node_vkey "$ledgerd" "$work/leader") || fail "the leader did not start"
echo "$vkey sha256" >"$work/logs"
leader_port=$(free_port) audited_port=$(free_port)
leader="http://127.0.0.1:$leader_port" audited="http://127.0.0.1:$audited_port"
start_witnesses "$ledgerd" "$work" 3 "$audited" || fail "the witnesses did not start"
audit_name="witness.credledger.test/w3"

start_leader() {  # DATA_DIR: a leader on $leader_port with the three witnesses (quorum 2)
  "$ledgerd" --data-dir "$1" --port "$leader_port" --witnesses-file "$work/witnesses" \
    --witness-quorum 2 --witness-poll-ms 20 2>>"$work/leader.log" &
  leader_pid=$!
  wait_url "$work/leader.log" "$leader_pid" >/dev/null || fail "the leader ($1) did not start"
}
stop_leader() {
  kill "$leader_pid"
  wait "$leader_pid" || true
  leader_pid=
}
start_follower() {  # NAME [PORT]: a follower of $leader in $work/NAME, its URL in $started
  "$ledgerd" --follow "$leader" --follow-key "$vkey" --follow-poll-ms 20 \
    --data-dir "$work/$1" --port "${2:-0}" 2>>"$work/$1.log" &
  pids+=("$!")
  started=$(wait_url "$work/$1.log" "$!") || fail "follower $1 did not start"
}
published_at_least() { [ "$(size_of "$leader")" -ge "$1" ]; }
caught_up() { [ "$(curl -fsS "$1/v1/blocks/latest")" = "$(curl -fsS "$leader/v1/blocks/latest")" ]; }
license() {  # N: posts license N, signed by sz-amr; prints its index
  post_license "$ctl" "$work/leader" "$leader" "$1" | json_field index
}

# --- 1. A fork ---
start_leader "$work/leader"
start_follower forked
forked=$started
license 1 >/dev/null
fork_point=$(curl -fsS "$leader/v1/node" | json_field tree_size)
wait_for 20 published_at_least "$fork_point" || fail "no cosigned checkpoint at $fork_point"
wait_for 20 caught_up "$forked" || fail "the follower did not catch up before the fork"
stop_leader
cp -a "$work/leader" "$work/fork"
# The real history grows by license 2; the follower copies it, and witnesses cosign it.
start_leader "$work/leader"
license 2 >/dev/null
wait_for 20 published_at_least $((fork_point + 1)) || fail "the real history was not cosigned"
wait_for 20 caught_up "$forked" || fail "the follower did not copy the real history"
real_checkpoint=$(curl -fsS "$leader/v1/checkpoint")
stop_leader
# The fork, under the same key at the same address, grows by another entry at the same index.
start_leader "$work/fork"
post_license "$ctl" "$work/fork" "$leader" 3 >/dev/null
wait_for 20 test -s "$work/forked/follow-alarm.json" || fail "the follower saw no fork"
python3 - "$work/forked/follow-alarm.json" <<'PY' || fail "the fork alarm lacks its evidence"
import json, sys
a = json.load(open(sys.argv[1]))
assert "two different blocks" in a["alarm"], a["alarm"]
e = a["evidence"]
assert e["leader_block"]["height"] == e["verified_block"]["height"]
assert e["leader_block"]["root"] != e["verified_block"]["root"]
PY
[ "$(metric "$forked" credledger_follow_alarm)" = 1 ] || fail "the fork raised no alarm metric"
code=$(curl -s -o /dev/null -w '%{http_code}' "$forked/readyz")
[ "$code" = 503 ] || fail "a follower that stopped on a fork is ready ($code)"
[ "$(curl -fsS "$forked/v1/checkpoint")" = "$real_checkpoint" ] ||
  fail "the follower no longer serves the history it verified"
# No witness cosigns the fork past the fork point (each cosigned the real history there): the
# fork's checkpoint carries no cosignature, and none is published for its size.
refused() { [ "$(metric "$leader" credledger_witness_refusals | cut -d. -f1)" -ge 6 ]; }
wait_for 20 refused || fail "the witnesses did not refuse the fork"
fork_checkpoint=$(curl -fsS "$leader/v1/checkpoint")
[ "$(sed -n 2p <<<"$fork_checkpoint")" -gt "$fork_point" ] || fail "the fork did not grow"
grep -q "— witness.credledger.test/" <<<"$fork_checkpoint" &&
  fail "a witness cosigned the fork past the fork point: $fork_checkpoint"
[ "$(metric "$leader" credledger_witness_published_tree_size)" = 0 ] ||
  fail "the fork published a cosigned checkpoint"
stop_leader

# --- 2. An entry signed with a revoked key ---
start_leader "$work/leader"
start_follower audited "$audited_port"
eco_key=$(curl -fsS "$leader/v1/agencies/sz-eco" | sed 's/.*"key_id":"\([0-9a-f]*\)".*/\1/')
"$ctl" config --keys "$work/leader/dev-keys/admin.pem" --action revoke_key \
  --params "{\"agency_id\":\"sz-eco\",\"key_id\":\"$eco_key\"}" |
  curl -fsS -H 'Content-Type: application/json' --data-binary @- "$leader/v1/entries" >/dev/null
before=$(curl -fsS "$leader/v1/node" | json_field tree_size)
wait_for 20 published_at_least "$before" || fail "the revocation was not cosigned"
audit_cosigned() { grep -q "— $audit_name " <<<"$(curl -fsS "$leader/v1/checkpoint")"; }
# Once its follower has verified the log, the auditing witness's cosignature joins the
# published checkpoint (asked again after its 503s).
wait_for 20 audit_cosigned || fail "the auditing witness did not cosign the verified log"
license_json "$ctl" "$work/leader" 4 | sed 's/"agency": *"sz-amr"/"agency": "sz-eco"/' |
  "$ctl" sign --key "$work/leader/dev-keys/sz-eco.pem" - >"$work/revoked.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$work/revoked.json" "$leader/v1/entries")
[ "$code" = 401 ] || fail "the honest leader took an entry signed with a revoked key ($code)"
stop_leader
rogue_index=$("$rogue_append" "$work/leader" <"$work/revoked.json" 2>"$work/rogue.err") ||
  fail "rogue_append: $(cat "$work/rogue.err")"
start_leader "$work/leader"
wait_for 20 test -s "$work/audited/follow-alarm.json" || fail "the follower took the rogue entry"
python3 - "$work/audited/follow-alarm.json" "$rogue_index" <<'PY' || fail "the alarm lacks its evidence"
import json, sys
a = json.load(open(sys.argv[1]))
e = a["evidence"]
assert e["entry_index"] == int(sys.argv[2]), e
assert e["entry"]["agency"] == "sz-eco", e["entry"]
assert "entry %s" % sys.argv[2] in a["alarm"] and "Unauthenticated" in e["error"], a
PY
[ "$(curl -fsS "$audited/v1/node" | json_field tree_size)" = "$rogue_index" ] ||
  fail "the follower stored past the rogue entry"
code=$(curl -s -o /dev/null -w '%{http_code}' "$audited/v1/entries/$rogue_index")
[ "$code" = 404 ] || fail "the follower serves the rogue entry ($code)"
curl -fsS "$audited/v1/proofs/inclusion?index=1" >/dev/null || fail "the follower stopped serving"
# The leader gets its checkpoint with the rogue entry cosigned by the two plain witnesses,
# never by the auditing one.
wait_for 20 published_at_least $((rogue_index + 1)) || fail "the rogue checkpoint was not published"
sleep 0.5
audit_cosigned && fail "the auditing witness cosigned a checkpoint holding the rogue entry"
grep -q 'status=503' "$work/w3.log" || fail "the auditing witness refused nothing"
# A restart does not resume following: the alarm stands until an operator removes it.
kill "${pids[-1]}"; wait "${pids[-1]}" || true
start_follower audited "$audited_port"
code=$(curl -s -o /dev/null -w '%{http_code}' "$audited/readyz")
[ "$code" = 503 ] || fail "a restarted follower with an alarm is ready ($code)"
echo "rogue_test: a fork and an entry signed with a revoked key each stopped a follower with" \
  "the evidence; no witness cosigned past the fork; the auditing witness never cosigned entry $rogue_index"
