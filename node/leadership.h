// Which node of a cluster leads a ledger (sequences, signs and acknowledges), decided through
// etcd (docs/OPERATIONS.md), as Trillian elects its signers: the leader is the node that
// created the key <prefix>/leader, attached to a lease of its own that it keeps renewing.
// When the leader dies or is cut off, its lease expires in etcd, the key goes with it, and
// another node creates it.
//
// Fencing. A leader must stop acting before etcd can make another node leader, whatever
// happens to it (a pause, a cut cable, a slow disk). So a node counts its lease's expiry from
// the moment it *sent* the grant or the last successful renewal (etcd starts the TTL later,
// when it handles the request) minus a margin for clock-rate differences, and IsLeader()
// answers no from that deadline on, even if nothing has told it that it lost. A paused leader
// that wakes up finds its deadline past before it does anything. Beyond IsLeader(), every
// change a leader makes in etcd compares term() (the leader key's create revision): a write by
// a leader that has been replaced fails its comparison.
//
// Thread-safety: Step, Leader and Resign from one thread (the node's election loop);
// IsLeader and term from any thread.
#ifndef CREDLEDGER_NODE_LEADERSHIP_H_
#define CREDLEDGER_NODE_LEADERSHIP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "node/etcd.h"

namespace credledger::node {

struct LeadershipOptions {
  std::string key_prefix;  // the cluster's keys: "/credledger/<origin>"
  std::string node_id;     // this node's name in the cluster
  std::string url;         // where this node serves its API (for redirects to the leader)
  std::chrono::seconds ttl{3};
  // Subtracted from the lease's deadline: covers clocks that run at slightly different rates.
  std::chrono::milliseconds margin{500};
};

struct LeaderInfo {
  std::string node_id, url;
  int64_t term = 0;  // the leader key's create revision
};

class Leadership {
 public:
  using Clock = std::chrono::steady_clock;

  Leadership(EtcdClient etcd, LeadershipOptions options);

  // One step, every ttl / 3 or so: a leader renews its lease; a candidate makes sure it has a
  // lease and creates the leader key if there is none. Returns whether this node leads after
  // it. Errors: Unavailable (etcd did not answer: a leader keeps leading until its deadline).
  Result<bool> Step();
  // Whether this node may act as the leader at `now`.
  bool IsLeader(Clock::time_point now = Clock::now()) const;
  // Until when this node may act as the leader, by its own clock (in the past: it does not).
  Clock::time_point Deadline() const {
    return Clock::time_point(Clock::duration(deadline_.load()));
  }
  // The term this node leads in (the leader key's create revision); 0 when it does not lead.
  int64_t term() const { return term_.load(); }
  // Who leads, as etcd says now.
  Result<std::optional<LeaderInfo>> Leader();
  // Gives leadership up at once (revokes the lease, deleting the leader key).
  Status Resign();

  const std::string& leader_key() const { return leader_key_; }

 private:
  Status Renew();

  EtcdClient etcd_;
  const LeadershipOptions options_;
  const std::string leader_key_;
  int64_t lease_ = 0;
  std::atomic<int64_t> term_{0};
  std::atomic<Clock::rep> deadline_{0};  // steady-clock ticks; leads while now < deadline
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_LEADERSHIP_H_
