// WorkPool: a fixed set of threads that, with the calling thread, run the independent items of
// one request (the entries of a batch: each validated and signature-checked) across all
// cores, so that one large batch does not run on one core while the others idle.
//
// Thread-safety: ParallelFor may be called from any number of threads at once; each call's
// items are shared out among its caller and whichever pool threads are free.
#ifndef CREDLEDGER_API_INTERNAL_WORK_POOL_H_
#define CREDLEDGER_API_INTERNAL_WORK_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "crypto/mutex.h"

namespace credledger::api {

class WorkPool {
 public:
  // `threads` workers besides the callers (0: none; ParallelFor then runs on the caller).
  explicit WorkPool(unsigned threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Calls work(i) for every i in [0, n), in chunks of `chunk` consecutive items, on the
  // calling thread and on free pool threads, and returns once every call has returned.
  // `work` must not throw, and may run concurrently for different i.
  void ParallelFor(size_t n, size_t chunk, const std::function<void(size_t)>& work);

 private:
  struct Job;
  void Worker();

  Mutex mu_;
  CondVar cv_;
  std::deque<std::shared_ptr<Job>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_WORK_POOL_H_
