// The record indexes: what the domain knows of each admitted record (its status, its history,
// the subject, document and business identifiers it is found by, the config entries and
// query-audit anchors), kept as keys of the ledger's own store beside the log.
//
// The admission policy (policy.h) adds an entry's index keys to the WriteBatch of the block
// that holds the entry, so the indexes become durable with that block, atomically, or not at
// all: after a crash at any instant they describe exactly the durable log, and start-up reads
// a few keys instead of the whole log. Key layout and the argument: docs/DESIGN.md ("Record
// indexes").
//
// Thread-safety: RecordIndex and RecordReader are safe to use concurrently when their source
// is (a Store is); PendingIndex is thread-compatible.
#ifndef CREDLEDGER_LEDGER_RECORDS_RECORD_INDEX_H_
#define CREDLEDGER_LEDGER_RECORDS_RECORD_INDEX_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/log_reader.h"
#include "ledger/merkle.h"
#include "ledger/records/record_type.h"
#include "ledger/records/registry.h"
#include "ledger/store.h"

namespace credledger::records {

// The layout of the index keys; a store holding another is rebuilt by `ledgerctl reindex`.
// 2: RecordInfo's integers and lengths as varints.
// 3: records keyed by log index; subject, document and business identifier values hold no
//    record ids (a record id is its leaf hash: the log's own leaf index translates).
// 4: a record's RecordInfo under its subject's key (a subject's records are adjacent), the
//    record key holding only the subject.
// 5: a document's first record under a key of its own (DocumentAnchor), found by a Get
//    instead of a scan.
inline constexpr uint64_t kIndexFormatVersion = 5;

// What the domain knows of each admitted record: enough to apply the rules to later records
// that act on it, and to answer readers.
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
    bool operator==(const Change&) const = default;
  };
  std::vector<Change> changes;

  bool operator==(const RecordInfo&) const = default;
};

// The status and repair flag of `info` counting only the changes below `tree_size` (a
// checkpoint's size): what a reader of that checkpoint can prove.
struct RecordStatus {
  std::string status = "valid";
  bool repaired = false;
};
RecordStatus StatusAt(const RecordInfo& info, uint64_t tree_size);

// The index keys and their values. Every key starts with 'x', which the log's own keys
// (format.h) do not use. Records are named by their log index (8 bytes, big-endian, so that
// consecutive keys share their prefix), never by their id: the id is the entry's leaf hash,
// which the log already maps both ways (LeafIndex). Document hashes are stored as their 32
// bytes.
namespace index_keys {
inline constexpr char kPrefix = 'x';
std::string Record(uint64_t index);  // -> the record's subject
// -> RecordInfo (EncodeRecordInfo); a subject's records in log order, adjacent.
std::string Subject(std::string_view subject, uint64_t index);
std::string SubjectPrefix(std::string_view subject);
// -> index (varint) ‖ agency: the first record to carry a document, found by one Get (the
// admission of each record with a document asks it).
std::string DocumentAnchor(std::string_view document_hash);
// -> agency: the later records carrying it, in log order (keys that start with its anchor's).
std::string Document(std::string_view document_hash, uint64_t index);
std::string Business(std::string_view business_key);  // -> log index (varint)
std::string Config(uint64_t index);                   // -> "" (a config entry's index)
std::string ConfigPrefix();
// -> the binding record's index (varint) ‖ the key's DER SubjectPublicKeyInfo: an enterprise
// key (its id) and the enterprise_key record that bound it (whose status says if it holds).
std::string EnterpriseKey(std::string_view key_id);
// -> "": a repair application's index, for the working-day report (records/sla.h).
std::string Application(uint64_t index);
std::string ApplicationPrefix();
std::string AuditAnchor();       // -> u64: the largest query-audit size anchored
std::string AuditAnchorEntry();  // -> u64: the log index of the anchor of that size
std::string IndexedSize();       // -> u64: the tree size the indexes describe
std::string FormatVersion();     // -> u64: kIndexFormatVersion
// A policy without a log (PendingIndex::Durability::kOwnStore: an auditor's replay) keeps
// the leaves of its committed entries in its own store, not in memory:
std::string OwnLeaf(uint64_t index);                 // -> the entry's leaf hash (32 bytes)
std::string OwnLeafIndex(const merkle::Hash& leaf);  // -> its log index (u64)
}  // namespace index_keys

