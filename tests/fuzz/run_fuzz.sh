#!/usr/bin/env bash
# Runs a libFuzzer target over its corpus (seeds, and the inputs that once broke it:
# regression-*), then fuzzes for SECONDS. New inputs go to a scratch directory, so the
# corpus in the repository changes only by hand; a failing input is kept as
# ARTIFACT_DIR/crash-* (or leak-*, timeout-*) to be added to the corpus as regression-<what>.
# Usage: run_fuzz.sh TARGET CORPUS_DIR SECONDS ARTIFACT_DIR
set -euo pipefail
target=$1 corpus=$2 seconds=$3 artifacts=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
# -timeout: one input taking over 10 s is a bug; -rss_limit_mb: so is 2 GiB.
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$scratch" "$corpus"
