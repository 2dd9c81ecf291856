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
         status == "withdrawn" || status == "superseded" || status == "removed";
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

RecordPolicy::RecordPolicy(Registry registry, crypto::HashAlgorithm alg, Store* store,
                           std::unique_ptr<Store> owned_store, const LogReader* log)
    : committed_registry_(registry),
      registry_(std::move(registry)),
      alg_(alg),
      owned_store_(std::move(owned_store)),
      log_leaves_(log != nullptr ? std::make_unique<LogLeaves>(log) : nullptr),
      pending_index_(
          store, log_leaves_.get(),
          log != nullptr ? PendingIndex::Durability::kBlocks : PendingIndex::Durability::kOwnStore),
      index_(&pending_index_, &pending_index_),
      // Without a log, the leaves are the pending index's own (it keeps them all).
      reader_(store, log != nullptr ? log_leaves_.get() : &pending_index_,
              std::make_shared<const Registry>(committed_registry_)) {}

RecordPolicy::~RecordPolicy() = default;

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::FromGenesis(std::string_view genesis,
                                                                std::unique_ptr<Store> own_store) {
  auto registry = Registry::FromGenesis(genesis);
  if (!registry.ok()) return registry.status().WithContext("entry 0 (genesis)");
  return FromRegistry(std::move(*registry), std::move(own_store));
}

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::FromRegistry(Registry registry,
                                                                 std::unique_ptr<Store> own_store) {
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(registry.tree_hash()));
  std::unique_ptr<Store> store =
      own_store != nullptr ? std::move(own_store) : std::make_unique<MemoryStore>();
  Store* raw = store.get();
  return std::shared_ptr<RecordPolicy>(
      new RecordPolicy(std::move(registry), alg, raw, std::move(store), /*log=*/nullptr));
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
    Status s = policy->Admit(entry, merkle::LeafHash(policy->alg_, entry), i, nullptr, nullptr);
    if (!s.ok()) {
      return Status::DataLoss("entry " + std::to_string(i) +
                              " breaks the admission rules: " + s.ToString());
    }
    // Into the memory store as it goes: the pending writes are the slower structure.
    if (i % 4096 == 0) policy->Committed(i + 1);
  }
  policy->trust_signatures_ = false;
  policy->Committed(tree_size);
  return policy;
}

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::OpenAt(Store* store, const LogReader& log,
                                                           uint64_t tree_size) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, log.GetEntry(0));
  auto registry = Registry::FromGenesis(genesis);
  if (!registry.ok()) return registry.status().WithContext("entry 0 (genesis)");
  const StoreSource durable(store);
  const RecordIndex index(&durable, /*leaves=*/nullptr);
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<uint64_t> configs, index.ConfigIndexes(tree_size));
  for (uint64_t i : configs) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.GetEntry(i));
    if (Status s = registry->ApplyConfig(entry, i); !s.ok()) {
      return Status::DataLoss("config entry " + std::to_string(i) +
                              ", listed in the record indexes, does not apply: " + s.ToString());
    }
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(registry->tree_hash()));
  return std::shared_ptr<RecordPolicy>(
      new RecordPolicy(std::move(*registry), alg, store, nullptr, &log));
}

namespace {

const char kReindexAdvice[] =
    "run `ledgerctl reindex DATA_DIR` with the node stopped (it resumes if interrupted)";

}  // namespace

Result<std::shared_ptr<RecordPolicy>> RecordPolicy::Open(Ledger& ledger) {
  const uint64_t tree_size = ledger.Head().tree_size;
  const StoreSource durable(ledger.store());
  const RecordIndex index(&durable, /*leaves=*/nullptr);
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> indexed, index.IndexedSize());
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> version, index.FormatVersion());
  if (version == 0u) {
    return Status::FailedPrecondition(
        std::string("a reindex was interrupted while it cleared the record indexes: ") +
        kReindexAdvice);
  }
  if (version && *version != kIndexFormatVersion) {
    return Status::FailedPrecondition("the record indexes in the store are of format " +
                                      std::to_string(*version) + "; this build keeps format " +
                                      std::to_string(kIndexFormatVersion) + ": " + kReindexAdvice);
  }
  // A new ledger (the genesis alone) has nothing to index yet.
  const uint64_t described = indexed.value_or(1);
  if (described != tree_size) {
    return Status::FailedPrecondition(
        "the record indexes describe the log up to tree size " + std::to_string(described) +
        ", but it holds " + std::to_string(tree_size) +
        " entries (a store of an earlier format, entries appended without the record policy, "
        "or an unfinished reindex): " +
        kReindexAdvice);
  }
  return OpenAt(ledger.store(), ledger.log(), tree_size);
}

