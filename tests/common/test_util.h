// Small helpers shared by the test binaries.
#ifndef CREDLEDGER_TESTS_TEST_UTIL_H_
#define CREDLEDGER_TESTS_TEST_UTIL_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/encoding.h"

namespace credledger::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "credledger-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command; returns its exit status (0 = success).
inline int Run(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// What a crash test does to its writer: runs `argv` (fork and exec: no state shared with this
// process) with its stdout on a pipe, reads until it has written `lines` lines, waits up to 3
// ms more (random, from `rng`), kills it with SIGKILL and returns everything it wrote, every
// line of which it reported before it died. An empty result with *error set if the writer
// stopped by itself first.
inline std::string KillAfterLines(const std::vector<std::string>& argv, size_t lines,
                                  std::mt19937_64& rng, std::string* error) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  pid_t pid = fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string buffer;
  char chunk[4096];
  while (static_cast<size_t>(std::count(buffer.begin(), buffer.end(), '\n')) < lines) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) {
      int status = 0;
      waitpid(pid, &status, 0);
      close(fds[0]);
      *error = argv[0] + " stopped early, status " + std::to_string(status);
      return {};
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
  usleep(static_cast<useconds_t>(rng() % 3000));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFSIGNALED(status)) *error = argv[0] + " was not killed: status " + std::to_string(status);
  // Drain what it wrote before it died: all of it was acknowledged.
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof chunk)) > 0) buffer.append(chunk, static_cast<size_t>(n));
  close(fds[0]);
  return buffer;
}

inline std::string Hex(std::span<const uint8_t> b) { return crypto::HexEncode(b); }

inline crypto::Bytes Unhex(std::string_view hex) {
  auto r = crypto::HexDecode(hex);
  if (!r.ok()) std::abort();
  return *r;
}

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_TEST_UTIL_H_
