// RecordPolicy: the domain's admission rules, applied by the sequencer to every new entry at
// the index it would get (ledger.h, AdmissionPolicy). See docs/RECORDS.md ("Admission").
//
//   - entries are canonical JSON records (entry.h), config entries (registry.h) or the
//     node's query audit anchors (anchor.h), which need the node key's signature;
//   - config entries need M admin signatures and change the registry from the next index on;
//   - a record needs a key of its agency valid at its index, a permitted type, and
//     (historical codes) a permitted agency;
//   - a license, certificate or penalty takes a business identifier (agency + type + license
//     or decision number) that no other record holds, unless it names the holder in
//     /body/supersedes;
//   - a status_change or credit_repair targets a known record of the same agency (or one
//     that delegated to it) and the same subject; a credit_repair targets a penalty, and its
//     applicant is the penalty's party;
//   - the authority a record names (issuing_authority, punishing_authority,
//     deciding_authority) is its signing agency or one that delegated to it; an e-license
//     identifier is held by one record, and a document hash by records of one issuer;
//   - a penalty's display_regime has display rules in force.
//
// Errors, by what the client should learn: InvalidArgument (malformed), Unauthenticated (key or
// signature), PermissionDenied (not allowed), AlreadyExists (business identifier taken),
// FailedPrecondition (unknown target).
//
// Thread-compatible: the sequencer thread is its only caller once installed.
#ifndef CREDLEDGER_LEDGER_RECORDS_POLICY_H_
#define CREDLEDGER_LEDGER_RECORDS_POLICY_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/ledger.h"
#include "ledger/records/entry.h"
#include "ledger/records/registry.h"

namespace credledger::records {

// What the policy knows of each admitted record: enough to apply the rules to later records
// that act on it.
struct RecordInfo {
  uint64_t index = 0;
  RecordType type = RecordType::kLicense;
  std::string agency;
  std::string subject;  // the subject's USCC (historical codes included) or commitment
  std::string target;   // status changes and credit repairs: the record they act on
  // Current status after the status_change records that targeted it: "valid", "suspended",
  // "revoked", "cancelled", "expired", "withdrawn", "superseded".
  std::string status = "valid";
  bool reversible_suspension = false;  // the suspension in force may be reinstated
  // Penalties only.
  std::string decision_date;  // YYYY-MM-DD
  std::string severity;       // minor, general, serious
  std::string regime;         // display rules regime
  std::vector<std::string> kinds;
  std::string display_ended_on;  // date an approved repair or a withdrawal took it down
  bool repaired = false;
  // The status_change and credit_repair records that acted on it, in log order, each with the
  // status it left, so that readers can state the status as of any tree size.
  struct Change {
    uint64_t index = 0;
    std::string record_id;
    std::string status;
    bool repaired = false;
  };
  std::vector<Change> changes;
};

// The status and repair flag of `info` counting only the changes below `tree_size` (a
// checkpoint's size): what a reader of that checkpoint can prove.
struct RecordStatus {
  std::string status = "valid";
  bool repaired = false;
};
RecordStatus StatusAt(const RecordInfo& info, uint64_t tree_size);

// Whether a penalty is on public display on a date, and why.
struct DisplayState {
  bool displayed = false;
  std::string reason;
  std::string from;  // display window under its rules: [from, until)
  std::string until;
};

// `date` (YYYY-MM-DD) plus `months` calendar months, the day clamped to the month's length.
std::string AddMonths(std::string_view date, int months);

// A record entry validated and signature-checked before it reached the sequencer
// (SharedRecordPolicy::Precheck), attached to its Submission so that Admit neither parses,
// validates nor verifies it again: that work moves to the threads that receive entries, which
// run in parallel, out of the sequencer, which is serial. Sound because it is bound to the
// leaf hash of the bytes it was made from (Admit compares), validation is a function of those
// bytes, the entry names its agency and key id, and a registered key id always names the same
// key; whether that key is valid at the entry's index, and every rule that depends on the
// log, is still Admit's check.
struct CheckedEntry : EntryChecks {
  CheckedEntry(const merkle::Hash& leaf, ValidatedEntry e) : leaf_hash(leaf), entry(std::move(e)) {}
  merkle::Hash leaf_hash;  // of the bytes `entry` was validated from
  ValidatedEntry entry;    // valid, and its signature verified against its key
};

class RecordPolicy : public AdmissionPolicy {
 public:
  // Builds the policy by replaying entries 0..tree_size-1 (entry 0: the genesis). Errors:
  // those of Registry::FromGenesis, or DataLoss naming an entry that breaks the rules.
  //
  // kTrustLog skips the agency signature of each record (every other rule, and the admins'
  // signatures on config entries, are still checked): for a node rebuilding its indexes from
  // its own log, whose records were verified when admitted and whose bytes the tree commits
  // to. Signature checks dominate a replay (about 10,000 p256 records/s per core), so this
  // is what keeps a restart short. An auditor, who trusts no one's log, uses kVerify.
  enum class Signatures { kVerify, kTrustLog };
  static Result<std::shared_ptr<RecordPolicy>> Replay(
      uint64_t tree_size, const std::function<Result<std::string>(uint64_t)>& entry_at,
      Signatures signatures);
  // A policy that has seen only `genesis` (entry 0): where Replay starts, and where an
  // offline verifier starts before it admits the few entries a proof bundle carries
  // (bundle.h), in increasing index order. Errors: those of Registry::FromGenesis.
  static Result<std::shared_ptr<RecordPolicy>> FromGenesis(std::string_view genesis);

