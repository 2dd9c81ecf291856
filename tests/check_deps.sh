#!/usr/bin/env bash
# Fails if any source file includes what its module may not (the DAG in docs/DESIGN.md):
#   crypto <- ledger <- records <- api <- node; records <- client (api/client/: a node's API
#   from outside) <- tools, node. tools never includes the server (api) or node. records is the
#   domain library in ledger/records/: the log core never includes it.
# and if a third-party library leaks outside the one module (or file) that owns it. A module's
# tests (tests/<module>/) are held to their module's rule.
# Usage: check_deps.sh SOURCE_DIR
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"
fail=0

allowed_for() {
  case "$1" in
    crypto) echo "crypto" ;;
    ledger) echo "crypto ledger" ;;
    records) echo "crypto ledger records" ;;
    api) echo "crypto ledger records api" ;;
    client) echo "crypto ledger records client" ;;
    node) echo "crypto ledger records api client node" ;;
    tools) echo "crypto ledger records client tools" ;;
    tests) echo "crypto ledger records api client node tools tests" ;;
  esac
}

while IFS= read -r file; do
  module=${file%%/*}
  [[ "$file" == ledger/records/* ]] && module=records
  [[ "$file" == api/client/* ]] && module=client
  allowed=" $(allowed_for "$module") "
  # A module's tests (tests/<module>/) may include what the module may, and test helpers.
  case "$file" in
    tests/crypto/* | tests/ledger/* | tests/records/* | tests/api/* | tests/node/* | tests/tools/*)
      sub=${file#tests/}
      allowed=" $(allowed_for "${sub%%/*}") tests "
      ;;
    # The client's tests stand up a server to talk to.
    tests/client/*) allowed=" $(allowed_for client) api tests " ;;
  esac
  while IFS= read -r inc; do
    target=${inc%%/*}
    [[ "$inc" == ledger/records/* ]] && target=records
    [[ "$inc" == api/client/* ]] && target=client
    case "$target" in
      crypto | ledger | records | client | api | node | tools | tests)
        if [[ "$allowed" != *" $target "* ]]; then
          echo "forbidden include: $file includes \"$inc\" ($module may include:$allowed)"
          fail=1
        fi
        ;;
    esac
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  # Third-party owners: OpenSSL only in crypto/, LevelDB only in ledger/leveldb_store.cc,
  # Boost never in crypto/ or ledger/.
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<openssl/' "$file" && [ "$module" != crypto ] && [ "$module" != tests ]; then
    echo "forbidden include: $file includes OpenSSL (owned by crypto/)"; fail=1
  fi
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<leveldb/' "$file" && [ "$file" != ledger/leveldb_store.cc ]; then
    echo "forbidden include: $file includes LevelDB (owned by ledger/leveldb_store.cc)"; fail=1
  fi
  # Boost: only behind the wire, in the server (api/internal/) and the client's sources.
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<boost/' "$file" &&
     [[ "$file" != api/internal/* && ! "$file" =~ ^api/client/[^/]+\.cc$ ]]; then
    echo "forbidden include: $file includes Boost (owned by api/internal/ and api/client/*.cc)"
    fail=1
  fi
  # Public headers (not internal/) of crypto/, ledger/, records and api expose no third-party
  # types.
  if [[ "$file" =~ ^(crypto|ledger|ledger/records|api|api/client)/[^/]+\.h$ ]] &&
     grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(openssl|leveldb|boost)/' "$file"; then
    echo "public header $file includes a third-party library"; fail=1
  fi
done < <(find crypto ledger api node tools tests -type f \( -name '*.h' -o -name '*.cc' \) 2>/dev/null | sort)

# ledgerctl links the client, never the server: a tool must work against any node from outside.
if grep -qE 'credledger::(api|node)([^_a-z]|$)' tools/CMakeLists.txt; then
  echo "tools/CMakeLists.txt links the server (credledger::api): tools reach nodes through the client"
  fail=1
fi

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "include dependencies follow the module DAG"
