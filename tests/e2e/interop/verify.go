// Command verify cross-checks credledger's checkpoints and proofs with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog: independent implementations of C2SP signed
// notes and of RFC 6962/9162 Merkle trees, used unmodified.
//
// Usage: verify DIR, where DIR holds (written by go_interop.sh with ledgerctl):
//
//	vkey            the verifier key
//	checkpoint      the signed checkpoint
//	entries         the log's entries, one per line, index 0 first
//	inclusion-*.json, consistency-*.json   `ledgerctl prove` output
//	bundle.json, bundle-vkey   a proof bundle (docs/PROOF-BUNDLE.md) and its ledger's key
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	Root     string   `json:"root"`
	Proof    []string `json:"inclusion_proof"`
}

type consistency struct {
	OldSize int64    `json:"old_size"`
	NewSize int64    `json:"new_size"`
	OldRoot string   `json:"old_root"`
	NewRoot string   `json:"new_root"`
	Proof   []string `json:"consistency_proof"`
}

var checks, failures int

func expect(ok bool, format string, args ...interface{}) {
	checks++
	if !ok {
		failures++
		fmt.Printf("FAIL: "+format+"\n", args...)
	}
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	return b
}

func hexHash(s string) tlog.Hash {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		fmt.Printf("FAIL: bad hex hash %q\n", s)
		os.Exit(1)
	}
	copy(h[:], b)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hexHash(s)
	}
	return out
}

