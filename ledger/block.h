// Block headers: the hash-chained, node-signed record of each group of appended entries.
//
// Encoding (normative: docs/DESIGN.md, "Blocks"): RFC 8785 canonical JSON of
//   {"entry_count", "first_index", "height", "origin", "prev_hash", "root", "timestamp",
//    "tree_size", "version", "signature"}
// Hashes are lowercase hex; the signature is base64. The block hash is H(canonical JSON of the
// header without "signature"), H being the ledger's tree hash; the node signs the same bytes.
// Height 0 is the genesis block; its prev_hash is 32 zero bytes.
#ifndef CREDLEDGER_LEDGER_BLOCK_H_
#define CREDLEDGER_LEDGER_BLOCK_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "crypto/keys.h"
#include "ledger/merkle.h"

namespace credledger {

struct BlockHeader {
  uint64_t height = 0;
  merkle::Hash prev_hash{};
  uint64_t first_index = 0;
  uint64_t entry_count = 0;
  uint64_t tree_size = 0;
  merkle::Hash root{};
  std::string origin;
  std::string timestamp;  // RFC 3339 UTC with milliseconds, e.g. 2026-11-27T21:17:07.123Z
  crypto::Bytes signature;

  // The canonical JSON that is hashed and signed (no "signature" member).
  std::string SignedBytes() const;
  // The canonical JSON including the signature: what is stored and served.
  std::string ToJson() const;
  merkle::Hash Hash(merkle::HashAlgorithm alg) const;
  // OK if `signature` is the node key's signature over SignedBytes().
  Status VerifySignature(const crypto::PublicKey& node_key) const;
};

// Parses a stored or served header. Errors: InvalidArgument naming the bad member.
Result<BlockHeader> ParseBlockHeader(std::string_view json);

// The current UTC time in the header's timestamp form.
std::string NowTimestamp();
// `t` in that form: RFC 3339 UTC with milliseconds, "2026-11-28T02:00:00.000Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_BLOCK_H_
