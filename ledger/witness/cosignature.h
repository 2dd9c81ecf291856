// C2SP tlog-cosignature, Ed25519 (`cosignature/v1`): a witness's timestamped signature on a
// checkpoint, stating that as of that time the checkpoint is the largest consistent tree the
// witness has seen for the log. A cosignature is one more signature line on the checkpoint's
// signed note, so a client that knows only the log's key still opens the note (extra lines
// are ignored), and one that knows witnesses' keys checks a quorum of them.
#ifndef CREDLEDGER_LEDGER_WITNESS_COSIGNATURE_H_
#define CREDLEDGER_LEDGER_WITNESS_COSIGNATURE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"

namespace credledger::witness {

// What a cosignature/v1 signs: "cosignature/v1\ntime <timestamp>\n" followed by the
// checkpoint's note text (its lines up to the blank line, final newline included).
std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp);

// SHA-256(name || "\n" || 0x04 || public key)[:4], as a big-endian integer.
uint32_t CosignerKeyId(std::string_view name, std::span<const uint8_t> ed25519_public_key);

// Signs cosignatures under a witness name with an Ed25519 key.
class Cosigner {
 public:
  // Errors: InvalidArgument if the key is not Ed25519 or the name is not a valid note key name.
  static Result<Cosigner> Create(std::string name, crypto::PrivateKey key);

  const std::string& name() const { return name_; }
  // "<name>+<hex key id>+<base64(0x04 || public key)>" (C2SP signed-note verifier key).
  std::string VerifierKey() const;
  // The signature line "— <name> base64(key id || timestamp || signature)\n" for the note
  // text `checkpoint_text`. Errors: InvalidArgument for a text that is not a note text.
  Result<std::string> Cosign(std::string_view checkpoint_text, uint64_t timestamp) const;

 private:
  Cosigner(std::string name, crypto::PrivateKey key, uint32_t key_id)
      : name_(std::move(name)), key_(std::move(key)), key_id_(key_id) {}
  std::string name_;
  crypto::PrivateKey key_;
  uint32_t key_id_;
};

// Checks one witness's cosignatures.
class CosignatureVerifier {
 public:
  // Errors: InvalidArgument naming what is wrong with the verifier key (not type 0x04, a key
  // id that does not match).
  static Result<CosignatureVerifier> FromVerifierKey(std::string_view vkey);

  const std::string& name() const { return name_; }
  // The timestamp of this witness's cosignature on `note` (a signed checkpoint). Errors:
  // NotFound (no line by this witness), Unauthenticated (a line by it that does not verify),
  // InvalidArgument (a malformed note).
  Result<uint64_t> Verify(std::string_view note) const;

 private:
  CosignatureVerifier(std::string name, uint32_t key_id, crypto::PublicKey key)
      : name_(std::move(name)), key_id_(key_id), key_(std::move(key)) {}
  std::string name_;
  uint32_t key_id_;
  crypto::PublicKey key_;
};

// Which of `witnesses` cosigned `note` (a signed checkpoint): the names of those whose
// cosignature verifies, and for each other why not ("no cosignature by ...", "... does not
// verify").
struct CosignatureTally {
  std::vector<std::string> cosigned;
  std::vector<std::string> missing;
};
CosignatureTally TallyCosignatures(std::string_view note,
                                   const std::vector<CosignatureVerifier>& witnesses);

}  // namespace credledger::witness

#endif  // CREDLEDGER_LEDGER_WITNESS_COSIGNATURE_H_
