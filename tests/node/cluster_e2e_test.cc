// A real cluster: three etcd members and three ledgerd processes on loopback, started and
// stopped by this test by process id (docs/OPERATIONS.md). Signed records are written at once
// by several clients while the leader is killed (-9) at random moments, paused (SIGSTOP), and
// while etcd members die; afterwards every acknowledged entry must be at its receipt's index
// on every node, and every checkpoint handed out must be consistent with the final one, as
// `ledgerctl monitor` checks it.
//
// LEDGERD and LEDGERCTL name the binaries; CREDLEDGER_CLUSTER_CYCLES the kill -9 cycles
// (default 20; 200 by hand).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api/client/http_client.h"
#include "crypto/mutex.h"
#include "etcd_util.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"
#include "node/dev_ledger.h"
#include "node/etcd.h"

using namespace credledger;
using credledger::testing::EtcdCluster;
using credledger::testing::FreePort;
using Clock = std::chrono::steady_clock;

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') FAIL(name << " must name the binary (ctest sets it)");
  return v;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Runs `args` to completion: its exit code.
int Run(std::vector<std::string> args, const std::string& log) {
  const pid_t pid = testing::Spawn(std::move(args), log);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Three ledgerd cluster nodes over a three-member etcd, in a temporary directory. Node 0
// starts with a development ledger; the others with only its node key, and copy the log.
class LedgerCluster {
 public:
  explicit LedgerCluster(int nodes = 3) : etcd_(3) {
    char pattern[] = "/tmp/credledger-cluster-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    std::string list;
    for (int i = 0; i < nodes; ++i) {
      Node n;
      n.id = "n" + std::to_string(i + 1);
      n.port = FreePort();
      n.dir = dir_ + "/" + n.id;
      n.url = "http://127.0.0.1:" + std::to_string(n.port);
      std::filesystem::create_directories(n.dir);
      list += (i > 0 ? "," : "") + n.id + "=" + n.url;
      nodes_.push_back(n);
    }
    nodes_list_ = list;
    for (const std::string& e : etcd_.Endpoints())
      etcd_list_ += (etcd_list_.empty() ? "" : ",") + e;
    {
      auto ledger = node::CreateDevLedger(nodes_[0].dir, DataDirOptions{});
      REQUIRE(ledger.ok());
    }
    for (size_t i = 1; i < nodes_.size(); ++i) {
      std::filesystem::copy_file(nodes_[0].dir + "/node-key.pem", nodes_[i].dir + "/node-key.pem");
    }
    for (size_t i = 0; i < nodes_.size(); ++i) Start(static_cast<int>(i));
  }
  LedgerCluster(const LedgerCluster&) = delete;
  LedgerCluster& operator=(const LedgerCluster&) = delete;
  ~LedgerCluster() {
    for (size_t i = 0; i < nodes_.size(); ++i) Kill(static_cast<int>(i));
    if (std::getenv("CREDLEDGER_KEEP_CLUSTER") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    } else {
      WARN("kept " << dir_);
    }
  }

  void Start(int i) {
    Node& n = nodes_[static_cast<size_t>(i)];
    REQUIRE(n.pid <= 0);
    std::vector<std::string> args = {Env("LEDGERD"),
                                     "--data-dir",
                                     n.dir,
                                     "--port",
                                     std::to_string(n.port),
                                     "--cluster-etcd",
                                     etcd_list_,
                                     "--cluster-nodes",
                                     nodes_list_,
                                     "--node-id",
                                     n.id,
                                     "--scrub-entries-per-second",
                                     "0",
                                     "--follow-poll-ms",
                                     "50",
                                     "--log-format",
                                     "logfmt"};
    n.pid = testing::Spawn(std::move(args), n.dir + ".log");
  }
  // Sends `signal` to node i by its process id; SIGKILL also reaps it.
  void Signal(int i, int signal) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (n.pid <= 0) return;
    kill(n.pid, signal);
    if (signal == SIGKILL) {
      int status = 0;
      waitpid(n.pid, &status, 0);
      n.pid = -1;
    }
  }
  // Stops every node as an operator would (SIGTERM: it resigns if it leads, answers what is
  // in flight and closes its ledger), and checks each exits 0 (under the sanitizers, a leak
  // or an error at shutdown is a non-zero exit).
  void StopAll() {
    for (Node& n : nodes_) {
      if (n.pid > 0) kill(n.pid, SIGTERM);
    }
    for (Node& n : nodes_) {
      if (n.pid <= 0) continue;
      int status = 0;
      const auto until = Clock::now() + std::chrono::seconds(30);
      pid_t done = 0;
      while ((done = waitpid(n.pid, &status, WNOHANG)) == 0 && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      INFO("node " << n.id << " (log " << n.dir << ".log)");
      CHECK(done == n.pid);
      if (done == n.pid) {
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        n.pid = -1;
      }
    }
  }
  void Kill(int i) {
    Signal(i, SIGCONT);  // a stopped process dies at once all the same; be explicit
    Signal(i, SIGKILL);
  }

  // Who leads, as etcd says: the node's index, or -1.
  int Leader() {
    auto etcd = node::EtcdClient::Create(etcd_.Endpoints(), std::chrono::milliseconds(500));
    if (!etcd.ok()) return -1;
    auto key = etcd->Get("/credledger/leader");
    if (!key.ok() || !*key) return -1;
    auto value = ParseJson((*key)->value);
    if (!value.ok()) return -1;
    const std::string id = value->value("node_id", std::string());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].id == id) return static_cast<int>(i);
    }
    return -1;
  }
  // Waits for a leader that takes writes: its index.
  int WaitForLeader(std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      const int leader = Leader();
      if (leader >= 0) {
        auto http = client::HttpClient::Create(nodes_[leader].url, "", std::chrono::seconds(2));
        if (http.ok()) {
          auto ready = http->Get("/readyz");
          if (ready.ok() && ready->status == 200) {
            auto info = http->Get("/v1/node");
            if (info.ok() && info->body.find("\"follows\"") == std::string::npos) return leader;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("no node led within " << limit.count() << " s");
    return -1;
  }

  const std::string& url(int i) const { return nodes_[static_cast<size_t>(i)].url; }
  const std::string& data(int i) const { return nodes_[static_cast<size_t>(i)].dir; }
  int size() const { return static_cast<int>(nodes_.size()); }
  EtcdCluster& etcd() { return etcd_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Node {
    std::string id, url, dir;
    int port = 0;
    pid_t pid = -1;
  };
  EtcdCluster etcd_;
  std::string dir_, nodes_list_, etcd_list_;
  std::vector<Node> nodes_;
};

// One acknowledged write.
struct Ack {
  size_t entry = 0;  // its line in the entries file
  uint64_t index = 0;
  std::string leaf_hash, checkpoint, by;  // `by`: the URL that answered
  bool already_present = false;
  Clock::time_point at;
};

// Clients writing signed entries at once, each to the node it last found leading, following
// a follower's 307 to the leader and retrying an entry whose answer was not an
// acknowledgement (the same entry again: idempotent) until it is acknowledged.
class Writers {
 public:
  Writers(LedgerCluster& cluster, std::vector<std::string> entries, int threads)
      : cluster_(cluster), entries_(std::move(entries)) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { Write(t); });
  }
  ~Writers() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<Ack> acks() const {
    MutexLock lock(mu_);
    return acks_;
  }
  size_t ack_count() const {
    MutexLock lock(mu_);
    return acks_.size();
  }
  uint64_t refused() const { return refused_.load(); }
  // Answers that were neither an acknowledgement nor a 503 (nor a redirect): none expected.
  std::vector<std::string> errors() const {
    MutexLock lock(mu_);
    return errors_;
  }

 private:
  void Write(int thread) {
    std::mt19937 random(static_cast<unsigned>(thread) * 7919u + 1);
    std::string target = cluster_.url(thread % cluster_.size());
    std::map<std::string, client::HttpClient> clients;
    auto client_for = [&](const std::string& url) -> client::HttpClient* {
      auto it = clients.find(url);
      if (it == clients.end()) {
        auto made = client::HttpClient::Create(url, "", std::chrono::seconds(5));
        if (!made.ok()) return nullptr;
        it = clients.emplace(url, std::move(*made)).first;
      }
      return &it->second;
    };
    while (!stop_) {
      const size_t entry = next_.fetch_add(1);
      if (entry >= entries_.size()) return;
      while (!stop_) {
        client::HttpClient* http = client_for(target);
        auto answer = http ? http->Post("/v1/entries", "application/json", entries_[entry])
                           : Result<client::HttpAnswer>(Status::Unavailable("no client"));
        if (answer.ok() && (answer->status == 201 || answer->status == 200)) {
          auto receipt = ParseJson(answer->body);
          MutexLock lock(mu_);
          if (!receipt.ok()) {
            errors_.push_back("entry " + std::to_string(entry) + ": a receipt that does not parse");
            return;
          }
          acks_.push_back({entry, (*receipt)["index"].get<uint64_t>(),
                           (*receipt)["leaf_hash"].get<std::string>(),
                           (*receipt)["checkpoint"].get<std::string>(), target,
                           receipt->value("already_present", false), Clock::now()});
          break;
        }
        if (answer.ok() && answer->status == 307 && !answer->location.empty()) {
          // The leader's URL: the Location less the path.
          target = answer->location.substr(0, answer->location.find('/', 8));
          continue;
        }
        if (answer.ok() && answer->status != 503) {
          // Catch's assertions are for the test's thread: this one reports.
          MutexLock lock(mu_);
          errors_.push_back("entry " + std::to_string(entry) + ": HTTP " +
                            std::to_string(answer->status) + " " + answer->body);
          return;
        }
        ++refused_;
        // Down, fenced or electing: ask another node after a moment.
        std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 80));
        target = cluster_.url(static_cast<int>(random() % static_cast<unsigned>(cluster_.size())));
      }
    }
  }

  LedgerCluster& cluster_;
  const std::vector<std::string> entries_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> refused_{0};
  mutable Mutex mu_;
  std::vector<Ack> acks_ GUARDED_BY(mu_);
  std::vector<std::string> errors_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// `count` signed penalty entries of the development ledger's sz-tax, one per line.
