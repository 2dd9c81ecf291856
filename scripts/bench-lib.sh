# Shared by the benchmark scripts (sourced, from the repository's root).

# bench_build [PACKAGES...]: installs wrk (and PACKAGES) if missing, builds ledgerd and
# ledgerctl in build/release, and sets $ledgerd and $ctl to them.
bench_build() {
  local need=() p
  for p in wrk "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    local sudo=
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  fi
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release --target ledgerd ledgerctl >/dev/null
  ledgerd=$PWD/build/release/node/ledgerd
  ctl=$PWD/build/release/tools/ledgerctl
}