Status RecordPolicy::Reindex(
    Store* store, const LogReader& log, bool rebuild,
    const std::function<void(uint64_t indexed, uint64_t tree_size)>& progress, size_t batch_entries,
    const std::function<void(uint64_t deleted, uint64_t keys)>& clearing) {
  const uint64_t tree_size = log.Head().tree_size;
  const StoreSource durable(store);
  const RecordIndex index(&durable, /*leaves=*/nullptr);
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> version, index.FormatVersion());
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> indexed, index.IndexedSize());
  if (rebuild || (version && *version != kIndexFormatVersion) ||
      (indexed && *indexed > tree_size)) {
    // From scratch: every index key goes, in synced batches. The first marks the indexes as
    // being wiped (format version 0, which no build keeps), so that an interruption wipes
    // again; the last removes the mark. Each batch's scan starts after the last key deleted:
    // from the prefix, it would step over every tombstone of the batches before.
    const std::string prefix(1, index_keys::kPrefix);
    const std::string version_key = index_keys::FormatVersion();
    std::string start = prefix;
    const size_t wipe_keys = std::max<size_t>(batch_entries, 1) * 16;
    uint64_t keys = 0, cleared = 0;
    if (clearing) {
      CREDLEDGER_RETURN_IF_ERROR(
          durable.Scan(prefix, prefix, [&](std::string_view, std::string_view) {
            ++keys;
            return true;
          }));
      clearing(0, keys);
    }
    WriteBatch mark;
    mark.Put(version_key, EncodeU64(0));
    mark.Delete(index_keys::IndexedSize());
    CREDLEDGER_RETURN_IF_ERROR(store->Write(mark, /*sync=*/true));
    while (true) {
      WriteBatch batch;
      size_t deleted = 0;
      CREDLEDGER_RETURN_IF_ERROR(
          durable.Scan(prefix, start, [&](std::string_view key, std::string_view) {
            if (key == version_key) return true;
            batch.Delete(std::string(key));
            start.assign(key);
            start.push_back('\0');
            return ++deleted < wipe_keys;
          }));
      if (deleted < wipe_keys) batch.Delete(version_key);
      CREDLEDGER_RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
      cleared += deleted;
      if (clearing) clearing(cleared, keys);
      if (deleted < wipe_keys) break;
    }
    if (clearing) clearing(keys, keys);  // the metadata keys went with the mark and the last
    indexed.reset();
  }
  uint64_t from = indexed.value_or(1);
  CREDLEDGER_ASSIGN_OR_RETURN(std::shared_ptr<RecordPolicy> policy, OpenAt(store, log, from));
  policy->trust_signatures_ = true;
  if (progress) progress(from, tree_size);
  CREDLEDGER_ASSIGN_OR_RETURN(version, index.FormatVersion());
  bool sealed = version.has_value();  // else one batch at least, to write the format version
  while (from < tree_size || !sealed) {
    sealed = true;
    const uint64_t to = std::min<uint64_t>(tree_size, from + std::max<size_t>(batch_entries, 1));
    WriteBatch batch;
    for (uint64_t i = from; i < to; ++i) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.GetEntry(i));  // checked: its leaf
      Status s = policy->Admit(entry, merkle::LeafHash(policy->alg_, entry), i, nullptr, &batch);
      if (!s.ok()) {
        return Status::DataLoss("entry " + std::to_string(i) +
                                " breaks the admission rules: " + s.ToString());
      }
    }
    policy->Seal(to, &batch);
    CREDLEDGER_RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
    policy->Committed(to);
    from = to;
    if (progress) progress(from, tree_size);
  }
  return Status::Ok();
}

