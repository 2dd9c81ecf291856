// CosignatureCollector: has the node's checkpoints cosigned by its witnesses (C2SP
// tlog-witness, docs/WITNESS.md). Whenever the log has grown, it signs a checkpoint of the
// head and sends it to every witness at once, each with a consistency proof from the last
// size that witness cosigned (learnt from its answers: a 409 names it). Each cosignature is
// verified under the witness's key before it is kept. A checkpoint cosigned by a quorum of
// witnesses becomes the published one: GET /v1/checkpoint, /tlog/checkpoint, bundles and
// --tlog-dir serve it (receipts carry the head's checkpoint, signed at once).
//
// A witness's refusal other than a stale size (403, 409 with another root, 422) means the
// witness holds a history this node's log does not extend: it is logged as an error with the
// witness's answer, and counted.
//
// Thread-safety: the accessors may be called from any thread.
#ifndef CREDLEDGER_NODE_COSIGNATURES_H_
#define CREDLEDGER_NODE_COSIGNATURES_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/ledger.h"
#include "ledger/witness/cosignature.h"
#include "node/periodic.h"

namespace credledger::node {

struct WitnessEndpoint {
  std::string vkey;  // "<name>+<key id>+<base64(0x04 || key)>"
  std::string url;   // its submission prefix: POST <url>/add-checkpoint
};

// "<witness key> <url>" per line; '#' starts a comment. Errors: InvalidArgument naming the line.
Result<std::vector<WitnessEndpoint>> ReadWitnessEndpoints(const std::string& path);

class CosignatureCollector {
 public:
  struct PublishedCheckpoint {
    uint64_t tree_size = 0;
    std::string note;  // the node's signed note with the cosignature lines
    size_t cosignatures = 0;
  };
  // Logs one event (a refusal, an unreachable witness) with its fields.
  using Event = std::function<void(const std::string& what, const std::string& witness,
                                   const std::string& detail)>;
  // Errors: InvalidArgument for a bad witness key or URL, or a quorum of 0 or above the
  // number of witnesses.
  static Result<std::unique_ptr<CosignatureCollector>> Start(
      const Ledger& ledger, const std::vector<WitnessEndpoint>& witnesses, size_t quorum,
      std::chrono::milliseconds poll, Event event);
  ~CosignatureCollector();  // stops after the round in progress
  CosignatureCollector(const CosignatureCollector&) = delete;
  CosignatureCollector& operator=(const CosignatureCollector&) = delete;

  // The latest checkpoint a quorum cosigned, if any yet.
  std::optional<PublishedCheckpoint> Published() const;
  uint64_t refusals() const { return refusals_.load(); }        // answers other than 200/stale
  uint64_t unreachable() const { return unreachable_.load(); }  // requests that failed
  // Seconds from seeing a tree size to its quorum, for the last published checkpoint.
  double last_quorum_seconds() const { return last_quorum_seconds_.load(); }

 private:
  struct Witness;
  CosignatureCollector(const Ledger& ledger, size_t quorum, Event event);
  void Round();

  const Ledger& ledger_;
  const size_t quorum_;
  const Event event_;
  std::vector<std::unique_ptr<Witness>> witnesses_;
  uint64_t last_round_size_ = 0;  // the collector thread's own
  // Rounds left to ask again, at the same size, the witnesses that answered 503 (not yet: an
  // auditing witness whose follower is behind), so that their cosignatures join the published
  // checkpoint; the collector thread's own.
  int retry_rounds_ = 0;
  std::atomic<uint64_t> refusals_{0}, unreachable_{0};
  std::atomic<double> last_quorum_seconds_{0};
  mutable Mutex published_mu_;
  std::optional<PublishedCheckpoint> published_ GUARDED_BY(published_mu_);
  std::unique_ptr<PeriodicTask> task_;  // started by Start once the witnesses are set
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_COSIGNATURES_H_
