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
// The policy's state lives in the ledger's store (record_index.h): its index writes join the
// batch of the block that holds the entry, so they are durable exactly when the block is.
//
// Thread-compatible: the sequencer thread is the only caller of its admission methods once
// installed; reader() may be used from any thread.
#ifndef CREDLEDGER_LEDGER_RECORDS_POLICY_H_
#define CREDLEDGER_LEDGER_RECORDS_POLICY_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/records/entry.h"
#include "ledger/records/record_index.h"
#include "ledger/records/registry.h"

namespace credledger::records {

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
  // Opens the policy of `ledger`, whose store holds its record indexes (record_index.h),
  // kept up to date in the batches of the blocks it writes once the policy is installed.
  // Reads a bounded amount whatever the log's size: the index metadata, the genesis and the
  // config entries (each checked against its leaf in the tree). Errors: FailedPrecondition
  // saying to run `ledgerctl reindex` when the indexes do not describe the whole log (a store
  // of an earlier format, entries appended without this policy, an unfinished reindex);
  // DataLoss naming a damaged entry or key; those of Registry::FromGenesis.
  static Result<std::shared_ptr<RecordPolicy>> Open(Ledger& ledger);

  // Builds or completes the record indexes of the ledger in `store` (read through `log`, a
  // reader of the same store, whose writer must be stopped), from the tree size they describe
  // (or from scratch with `rebuild`, or when they are of another format) to the log's head,
  // in synced batches of `batch_entries` (a wipe deletes 16 times as many keys per batch),
  // calling `progress(indexed, tree_size)` after each:
  // interrupted at any instant, it resumes where it stopped. Records are not signature-checked
  // again (Signatures::kTrustLog), every other rule is, and each entry is checked against its
  // leaf. Errors: DataLoss naming an entry that breaks the rules or does not hash to its leaf,
  // or the store's.
  // Clearing the indexes first (from scratch) deletes every index key, which LevelDB makes
  // slow (at 10M entries, minutes: each deletion is written, then compacted away); with
  // `clearing`, the keys are counted first and it is called as they go.
  static Status Reindex(
      Store* store, const LogReader& log, bool rebuild,
      const std::function<void(uint64_t indexed, uint64_t tree_size)>& progress,
      size_t batch_entries = 4096,
      const std::function<void(uint64_t deleted, uint64_t keys)>& clearing = nullptr);

  // Builds the policy by replaying entries 0..tree_size-1 (entry 0: the genesis), with its
  // indexes in memory: for an auditor or a test, who holds no store of the log. Errors: those
  // of Registry::FromGenesis, or DataLoss naming an entry that breaks the rules.
  //
  // kTrustLog skips the agency signature of each record (every other rule, and the admins'
  // signatures on config entries, are still checked): for a node's own log, whose records
  // were verified when admitted and whose bytes the tree commits to. An auditor, who trusts
  // no one's log, uses kVerify.
  enum class Signatures { kVerify, kTrustLog };
  static Result<std::shared_ptr<RecordPolicy>> Replay(
      uint64_t tree_size, const std::function<Result<std::string>(uint64_t)>& entry_at,
      Signatures signatures);
  // A policy that has seen only `genesis` (entry 0), with its indexes in memory: where Replay
  // starts, and where an offline verifier starts before it admits the few entries a proof
  // bundle carries (bundle.h), in increasing index order. Errors: those of
  // Registry::FromGenesis.
  // With `own_store` (an empty store, e.g. a scratch LevelDB), the indexes and the leaves of
  // committed entries are kept there instead of in memory: an auditor replaying millions of
  // entries (in memory, several GB at 10M).
  static Result<std::shared_ptr<RecordPolicy>> FromGenesis(
      std::string_view genesis, std::unique_ptr<Store> own_store = nullptr);
  // The same from a registry parsed from the genesis already.
  static Result<std::shared_ptr<RecordPolicy>> FromRegistry(
      Registry registry, std::unique_ptr<Store> own_store = nullptr);

  ~RecordPolicy() override;

