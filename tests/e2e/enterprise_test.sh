#!/usr/bin/env bash
# The enterprise's side on a real `ledgerd --dev`, driven by the README's demo
# (scripts/demo-enterprise.sh): a key bound on the log, applications signed by the enterprise,
# a review inside the clock and one left open, the working-day report (now, and overdue a week
# later) recomputed by `ledgerctl sla` from the audited log; then GET /v1/sla's refusals.
# Usage: enterprise_test.sh PATH_TO_LEDGERD PATH_TO_LEDGERCTL
set -uo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"

start_node node.log --dev --data-dir data --port 0
LEDGERCTL=$ctl bash "$source_dir/scripts/demo-enterprise.sh" "$base" "$PWD/data" >demo.out 2>&1
rc=$?
[ "$rc" = 0 ] && ok || bad "the demo exited $rc: $(tail -20 demo.out)"
expect() {  # expect PATTERN WHAT: demo.out has a line matching PATTERN
  grep -q -- "$1" demo.out && ok || bad "the demo did not show $2 ($1): $(cat demo.out)"
}
expect '^   HTTP 201 record [0-9a-f]\{64\}$' "entries admitted"
expect 'HTTP 403 /body/target: penalty [0-9a-f]* is about 91440300708461136T: an enterprise applies to repair only its own penalties' \
  "another enterprise's penalty refused"
expect '"state":"met"' "a first review inside the clock"
expect '"state":"pending"' "an application awaiting review"
expect '"summary":{"closed":0,"met":0,"missed":0,"open":1,"overdue":1,"pending":0}' "the open case overdue a week later"
expect "sla: the node's report (2 cases, tree size" "ledgerctl sla agreeing with the node"
[ "$(grep -c "^   HTTP 201" demo.out)" = 12 ] && ok ||
  bad "12 entries admitted (a binding, 3 penalties, 2 applications, a review, a decision, a consent, its revocation, 2 config entries): $(grep -c '^   HTTP 201' demo.out)"
expect "^   HTTP 403 this ledger requires the enterprise's consent" "a read without consent refused"
expect '^   HTTP 200 $' "a consented read served"
expect '^   HTTP 403 consent [0-9a-f]* is revoked (by the enterprise)$' "a read citing a revoked consent refused"
expect '^access log of 914403001922038216: 3 reads proven against the node.s anchor of 3 query audit lines' \
  "the enterprise's access log, every line proven"

# A second run: the binding is the same bytes (200, already present); two more cases.
LEDGERCTL=$ctl bash "$source_dir/scripts/demo-enterprise.sh" "$base" "$PWD/data" >demo2.out 2>&1 &&
  grep -q '^   HTTP 200 record' demo2.out && grep -q "sla: the node's report (4 cases" demo2.out &&
  grep -q '^access log of 914403001922038216: 6 reads proven' demo2.out && ok ||
  bad "a second run: $(cat demo2.out)"

# The application's bundle verifies offline with the verifier key alone.
vkey=$(curl -fsS "$base/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')
app=$(grep -o 'applications [0-9a-f]*' demo.out | cut -d' ' -f2)
curl -fsS "$base/v1/records/$app/bundle" >bundle.json
"$ctl" verify bundle.json --vkey "$vkey" >verify.out 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "AUTHENTIC, IN FORCE: repair_application of enterprise 914403001922038216 (to sz-amr)" verify.out &&
  ok || bad "the application's bundle: exit $rc $(cat verify.out)"

# GET /v1/sla refuses what it does not understand, naming it.
status_of() { curl -sS -o sla.json -w '%{http_code}' "$base/v1/sla$1"; }
for query in '?state=late' '?as_of=tomorrow' '?limit=0' '?after=x' '?tree_size=99999' '?color=red'; do
  code=$(status_of "$query")
  [ "$code" = 400 ] && grep -q '"code":"bad_parameter"' sla.json && ok ||
    bad "GET /v1/sla$query: HTTP $code $(cat sla.json)"
done
code=$(status_of '?tree_size=3&as_of=2026-12-01T00:00:00Z')
[ "$code" = 200 ] && grep -q '"cases":\[\]' sla.json && ok || bad "an early tree size: HTTP $code $(cat sla.json)"
curl -fsS "$base/metrics" | grep -q '^credledger_sla_open_cases 2$' && ok || bad "the open-cases gauge"
# The agency's own resource shows its cases: overdue ones listed (none yet, a week early).
curl -fsS "$base/v1/agencies/sz-amr" | grep -q '"sla":{.*"open":2,.*"overdue":0,.*"overdue_cases":\[\]' && ok ||
  bad "GET /v1/agencies/sz-amr: $(curl -sS "$base/v1/agencies/sz-amr" | head -c 600)"

kill -TERM "$pid"; wait "$pid"; pid=
echo "enterprise_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