  // A CheckedEntry in `checks` is taken as it is (see CheckedEntry); without one the entry is
  // checked whole.
  Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
               const EntryChecks* checks) override;
  void Committed(uint64_t tree_size) override;
  void RolledBack(uint64_t first_index) override;

  crypto::HashAlgorithm tree_hash() const { return alg_; }
  // The largest query audit log size anchored so far (0: none).
  uint64_t anchored_audit_size() const { return anchored_audit_size_; }
  // Indexes of the config entries admitted so far, in log order: with the genesis, all a
  // reader needs to rebuild the registry (a proof bundle carries those entries).
  const std::vector<uint64_t>& config_indexes() const { return config_indexes_; }

  // The registry including admitted (possibly not yet durable) config entries.
  const Registry& registry() const { return registry_; }
  // Records admitted so far, by record id (hex leaf hash).
  const std::map<std::string, RecordInfo>& records() const { return records_; }
  // Record ids about `subject` (a USCC, or a person's commitment) in log order, starting after
  // log index `after_index` (a cursor: pass the last index seen, 0 to start), at most `limit`,
  // optionally only records of `type`. Each item is (log index, record id).
  std::vector<std::pair<uint64_t, std::string>> SubjectRecords(
      const std::string& subject, uint64_t after_index, size_t limit,
      std::optional<RecordType> type = std::nullopt) const;
  // Record ids whose document hash (license/certificate file_hash, penalty
  // decision_document_hash) is `hash`, in log order, of records below log index
  // `below_index` (a tree size), at most `limit`: paper-free verification of a document.
  // O(limit): one agency may anchor a document in any number of records.
  std::vector<std::string> RecordsByDocument(const std::string& hash,
                                             uint64_t below_index = UINT64_MAX,
                                             size_t limit = SIZE_MAX) const;
  // May agency `agency_id` have the document `hash` erased (DOMAIN.md: the issuing agency, or
  // an admin, on a lawful request)? OK if a record of that agency carries the hash. An admin's
  // request is checked by the caller against the registry's admin keys. Errors: NotFound (no
  // record carries it), PermissionDenied.
  Status MayErase(const std::string& hash, const std::string& agency_id) const;
  // Is penalty `record_id` publicly displayed on `date` (YYYY-MM-DD) under its regime's rules?
  // Errors: NotFound, InvalidArgument (not a penalty, bad date, unknown regime).
  Result<DisplayState> PenaltyDisplay(const std::string& record_id, std::string_view date) const;

 private:
  RecordPolicy(Registry registry, crypto::HashAlgorithm alg)
      : committed_registry_(registry), registry_(std::move(registry)), alg_(alg) {}

