// PayloadStore: documents (the license PDF, the decision text) kept off the log, addressed by
// the hash the record carries, and erasable on a lawful request. Erasure removes the bytes and
// leaves a tombstone saying when, by whom and on what legal basis; the entry, its proofs and
// every index stay valid (they hold only the hash). See docs/RECORDS.md ("Payloads").
//
// Thread-safety: as the Store it wraps (all methods may be called concurrently).
#ifndef CREDLEDGER_LEDGER_RECORDS_PAYLOADS_H_
#define CREDLEDGER_LEDGER_RECORDS_PAYLOADS_H_

#include <memory>
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "ledger/canonical_json.h"
#include "ledger/store.h"

namespace credledger::records {

struct Erasure {
  std::string erased_at;    // RFC 3339 UTC
  std::string erased_by;    // agency id or admin key id
  std::string legal_basis;  // the request's legal basis (document number)
};

struct Payload {
  std::optional<std::string> bytes;  // present unless erased
  std::optional<Erasure> erasure;    // present once erased
};

// A lawful erasure request, as the issuing agency (or an admin) signs it:
//   {"agency"?: <id; absent for an admin>, "hash", "key_id", "legal_basis", "requested_at",
//    "signature", "type": "erasure_request"}
// signed like an entry: over the RFC 8785 bytes without "signature" (VerifyObjectSignature).
struct ErasureRequest {
  std::string hash;
  std::string legal_basis;
  std::string requested_at;  // RFC 3339 UTC
  std::string agency;        // empty: an admin's request
  std::string key_id;
};
// Errors: InvalidArgument with the JSON Pointer of what is malformed (the signature is the
// caller's to check, against the key the request names).
Result<ErasureRequest> ParseErasureRequest(const Json& doc);
// The signed request (canonical JSON) for `request` (its key_id is set from `key`).
Result<std::string> MakeErasureRequest(ErasureRequest request, const crypto::PrivateKey& key);

class PayloadStore {
 public:
  // *store must outlive this object. `alg` is the hash documents are addressed by.
  PayloadStore(Store* store, crypto::HashAlgorithm alg) : store_(store), alg_(alg) {}

  crypto::HashAlgorithm algorithm() const { return alg_; }
  // The address of `bytes`: their hash, lowercase hex.
  std::string Address(std::string_view bytes) const;
  // Stores `bytes` under their hash (lowercase hex, returned). Idempotent. Errors:
  // FailedPrecondition if that document was erased (it is not taken back in), Unavailable.
  Result<std::string> Put(std::string_view bytes);
  // NotFound if never stored; otherwise the bytes, or the erasure record.
  Result<Payload> Get(const std::string& hash_hex) const;
  // Erases the bytes, keeping a tombstone. Errors: NotFound, FailedPrecondition (already
  // erased), InvalidArgument (empty fields).
  Status Erase(const std::string& hash_hex, const Erasure& erasure);

 private:
  Store* store_;
  crypto::HashAlgorithm alg_;
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_PAYLOADS_H_