// What index key `key` names, for messages: "record 3fa2…", "subject 9144… at index 17".
std::string DescribeIndexKey(std::string_view key);

std::string EncodeRecordInfo(const RecordInfo& info);
// The RecordInfo of the record at log index `index` about `subject` (both from its key),
// stored as `bytes`. Errors: DataLoss (not an encoded RecordInfo).
Result<RecordInfo> DecodeRecordInfo(uint64_t index, std::string_view subject,
                                    std::string_view bytes);
// The values of business identifier and document anchor keys.
std::string EncodeBusinessValue(uint64_t index);
std::string EncodeDocumentAnchor(uint64_t index, std::string_view agency);
std::string EncodeEnterpriseKey(uint64_t index, const crypto::PublicKey& key);
std::string EncodeU64(uint64_t v);
// Errors: DataLoss (not 8 bytes).
Result<uint64_t> DecodeU64(std::string_view bytes);

// Record ids and log indexes, translated: a record id is the leaf hash of its entry (the
// hash of its stored bytes), and the log keeps a leaf's index (format.h, 'h' keys) and the
// leaves themselves (its tree), so the indexes store the 8-byte index only.
class LeafIndex {
 public:
  virtual ~LeafIndex() = default;
  // The log index of the entry whose leaf hash is `leaf`; nullopt if none.
  virtual Result<std::optional<uint64_t>> Find(const merkle::Hash& leaf) const = 0;
  // The leaf hash of the entry at `index`. Errors: NotFound if beyond the log.
  virtual Result<merkle::Hash> At(uint64_t index) const = 0;
};

// The leaves of a log as its reader shows them: up to its head.
class LogLeaves : public LeafIndex {
 public:
  explicit LogLeaves(const LogReader* log) : log_(log) {}
  Result<std::optional<uint64_t>> Find(const merkle::Hash& leaf) const override;
  Result<merkle::Hash> At(uint64_t index) const override;

 private:
  const LogReader* const log_;
};

// Where index keys are read from: a store, or a store under the writes of entries admitted
// but not yet durable (PendingIndex).
class IndexSource {
 public:
  virtual ~IndexSource() = default;
  // OK and *value set; NotFound if absent; other errors from the store.
  virtual Status Get(std::string_view key, std::string* value) const = 0;
  // Calls visit(key, value) for each key that starts with `prefix`, from `start` (which
  // starts with `prefix`) on, in order, until it returns false.
  virtual Status Scan(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view, std::string_view)>& visit) const = 0;
};

// A store as an IndexSource.
class StoreSource : public IndexSource {
 public:
  explicit StoreSource(Store* store) : store_(store) {}
  Status Get(std::string_view key, std::string* value) const override;
  Status Scan(std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override;

 private:
  Store* const store_;
};

// The index writes of admitted entries that are not durable yet, over the store that holds
// the durable ones: what the sequencer must see, having admitted them. Each write is tagged
// with the log index of the entry that made it, so that the writes of a block can be dropped
// once it is durable (Committed) or if it was not written (RolledBack). The leaves of the
// admitted entries are kept the same way, over `durable_leaves`.
class PendingIndex : public IndexSource, public LeafIndex {
 public:
  // kBlocks: the writes are also added to the WriteBatch of the entry's block, which the
  // ledger writes, and the ledger's log holds the leaves (`durable_leaves`). kOwnStore:
  // nobody else writes `store` (a verifier's memory store, an auditor's scratch store); the
  // writes, and the leaves (index_keys::OwnLeaf), are applied to it when their entries are
  // committed (`durable_leaves` is null), so memory holds only what is not committed.
  enum class Durability { kBlocks, kOwnStore };
  PendingIndex(Store* store, const LeafIndex* durable_leaves, Durability durability);