Status RecordPolicy::Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
                           const EntryChecks* checks, WriteBatch* writes) {
  Status s = AdmitEntry(entry, leaf_hash, index, checks, writes);
  // Its id translates from here on (the log's leaf index has it once its block is durable).
  if (s.ok()) pending_index_.PutLeaf(index, leaf_hash);
  return s;
}

Status RecordPolicy::AdmitEntry(std::string_view entry, const merkle::Hash& leaf_hash,
                                uint64_t index, const EntryChecks* checks, WriteBatch* writes) {
  const auto* checked = dynamic_cast<const CheckedEntry*>(checks);
  if (checked != nullptr && checked->leaf_hash == leaf_hash) {
    // Parsed, validated (canonical form included) and signature-checked on arrival.
    CREDLEDGER_RETURN_IF_ERROR(
        Authorize(checked->entry, index, Registry::SignatureCheck::kAlreadyVerified));
    return AdmitRecord(checked->entry, crypto::HexEncode(leaf_hash), index, writes);
  }
  // The record id is the hash of the stored bytes, so only the canonical form may be stored.
  const Status not_canonical = Status::InvalidArgument(
      ": entries are submitted in RFC 8785 canonical form (ledgerctl sign writes it)");
  bool canonical = false;
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(entry, &canonical));
  if (doc.is_object() && doc.value("type", Json()) == kQueryAuditAnchorType) {
    if (!canonical) return not_canonical;
    CREDLEDGER_RETURN_IF_ERROR(VerifyQueryAuditAnchor(doc, registry_.node_key()));
    CREDLEDGER_ASSIGN_OR_RETURN(uint64_t anchored, index_.AnchoredAuditSize());
    const uint64_t size = doc.at("size").get<uint64_t>();
    if (size > anchored) {
      pending_index_.Put(index, index_keys::AuditAnchor(), EncodeU64(size), writes);
      pending_index_.Put(index, index_keys::AuditAnchorEntry(), EncodeU64(index), writes);
    }
    return Status::Ok();
  }
  if (doc.is_object() && doc.value("type", Json()) == "config") {
    if (!canonical) return not_canonical;
    CREDLEDGER_RETURN_IF_ERROR(registry_.ApplyConfig(entry, index));
    pending_config_.emplace_back(index, std::string(entry));
    pending_index_.Put(index, index_keys::Config(index), "", writes);
    return Status::Ok();
  }
  // One parse serves the canonical-form check, validation and authorization. Validation
  // errors come first: they say more than "not canonical" does.
  CREDLEDGER_ASSIGN_OR_RETURN(
      ValidatedEntry e,
      ValidateCanonicalEntry(std::move(doc), canonical ? entry : std::string_view()));
  if (!canonical) return not_canonical;
  CREDLEDGER_RETURN_IF_ERROR(Authorize(e, index,
                                       trust_signatures_
                                           ? Registry::SignatureCheck::kAlreadyVerified
                                           : Registry::SignatureCheck::kVerify));
  return AdmitRecord(e, crypto::HexEncode(leaf_hash), index, writes);
}

void RecordPolicy::Seal(uint64_t tree_size, WriteBatch* writes) {
  if (tree_size == 0) return;
  // Once, in the first block the policy seals (one look-up per block, mostly in the cache).
  auto version = index_.FormatVersion();
  if (version.ok() && !*version) {
    pending_index_.Put(tree_size - 1, index_keys::FormatVersion(), EncodeU64(kIndexFormatVersion),
                       writes);
  }
  pending_index_.Put(tree_size - 1, index_keys::IndexedSize(), EncodeU64(tree_size), writes);
}

SharedRecordPolicy::SharedRecordPolicy(std::shared_ptr<RecordPolicy> policy)
    : policy_(std::move(policy)) {}

