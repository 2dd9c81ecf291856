// The one file in credledger that includes LevelDB.
#include <fcntl.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/dumpfile.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/table.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "crypto/mutex.h"
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
// Reads table files with pread(2) instead of LevelDB's default mmap(2). Pages of a mapped
// table count as the process's resident memory for as long as they stay mapped, so a node that
// reads or compacts a 10 GB store would show gigabytes of it, bounded by nothing we configure;
// read with pread, they are the kernel's page cache, and the node's own memory is its block
// cache (LevelDbOptions::block_cache_bytes) and the tables' index and filter blocks
// (max_open_files of them at most).
class PreadFile : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    ssize_t got;
    do {
      got = ::pread(fd_, scratch, n, static_cast<off_t>(offset));
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      *result = leveldb::Slice(scratch, 0);
      return leveldb::Status::IOError(name_, std::strerror(errno));
    }
    *result = leveldb::Slice(scratch, static_cast<size_t>(got));
    return leveldb::Status::OK();
  }

 private:
  const std::string name_;
  const int fd_;
};

class PreadEnv : public leveldb::EnvWrapper {
 public:
  PreadEnv() : EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** result) override {
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                             : leveldb::Status::IOError(name, std::strerror(errno));
    }
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
};

// Like leveldb::Env::Default(), one for the process, never destroyed.
leveldb::Env* StoreEnv() {
  static PreadEnv* env = new PreadEnv;
  return env;
}

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
  db_options.block_size = options.block_bytes;
  db_options.max_open_files = options.max_open_files;
  db_options.env = StoreEnv();
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

// Keeps leveldb::DumpFile's listing of a file: its corruption reports, and all of its text.
class CorruptionSink : public leveldb::WritableFile {
 public:
  leveldb::Status Append(const leveldb::Slice& data) override {
    if (data.starts_with("corruption: ") && first_.empty()) first_ = data.ToString();
    text_.append(data.data(), data.size());
    return leveldb::Status::OK();
  }
  const std::string& text() const { return text_; }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }
  // "corruption: N bytes; <reason>", or empty.
  std::string first() const {
    std::string line = first_;
    while (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }

 private:
  std::string first_;
  std::string text_;
};

// Reads table file `file` through, checking every block's checksum.
Status CheckTableFile(leveldb::Env* env, const std::string& file, const LevelDbOptions& options) {
  uint64_t size = 0;
  leveldb::RandomAccessFile* raw_file = nullptr;
  leveldb::Status s = env->GetFileSize(file, &size);
  if (s.ok()) s = env->NewRandomAccessFile(file, &raw_file);
  std::unique_ptr<leveldb::RandomAccessFile> owned_file(raw_file);
  if (!s.ok()) return FromLevelDb(s, "reading " + file);
  leveldb::Options table_options;
  table_options.paranoid_checks = true;
  leveldb::Table* raw_table = nullptr;
  s = leveldb::Table::Open(table_options, owned_file.get(), size, &raw_table);
  std::unique_ptr<leveldb::Table> table(raw_table);
  if (!s.ok()) return Status::DataLoss(file + " is damaged: " + s.ToString());
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  std::string last_key;
  // A damaged block is skipped and its error kept: stop at the first key past it.
  for (it->SeekToFirst(); it->Valid() && it->status().ok(); it->Next()) {
    last_key = it->key().ToString();
  }
  if (it->status().ok()) return Status::Ok();
  // Table keys are LevelDB internal keys: the user key then 8 bytes of sequence and type.
  std::string where = "in its first block";
  if (last_key.size() >= 8) {
    last_key.resize(last_key.size() - 8);
    where = "after the key of " + (options.describe_key
                                       ? options.describe_key(last_key)
                                       : "a key of " + std::to_string(last_key.size()) + " bytes");
  }
  return Status::DataLoss(file + " is damaged " + where + ": " + it->status().ToString());
}

// The files the store's current MANIFEST says are live: the tables of its current version and
// the logs it still needs. Other files are left by a crash during a flush, a compaction or an
// open (an unfinished table, a log already merged into one): LevelDB deletes them at open and
// never reads them, so they are not damage.
struct LiveFiles {
  std::set<uint64_t> tables;
  uint64_t log_number = 0;       // logs numbered from this on are live
  uint64_t prev_log_number = 0;  // and this one (older LevelDB versions)
};

// The number of a LevelDB file name ("000005.ldb" -> 5), or nullopt.
std::optional<uint64_t> FileNumber(const std::string& name) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec != std::errc() || end == name.data() || *end != '.') return std::nullopt;
  return n;
}