  Status Get(std::string_view key, std::string* value) const override;
  Status Scan(std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  Result<std::optional<uint64_t>> Find(const merkle::Hash& leaf) const override;
  Result<merkle::Hash> At(uint64_t index) const override;

  // Writes `value` at `key` for the entry at log index `index` (>= every index written
  // before and not rolled back), into `block` too with kBlocks.
  void Put(uint64_t index, std::string key, std::string value, WriteBatch* block);
  // The admitted entry at `index` (one more than the last) has leaf hash `leaf`.
  void PutLeaf(uint64_t index, const merkle::Hash& leaf);
  // Entries below `tree_size` are durable. Errors: with kOwnStore, the store's.
  Status Committed(uint64_t tree_size);
  // Entries at `first_index` and above were not written.
  void RolledBack(uint64_t first_index);
  Durability durability() const { return durability_; }

 private:
  Store* const store_;
  const StoreSource durable_;
  const LeafIndex* const durable_leaves_;
  const Durability durability_;
  // key -> its pending values, oldest first, each with the index of the entry that wrote it.
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>, std::less<>> values_;
  std::deque<std::pair<uint64_t, std::string>> order_;  // (index, key) of each Put, in order
  // The leaves held here (not yet committed, or with kBlocks just committed), by log index,
  // and the other way. Not always adjacent indexes: a verifier admits a bundle's few entries.
  std::map<uint64_t, merkle::Hash> leaves_;
  std::map<merkle::Hash, uint64_t> leaf_indexes_;
  // With kBlocks, the tree size of the last Committed: the leaves below it are dropped only
  // at the next Committed, since the ledger shows a block's leaves in its log reader just
  // after it calls Committed, not before.
  uint64_t committed_size_ = 0;
};

// An enterprise key as the log binds it: the enterprise_key record and the key.
struct EnterpriseKeyBinding {
  RecordInfo record;  // its subject is the enterprise; its status (StatusAt) says if it holds
  crypto::PublicKey key;
};

// Questions of the indexes, read from `source`, with record ids translated by `leaves`
// (which may be null for the metadata questions alone: the sizes, versions and configs).
class RecordIndex {
 public:
  RecordIndex(const IndexSource* source, const LeafIndex* leaves)
      : source_(source), leaves_(leaves) {}

  // The record with id `record_id` (hex), if any.
  Result<std::optional<RecordInfo>> FindRecord(std::string_view record_id) const;
  // The record at log index `index`, if that entry is one.
  Result<std::optional<RecordInfo>> RecordAt(uint64_t index) const;
  // The id of the entry at log index `index` (hex).
  Result<std::string> IdAt(uint64_t index) const;
  // The records about `subject` (a USCC, or a person's commitment) in log order, starting
  // after log index `after_index` (a cursor: pass the last index seen, 0 to start), at most
  // `limit`, optionally only records of `type`: all the index knows of each, from one scan of
  // adjacent keys.
  Result<std::vector<RecordInfo>> SubjectRecordInfos(
      std::string_view subject, uint64_t after_index, size_t limit,
      std::optional<RecordType> type = std::nullopt) const;
  // The records whose document hash is `hash`, in log order, below log index `below_index`, at
  // most `limit`: each its log index and agency. O(limit).
  Result<std::vector<std::pair<uint64_t, std::string>>> DocumentRecords(
      std::string_view hash, uint64_t below_index = UINT64_MAX, size_t limit = SIZE_MAX) const;
  // The first record that carried document `hash` (its log index and agency), if any.
  Result<std::optional<std::pair<uint64_t, std::string>>> DocumentAnchor(
      std::string_view hash) const;
  // The record holding business identifier `key`, if any.
  Result<std::optional<std::string>> BusinessKeyHolder(std::string_view key) const;
  // The enterprise key `key_id` (hex) and its binding, if one was ever bound.
  Result<std::optional<EnterpriseKeyBinding>> EnterpriseKey(std::string_view key_id) const;
  // The log indexes of repair applications after `after_index`, in order, at most `limit`.
  Result<std::vector<uint64_t>> RepairApplications(uint64_t after_index, size_t limit) const;
  // The log indexes of the config entries below `below_index`, in order.
  Result<std::vector<uint64_t>> ConfigIndexes(uint64_t below_index = UINT64_MAX) const;
  // The largest query audit log size anchored (0: none).
  Result<uint64_t> AnchoredAuditSize() const;
  // The log index of the anchor of that size; nullopt if none (or only anchors admitted
  // before this index was kept).
  Result<std::optional<uint64_t>> AuditAnchorEntry() const;
  // The tree size the indexes describe; nullopt: the store has none (a store of an earlier
  // format, or a log appended to without the record policy).
  Result<std::optional<uint64_t>> IndexedSize() const;
  Result<std::optional<uint64_t>> FormatVersion() const;

