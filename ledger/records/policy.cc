#include "ledger/records/policy.h"

#include <algorithm>
#include <cstdio>

#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "ledger/records/anchor.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// The business identifiers a record holds, each held by one record at a time: agency|type|
// number for the types with a number, and the GB/T 36904 identifier of those that carry one,
// which names its issuer and so belongs to one record whoever submits it.
std::vector<std::pair<std::string, const char*>> BusinessKeys(const ValidatedEntry& e) {
  const RecordTypeTraits& traits = Traits(e.type);
  const Json& body = e.document.at("body");
  std::vector<std::pair<std::string, const char*>> keys;
  if (traits.number_member != nullptr) {
    keys.emplace_back(e.agency + "|" + std::string(traits.name) + "|" +
                          body.at(traits.number_member).get<std::string>(),
                      traits.number_name);
  }
  if (traits.has_license_identifier) {
    keys.emplace_back("identifier|" + body.at("identifier").get<std::string>(),
                      "e-license identifier");
  }
  return keys;
}

// The hash of the record's document, or "" if it has none.
std::string DocumentHash(const ValidatedEntry& e) {
  const char* member = Traits(e.type).document_member;
  return member == nullptr ? std::string() : e.document.at("body").at(member).get<std::string>();
}

// The subject's key in the indexes: a USCC, or a person's commitment.
std::string SubjectKey(const Json& subject) {
  return subject.at("kind") == "person" ? subject.at("commitment").get<std::string>()
                                        : subject.at("uscc").get<std::string>();
}

bool Terminal(const std::string& status) {
  return status == "revoked" || status == "cancelled" || status == "expired" ||
         status == "withdrawn" || status == "superseded";
}

}  // namespace

std::string AddMonths(std::string_view date, int months) {
  int y = std::stoi(std::string(date.substr(0, 4)));
  int m = std::stoi(std::string(date.substr(5, 2))) - 1 + months;
  int d = std::stoi(std::string(date.substr(8, 2)));
  y += m / 12;
  m = m % 12 + 1;
  d = std::min(d, DaysInMonth(y, m));
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::Replay(
    uint64_t tree_size, const std::function<Result<std::string>(uint64_t)>& entry_at,
    Signatures signatures) {
  if (tree_size == 0) return Status::FailedPrecondition("the log is empty: no genesis");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, entry_at(0));
  CREDLEDGER_ASSIGN_OR_RETURN(std::shared_ptr<RecordPolicy> policy, FromGenesis(genesis));
  policy->trust_signatures_ = signatures == Signatures::kTrustLog;
  for (uint64_t i = 1; i < tree_size; ++i) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, entry_at(i));
    Status s = policy->Admit(entry, merkle::LeafHash(policy->alg_, entry), i, nullptr);
    if (!s.ok()) {
      return Status::DataLoss("entry " + std::to_string(i) +
                              " breaks the admission rules: " + s.ToString());
    }
  }
  policy->trust_signatures_ = false;
  policy->Committed(tree_size);
  return policy;
}

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::FromGenesis(std::string_view genesis) {
  auto registry = Registry::FromGenesis(genesis);
  if (!registry.ok()) return registry.status().WithContext("entry 0 (genesis)");
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(registry->tree_hash()));
  return std::shared_ptr<RecordPolicy>(new RecordPolicy(std::move(*registry), alg));
}

