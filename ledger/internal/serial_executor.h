// SerialExecutor: one thread that runs posted tasks one at a time, in posting order.
// Destruction runs every task already posted, then joins.
// Thread-safety: Post may be called from any thread.
#ifndef CREDLEDGER_LEDGER_INTERNAL_SERIAL_EXECUTOR_H_
#define CREDLEDGER_LEDGER_INTERNAL_SERIAL_EXECUTOR_H_

#include <pthread.h>

#include <deque>
#include <functional>
#include <thread>

#include "crypto/mutex.h"

namespace credledger::internal {

class SerialExecutor {
 public:
  // `name` (at most 15 characters) names the thread for top -H, perf and gdb.
  explicit SerialExecutor(const char* name)
      : thread_([this, name] {
          pthread_setname_np(pthread_self(), name);
          Loop();
        }) {}
  ~SerialExecutor() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.Signal();
    thread_.join();
  }
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // std::move_only_function is C++23; a shared wrapper lets move-only callables through.
  template <typename F>
  void Post(F&& task) {
    auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(task));
    {
      MutexLock lock(mu_);
      tasks_.emplace_back([shared] { (*shared)(); });
    }
    cv_.Signal();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> task;
      {
        MutexLock lock(mu_);
        while (!stopping_ && tasks_.empty()) cv_.Wait(mu_);
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started after the members it uses
};

}  // namespace credledger::internal

#endif  // CREDLEDGER_LEDGER_INTERNAL_SERIAL_EXECUTOR_H_
