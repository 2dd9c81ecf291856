#include "ledger/records/policy.h"

#include "crypto/encoding.h"
#include "ledger/merkle.h"

namespace credledger::records {
namespace {

// agency|type|number for the records that carry a unique business identifier.
std::string BusinessKey(const ValidatedEntry& e) {
  const Json& body = e.document.at("body");
  switch (e.type) {
    case RecordType::kLicense:
    case RecordType::kCertificate:
      return e.agency + "|" + std::string(RecordTypeName(e.type)) + "|" +
             body.at("license_number").get<std::string>();
    case RecordType::kPenalty:
      return e.agency + "|penalty|" + body.at("decision_number").get<std::string>();
    case RecordType::kCreditRepair:
    case RecordType::kStatusChange:
      break;
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::Replay(
    uint64_t tree_size, const std::function<Result<std::string>(uint64_t)>& entry_at) {
  if (tree_size == 0) return Status::FailedPrecondition("the log is empty: no genesis");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, entry_at(0));
  auto registry = Registry::FromGenesis(genesis);
  if (!registry.ok()) return registry.status().WithContext("entry 0 (genesis)");
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(registry->tree_hash()));
  std::shared_ptr<RecordPolicy> policy(new RecordPolicy(std::move(*registry), alg));
  for (uint64_t i = 1; i < tree_size; ++i) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, entry_at(i));
    Status s = policy->Admit(entry, i);
    if (!s.ok()) {
      return Status::DataLoss("entry " + std::to_string(i) +
                              " breaks the admission rules: " + s.ToString());
    }
  }
  policy->Committed(tree_size);
  return policy;
}

Status RecordPolicy::Admit(std::string_view entry, uint64_t index) {
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(entry));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(doc));
  if (canonical != entry) {
    // The record id is the hash of the stored bytes; only one form may be stored.
    return Status::InvalidArgument(
        ": entries are submitted in RFC 8785 canonical form (ledgerctl sign writes it)");
  }
  if (doc.is_object() && doc.value("type", Json()) == "config") {
    CREDLEDGER_RETURN_IF_ERROR(registry_.ApplyConfig(entry, index));
    pending_.push_back({index, {}, {}, {}, std::string(entry)});
    return Status::Ok();
  }
  CREDLEDGER_ASSIGN_OR_RETURN(ValidatedEntry e, ValidateEntry(entry));
  CREDLEDGER_RETURN_IF_ERROR(registry_.Authorize(e, index));
  std::string record_id = crypto::HexEncode(merkle::LeafHash(alg_, entry));
  return AdmitRecord(e, record_id, index);
}

Status RecordPolicy::AdmitRecord(const ValidatedEntry& e, const std::string& record_id,
                                 uint64_t index) {
  const Json& body = e.document.at("body");
  if (e.type == RecordType::kStatusChange || e.type == RecordType::kCreditRepair) {
    const std::string target = body.at("target").get<std::string>();
    auto t = records_.find(target);
    if (t == records_.end()) {
      return Status::FailedPrecondition("/body/target: no record " + target + " in this log");
    }
    if (t->second.agency != e.agency) {
      return Status::PermissionDenied("/body/target: record " + target + " belongs to agency \"" +
                                      t->second.agency + "\", not \"" + e.agency + "\"");
    }
    if (e.type == RecordType::kCreditRepair && t->second.type != RecordType::kPenalty) {
      return Status::FailedPrecondition("/body/target: a credit repair targets a penalty, not a " +
                                        std::string(RecordTypeName(t->second.type)));
    }
  }
  Pending p{index, record_id, BusinessKey(e), {}, {}};
  if (!p.business_key.empty()) {
    auto holder = business_ids_.find(p.business_key);
    if (holder != business_ids_.end()) {
      const bool supersedes =
          body.contains("supersedes") && body.at("supersedes") == holder->second;
      if (!supersedes) {
        return Status::AlreadyExists(
            "record " + holder->second + " already holds this " +
            (e.type == RecordType::kPenalty ? "decision number" : "license number") +
            " for agency \"" + e.agency + "\"; a replacement must name it in /body/supersedes");
      }
      p.previous_holder = holder->second;
    }
    business_ids_[p.business_key] = record_id;
  }
  records_[record_id] = RecordInfo{index, e.type, e.agency};
  pending_.push_back(std::move(p));
  return Status::Ok();
}

void RecordPolicy::Committed(uint64_t tree_size) {
  size_t done = 0;
  while (done < pending_.size() && pending_[done].index < tree_size) {
    if (!pending_[done].config.empty()) {
      // Admitted once already against the same state, so this cannot fail.
      Status s = committed_registry_.ApplyConfig(pending_[done].config, pending_[done].index);
      (void)s;
    }
    ++done;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(done));
}

void RecordPolicy::RolledBack(uint64_t first_index) {
  bool config_dropped = false;
  while (!pending_.empty() && pending_.back().index >= first_index) {
    Pending& p = pending_.back();
    if (!p.config.empty()) {
      config_dropped = true;
    } else {
      records_.erase(p.record_id);
      if (!p.business_key.empty()) {
        if (p.previous_holder.empty()) {
          business_ids_.erase(p.business_key);
        } else {
          business_ids_[p.business_key] = p.previous_holder;
        }
      }
    }
    pending_.pop_back();
  }
  if (config_dropped) {
    // Rebuild the working registry: durable config plus what is still pending.
    registry_ = committed_registry_;
    for (const Pending& p : pending_) {
      if (!p.config.empty()) {
        Status s = registry_.ApplyConfig(p.config, p.index);
        (void)s;
      }
    }
  }
}

}  // namespace credledger::records
