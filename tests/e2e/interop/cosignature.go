// Command cosignature checks a checkpoint cosigned by a credledger witness with Go alone:
// golang.org/x/mod/sumdb/note (unmodified) opens it with the log's key, ignoring the
// witness's line as it ignores any unknown key's, and crypto/ed25519 verifies the witness's
// cosignature/v1 over the message C2SP tlog-cosignature defines:
// "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's text.
//
// Usage: cosignature LOG_VKEY WITNESS_VKEY NOTE_FILE
// Prints "ok size=N time=T"; exits 1 naming the first failure.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cosignature: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: cosignature LOG_VKEY WITNESS_VKEY NOTE_FILE")
	}
	msg, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("%v", err)
	}
	logVerifier, err := note.NewVerifier(strings.TrimSpace(os.Args[1]))
	if err != nil {
		fail("log key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(logVerifier))
	if err != nil {
		fail("the log's signature: %v", err)
	}

	// The witness key: <name>+<hex id>+base64(0x04 || 32-byte Ed25519 key).
	parts := strings.SplitN(strings.TrimSpace(os.Args[2]), "+", 3)
	if len(parts) != 3 {
		fail("witness key %q", os.Args[2])
	}
	name := parts[0]
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) != 33 || material[0] != 0x04 {
		fail("witness key material")
	}
	pub := ed25519.PublicKey(material[1:])
	h := sha256.Sum256(append([]byte(name+"\n\x04"), pub...))
	keyID := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", keyID) != parts[1] {
		fail("witness key id %s, computed %08x", parts[1], keyID)
	}

	// The witness's line among the note's signature lines.
	sigs := msg[bytes.LastIndex(msg, []byte("\n\n"))+2:]
	for _, line := range strings.Split(strings.TrimSuffix(string(sigs), "\n"), "\n") {
		fields := strings.SplitN(strings.TrimPrefix(line, "\u2014 "), " ", 2)
		if len(fields) != 2 || fields[0] != name {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(blob) != 4+8+64 {
			fail("the witness's line is not base64(key id || timestamp || signature)")
		}
		if binary.BigEndian.Uint32(blob[:4]) != keyID {
			continue
		}
		ts := binary.BigEndian.Uint64(blob[4:12])
		signed := "cosignature/v1\ntime " + strconv.FormatUint(ts, 10) + "\n" + n.Text
		if !ed25519.Verify(pub, []byte(signed), blob[12:]) {
			fail("the cosignature does not verify over the spec's message")
		}
		size := strings.SplitN(n.Text, "\n", 3)[1]
		fmt.Printf("ok size=%s time=%d\n", size, ts)
		return
	}
	fail("no cosignature by %s", name)
}
