#!/usr/bin/env bash
# Two builds side by side in one run, alternating (before, after, before, after), so that the
# machine's drift falls on both: `ledgerctl bench`, `bench-records`, `bench-bundles` and
# scripts/bench-http.sh, each with the reference it prints. Not a test: it asserts nothing.
# Each ROOT is a checkout with a Release build of ledgerd and ledgerctl in build/release, e.g.
#   git worktree add /tmp/before REV && cmake -S /tmp/before -B /tmp/before/build/release \
#     -G Ninja -DCMAKE_BUILD_TYPE=Release -DCREDLEDGER_TESTS=OFF &&
#   cmake --build /tmp/before/build/release --target ledgerd ledgerctl
# Usage: scripts/bench-compare.sh BEFORE_ROOT AFTER_ROOT [ROUNDS]   (BENCH_SECONDS as bench-http)
set -uo pipefail
before=$(cd "$1" && pwd) after=$(cd "$2" && pwd) rounds=${3:-2}
for round in $(seq "$rounds"); do
  for root in "$before" "$after"; do
    ctl=$root/build/release/tools/ledgerctl
    echo "==== $root, round $round: ledgerctl bench --entries 200000 --proofs 200000"
    "$ctl" bench --entries 200000 --proofs 200000 2>&1 | tail -9
    echo "==== $root, round $round: ledgerctl bench-records"
    "$ctl" bench-records 2>&1 | tail -4
    echo "==== $root, round $round: ledgerctl bench-bundles"
    "$ctl" bench-bundles 2>&1 | tail -3
  done
done
for round in $(seq "$rounds"); do
  for root in "$before" "$after"; do
    echo "==== $root, round $round: scripts/bench-http.sh"
    (cd "$root" && BENCH_SECONDS=${BENCH_SECONDS:-10} bash scripts/bench-http.sh 2>&1 | grep SUMMARY)
  done
done
