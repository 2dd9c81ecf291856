#!/usr/bin/env bash
# The first `ledgerd --dev` start, interrupted or raced:
#   - kill -9 at a random instant of a first start leaves a data directory that the next
#     start takes up (finishing or starting over), and whose dev keys sign entries the node
#     accepts (they match its genesis);
#   - two first starts on one fresh directory: one serves, the other refuses at once, naming
#     the first; the keys in the directory match the genesis of the one that serves.
# Usage: dev_start_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL [CYCLES]   (default 20)
set -uo pipefail
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"
cycles=${3:-20}

# The node at $base takes an entry signed with the directory's dev key of sz-amr.
accepts_dev_key() {
  local dir=$1
  "$ctl" sign --key "$dir/dev-keys/sz-amr.pem" "$dir/dev-keys/example-license.json" >signed.json &&
    curl -sS -o answer.json -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary @signed.json "$base/v1/entries"
}

for cycle in $(seq "$cycles"); do
  dir=kill-$cycle
  "$ledgerd" --dev --data-dir "$dir" --port 0 2>>kill.log &
  victim=$!
  # Anywhere from before the first file to after the node serves (a first start takes ~50 ms
  # here; longer under the sanitizers).
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  kill -9 "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
  : >start.log
  start_node start.log --dev --data-dir "$dir" --port 0
  code=$(accepts_dev_key "$dir")
  [ "$code" = 201 ] && ok || bad "cycle $cycle: after kill -9 of a first start, a dev-signed entry: HTTP $code $(head -c 300 answer.json)"
  kill -TERM "$pid"; wait "$pid"; pid=
done

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
