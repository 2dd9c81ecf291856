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

export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" GOFLAGS=
go run "$here/verify.go" "$work"
