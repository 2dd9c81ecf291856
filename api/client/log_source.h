// Where a verifier reads a log from: a node over HTTP, or a stopped node's store. The audit
// (audit.h) replays either from genesis; a follower will copy from the first.
//
// Thread-compatible.
#ifndef CREDLEDGER_API_CLIENT_LOG_SOURCE_H_
#define CREDLEDGER_API_CLIENT_LOG_SOURCE_H_

#include <memory>
#include <string>

#include "api/client/http_client.h"
#include "ledger/checkpoint.h"
#include "ledger/store.h"

namespace credledger::client {

class LogSource {
 public:
  virtual ~LogSource() = default;
  // The size and root a verifier must reach, checked under `verifier`'s key. Errors:
  // DataLoss (it does not verify), Unavailable (cannot read it).
  virtual Result<Checkpoint> Target(const NoteVerifier& verifier) = 0;
  // The bytes of entry `index` (its leaf). Errors: DataLoss, Unavailable, NotFound.
  virtual Result<std::string> Entry(uint64_t index) = 0;
  // The text of block `height`'s header (ledger/block.h).
  virtual Result<std::string> Block(uint64_t height) = 0;
  // What vouches for the target, for messages ("the node's signed checkpoint").
  virtual std::string TargetName() const = 0;
};

// A node's log over its API: the target is its signed checkpoint (GET /v1/checkpoint).
class HttpLogSource : public LogSource {
 public:
  explicit HttpLogSource(HttpClient client) : client_(std::move(client)) {}
  Result<Checkpoint> Target(const NoteVerifier& verifier) override;
  Result<std::string> Entry(uint64_t index) override;
  Result<std::string> Block(uint64_t height) override;
  std::string TargetName() const override { return "the node's signed checkpoint"; }

 private:
  HttpClient client_;
};

// A store read directly, not through Ledger (whose checks are what is being verified), so its
// node must be stopped. The target is the head block, whose signature vouches for it.
class StoreLogSource : public LogSource {
 public:
  explicit StoreLogSource(std::unique_ptr<Store> store) : store_(std::move(store)) {}
  Result<Checkpoint> Target(const NoteVerifier& verifier) override;
  Result<std::string> Entry(uint64_t index) override;
  Result<std::string> Block(uint64_t height) override;
  std::string TargetName() const override { return "the head block's signature"; }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace credledger::client

#endif  // CREDLEDGER_API_CLIENT_LOG_SOURCE_H_
