#include "ledger/records/access_log.h"

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/merkle.h"
#include "ledger/records/anchor.h"
#include "ledger/records/entry.h"
#include "ledger/records/query_audit.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

Result<std::vector<merkle::Hash>> Hashes(const Json& v, const JsonPointer& p) {
  if (!v.is_array() || v.size() > 64) return Violation(p, "must be an array of at most 64 hashes");
  std::vector<merkle::Hash> out;
  for (size_t i = 0; i < v.size(); ++i) {
    auto h = v[i].is_string() ? merkle::HashFromHex(v[i].get<std::string>())
                              : Result<merkle::Hash>(Status::InvalidArgument(""));
    if (!h.ok()) return Violation(Child(p, i), "must be 64 lowercase hex digits");
    out.push_back(*h);
  }
  return out;
}

// A listed line: {"seq", "line"} (and "inclusion" when `proven`), about `enterprise`.
Status CheckLine(const Json& item, const JsonPointer& p, bool proven,
                 const std::string& enterprise) {
  if (proven) {
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(item, p, {"seq", "line", "inclusion"}));
  } else {
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(item, p, {"seq", "line"}));
  }
  if (!At(item, "seq").is_number_integer() || At(item, "seq").get<int64_t>() < 1) {
    return Violation(Child(p, "seq"), "must be a line number >= 1");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(item, "line"), Child(p, "line"), 0));
  const std::string& line = At(item, "line").get_ref<const std::string&>();
  auto doc = ParseJson(line);
  if (!doc.ok() || !doc->is_object() || doc->value("seq", Json()) != At(item, "seq")) {
    return Status::DataLoss(p.str() + ": the line is not audit line " + At(item, "seq").dump());
  }
  if (!AuditLineConcerns(line, enterprise)) {
    return Status::DataLoss(p.str() + ": line " + At(item, "seq").dump() + " is not about " +
                            enterprise);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> MakeAccessLogRequest(const std::string& enterprise,
                                         const std::string& requested_at,
                                         const crypto::PrivateKey& key) {
  return SignObject(
      {{"type", kAccessLogRequestType}, {"enterprise", enterprise}, {"requested_at", requested_at}},
      key);
}

Result<std::string> AuthenticateAccessLogRequest(const Json& doc, const RecordIndex& index,
                                                 uint64_t tree_size,
                                                 std::chrono::system_clock::time_point now) {
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(doc, "", {"type", "enterprise", "key_id", "requested_at", "signature"}));
  if (At(doc, "type") != kAccessLogRequestType) {
    return Violation("/type", "must be \"access_log_request\"");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(doc, "enterprise"), "/enterprise"));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "key_id"), "/key_id"));
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(doc, "requested_at"), "/requested_at"));
  const std::string enterprise = At(doc, "enterprise").get<std::string>();
  const std::string key_id = At(doc, "key_id").get<std::string>();
  // As erasure requests are (api/handlers/payloads.cc): RFC 3339 UTC texts compare as times.
  const std::string requested_at = At(doc, "requested_at").get<std::string>();
  const auto skew = std::chrono::minutes(10);
  if (requested_at < FormatTimestamp(now - skew) || requested_at > FormatTimestamp(now + skew)) {
    return Status::Unauthenticated("/requested_at: not within 10 minutes of the node's clock (" +
                                   FormatTimestamp(now) +
                                   "): a request is good once, when it is made");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EnterpriseKeyBinding> binding,
                              index.EnterpriseKey(key_id));
  if (!binding || binding->record.index >= tree_size || binding->record.subject != enterprise) {
    return Status::Unauthenticated("/key_id: no enterprise_key record on this log binds key " +
                                   key_id + " to " + enterprise);
  }
  const RecordStatus status = StatusAt(binding->record, tree_size);
  if (status.status != "valid") {
    return Status::Unauthenticated("/key_id: the enterprise key is " + status.status);
  }
  CREDLEDGER_RETURN_IF_ERROR(VerifyObjectSignature(doc, binding->key));
  return enterprise;
}