// Replays the MANIFEST that CURRENT names, as leveldb::DumpFile lists its version edits
// ("AddFile: <level> <number> <size> ...", "RemoveFile: <level> <number>", "LogNumber: <n>").
Result<LiveFiles> ReadLiveFiles(leveldb::Env* env, const std::string& path) {
  std::string current;
  leveldb::Status s = leveldb::ReadFileToString(env, path + "/CURRENT", &current);
  if (!s.ok()) return FromLevelDb(s, "reading " + path + "/CURRENT");
  while (!current.empty() && current.back() == '\n') current.pop_back();
  if (!current.starts_with("MANIFEST-") || current.find('/') != std::string::npos) {
    return Status::DataLoss(path + "/CURRENT does not name a MANIFEST: \"" +
                            current.substr(0, 100) + "\"");
  }
  CorruptionSink listing;
  s = leveldb::DumpFile(env, path + "/" + current, &listing);
  if (!s.ok()) return FromLevelDb(s, "reading " + path + "/" + current);
  if (!listing.first().empty()) {
    return Status::DataLoss(path + "/" + current + " is damaged: " + listing.first());
  }
  LiveFiles live;
  std::istringstream lines(listing.text());
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string tag;
    uint64_t level = 0, number = 0;
    fields >> tag;
    if (tag == "AddFile:" && fields >> level >> number) {
      live.tables.insert(number);
    } else if (tag == "RemoveFile:" && fields >> level >> number) {
      live.tables.erase(number);
    } else if (tag == "LogNumber:" && fields >> number) {
      live.log_number = number;
    } else if (tag == "PrevLogNumber:" && fields >> number) {
      live.prev_log_number = number;
    }
  }
  return live;
}

constexpr char kCheckedTablesFile[] = "CHECKED-TABLES";
constexpr char kCheckedTablesHeader[] = "credledger checked tables v1";

// The record of checked tables: file number -> size when checked. Missing or unreadable: none
// (everything is checked again).
std::map<uint64_t, uint64_t> ReadCheckedTables(const std::string& path) {
  std::map<uint64_t, uint64_t> checked;
  std::ifstream in(path + "/" + kCheckedTablesFile);
  std::string line;
  if (!std::getline(in, line) || line != kCheckedTablesHeader) return checked;
  uint64_t number = 0, size = 0;
  while (in >> number >> size) checked[number] = size;
  return checked;
}

// Rewrites the record (a temporary file renamed over it). Not synced: losing it costs a check.
Status WriteCheckedTables(const std::string& path, const std::map<uint64_t, uint64_t>& checked) {
  std::string text = std::string(kCheckedTablesHeader) + "\n";
  for (const auto& [number, size] : checked) {
    text += std::to_string(number) + " " + std::to_string(size) + "\n";
  }
  const std::string file = path + "/" + kCheckedTablesFile;
  {
    std::ofstream out(file + ".tmp", std::ios::trunc);
    out << text;
    if (!out.flush()) return Status::Unavailable("cannot write " + file + ".tmp");
  }
  std::error_code ec;
  std::filesystem::rename(file + ".tmp", file, ec);
  if (ec) return Status::Unavailable("cannot rename " + file + ".tmp: " + ec.message());
  return Status::Ok();
}

}  // namespace

// Checks the live tables `tables` (number -> file path) of the store at `path` that the record
// does not list with their current size (all of them with `all`), then rewrites the record
// with exactly those tables. A table that disappears meanwhile (a running store compacted it
// away) is skipped.
Status CheckTables(const std::string& path, const std::map<uint64_t, std::string>& tables, bool all,
                   const LevelDbOptions& options) {
  leveldb::Env* env = StoreEnv();
  const std::map<uint64_t, uint64_t> checked_before = ReadCheckedTables(path);
  std::map<uint64_t, uint64_t> checked;
  for (const auto& [number, file] : tables) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) {
      if (!std::filesystem::exists(file)) continue;  // compacted away
      return Status::Unavailable("cannot read the size of " + file + ": " + ec.message());
    }
    auto before = checked_before.find(number);
    if (all || before == checked_before.end() || before->second != size) {
      Status s = CheckTableFile(env, file, options);
      if (!s.ok() && !std::filesystem::exists(file)) continue;
      CREDLEDGER_RETURN_IF_ERROR(s);
    }
    checked[number] = size;
  }
  if (checked != checked_before) return WriteCheckedTables(path, checked);
  return Status::Ok();
}

// Reads live table and log files of the store at `path` through with checksums, naming the
// first damaged one. LevelDB's own open reads logs but not tables, and names neither.
Status CheckLevelDbFiles(const std::string& path, const LevelDbOptions& options) {
  if (options.check_files == LevelDbOptions::FileCheck::kNone) return Status::Ok();
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& file : std::filesystem::directory_iterator(path, ec)) {
    files.push_back(file.path().string());
  }
  if (ec) return Status::Unavailable("cannot list " + path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  leveldb::Env* env = leveldb::Env::Default();
  CREDLEDGER_ASSIGN_OR_RETURN(LiveFiles live, ReadLiveFiles(env, path));
  std::map<uint64_t, std::string> tables;
  for (const std::string& file : files) {
    const std::optional<uint64_t> number =
        FileNumber(std::filesystem::path(file).filename().string());
    if (!number) continue;
    if ((file.ends_with(".ldb") || file.ends_with(".sst")) && live.tables.count(*number)) {
      tables[*number] = file;
    }
  }
  // The live log files are read whole by LevelDB's own open, which checks their records (the
  // store opens with paranoid checks) but does not name them: OpenLevelDbStore does.
  return CheckTables(path, tables, options.check_files == LevelDbOptions::FileCheck::kAll, options);
}

