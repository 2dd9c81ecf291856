#include "ledger/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "ledger/canonical_json.h"
#include "ledger/format.h"

namespace credledger {

std::string StorePath(const std::string& dir) { return dir + "/store"; }
std::string DefaultNodeKeyPath(const std::string& dir) { return dir + "/node-key.pem"; }

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + dir + ": " + std::strerror(errno));
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) return Status::Unavailable("cannot sync " + dir + ": " + std::strerror(error));
  return Status::Ok();
}

namespace {

// The ledger options for `dir`: its head record at <dir>/head unless the caller chose one.
LedgerOptions LedgerOptionsFor(const std::string& dir, const DataDirOptions& options) {
  LedgerOptions ledger = options.ledger;
  if (ledger.head_record_path.empty()) ledger.head_record_path = dir + "/head";
  return ledger;
}

// Makes the store of a new ledger with `make` so that a crash at any instant leaves either no
// store, and creation starts over, or a whole one: the store is built in <dir>/store.new,
// closed, synced, and renamed into place. A head record left by a creation that never finished
// names no store and is removed.
Status StageStore(const std::string& dir, const DataDirOptions& options,
                  const std::function<Status(std::unique_ptr<Store>, const LedgerOptions&)>& make) {
  const std::string staging = StorePath(dir) + ".new";
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  if (ec) return Status::Unavailable("cannot remove " + staging + ": " + ec.message());
  const std::string head_record = LedgerOptionsFor(dir, options).head_record_path;
  std::filesystem::remove(head_record, ec);
  if (ec) return Status::Unavailable("cannot remove " + head_record + ": " + ec.message());
  {
    LevelDbOptions leveldb = options.leveldb;
    leveldb.create_if_missing = true;
    CREDLEDGER_ASSIGN_OR_RETURN(auto store, OpenLevelDbStore(staging, leveldb));
    LedgerOptions staged = options.ledger;
    staged.head_record_path.clear();
    CREDLEDGER_RETURN_IF_ERROR(make(std::move(store), staged));
  }  // closed: LevelDB names its files by the directory's path
  CREDLEDGER_RETURN_IF_ERROR(SyncDirectory(staging));
  if (::rename(staging.c_str(), StorePath(dir).c_str()) != 0) {
    return Status::Unavailable("cannot rename " + staging + " to " + StorePath(dir) + ": " +
                               std::strerror(errno));
  }
  return SyncDirectory(dir);
}

// A new ledger with `genesis` as entry 0 (empty: an untyped ledger), made by StageStore.
Result<std::unique_ptr<Ledger>> CreateStore(const std::string& dir, crypto::PrivateKey key,
                                            const std::string& origin,
                                            merkle::HashAlgorithm tree_hash, std::string genesis,
                                            const DataDirOptions& options) {
  CREDLEDGER_RETURN_IF_ERROR(
      StageStore(dir, options, [&](std::unique_ptr<Store> store, const LedgerOptions& staged) {
        return Ledger::Create(std::move(store), std::move(key), origin, tree_hash,
                              std::move(genesis), staged)
            .status();
      }));
  DataDirOptions reopen = options;
  reopen.node_key_path = options.node_key_path.value_or(DefaultNodeKeyPath(dir));
  return OpenLedgerInDir(dir, reopen);
}

// The LevelDB store in `dir`, opened to serve a ledger.
Result<std::unique_ptr<Store>> OpenStoreInDir(const std::string& dir,
                                              const DataDirOptions& options) {
  if (!std::filesystem::exists(StorePath(dir))) {
    return Status::NotFound("no ledger in " + dir + " (run `ledgerctl init --data " + dir + "`)");
  }
  LevelDbOptions leveldb = options.leveldb;
  leveldb.create_if_missing = false;
  // A damaged file is named at start, not by whichever request first reads it.
  leveldb.check_files = LevelDbOptions::FileCheck::kNew;
  leveldb.describe_key = format::DescribeKey;
  return OpenLevelDbStore(StorePath(dir), leveldb);
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  const std::string path = dir + "/ledgerd.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    [[maybe_unused]] ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Status::FailedPrecondition(dir + " is in use by another process (pid " +
                                        std::string(holder) + ", holding " + path + ")");
    }
    return Status::Unavailable("cannot lock " + path + ": " + std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message another process gives; the lock holds without it.
  }
  return DataDirLock(fd);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::Unavailable("cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Unavailable("error reading " + path);
  return ss.str();
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable(std::string("cannot write: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  if (Status written = WriteAll(fd, data); !written.ok()) {
    ::close(fd);
    return written.WithContext(tmp);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::Unavailable("cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot rename " + tmp + " to " + path + ": " +
                               std::strerror(errno));
  }
  // The rename is durable once the directory is.
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return SyncDirectory(parent.empty() ? "." : parent);
}

Result<crypto::PrivateKey> LoadNodeKey(const std::string& path) {
  auto pem = ReadFileToString(path);
  if (!pem.ok()) return pem.status().WithContext("node key");
  auto key = crypto::PrivateKey::FromPem(*pem);
  if (!key.ok()) return key.status().WithContext("node key " + path);
  return key;
}

Result<crypto::PrivateKey> LoadOrCreateNodeKey(const std::string& path) {
  Result<crypto::PrivateKey> key = LoadNodeKey(path);
  if (key.status().code() != StatusCode::kNotFound) return key;
  key = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  if (!key.ok()) return key.status();
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(path, key->ToPem(), 0600));
  return key;
}

Result<std::unique_ptr<Ledger>> CreateLedgerInDir(const std::string& dir, const std::string& origin,
                                                  merkle::HashAlgorithm tree_hash,
                                                  const DataDirOptions& options) {
  if (!IsValidNoteKeyName(origin)) {
    return Status::InvalidArgument("origin \"" + origin +
                                   "\" is not a valid note key name (UTF-8, no spaces, no '+')");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  if (std::filesystem::exists(StorePath(dir))) {
    return Status::AlreadyExists(dir + " already holds a ledger store");
  }
  std::string key_path = options.node_key_path.value_or(DefaultNodeKeyPath(dir));
  Result<crypto::PrivateKey> key = LoadOrCreateNodeKey(key_path);
  if (!key.ok()) return key.status();
  return CreateLedgerWithFirstEntry(dir, std::move(*key), origin, tree_hash, {}, options);
}

Result<std::unique_ptr<Ledger>> CreateLedgerWithFirstEntry(
    const std::string& dir, crypto::PrivateKey node_key, const std::string& origin,
    merkle::HashAlgorithm tree_hash, std::string first_entry, const DataDirOptions& options) {
  if (!IsValidNoteKeyName(origin)) {
    return Status::InvalidArgument("origin \"" + origin +
                                   "\" is not a valid note key name (UTF-8, no spaces, no '+')");
  }
  if (std::filesystem::exists(StorePath(dir))) {
    return Status::AlreadyExists(dir + " already holds a ledger store");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  return CreateStore(dir, std::move(node_key), origin, tree_hash, std::move(first_entry), options);
}

Result<std::unique_ptr<Ledger>> OpenLedgerInDir(const std::string& dir,
                                                const DataDirOptions& options) {
  if (!std::filesystem::exists(StorePath(dir))) {
    return Status::NotFound("no ledger in " + dir + " (run `ledgerctl init --data " + dir + "`)");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                              LoadNodeKey(options.node_key_path.value_or(DefaultNodeKeyPath(dir))));
  CREDLEDGER_ASSIGN_OR_RETURN(auto store, OpenStoreInDir(dir, options));
  return Ledger::Open(std::move(store), std::move(key), LedgerOptionsFor(dir, options));
}

Result<std::unique_ptr<Ledger>> CreateFollowerInDir(const std::string& dir, LedgerParams params,
                                                    std::string genesis_entry,
                                                    const BlockHeader& genesis_block,
                                                    const DataDirOptions& options) {
  if (std::filesystem::exists(StorePath(dir))) {
    return Status::AlreadyExists(dir + " already holds a ledger store");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  CREDLEDGER_RETURN_IF_ERROR(
      StageStore(dir, options, [&](std::unique_ptr<Store> store, const LedgerOptions& staged) {
        return Ledger::CreateFollower(std::move(store), std::move(params), std::move(genesis_entry),
                                      genesis_block, staged)
            .status();
      }));
  return OpenFollowerInDir(dir, options);
}

Result<std::unique_ptr<Ledger>> OpenFollowerInDir(const std::string& dir,
                                                  const DataDirOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(auto store, OpenStoreInDir(dir, options));
  return Ledger::OpenFollower(std::move(store), LedgerOptionsFor(dir, options));
}

}  // namespace credledger
