#include "ledger/records/anchor.h"

#include "crypto/encoding.h"
#include "ledger/records/entry.h"
#include "ledger/records/schema.h"

namespace credledger::records {

Result<std::string> MakeQueryAuditAnchor(uint64_t size, const crypto::Digest& head,
                                         const crypto::Digest& tree_root,
                                         const std::string& issued_at,
                                         const crypto::PrivateKey& node_key) {
  Json anchor = {{"type", kQueryAuditAnchorType},   {"schema_version", 1},
                 {"issued_at", issued_at},          {"size", size},
                 {"head", crypto::HexEncode(head)}, {"tree_root", crypto::HexEncode(tree_root)}};
  return SignObject(anchor, node_key);
}

Status VerifyQueryAuditAnchor(const Json& doc, const crypto::PublicKey& node_key) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      doc, "", {"type", "schema_version", "issued_at", "size", "head", "key_id", "signature"},
      {"tree_root"}));
  if (At(doc, "type") != kQueryAuditAnchorType) {
    return Status::InvalidArgument("/type: must be \"query_audit_anchor\"");
  }
  if (At(doc, "schema_version") != 1) return Status::InvalidArgument("/schema_version: must be 1");
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(doc, "issued_at"), "/issued_at"));
  if (!At(doc, "size").is_number_integer() || At(doc, "size").get<int64_t>() <= 0) {
    return Status::InvalidArgument("/size: must be a positive integer");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "head"), "/head"));
  if (Has(doc, "tree_root"))
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "tree_root"), "/tree_root"));
  if (At(doc, "key_id") != node_key.KeyId()) {
    return Status::Unauthenticated("/key_id: anchors are signed by the node key " +
                                   node_key.KeyId());
  }
  CREDLEDGER_RETURN_IF_ERROR(VerifyObjectSignature(doc, node_key));
  return Status::Ok();
}

}  // namespace credledger::records
