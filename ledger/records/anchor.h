// Entries the node itself appends: anchors of its query audit log. Banks' reads of
// access-controlled data are logged, each line chained to the one before by its hash
// (ledger/records/query_audit.h); an anchor puts that chain's head and length into the Merkle log,
// so the node cannot later rewrite or drop a logged query without contradicting its own log, which
// monitors hold it to. Format: docs/RECORDS.md ("Query audit anchors").
//
//   {"head": <64 hex: hash of the audit log's last line>, "issued_at", "key_id": <node key id>,
//    "schema_version": 1, "signature": <base64, node key over the entry without it>,
//    "size": <lines>, "tree_root": <64 hex: RFC 9162 root of the lines' tree>,
//    "type": "query_audit_anchor"}
// ("tree_root" since the enterprise's access log: an anchor made before has none.)
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_LEDGER_RECORDS_ANCHOR_H_
#define CREDLEDGER_LEDGER_RECORDS_ANCHOR_H_

#include <cstdint>
#include <string>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "ledger/canonical_json.h"

namespace credledger::records {

inline constexpr char kQueryAuditAnchorType[] = "query_audit_anchor";

// The canonical anchor entry for an audit log of `size` lines whose last line hashes to `head`
// and whose lines' tree has root `tree_root`, signed by `node_key` at `issued_at` (RFC 3339
// UTC).
Result<std::string> MakeQueryAuditAnchor(uint64_t size, const crypto::Digest& head,
                                         const crypto::Digest& tree_root,
                                         const std::string& issued_at,
                                         const crypto::PrivateKey& node_key);

// Checks anchor `doc` (parsed from canonical text) against the node's key. Errors:
// InvalidArgument with the JSON Pointer of what is malformed; Unauthenticated if it is not
// signed by `node_key`.
Status VerifyQueryAuditAnchor(const Json& doc, const crypto::PublicKey& node_key);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_ANCHOR_H_