  Status AdmitRecord(const ValidatedEntry& e, const std::string& record_id, uint64_t index);
  // The authority a record names (issuing, punishing, deciding) is its signing agency or one
  // that delegated to it. Errors: PermissionDenied.
  Status CheckIssuer(const ValidatedEntry& e, uint64_t index) const;
  // A status change or credit repair may act on its target: the target exists, belongs to
  // the signer (or one that delegated to it), has the change's subject, and is of a type the
  // change applies to. Errors: FailedPrecondition, PermissionDenied, InvalidArgument.
  Status CheckTarget(const ValidatedEntry& e, const std::string& subject, uint64_t index) const;
  // The status_change and credit_repair rules; may update *target.
  Status ApplyStatusChange(const Json& body, RecordInfo* target);
  Status ApplyCreditRepair(const Json& body, uint64_t index, RecordInfo* target);

  struct Pending {
    uint64_t index = 0;
    std::string record_id;  // empty for config entries
    // The business identifiers this record took, each with its holder before (empty: none).
    std::vector<std::pair<std::string, std::string>> business_keys;
    std::string config;                       // the config entry, for config entries
    std::string target_id;                    // the record a status change or repair updated
    std::optional<RecordInfo> target_before;  // and its state before, for rollback
    std::string subject;                      // index entries this record added
    std::string document_hash;
  };

  Registry committed_registry_;  // durable config only
  Registry registry_;            // committed + pending config
  crypto::HashAlgorithm alg_;
  bool trust_signatures_ = false;  // during a kTrustLog replay
  uint64_t anchored_audit_size_ = 0;
  std::vector<uint64_t> config_indexes_;             // pending ones at the back
  std::map<std::string, RecordInfo> records_;        // record id -> info
  std::map<std::string, std::string> business_ids_;  // business key -> record id
  std::vector<Pending> pending_;                     // admitted, not yet durable, in order
  // Derived indexes, in log order (rebuilt by Replay; pending entries at the back).
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> by_subject_;
  std::map<std::string, std::vector<std::string>> by_document_;
};

// A RecordPolicy that readers (HTTP handlers) may query while the sequencer admits entries:
// the sequencer's calls hold the lock exclusively, Read holds it shared. Readers see admitted
// entries that may not be durable yet; they filter by the committed tree size.
//
// Precheck lets the threads that receive entries do the per-entry work that does not depend
// on the log (validation and the signature check) in parallel, before the sequencer sees them.
class SharedRecordPolicy : public AdmissionPolicy {
 public:
  explicit SharedRecordPolicy(std::shared_ptr<RecordPolicy> policy);

  // Checks entry `doc`, parsed from `submission`'s bytes (which ParseJson found canonical:
  // RFC 8785 text), as far as it can be
  // checked before it has an index: its form, and its signature if its key is registered; an
  // entry that passes both carries a CheckedEntry to Admit. Config entries and entries whose
  // agency or key is unknown here pass without one: Admit decides them against the registry
  // at their index. Errors: InvalidArgument, Unauthenticated (bad signature), as Admit would
  // give.
  Status Precheck(Json doc, Submission& submission) const;

  Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
               const EntryChecks* checks) override {
    WriterLock lock(mu_);
    return policy_->Admit(entry, leaf_hash, index, checks);
  }
  void Committed(uint64_t tree_size) override {
    WriterLock lock(mu_);
    policy_->Committed(tree_size);
  }
  void RolledBack(uint64_t first_index) override {
    WriterLock lock(mu_);
    policy_->RolledBack(first_index);
  }
  // Calls read(const RecordPolicy&) under the shared lock and returns what it returns; `read`
  // must copy out what it needs.
  template <typename F>
  auto Read(F&& read) const {
    ReaderLock lock(mu_);
    return read(static_cast<const RecordPolicy&>(*policy_));
  }

 private:
  mutable SharedMutex mu_;
  const std::shared_ptr<RecordPolicy> owned_;
  // owned_, as a plain pointer: clang 14's analysis checks PT_GUARDED_BY on those only.
  RecordPolicy* const policy_ PT_GUARDED_BY(mu_);
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_POLICY_H_
