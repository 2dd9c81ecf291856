// The one file in credledger that includes LevelDB.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "ledger/store.h"

namespace credledger {
namespace {

Status FromLevelDb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(message));
  if (s.IsCorruption()) return Status::DataLoss(std::move(message));
  if (s.IsInvalidArgument()) return Status::FailedPrecondition(std::move(message));
  return Status::Unavailable(std::move(message));  // IOError and the rest: retry may help
}

class LevelDbStore : public Store {
 public:
  LevelDbStore(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache,
               std::unique_ptr<const leveldb::FilterPolicy> filter)
      : cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)) {}

  Status Get(std::string_view key, std::string* value) override {
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    leveldb::Status s = db_->Get(options, leveldb::Slice(key.data(), key.size()), value);
    if (s.IsNotFound()) return Status::NotFound("no such key");
    return FromLevelDb(s, "leveldb get");
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    leveldb::WriteBatch wb;
    for (const auto& [key, value] : batch.ops()) {
      if (value.has_value()) {
        wb.Put(key, *value);
      } else {
        wb.Delete(key);
      }
    }
    leveldb::WriteOptions options;
    options.sync = sync;
    return FromLevelDb(db_->Write(options, &wb), "leveldb write");
  }

  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options));
    for (it->Seek(leveldb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
      if (!visit(std::string_view(it->key().data(), it->key().size()),
                 std::string_view(it->value().data(), it->value().size()))) {
        break;
      }
    }
    return FromLevelDb(it->status(), "leveldb scan");
  }

 private:
  // Declared before db_ so they outlive it: LevelDB borrows both.
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenLevelDbStore(const std::string& path,
                                                const LevelDbOptions& options) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  // Bloom filters make the idempotency look-up of a new leaf hash (a miss) cheap.
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.paranoid_checks = true;
  db_options.block_cache = cache.get();
  db_options.filter_policy = filter.get();
  db_options.write_buffer_size = options.write_buffer_bytes;
  db_options.max_file_size = 64 << 20;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(db_options, path, &raw);
  if (!s.ok()) {
    if (s.IsInvalidArgument() && !options.create_if_missing) {
      return Status::NotFound("no ledger store at " + path + " (" + s.ToString() + ")");
    }
    return FromLevelDb(s, "opening " + path);
  }
  return std::unique_ptr<Store>(
      new LevelDbStore(std::unique_ptr<leveldb::DB>(raw), std::move(cache), std::move(filter)));
}

}  // namespace credledger
