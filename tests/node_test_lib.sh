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
