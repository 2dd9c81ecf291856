#!/usr/bin/env bash
# Fails if any source file includes what its module may not (the DAG in docs/DESIGN.md):
#   crypto <- ledger <- records <- api <- node;  tools -> records, ledger, crypto (never api or
#   node). records is the domain library in ledger/records/: the log core never includes it.
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
    node) echo "crypto ledger records api node" ;;
    tools) echo "crypto ledger records tools" ;;
    tests) echo "crypto ledger records api node tools tests" ;;
  esac
}

while IFS= read -r file; do
  module=${file%%/*}
  [[ "$file" == ledger/records/* ]] && module=records
  allowed=" $(allowed_for "$module") "
  # A module's tests (tests/<module>/) may include what the module may, and test helpers.
  case "$file" in
    tests/crypto/* | tests/ledger/* | tests/records/* | tests/api/*)
      sub=${file#tests/}
      allowed=" $(allowed_for "${sub%%/*}") tests "
      ;;
  esac
  while IFS= read -r inc; do
    target=${inc%%/*}
    [[ "$inc" == ledger/records/* ]] && target=records
    case "$target" in
      crypto | ledger | records | api | node | tools | tests)
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
  # Boost: in api/ only behind the wire (api/internal/), and in tools/' HTTP client.
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<boost/' "$file" &&
     [[ "$file" != api/internal/* && "$module" != tools ]]; then
    echo "forbidden include: $file includes Boost (owned by api/internal/ and tools/)"; fail=1
  fi
  # Public headers (not internal/) of crypto/, ledger/, records and api expose no third-party
  # types.
  if [[ "$file" =~ ^(crypto|ledger|ledger/records|api)/[^/]+\.h$ ]] &&
     grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(openssl|leveldb|boost)/' "$file"; then
    echo "public header $file includes a third-party library"; fail=1
  fi
done < <(find crypto ledger api node tools tests -type f \( -name '*.h' -o -name '*.cc' \) 2>/dev/null | sort)

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "include dependencies follow the module DAG"