Status RecordPolicy::Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
                           const EntryChecks* checks) {
  const auto* checked = dynamic_cast<const CheckedEntry*>(checks);
  if (checked != nullptr && checked->leaf_hash == leaf_hash) {
    // Parsed, validated (canonical form included) and signature-checked on arrival.
    CREDLEDGER_RETURN_IF_ERROR(
        registry_.Authorize(checked->entry, index, Registry::SignatureCheck::kAlreadyVerified));
    return AdmitRecord(checked->entry, crypto::HexEncode(leaf_hash), index);
  }
  // The record id is the hash of the stored bytes, so only the canonical form may be stored.
  const Status not_canonical = Status::InvalidArgument(
      ": entries are submitted in RFC 8785 canonical form (ledgerctl sign writes it)");
  bool canonical = false;
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(entry, &canonical));
  if (doc.is_object() && doc.value("type", Json()) == kQueryAuditAnchorType) {
    if (!canonical) return not_canonical;
    CREDLEDGER_RETURN_IF_ERROR(VerifyQueryAuditAnchor(doc, registry_.node_key()));
    anchored_audit_size_ = std::max(anchored_audit_size_, doc.at("size").get<uint64_t>());
    return Status::Ok();
  }
  if (doc.is_object() && doc.value("type", Json()) == "config") {
    if (!canonical) return not_canonical;
    CREDLEDGER_RETURN_IF_ERROR(registry_.ApplyConfig(entry, index));
    config_indexes_.push_back(index);
    Pending p;
    p.index = index;
    p.config = std::string(entry);
    pending_.push_back(std::move(p));
    return Status::Ok();
  }
  // One parse serves the canonical-form check, validation and authorization. Validation
  // errors come first: they say more than "not canonical" does.
  CREDLEDGER_ASSIGN_OR_RETURN(
      ValidatedEntry e,
      ValidateCanonicalEntry(std::move(doc), canonical ? entry : std::string_view()));
  if (!canonical) return not_canonical;
  CREDLEDGER_RETURN_IF_ERROR(registry_.Authorize(e, index,
                                                 trust_signatures_
                                                     ? Registry::SignatureCheck::kAlreadyVerified
                                                     : Registry::SignatureCheck::kVerify));
  return AdmitRecord(e, crypto::HexEncode(leaf_hash), index);
}

SharedRecordPolicy::SharedRecordPolicy(std::shared_ptr<RecordPolicy> policy)
    : owned_(std::move(policy)), policy_(owned_.get()) {}

Status SharedRecordPolicy::Precheck(Json doc, Submission& submission) const {
  if (doc.is_object() && (doc.value("type", Json()) == "config" ||
                          doc.value("type", Json()) == kQueryAuditAnchorType)) {
    return Status::Ok();  // rare: Admit checks them whole
  }
  CREDLEDGER_ASSIGN_OR_RETURN(ValidatedEntry e,
                              ValidateCanonicalEntry(std::move(doc), submission.entry()));
  std::optional<crypto::PublicKey> key;
  {
    ReaderLock lock(mu_);
    if (const crypto::PublicKey* k = policy_->registry().FindKey(e.agency, e.key_id)) key = *k;
  }
  if (!key) return Status::Ok();
  // Outside the lock: the sequencer's exclusive lock must not wait for signature checks.
  CREDLEDGER_RETURN_IF_ERROR(VerifyEntrySignature(e, *key));
  submission.AttachChecks(std::make_shared<CheckedEntry>(submission.leaf_hash(), std::move(e)));
  return Status::Ok();
}

Status RecordPolicy::CheckIssuer(const ValidatedEntry& e, uint64_t index) const {
  const char* member = Traits(e.type).authority_member;
  if (member == nullptr) return Status::Ok();
  const std::string uscc = e.document.at("body").at(member).at("uscc").get<std::string>();
  for (const auto& [id, agency] : registry_.agencies()) {
    if (agency.uscc == uscc && registry_.ActsFor(e.agency, id, index)) return Status::Ok();
  }
  return Status::PermissionDenied(
      "/body/" + std::string(member) + "/uscc: " + uscc + " is neither agency \"" + e.agency +
      "\" (" + registry_.agencies().at(e.agency).uscc +
      ") nor an agency that has delegated to it: a record speaks only in its signer's name");
}

