// Mutexes that clang's thread-safety analysis (-Wthread-safety) understands, and the
// annotations that name what they guard, in the style of abseil and LevelDB's port/:
//
//   Mutex mu_;
//   std::deque<Task> tasks_ GUARDED_BY(mu_);
//   void Drain() REQUIRES(mu_);
//   { MutexLock lock(mu_); tasks_.push_back(t); }
//
// libstdc++'s std::mutex carries no capability attribute, so the analysis cannot see it; these
// thin wrappers (no cost over the std types they hold) can. Under GCC the annotations expand
// to nothing. They live in crypto/, the base module, because every module uses them.
#ifndef CREDLEDGER_CRYPTO_MUTEX_H_
#define CREDLEDGER_CRYPTO_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define CREDLEDGER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CREDLEDGER_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) CREDLEDGER_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY CREDLEDGER_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CREDLEDGER_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CREDLEDGER_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) CREDLEDGER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CREDLEDGER_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) CREDLEDGER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CREDLEDGER_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) CREDLEDGER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CREDLEDGER_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CREDLEDGER_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define EXCLUDES(...) CREDLEDGER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) CREDLEDGER_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS CREDLEDGER_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace credledger {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Many readers or one writer.
class CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  void LockShared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds `mu` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Holds `mu` exclusively for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterLock() RELEASE() { mu_.Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds `mu` shared for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderLock() RELEASE_GENERIC() { mu_.UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

// A condition variable for Mutex. Wait releases the mutex while it blocks and holds it again
// when it returns, so to the analysis the caller holds it throughout (REQUIRES). Waits can wake
// spuriously: wait in a loop on the condition, written in the caller, where the analysis
// checks its reads (a predicate lambda would hide them from it):
//   while (tasks_.empty() && !stopping_) cv_.Wait(mu_);
//   while (queue.size() < n && cv.WaitUntil(mu, deadline)) {}
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False once `deadline` has passed.
  template <class Clock, class Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline) REQUIRES(mu) {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    const bool in_time = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return in_time;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace credledger

#endif  // CREDLEDGER_CRYPTO_MUTEX_H_
