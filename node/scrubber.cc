#include "node/scrubber.h"

namespace credledger::node {

Scrubber::Scrubber(const LogReader& log, Store* store, ScrubberOptions options, PassDone done)
    : log_(log),
      store_(store),
      next_file_check_(std::chrono::steady_clock::now()),
      options_(options),
      done_(std::move(done)) {
  if (options_.entries_per_second > 0) thread_ = std::thread([this] { Run(); });
}

Scrubber::~Scrubber() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

bool Scrubber::SleepUntil(std::chrono::steady_clock::time_point until) {
  while (true) {
    CheckFilesIfDue();
    const auto wake = std::min(until, next_file_check_);
    {
      MutexLock lock(mu_);
      while (!stop_ && cv_.WaitUntil(mu_, wake)) {
      }
      if (stop_) return false;
    }
    if (std::chrono::steady_clock::now() >= until) return true;
  }
}

void Scrubber::CheckFilesIfDue() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_file_check_) return;
  next_file_check_ = now + options_.file_check_interval;
  Status found = store_->CheckNewFiles();
  if (!found.ok()) {
    damage_ = true;
    done_(found, ScrubProgress{}, 0);
  }
}

void Scrubber::Run() {
  using Clock = std::chrono::steady_clock;
  while (true) {
    const auto start = Clock::now();
    checked_ = 0;
    ScrubProgress reached;
    bool stopped = false;
    Status found = ScrubLog(log_, [&](const ScrubProgress& p) {
      reached = p;
      checked_ = p.entries;
      // Paced: entry n of the pass is not read before start + n / rate.
      const auto due =
          start + std::chrono::microseconds(p.entries * 1000000 / options_.entries_per_second);
      stopped = !SleepUntil(due);
      return !stopped;
    });
    if (stopped) return;
    damage_ = !found.ok();
    ++passes_;
    done_(found, reached, std::chrono::duration<double>(Clock::now() - start).count());
    if (!SleepUntil(Clock::now() + options_.pause)) return;
  }
}

}  // namespace credledger::node