Status RecordPolicy::CheckTarget(const ValidatedEntry& e, const std::string& subject,
                                 uint64_t index) const {
  const Json& body = e.document.at("body");
  const bool is_repair = Traits(e.type).target_change == TargetChange::kCreditRepair;
  const std::string target = body.at("target").get<std::string>();
  auto t = records_.find(target);
  if (t == records_.end()) {
    return Status::FailedPrecondition("/body/target: no record " + target + " in this log");
  }
  if (!registry_.ActsFor(e.agency, t->second.agency, index)) {
    return Status::PermissionDenied("/body/target: record " + target + " belongs to agency \"" +
                                    t->second.agency + "\", which has not delegated to \"" +
                                    e.agency + "\"");
  }
  if (is_repair && !Traits(t->second.type).display_rules) {
    return Status::FailedPrecondition(
        "/body/target: a credit repair targets a record on public display (a penalty), not a " +
        std::string(RecordTypeName(t->second.type)));
  }
  // A change is listed under its target's subject: it must be that subject.
  if (subject != t->second.subject) {
    return Status::InvalidArgument("/subject: must be the subject of record " + target + " (" +
                                   t->second.subject + ")");
  }
  if (is_repair && body.at("applicant_uscc") != t->second.subject) {
    return Status::InvalidArgument("/body/applicant_uscc: must be the penalty's party (" +
                                   t->second.subject +
                                   "): an enterprise applies to repair its own record");
  }
  return Status::Ok();
}

Status RecordPolicy::AdmitRecord(const ValidatedEntry& e, const std::string& record_id,
                                 uint64_t index) {
  const RecordTypeTraits& traits = Traits(e.type);
  const Json& body = e.document.at("body");
  CREDLEDGER_RETURN_IF_ERROR(CheckIssuer(e, index));
  const std::string subject = SubjectKey(e.document.at("subject"));
  const std::string document_hash = DocumentHash(e);
  if (traits.display_rules) {
    const std::string regime = body.at("display_regime").get<std::string>();
    if (registry_.RulesFor(regime, index) == nullptr) {
      return Status::InvalidArgument(
          "/body/display_regime: no display rules are in force for "
          "regime \"" +
          regime + "\" (the registry's display_rules)");
    }
  }
  // A document (its hash) belongs to the agency that anchored it first, and to those it
  // delegated to: a copy under another agency's signature would verify as that agency's.
  // (by_document_ lists its records in log order, so the first anchor is at the front.)
  if (auto anchored = by_document_.find(document_hash);
      !document_hash.empty() && anchored != by_document_.end()) {
    const std::string& first = anchored->second.front();
    const std::string& owner = records_.at(first).agency;
    if (!registry_.ActsFor(e.agency, owner, index)) {
      return Status::AlreadyExists("/body/" + std::string(traits.document_member) +
                                   ": the document is anchored by record " + first +
                                   " of agency \"" + owner + "\"; a document has one issuer");
    }
  }
  const bool is_change = traits.target_change != TargetChange::kNone;
  if (is_change) CREDLEDGER_RETURN_IF_ERROR(CheckTarget(e, subject, index));
  Pending p;
  p.index = index;
  p.record_id = record_id;
  // Every business identifier is checked before any state changes.
  for (const auto& [key, what] : BusinessKeys(e)) {
    auto holder = business_ids_.find(key);
    std::string previous;
    if (holder != business_ids_.end()) {
      const bool supersedes =
          body.contains("supersedes") && body.at("supersedes") == holder->second;
      if (!supersedes) {
        return Status::AlreadyExists("record " + holder->second + " already holds this " + what +
                                     "; a replacement by its issuer must name it in "
                                     "/body/supersedes");
      }
      previous = holder->second;
    }
    p.business_keys.emplace_back(key, std::move(previous));
  }
  if (is_change) {
    RecordInfo& target = records_.at(body.at("target").get<std::string>());
    RecordInfo updated = target;
    switch (traits.target_change) {
      case TargetChange::kStatusChange:
        CREDLEDGER_RETURN_IF_ERROR(ApplyStatusChange(body, &updated));
        break;
      case TargetChange::kCreditRepair:
        CREDLEDGER_RETURN_IF_ERROR(ApplyCreditRepair(body, index, &updated));
        break;
      case TargetChange::kNone:
        break;
    }
    updated.changes.push_back({index, record_id, updated.status, updated.repaired});
    p.target_id = body.at("target").get<std::string>();
    p.target_before = target;
    target = std::move(updated);
  }
  for (const auto& [key, previous] : p.business_keys) business_ids_[key] = record_id;
  RecordInfo info;
  info.index = index;
  info.type = e.type;
  info.agency = e.agency;
  info.subject = subject;
  if (is_change) info.target = body.at("target").get<std::string>();
  if (traits.display_rules) {
    info.decision_date = body.at("decision_date").get<std::string>();
    info.severity = body.at("severity").get<std::string>();
    info.regime = body.at("display_regime").get<std::string>();
    for (const Json& k : body.at("penalty_kinds")) info.kinds.push_back(k.get<std::string>());
  }
  records_[record_id] = std::move(info);
  p.subject = subject;
  by_subject_[p.subject].emplace_back(index, record_id);
  p.document_hash = document_hash;
  if (!p.document_hash.empty()) by_document_[p.document_hash].push_back(record_id);
  pending_.push_back(std::move(p));
  return Status::Ok();
}

