// A real etcd cluster for tests (Debian's etcd-server, installed by scripts/install-deps.sh):
// N members on loopback ports, in a temporary directory, started as child processes and
// stopped by their process ids (never by name: other clusters may run on the machine).
#ifndef CREDLEDGER_TESTS_COMMON_ETCD_UTIL_H_
#define CREDLEDGER_TESTS_COMMON_ETCD_UTIL_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/client/http_client.h"

namespace credledger::testing {

// A loopback port no one listens on now.
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

// Starts `args` (args[0] the binary's path) as a child process whose stdout and stderr are
// appended to `log`: its process id.
inline pid_t Spawn(std::vector<std::string> args, const std::string& log) {
  std::fflush(nullptr);  // else the child's freopen writes out the parent's buffered output
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    FILE* out = freopen(log.c_str(), "a", stdout);
    FILE* err = freopen(log.c_str(), "a", stderr);
    (void)out;
    (void)err;
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

class EtcdCluster {
 public:
  explicit EtcdCluster(int members) {
    char pattern[] = "/tmp/credledger-etcd-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    std::string initial;
    for (int i = 0; i < members; ++i) {
      std::string name = "m";
      name += std::to_string(i);
      members_.push_back({std::move(name), FreePort(), FreePort(), -1});
      if (i > 0) initial += ',';
      initial += members_[i].name;
      initial += "=http://127.0.0.1:";
      initial += std::to_string(members_[i].peer_port);
    }
    initial_cluster_ = initial;
    for (int i = 0; i < members; ++i) Start(i);
    WaitHealthy();
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;
  ~EtcdCluster() {
    for (size_t i = 0; i < members_.size(); ++i) Kill(static_cast<int>(i));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The members' client URLs.
  std::vector<std::string> Endpoints() const {
    std::vector<std::string> out;
    for (const Member& m : members_) out.push_back(ClientUrl(m));
    return out;
  }

  // SIGKILL member `i` (by its process id) and reap it.
  void Kill(int i) {
    Member& m = members_[static_cast<size_t>(i)];
    if (m.pid <= 0) return;
    kill(m.pid, SIGKILL);
    int status = 0;
    waitpid(m.pid, &status, 0);
    m.pid = -1;
  }

  // (Re)starts member `i` on its data directory and ports.
  void Start(int i) {
    Member& m = members_[static_cast<size_t>(i)];
    const std::string data = dir_ + "/" + m.name;
    const std::string client = ClientUrl(m);
    const std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
    const std::string log = dir_ + "/" + m.name + ".log";
    std::vector<std::string> args = {
        "/usr/bin/etcd", "--name=" + m.name, "--data-dir=" + data, "--listen-client-urls=" + client,
        "--advertise-client-urls=" + client, "--listen-peer-urls=" + peer,
        "--initial-advertise-peer-urls=" + peer, "--initial-cluster=" + initial_cluster_,
        "--initial-cluster-token=" + dir_, "--initial-cluster-state=new",
        // Tests fail over in seconds, as production does.
        "--heartbeat-interval=100", "--election-timeout=1000"};
    m.pid = Spawn(std::move(args), log);
  }

  // Waits until a write goes through (the cluster has a leader and a quorum).
  void WaitHealthy(std::chrono::seconds limit = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      for (const std::string& url : Endpoints()) {
        auto http = client::HttpClient::Create(url, "", std::chrono::milliseconds(500));
        if (!http.ok()) continue;
        auto answer = http->Post("/v3/kv/put", "application/json",
                                 R"({"key":"aGVhbHRo","value":"b2s="})");  // health=ok
        if (answer.ok() && answer->status == 200) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("the etcd cluster in " << dir_ << " did not become healthy");
  }

 private:
  struct Member {
    std::string name;
    int client_port, peer_port;
    pid_t pid;
  };
  static std::string ClientUrl(const Member& m) {
    return "http://127.0.0.1:" + std::to_string(m.client_port);
  }

  std::string dir_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_COMMON_ETCD_UTIL_H_
