#!/usr/bin/env bash
# api/web/sm.js is what scripts/build-web-vendor.sh builds from the packages
# api/web/package-lock.json pins (installed by install-deps.sh's npm ci): the committed
# bundle holds no code but theirs.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp --suffix=.js)"
trap 'rm -f "$out"' EXIT
"$root/scripts/build-web-vendor.sh" "$out"
if ! cmp -s "$out" "$root/api/web/sm.js"; then
  echo "api/web/sm.js differs from a build of the pinned packages: run scripts/build-web-vendor.sh" >&2
  exit 1
fi
echo "api/web/sm.js is the build of the pinned packages"
