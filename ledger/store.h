// Store: the narrow key-value interface the ledger persists through.
//
// Keys and values are byte strings; keys are ordered bytewise. A WriteBatch is applied
// atomically: after a crash at any instant either all of it or none of it is visible. With
// `sync`, Write returns only once the batch is on stable storage.
//
// Two implementations: LevelDB (the embedded default, the only file that includes LevelDB)
// and an in-memory map for unit tests, which can also inject write failures.
//
// Thread-safety: every method may be called from any thread concurrently.
#ifndef CREDLEDGER_LEDGER_STORE_H_
#define CREDLEDGER_LEDGER_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"

namespace credledger {

class WriteBatch {
 public:
  void Put(std::string key, std::string value) {
    ops_.emplace_back(std::move(key), std::move(value));
  }
  void Delete(std::string key) { ops_.emplace_back(std::move(key), std::nullopt); }
  void Reserve(size_t ops) { ops_.reserve(ops); }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Moves out the value of op `op`, a put: for a batch that will not be written as it is.
  std::string ReleaseValue(size_t op) { return std::move(*ops_[op].second); }
  // Puts carry a value; deletes carry nullopt. Applied in order.
  const std::vector<std::pair<std::string, std::optional<std::string>>>& ops() const {
    return ops_;
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> ops_;
};

class Store {
 public:
  virtual ~Store() = default;

  // OK and *value set; NotFound if absent; Unavailable/DataLoss on I/O or corruption.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // Applies `batch` atomically; durable before returning when `sync`.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;
  // Calls `visit(key, value)` for each key >= `start` in order until it returns false.
  virtual Status Scan(std::string_view start,
                      const std::function<bool(std::string_view, std::string_view)>& visit) = 0;
  // After a failed Write: makes the store show what really reached the disk, and take writes
  // again. A failed Write may or may not have been applied (a log write that reached the disk
  // before its sync failed reappears on recovery), so the caller must read back whatever
  // tells it which. OK: the store is ready; Unavailable: not yet (the disk is still full, say),
  // try again later. Reads keep working while it is not ready, except as the implementation
  // documents. Cheap when nothing failed.
  virtual Status Recover() { return Status::Ok(); }
  // Reads through, with their checksums, the files the store wrote since they were last
  // checked, and records them as checked (LevelDbOptions::check_files): run now and then by a
  // running node, so that the check at its next start reads only what is newer. Errors:
  // DataLoss naming a damaged file. Default: nothing to check.
  virtual Status CheckNewFiles() { return Status::Ok(); }
  // Moves recent writes from the store's log into its tables (LevelDB: its memtable into a
  // level-0 table), so that the next open has no log to replay: at a clean shutdown. Errors:
  // Unavailable. Default: nothing to move.
  virtual Status FlushToTables() { return Status::Ok(); }
  // Rewrites what holds keys in [start, limit), so that deleted and replaced values stop
  // taking disk (LevelDB: a manual compaction of the range, which flushes the memtable
  // first): after a reindex cleared the old record indexes, whose deletions would otherwise
  // sit in the tables until compaction happened to reach them (at 10M entries, 0.64x the
  // entry bytes on disk instead of 0.57x). Errors: Unavailable. Default: nothing to rewrite.
  virtual Status CompactRange(std::string_view start, std::string_view limit) {
    (void)start;
    (void)limit;
    return Status::Ok();
  }
};

struct LevelDbOptions {
  // LevelDB block cache, bytes. Default 64 MiB.
  size_t block_cache_bytes = 64 << 20;
  // LevelDB memtable size, bytes: larger means fewer, larger level-0 files. Default 64 MiB.
  size_t write_buffer_bytes = 64 << 20;
  // LevelDB table block size, bytes (before compression): larger blocks compress better and
  // make smaller index blocks, at the cost of reading more per point look-up. Default 32 KiB
  // (docs/PERFORMANCE.md, "Scale": 0.62x the entry bytes on disk with 16 KiB, 0.58x with 32,
  // reads at 1M entries 15-40% slower).
  size_t block_bytes = 32 << 10;
  // Table files LevelDB keeps open, each with its index and Bloom filter blocks in memory
  // (about 1 MiB per 64 MiB table): with the block cache, what bounds the store's memory
  // whatever the store's size. Default 500 (30 GB of tables before any is reopened).
  int max_open_files = 500;
  // Create the database if it does not exist. Default false: opening a ledger must not
  // silently create an empty one.
  bool create_if_missing = false;
  // Before opening, read table and log files through with checksums, so that a damaged file
  // is named (DataLoss: "<file> is damaged after <key>: ...") instead of failing whichever
  // read first lands on it, possibly long after start. kNew reads the live logs and only the
  // tables not checked before: a table file never changes once written, so the store keeps a
  // record of those it checked (<path>/CHECKED-TABLES: number and size), and checks the size
  // of each (a truncated one is read again). The cost is then what was written since the last
  // check, not the store's size. kAll reads every live file (`ledgerctl fsck`). Either way
  // the record is brought up to date. Default kNone.
  enum class FileCheck { kNone, kNew, kAll };
  FileCheck check_files = FileCheck::kNone;
  // Describes a key in check_files' messages ("entry 150"); default: its length.
  std::function<std::string(std::string_view key)> describe_key;
};

// Checks the files of the LevelDB store in directory `path` as LevelDbOptions::check_files
// says (without opening it: the store must not be open). Errors: DataLoss naming the first
// damaged file; Unavailable.
Status CheckLevelDbFiles(const std::string& path, const LevelDbOptions& options);

// Opens (or with create_if_missing, creates) a LevelDB store in directory `path`.
// Errors: NotFound (missing and not creating), Unavailable (locked by another process, I/O),
// DataLoss (corruption).
//
// After a failed write LevelDB refuses every later write until it is reopened, so Recover
// reopens it, which replays its log. It first makes sure the disk has room for that (the
// logs and manifest again, plus 1 MiB) and syncs, with a preallocated and synced probe file,
// so that reads keep being served from the open database while the disk is full or failing;
// only a reopen that fails anyway leaves the store closed (every call Unavailable) until a
// later Recover succeeds.
Result<std::unique_ptr<Store>> OpenLevelDbStore(const std::string& path,
                                                const LevelDbOptions& options = {});

// An in-memory store for tests, with hooks to inject write and recovery failures.
class MemoryStore : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  Status Get(std::string_view key, std::string* value) override;
  Status Write(const WriteBatch& batch, bool sync) override;
  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override;

  Status Recover() override;

  // Test hooks.
  void FailWritesAfter(std::optional<int> successful_writes);
  // The one write after `successful_writes` more fails; the ones after it work again.
  void FailOneWriteAfter(int successful_writes);
  // Failed writes are applied all the same, as a log write can reach the disk before its
  // sync fails: the writer cannot tell, and only Recover shows it.
  void ApplyFailedWrites(bool apply);
  // Recover fails with Unavailable (the disk is still full).
  void FailRecover(bool fail);
  // Sets a raw key, bypassing batches (to simulate corruption).
  void Corrupt(std::string key, std::optional<std::string> value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_STORE_H_