func main() {
	dir := os.Args[1]

	// 1. The checkpoint opens with note.Open under our verifier key.
	verifier, err := note.NewVerifier(strings.TrimSpace(string(mustRead(filepath.Join(dir, "vkey")))))
	expect(err == nil, "note.NewVerifier: %v", err)
	msg := mustRead(filepath.Join(dir, "checkpoint"))
	n, err := note.Open(msg, note.VerifierList(verifier))
	expect(err == nil, "note.Open: %v", err)
	if err != nil {
		os.Exit(1)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	expect(err == nil, "checkpoint size %q", lines[1])
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	expect(err == nil && len(rootBytes) == 32, "checkpoint root %q", lines[2])
	var checkpointRoot tlog.Hash
	copy(checkpointRoot[:], rootBytes)
	tampered := bytes.Replace(msg, []byte("\n"+lines[1]+"\n"), []byte("\n"+strconv.FormatInt(size+1, 10)+"\n"), 1)
	_, err = note.Open(tampered, note.VerifierList(verifier))
	expect(err != nil, "a checkpoint with a changed size must not open")

	// 2. tlog computes the same root from the raw entries.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	var entries [][]byte
	scanner := bufio.NewScanner(bytes.NewReader(mustRead(filepath.Join(dir, "entries"))))
	for scanner.Scan() {
		entry := append([]byte(nil), scanner.Bytes()...)
		entries = append(entries, entry)
		more, err := tlog.StoredHashes(int64(len(entries)-1), entry, reader)
		expect(err == nil, "tlog.StoredHashes: %v", err)
		stored = append(stored, more...)
	}
	expect(int64(len(entries)) == size, "checkpoint size %d, entries %d", size, len(entries))
	treeHash, err := tlog.TreeHash(size, reader)
	expect(err == nil && treeHash == checkpointRoot, "tlog.TreeHash %v != checkpoint root %v", treeHash, checkpointRoot)

	// 3. Inclusion and consistency proofs check with tlog, and fail when altered.
	files, _ := filepath.Glob(filepath.Join(dir, "inclusion-*.json"))
	for _, f := range files {
		var p inclusion
		expect(json.Unmarshal(mustRead(f), &p) == nil, "parse %s", f)
		leaf := tlog.RecordHash(entries[p.Index])
		expect(leaf == hexHash(p.LeafHash), "%s: leaf hash differs from tlog.RecordHash", f)
		root, err := tlog.TreeHash(p.TreeSize, reader)
		expect(err == nil && root == hexHash(p.Root), "%s: root differs from tlog.TreeHash", f)
		proof := hashes(p.Proof)
		err = tlog.CheckRecord(proof, p.TreeSize, root, p.Index, leaf)
		expect(err == nil, "%s: tlog.CheckRecord: %v", f, err)
		for i := range proof {
			bad := append([]tlog.Hash(nil), proof...)
			bad[i][0] ^= 1
			expect(tlog.CheckRecord(bad, p.TreeSize, root, p.Index, leaf) != nil, "%s: altered proof[%d] accepted", f, i)
		}
	}
	files, _ = filepath.Glob(filepath.Join(dir, "consistency-*.json"))
	for _, f := range files {
		var p consistency
		expect(json.Unmarshal(mustRead(f), &p) == nil, "parse %s", f)
		proof := hashes(p.Proof)
		err := tlog.CheckTree(proof, p.NewSize, hexHash(p.NewRoot), p.OldSize, hexHash(p.OldRoot))
		expect(err == nil, "%s: tlog.CheckTree: %v", f, err)
		for i := range proof {
			bad := append([]tlog.Hash(nil), proof...)
			bad[i][0] ^= 1
			expect(tlog.CheckTree(bad, p.NewSize, hexHash(p.NewRoot), p.OldSize, hexHash(p.OldRoot)) != nil, "%s: altered proof[%d] accepted", f, i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bundle.json")); err == nil {
		checkBundle(dir)
	}
	fmt.Printf("go interop: %d passed, %d failed\n", checks-failures, failures)
	if failures > 0 {
		os.Exit(1)
	}
}

type bundleItem struct {
	Index     int64    `json:"index"`
	Entry     string   `json:"entry"`
	Inclusion []string `json:"inclusion"`
	LeafHash  string   `json:"leaf_hash"`
	Status    string   `json:"status"`
}

type proofBundle struct {
	Format     string     `json:"format"`
	Checkpoint string     `json:"checkpoint"`
	Record     bundleItem `json:"record"`
	Block      struct {
		Header      string   `json:"header"`
		Consistency []string `json:"consistency"`
	} `json:"block"`
	Registry []bundleItem `json:"registry"`
	History  []bundleItem `json:"history"`
}

// checkBundle checks a proof bundle's checkpoint, inclusion proofs, block signature and block
// consistency with note, tlog and crypto/ed25519 alone.
func checkBundle(dir string) {
	var b proofBundle
	expect(json.Unmarshal(mustRead(filepath.Join(dir, "bundle.json")), &b) == nil, "parse bundle.json")
	expect(b.Format == "credledger-proof/v1", "bundle format %q", b.Format)
	vkey := strings.TrimSpace(string(mustRead(filepath.Join(dir, "bundle-vkey"))))
	verifier, err := note.NewVerifier(vkey)
	expect(err == nil, "bundle note.NewVerifier: %v", err)
	n, err := note.Open([]byte(b.Checkpoint), note.VerifierList(verifier))
	expect(err == nil, "bundle checkpoint note.Open: %v", err)
	if err != nil {
		return
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, _ := base64.StdEncoding.DecodeString(lines[2])
	var root tlog.Hash
	copy(root[:], rootBytes)

	items := append(append([]bundleItem{b.Record}, b.Registry...), b.History...)
	expect(len(b.Registry) >= 1 && len(b.History) >= 1, "bundle: registry %d, history %d entries", len(b.Registry), len(b.History))
	for _, item := range items {
		leaf := tlog.RecordHash([]byte(item.Entry))
		err := tlog.CheckRecord(hashes(item.Inclusion), size, root, item.Index, leaf)
		expect(err == nil, "bundle entry %d: tlog.CheckRecord: %v", item.Index, err)
		altered := tlog.RecordHash([]byte(item.Entry + " "))
		expect(tlog.CheckRecord(hashes(item.Inclusion), size, root, item.Index, altered) != nil, "bundle entry %d: an altered entry was accepted", item.Index)
	}
	expect(hex.EncodeToString(func() []byte { h := tlog.RecordHash([]byte(b.Record.Entry)); return h[:] }()) == b.Record.LeafHash, "bundle record leaf_hash differs from tlog.RecordHash")
	expect(b.Record.Status == "suspended", "bundle record status %q, want suspended", b.Record.Status)

	// The block header: Ed25519 over its canonical JSON without "signature" (sorted keys,
	// no whitespace, integers as written), by the key the verifier key carries.
	decoder := json.NewDecoder(strings.NewReader(b.Block.Header))
	decoder.UseNumber()
	var header map[string]interface{}
	expect(decoder.Decode(&header) == nil, "parse the block header")
	sig, err := base64.StdEncoding.DecodeString(header["signature"].(string))
	expect(err == nil, "block signature base64: %v", err)
	delete(header, "signature")
	var signed bytes.Buffer
	encoder := json.NewEncoder(&signed)
	encoder.SetEscapeHTML(false)
	expect(encoder.Encode(header) == nil, "encode the block header")
	message := bytes.TrimSuffix(signed.Bytes(), []byte("\n"))
	keyBytes, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	expect(err == nil && len(keyBytes) == 33 && keyBytes[0] == 1, "verifier key bytes")
	pub := ed25519.PublicKey(keyBytes[1:])
	expect(ed25519.Verify(pub, message, sig), "block signature does not verify over %s", message)
	expect(!ed25519.Verify(pub, append(message, ' '), sig), "block signature verifies over other bytes")
	blockSize, err := header["tree_size"].(json.Number).Int64()
	expect(err == nil, "block tree_size")
	blockRoot := hexHash(header["root"].(string))
	err = tlog.CheckTree(hashes(b.Block.Consistency), size, root, blockSize, blockRoot)
	expect(err == nil, "bundle block consistency: tlog.CheckTree(%d -> %d): %v", blockSize, size, err)
}
