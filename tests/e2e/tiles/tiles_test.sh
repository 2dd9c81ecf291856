#!/usr/bin/env bash
# The C2SP tlog-tiles layout, read by an independent client (Go's sumdb/note and sumdb/tlog,
# tests/e2e/interop/tiles.go) from ledgerd's /tlog/ and from a real nginx serving the
# directory ledgerd --tlog-dir keeps, at tree sizes around tile boundaries: every tile proven
# to the signed checkpoint's root, every entry bundle against its leaves. Also the cache
# headers nginx serves with the layout (tests/e2e/tiles/nginx.conf.in, as docs/TILES.md).
# Usage: tiles_test.sh LEDGERD LEDGERCTL
set -euo pipefail
ledgerd=$1 ctl=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
node_pid= nginx_pid=
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work/ledgerd.log" "$work/nginx-error.log"; do [ -f "$f" ] && tail -5 "$f" >&2; done
  exit 1
}

# The Go client, built once against Debian's golang-golang-x-mod-dev.
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" GOFLAGS=
go build -o "$work/tiles" "$here/../interop/tiles.go"

# nginx on a free loopback port, serving $work/www (ledgerd writes $work/www/tlog).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/www" "$work/nginx-tmp"
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$(id -un) $(id -gn)|" \
  "$here/nginx.conf.in" >"$work/nginx.conf"
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work" 2>>"$work/nginx-error.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -s -o /dev/null "$nginx_url/" && break
  kill -0 "$nginx_pid" 2>/dev/null || fail "nginx did not start"
  sleep 0.05
done

# A domain ledger grown by bench-scale (signed entries of every record type).
"$ctl" bench-scale --data "$work/d" --entries 255 --subjects 100 >/dev/null 2>&1
vkey=$("$ctl" checkpoint --data "$work/d" --vkey)

start_node() {
  "$ledgerd" --data-dir "$work/d" --port 0 --tlog-dir "$work/www/tlog" --tlog-interval-ms 50 \
    --scrub-entries-per-second 0 2>"$work/ledgerd.log" &
  node_pid=$!
  node_url=
  for _ in $(seq 200); do
    node_url=$(grep -o 'url="http://[0-9.:]*"' "$work/ledgerd.log" | tail -1 | sed 's/url="//; s/"$//' || true)
    [ -n "$node_url" ] && curl -fsS -o /dev/null "$node_url/readyz" 2>/dev/null && return 0
    kill -0 "$node_pid" 2>/dev/null || fail "ledgerd did not start"
    sleep 0.05
  done
  fail "ledgerd not ready"
}
stop_node() {
  kill -TERM "$node_pid"
  wait "$node_pid" || true
  node_pid=
}

checked=0
for size in 255 256 257 511 512 65535 65536 65537; do
  "$ctl" bench-scale --data "$work/d" --entries "$size" --subjects 100 >/dev/null 2>&1
  start_node
  # The directory catches up (checkpoint last); nginx serves what it holds.
  for _ in $(seq 400); do
    [ "$(curl -fsS "$nginx_url/tlog/checkpoint" 2>/dev/null | sed -n 2p)" = "$size" ] && break
    sleep 0.05
  done
  for source in "$node_url/tlog" "$nginx_url/tlog"; do
    out=$("$work/tiles" "$source" "$vkey" 2>&1) || fail "size $size from $source: $out"
    case "$out" in
      "ok tree_size=$size "*) checked=$((checked + 1)) ;;
      *) fail "size $size from $source: $out" ;;
    esac
  done
  # The node's and nginx's bytes are the same, for the checkpoint and the last tiles.
  last=$(( (size - 1) / 256 )) width=$(( size % 256 ))
  suffix=$(printf '%03d' "$last")  # below 1000 at these sizes
  [ "$width" -ne 0 ] && suffix="$suffix.p/$width"
  for path in checkpoint "tile/0/$suffix" "tile/entries/$suffix"; do
    cmp -s <(curl -fsS "$node_url/tlog/$path") <(curl -fsS "$nginx_url/tlog/$path") ||
      fail "size $size: /tlog/$path differs between ledgerd and nginx"
  done
  stop_node
done
[ "$checked" -eq 16 ] || fail "checked $checked sources, expected 16"

# What nginx serves with the layout: types and cache lifetimes as the spec asks.
header() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | grep -i "^$2:" | cut -d' ' -f2-; }
[ "$(header "$nginx_url/tlog/checkpoint" Content-Type)" = "text/plain; charset=utf-8" ] ||
  fail "checkpoint Content-Type"
[ "$(header "$nginx_url/tlog/checkpoint" Cache-Control)" = "public, max-age=5" ] ||
  fail "checkpoint Cache-Control"
[ "$(header "$nginx_url/tlog/tile/0/000" Cache-Control)" = "public, max-age=31536000, immutable" ] ||
  fail "full tile Cache-Control"
[ "$(header "$nginx_url/tlog/tile/0/000" Content-Type)" = "application/octet-stream" ] ||
  fail "full tile Content-Type"
[ "$(header "$nginx_url/tlog/tile/0/256.p/1" Cache-Control)" = "public, max-age=5" ] ||
  fail "partial tile Cache-Control"
[ "$(header "$nginx_url/tlog/tile/entries/256.p/1" Cache-Control)" = "public, max-age=5" ] ||
  fail "partial bundle Cache-Control"
[ "$(curl -fsS -o /dev/null -D - -H 'Accept-Encoding: gzip' "$nginx_url/tlog/tile/entries/000" |
  tr -d '\r' | grep -i '^Content-Encoding:' | cut -d' ' -f2)" = "gzip" ] || fail "bundles are not gzipped"
# Tile 0/255 filled at 65,536 entries: written full, and its partial versions gone.
[ -f "$work/www/tlog/tile/0/255" ] || fail "tile 0/255 not written full"
[ ! -e "$work/www/tlog/tile/0/255.p" ] || fail "partial versions of a full tile were kept"
echo "tiles_test: ok ($checked reads of the layout, sizes 255 to 65537)"
