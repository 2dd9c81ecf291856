#!/usr/bin/env bash
# End-to-end checks of ledgerctl as a person uses it: exit codes, messages, files written.
# Usage: ledgerctl_test.sh PATH_TO_LEDGERCTL
set -uo pipefail
ctl=$1
fixtures=$(cd "$(dirname "$0")/../fixtures/records" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0 failed=0

check() {  # check "description" expected_exit command...
  local what=$1 want=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" -eq "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $got, want $want"; cat out.txt err.txt
  fi
}
contains() {  # contains "description" file text
  if grep -qF -- "$3" "$2"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: $2 lacks '$3'"; cat "$2"; fi
}

check "usage without a command" 2 "$ctl"
check "unknown command" 2 "$ctl" frobnicate
contains "unknown command names it" err.txt 'unknown command "frobnicate"'

check "keygen sm2" 0 "$ctl" keygen --alg sm2 --out agency.pem
contains "keygen prints the key id" out.txt '"key_id":'
[ "$(stat -c %a agency.pem)" = 600 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: private key mode"; }
check "keygen refuses to overwrite" 1 "$ctl" keygen --alg sm2 --out agency.pem
check "keygen rejects rsa" 2 "$ctl" keygen --alg rsa --out rsa.pem
contains "keygen names the algorithms" err.txt "expected p256, ed25519 or sm2"

check "commands on a missing ledger fail clearly" 1 "$ctl" checkpoint --data nowhere
contains "missing ledger message" err.txt "no ledger in nowhere"
check "init" 0 "$ctl" init --data d --origin test.credledger/log --tree-hash sm3
contains "init prints the verifier key" out.txt '"verifier_key":"test.credledger/log+'
[ "$(stat -c %a d/node-key.pem)" = 600 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: node key mode"; }
check "init twice is refused" 1 "$ctl" init --data d --origin test.credledger/log
check "bad origin" 2 "$ctl" init --data d2 --origin "has space"
check "origin that is not UTF-8" 2 "$ctl" init --data d3 --origin $'bad\xff'
contains "origin error" err.txt "is not a valid note key name"
[ ! -e d3 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a rejected init left d3 behind"; }

printf '{"b":1,"a":[1.50,"x"]}\n\n{"c":true}\n' >entries.jsonl
check "append JSON lines" 0 "$ctl" append --data d entries.jsonl
contains "first entry at index 1" out.txt '"index":1'
contains "second entry at index 2" out.txt '"index":2'
check "append is idempotent" 0 "$ctl" append --data d entries.jsonl
contains "resubmission is already present" out.txt '"already_present":true,"block_height":1,"index":1'
printf '{"a":1,"a":2}\n' >dup.jsonl
check "duplicate member names are rejected" 2 "$ctl" append --data d dup.jsonl
contains "the error names the line and rule" err.txt 'dup.jsonl line 1: invalid JSON at byte 7: duplicate member name "a"'
check "raw append" 0 "$ctl" append --data d --raw agency.pem.pub
contains "raw entry at index 3" out.txt '"index":3'

check "entry prints the exact bytes" 0 "$ctl" entry --data d --index 2
[ "$(cat out.txt)" = '{"c":true}' ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: entry bytes"; cat out.txt; }
check "entry beyond the tree" 1 "$ctl" entry --data d --index 99
check "keygen p256 for an agency" 0 "$ctl" keygen --alg p256 --out amr.pem
# The shared sample penalty (tests/fixtures/records/), under a number of its own.
sed 's/"decision_number": "[^"]*"/"decision_number": "SZ-2026-123"/' "$fixtures/penalty.json" >penalty.json
check "sign a penalty template" 0 "$ctl" sign --key amr.pem penalty.json
contains "signed entry has a signature" out.txt '"signature":"'
contains "signed entry names its key" out.txt '"key_id":"'
contains "signed entry got a schema version" out.txt '"schema_version":1'
cp out.txt signed.jsonl
check "append the signed entry" 0 "$ctl" append --data d signed.jsonl
sed 's/"fine_fen": 5000000/"fine_fen": 50000.5/' penalty.json >bad-penalty.json
check "sign refuses a float amount" 2 "$ctl" sign --key amr.pem bad-penalty.json
contains "the error names the member" err.txt "/body/fine_fen: must be an integer number of fen"
check "checkpoint" 0 "$ctl" checkpoint --data d
contains "checkpoint origin line" out.txt "test.credledger/log"
contains "checkpoint size line" out.txt $'\n5\n'
contains "checkpoint signature line" out.txt "— test.credledger/log "
check "inclusion proof" 0 "$ctl" prove --data d --index 2
contains "proof fields" out.txt '"inclusion_proof":['
check "consistency proof" 0 "$ctl" prove --data d --from 1 --to 5
check "proof beyond the tree" 1 "$ctl" prove --data d --index 1 --size 99
contains "beyond message" err.txt "is beyond the current 5"
check "index not below size" 2 "$ctl" prove --data d --index 5 --size 5
check "malformed number" 2 "$ctl" prove --data d --index x1
check "wrong node key" 1 "$ctl" checkpoint --data d --node-key agency.pem
contains "wrong key message" err.txt "is not this ledger's node key"

# A domain ledger: genesis from a config, init from it, the registry replayed from the log.
check "keygen node" 0 "$ctl" keygen --alg ed25519 --out node.pem
check "keygen admin 1" 0 "$ctl" keygen --alg ed25519 --out admin1.pem
check "keygen admin 2" 0 "$ctl" keygen --alg sm2 --out admin2.pem
cat >config.json <<JSON
{"origin": "city.example/credledger",
 "admins": {"threshold": 2, "keys": ["admin1.pem.pub", "admin2.pem.pub"]},
 "agencies": [{"id": "sz-amr", "name": "Shenzhen AMR", "uscc": "91110000101623741K",
               "keys": ["amr.pem.pub"], "types": ["penalty", "status_change"]}]}
JSON
check "genesis from a config" 0 "$ctl" genesis --config config.json --node-key node.pem
cp out.txt genesis.json
contains "genesis carries the agency" genesis.json '"id":"sz-amr"'
contains "genesis names the node key" genesis.json '"node_key":{"alg":"ed25519"'
sed 's/"threshold": 2/"threshold": 3/' config.json >bad-config.json
check "genesis refuses an impossible threshold" 2 "$ctl" genesis --config bad-config.json --node-key node.pem
contains "threshold error" err.txt "/admins/threshold"
check "init from a genesis needs its node key" 1 "$ctl" init --data g --genesis genesis.json --node-key admin1.pem
contains "node key mismatch names both" err.txt "but the genesis names"
check "init from the genesis" 0 "$ctl" init --data g --genesis genesis.json --node-key node.pem
contains "origin from the genesis" out.txt '"origin":"city.example/credledger"'
check "registry" 0 "$ctl" registry --data g --node-key node.pem
contains "registry lists the agency" out.txt '"id":"sz-amr"'
contains "registry lists its types" out.txt '"types":["penalty","status_change"]'
check "registry index 0 is refused" 2 "$ctl" registry --data g --node-key node.pem --index 0

# Config entries for the admins, M-of-N: one signs, another adds a signature.
check "config signed by one admin" 0 "$ctl" config --keys admin1.pem --action add_key \
  --params "{\"agency_id\":\"sz-amr\",\"key\":{\"alg\":\"p256\",\"spki\":\"$(sed -n 's/.*"spki":"\([^"]*\)".*/\1/p' genesis.json | head -1)\"}}"
cp out.txt config1.json
check "a second admin adds a signature" 0 "$ctl" config --keys admin2.pem --add-to config1.json
[ "$(grep -o '"signature":' out.txt | wc -l)" = 2 ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: two signatures expected: $(cat out.txt)"; }
check "adding to what is not a config entry" 2 "$ctl" config --keys admin1.pem --add-to penalty.json

# Proof bundles from the data directory, checked offline with the verifier key alone.
check "append the penalty to the domain ledger" 0 "$ctl" append --data g --node-key node.pem signed.jsonl
penalty_id=$(sed 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/' out.txt)
check "verifier key" 0 "$ctl" checkpoint --data g --node-key node.pem --vkey
cp out.txt vkey.txt
check "bundle of the penalty" 0 "$ctl" bundle --data g --node-key node.pem --record "$penalty_id" --out bundle.json
check "verify: authentic and in force" 0 "$ctl" verify bundle.json --vkey vkey.txt --at 2026-11-28T00:00:00Z
contains "verify names each check" out.txt "ok    authority"
contains "verify's verdict" out.txt "verdict: AUTHENTIC, IN FORCE: penalty SZ-2026-123 of Shenzhen AMR"
cat >suspend.json <<JSON
{"type": "status_change", "agency": "sz-amr", "refs": ["$penalty_id"],
 "subject": {"kind": "organization", "uscc": "914403001922038216"},
 "body": {"target": "$penalty_id", "action": "suspend", "new_status": "suspended",
          "reversible": true, "reason": "under review", "effective_at": "2026-11-28T00:00:00Z"}}
JSON
check "sign a suspension" 0 "$ctl" sign --key amr.pem suspend.json
cp out.txt suspend.jsonl
check "append the suspension" 0 "$ctl" append --data g --node-key node.pem suspend.jsonl
check "bundle by index" 0 "$ctl" bundle --data g --node-key node.pem --index 1 --out suspended.json
check "verify: authentic, not in force" 3 "$ctl" verify suspended.json --vkey vkey.txt
contains "verify says why" out.txt "verdict: AUTHENTIC, NOT IN FORCE (suspended)"
check "verify with another ledger's key" 1 "$ctl" verify suspended.json --vkey "$("$ctl" checkpoint --data d --vkey)"
check "bundle of what is not a record" 1 "$ctl" bundle --data g --node-key node.pem --index 0
# The append took the domain's rules: a second penalty with the same decision number is refused.
sed 's/"fine_fen": 5000000/"fine_fen": 7000000/' penalty.json >taken.json
check "sign a penalty whose decision number is taken" 0 "$ctl" sign --key amr.pem taken.json
cp out.txt taken.jsonl
check "append refuses what the rules refuse" 1 "$ctl" append --data g --node-key node.pem taken.jsonl
contains "append names the rule" err.txt "already holds this decision number"
check "fsck of a sound store" 0 "$ctl" fsck --data g --indexes
contains "fsck compares the indexes with a rebuild" out.txt '"indexes":"equal to a rebuild from the log"'
check "reindex from scratch" 0 "$ctl" reindex --data g --rebuild
contains "reindex says how far" out.txt '"indexed_tree_size":3'
contains "a reindex that cleared the old keys compacts them away" err.txt "compacting the record indexes... done"
# The tables the reindex wrote were checked and recorded by it, not left to the next start.
unrecorded=
for table in g/store/*.ldb; do
  grep -q "^$(basename "$table" .ldb | sed 's/^0*//') " g/store/CHECKED-TABLES || unrecorded+=" $table"
done
[ -z "$unrecorded" ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: tables the reindex wrote are not recorded as checked:$unrecorded"; }
check "fsck after the reindex" 0 "$ctl" fsck --data g --indexes
check "reindex of a plain log" 1 "$ctl" reindex --data d
check "qr in the terminal" 0 "$ctl" qr "https://ledger.example/v/$penalty_id"
check "qr as a PBM image" 0 "$ctl" qr "https://ledger.example/v/$penalty_id" --out qr.pbm
# zbar, an independent decoder, reads back exactly the URL.
[ "$(zbarimg -q --raw qr.pbm 2>/dev/null)" = "https://ledger.example/v/$penalty_id" ] && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: zbarimg read '$(zbarimg -q --raw qr.pbm 2>&1)'"; }
check "qr of what is not a URL" 2 "$ctl" qr "not a url"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
