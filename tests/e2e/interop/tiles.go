// Command tiles reads a log in the C2SP tlog-tiles layout over HTTP and checks it with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog, used unmodified: the checkpoint's signature
// under the verifier key, every hash tile against the checkpoint's root (tlog's
// TileHashReader proves each tile it loads up to the root), the root itself, and every entry
// bundle against its leaves.
//
// Usage: tiles PREFIX_URL VKEY, e.g. tiles http://127.0.0.1:8080/tlog "origin+id+key".
// Prints "ok tree_size=N tiles=T bundles=B entry_bytes=E"; exits 1 naming the first failure.
//
// The C2SP paths are Go's sumdb tile paths without the height element: "tile/8/0/x001/234"
// is "tile/0/x001/234" here, and Go's data tiles "tile/8/data/..." are "tile/entries/...".
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tiles: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		fail("GET %s: %s: %s", url, resp.Status, body)
	}
	return body
}

// c2spPath is Go's tile path in the C2SP layout.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	if t.L == -1 {
		return strings.Replace(p, fmt.Sprintf("tile/%d/data/", height), "tile/entries/", 1)
	}
	return strings.Replace(p, fmt.Sprintf("tile/%d/", height), "tile/", 1)
}

// httpTiles fetches hash tiles from the prefix; tlog checks them against the tree.
type httpTiles struct {
	prefix  string
	fetched int
}

func (r *httpTiles) Height() int { return height }

func (r *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(r.prefix + "/" + c2spPath(t))
		if len(out[i]) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", c2spPath(t), len(out[i]), t.W*tlog.HashSize)
		}
		r.fetched++
	}
	return out, nil
}

func (r *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	if len(os.Args) != 3 {
		fail("usage: tiles PREFIX_URL VKEY")
	}
	prefix, vkey := strings.TrimSuffix(os.Args[1], "/"), strings.TrimSpace(os.Args[2])
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg := get(prefix + "/checkpoint")
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint: origin %q, want %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 1 {
		fail("checkpoint: tree size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint: root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	tiles := &httpTiles{prefix: prefix}
	hashes := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles)
	got, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("root from the tiles: %v", err)
	}
	if got != root {
		fail("root from the tiles %v, checkpoint %v", got, root)
	}
	// Every leaf, each proven by its tile's path to the root, and every entry against it.
	indexes := make([]int64, size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := hashes.ReadHashes(indexes)
	if err != nil {
		fail("leaf hashes: %v", err)
	}
	bundles, entryBytes := 0, 0
	for start := int64(0); start < size; start += 1 << height {
		w := int64(1 << height)
		if size-start < w {
			w = size - start
		}
		// Go's data tile: the entries of level-0 tile N.
		t := tlog.Tile{H: height, L: -1, N: start >> height, W: int(w)}
		path := c2spPath(t)
		data := get(prefix + "/" + path)
		bundles++
		for i := int64(0); i < w; i++ {
			if len(data) < 2 {
				fail("%s: ends before entry %d", path, start+i)
			}
			l := int(data[0])<<8 | int(data[1])
			if len(data) < 2+l {
				fail("%s: entry %d runs past the bundle", path, start+i)
			}
			entry := data[2 : 2+l]
			data = data[2+l:]
			if tlog.RecordHash(entry) != leaves[start+i] {
				fail("%s: entry %d does not hash to its leaf", path, start+i)
			}
			entryBytes += l
		}
		if len(data) != 0 {
			fail("%s: %d bytes after its %d entries", path, len(data), w)
		}
	}
	if !bytes.HasPrefix(msg, []byte(lines[0]+"\n")) {
		fail("checkpoint text")
	}
	fmt.Printf("ok tree_size=%d tiles=%d bundles=%d entry_bytes=%d\n", size, tiles.fetched, bundles, entryBytes)
}
