#!/usr/bin/env bash
# A full disk and a failing disk under a real ledgerd and its real LevelDB (faults injected by
# tests/e2e/faults/io_fault.cc, an LD_PRELOAD library, on the store's files only). Checks that
#   - a write the disk refuses gets 503 application/problem+json naming the disk's error, and
#     so does every write until the store recovers;
#   - reads keep working meanwhile: checkpoint, entries, proofs;
#   - when the disk works again, writes resume by themselves, with no gap in the log;
#   - a block whose sync failed after its bytes reached the disk (EIO from fsync) is found
#     on recovery: the client that got 503 learns its index by resubmitting;
#   - nothing acknowledged is lost, every checkpoint is consistent with the last, and the
#     log audits, also after a restart.
# Usage: disk_fault_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL PATH_TO_IO_FAULT_LIBRARY
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"
fault_lib=$3

export IO_FAULT_DIR="$work/data/store" IO_FAULT_FILE="$work/fault"
# The library comes before the sanitizer runtime in a sanitizer build; it only wraps libc.
LD_PRELOAD=$fault_lib ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
  start_node node.log --dev --data-dir data --port 0
# The loader only warns about a library it cannot preload: without it every check below would
# fail for the wrong reason.
grep -q "${fault_lib##*/}" "/proc/$pid/maps" || { echo "ledgerd did not load $fault_lib"; exit 1; }
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
tree_size() { curl -sS "$base/v1/node" | sed 's/.*"tree_size":\([0-9]*\).*/\1/'; }
"$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series D --count 8 \
  --out entries.jsonl >/dev/null

# post N: submits entry N of entries.jsonl; prints the status, keeps the answer in post-N.json
# and its headers in post-N.headers.
post() {
  sed -n "${1}p" entries.jsonl >entry.json
  curl -sS -o "post-$1.json" -D "post-$1.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @entry.json "$base/v1/entries"
}
# expect NAME WANT GOT FILE [TEXT]: the status, and TEXT in the answer.
expect() {
  local name=$1 want=$2 got=$3 file=$4 text=${5:-}
  if [ "$got" = "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" "$file"; }; then ok; else
    bad "$name: HTTP $got (want $want${text:+ with \"$text\"}): $(head -c 400 "$file")"
  fi
}
index_of() { sed -n 's/.*"index":\([0-9]*\).*/\1/p' "post-$1.json"; }
# consistent WHEN: the checkpoint served is consistent with the last one (ledgerctl monitor),
# and becomes the reference that reads_work and the tree size are compared with.
consistent() {
  "$ctl" monitor "$base" --vkey "$vkey" --state monitor.json --once >monitor.txt 2>&1 && ok ||
    bad "$1: $(cat monitor.txt)"
  curl -fsS -o cp-before.txt "$base/v1/checkpoint"
  size=$(tree_size)
}
reads_work() {
  local what=$1
  curl -fsS -o cp.txt "$base/v1/checkpoint" && cmp -s cp.txt "$2" && ok ||
    bad "$what: the checkpoint is not the last one: $(head -c 200 cp.txt)"
  curl -fsS -o /dev/null "$base/v1/entries/$(index_of 1)" && ok || bad "$what: entry read failed"
  curl -fsS -o /dev/null "$base/v1/proofs/inclusion?index=$(index_of 1)" && ok ||
    bad "$what: inclusion proof failed"
  curl -fsS -o /dev/null "$base/healthz" && ok || bad "$what: /healthz failed"
}

expect "a write before any fault" 201 "$(post 1)" post-1.json '"already_present":false'
consistent "at the start"

echo "== the disk is full"
echo enospc >fault
expect "a write on a full disk" 503 "$(post 2)" post-2.json "No space left on device"
echo "  the answer: $(cat post-2.json)"
grep -qi '^content-type: application/problem+json' post-2.headers && ok ||
  bad "the 503 is not application/problem+json"
grep -qi '^retry-after: 1' post-2.headers && ok || bad "the 503 has no Retry-After"
expect "the next write, still full" 503 "$(post 3)" post-3.json "takes no writes until its store recovers"
echo "  the next: $(cat post-3.json)"
reads_work "on a full disk" cp-before.txt
ready=$(curl -sS -o ready.json -w '%{http_code}' "$base/readyz")
[ "$ready" = 503 ] && grep -qF "No space left on device" ready.json && ok ||
  bad "/readyz on a full disk: HTTP $ready: $(cat ready.json)"
