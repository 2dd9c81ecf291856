#!/usr/bin/env bash
# ledgerctl monitor and audit against real nodes: a node that only appends passes; a fork
# (two ledgers grown apart from one genesis, one node key) and a rollback (a node restarted
# on an older copy of its data) raise alarms; audit replays a live node and a stopped one,
# checks the bank query log against its anchors, and catches a tampered store, whose changed
# entry ledgerd never serves and fsck names; a flipped bit in a table file is named by fsck
# (and by a start that has not checked that table before), a truncated table and a log file
# that lost an acknowledged block (the head record) are refused at start.
# Usage: monitor_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL PATH_TO_STORE_TAMPER
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"
tamper=$3

start() { start_node "$1.log" --dev --data-dir "$1" --port 0; }  # start DATA_DIR
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }
submit() {  # submit DATA_DIR LICENSE_NUMBER: a new license from the dev agency
  dev_license "$1" "$2" >license.json
  "$ctl" sign --key "$1/dev-keys/sz-amr.pem" license.json >signed.json
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @signed.json "$base/v1/entries")
  [ "$code" = 201 ] || bad "submit $2: HTTP $code"
}
expect() {  # expect NAME WANT_STATUS TEXT command...: exit status and a line of its output
  local name=$1 want=$2 text=$3
  shift 3
  "$@" >out.txt 2>&1
  local rc=$?
  if [ "$rc" = "$want" ] && grep -qF -- "$text" out.txt; then ok; else
    bad "$name: exit $rc (want $want), output: $(cat out.txt)"
  fi
}

start a
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
submit a SZ-1
stop
cp -r a b      # b: the same genesis and node key, to be grown apart from a
cp -r a a-old  # a's data as it was at tree size 2, for the rollback

start a
expect "first poll" 0 "first checkpoint: tree size 2" "$ctl" monitor "$base" --vkey "$vkey" --state mon.json --once
submit a SZ-2
expect "an appended tree is consistent" 0 "consistent with 2" "$ctl" monitor "$base" --vkey "$vkey" --state mon.json --once
expect "an unchanged tree" 0 "unchanged" "$ctl" monitor "$base" --vkey "$vkey" --state mon.json --once
token=$(cat a/dev-keys/demo-bank.token)
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/v1/subjects/914403001922038216/profile?purpose=loan"
sleep 0.5  # the read's anchor lands in the log
expect "audit of a live node" 0 "every signature, permission, block link and root holds" \
  "$ctl" audit "$base" --vkey "$vkey" --query-audit a/query-audit.jsonl
grep -q "1 query audit anchors" out.txt && grep -q "1 anchors match" out.txt && ok ||
  bad "the audit did not check the anchor: $(cat out.txt)"
# The one line rewritten (its chain still links: it is the first): the anchored tree of lines
# no longer holds it.
sed 's/"purpose":"loan"/"purpose":"lean"/' a/query-audit.jsonl >rewritten.jsonl
expect "a rewritten audit line" 1 "is not the tree the log anchored" \
  "$ctl" audit "$base" --vkey "$vkey" --query-audit rewritten.jsonl
stop
cp mon.json mon-before-fork.json

# A fork: b grows from the same tree size 2 with other entries.
start b
submit b SZ-OTHER
expect "fork at the same size" 4 "with different roots (a fork)" "$ctl" monitor "$base" --vkey "$vkey" --state mon.json --once
[ -s mon.json.alarm.json ] && grep -q '"previous_checkpoint"' mon.json.alarm.json && ok || bad "no evidence saved"
"$ctl" init --data c --origin dev.credledger.local/log >/dev/null
other_vkey=$("$ctl" checkpoint --data c --vkey)
expect "a checkpoint signed by another key" 4 "a checkpoint that does not verify" \
  "$ctl" monitor "$base" --vkey "$other_vkey" --state mon-other.json --once
submit b SZ-OTHER-2
cp mon-before-fork.json mon2.json
expect "fork at a larger size" 4 "is not an append-only extension of 3 (a fork)" "$ctl" monitor "$base" --vkey "$vkey" --state mon2.json --once
stop

# A rollback: a restarted on its older data.
cp mon-before-fork.json mon3.json
start a-old
expect "rollback" 4 "the tree shrank from 3 to 2 entries (rolled back)" "$ctl" monitor "$base" --vkey "$vkey" --state mon3.json --once
stop

expect "a malformed verifier key" 2 "InvalidArgument" "$ctl" monitor http://127.0.0.1:1 --vkey "not+a+key" --state x.json --once
expect "an unreachable node is an error, not an alarm" 1 "Unavailable" "$ctl" monitor http://127.0.0.1:1 --vkey "$vkey" --state x.json --once