Status SharedRecordPolicy::Precheck(Json doc, Submission& submission) const {
  if (doc.is_object() && (doc.value("type", Json()) == "config" ||
                          doc.value("type", Json()) == kQueryAuditAnchorType)) {
    return Status::Ok();  // rare: Admit checks them whole
  }
  CREDLEDGER_ASSIGN_OR_RETURN(ValidatedEntry e,
                              ValidateCanonicalEntry(std::move(doc), submission.entry()));
  // An enterprise's key is on the log, not in the registry: Admit checks it (these entries
  // are few).
  if (Traits(e.type).signer == Signer::kEnterprise) return Status::Ok();
  // The durable registry: a key registered by a config entry not yet durable is checked by
  // Admit instead.
  const std::shared_ptr<const Registry> registry = policy_->reader().registry();
  const crypto::PublicKey* key = registry->FindKey(e.agency, e.key_id);
  if (key == nullptr) return Status::Ok();
  CREDLEDGER_RETURN_IF_ERROR(VerifyEntrySignature(e, *key));
  // Verified: what remains is for admission, which runs on the serial sequencer and frees it
  // there, so the signed bytes (a second copy of the entry) are freed here instead.
  std::string().swap(e.signed_bytes);
  crypto::Bytes().swap(e.signature);
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

Status RecordPolicy::Authorize(const ValidatedEntry& e, uint64_t index,
                               Registry::SignatureCheck check) const {
  if (Traits(e.type).signer == Signer::kAgency) return registry_.Authorize(e, index, check);
  // An enterprise's key: bound to it by an enterprise_key record before this entry, and not
  // revoked, suspended or superseded by a status change before it either.
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EnterpriseKeyBinding> binding,
                              index_.EnterpriseKey(e.key_id));
  if (!binding) {
    return Status::Unauthenticated("/key_id: no enterprise_key record on this log binds key " +
                                   e.key_id);
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string binding_id, index_.IdAt(binding->record.index));
  if (binding->record.subject != e.enterprise) {
    return Status::Unauthenticated("/key_id: the key is bound to " + binding->record.subject +
                                   " (record " + binding_id + "), not to " + e.enterprise);
  }
  const RecordStatus status = StatusAt(binding->record, index);
  if (status.status != "valid") {
    return Status::Unauthenticated("/key_id: the enterprise key bound by record " + binding_id +
                                   " is " + status.status + " at index " + std::to_string(index));
  }
  if (check == Registry::SignatureCheck::kVerify) {
    CREDLEDGER_RETURN_IF_ERROR(VerifyEntrySignature(e, binding->key));
  }
  return Status::Ok();
}

