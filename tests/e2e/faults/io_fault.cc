// io_fault: an LD_PRELOAD library that makes the disk under a directory fail on demand, so
// that a real ledgerd, with its real LevelDB, meets a full disk or a failing device.
//
//   IO_FAULT_DIR   faults hit only files under this directory (the node's store)
//   IO_FAULT_FILE  while this file exists, its first word says what fails:
//                    enospc  a full disk: the first write after the fault begins stores
//                            half its bytes (a short count, as the kernel does when the disk
//                            fills in the middle of it); every later write, and
//                            preallocation, fails with ENOSPC
//                    eio     every fsync and fdatasync fails with EIO (a failing device; the
//                            written bytes stay in the page cache, as Linux does)
//   IO_FAULT_CRASH_AT=N
//                  the process kills itself (SIGKILL, as kill -9 would) at its Nth call that
//                  changes files, before it acts: write, pwrite, writev, fsync, fdatasync,
//                  rename, mkdir, unlink, rmdir, on any file (IO_FAULT_DIR does not apply).
//                  Stepping N through 1, 2, 3... crashes a program at each of its steps on
//                  disk in turn (tests/e2e/dev_start_test.sh).
//
// No privileges are needed, unlike a loop-mounted or size-limited tmpfs data dir, and the
// fault is switched on and off between two requests.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum class Fault { kNone, kNoSpace, kIoError };

Fault CurrentFault() {
  const char* control = std::getenv("IO_FAULT_FILE");
  if (control == nullptr) return Fault::kNone;
  const int saved = errno;
  // Raw syscalls: the interposed ones would recurse.
  int fd = ::open(control, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    errno = saved;
    return Fault::kNone;
  }
  char word[16] = {};
  const ssize_t n = ::read(fd, word, sizeof(word) - 1);
  ::close(fd);
  errno = saved;
  if (n >= 6 && std::strncmp(word, "enospc", 6) == 0) return Fault::kNoSpace;
  if (n >= 3 && std::strncmp(word, "eio", 3) == 0) return Fault::kIoError;
  return Fault::kNone;
}

// Whether `fd` is a file under IO_FAULT_DIR.
bool UnderFaultDir(int fd) {
  const char* dir = std::getenv("IO_FAULT_DIR");
  if (dir == nullptr || dir[0] == '\0') return false;
  const int saved = errno;
  char link[64];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  char path[4096];
  const ssize_t n = ::readlink(link, path, sizeof(path) - 1);
  errno = saved;
  if (n <= 0) return false;
  path[n] = '\0';
  const size_t len = std::strlen(dir);
  return std::strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

// The fault that applies to an operation of kind `kind` on `fd`, as an errno, or 0.
int FaultFor(int fd, Fault kind) {
  if (CurrentFault() != kind || !UnderFaultDir(fd)) return 0;
  return kind == Fault::kNoSpace ? ENOSPC : EIO;
}

// Set once the write that filled the disk has stored its half; cleared when the disk has room.
std::atomic<bool> disk_filled{false};

// For a write of `count` bytes to `fd`: -1 to let it through, else how many bytes to store
// before failing (0: fail at once with ENOSPC).
ssize_t WriteAllowance(int fd, size_t count) {
  if (FaultFor(fd, Fault::kNoSpace) == 0) {
    if (CurrentFault() == Fault::kNone) disk_filled = false;
    return -1;
  }
  if (count > 1 && !disk_filled.exchange(true)) return static_cast<ssize_t>(count / 2);
  return 0;
}

// A write of `count` bytes to `fd` through `write_n(n)`, which writes the first n.
template <typename WriteN>
ssize_t FaultyWrite(int fd, size_t count, WriteN write_n) {
  const ssize_t allowed = WriteAllowance(fd, count);
  if (allowed < 0) return write_n(count);
  if (allowed > 0) return write_n(static_cast<size_t>(allowed));
  errno = ENOSPC;
  return -1;
}

// IO_FAULT_CRASH_AT: counts this call that changes files, and on the Nth kills the process.
void MaybeCrash() {
  static const long crash_at = [] {
    const char* n = std::getenv("IO_FAULT_CRASH_AT");
    return n == nullptr ? 0L : std::strtol(n, nullptr, 10);
  }();
  static std::atomic<long> calls{0};
  if (crash_at > 0 && calls.fetch_add(1) + 1 == crash_at) ::kill(::getpid(), SIGKILL);
}

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  MaybeCrash();
  static auto next = Next<ssize_t (*)(int, const void*, size_t)>("write");
  return FaultyWrite(fd, count, [&](size_t n) { return next(fd, buf, n); });
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  MaybeCrash();
  static auto next = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  return FaultyWrite(fd, count, [&](size_t n) { return next(fd, buf, n, offset); });
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  MaybeCrash();
  static auto next = Next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite64");
  return FaultyWrite(fd, count, [&](size_t n) { return next(fd, buf, n, offset); });
}

// Whole or nothing (LevelDB does not use it; here so that nothing slips past).
ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  MaybeCrash();
  static auto next = Next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  if (int e = FaultFor(fd, Fault::kNoSpace)) {
    errno = e;
    return -1;
  }
  return next(fd, iov, iovcnt);
}

int posix_fallocate(int fd, off_t offset, off_t len) {
  static auto next = Next<int (*)(int, off_t, off_t)>("posix_fallocate");
  if (int e = FaultFor(fd, Fault::kNoSpace)) return e;  // returns the error, not errno
  return next(fd, offset, len);
}

int posix_fallocate64(int fd, off_t offset, off_t len) {
  static auto next = Next<int (*)(int, off_t, off_t)>("posix_fallocate64");
  if (int e = FaultFor(fd, Fault::kNoSpace)) return e;
  return next(fd, offset, len);
}

int fsync(int fd) {
  MaybeCrash();
  static auto next = Next<int (*)(int)>("fsync");
  if (int e = FaultFor(fd, Fault::kIoError)) {
    errno = e;
    return -1;
  }
  return next(fd);
}

int fdatasync(int fd) {
  MaybeCrash();
  static auto next = Next<int (*)(int)>("fdatasync");
  if (int e = FaultFor(fd, Fault::kIoError)) {
    errno = e;
    return -1;
  }
  return next(fd);
}

int rename(const char* from, const char* to) {
  static auto next = Next<int (*)(const char*, const char*)>("rename");
  MaybeCrash();
  return next(from, to);
}

int mkdir(const char* path, mode_t mode) {
  static auto next = Next<int (*)(const char*, mode_t)>("mkdir");
  MaybeCrash();
  return next(path, mode);
}

int unlink(const char* path) {
  static auto next = Next<int (*)(const char*)>("unlink");
  MaybeCrash();
  return next(path);
}

int rmdir(const char* path) {
  static auto next = Next<int (*)(const char*)>("rmdir");
  MaybeCrash();
  return next(path);
}

}  // extern "C"