grep -q '^credledger_store_writable 0' <<<"$(curl -sS "$base/metrics")" && ok ||
  bad "credledger_store_writable is not 0 on a full disk"
[ "$(tree_size)" = "$size" ] && ok || bad "the tree grew on a full disk"

echo "== space returns"
rm -f fault
sleep 0.3  # the node retries its store every 200 ms
expect "the refused write, resubmitted" 201 "$(post 2)" post-2.json '"already_present":false'
expect "the next write" 201 "$(post 3)" post-3.json '"already_present":false'
curl -fsS -o /dev/null "$base/readyz" && ok || bad "/readyz after space returned"
grep -q '^credledger_store_writable 1' <<<"$(curl -sS "$base/metrics")" && ok ||
  bad "credledger_store_writable is not 1 after space returned"
[ "$(index_of 2)" = "$size" ] && ok || bad "a gap in the log: entry 2 at $(index_of 2), not $size"
consistent "after a full disk"

echo "== the disk fails its syncs"
echo eio >fault
expect "a write whose sync fails" 503 "$(post 4)" post-4.json "may not have been written"
echo "  the answer: $(cat post-4.json)"
grep -qF "Input/output error" post-4.json && ok || bad "the 503 does not name EIO: $(cat post-4.json)"
reads_work "on a failing disk" cp-before.txt

echo "== the disk works again"
rm -f fault
sleep 0.3
# The block's bytes were in the page cache when its sync failed: recovery finds it, so the
# resubmission is answered with the index it got.
expect "the write whose sync failed, resubmitted" 200 "$(post 4)" post-4.json '"already_present":true'
[ "$(index_of 4)" = "$size" ] && ok || bad "entry 4 at $(index_of 4), not $size"
expect "a write after recovery" 201 "$(post 5)" post-5.json '"already_present":false'
consistent "after a failing disk"
"$ctl" audit "$base" --vkey "$vkey" >audit.txt 2>&1 && ok || bad "audit: $(cat audit.txt)"

echo "== restart"
final=$(tree_size)
kill -TERM "$pid"; wait "$pid"; pid=
start_node node.log --dev --data-dir data --port 0
[ "$(tree_size)" = "$final" ] && ok || bad "after a restart the tree has $(tree_size) entries, not $final"
for n in 1 2 3 4 5; do
  want=$(sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p' "post-$n.json")
  got=$(curl -sS "$base/v1/entries/$(index_of "$n")" | sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p')
  [ -n "$want" ] && [ "$got" = "$want" ] && ok || bad "acknowledged entry $n is ${got:-missing}"
done
consistent "after a restart"
"$ctl" audit "$base" --vkey "$vkey" >audit.txt 2>&1 && ok || bad "audit after restart: $(cat audit.txt)"

# The same against the kernel: a data dir on a 16 MiB tmpfs, filled up. Mounting needs
# privileges a CI machine may not give; the injected faults above do not.
kill -TERM "$pid"; wait "$pid"; pid=
mkdir small
if mount -t tmpfs -o size=16m tmpfs small 2>/dev/null; then
  echo "== a real full disk (tmpfs)"
  trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid"; umount "$work/small"; rm -rf "$work"' EXIT
  start_node node.log --dev --data-dir small/data --port 0
  "$ctl" bench-entries --key small/data/dev-keys/sz-tax.pem --agency sz-tax --genesis small/data/dev-genesis.json --series F \
    --count 50 --out entries.jsonl >/dev/null
  head -c 32M /dev/zero >small/filler 2>/dev/null  # fills the disk: head's write fails
  size=$(tree_size) n=0 got=
  while [ $n -lt 50 ]; do  # the log's last page may still take an entry or two
    n=$((n + 1)) got=$(post $n)
    [ "$got" = 201 ] || break
  done
  expect "a write on a full tmpfs" 503 "$got" "post-$n.json" "No space left on device"
  curl -fsS -o /dev/null "$base/v1/checkpoint" && ok || bad "no checkpoint on a full tmpfs"
  rm small/filler
  sleep 0.3
  expect "the refused write, with room again" 201 "$(post $n)" "post-$n.json" '"already_present":false'
  final=$(tree_size)
  kill -TERM "$pid"; wait "$pid"; pid=
  start_node node.log --dev --data-dir small/data --port 0
  [ "$(tree_size)" = "$final" ] && ok || bad "tmpfs: after a restart the tree has $(tree_size) entries, not $final"
else
  echo "== a real full disk: skipped (this machine does not let the test mount a tmpfs)"
fi

echo "disk_fault_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