  // A CheckedEntry in `checks` is taken as it is (see CheckedEntry); without one the entry is
  // checked whole. The entry's index writes go into `writes` (its block's batch).
  Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
               const EntryChecks* checks, WriteBatch* writes) override;
  void Seal(uint64_t tree_size, WriteBatch* writes) override;
  void Committed(uint64_t tree_size) override;
  // Committed, for a policy with its own store (FromGenesis, Replay), whose writes to it can
  // fail (a scratch LevelDB). Errors: the store's.
  Status CommitOwnStore(uint64_t tree_size);
  void RolledBack(uint64_t first_index) override;

  crypto::HashAlgorithm tree_hash() const { return alg_; }
  // The registry including admitted (possibly not yet durable) config entries.
  const Registry& registry() const { return registry_; }
  // The indexes including admitted entries that are not durable yet: what admission sees.
  // For the sequencer's thread (and tests) only; readers use reader().
  const RecordIndex& pending() const { return index_; }
  // The durable indexes and registry, for readers on any thread.
  const RecordReader& reader() const { return reader_; }

 private:
  // With `log`, the indexes in `store` are kept in the batches of `log`'s blocks, and record
  // ids translated by its leaves; without, `store` is the policy's own (owned_store).
  RecordPolicy(Registry registry, crypto::HashAlgorithm alg, Store* store,
               std::unique_ptr<Store> owned_store, const LogReader* log);
  // The policy of `log` at `tree_size`, whose indexes in `store` describe it: the registry from
  // the genesis and the config entries the indexes list.
  static Result<std::shared_ptr<RecordPolicy>> OpenAt(Store* store, const LogReader& log,
                                                      uint64_t tree_size);

  Status AdmitEntry(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
                    const EntryChecks* checks, WriteBatch* writes);
  Status AdmitRecord(const ValidatedEntry& e, const std::string& record_id, uint64_t index,
                     WriteBatch* writes);
  // The authority a record names (issuing, punishing, deciding) is its signing agency or one
  // that delegated to it. Errors: PermissionDenied.
  Status CheckIssuer(const ValidatedEntry& e, uint64_t index) const;
  // Registry::Authorize for an agency's entry; for an enterprise's, its key is one bound to
  // it on the log and in force at `index` (and, with kVerify, the signature verifies).
  // Errors: Unauthenticated, PermissionDenied.
  Status Authorize(const ValidatedEntry& e, uint64_t index, Registry::SignatureCheck check) const;
  // An entry with a target may act on it: the target exists, is of a type the entry applies
  // to, belongs to the signer (or one that delegated to it; an enterprise: is about it), and
  // has the entry's subject. Errors: FailedPrecondition, PermissionDenied, InvalidArgument.
  Status CheckTarget(const ValidatedEntry& e, const std::string& subject,
                     const std::optional<RecordInfo>& target, uint64_t index) const;
  // A credit repair's /body/application is a repair_application for the same penalty,
  // accepted at its first review and not decided. Errors: FailedPrecondition,
  // InvalidArgument.
  Status CheckApplication(const Json& body, const std::optional<RecordInfo>& application) const;
  // The status_change and credit_repair rules; may update *target.
  Status ApplyStatusChange(const Json& body, RecordInfo* target);
  Status ApplyCreditRepair(const Json& body, uint64_t index, RecordInfo* target);

  Registry committed_registry_;  // durable config only
  Registry registry_;            // committed + pending config
  // Config entries admitted and not yet durable, in order: (index, entry).
  std::vector<std::pair<uint64_t, std::string>> pending_config_;
  crypto::HashAlgorithm alg_;
  bool trust_signatures_ = false;                // during a kTrustLog replay
  const std::unique_ptr<Store> owned_store_;     // the own store of Replay and FromGenesis
  const std::unique_ptr<LeafIndex> log_leaves_;  // the log's, when the policy has one
  PendingIndex pending_index_;
  const RecordIndex index_;  // over pending_index_
  RecordReader reader_;      // over the store alone
};

// A RecordPolicy installed in a ledger, and what other threads may do meanwhile: read the
// durable indexes (reader(), which never waits for the sequencer), and precheck entries. Its
// admission methods are the sequencer's alone.
//
// Precheck lets the threads that receive entries do the per-entry work that does not depend
// on the log (validation and the signature check) in parallel, before the sequencer sees them.
class SharedRecordPolicy : public AdmissionPolicy {
 public:
  explicit SharedRecordPolicy(std::shared_ptr<RecordPolicy> policy);

  // Checks entry `doc`, parsed from `submission`'s bytes (which ParseJson found canonical:
  // RFC 8785 text), as far as it can be checked before it has an index: its form, and its
  // signature if its key is in the durable registry; an entry that passes both carries a
  // CheckedEntry to Admit. Config entries and entries whose agency or key is unknown here pass
  // without one: Admit decides them against the registry at their index. Errors:
  // InvalidArgument, Unauthenticated (bad signature), as Admit would give. Thread-safe.
  Status Precheck(Json doc, Submission& submission) const;
  // Thread-safe.
  const RecordReader& reader() const { return policy_->reader(); }

  Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
               const EntryChecks* checks, WriteBatch* writes) override {
    return policy_->Admit(entry, leaf_hash, index, checks, writes);
  }
  void Seal(uint64_t tree_size, WriteBatch* writes) override { policy_->Seal(tree_size, writes); }
  void Committed(uint64_t tree_size) override { policy_->Committed(tree_size); }
  void RolledBack(uint64_t first_index) override { policy_->RolledBack(first_index); }

 private:
  const std::shared_ptr<RecordPolicy> policy_;
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_POLICY_H_
