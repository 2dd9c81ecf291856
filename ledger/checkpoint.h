// Checkpoints as C2SP tlog-checkpoint signed notes, and the C2SP signed-note format itself.
//
// A checkpoint body is "<origin>\n<tree size>\n<base64 root>\n". A signed note is the body,
// a blank line, and one line per signature: "\u2014 <key name> <base64(key id || sig)>\n",
// where for Ed25519 (algorithm byte 0x01) the key id is the first 4 bytes of
// SHA-256(<key name> || 0x0A || 0x01 || <32-byte public key>) and sig is the 64-byte
// signature of the body. A verifier key string is
// "<key name>+<8 hex digits of key id>+<base64(0x01 || public key)>". Normative description
// and examples: docs/DESIGN.md ("Checkpoints").
//
// Thread-safety: immutable values, safe to share.
#ifndef CREDLEDGER_LEDGER_CHECKPOINT_H_
#define CREDLEDGER_LEDGER_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "ledger/merkle.h"

namespace credledger {

struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  merkle::Hash root{};
};

std::string CheckpointBody(const Checkpoint& checkpoint);
// Parses the first three lines of a checkpoint body; further lines (C2SP extension lines)
// are allowed and ignored. Errors: InvalidArgument naming the malformed line.
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// The verifier key of notes signed by Ed25519 key `key` under `name`:
// "<name>+<hex key id>+<base64(0x01 || public key)>". Errors: InvalidArgument (not Ed25519,
// or not a valid key name).
Result<std::string> NoteVerifierKey(std::string_view name, const crypto::PublicKey& key);

// Signs notes with an Ed25519 key under a key name (for checkpoints: the log's origin).
class NoteSigner {
 public:
  // Errors: InvalidArgument if the key is not Ed25519 or the name is not a valid key name
  // (non-empty, no whitespace, no '+').
  static Result<NoteSigner> Create(std::string name, crypto::PrivateKey key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // "<name>+<hex key id>+<base64(0x01 || public key)>".
  std::string VerifierKey() const;
  // The signed note: text, blank line, signature line. Errors: InvalidArgument if `text` is
  // not a valid note text (UTF-8 without control characters other than '\n', ending in '\n').
  Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner(std::string name, crypto::PrivateKey key, uint32_t key_id)
      : name_(std::move(name)), key_(std::move(key)), key_id_(key_id) {}
  std::string name_;
  crypto::PrivateKey key_;
  uint32_t key_id_;
};

// Verifies notes signed by one Ed25519 key.
class NoteVerifier {
 public:
  // Parses a verifier key string. Errors: InvalidArgument naming what is wrong (including a
  // key id that does not match the key).
  static Result<NoteVerifier> FromVerifierKey(std::string_view vkey);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The Ed25519 key notes are checked against (the log's node key).
  const crypto::PublicKey& public_key() const { return key_; }

  // Checks that `note` is well formed and carries a valid signature by this key (signatures
  // by other keys are ignored). On success returns the note's text (the signed part).
  // Errors: InvalidArgument (malformed note), Unauthenticated (no valid signature by this key,
  // or a signature line for this key that does not verify).
  Result<std::string> Open(std::string_view note) const;

 private:
  NoteVerifier(std::string name, uint32_t key_id, crypto::PublicKey key)
      : name_(std::move(name)), key_id_(key_id), key_(std::move(key)) {}
  std::string name_;
  uint32_t key_id_;
  crypto::PublicKey key_;
};

// A signed note taken apart (C2SP signed-note): its text (the signed part, ending in '\n') and
// its signature lines, in order, none of them checked.
struct NoteSignatureLine {
  std::string name;
  uint32_t key_id = 0;
  crypto::Bytes signature;  // after the 4-byte key id
};
struct ParsedNote {
  std::string text;
  std::vector<NoteSignatureLine> signatures;
};
// Errors: InvalidArgument naming what is malformed (not UTF-8, control characters, no blank
// line, a signature line without an em dash, name or base64 blob, too many signatures).
Result<ParsedNote> ParseNote(std::string_view note);

// True if `text` may be (part of) a note's text: UTF-8 without ASCII control characters
// other than '\n'.
bool IsValidNoteText(std::string_view text);

// True if `name` can name a note key (and so be a log origin): non-empty UTF-8 without
// spaces, control characters or '+'.
bool IsValidNoteKeyName(std::string_view name);

// The C2SP key id of an Ed25519 public key under `name`.
uint32_t NoteKeyId(std::string_view name, std::span<const uint8_t> ed25519_public_key);
// The C2SP signed-note key id of any signature type: SHA-256(name || "\n" || type || key)[:4]
// (0x01: an Ed25519 note signature; 0x04: a cosignature/v1, ledger/witness/cosignature.h).
uint32_t NoteKeyIdOfType(std::string_view name, uint8_t type, std::span<const uint8_t> key);

// Opens `note` with `verifier`, parses the checkpoint and checks its origin equals
// `expected_origin`.
Result<Checkpoint> VerifyCheckpoint(std::string_view note, const NoteVerifier& verifier,
                                    std::string_view expected_origin);

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_CHECKPOINT_H_