namespace {

class LevelDbStore : public Store {
 public:
  LevelDbStore(std::string path, LevelDbOptions options, OpenedDb opened)
      : path_(std::move(path)), options_(options), opened_(std::move(opened)) {}

  Status Get(std::string_view key, std::string* value) override {
    ReaderLock lock(mu_);
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
    ReaderLock lock(mu_);
    if (!opened_.db) return Closed();
    Status s = FromLevelDb(opened_.db->Write(options, &wb), "leveldb write");
    if (!s.ok()) write_failed_ = true;
    return s;
  }

  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    ReaderLock lock(mu_);
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

  Status FlushToTables() override {
    ReaderLock lock(mu_);
    if (!opened_.db) return Closed();
    // CompactRange flushes the memtable into a level-0 table first; the range, past every
    // key, compacts nothing else.
    const leveldb::Slice past_all("\xff\xff");
    opened_.db->CompactRange(&past_all, &past_all);
    return Status::Ok();
  }

  Status CompactRange(std::string_view start, std::string_view limit) override {
    ReaderLock lock(mu_);
    if (!opened_.db) return Closed();
    const leveldb::Slice from(start.data(), start.size());
    const leveldb::Slice to(limit.data(), limit.size());
    opened_.db->CompactRange(&from, &to);
    return Status::Ok();
  }

  Status CheckNewFiles() override {
    std::string listing;
    {
      ReaderLock lock(mu_);
      if (!opened_.db) return Closed();
      if (!opened_.db->GetProperty("leveldb.sstables", &listing)) {
        return Status::Unavailable("LevelDB did not list its tables");
      }
    }
    // "--- level 1 ---\n 5:1234['key' @ 1 : 1 .. 'key' @ 9 : 1]\n": each table's number.
    std::map<uint64_t, std::string> tables;
    std::istringstream lines(listing);
    std::string line;
    while (std::getline(lines, line)) {
      const size_t start = line.find_first_not_of(' ');
      if (start == std::string::npos || line[start] == '-') continue;
      uint64_t number = 0;
      auto [end, ec] = std::from_chars(line.data() + start, line.data() + line.size(), number);
      if (ec != std::errc() || *end != ':') continue;
      char name[32];
      std::snprintf(name, sizeof name, "/%06llu.ldb", static_cast<unsigned long long>(number));
      std::string file = path_ + name;
      if (!std::filesystem::exists(file)) file.replace(file.size() - 4, 4, ".sst");  // older
      tables[number] = std::move(file);
    }
    return CheckTables(path_, tables, /*all=*/false, options_);
  }

  Status Recover() override {
    WriterLock lock(mu_);
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
  Status Closed() const REQUIRES_SHARED(mu_) {
    return Status::Unavailable("the store is closed: reopening it after a failed write failed (" +
                               last_reopen_error_ + ")");
  }

  const std::string path_;
  const LevelDbOptions options_;
  // Shared by reads and writes (LevelDB is thread-safe); exclusive only to reopen.
  mutable SharedMutex mu_;
  OpenedDb opened_ GUARDED_BY(mu_);        // db null while closed
  std::atomic<bool> write_failed_{false};  // LevelDB refuses writes until reopened
  std::string last_reopen_error_ GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<Store>> OpenLevelDbStore(const std::string& path,
                                                const LevelDbOptions& options) {
  if (options.check_files != LevelDbOptions::FileCheck::kNone &&
      std::filesystem::exists(path + "/CURRENT")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckLevelDbFiles(path, options));
  }
  auto opened = OpenDb(path, options);
  if (!opened.ok() && opened.status().code() == StatusCode::kDataLoss &&
      options.check_files != LevelDbOptions::FileCheck::kNone) {
    // The tables read through sound, so what LevelDB's recovery found damaged is a live log.
    auto live = ReadLiveFiles(leveldb::Env::Default(), path);
    std::string logs;
    std::error_code ec;
    for (const auto& file : std::filesystem::directory_iterator(path, ec)) {
      const std::string name = file.path().filename().string();
      const std::optional<uint64_t> number = FileNumber(name);
      if (!number || !name.ends_with(".log") || !live.ok() ||
          (*number < live->log_number && *number != live->prev_log_number)) {
        continue;
      }
      logs += (logs.empty() ? "" : " or ") + file.path().string();
    }
    if (!logs.empty()) {
      return Status::DataLoss(logs + " is damaged: " + opened.status().message() +
                              " (a log of writes not yet in a table)");
    }
  }
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<Store>(new LevelDbStore(path, options, std::move(*opened)));
}

}  // namespace credledger
