# Shared by the shell tests that drive a real ledgerd (source it after `set -uo pipefail`):
# takes the ledgerd and ledgerctl paths from $1 and $2, works in a fresh directory removed on
# exit (killing the node started as $pid), and counts checks with ok / bad MESSAGE.
ledgerd=$1 ctl=$2
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# start_node LOG ARGS...: starts ledgerd with ARGS, its stderr appended to LOG, and waits
# until it serves (an http node answers /healthz; an https one has printed its URL); sets
# $pid and $base. A node that exits or does not start ends the test, showing its log.
start_node() {
  local log=$1
  shift
  local before
  before=$(grep -c 'url="' "$log" 2>/dev/null)
  "$ledgerd" "$@" 2>>"$log" &
  pid=$!
  base=
  for _ in $(seq 200); do
    if [ "$(grep -c 'url="' "$log" 2>/dev/null)" -gt "${before:-0}" ]; then
      base=$(grep -o 'url="https\?://[0-9.:]*"' "$log" | tail -1 | sed 's/url="//; s/"$//')
      case $base in
        https://*) return 0 ;;
        *) curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0 ;;
      esac
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ledgerd exited at start:"; cat "$log"; exit 1
    fi
    sleep 0.05
  done
  echo "ledgerd did not start"; cat "$log"; exit 1
}

# dev_license DATA_DIR NUMBER: the dev example license of DATA_DIR with license number NUMBER
# and an e-license identifier of its own (an identifier is held by one record), on stdout.
dev_license() {
  local template=$1/dev-keys/example-license.json old issuer serial new
  old=$(grep -o '"identifier": "[^"]*"' "$template" | cut -d'"' -f4)
  issuer=$(echo "$old" | cut -d. -f7)
  serial=$(echo "$2" | tr -cd 'A-Z0-9')
  new=$("$ctl" license-id --type-code 11100000000000000A --issuer "$issuer" --serial "$serial") ||
    return 1
  sed "s/\"$old\"/\"$new\"/; s/SZ-DEMO-2026-000001/$2/" "$template"
}