RecordStatus StatusAt(const RecordInfo& info, uint64_t tree_size) {
  RecordStatus out;
  for (const RecordInfo::Change& c : info.changes) {
    if (c.index >= tree_size) break;
    out.status = c.status;
    out.repaired = c.repaired;
  }
  return out;
}

Status RecordPolicy::ApplyStatusChange(const Json& body, RecordInfo* target) {
  const std::string action = body.at("action").get<std::string>();
  if (Terminal(target->status)) {
    return Status::FailedPrecondition("/body/target: the record is " + target->status +
                                      "; it takes no further status changes");
  }
  if (action == "reinstate") {
    if (target->status != "suspended") {
      return Status::FailedPrecondition("/body/action: only a suspended record can be reinstated");
    }
    if (!target->reversible_suspension) {
      return Status::FailedPrecondition(
          "/body/action: the suspension in force was recorded as not reversible");
    }
  } else if (action == "suspend" && target->status != "valid") {
    return Status::FailedPrecondition("/body/action: only a valid record can be suspended");
  }
  target->status = body.at("new_status").get<std::string>();
  target->reversible_suspension = action == "suspend" && body.at("reversible").get<bool>();
  if (action == "withdraw" && Traits(target->type).display_rules) {
    // An overturned penalty leaves display with its reason; history stays.
    target->display_ended_on = body.at("effective_at").get<std::string>().substr(0, 10);
  }
  return Status::Ok();
}

Status RecordPolicy::ApplyCreditRepair(const Json& body, uint64_t index, RecordInfo* target) {
  if (target->status == "withdrawn") {
    return Status::FailedPrecondition("/body/target: the penalty was withdrawn; nothing to repair");
  }
  if (target->repaired) {
    return Status::FailedPrecondition("/body/target: the penalty is already repaired");
  }
  if (body.at("decision") != "approved") return Status::Ok();  // recorded, changes nothing
  const DisplayRules* rules = registry_.RulesFor(target->regime, index);
  if (rules == nullptr) {
    return Status::FailedPrecondition("/body/target: no display rules for the penalty's regime " +
                                      target->regime);
  }
  for (const std::string& kind : target->kinds) {
    if (rules->non_repairable_kinds.count(kind)) {
      return Status::FailedPrecondition("/body/target: a penalty of kind " + kind +
                                        " cannot be taken down early");
    }
  }
  const TierRule& tier = rules->tiers.at(target->severity);
  const std::string earliest = AddMonths(target->decision_date, tier.min_months);
  const std::string applied = body.at("application_date").get<std::string>();
  if (applied < earliest) {
    return Status::FailedPrecondition("/body/application_date: the minimum display period of " +
                                      std::to_string(tier.min_months) + " months for a " +
                                      target->severity + " penalty runs until " + earliest);
  }
  target->repaired = true;
  target->display_ended_on = body.at("decision_date").get<std::string>();
  return Status::Ok();
}

