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
};

struct LevelDbOptions {
  // LevelDB block cache, bytes. Default 64 MiB.
  size_t block_cache_bytes = 64 << 20;
  // LevelDB memtable size, bytes: larger means fewer, larger level-0 files. Default 64 MiB.
  size_t write_buffer_bytes = 64 << 20;
  // Create the database if it does not exist. Default false: opening a ledger must not
  // silently create an empty one.
  bool create_if_missing = false;
};

// Opens (or with create_if_missing, creates) a LevelDB store in directory `path`.
// Errors: NotFound (missing and not creating), Unavailable (locked by another process, I/O),
// DataLoss (corruption).
Result<std::unique_ptr<Store>> OpenLevelDbStore(const std::string& path,
                                                const LevelDbOptions& options = {});

// An in-memory store. `fail_writes_after` (if set) makes every Write after that many
// successful ones fail with Unavailable, for fault-injection tests.
class MemoryStore : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  Status Get(std::string_view key, std::string* value) override;
  Status Write(const WriteBatch& batch, bool sync) override;
  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override;

  // Test hooks.
  void FailWritesAfter(std::optional<int> successful_writes);
  // Sets a raw key, bypassing batches (to simulate corruption).
  void Corrupt(std::string key, std::optional<std::string> value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_STORE_H_
