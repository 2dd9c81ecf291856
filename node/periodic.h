// PeriodicTask: runs a step on a thread of its own, at once and then every interval, until it
// is destroyed (the background work of a node: the static tiles, the witnesses' rounds).
//
// Thread-safety: the destructor may run on any thread but the task's own.
#ifndef CREDLEDGER_NODE_PERIODIC_H_
#define CREDLEDGER_NODE_PERIODIC_H_

#include <chrono>
#include <functional>
#include <thread>

#include "crypto/mutex.h"

namespace credledger::node {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> step)
      : interval_(interval), step_(std::move(step)), thread_([this] { Run(); }) {}
  // Stops: waits for the step in progress, if any; no step starts after.
  ~PeriodicTask() {
    {
      MutexLock lock(mu_);
      stop_ = true;
    }
    cv_.SignalAll();
    thread_.join();
  }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void Run() {
    while (true) {
      step_();
      MutexLock lock(mu_);
      const auto wake = std::chrono::steady_clock::now() + interval_;
      while (!stop_ && cv_.WaitUntil(mu_, wake)) {
      }
      if (stop_) return;
    }
  }

  const std::chrono::milliseconds interval_;
  const std::function<void()> step_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: it starts once the rest is set
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_PERIODIC_H_
