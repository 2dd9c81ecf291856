// ledgerctl soak: mixed reads and writes against a running node for a bounded time, then
// proof that every acknowledged entry is in the final tree, and the node's resident memory
// after warm-up (tests/e2e/soak/soak_test.sh).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/client/follow.h"
#include "api/client/http_client.h"
#include "crypto/mutex.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"
#include "ledger/merkle.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

struct Acknowledged {
  uint64_t index = 0;
  merkle::Hash leaf{};
};

// What every worker thread shares.
struct SoakState {
  std::string url;
  std::vector<std::string> entries;
  std::atomic<size_t> next_entry{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> stop_writes{false};
  std::atomic<uint64_t> writes{0}, reads{0}, errors{0};
  mutable Mutex mu;
  std::vector<Acknowledged> acknowledged GUARDED_BY(mu);
  std::vector<std::string> first_errors GUARDED_BY(mu);  // the first few, for the report

  std::vector<Acknowledged> AcknowledgedSoFar() const {
    MutexLock lock(mu);
    return acknowledged;
  }
  std::vector<std::string> FirstErrors() const {
    MutexLock lock(mu);
    return first_errors;
  }

  void Error(const std::string& what) {
    ++errors;
    MutexLock lock(mu);
    if (first_errors.size() < 5) first_errors.push_back(what);
  }
};

void Writer(SoakState* state) {
  auto node = client::HttpClient::Create(state->url);
  if (!node.ok()) return state->Error(node.status().ToString());
  while (!state->stop && !state->stop_writes) {
    const size_t i = state->next_entry++;
    if (i >= state->entries.size()) return state->Error("ran out of entries: pass more");
    auto answer = node->Post("/v1/entries", "application/json", state->entries[i]);
    if (!answer.ok() || answer->status != 201) {
      state->Error("POST entry " + std::to_string(i) + ": " +
                   (answer.ok() ? std::to_string(answer->status) + " " + answer->body
                                : answer.status().ToString()));
      continue;
    }
    auto receipt = ParseJson(answer->body);
    auto leaf = receipt.ok() ? merkle::HashFromHex(receipt->value("leaf_hash", ""))
                             : Result<merkle::Hash>(receipt.status());
    if (!leaf.ok() || !receipt->contains("index")) {
      state->Error("a receipt without index or leaf hash: " + answer->body.substr(0, 200));
      continue;
    }
    ++state->writes;
    MutexLock lock(state->mu);
    state->acknowledged.push_back({(*receipt)["index"].get<uint64_t>(), *leaf});
  }
}

// Reads what a bank or a monitor reads: checkpoints, entries, inclusion proofs, bundles.
void Reader(SoakState* state, unsigned seed) {
  auto node = client::HttpClient::Create(state->url);
  if (!node.ok()) return state->Error(node.status().ToString());
  std::mt19937_64 random(seed);
  for (uint64_t n = 0; !state->stop; ++n) {
    std::vector<std::string> targets = {"/v1/checkpoint", "/v1/node"};
    {
      MutexLock lock(state->mu);
      if (!state->acknowledged.empty()) {
        const std::string i =
            std::to_string(state->acknowledged[random() % state->acknowledged.size()].index);
        targets = {"/v1/checkpoint", "/v1/entries/" + i, "/v1/proofs/inclusion?index=" + i,
                   n % 8 == 0 ? "/v1/entries/" + i + "/bundle" : "/v1/node"};
      }
    }
    for (const std::string& target : targets) {
      auto answer = node->Get(target);
      if (!answer.ok() || answer->status != 200) {
        state->Error("GET " + target + ": " +
                     (answer.ok() ? std::to_string(answer->status) : answer.status().ToString()));
      } else {
        ++state->reads;
      }
    }
  }
}

// The resident set of process `pid` in KiB (VmRSS), or 0 if it cannot be read.
uint64_t ResidentKiB(uint64_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// Every acknowledged entry against the node's latest checkpoint: verified under the node's
// key, and each entry's inclusion proof checked here (RFC 9162), not taken from the node.
Status ProveAll(const SoakState& state, const NoteVerifier& verifier, uint64_t* proven) {
  CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient node, client::HttpClient::Create(state.url));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string note, node.GetOk("/v1/checkpoint"));
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint head, VerifyCheckpoint(note, verifier, verifier.name()));
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::HashAlgorithm alg, client::NodeTreeHash(node));
  for (const Acknowledged& a : state.AcknowledgedSoFar()) {
    const std::string target = "/v1/proofs/inclusion?index=" + std::to_string(a.index) +
                               "&tree_size=" + std::to_string(head.tree_size);
    CREDLEDGER_ASSIGN_OR_RETURN(std::string body, node.GetOk(target));
    CREDLEDGER_ASSIGN_OR_RETURN(Json answer, ParseJson(body));
    std::vector<merkle::Hash> proof;
    for (const Json& h : answer.value("inclusion_proof", Json::array())) {
      CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash hash, merkle::HashFromHex(h.get<std::string>()));
      proof.push_back(hash);
    }
    Status s = merkle::VerifyInclusion(alg, a.index, head.tree_size, a.leaf, proof, head.root);
    if (!s.ok()) {
      return Status::DataLoss("acknowledged entry " + std::to_string(a.index) +
                              " is not in the tree of the final checkpoint: " + s.message());
    }
    ++*proven;
  }
  return Status::Ok();
}

}  // namespace