Status RecordPolicy::CheckTarget(const ValidatedEntry& e, const std::string& subject,
                                 const std::optional<RecordInfo>& t, uint64_t index) const {
  const Json& body = e.document.at("body");
  const TargetChange change = Traits(e.type).target_change;
  const std::string target = body.at("target").get<std::string>();
  if (!t) return Status::FailedPrecondition("/body/target: no record " + target + " in this log");
  const RecordTypeTraits& target_traits = Traits(t->type);
  if (change == TargetChange::kConsentRevocation) {
    // The enterprise revokes its own consent, once.
    if (!target_traits.grants_consent) {
      return Status::FailedPrecondition(
          "/body/target: a consent revocation names a consent, not a " +
          std::string(target_traits.name));
    }
    if (t->subject != subject) {
      return Status::PermissionDenied("/body/target: consent " + target + " is " + t->subject +
                                      "'s: an enterprise revokes only its own consents");
    }
    if (t->status != "valid") {
      return Status::FailedPrecondition("/body/target: the consent is " + t->status + " already");
    }
    return Status::Ok();
  }
  if (change == TargetChange::kObjection) {
    // The enterprise disputes an agency's record about it.
    if (target_traits.signer != Signer::kAgency) {
      return Status::FailedPrecondition(
          "/body/target: an objection disputes an agency's record, "
          "not a " +
          std::string(target_traits.name));
    }
    if (t->subject != subject) {
      return Status::PermissionDenied("/body/target: record " + target + " is about " + t->subject +
                                      ": an enterprise disputes only records about "
                                      "itself");
    }
    return Status::Ok();
  }
  if (change == TargetChange::kRepairApplication) {
    // The enterprise applies for itself: its own penalty, before any repair or withdrawal.
    if (!target_traits.display_rules) {
      return Status::FailedPrecondition(
          "/body/target: a repair application names a penalty, not a " +
          std::string(target_traits.name));
    }
    if (t->subject != subject) {
      return Status::PermissionDenied("/body/target: penalty " + target + " is about " +
                                      t->subject +
                                      ": an enterprise applies to repair only its "
                                      "own penalties");
    }
    if (t->status == "withdrawn" || t->repaired) {
      return Status::FailedPrecondition(std::string("/body/target: the penalty is ") +
                                        (t->repaired ? "repaired" : "withdrawn") +
                                        "; nothing to repair");
    }
    return Status::Ok();
  }
  if (!registry_.ActsFor(e.agency, t->agency, index)) {
    return Status::PermissionDenied("/body/target: record " + target + " belongs to agency \"" +
                                    t->agency + "\", which has not delegated to \"" + e.agency +
                                    "\"");
  }
  if (change == TargetChange::kCreditRepair && !target_traits.display_rules) {
    return Status::FailedPrecondition(
        "/body/target: a credit repair targets a record on public display (a penalty), not a " +
        std::string(target_traits.name));
  }
  if (change == TargetChange::kAnswer || change == TargetChange::kListRemoval) {
    // One answer to a filing of the kind the type answers; one removal of a listing.
    const bool fits =
        change == TargetChange::kAnswer ? t->type == Traits(e.type).answers : target_traits.listing;
    if (!fits) {
      return Status::FailedPrecondition(
          "/body/target: a " + std::string(RecordTypeName(e.type)) + " names a " +
          std::string(change == TargetChange::kAnswer ? RecordTypeName(Traits(e.type).answers)
                                                      : "list_inclusion") +
          ", not a " + std::string(target_traits.name));
    }
    if (t->status != "valid") {
      return Status::FailedPrecondition("/body/target: record " + target + " is " + t->status +
                                        " already");
    }
  }
  if (change == TargetChange::kStatusChange && target_traits.signer != Signer::kAgency) {
    return Status::FailedPrecondition("/body/target: record " + target +
                                      " is signed by its enterprise; an agency changes the "
                                      "status of agencies' records only");
  }
  if (change == TargetChange::kRepairReview) {
    if (target_traits.target_change != TargetChange::kRepairApplication) {
      return Status::FailedPrecondition(
          "/body/target: a repair review names a repair_application, not a " +
          std::string(target_traits.name));
    }
    if (t->status != "valid") {
      return Status::FailedPrecondition("/body/target: the application was reviewed already (" +
                                        t->status + ")");
    }
  }
  // A change is listed under its target's subject: it must be that subject.
  if (subject != t->subject) {
    return Status::InvalidArgument("/subject: must be the subject of record " + target + " (" +
                                   t->subject + ")");
  }
  if (change == TargetChange::kCreditRepair && body.at("applicant_uscc") != t->subject) {
    return Status::InvalidArgument("/body/applicant_uscc: must be the penalty's party (" +
                                   t->subject +
                                   "): an enterprise applies to repair its own record");
  }
  return Status::Ok();
}

Status RecordPolicy::CheckApplication(const Json& body,
                                      const std::optional<RecordInfo>& application) const {
  const std::string id = body.at("application").get<std::string>();
  if (!application) {
    return Status::FailedPrecondition("/body/application: no record " + id +
                                      " in this log: a decision comes after its application");
  }
  if (Traits(application->type).target_change != TargetChange::kRepairApplication) {
    return Status::FailedPrecondition("/body/application: record " + id + " is a " +
                                      std::string(RecordTypeName(application->type)) +
                                      ", not a repair_application");
  }
  if (application->target != body.at("target").get<std::string>()) {
    return Status::InvalidArgument("/body/application: the application is for penalty " +
                                   application->target + ", not /body/target");
  }
  if (application->status == "valid") {
    return Status::FailedPrecondition(
        "/body/application: the application has had no first review (repair_review) yet: a "
        "decision comes after its acceptance");
  }
  if (application->status != "accepted") {
    return Status::FailedPrecondition("/body/application: the application is " +
                                      application->status + "; only an accepted one is decided");
  }
  return Status::Ok();
}

