// Record entries: the signed envelope every agency record travels in, and the validation of
// each record type's body. Normative description: docs/RECORDS.md.
//
// An entry is RFC 8785 canonical JSON:
//   {"agency", "body", "issued_at", "key_id", "refs"?, "schema_version": 1, "signature",
//    "subject", "type"}
// signed by the agency key `key_id` over the canonical bytes of the entry without
// "signature"; a type an enterprise signs (repair_application) has "enterprise" (its code,
// equal to the subject's) instead of "agency", and `key_id` names a key bound to it on the
// log (an enterprise_key record). The leaf is the whole signed entry, so an inclusion proof also
// proves who signed it. Validation here is structural and per-record (fields, types, identifiers,
// dates, money, cross-field rules); who may sign what is the registry's business.
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_LEDGER_RECORDS_ENTRY_H_
#define CREDLEDGER_LEDGER_RECORDS_ENTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "ledger/canonical_json.h"
#include "ledger/records/record_type.h"

namespace credledger::records {

inline constexpr int kEntrySchemaVersion = 1;

struct ValidatedEntry {
  RecordType type;
  Json document;             // the whole entry, parsed
  std::string signed_bytes;  // RFC 8785 bytes of the entry without "signature"
  std::string agency;        // the signing agency; empty if an enterprise signs (Signer)
  std::string enterprise;    // the signing enterprise's code (= the subject's); else empty
  std::string key_id;
  crypto::Bytes signature;
  // The subject is a historical pilot code that fails the GB 32100 check, flagged as such;
  // only an agency with that permission may submit it.
  bool uses_historical_code = false;
};

// A validated entry with the bytes the log stores: its RFC 8785 text.
struct CanonicalEntry : ValidatedEntry {
  std::string canonical;
};

// Parses and validates an entry (any JSON whitespace and member order; it is canonicalised).
// Errors: InvalidArgument "<JSON Pointer>: <rule>" for the first violation found.
Result<CanonicalEntry> ValidateEntry(std::string_view json);
// The same for an entry the caller has parsed already (spares a second parse), without a
// copy of its text. `canonical_text` is either empty (the entry is serialized here to find
// its signed bytes) or the text `doc` was parsed from, which ParseJson found canonical.
Result<ValidatedEntry> ValidateCanonicalEntry(Json doc, std::string_view canonical_text);

// OK if `key` is the entry's key (its key id matches) and the signature verifies over
// signed_bytes. Errors: Unauthenticated naming which.
Status VerifyEntrySignature(const ValidatedEntry& entry, const crypto::PublicKey& key);

// For other signed JSON objects (the node's anchors, erasure requests): OK if `doc`'s
// "signature" member (base64) is `key`'s signature over the RFC 8785 bytes of `doc` without
// it. Errors: InvalidArgument (no base64 signature), Unauthenticated (it does not verify).
Status VerifyObjectSignature(const Json& doc, const crypto::PublicKey& key);
// The other way: sets `doc`'s "key_id" to `key`'s id and "signature" to its signature over
// the RFC 8785 bytes of the rest, and returns the signed object's RFC 8785 text.
Result<std::string> SignObject(const Json& doc, const crypto::PrivateKey& key);
// The same for an object given as members whose values are RFC 8785 text already
// (CanonicalObject), so that large parts (a profile's entries) are written once, not parsed
// and written again. Any "key_id" or "signature" member is replaced.
Result<std::string> SignObjectMembers(std::vector<JsonMember> members,
                                      const crypto::PrivateKey& key);

// Signs `unsigned_entry` (an entry object without "signature"; "key_id" is set from `key`)
// and returns the validated, canonical signed entry.
Result<CanonicalEntry> SignEntry(Json unsigned_entry, const crypto::PrivateKey& key);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_ENTRY_H_