 private:
  Result<std::optional<uint64_t>> GetU64(const std::string& key) const;
  const IndexSource* const source_;
  const LeafIndex* const leaves_;
};

// Whether a penalty is on public display on a date, and why.
struct DisplayState {
  bool displayed = false;
  std::string reason;
  std::string from;  // display window under its rules: [from, until)
  std::string until;
};

// What readers (HTTP handlers, bundles, profiles) may ask of the durable indexes, at a tree
// size of their choosing: a record, a subject's records, a document's records. Thread-safe;
// reads the store only, so it never waits for the sequencer, nor the sequencer for it. Every
// entry below the tree size a reader got from the ledger's head is durable, hence in the
// store, by the time it asks.
class RecordReader {
 public:
  // Record ids are translated by `leaves` (the log's, up to its head).
  RecordReader(Store* store, const LeafIndex* leaves, std::shared_ptr<const Registry> registry);

  const RecordIndex& index() const { return index_; }
  // The registry with every durable config entry (readers take the state at their tree size
  // with its *At methods).
  std::shared_ptr<const Registry> registry() const;

  // The record `record_id` if it is below `tree_size`.
  Result<std::optional<RecordInfo>> FindRecord(std::string_view record_id,
                                               uint64_t tree_size = UINT64_MAX) const;
  // Record ids whose document hash is `hash`, in log order, below `below_index`, at most
  // `limit`: paper-free verification of a document.
  Result<std::vector<std::string>> RecordsByDocument(std::string_view hash,
                                                     uint64_t below_index = UINT64_MAX,
                                                     size_t limit = SIZE_MAX) const;
  // May agency `agency_id` have the document `hash` erased (DOMAIN.md: the issuing agency, or
  // an admin, on a lawful request)? OK if a record of that agency carries the hash. Errors:
  // NotFound (no record carries it), PermissionDenied, or the store's.
  Status MayErase(std::string_view hash, const std::string& agency_id) const;
  // Is penalty `record_id` publicly displayed on `date` (YYYY-MM-DD) under its regime's rules?
  // Errors: NotFound, InvalidArgument (not a penalty, bad date, unknown regime).
  Result<DisplayState> PenaltyDisplay(std::string_view record_id, std::string_view date) const;

  // By the policy: config entries changed the durable registry.
  void SetRegistry(std::shared_ptr<const Registry> registry);

 private:
  const StoreSource source_;
  const RecordIndex index_;
  mutable Mutex mu_;
  std::shared_ptr<const Registry> registry_ GUARDED_BY(mu_);
};

// Whether penalty `info` is publicly displayed on `date` under `registry`'s rules.
Result<DisplayState> PenaltyDisplayOf(const RecordInfo& info, const Registry& registry,
                                      std::string_view date);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_RECORD_INDEX_H_
