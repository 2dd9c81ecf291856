#!/usr/bin/env bash
# The first `ledgerd --dev` start, interrupted or raced:
#   - killed (SIGKILL, as by kill -9) at each of its changes on disk in turn (the Nth write,
#     sync, rename, mkdir or unlink, through tests/e2e/faults/io_fault.cc), every first start
#     leaves a data directory that the next start takes up (finishing or starting over), and
#     whose dev keys sign entries the node accepts (they match its genesis);
#   - two first starts on one fresh directory: one serves, the other refuses at once, naming
#     the first; the keys in the directory match the genesis of the one that serves.
# Usage: dev_start_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL PATH_TO_IO_FAULT_SO [STRIDE]
# (STRIDE: try every STRIDE-th crash point; default 1, all of them)
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"
fault=$3 stride=${4:-1}

# The node at $base takes an entry signed with the directory's dev key of sz-amr.
accepts_dev_key() {
  local dir=$1
  "$ctl" sign --key "$dir/dev-keys/sz-amr.pem" "$dir/dev-keys/example-license.json" >signed.json &&
    curl -sS -o answer.json -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary @signed.json "$base/v1/entries"
}

point=1
while true; do
  dir=crash-$point
  : >crash.log
  # ASan accepts a preloaded library with this (its own check of the link order refuses it).
  LD_PRELOAD=$fault IO_FAULT_CRASH_AT=$point \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    "$ledgerd" --dev --data-dir "$dir" --port 0 2>>crash.log &
  victim=$!
  for _ in $(seq 500); do
    kill -0 "$victim" 2>/dev/null || break
    grep -q 'url="' crash.log && break
    sleep 0.01
  done
  if kill -0 "$victim" 2>/dev/null; then
    # It got to serving before its crash point: every point before this one was tried.
    kill -9 "$victim"; wait "$victim" 2>/dev/null
    break
  fi
  wait "$victim"; rc=$?
  [ "$rc" = 137 ] && ok || { bad "crash point $point: exit $rc, not the crash: $(cat crash.log)"; break; }
  : >start.log
  start_node start.log --dev --data-dir "$dir" --port 0
  code=$(accepts_dev_key "$dir")
  [ "$code" = 201 ] && ok ||
    bad "crash point $point: after a kill there, a dev-signed entry: HTTP $code $(head -c 300 answer.json)"
  kill -TERM "$pid"; wait "$pid"; pid=
  point=$((point + stride))
  rm -rf "$dir"
done
echo "dev_start_test: a first start killed at each of $point crash points (stride $stride)"
[ "$point" -gt 20 ] && ok || bad "only $point crash points: was the fault library loaded?"

for round in $(seq 5); do
  dir=race-$round
  : >a.log; : >b.log
  "$ledgerd" --dev --data-dir "$dir" --port 0 2>>a.log &
  a=$!
  "$ledgerd" --dev --data-dir "$dir" --port 0 2>>b.log &
  b=$!
  sleep 1.5
  alive=()
  kill -0 "$a" 2>/dev/null && alive+=("$a")
  kill -0 "$b" 2>/dev/null && alive+=("$b")
  if [ "${#alive[@]}" != 1 ]; then
    bad "round $round: ${#alive[@]} of two racing first starts serve"; cat a.log b.log
    kill -9 "$a" "$b" 2>/dev/null; wait 2>/dev/null; continue
  fi
  ok
  if [ "${alive[0]}" = "$a" ]; then winner=a.log loser=b.log other=$b; else winner=b.log loser=a.log other=$a; fi
  wait "$other"; rc=$?
  [ "$rc" != 0 ] && grep -q 'in use by another process (pid [0-9]*' "$loser" && ok ||
    bad "round $round: the second start (exit $rc) did not refuse clearly: $(cat "$loser")"
  pid=${alive[0]}
  base=$(grep -o 'url="http://[0-9.:]*"' "$winner" | tail -1 | sed 's/url="//; s/"$//')
  code=$(accepts_dev_key "$dir")
  [ "$code" = 201 ] && ok || bad "round $round: the winner refuses its dev keys: HTTP $code $(head -c 300 answer.json)"
  kill -TERM "$pid"; wait "$pid"; pid=
done

echo "dev_start_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
