// The on-disk layout of a ledger's data directory, shared by ledgerd and ledgerctl:
//   <dir>/store/         the LevelDB store
//   <dir>/node-key.pem   the node's Ed25519 private key (PKCS#8, mode 0600), unless the
//                        caller keeps the key elsewhere
//   <dir>/head           the head record: the last durable tree size and root
//                        (LedgerOptions::head_record_path), unless the caller sets another
//   <dir>/ledgerd.lock   held (flock) by the one process serving the directory
//   <dir>/store.new      a store being created; renamed to store once whole
// See docs/DESIGN.md ("Data directory").
#ifndef CREDLEDGER_LEDGER_DATA_DIR_H_
#define CREDLEDGER_LEDGER_DATA_DIR_H_

#include <memory>
#include <optional>
#include <string>

#include "ledger/ledger.h"

namespace credledger {

struct DataDirOptions {
  // Where the node key is; default <dir>/node-key.pem.
  std::optional<std::string> node_key_path;
  LedgerOptions ledger;
  LevelDbOptions leveldb;
};

// An exclusive lock on a data directory, held while this object lives: the kernel releases it
// when the process ends, kill -9 included, so it is never stale. Move-only.
class DataDirLock {
 public:
  // Takes the lock on `dir` (created if missing). Errors: FailedPrecondition (another process
  // holds it, naming its pid), Unavailable.
  static Result<DataDirLock> Acquire(const std::string& dir);
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string StorePath(const std::string& dir);
std::string DefaultNodeKeyPath(const std::string& dir);

// Reads a whole file. NotFound if it does not exist, Unavailable on other I/O errors.
Result<std::string> ReadFileToString(const std::string& path);
// Writes all of `data` to file descriptor `fd` (retrying short writes and EINTR). Errors:
// Unavailable with the system's reason.
Status WriteAll(int fd, std::string_view data);
// Makes the renames and removals in directory `dir` durable (fsync). Errors: Unavailable.
Status SyncDirectory(const std::string& dir);
// Writes a file atomically (temporary file, fsync, rename) with permission bits `mode`.
Status WriteFileAtomically(const std::string& path, std::string_view data, unsigned mode);

// The node key at `path`. Errors: NotFound (no file), InvalidArgument (not a PKCS#8 key),
// Unavailable.
Result<crypto::PrivateKey> LoadNodeKey(const std::string& path);
// The node key at `path`; if there is no file there, a new Ed25519 key written to it (0600).
// Errors: those of reading or parsing an existing file (never overwritten), or of writing.
Result<crypto::PrivateKey> LoadOrCreateNodeKey(const std::string& path);

// Creates a new ledger in `dir` (created if missing; must not already hold a store). If no
// key exists at the node key path, generates an Ed25519 key and writes it there (0600).
// Creation is atomic: a crash at any instant leaves no store (so creating again works) or a
// whole one. REQUIRES: no other process creates a ledger in `dir` (see DataDirLock).
Result<std::unique_ptr<Ledger>> CreateLedgerInDir(const std::string& dir, const std::string& origin,
                                                  merkle::HashAlgorithm tree_hash,
                                                  const DataDirOptions& options = {});

// Creates a new ledger in `dir` (created if missing; must not already hold a store) signed
// with `node_key`, whose entry 0 is `first_entry` (the domain's genesis; see
// records::CreateLedgerFromGenesis, which checks it first). Atomic like CreateLedgerInDir.
// Errors: InvalidArgument (origin), AlreadyExists, Unavailable.
Result<std::unique_ptr<Ledger>> CreateLedgerWithFirstEntry(
    const std::string& dir, crypto::PrivateKey node_key, const std::string& origin,
    merkle::HashAlgorithm tree_hash, std::string first_entry, const DataDirOptions& options = {});

// Opens the ledger in `dir` with the node key from the node key path.
Result<std::unique_ptr<Ledger>> OpenLedgerInDir(const std::string& dir,
                                                const DataDirOptions& options = {});

// A follower's ledger (Ledger::CreateFollower) created in `dir`, atomically like
// CreateLedgerInDir; no node key is read or made. Errors: AlreadyExists, those of
// CreateFollower, Unavailable.
Result<std::unique_ptr<Ledger>> CreateFollowerInDir(const std::string& dir, LedgerParams params,
                                                    std::string genesis_entry,
                                                    const BlockHeader& genesis_block,
                                                    const DataDirOptions& options = {});
// Opens the ledger in `dir` as a follower's (Ledger::OpenFollower).
Result<std::unique_ptr<Ledger>> OpenFollowerInDir(const std::string& dir,
                                                  const DataDirOptions& options = {});

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_DATA_DIR_H_