std::vector<std::pair<uint64_t, std::string>> RecordPolicy::SubjectRecords(
    const std::string& subject, uint64_t after_index, size_t limit,
    std::optional<RecordType> type) const {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end()) return out;
  const auto& list = it->second;
  auto from = std::upper_bound(list.begin(), list.end(), after_index,
                               [](uint64_t v, const auto& item) { return v < item.first; });
  for (; from != list.end() && out.size() < limit; ++from) {
    if (type && records_.at(from->second).type != *type) continue;
    out.push_back(*from);
  }
  return out;
}

std::vector<std::string> RecordPolicy::RecordsByDocument(const std::string& hash,
                                                         uint64_t below_index, size_t limit) const {
  std::vector<std::string> out;
  auto it = by_document_.find(hash);
  if (it == by_document_.end()) return out;
  for (const std::string& id : it->second) {
    // In log order: the first record at or past below_index ends the list.
    if (out.size() == limit || records_.at(id).index >= below_index) break;
    out.push_back(id);
  }
  return out;
}

Status RecordPolicy::MayErase(const std::string& hash, const std::string& agency_id) const {
  auto it = by_document_.find(hash);
  if (it == by_document_.end()) return Status::NotFound("no record carries document " + hash);
  for (const std::string& record_id : it->second) {
    if (records_.at(record_id).agency == agency_id) return Status::Ok();
  }
  return Status::PermissionDenied("document " + hash + " was not issued by agency \"" + agency_id +
                                  "\"");
}

Result<DisplayState> RecordPolicy::PenaltyDisplay(const std::string& record_id,
                                                  std::string_view date) const {
  auto it = records_.find(record_id);
  if (it == records_.end()) return Status::NotFound("no record " + record_id);
  const RecordInfo& r = it->second;
  if (!Traits(r.type).display_rules) {
    return Status::InvalidArgument("the record is not one on public display (a penalty)");
  }
  if (CheckDate(Json(std::string(date)), "date").code() != StatusCode::kOk) {
    return Status::InvalidArgument("date must be YYYY-MM-DD");
  }
  const DisplayRules* rules = registry_.RulesFor(r.regime, UINT64_MAX);
  if (rules == nullptr) return Status::InvalidArgument("no display rules for regime " + r.regime);
  const TierRule& tier = rules->tiers.at(r.severity);
  DisplayState s;
  s.from = r.decision_date;
  s.until = AddMonths(r.decision_date, tier.max_months);
  if (!tier.displayed) {
    s.reason = r.severity + " penalties are not displayed under the " + r.regime + " rules";
  } else if (date < s.from) {
    s.reason = "before the decision date";
  } else if (!r.display_ended_on.empty() && date >= r.display_ended_on) {
    s.reason = r.repaired ? "credit repaired on " + r.display_ended_on
                          : "withdrawn on " + r.display_ended_on;
  } else if (date >= s.until) {
    s.reason = "the display period ended on " + s.until;
  } else {
    s.displayed = true;
    s.reason = "within the display period";
  }
  return s;
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
      if (p.target_before) records_[p.target_id] = *p.target_before;
      // Pending entries are the newest, so theirs are the last index entries.
      auto& subject = by_subject_[p.subject];
      subject.pop_back();
      if (subject.empty()) by_subject_.erase(p.subject);
      if (!p.document_hash.empty()) {
        auto& docs = by_document_[p.document_hash];
        docs.pop_back();
        if (docs.empty()) by_document_.erase(p.document_hash);
      }
      for (const auto& [key, previous] : p.business_keys) {
        if (previous.empty()) {
          business_ids_.erase(key);
        } else {
          business_ids_[key] = previous;
        }
      }
    }
    pending_.pop_back();
  }
  if (config_dropped) {
    while (!config_indexes_.empty() && config_indexes_.back() >= first_index) {
      config_indexes_.pop_back();
    }
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
