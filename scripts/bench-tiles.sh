#!/usr/bin/env bash
# The static-tiles benchmark (docs/TILES.md, docs/PERFORMANCE.md): full C2SP tiles and entry
# bundles at random indexes, with wrk on loopback, from
#   1. ledgerd's /tlog/ (read from its store),
#   2. nginx serving the directory ledgerd --tlog-dir keeps (tests/e2e/tiles/nginx.conf.in,
#      with one worker per core),
#   3. the reference: the same nginx serving one 8 KiB file (for bundles: one file of a
#      bundle's size) to the same wrk script (scripts/wrk/get-random.lua),
# all in one run. Not a test: it asserts nothing.
# Usage: scripts/bench-tiles.sh   (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ENTRIES=70000)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
entries=${BENCH_ENTRIES:-70000}
source "$root/scripts/bench-lib.sh"
bench_build

work=$(mktemp -d /tmp/credledger-tiles.XXXXXX)
chmod 755 "$work"
node= ngx=
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; [ -n "$ngx" ] && kill "$ngx" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
run() {  # run NAME URL PATH COUNT: PATH a tile prefix ("/tlog/tile/0/"), or one static file
  wrk -t2 -c"$conns" -d"${seconds}s" -s "$root/scripts/wrk/get-random.lua" "$2" -- "$3" "$4" |
    tee "$1.txt" | grep RESULT | sed "s/^/$1: /"
}

echo "== machine: $(nproc) cores; a domain ledger of $entries entries (bench-scale)"
"$ctl" bench-scale --data data --entries "$entries" --subjects 1000 >/dev/null 2>&1
mkdir -p www nginx-tmp
"$ledgerd" --data-dir data --port 0 --tlog-dir "$work/www/tlog" --scrub-entries-per-second 0 \
  --log-format logfmt 2>node.log &
node=$!
for _ in $(seq 600); do
  [ "$(sed -n 2p www/tlog/checkpoint 2>/dev/null)" = "$entries" ] && break
  sleep 0.1
done
base=$(grep -o 'url="http://[0-9.:]*"' node.log | tail -1 | sed 's/url="//; s/"$//' || true)
[ -n "$base" ] || { cat node.log; exit 1; }
full=$((entries / 256))
cp www/tlog/tile/0/000 www/static-tile
cp www/tlog/tile/entries/000 www/static-bundle
port=$((20000 + RANDOM % 20000))
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$(id -un) $(id -gn)|" \
  -e "s|worker_processes 1;|worker_processes $(nproc);|" -e "s|worker_connections 64;|worker_connections 4096;|" \
  "$root/tests/e2e/tiles/nginx.conf.in" >nginx.conf
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work" &
ngx=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/static-tile" && break; sleep 0.1; done
ngx_url=http://127.0.0.1:$port

echo "== full hash tiles (8 KiB), $full of them at random: wrk -t2 -c$conns -d${seconds}s"
run ledgerd_tiles "$base" /tlog/tile/0/ "$full"
run nginx_tiles "$ngx_url" /tlog/tile/0/ "$full"
run nginx_static_tile "$ngx_url" /static-tile "$full"
echo "== full entry bundles ($(stat -c %s www/static-bundle) bytes for the first), identity encoding"
run ledgerd_bundles "$base" /tlog/tile/entries/ "$full"
run nginx_bundles "$ngx_url" /tlog/tile/entries/ "$full"
run nginx_static_bundle "$ngx_url" /static-bundle "$full"
ratio() { awk -v a="$(grep RESULT "$1.txt" | field ok_per_s)" -v b="$(grep RESULT "$2.txt" | field ok_per_s)" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "SUMMARY tiles: ledgerd/static=$(ratio ledgerd_tiles nginx_static_tile) nginx/static=$(ratio nginx_tiles nginx_static_tile)" \
  "bundles: ledgerd/static=$(ratio ledgerd_bundles nginx_static_bundle) nginx/static=$(ratio nginx_bundles nginx_static_bundle)"
