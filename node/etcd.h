// A client of etcd's v3 API through its JSON gateway (POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/...; keys and values travel base64-encoded, 64-bit numbers as decimal strings):
// what a cluster of ledgerd nodes needs of etcd (docs/OPERATIONS.md): reads, compare-and-swap
// transactions, and leases. No client library: Debian ships none for C++, and the gateway is
// part of every etcd server.
//
// The client knows every member's URL and talks to one at a time; a request a member cannot
// answer (it is down, cut off, or has lost the cluster's quorum) is tried on the next member,
// each within `timeout`, and fails with Unavailable only when none answered. A transaction is
// safe to retry only because every one a node sends compares what it replaces: a repeated
// one fails its comparison.
//
// Thread-compatible: one client per thread.
#ifndef CREDLEDGER_NODE_ETCD_H_
#define CREDLEDGER_NODE_ETCD_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/client/http_client.h"
#include "crypto/status.h"

namespace credledger::node {

struct EtcdKeyValue {
  std::string key, value;
  int64_t create_revision = 0;  // the revision that created the key (0: it does not exist)
  int64_t mod_revision = 0;     // the revision that last changed it
  int64_t version = 0;          // changes since it was created
  int64_t lease = 0;            // the lease it is attached to (0: none)
};

// One comparison of a transaction: `key`'s `target` against `number` (revisions, version,
// lease) or `value`.
struct EtcdCompare {
  enum class Target { kCreateRevision, kModRevision, kVersion, kValue, kLease };
  enum class Result { kEqual, kNotEqual, kGreater, kLess };
  std::string key{};
  Target target = Target::kCreateRevision;
  Result result = Result::kEqual;
  int64_t number = 0;
  std::string value{};
};

// One operation of a transaction.
struct EtcdOp {
  enum class Kind { kPut, kGet, kDelete };
  Kind kind = Kind::kGet;
  std::string key{};
  std::string value{};  // kPut only
  int64_t lease = 0;    // kPut: attach the key to this lease (0: none)
};

struct EtcdTxnResult {
  bool succeeded = false;  // the comparisons held, so the success operations ran
  int64_t revision = 0;    // the store's revision after the transaction
  // For each kGet of the operations that ran, in order: the key, if it exists.
  std::vector<std::optional<EtcdKeyValue>> gets;
};

class EtcdClient {
 public:
  // `endpoints`: the members' client URLs ("http://127.0.0.1:2379"). Errors: InvalidArgument
  // (none given, or a malformed URL).
  static Result<EtcdClient> Create(const std::vector<std::string>& endpoints,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // The key, if it exists.
  Result<std::optional<EtcdKeyValue>> Get(const std::string& key);
  // If every comparison holds, `success`, else `failure`, atomically.
  Result<EtcdTxnResult> Txn(const std::vector<EtcdCompare>& compares,
                            const std::vector<EtcdOp>& success,
                            const std::vector<EtcdOp>& failure = {});
  // Grants a lease of `ttl`: its id. Keys attached to it are deleted when it expires.
  Result<int64_t> GrantLease(std::chrono::seconds ttl);
  // Renews lease `id` to its full TTL: the TTL it now has. NotFound if it has expired (or was
  // revoked): what was attached to it is gone.
  Result<int64_t> KeepAlive(int64_t id);
  // Revokes lease `id` (deleting what is attached to it). NotFound if it had expired.
  Status Revoke(int64_t id);

 private:
  struct Member {
    std::string url;
    client::HttpClient http;
  };
  explicit EtcdClient(std::vector<Member> members) : members_(std::move(members)) {}
  // POSTs `body` to `path` on the current member, then on each other until one answers: the
  // answer's JSON text. Errors: Unavailable (no member answered), or the one etcd gave.
  Result<std::string> Call(const std::string& path, const std::string& body);

  std::vector<Member> members_;
  size_t current_ = 0;
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_ETCD_H_
