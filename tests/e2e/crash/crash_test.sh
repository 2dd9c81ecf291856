#!/usr/bin/env bash
# Crash safety of ledgerd under kill -9: each cycle starts the node, drives it with concurrent
# signed submissions and checkpoint reads, kills it with SIGKILL at a random moment, restarts
# it and checks that
#   - every acknowledged entry (a complete 200/201 receipt) is at the index its receipt gave,
#     with the leaf hash it gave;
#   - every checkpoint handed out before (in receipts and reads) is consistent with the new
#     one (ledgerctl monitor: a consistency proof from each);
#   - the whole log still audits: blocks chain, signatures and roots hold (ledgerctl audit);
# the node's own startup self-check is what lets it start at all.
# Usage: crash_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL [CYCLES]   (CI: 20; benchmark: more)
set -uo pipefail
# shellcheck source=../node_test_lib.sh
source "$(dirname "$0")/../node_test_lib.sh"
cycles=${3:-20}
writers=4

start() { start_node node.log --dev --data-dir data --port 0; }

# writer W CYCLE: posts its share of the entries until the node dies; a complete receipt
# (status 200/201, a whole JSON body) is an acknowledgement.
writer() {
  local w=$1 c=$2 n=0
  while IFS= read -r entry; do
    n=$((n + 1))
    code=$(curl -sS -m 5 -o "acks/$c-$w-$n.json" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary "$entry" "$base/v1/entries" 2>/dev/null) || break
    case "$code" in
      200 | 201) ;;
      *) rm -f "acks/$c-$w-$n.json"; [ "$code" = 000 ] && break ;;
    esac
  done < <(sed -n "$((c * 1000 + w * 250 + 1)),$((c * 1000 + w * 250 + 250))p" entries.jsonl)
}

# reader CYCLE: keeps the checkpoints it is handed.
reader() {
  local c=$1 n=0
  while curl -fsS -m 5 -o "seen/$c-$n.txt" "$base/v1/checkpoint" 2>/dev/null; do
    n=$((n + 1))
    sleep 0.02
  done
  rm -f "seen/$c-$n.txt"
}

start
vkey=$(curl -sS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
"$ctl" bench-entries --key data/dev-keys/sz-tax.pem --agency sz-tax --genesis data/dev-genesis.json --series K \
  --count $((cycles * 1000 + 1000)) --out entries.jsonl
mkdir -p acks seen states
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=

for c in $(seq 0 $((cycles - 1))); do
  start
  for w in $(seq 0 $((writers - 1))); do writer "$w" "$c" & done
  reader "$c" &
  # A random moment: 0.1 to 1.6 s into the load.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.1 + (r % 150) / 100 }')"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  pid=
  wait  # the writers and the reader notice the node is gone
  start
  # This cycle's acknowledgements, each at its index with its leaf hash. (Earlier cycles'
  # were checked against earlier heads, which this head extends: checked below.)
  lost=0
  for ack in acks/"$c"-*.json; do
    [ -e "$ack" ] || continue
    index=$(sed -n 's/.*"index":\([0-9]*\).*/\1/p' "$ack")
    leaf=$(sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p' "$ack")
    checkpoint=$(sed -n 's/.*"checkpoint":\("\([^"\\]\|\\.\)*"\).*/\1/p' "$ack")
    if [ -z "$index" ] || [ -z "$leaf" ] || [ -z "$checkpoint" ]; then
      bad "cycle $c: a 200/201 answer that is not a whole receipt: $(head -c 200 "$ack")"
      continue
    fi
    got=$(curl -sS "$base/v1/entries/$index" | sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p')
    if [ "$got" != "$leaf" ]; then
      lost=$((lost + 1))
      echo "cycle $c: acknowledged entry $index ($leaf) is ${got:-missing}"
    fi
    printf '{"checkpoint":%s,"tree_hash":"sha256"}\n' "$checkpoint" >"states/ack-${ack##*/}"
  done
  [ "$lost" = 0 ] && ok || bad "cycle $c: $lost acknowledged entries lost"
  for note in seen/*.txt; do
    [ -s "$note" ] || continue
    printf '{"checkpoint":"%s","tree_hash":"sha256"}\n' "$(awk '{ printf "%s\\n", $0 }' "$note")" \
      >"states/seen-${note##*/}.json"
  done
  # Every distinct checkpoint handed out since the last head (and that head) is consistent
  # with the one served now; by transitivity, so is every earlier one.
  inconsistent=0 distinct=0
  for state in $(sha256sum states/*.json 2>/dev/null | sort -u -k1,1 | awk '{ print $2 }'); do
    distinct=$((distinct + 1))
    if ! "$ctl" monitor "$base" --vkey "$vkey" --state "$state" --once >monitor.txt 2>&1; then
      inconsistent=$((inconsistent + 1))
      echo "cycle $c: $(cat monitor.txt)"
    fi
  done
  [ "$inconsistent" = 0 ] && [ "$distinct" -gt 0 ] && ok ||
    bad "cycle $c: $inconsistent of $distinct earlier checkpoints are not consistent with the new head"
  rm -f seen/*.txt states/*.json
  curl -fsS -o "seen/head-$c.txt" "$base/v1/checkpoint"
  "$ctl" audit "$base" --vkey "$vkey" >audit.txt 2>&1 && ok || bad "cycle $c: $(cat audit.txt)"
  kill -TERM "$pid"; wait "$pid"; pid=
done

acked=$(grep -l '"index"' acks/*.json 2>/dev/null | wc -l)
echo "crash_test: $cycles kill -9 cycles, $acked acknowledged entries; $passed passed, $failed failed"
[ "$failed" -eq 0 ]
