# Helpers of the witness tests (sourced): a ledgerd's URL once it serves, and distinct
# licenses for a development node.

# stop_started: the EXIT trap of a test that started a node and a witness ($node_pid,
# $witness_pid; either may be empty): stops them by PID and removes $work (kept with KEEP=1).
stop_started() {
  [ -n "${node_pid:-}" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  [ -n "${witness_pid:-}" ] && kill "$witness_pid" 2>/dev/null && wait "$witness_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}

# wait_url LOGFILE PID: prints url=... from a ledgerd's log once /healthz answers; fails if the
# process ends or 10 s pass.
wait_url() {
  local url=
  for _ in $(seq 200); do
    url=$(grep -o 'url="http://[0-9.:]*"' "$1" | tail -1 | sed 's/url="//; s/"$//' || true)
    [ -n "$url" ] && curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && { echo "$url"; return 0; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# license_json LEDGERCTL DEV_DATA_DIR N: the README's example license of a --dev node, numbered
# N (its license number, and its e-license identifier with serial 2026<N> from `ledgerctl
# license-id`), unsigned.
license_json() {
  local id
  id=$("$1" license-id --type-code 11100000000000000A --issuer 11440300MB2C123452 \
    --serial "2026$(printf '%06d' "$3")")
  python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
e["body"]["license_number"] = "SZ-DEMO-2026-%06d" % int(sys.argv[2])
e["body"]["identifier"] = sys.argv[3]
print(json.dumps(e, ensure_ascii=False))' "$2/dev-keys/example-license.json" "$3" "$id"
}

# post_license LEDGERCTL DEV_DATA_DIR URL N: signs license N (license_json) with the dev
# agency's key and submits it to the node at URL; prints the receipt.
post_license() {
  license_json "$1" "$2" "$4" | "$1" sign --key "$2/dev-keys/sz-amr.pem" - |
    curl -fsS -H 'Content-Type: application/json' --data-binary @- "$3/v1/entries"
}
