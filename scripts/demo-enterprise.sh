#!/usr/bin/env bash
# The enterprise's side of the ledger, end to end, on the development node that
# scripts/run-node.sh runs (README, "The enterprise's side"):
#   1. the demo enterprise 914403001922038216 gets an SM2 key (data/dev-keys/demo-enterprise.pem),
#      which agency sz-amr (the registration authority) binds to its code on the log;
#   2. sz-amr files two penalties against it; the enterprise signs a repair application for
#      each (its anchoring block starts the working-day clock);
#   3. sz-amr reviews the first at once (inside the clock), accepts it and decides the repair,
#      citing the application; the second is left unanswered;
#   4. the working-day report (GET /v1/sla): the first met, the second pending today and
#      overdue as of a week later; `ledgerctl sla` recomputes it from the log, audited from
#      genesis, and checks that the node's report is the same;
#   5. consent: the dev admin requires it; the demo bank's read without one is refused (403);
#      the enterprise consents (demo-bank, "loan review", its profile, 30 days) and the read
#      citing it is served; the enterprise revokes it and the next read is refused; the admin
#      lifts the requirement again (the dev node stays as it was);
#   6. the enterprise's access log (`ledgerctl access-log`, a request signed with its key):
#      every read of its data, each line proven against the anchored query audit log.
# Usage: scripts/demo-enterprise.sh [URL] [DATA_DIR]   (default http://127.0.0.1:8080, ./data)
# Each run adds a new pair of penalties and applications; the key's binding is submitted once.
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-${CREDLEDGER_URL:-http://127.0.0.1:8080}}
data=${2:-${CREDLEDGER_DATA:-data}}
ctl=${LEDGERCTL:-build/release/tools/ledgerctl}
keys=$data/dev-keys
enterprise=914403001922038216
other=91440300708461136T
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n==> %s\n' "$*"; }
# submit FILE: POSTs a signed entry; prints "HTTP <status> <record id or problem>"; the id
# (or empty) in $record.
submit() {
  local code
  code=$(curl -sS -o "$work/answer.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$1" "$url/v1/entries")
  record=$(grep -o '"record_id":"[0-9a-f]*"' "$work/answer.json" | head -1 | cut -d'"' -f4 || true)
  if [ -n "$record" ]; then
    echo "   HTTP $code record $record"
  else
    echo "   HTTP $code $(grep -o '"detail":"[^"]*"' "$work/answer.json" | cut -d'"' -f4)"
  fi
  last_code=$code
}
sign() { "$ctl" sign --key "$1" "$2" >"$2.signed" && submit "$2.signed"; }

[ -f "$keys/sz-amr.pem" ] || { echo "no $keys/sz-amr.pem: start the node with scripts/run-node.sh first"; exit 1; }
curl -fsS "$url/healthz" >/dev/null || { echo "no node at $url: run scripts/run-node.sh"; exit 1; }
amr_uscc=$(grep -o '"uscc": "[^"]*"' "$keys/example-license.json" | head -1 | cut -d'"' -f4)
vkey=$(curl -fsS "$url/v1/node" | sed 's/.*"verifier_key":"\([^"]*\)".*/\1/')

# A development ledger made before the enterprise's side lets sz-amr bind keys and review
# applications once the admin says so (a config entry, as in production).
if ! curl -fsS "$url/v1/agencies/sz-amr" | grep -q '"repair_review"'; then
  step "the dev admin lets sz-amr bind enterprise keys and review repair applications"
  "$ctl" config --keys "$keys/admin.pem" --action set_types --params \
    '{"agency_id":"sz-amr","types":["license","certificate","penalty","credit_repair","status_change","enterprise_key","repair_review"]}' \
    >"$work/config.json"
  submit "$work/config.json"
fi

step "the demo enterprise $enterprise: an SM2 key, bound to its code by sz-amr"
ent_key=$keys/demo-enterprise.pem
[ -f "$ent_key" ] || "$ctl" keygen --alg sm2 --out "$ent_key" >/dev/null
spki=$(grep -v '^-----' "$ent_key.pub" | tr -d '\n')
key_id=$(printf '%s' "$spki" | base64 -d | sha256sum | cut -c1-64)
# A fixed issued_at: sz-amr's Ed25519 signature is deterministic, so a second run submits the
# same bytes and is answered with the binding already on the log.
cat >"$work/binding.json" <<JSON
{"type": "enterprise_key", "agency": "sz-amr", "issued_at": "2026-12-01T09:00:00Z",
 "subject": {"kind": "organization", "uscc": "$enterprise"},
 "body": {"key": {"alg": "sm2", "spki": "$spki"}, "key_id": "$key_id",
          "registering_authority": {"uscc": "$amr_uscc", "name": "深圳市市场监督管理局 (demo)"},
          "source": "电子营业执照 (demo)"}}
JSON
sign "$keys/sz-amr.pem" "$work/binding.json"
binding=$record

run=$(date +%s)-$$
penalty() {  # penalty NUMBER [USCC]: a general-tier fine, decided 2026-01-05 (default: the enterprise)
  local doc party=${2:-$enterprise}
  doc=$(printf 'decision %s' "$1" | sha256sum | cut -c1-64)
  cat >"$work/penalty-$1.json" <<JSON
{"type": "penalty", "agency": "sz-amr",
 "subject": {"kind": "organization", "uscc": "$party"},
 "body": {"decision_number": "$1",
          "party": {"category": "legal_person", "name": "深圳示例科技有限公司", "uscc": "$party"},
          "violation_type": "未按规定公示年度报告", "facts_hash": "$doc",
          "legal_basis": "《企业信息公示暂行条例》第八条", "penalty_kinds": ["fine"],
          "fine_fen": 500000, "confiscation_fen": 0, "decision_date": "2026-01-05",
          "severity": "general",
          "punishing_authority": {"uscc": "$amr_uscc", "name": "深圳市市场监督管理局 (demo)"},
          "decision_document_hash": "$doc", "display_regime": "2026"}}
JSON
  sign "$keys/sz-amr.pem" "$work/penalty-$1.json"
}
application() {  # application NAME PENALTY_ID: the enterprise applies to repair it
  cat >"$work/$1.json" <<JSON
{"type": "repair_application", "enterprise": "$enterprise",
 "subject": {"kind": "organization", "uscc": "$enterprise"}, "refs": ["$2"],
 "body": {"target": "$2", "reasons": "罚款已缴清，年度报告已补报公示 (fine paid, report filed)",
          "evidence_hashes": ["$(printf 'receipt %s' "$1-$run" | sha256sum | cut -c1-64)"]}}
JSON
  sign "$ent_key" "$work/$1.json"
}

step "sz-amr files two penalties against the enterprise, and one against another enterprise"
penalty "深市监罚〔2026〕DEMO-$run-1"
first_penalty=$record
penalty "深市监罚〔2026〕DEMO-$run-2"
second_penalty=$record
penalty "深市监罚〔2026〕DEMO-$run-3" "$other"
others_penalty=$record

step "the enterprise signs a repair application for each (signed with its own key)"
application first "$first_penalty"
first=$record
application second "$second_penalty"
second=$record

step "refused: the enterprise applying to repair another enterprise's penalty (403)"
application foreign "$others_penalty"

step "sz-amr accepts the first application at its first review, inside the clock, and decides it"
cat >"$work/review.json" <<JSON
{"type": "repair_review", "agency": "sz-amr",
 "subject": {"kind": "organization", "uscc": "$enterprise"}, "refs": ["$first"],
 "body": {"target": "$first", "outcome": "accepted",
          "reviewing_authority": {"uscc": "$amr_uscc", "name": "深圳市市场监督管理局 (demo)"}}}
JSON
sign "$keys/sz-amr.pem" "$work/review.json"
today=$(TZ=Asia/Shanghai date +%F)
cat >"$work/decision.json" <<JSON
{"type": "credit_repair", "agency": "sz-amr",
 "subject": {"kind": "organization", "uscc": "$enterprise"}, "refs": ["$first_penalty", "$first"],
 "body": {"target": "$first_penalty", "application": "$first", "applicant_uscc": "$enterprise",
          "application_date": "$today", "acceptance_date": "$today", "decision_date": "$today",
          "deciding_authority": {"uscc": "$amr_uscc", "name": "深圳市市场监督管理局 (demo)"},
          "conditions_met": ["minimum display period passed", "fine paid"],
          "decision": "approved", "evidence_hashes": []}}
JSON
sign "$keys/sz-amr.pem" "$work/decision.json"

step "the working-day report now: the first application met its deadline, the second is pending"
curl -fsS "$url/v1/sla?agency=sz-amr" >"$work/sla-now.json"
for id in "$first" "$second"; do
  grep -o "{\"agency\":\"sz-amr\",\"application\":\"$id\"[^]]*]" "$work/sla-now.json" |
    grep -o '"due_on":"[^"]*"\|"state":"[^"]*"\|"received_on":"[^"]*"' | tr '\n' ' '
  echo
done
later=$(date -u -d '+7 days' +%FT%TZ)
step "as of a week later ($later), the unanswered one is overdue: outside the clock"
curl -fsS "$url/v1/sla?agency=sz-amr&state=overdue&as_of=$later" |
  grep -o '"summary":{[^}]*}'

step "ledgerctl sla: the report recomputed from the log alone (audited from genesis), compared"
"$ctl" sla "$url" --vkey "$vkey" --agency sz-amr >"$work/recomputed.json"

token=$(cat "$keys/demo-bank.token")
bank_read() {  # bank_read [CONSENT]: the demo bank reads the enterprise's profile
  local code
  code=$(curl -sS -o "$work/read.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$url/v1/subjects/$enterprise/profile?purpose=loan%20review${1:+&consent=$1}")
  echo "   HTTP $code $(grep -o '"detail":"[^"]*"' "$work/read.json" | cut -d'"' -f4)"
}
admin_config() {  # admin_config ACTION PARAMS
  "$ctl" config --keys "$keys/admin.pem" --action "$1" --params "$2" >"$work/config.json"
  submit "$work/config.json"
}
step "the dev admin requires the enterprise's consent to banks' reads (set_consent_required)"
admin_config set_consent_required '{"required":true}'
step "the demo bank reads the enterprise's profile without consent: refused, and logged"
bank_read
step "the enterprise consents: demo-bank, for \"loan review\", its profile, for 30 days"
cat >"$work/consent.json" <<JSON
{"type": "consent", "enterprise": "$enterprise",
 "subject": {"kind": "organization", "uscc": "$enterprise"},
 "body": {"bank": "demo-bank", "purpose": "loan review", "scope": ["profile"],
          "valid_from": "$today", "valid_until": "$(TZ=Asia/Shanghai date -d '+30 days' +%F)"}}
JSON
sign "$ent_key" "$work/consent.json"
consent=$record
step "the bank reads citing the consent: served"
bank_read "$consent"
step "the enterprise revokes its consent; the bank's next read citing it is refused"
cat >"$work/revocation.json" <<JSON
{"type": "consent_revocation", "enterprise": "$enterprise",
 "subject": {"kind": "organization", "uscc": "$enterprise"}, "refs": ["$consent"],
 "body": {"target": "$consent", "reason": "the loan was granted"}}
JSON
sign "$ent_key" "$work/revocation.json"
bank_read "$consent"
step "the dev admin lifts the requirement again"
admin_config set_consent_required '{"required":false}'

step "the enterprise's access log: every read of its data, each proven against the anchored audit log"
# The anchor of the last read lands in the block after it: asked again until it has.
for _ in $(seq 50); do
  "$ctl" access-log "$url" --key "$ent_key" --enterprise "$enterprise" --vkey "$vkey" >"$work/access.txt"
  grep -q ', 0 more not anchored yet$' "$work/access.txt" && break
  sleep 0.1
done
cat "$work/access.txt"
echo
echo "binding $binding; applications $first (decided) and $second (awaiting review); consent $consent (revoked)"
echo "proof bundle of the first application: $url/v1/records/$first/bundle (verify: $ctl verify FILE --vkey KEY)"