# Audit of a stopped node's data directory, then of the same data with one byte changed.
expect "audit of a data directory" 0 "up to the head block's signature" "$ctl" audit a --vkey "$vkey"
# The replay's indexes go to a scratch LevelDB in --scratch DIR, removed afterwards; a scratch
# directory that cannot be written is named.
mkdir scratch
expect "audit with a scratch directory" 0 "up to the head block's signature" \
  "$ctl" audit a --vkey "$vkey" --scratch scratch
[ -z "$(ls -A scratch)" ] && ok || bad "the audit left its scratch store behind: $(ls -A scratch)"
expect "audit with a scratch directory that does not exist" 1 "cannot create a scratch directory like no-such-dir/credledger-audit." \
  "$ctl" audit a --vkey "$vkey" --scratch no-such-dir
cp -r a a-file && cp -r a a-log && cp -r a a-trunc
expect "fsck of a sound store" 0 '"indexes":"equal to a rebuild from the log"' "$ctl" fsck --data a --indexes
"$tamper" a 1 || bad "store_tamper failed"
# Start-up reads a bounded amount, not every entry: the node starts, and never serves the
# changed entry (each entry read is checked against its leaf); fsck and audit name it.
# The background scrub finds it too, and says so in the metrics and the log.
start_node a.log --dev --data-dir a --port 0 --scrub-entries-per-second 100000
code=$(curl -sS -o body.json -w '%{http_code}' "$base/v1/entries/1")
[ "$code" = 500 ] && grep -q 'entry 1 in the store does not hash to leaf 1 of the tree' a.log && ok ||
  bad "a changed entry was served (HTTP $code): $(cat body.json)"
for _ in $(seq 50); do
  grep -q '^credledger_scrub_damage_found 1' <<<"$(curl -sS "$base/metrics")" && break
  sleep 0.1
done
grep -q '^credledger_scrub_damage_found 1' <<<"$(curl -sS "$base/metrics")" &&
  grep -q 'the scrub found damage in the store.*entry 1 in the store does not hash to leaf 1' a.log && ok ||
  bad "the scrub did not report the changed entry: $(curl -sS "$base/metrics" | grep scrub)"
stop
expect "fsck of a tampered store" 1 "entry 1 in the store does not hash to leaf 1 of the tree" \
  "$ctl" fsck --data a
expect "audit of a tampered store" 1 "AUDIT FAILED: block 1: its root is not the root of entries 0..1 as read (an entry was altered)" \
  "$ctl" audit a --vkey "$vkey"
expect "audit of another node's data" 1 "AUDIT FAILED: the head block's signature" "$ctl" audit c --vkey "$vkey"

# refuses NAME DATA_DIR TEXT: ledgerd will not start on DATA_DIR, and says TEXT.
refuses() {
  "$ledgerd" --data-dir "$2" --port 0 2>refused.log &
  pid=$!
  wait "$pid"; local rc=$?; pid=
  [ "$rc" != 0 ] && grep -qF -- "$3" refused.log && ok || bad "$1: exit $rc: $(cat refused.log)"
}
# One bit of a LevelDB table file flipped: fsck, the audit and a start that has not checked
# that table before name the file (and, in a table of many blocks, the last key before the
# damage: tests/ledger/ledger_test.cc). A table checked once is not read again at start.
table=$(ls -S a-file/store/*.ldb | head -1)
offset=$(($(stat -c %s "$table") / 2))
byte=$(od -An -tu1 -j "$offset" -N1 "$table" | tr -d ' ')
printf "\\$(printf %o $((byte ^ 1)))" | dd of="$table" bs=1 seek="$offset" conv=notrunc status=none
expect "fsck names a damaged table file" 1 "DataLoss: $table is damaged" "$ctl" fsck --data a-file
expect "audit of a damaged table file" 1 "DataLoss: $table is damaged" "$ctl" audit a-file --vkey "$vkey"
rm -f a-file/store/CHECKED-TABLES
refuses "a flipped bit in $table, not checked before" a-file "DataLoss: $table is damaged"
# A table cut short is refused at start even once checked: its size is in the record.
start a-trunc && stop  # the start checks every table and records them
table=$(ls -S a-trunc/store/*.ldb | head -1)
grep -q "^$(basename "$table" .ldb | sed 's/^0*//') " a-trunc/store/CHECKED-TABLES && ok ||
  bad "$table is not in the record of checked tables: $(cat a-trunc/store/CHECKED-TABLES)"
truncate -s $(($(stat -c %s "$table") / 2)) "$table"
refuses "a truncated $table" a-trunc "DataLoss: $table is damaged"
# A log file cut short after an acknowledged entry: LevelDB reads it as a crash in mid-write,
# so only the head record outside the store shows that durable blocks were lost.
start a-log
submit a-log SZ-IN-THE-LOG
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=
log=$(ls -S a-log/store/*.log | head -1)
truncate -s 0 "$log"
refuses "a truncated $log" a-log "durable and signed it (a-log/head): the store has lost blocks"

echo "monitor_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