std::vector<std::string> SignedEntries(const LedgerCluster& cluster, size_t count,
                                       const std::string& series) {
  const std::string file = cluster.dir() + "/entries-" + series + ".jsonl";
  REQUIRE(Run({Env("LEDGERCTL"), "bench-entries", "--key", cluster.data(0) + "/dev-keys/sz-tax.pem",
               "--agency", "sz-tax", "--genesis", cluster.data(0) + "/dev-genesis.json", "--out",
               file, "--count", std::to_string(count), "--series", series},
              cluster.dir() + "/ledgerctl.log") == 0);
  std::ifstream in(file);
  std::vector<std::string> entries;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) entries.push_back(line);
  }
  REQUIRE(entries.size() == count);
  return entries;
}

// Waits until every node's log holds at least `tree_size` entries.
void WaitForCopies(LedgerCluster& cluster, uint64_t tree_size) {
  for (int i = 0; i < cluster.size(); ++i) {
    const auto until = Clock::now() + std::chrono::seconds(60);
    uint64_t size = 0;
    while (Clock::now() < until) {
      auto http = client::HttpClient::Create(cluster.url(i), "", std::chrono::seconds(2));
      auto node = http.ok() ? http->Get("/v1/node") : Result<client::HttpAnswer>(http.status());
      if (node.ok() && node->status == 200) {
        size = ParseJson(node->body)->value("tree_size", uint64_t{0});
        if (size >= tree_size) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO("node " << cluster.url(i));
    REQUIRE(size >= tree_size);
  }
}

// Every acknowledged entry, on every node, at its receipt's index; one index per entry.
void CheckAcks(LedgerCluster& cluster, const std::vector<Ack>& acks) {
  std::map<size_t, uint64_t> index_of;
  uint64_t highest = 0;
  for (const Ack& a : acks) {
    auto [it, fresh] = index_of.emplace(a.entry, a.index);
    INFO("entry " << a.entry << " acknowledged at two indexes");
    CHECK(it->second == a.index);
    highest = std::max(highest, a.index);
  }
  WaitForCopies(cluster, highest + 1);
  for (int i = 0; i < cluster.size(); ++i) {
    auto http = client::HttpClient::Create(cluster.url(i), "", std::chrono::seconds(5));
    REQUIRE(http.ok());
    for (const Ack& a : acks) {
      auto got = http->Get("/v1/entries/" + std::to_string(a.index));
      REQUIRE(got.ok());
      INFO("node " << cluster.url(i) << ", index " << a.index);
      REQUIRE(got->status == 200);
      CHECK(ParseJson(got->body)->value("leaf_hash", std::string()) == a.leaf_hash);
    }
  }
}

// Every checkpoint handed out is consistent with the leader's final one: `ledgerctl monitor
// --once`, started from each in turn.
void CheckCheckpoints(LedgerCluster& cluster, int leader, const std::vector<std::string>& notes) {
  auto http = client::HttpClient::Create(cluster.url(leader), "", std::chrono::seconds(5));
  REQUIRE(http.ok());
  auto info = http->GetOk("/v1/node");
  REQUIRE(info.ok());
  const std::string vkey = ParseJson(*info)->value("verifier_key", std::string());
  const std::string state = cluster.dir() + "/monitor.json";
  for (const std::string& note : notes) {
    REQUIRE(
        WriteFileAtomically(state, Json{{"checkpoint", note}, {"tree_hash", "sha256"}}.dump(), 0600)
            .ok());
    INFO("checkpoint " << note);
    CHECK(Run({Env("LEDGERCTL"), "monitor", cluster.url(leader), "--vkey", vkey, "--state", state,
               "--once"},
              cluster.dir() + "/monitor.log") == 0);
  }
}

// Lets the writers write a second, and checks they were acknowledged.
void WarmUp(const Writers& writers) {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  REQUIRE(writers.ack_count() > 0);
}

// Lets the writers write a second more, stops them: what was acknowledged.
std::vector<Ack> FinishWrites(Writers& writers) {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  writers.Stop();
  CHECK(writers.errors() == std::vector<std::string>{});
  return writers.acks();
}

// Every acknowledged entry on every node; the checkpoints handed out (`checkpoints`, and the
// first and last acknowledgements') consistent with the leader's final one; the nodes stopped.
void CheckAndStop(LedgerCluster& cluster, const std::vector<Ack>& acks,
                  std::vector<std::string> checkpoints = {}) {
  REQUIRE(!acks.empty());
  CheckAcks(cluster, acks);
  checkpoints.push_back(acks.front().checkpoint);
  checkpoints.push_back(acks.back().checkpoint);
  CheckCheckpoints(cluster, cluster.WaitForLeader(), checkpoints);
  cluster.StopAll();
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(p * static_cast<double>(values.size()));
  return values[std::min(values.size() - 1, rank)];
}

}  // namespace

TEST_CASE("kill -9 of the leader under signed writes loses no acknowledged entry",
          "[cluster][e2e]") {
  const char* cycles_env = std::getenv("CREDLEDGER_CLUSTER_CYCLES");
  const int cycles = cycles_env ? std::atoi(cycles_env) : 20;
  LedgerCluster cluster;
  int leader = cluster.WaitForLeader();
  const auto entries = SignedEntries(cluster, static_cast<size_t>(cycles) * 400 + 2000, "k");
  Writers writers(cluster, entries, 4);
  std::mt19937 random(20261202);
  std::vector<double> failovers;
  std::vector<std::string> handed_out;  // the latest checkpoint acknowledged before each kill
  for (int cycle = 0; cycle < cycles; ++cycle) {
    // Let writes flow a random while: the kill lands anywhere in the write path.
    const size_t before = writers.ack_count();
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 1200));
    INFO("cycle " << cycle);
    REQUIRE(writers.ack_count() > before);  // the cluster took writes since the last failover
    {
      auto acks = writers.acks();
      if (!acks.empty()) handed_out.push_back(acks.back().checkpoint);
    }
    const auto killed_at = Clock::now();
    const size_t acked_at_kill = writers.ack_count();
    cluster.Kill(leader);
    // Failover: until a write is acknowledged again.
    while (writers.ack_count() == acked_at_kill &&
           Clock::now() - killed_at < std::chrono::seconds(30)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(writers.ack_count() > acked_at_kill);
    failovers.push_back(Seconds(Clock::now() - killed_at));
    cluster.Start(leader);  // it comes back as a follower
    leader = cluster.WaitForLeader();
  }
  const auto acks = FinishWrites(writers);
  WARN(cycles << " kill -9 cycles: " << acks.size() << " entries acknowledged, "
              << writers.refused() << " answers were 503 or no answer (retried); failover p50 "
              << Percentile(failovers, 0.5) << " s, p99 " << Percentile(failovers, 0.99)
              << " s, max " << Percentile(failovers, 1.0) << " s");
  // Liveness, not speed: every failover ends (the loop above waits for the next
  // acknowledgement). How fast is a figure, reported above and measured by hand over 200
  // cycles (docs/OPERATIONS.md): a p99 bound here failed a CI run on a loaded 2-core machine
  // (one failover of 8 s in 20, with crash_kill9 beside it), and speed belongs in benchmarks.
  CHECK(Percentile(failovers, 1.0) < 30.0);
  CheckAndStop(cluster, acks, handed_out);
}

