#!/usr/bin/env bash
# Builds a ledger with ledgerctl and has Go's golang.org/x/mod/sumdb/{note,tlog} (Debian's
# golang-golang-x-mod-dev, unmodified) verify its checkpoint and proofs: see verify.go.
# Usage: go_interop.sh PATH_TO_LEDGERCTL
set -euo pipefail
ctl=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ctl" init --data "$work/ledger" --origin interop.credledger.test/log >/dev/null
# Entries in canonical form already, so the bytes stored are the bytes written here.
for i in $(seq 1 299); do printf '{"n":%d}\n' "$i"; done >"$work/new"
"$ctl" append --data "$work/ledger" "$work/new" >/dev/null
{ "$ctl" entry --data "$work/ledger" --index 0; echo; cat "$work/new"; } >"$work/entries"
"$ctl" checkpoint --data "$work/ledger" >"$work/checkpoint"
"$ctl" checkpoint --data "$work/ledger" --vkey >"$work/vkey"
for spec in "0 1" "0 300" "1 300" "7 8" "255 256" "256 300" "299 300" "100 177"; do
  set -- $spec
  "$ctl" prove --data "$work/ledger" --index "$1" --size "$2" >"$work/inclusion-$1-$2.json"
done
for spec in "1 300" "2 5" "6 8" "7 300" "256 300" "299 300" "300 300"; do
  set -- $spec
  "$ctl" prove --data "$work/ledger" --from "$1" --to "$2" >"$work/consistency-$1-$2.json"
done

# A domain ledger (genesis with an agency, a penalty, a status change) and the penalty's proof
# bundle: Go checks its checkpoint, every inclusion proof, the block's signature and the
# block's consistency with the checkpoint.
"$ctl" keygen --alg ed25519 --out "$work/node.pem" >/dev/null
"$ctl" keygen --alg ed25519 --out "$work/admin.pem" >/dev/null
"$ctl" keygen --alg p256 --out "$work/amr.pem" >/dev/null
cat >"$work/config.json" <<JSON
{"origin": "interop.credledger.test/domain",
 "admins": {"threshold": 1, "keys": ["$work/admin.pem.pub"]},
 "agencies": [{"id": "sz-amr", "name": "SZ AMR", "uscc": "91110000101623741K",
               "keys": ["$work/amr.pem.pub"], "types": ["penalty", "status_change"]}]}
JSON
"$ctl" genesis --config "$work/config.json" --node-key "$work/node.pem" >"$work/genesis.json"
"$ctl" init --data "$work/domain" --genesis "$work/genesis.json" --node-key "$work/node.pem" >/dev/null
# The shared sample penalty (tests/fixtures/records/), under a number of its own.
sed 's/"decision_number": "[^"]*"/"decision_number": "GO-1"/' "$here/../../fixtures/records/penalty.json" \
  >"$work/penalty.json"
"$ctl" sign --key "$work/amr.pem" "$work/penalty.json" >"$work/penalty.jsonl"
penalty_id=$("$ctl" append --data "$work/domain" --node-key "$work/node.pem" "$work/penalty.jsonl" |
  sed 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/')
# The sample status change (a suspension), acting on the penalty.
sed "s/$(printf 'a%.0s' $(seq 64))/$penalty_id/g" "$here/../../fixtures/records/status_change.json" \
  >"$work/suspend.json"
"$ctl" sign --key "$work/amr.pem" "$work/suspend.json" >"$work/suspend.jsonl"
"$ctl" append --data "$work/domain" --node-key "$work/node.pem" "$work/suspend.jsonl" >/dev/null
"$ctl" bundle --data "$work/domain" --node-key "$work/node.pem" --record "$penalty_id" \
  --out "$work/bundle.json"
"$ctl" checkpoint --data "$work/domain" --node-key "$work/node.pem" --vkey >"$work/bundle-vkey"

export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" GOFLAGS=
go run "$here/verify.go" "$work"