Result<AccessLogVerdict> VerifyAccessLog(std::string_view text, const NoteVerifier& verifier,
                                         const std::string& enterprise) {
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(text));
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      doc, "", {"type", "enterprise", "tree_hash", "checkpoint", "anchor", "lines", "unanchored"}));
  if (At(doc, "type") != kAccessLogType) return Violation("/type", "must be \"access_log\"");
  if (At(doc, "enterprise") != enterprise) {
    return Status::InvalidArgument("/enterprise: the access log is " +
                                   At(doc, "enterprise").dump() + "'s, not " + enterprise + "'s");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckEnum(At(doc, "tree_hash"), "/tree_hash", {"sha256", "sm3"}));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(At(doc, "tree_hash").get<std::string>()));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(doc, "checkpoint"), "/checkpoint", 0));
  CREDLEDGER_ASSIGN_OR_RETURN(
      Checkpoint cp,
      VerifyCheckpoint(At(doc, "checkpoint").get<std::string>(), verifier, verifier.name()));
  AccessLogVerdict verdict;
  verdict.enterprise = enterprise;
  verdict.tree_size = cp.tree_size;
  const Json& lines = At(doc, "lines");
  const Json& unanchored = At(doc, "unanchored");
  if (!lines.is_array()) return Violation("/lines", "must be an array");
  if (!unanchored.is_array()) return Violation("/unanchored", "must be an array");
  merkle::Hash tree_root{};
  if (!At(doc, "anchor").is_null()) {
    const Json& anchor = At(doc, "anchor");
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(anchor, "/anchor", {"index", "entry", "inclusion"}));
    if (!At(anchor, "index").is_number_integer() || At(anchor, "index").get<int64_t>() < 0) {
      return Violation("/anchor/index", "must be a log index");
    }
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(anchor, "entry"), "/anchor/entry", 0));
    const std::string& entry = At(anchor, "entry").get_ref<const std::string&>();
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                                Hashes(At(anchor, "inclusion"), "/anchor/inclusion"));
    if (Status s = merkle::VerifyInclusion(alg, At(anchor, "index").get<uint64_t>(), cp.tree_size,
                                           merkle::LeafHash(alg, entry), proof, cp.root);
        !s.ok()) {
      return Status::DataLoss("/anchor: the anchor is not in the checkpoint's tree: " +
                              s.message());
    }
    CREDLEDGER_ASSIGN_OR_RETURN(Json parsed, ParseJson(entry));
    if (Status s = VerifyQueryAuditAnchor(parsed, verifier.public_key()); !s.ok()) {
      return Status::DataLoss("/anchor/entry: " + s.message());
    }
    if (!parsed.contains("tree_root")) {
      return Status::InvalidArgument("/anchor/entry: an anchor without tree_root proves no line");
    }
    tree_root = *merkle::HashFromHex(parsed.at("tree_root").get<std::string>());
    verdict.anchored = parsed.at("size").get<uint64_t>();
  }
  const JsonPointer lines_pointer("/lines"), unanchored_pointer("/unanchored");
  for (size_t i = 0; i < lines.size(); ++i) {
    const JsonPointer p = Child(lines_pointer, i);
    CREDLEDGER_RETURN_IF_ERROR(CheckLine(lines[i], p, true, enterprise));
    const uint64_t seq = At(lines[i], "seq").get<uint64_t>();
    if (seq > verdict.anchored) {
      return Status::DataLoss(p.str() + ": line " + std::to_string(seq) + " is past the anchor's " +
                              std::to_string(verdict.anchored) + " lines");
    }
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                                Hashes(At(lines[i], "inclusion"), Child(p, "inclusion")));
    const std::string& line = At(lines[i], "line").get_ref<const std::string&>();
    if (Status s = merkle::VerifyInclusion(
            merkle::HashAlgorithm::kSha256, seq - 1, verdict.anchored,
            merkle::LeafHash(merkle::HashAlgorithm::kSha256, line), proof, tree_root);
        !s.ok()) {
      return Status::DataLoss(p.str() + ": line " + std::to_string(seq) +
                              " is not in the anchored query audit log: " + s.message());
    }
    verdict.proven.push_back(*ParseJson(line));
  }
  for (size_t i = 0; i < unanchored.size(); ++i) {
    const JsonPointer p = Child(unanchored_pointer, i);
    CREDLEDGER_RETURN_IF_ERROR(CheckLine(unanchored[i], p, false, enterprise));
    if (At(unanchored[i], "seq").get<uint64_t>() <= verdict.anchored) {
      return Status::DataLoss(p.str() + ": the anchor covers this line; it must be proven");
    }
    verdict.pending.push_back(*ParseJson(At(unanchored[i], "line").get<std::string>()));
  }
  return verdict;
}

}  // namespace credledger::records
