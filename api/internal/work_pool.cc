#include "api/internal/work_pool.h"

#include <algorithm>
#include <atomic>

namespace credledger::api {

// One ParallelFor call: its chunks are claimed one at a time by whoever runs it (the caller
// and the pool threads it was queued to), so a busy pool never holds the caller up: it takes
// the chunks nobody has claimed itself.
struct WorkPool::Job {
  const std::function<void(size_t)>* work = nullptr;  // valid until every chunk is done
  size_t n = 0, chunk = 1, chunks = 0;
  std::atomic<size_t> next{0};  // the next chunk to claim
  std::atomic<size_t> done{0};  // chunks finished
  Mutex mu;
  CondVar finished;

  void Run() {
    for (size_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      const size_t end = std::min(n, (c + 1) * chunk);
      for (size_t i = c * chunk; i < end; ++i) (*work)(i);
      if (done.fetch_add(1) + 1 == chunks) {
        MutexLock lock(mu);
        finished.SignalAll();
      }
    }
  }
};

WorkPool::WorkPool(unsigned threads) {
  for (unsigned t = 0; t < threads; ++t) threads_.emplace_back([this] { Worker(); });
}

WorkPool::~WorkPool() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  for (std::thread& t : threads_) t.join();
}

void WorkPool::Worker() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) cv_.Wait(mu_);
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->Run();
  }
}

void WorkPool::ParallelFor(size_t n, size_t chunk, const std::function<void(size_t)>& work) {
  if (n == 0) return;
  auto job = std::make_shared<Job>();
  job->work = &work;
  job->n = n;
  job->chunk = std::max<size_t>(chunk, 1);
  job->chunks = (n + job->chunk - 1) / job->chunk;
  const size_t helpers = std::min(threads_.size(), job->chunks - 1);
  if (helpers > 0) {
    {
      MutexLock lock(mu_);
      for (size_t h = 0; h < helpers; ++h) queue_.push_back(job);
    }
    cv_.SignalAll();
  }
  job->Run();
  MutexLock lock(job->mu);
  while (job->done.load() < job->chunks) job->finished.Wait(job->mu);
}

}  // namespace credledger::api
