#!/usr/bin/env bash
# The web app's benchmark (docs/WEB.md, docs/PERFORMANCE.md): page loads on loopback, and the
# in-browser verifier beside the C++ one on the same bundles (the shared corpus), all in one
# run (tests/web/bench.mjs). Not a test: it asserts nothing.
# Usage: scripts/bench-web.sh   (BENCH_LOADS=20)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
bench_build
bash scripts/install-deps.sh
cmake --build build/release --target records_test >/dev/null
corpus=$(mktemp /tmp/credledger-corpus.XXXXXX.json)
trap 'rm -f "$corpus"' EXIT
CREDLEDGER_BUNDLE_CORPUS=$corpus build/release/tests/records/records_test "[corpus]" >/dev/null
LEDGERD=$ledgerd LEDGERCTL=$ctl node tests/web/bench.mjs "$corpus" "${BENCH_LOADS:-20}"
