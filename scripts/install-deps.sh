#!/usr/bin/env bash
# Installs, from Debian 12 packages only, everything credledger needs to build and test.
# Idempotent and non-interactive: packages already present are left alone and apt is not
# touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libssl-dev openssl libleveldb-dev libsnappy-dev libboost1.81-dev nlohmann-json3-dev catch2
  clang-format curl  # curl: the ledgerd integration test and the README example
  golang-go golang-golang-x-mod-dev  # the Go cross-check of checkpoints and proofs
  nginx-light  # serves ledgerd --tlog-dir in the tiles test, as a deployment would
  libqrencode-dev zbar-tools  # ledgerctl qr, and an independent decoder to test it
  clang libclang-rt-14-dev  # the sanitizer build and its libFuzzer targets
  python3 python3-jsonschema python3-yaml  # answers checked against docs/openapi.yaml
  chromium fonts-wqy-microhei  # the web app's browser tests (tests/web), and CJK text in them
  etcd-server  # the cluster's coordination, tested against a real etcd cluster (tests/node)
)
# Node.js and npm for the browser tests' driver (playwright-core, pinned by
# tests/web/package-lock.json): Debian's, unless the machine has its own already.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The npm packages, exactly as the lock files pin them: the browser tests' driver
# (tests/web) and the web app's SM2/SM3 library with the bundler that builds api/web/sm.js
# (api/web); again only when a lock file changed since the last install.
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in tests/web api/web; do
  if [ ! -f "$root/$dir/node_modules/.package-lock.json" ] ||
    [ "$root/$dir/package-lock.json" -nt "$root/$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in $dir" >&2
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