Status SoakCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"entries", "seconds", "warmup", "writers", "readers", "pid",
                                       "vkey", "max-growth-per-entry", "max-read-growth-kib"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl soak URL --entries FILE --vkey KEY --pid PID [--seconds 30] "
        "[--warmup 5] [--writers 2] [--readers 2] [--max-growth-per-entry 4096] "
        "[--max-read-growth-kib 4096]");
  }
  SoakState state;
  state.url = flags.positional()[0];
  CREDLEDGER_ASSIGN_OR_RETURN(std::string entries_path, flags.Required("entries"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(entries_path));
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) state.entries.push_back(std::move(line));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(*flags.Required("vkey")));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t pid, flags.GetUint("pid", 0));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t seconds, flags.GetUint("seconds", 30));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t warmup, flags.GetUint("warmup", 5));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t writers, flags.GetUint("writers", 2));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t readers, flags.GetUint("readers", 2));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t max_growth, flags.GetUint("max-growth-per-entry", 4096));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t max_read_growth_kib,
                              flags.GetUint("max-read-growth-kib", 4096));
  if (pid == 0 || ResidentKiB(pid) == 0) {
    return Status::InvalidArgument("--pid must name the running node's process");
  }
  if (2 * warmup >= seconds) {
    return Status::InvalidArgument("--warmup must be below half of --seconds");
  }

  std::vector<std::thread> threads;
  for (uint64_t w = 0; w < writers; ++w) threads.emplace_back(Writer, &state);
  for (uint64_t r = 0; r < readers; ++r) {
    threads.emplace_back(Reader, &state, static_cast<unsigned>(r + 1));
  }
  // Warm-up, then mixed load until the last `warmup` seconds, which only read.
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(warmup));
  const uint64_t rss_warm = ResidentKiB(pid);
  const uint64_t writes_warm = state.writes;
  uint64_t rss_peak = rss_warm;
  auto sample_until = [&](std::chrono::seconds at) {
    while (Clock::now() - start < at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      rss_peak = std::max(rss_peak, ResidentKiB(pid));
    }
  };
  sample_until(std::chrono::seconds(seconds - warmup));
  state.stop_writes = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // writes in flight land
  const uint64_t rss_writes_end = ResidentKiB(pid);
  const uint64_t reads_before = state.reads;
  sample_until(std::chrono::seconds(seconds));
  state.stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t rss_end = ResidentKiB(pid);
  const uint64_t reads_only = state.reads - reads_before;

  uint64_t proven = 0;
  Status proved = ProveAll(state, verifier, &proven);
  const uint64_t entries_after_warmup = state.writes - writes_warm;
  const double growth_per_entry =
      entries_after_warmup == 0
          ? 0
          : (static_cast<double>(rss_writes_end) - static_cast<double>(rss_warm)) * 1024.0 /
                static_cast<double>(entries_after_warmup);
  const int64_t read_growth_kib =
      static_cast<int64_t>(rss_end) - static_cast<int64_t>(rss_writes_end);
  std::cout << "soak: " << elapsed << " s, " << state.writes << " writes ("
            << static_cast<uint64_t>(static_cast<double>(state.writes) / elapsed) << "/s), "
            << state.reads << " reads ("
            << static_cast<uint64_t>(static_cast<double>(state.reads) / elapsed) << "/s), "
            << state.errors << " errors\n"
            << "soak: resident memory " << rss_warm / 1024 << " MiB after " << warmup
            << " s of warm-up, " << rss_writes_end / 1024
            << " MiB when writes stopped: " << static_cast<int64_t>(growth_per_entry)
            << " bytes per entry written after "
            << "warm-up (bound " << max_growth << ")\n"
            << "soak: then " << reads_only << " reads alone in " << warmup
            << " s: " << read_growth_kib << " KiB more (bound " << max_read_growth_kib << "); "
            << rss_end / 1024 << " MiB at the end, peak " << rss_peak / 1024 << " MiB\n"
            << "soak: " << proven << " of " << state.AcknowledgedSoFar().size()
            << " acknowledged entries proven in the final checkpoint's tree\n";
  for (const std::string& e : state.FirstErrors()) std::cout << "soak: error: " << e << "\n";
  CREDLEDGER_RETURN_IF_ERROR(proved);
  if (state.errors > 0) {
    return Status::Internal(std::to_string(state.errors) + " requests failed");
  }
  if (state.AcknowledgedSoFar().empty()) return Status::Internal("no write was acknowledged");
  if (read_growth_kib > static_cast<int64_t>(max_read_growth_kib)) {
    return Status::ResourceExhausted("resident memory grew " + std::to_string(read_growth_kib) +
                                     " KiB while the node only served reads, over the bound");
  }
  if (growth_per_entry > static_cast<double>(max_growth)) {
    return Status::ResourceExhausted("resident memory grew " +
                                     std::to_string(static_cast<int64_t>(growth_per_entry)) +
                                     " bytes per entry after warm-up, over the bound");
  }
  return Status::Ok();
}

}  // namespace credledger::tools
