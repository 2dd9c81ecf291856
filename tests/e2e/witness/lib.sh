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

# free_port: a TCP port free on 127.0.0.1 now (for a process that must come back where it was).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# json_field NAME: member NAME of the JSON object on stdin.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# node_vkey LEDGERD DATA_DIR: creates a development ledger in DATA_DIR (a node started and
# stopped) and prints its verifier key, what witnesses and followers are configured with.
node_vkey() {
  local pid url
  "$1" --dev --data-dir "$2" --port 0 2>"$2.first.log" &
  pid=$!
  url=$(wait_url "$2.first.log" "$pid") || return 1
  curl -fsS "$url/v1/node" | json_field verifier_key
  kill "$pid"
  wait "$pid" || true
}

# start_witnesses LEDGERD WORK N [AUDIT_URL]: N witnesses (ledgerd in witness mode) of the log
# in WORK/logs, named witness.credledger.test/w1..wN, on free ports, data in WORK/w<n>; each
# one's "<key> <url>" line appended to WORK/witnesses and its PID to the array `pids`. With
# AUDIT_URL, witness N audits through the follower there (docs/FOLLOWERS.md).
start_witnesses() {
  local ledgerd=$1 dir=$2 count=$3 audit_url=${4:-} n port key audit
  for n in $(seq "$count"); do
    port=$(free_port)
    audit=()
    [ -n "$audit_url" ] && [ "$n" = "$count" ] && audit=(--witness-audit-url "$audit_url")
    "$ledgerd" --witness-name "witness.credledger.test/w$n" --witness-logs-file "$dir/logs" \
      --data-dir "$dir/w$n" --port "$port" "${audit[@]}" 2>"$dir/w$n.log" &
    pids+=("$!")
    wait_url "$dir/w$n.log" "$!" >/dev/null || return 1
    key=$(grep -o 'witness_key=[^ ]*' "$dir/w$n.log" | tail -1 | cut -d= -f2- | tr -d '"')
    echo "$key http://127.0.0.1:$port" >>"$dir/witnesses"
  done
}
