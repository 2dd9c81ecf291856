// The cluster's recorded head in etcd (docs/OPERATIONS.md): the last block a leader made
// durable on a quorum of nodes, as <prefix>/head = {"height", "tree_size", "root",
// "block_hash", "term"}. A leader acknowledges entries and signs checkpoints only for heads it
// has recorded, and records a head only by compare-and-swap: the head must still be the one
// it read (its etcd mod revision), and the leader key must still be the one it created (its
// term). So two leaders can never both record a head, and a failover can never produce a
// signed fork: the next leader starts from the recorded head.
//
// Thread-compatible.
#ifndef CREDLEDGER_NODE_HEAD_RECORD_H_
#define CREDLEDGER_NODE_HEAD_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "node/etcd.h"

namespace credledger::node {

struct RecordedHead {
  uint64_t height = 0;
  uint64_t tree_size = 0;
  std::string root;        // 64 lowercase hex digits
  std::string block_hash;  // 64 lowercase hex digits
  int64_t term = 0;        // of the leader that recorded it
  int64_t revision = 0;    // its etcd mod revision (set by Read; compared by Advance)
};

class HeadRecord {
 public:
  // `key_prefix` as the cluster's Leadership's; `leader_key` its leader key.
  HeadRecord(EtcdClient etcd, const std::string& key_prefix, std::string leader_key);

  // The recorded head, if any. Errors: Unavailable; DataLoss (the key holds no head).
  Result<std::optional<RecordedHead>> Read();
  // Records `next` in place of `previous` (as Read returned it; none: no head yet), for the
  // leader of `term`: the head as recorded (its term and revision set, to pass as `previous`
  // next time). `next` must grow the log (a greater height and tree size). Advancing again to
  // a head already recorded (an earlier answer lost) succeeds. Errors:
  // InvalidArgument (it does not grow); FailedPrecondition (the head moved, or another node
  // leads: this node must stop acting as leader); Unavailable (etcd did not confirm: the head
  // may or may not have been recorded, and Read says which).
  Result<RecordedHead> Advance(const std::optional<RecordedHead>& previous,
                               const RecordedHead& next, int64_t term);

  const std::string& key() const { return key_; }

 private:
  EtcdClient etcd_;
  const std::string key_;
  const std::string leader_key_;
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_HEAD_RECORD_H_