Status RecordPolicy::AdmitRecord(const ValidatedEntry& e, const std::string& record_id,
                                 uint64_t index, WriteBatch* writes) {
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
  std::optional<std::pair<uint64_t, std::string>> anchor;  // the document's first record
  if (!document_hash.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(anchor, index_.DocumentAnchor(document_hash));
    if (anchor && !registry_.ActsFor(e.agency, anchor->second, index)) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string anchor_id, index_.IdAt(anchor->first));
      return Status::AlreadyExists(
          "/body/" + std::string(traits.document_member) + ": the document is anchored by record " +
          anchor_id + " of agency \"" + anchor->second + "\"; a document has one issuer");
    }
  }
  const bool has_target = traits.target_change != TargetChange::kNone;
  // A repair application and an objection refer to their target and change nothing of it;
  // every other kind of target is changed (its status, or its list of changes).
  const bool changes_target = has_target &&
                              traits.target_change != TargetChange::kRepairApplication &&
                              traits.target_change != TargetChange::kObjection;
  // A filing addressed by its body (a commitment) names a registered agency.
  if (traits.addressed_by_body &&
      !registry_.agencies().count(body.at("agency").get<std::string>())) {
    return Status::FailedPrecondition("/body/agency: no agency \"" +
                                      body.at("agency").get<std::string>() + "\" is registered");
  }
  std::optional<RecordInfo> target;
  if (has_target) {
    CREDLEDGER_ASSIGN_OR_RETURN(target, index_.FindRecord(body.at("target").get<std::string>()));
    CREDLEDGER_RETURN_IF_ERROR(CheckTarget(e, subject, target, index));
  }
  // A credit repair may decide an enterprise's application (which is then changed too).
  std::optional<RecordInfo> application;
  if (traits.target_change == TargetChange::kCreditRepair && body.contains("application")) {
    CREDLEDGER_ASSIGN_OR_RETURN(application,
                                index_.FindRecord(body.at("application").get<std::string>()));
    CREDLEDGER_RETURN_IF_ERROR(CheckApplication(body, application));
  }
  std::string bound_key_id;  // an enterprise_key's
  if (traits.binds_enterprise_key) {
    bound_key_id = body.at("key_id").get<std::string>();
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EnterpriseKeyBinding> bound,
                                index_.EnterpriseKey(bound_key_id));
    if (bound) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string bound_id, index_.IdAt(bound->record.index));
      return Status::AlreadyExists("/body/key_id: the key is bound already, to " +
                                   bound->record.subject + " by record " + bound_id +
                                   "; a key is bound once (rotate to a new key)");
    }
  }
  // Every rule is checked before anything is written.
  const std::vector<std::pair<std::string, const char*>> business_keys = BusinessKeys(e);
  for (const auto& [key, what] : business_keys) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<std::string> holder, index_.BusinessKeyHolder(key));
    if (holder && !(body.contains("supersedes") && body.at("supersedes") == *holder)) {
      return Status::AlreadyExists("record " + *holder + " already holds this " + what +
                                   "; a replacement by its issuer must name it in "
                                   "/body/supersedes");
    }
  }
  switch (traits.target_change) {
    case TargetChange::kStatusChange:
      CREDLEDGER_RETURN_IF_ERROR(ApplyStatusChange(body, &*target));
      break;
    case TargetChange::kCreditRepair:
      CREDLEDGER_RETURN_IF_ERROR(ApplyCreditRepair(body, index, &*target));
      break;
    case TargetChange::kRepairReview:
      target->status = body.at("outcome").get<std::string>();  // accepted, not_accepted
      break;
    case TargetChange::kConsentRevocation:
      target->status = "revoked";
      break;
    case TargetChange::kAnswer:
      target->status = body.at(traits.outcome_member).get<std::string>();
      break;
    case TargetChange::kListRemoval:
      target->status = "removed";
      break;
    case TargetChange::kObjection:
    case TargetChange::kRepairApplication:
    case TargetChange::kNone:
      break;
  }
  if (changes_target)
    target->changes.push_back({index, record_id, target->status, target->repaired});
  if (application) {
    application->status = "decided";
    application->changes.push_back({index, record_id, application->status, false});
  }

  // Admitted: its index writes.
  for (const auto& [key, what] : business_keys) {
    pending_index_.Put(index, index_keys::Business(key), EncodeBusinessValue(index), writes);
  }
  RecordInfo info;
  info.index = index;
  info.type = e.type;
  // An enterprise's record is answered by the agency of the record it concerns.
  info.agency = traits.signer == Signer::kAgency ? e.agency
                : traits.addressed_by_body       ? body.at("agency").get<std::string>()
                : target                         ? target->agency
                                                 : "";
  info.subject = subject;
  if (has_target) info.target = body.at("target").get<std::string>();
  if (changes_target) {
    pending_index_.Put(index, index_keys::Subject(target->subject, target->index),
                       EncodeRecordInfo(*target), writes);
  }
  if (application) {
    pending_index_.Put(index, index_keys::Subject(application->subject, application->index),
                       EncodeRecordInfo(*application), writes);
  }
  if (traits.target_change == TargetChange::kRepairApplication) {
    pending_index_.Put(index, index_keys::Application(index), "", writes);
  }
  if (traits.binds_enterprise_key) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key, ParsePublicKey(body.at("key"), "/body/key"));
    pending_index_.Put(index, index_keys::EnterpriseKey(bound_key_id),
                       EncodeEnterpriseKey(index, key), writes);
  }
  if (traits.display_rules) {
    info.decision_date = body.at("decision_date").get<std::string>();
    info.severity = body.at("severity").get<std::string>();
    info.regime = body.at("display_regime").get<std::string>();
    for (const Json& k : body.at("penalty_kinds")) info.kinds.push_back(k.get<std::string>());
  }
  pending_index_.Put(index, index_keys::Record(index), subject, writes);
  pending_index_.Put(index, index_keys::Subject(subject, index), EncodeRecordInfo(info), writes);
  if (!document_hash.empty()) {
    if (anchor) {
      pending_index_.Put(index, index_keys::Document(document_hash, index), e.agency, writes);
    } else {
      pending_index_.Put(index, index_keys::DocumentAnchor(document_hash),
                         EncodeDocumentAnchor(index, e.agency), writes);
    }
  }
  return Status::Ok();
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

