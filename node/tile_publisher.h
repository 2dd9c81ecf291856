// TilePublisher: keeps a directory holding the log in the C2SP tlog-tiles layout
// (ledger/tlog_tiles.h), for nginx or any web server, cache or CDN to serve as static files:
// at start and then whenever the log has grown, at most once per interval, it takes the
// checkpoint to publish (the head's, or the latest its witnesses cosigned) and brings the
// directory up to it (new tiles and bundles first, the
// checkpoint last). ledgerd --tlog-dir DIR; off by default.
//
// Thread-safety: the accessors may be called from any thread.
#ifndef CREDLEDGER_NODE_TILE_PUBLISHER_H_
#define CREDLEDGER_NODE_TILE_PUBLISHER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "ledger/ledger.h"
#include "ledger/tlog_tiles.h"
#include "node/periodic.h"

namespace credledger::node {

class TilePublisher {
 public:
  // After each write: what it did, or why it failed (it tries again at the next interval).
  using Written = std::function<void(const Result<tlog::StaticWrite>&)>;
  // The signed checkpoint to publish: the head's, or the one the node's witnesses cosigned.
  using CheckpointSource = std::function<Result<std::string>()>;
  // Starts publishing `ledger` (which must outlive this) into `dir`, up to the checkpoints
  // `checkpoint` gives.
  TilePublisher(const Ledger& ledger, CheckpointSource checkpoint, std::string dir,
                std::chrono::milliseconds interval, Written written);
  // Stops, after the write in progress if any.
  ~TilePublisher() = default;  // task_, the last member, goes first
  TilePublisher(const TilePublisher&) = delete;
  TilePublisher& operator=(const TilePublisher&) = delete;

  uint64_t published_size() const { return published_size_.load(); }  // the directory's tree
  uint64_t failures() const { return failures_.load(); }              // writes that failed

 private:
  void Publish();

  const Ledger& ledger_;
  const CheckpointSource checkpoint_;
  const std::string dir_;
  const Written written_;
  std::atomic<uint64_t> published_size_{0}, failures_{0};
  bool published_once_ = false;  // the publishing thread's own
  PeriodicTask task_;            // last: it starts once the rest is set
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_TILE_PUBLISHER_H_
