// A node of a cluster of ledgerd nodes coordinated by etcd (docs/OPERATIONS.md): one leads
// (sequences, signs, acknowledges), the others follow, and any of them that holds the
// cluster's recorded head can take over when the leader dies.
//
// The rule that loses nothing acknowledged and forks nothing signed:
//   1. The leader's ledger passes every block through a ReplicationGate before writing it:
//      the block is staged durably (node/block_stage.h) on the leader and pushed to the
//      followers (POST /v1/cluster/blocks), each of which stages it; once `quorum` nodes hold
//      it, the gate records its head in etcd by compare-and-swap under the leader's term
//      (node/head_record.h). Only then is the block written to the leader's log, and its
//      entries acknowledged and covered by checkpoints.
//   2. A log holds only recorded blocks, so a node never has to cut its log back: blocks
//      never recorded (their leader died or lost its lease first) exist only as staged files,
//      and are dropped.
//   3. A node campaigns for leadership only when it holds the recorded head (in its log, or
//      staged on top of it); once it leads, the recorded head cannot move but by its hand, so
//      it applies its staged blocks up to that head, then opens its ledger to write.
//   4. A leader whose lease runs out by its own clock (node/leadership.h), or whose
//      compare-and-swap fails or cannot be confirmed, writes nothing more (the gate refuses
//      for good) and becomes a follower.
//
// Thread-safety: handler() may be used from any thread; the rest is the node's own.
#ifndef CREDLEDGER_NODE_CLUSTER_H_
#define CREDLEDGER_NODE_CLUSTER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/http.h"
#include "crypto/keys.h"
#include "crypto/mutex.h"
#include "ledger/ledger.h"
#include "node/block_stage.h"

namespace credledger::node {

struct ClusterOptions {
  std::vector<std::string> etcd;                           // the etcd members' client URLs
  std::string key_prefix = "/credledger";                  // the cluster's keys in etcd
  std::string node_id;                                     // this node's name, one of `nodes`
  std::vector<std::pair<std::string, std::string>> nodes;  // every node: name, API URL
  size_t quorum = 0;  // nodes that must hold a block before it is recorded; 0: a majority
  std::chrono::seconds lease_ttl{2};
  // How long a leader waits for followers to stage a block before the block's writes fail.
  std::chrono::milliseconds push_timeout{2000};
  std::string ca_file;  // PEM CAs for https nodes; "": the system's
};

// One role's serving parts, built by ledgerd (node/node.cc): a ledger and the API over it.
class ServingStack {
 public:
  virtual ~ServingStack() = default;
  virtual Ledger& ledger() = 0;
  virtual api::RequestHandler& handler() = 0;
  // A follower's: copies from `leader_url` from now on (empty: from none).
  virtual Status Follow(const std::string& leader_url) = 0;
};

class ClusterNode;

// How ledgerd builds a role's stack. Each is given the cluster node, which outlives it (for
// its API's redirects to the leader, ClusterNode::LeaderUrl, and its metrics).
struct StackFactory {
  // A follower's stack over the data dir's ledger, copying from `leader_url`; its ledger made
  // from that leader's genesis if the data dir has none (then `leader_url` is not empty).
  std::function<Result<std::unique_ptr<ServingStack>>(const ClusterNode& cluster,
                                                      const std::string& leader_url)>
      follower;
  // The leader's: the data dir's ledger opened with the node key, `gate` installed.
  std::function<Result<std::unique_ptr<ServingStack>>(const ClusterNode& cluster,
                                                      std::shared_ptr<BlockGate> gate)>
      leader;
};

struct ClusterStatus {
  bool leader = false;
  int64_t term = 0;              // this node's term while it leads
  std::string leader_url;        // who leads, as last seen ("": none)
  uint64_t recorded_height = 0;  // the cluster's recorded head, as last read
  uint64_t staged_blocks = 0;    // blocks staged and not yet in the log
  uint64_t log_height = 0;       // this node's log's last block
  uint64_t gate_refusals = 0;    // blocks a quorum did not hold in time (a leader's)
  uint64_t takeovers = 0;        // times this node took over
  bool etcd_reachable = false;   // the last step reached etcd
  double lease_seconds = 0;      // a leader's: until its lease's deadline by its own clock
};

class ClusterNode {
 public:
  // Starts the node as a follower (with a stack if its data dir holds a ledger), then takes
  // part in elections. `node_key` is the ledger's (every node holds it: any may lead);
  // `stage_dir` where blocks are staged. `log` receives the node's events.
  static Result<std::unique_ptr<ClusterNode>> Start(
      ClusterOptions options, crypto::PrivateKey node_key, const std::string& stage_dir,
      StackFactory factory,
      std::function<void(const std::string& what, const std::string& detail)> log);
  ~ClusterNode();  // resigns if it leads; stops the stack

  // Serves the API of the current role's stack (503 while there is none) and the nodes'
  // own route, POST /v1/cluster/blocks.
  api::RequestHandler& handler();
  ClusterStatus status() const;
  // Who leads now, as last seen: its URL, or "" (for a follower's redirects).
  std::string LeaderUrl() const;

  struct Impl;

 private:
  explicit ClusterNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_CLUSTER_H_