void RecordPolicy::Committed(uint64_t tree_size) {
  // The ledger's blocks write the indexes (nothing is written here), and a memory store does
  // not fail; the owner of a scratch store calls CommitOwnStore and sees its errors.
  Status s = CommitOwnStore(tree_size);
  (void)s;
}

Status RecordPolicy::CommitOwnStore(uint64_t tree_size) {
  size_t done = 0;
  while (done < pending_config_.size() && pending_config_[done].first < tree_size) {
    // Admitted once already against the same state, so this cannot fail.
    Status s =
        committed_registry_.ApplyConfig(pending_config_[done].second, pending_config_[done].first);
    (void)s;
    ++done;
  }
  if (done > 0) {
    pending_config_.erase(pending_config_.begin(),
                          pending_config_.begin() + static_cast<long>(done));
    reader_.SetRegistry(std::make_shared<const Registry>(committed_registry_));
  }
  return pending_index_.Committed(tree_size);
}

void RecordPolicy::RolledBack(uint64_t first_index) {
  pending_index_.RolledBack(first_index);
  bool config_dropped = false;
  while (!pending_config_.empty() && pending_config_.back().first >= first_index) {
    pending_config_.pop_back();
    config_dropped = true;
  }
  if (config_dropped) {
    // Rebuild the working registry: durable config plus what is still pending.
    registry_ = committed_registry_;
    for (const auto& [index, config] : pending_config_) {
      Status s = registry_.ApplyConfig(config, index);
      (void)s;
    }
  }
}

}  // namespace credledger::records
