// The one file in credledger that includes LevelDB.
#include <fcntl.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <shared_mutex>

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

// Opens `path` with the block cache and Bloom filter that `options` describe.
struct OpenedDb {
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::DB> db;  // declared after cache and filter: LevelDB borrows both
};

Result<OpenedDb> OpenDb(const std::string& path, const LevelDbOptions& options) {
  OpenedDb opened;
  opened.cache.reset(leveldb::NewLRUCache(options.block_cache_bytes));
  // Bloom filters make the idempotency look-up of a new leaf hash (a miss) cheap.
  opened.filter.reset(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.paranoid_checks = true;
  db_options.block_cache = opened.cache.get();
  db_options.filter_policy = opened.filter.get();
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
  opened.db.reset(raw);
  return opened;
}

// Whether the disk holding `dir` lets LevelDB reopen it: recovery writes the logs' contents
// into a new table, rewrites the manifest and syncs both. Preallocating and syncing a probe
// file asks the file system itself, which a free-space figure (statvfs) cannot for quotas and
// reserved blocks.
Status CheckRoomToReopen(const std::string& dir) {
  std::error_code ec;
  uint64_t need = 1 << 20;
  for (const auto& file : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = file.path().filename().string();
    if (name.ends_with(".log") || name.starts_with("MANIFEST-")) {
      need += file.file_size(ec);
    }
  }
  if (ec) return Status::Unavailable("cannot list " + dir + ": " + ec.message());
  const std::string probe = dir + "/RECOVERY-PROBE";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + probe + ": " + std::strerror(errno));
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(need));
  // A device that fails its syncs would fail the reopen's too.
  const int sync_err = err == 0 && ::fsync(fd) != 0 ? errno : 0;
  ::close(fd);
  ::unlink(probe.c_str());
  if (err != 0) {
    return Status::Unavailable("no room to reopen the store (" + std::to_string(need) +
                               " bytes): " + std::strerror(err));
  }
  if (sync_err != 0) {
    return Status::Unavailable("the store's disk fails to sync: " +
                               std::string(std::strerror(sync_err)));
  }
  return Status::Ok();
}

class LevelDbStore : public Store {
 public:
  LevelDbStore(std::string path, LevelDbOptions options, OpenedDb opened)
      : path_(std::move(path)), options_(options), opened_(std::move(opened)) {}

  Status Get(std::string_view key, std::string* value) override {
    std::shared_lock lock(mu_);
    if (!opened_.db) return Closed();
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    leveldb::Status s = opened_.db->Get(options, leveldb::Slice(key.data(), key.size()), value);
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
    std::shared_lock lock(mu_);
    if (!opened_.db) return Closed();
    Status s = FromLevelDb(opened_.db->Write(options, &wb), "leveldb write");
    if (!s.ok()) write_failed_ = true;
    return s;
  }

  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    std::shared_lock lock(mu_);
    if (!opened_.db) return Closed();
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    std::unique_ptr<leveldb::Iterator> it(opened_.db->NewIterator(options));
    for (it->Seek(leveldb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
      if (!visit(std::string_view(it->key().data(), it->key().size()),
                 std::string_view(it->value().data(), it->value().size()))) {
        break;
      }
    }
    return FromLevelDb(it->status(), "leveldb scan");
  }

  Status Recover() override {
    std::unique_lock lock(mu_);
    if (opened_.db && !write_failed_) return Status::Ok();
    if (opened_.db) {
      // The open database keeps serving reads until there is room to replace it.
      CREDLEDGER_RETURN_IF_ERROR(CheckRoomToReopen(path_));
      opened_ = OpenedDb{};  // LevelDB's lock allows one open handle per process
    }
    LevelDbOptions reopen = options_;
    reopen.create_if_missing = false;
    auto opened = OpenDb(path_, reopen);
    if (!opened.ok()) {
      last_reopen_error_ = opened.status().message();
      return opened.status().WithContext("reopening the store after a failed write");
    }
    opened_ = std::move(*opened);
    write_failed_ = false;
    return Status::Ok();
  }

 private:
  Status Closed() const {
    return Status::Unavailable("the store is closed: reopening it after a failed write failed (" +
                               last_reopen_error_ + ")");
  }

  const std::string path_;
  const LevelDbOptions options_;
  // Shared by reads and writes (LevelDB is thread-safe); exclusive only to reopen.
  mutable std::shared_mutex mu_;
  OpenedDb opened_;                        // GUARDED_BY(mu_); db null while closed
  std::atomic<bool> write_failed_{false};  // LevelDB refuses writes until reopened
  std::string last_reopen_error_;          // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<Store>> OpenLevelDbStore(const std::string& path,
                                                const LevelDbOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(OpenedDb opened, OpenDb(path, options));
  return std::unique_ptr<Store>(new LevelDbStore(path, options, std::move(opened)));
}

}  // namespace credledger
