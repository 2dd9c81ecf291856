// Scrubber: ledgerd's background scrub. Reads the whole log back, paced, checking it as
// `ledgerctl fsck` does (ledger/scrub.h), pass after pass, so that damage start-up does not
// look for (an entry altered on disk, a tile or block damaged after it was written) is found
// while the node serves, not by the first request that lands on it. Every minute it also reads
// through the store files written since (Store::CheckNewFiles), which keeps the file check of
// the next start down to the last minute's writes. Progress and findings go to metrics and
// the log.
//
// Thread-safety: the accessors may be called from any thread.
#ifndef CREDLEDGER_NODE_SCRUBBER_H_
#define CREDLEDGER_NODE_SCRUBBER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "crypto/mutex.h"
#include "ledger/scrub.h"

namespace credledger::node {

struct ScrubberOptions {
  // Entries checked per second at most (one store read and one hash each). 0: no scrub.
  uint64_t entries_per_second = 5000;
  // Rest between the end of one pass and the start of the next.
  std::chrono::seconds pause{3600};
  // How often the files written since the last look are read through.
  std::chrono::seconds file_check_interval{60};
};

class Scrubber {
 public:
  // After each pass: what it found (OK, or the damage), how far it got, how long it took;
  // and with the damage when a file check finds some (zero progress).
  using PassDone = std::function<void(const Status&, const ScrubProgress&, double seconds)>;
  // Starts scrubbing `log` and the files of `store` (its store; both must outlive this)
  // unless entries_per_second is 0.
  Scrubber(const LogReader& log, Store* store, ScrubberOptions options, PassDone done);
  // Stops at once, mid-pass if need be.
  ~Scrubber();
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  uint64_t entries_checked() const { return checked_.load(); }  // in the current pass
  uint64_t passes() const { return passes_.load(); }            // completed
  bool damage_found() const { return damage_.load(); }          // by the last completed pass

 private:
  void Run();
  // Sleeps until `until` or a stop, checking new files when due; false if stopped.
  bool SleepUntil(std::chrono::steady_clock::time_point until);
  void CheckFilesIfDue();

  const LogReader& log_;
  Store* const store_;
  std::chrono::steady_clock::time_point next_file_check_;
  const ScrubberOptions options_;
  const PassDone done_;
  std::atomic<uint64_t> checked_{0}, passes_{0};
  std::atomic<bool> damage_{false};
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_SCRUBBER_H_