TEST_CASE("a paused leader acknowledges nothing when it wakes, and the cluster carries on",
          "[cluster][e2e]") {
  LedgerCluster cluster;
  const int paused = cluster.WaitForLeader();
  const auto entries = SignedEntries(cluster, 6000, "s");
  Writers writers(cluster, entries, 4);
  WarmUp(writers);
  cluster.Signal(paused, SIGSTOP);
  // Another node takes over and acknowledges writes while the old leader sleeps.
  const auto stopped_at = Clock::now();
  int leader = -1;
  while (Clock::now() - stopped_at < std::chrono::seconds(30)) {
    leader = cluster.Leader();
    if (leader >= 0 && leader != paused) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(leader >= 0);
  REQUIRE(leader != paused);
  const size_t before_wake = writers.ack_count();
  while (writers.ack_count() == before_wake &&
         Clock::now() - stopped_at < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(writers.ack_count() > before_wake);
  const auto woke_at = Clock::now();
  cluster.Signal(paused, SIGCONT);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const size_t after_wake = writers.ack_count();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(writers.ack_count() > after_wake);  // carried on
  const auto acks = FinishWrites(writers);
  // What the woken node answered after it woke may only be blocks it had recorded before it
  // was paused (an answer it had made and not yet sent): nothing at or past the first entry
  // the new leader logged.
  uint64_t first_new = UINT64_MAX;
  for (const Ack& a : acks) {
    if (a.by != cluster.url(paused) && a.at > stopped_at && !a.already_present) {
      first_new = std::min(first_new, a.index);
    }
  }
  REQUIRE(first_new != UINT64_MAX);
  size_t new_by_woken = 0;
  for (const Ack& a : acks) {
    if (a.by == cluster.url(paused) && a.at > woke_at && a.index >= first_new) ++new_by_woken;
  }
  CHECK(new_by_woken == 0);
  // The woken node follows the new leader.
  auto http = client::HttpClient::Create(cluster.url(paused), "", std::chrono::seconds(5));
  REQUIRE(http.ok());
  auto info = http->GetOk("/v1/node");
  REQUIRE(info.ok());
  CHECK(ParseJson(*info)->value("follows", std::string()) == cluster.url(cluster.WaitForLeader()));
  // The docs' curl, sent to that follower, follows its 307 to the leader with the body.
  {
    const std::string entry_file = cluster.dir() + "/one-entry.json";
    REQUIRE(WriteFileAtomically(entry_file, entries.back(), 0600).ok());
    const std::string answer = cluster.dir() + "/curl-answer.json";
    CHECK(Run({"/usr/bin/curl", "-sS", "-L", "-o", answer, "-H", "Content-Type: application/json",
               "--data-binary", "@" + entry_file, "--fail", cluster.url(paused) + "/v1/entries"},
              cluster.dir() + "/curl.log") == 0);
    auto receipt = ReadFileToString(answer);
    REQUIRE(receipt.ok());
    CHECK(receipt->find("\"inclusion_proof\"") != std::string::npos);
  }
  std::vector<std::string> handed_out;
  for (size_t i = 0; i < acks.size(); i += std::max<size_t>(1, acks.size() / 20)) {
    handed_out.push_back(acks[i].checkpoint);
  }
  CheckAndStop(cluster, acks, handed_out);
}

TEST_CASE(
    "etcd: one member lost changes nothing; two stop writes, not reads; restored, "
    "writes resume without loss",
    "[cluster][e2e]") {
  LedgerCluster cluster;
  cluster.WaitForLeader();
  const auto entries = SignedEntries(cluster, 8000, "e");
  Writers writers(cluster, entries, 3);
  WarmUp(writers);
  // One member of three: the others keep etcd's quorum (after its own re-election).
  cluster.etcd().Kill(0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  size_t before = writers.ack_count();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(writers.ack_count() > before);

  // Two of three: no quorum. The leader's lease cannot be renewed: it stops by its deadline.
  cluster.etcd().Kill(1);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  before = writers.ack_count();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(writers.ack_count() == before);
  // Every node: a write is refused with 503 (at the node, or at the leader it points to),
  // and reads and proofs are served.
  for (int i = 0; i < cluster.size(); ++i) {
    INFO("node " << cluster.url(i));
    auto http = client::HttpClient::Create(cluster.url(i), "", std::chrono::seconds(10));
    REQUIRE(http.ok());
    auto write = http->Post("/v1/entries", "application/json", entries.back());
    REQUIRE(write.ok());
    if (write->status == 307) {
      auto leader = client::HttpClient::Create(
          write->location.substr(0, write->location.find('/', 8)), "", std::chrono::seconds(10));
      REQUIRE(leader.ok());
      write = leader->Post("/v1/entries", "application/json", entries.back());
      REQUIRE(write.ok());
    }
    CHECK(write->status == 503);
    CHECK(write->body.find("\"status\":503") != std::string::npos);
    auto checkpoint = http->Get("/v1/checkpoint");
    REQUIRE(checkpoint.ok());
    CHECK(checkpoint->status == 200);
    auto proof = http->Get("/v1/proofs/consistency?from=1&to=2");
    REQUIRE(proof.ok());
    CHECK(proof->status == 200);
  }

  // Restored: writes resume.
  cluster.etcd().Start(0);
  cluster.etcd().Start(1);
  cluster.etcd().WaitHealthy();
  const auto restored_at = Clock::now();
  before = writers.ack_count();
  while (writers.ack_count() == before && Clock::now() - restored_at < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(writers.ack_count() > before);
  WARN("writes resumed " << Seconds(Clock::now() - restored_at) << " s after etcd's quorum");
  CheckAndStop(cluster, FinishWrites(writers));
}

TEST_CASE("followers below the quorum: writes 503 naming it, reads served; one back, writes resume",
          "[cluster][e2e]") {
  LedgerCluster cluster;
  const int leader = cluster.WaitForLeader();
  const auto entries = SignedEntries(cluster, 3000, "q");
  Writers writers(cluster, entries, 2);
  WarmUp(writers);
  std::vector<int> followers;
  for (int i = 0; i < cluster.size(); ++i) {
    if (i != leader) followers.push_back(i);
  }
  for (int f : followers) cluster.Kill(f);
  // The leader alone holds its blocks: 1 of the 2 nodes a block needs.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const size_t stalled = writers.ack_count();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(writers.ack_count() == stalled);
  auto http = client::HttpClient::Create(cluster.url(leader), "", std::chrono::seconds(10));
  REQUIRE(http.ok());
  auto write = http->Post("/v1/entries", "application/json", entries.back());
  REQUIRE(write.ok());
  CHECK(write->status == 503);
  CHECK(write->body.find("of the 2 nodes the cluster's quorum needs") != std::string::npos);
  auto checkpoint = http->Get("/v1/checkpoint");
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->status == 200);
  // One follower back: it catches up, stages, and writes resume.
  cluster.Start(followers[0]);
  const auto back_at = Clock::now();
  while (writers.ack_count() == stalled && Clock::now() - back_at < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(writers.ack_count() > stalled);
  WARN("writes resumed " << Seconds(Clock::now() - back_at) << " s after a follower restarted");
  cluster.Start(followers[1]);
  CheckAndStop(cluster, FinishWrites(writers));
}
