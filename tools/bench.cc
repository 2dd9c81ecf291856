// `ledgerctl bench`: throughput of durable appends and of inclusion proofs, each reported
// beside a reference measured in the same run on the same machine, because absolute
// figures on shared machines mean little:
//   - SHA-256 over entry-sized messages (the leaf hash every append pays);
//   - raw LevelDB: the same entries written as synced batches of the block size, and random
//     point reads, with nothing of ours in the way.
#include <sys/resource.h>

#include <deque>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

#include "crypto/hash.h"
#include "crypto/mutex.h"
#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

// CPU seconds (user + system) used by the whole process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// An entry of exactly `bytes` bytes (at least ~32), unique per index: canonical JSON. The
// padding is copied from a fixed alphabet so that building entries costs the harness little.
std::string MakeEntry(uint64_t index, size_t bytes) {
  static const std::string kAlphabet = [] {
    std::string a;
    for (int k = 0; k < 4096; ++k) a.push_back(static_cast<char>('a' + k % 26));
    return a;
  }();
  std::string out = "{\"i\":" + std::to_string(index) + ",\"pad\":\"";
  size_t pad = bytes > out.size() + 2 ? bytes - out.size() - 2 : 0;
  out.append(kAlphabet, index % 26, std::min(pad, kAlphabet.size() - 26));
  out += "\"}";
  return out;
}

void Report(const std::string& name, double per_second, const std::string& unit,
            const std::string& note = "") {
  std::cout << std::left << std::setw(44) << name << std::right << std::setw(14) << std::fixed
            << std::setprecision(0) << per_second << " " << unit;
  if (!note.empty()) std::cout << "   " << note;
  std::cout << std::endl;
}

std::string Ratio(double ours, double reference) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << "(" << ours / reference << "x the reference)";
  return s.str();
}

double Sha256PerSecond(size_t bytes) {
  std::string msg = MakeEntry(0, bytes);
  uint64_t n = 0;
  auto start = Clock::now();
  volatile uint8_t sink = 0;  // keeps the hashing from being optimised away
  while (Seconds(start) < 1.0) {
    for (int k = 0; k < 1000; ++k, ++n) {
      msg[0] = static_cast<char>(n);
      sink = sink ^ crypto::Hash(crypto::HashAlgorithm::kSha256, msg)[0];
    }
  }
  return static_cast<double>(n) / Seconds(start);
}

// Raw LevelDB: the entries and a leaf-hash index, as synced batches of `batch` entries.
Result<std::pair<double, double>> LevelDbReference(const std::string& path, uint64_t entries,
                                                   size_t bytes, size_t batch) {
  LevelDbOptions options;
  options.create_if_missing = true;
  CREDLEDGER_ASSIGN_OR_RETURN(auto store, OpenLevelDbStore(path, options));
  auto start = Clock::now();
  for (uint64_t i = 0; i < entries;) {
    WriteBatch wb;
    for (size_t k = 0; k < batch && i < entries; ++k, ++i) {
      std::string e = MakeEntry(i, bytes);
      wb.Put(format::LeafKey(crypto::Hash(crypto::HashAlgorithm::kSha256, e)), format::EntryKey(i));
      wb.Put(format::EntryKey(i), std::move(e));
    }
    CREDLEDGER_RETURN_IF_ERROR(store->Write(wb, /*sync=*/true));
  }
  double writes = static_cast<double>(entries) / Seconds(start);
  std::mt19937_64 rng(1);
  std::string value;
  uint64_t reads = 0;
  start = Clock::now();
  while (Seconds(start) < 2.0) {
    for (int k = 0; k < 1000; ++k, ++reads) {
      CREDLEDGER_RETURN_IF_ERROR(store->Get(format::EntryKey(rng() % entries), &value));
    }
  }
  return std::make_pair(writes, static_cast<double>(reads) / Seconds(start));
}

struct AppendRun {
  double seconds = 0;
  double cpu_seconds = 0;
};

// Appends entries 0..count-1 from `producers` threads. Each keeps about two blocks' worth
// in flight between them, as many concurrent clients would, submitting one entry at a time
// (batch_size 1, Ledger::Submit) or in batches (Ledger::SubmitBatch).
Result<AppendRun> AppendPhase(Ledger& ledger, uint64_t count, size_t bytes, uint64_t producers,
                              uint64_t block_entries, uint64_t batch_size) {
  const size_t window = std::max<size_t>(block_entries * 2 / producers / batch_size, 2);
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  Status failure;
  Mutex failure_mu;
  auto fail = [&](const Status& s) {
    if (!failed.exchange(true)) {
      MutexLock lock(failure_mu);
      failure = s;
    }
  };
  AppendRun run;
  auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < producers; ++t) {
    threads.emplace_back([&] {
      std::deque<std::future<Result<AppendReceipt>>> singles;
      std::deque<std::future<std::vector<Result<AppendReceipt>>>> batches;
      auto settle = [&] {
        if (!singles.empty()) {
          Result<AppendReceipt> r = singles.front().get();
          singles.pop_front();
          if (!r.ok()) fail(r.status());
        } else {
          for (const auto& r : batches.front().get()) {
            if (!r.ok()) fail(r.status());
          }
          batches.pop_front();
        }
      };
      while (!failed) {
        uint64_t first = next.fetch_add(batch_size);
        if (first >= count) break;
        uint64_t last = std::min(count, first + batch_size);
        if (batch_size == 1) {
          singles.push_back(ledger.Submit(MakeEntry(first, bytes)));
        } else {
          std::vector<std::string> group;
          group.reserve(last - first);
          for (uint64_t i = first; i < last; ++i) group.push_back(MakeEntry(i, bytes));
          batches.push_back(ledger.SubmitBatch(std::move(group)));
        }
        if (singles.size() + batches.size() >= window) settle();
      }
      while (!singles.empty() || !batches.empty()) settle();
    });
  }
  for (auto& t : threads) t.join();
  run.seconds = Seconds(start);
  run.cpu_seconds = CpuSeconds() - cpu_start;
  if (failed) return failure.WithContext("append during bench");
  return run;
}

}  // namespace

Status BenchCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args,
                                           {"entries", "entry-bytes", "dir", "threads", "proofs",
                                            "block-entries", "block-delay-us", "batch"},
                                           {"keep"}));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t entries, flags.GetUint("entries", 1'000'000));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t bytes, flags.GetUint("entry-bytes", 400));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t producers, flags.GetUint("threads", 4));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t proofs, flags.GetUint("proofs", 1'000'000));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t block_entries, flags.GetUint("block-entries", 4096));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t block_delay_us, flags.GetUint("block-delay-us", 2000));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t batch, flags.GetUint("batch", 256));
  if (entries < 2 || producers == 0 || block_entries == 0) {
    return Status::InvalidArgument("--entries must be >= 2, --threads and --block-entries >= 1");
  }
  std::string dir = flags.GetOr("dir", "");
  if (dir.empty()) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "credledger-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return Status::Unavailable("cannot create a temp dir");
    dir = tmpl;
  } else if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir)) {
    return Status::FailedPrecondition(dir + " is not empty; give an empty or new --dir");
  }
  std::cout << "credledger bench: " << entries << " entries of " << bytes << " bytes, " << producers
            << " producer threads, blocks of up to " << block_entries << " entries, data in " << dir
            << " (" << std::thread::hardware_concurrency() << " cores)" << std::endl;

  double sha = Sha256PerSecond(bytes);
  Report("reference: SHA-256 of one entry, 1 thread", sha, "hashes/s");
  CREDLEDGER_ASSIGN_OR_RETURN(auto ref,
                              LevelDbReference(dir + "/reference", entries, bytes, block_entries));
  Report("reference: LevelDB synced batch writes", ref.first, "entries/s");
  Report("reference: LevelDB random point reads", ref.second, "reads/s");

  DataDirOptions options;
  options.ledger.max_block_entries = block_entries;
  options.ledger.max_block_delay = std::chrono::microseconds(block_delay_us);
  options.ledger.max_pending_entries = std::max<size_t>(1 << 18, block_entries * 4);
  std::unique_ptr<Ledger> ledger;
  for (uint64_t batch_size : {uint64_t{1}, batch}) {
    if (batch_size == 0) continue;
    const std::string sub = batch_size == 1 ? "/ledger" : "/ledger-batched";
    CREDLEDGER_ASSIGN_OR_RETURN(auto fresh,
                                CreateLedgerInDir(dir + sub, "bench.credledger/log",
                                                  merkle::HashAlgorithm::kSha256, options));
    CREDLEDGER_ASSIGN_OR_RETURN(AppendRun run, AppendPhase(*fresh, entries - 1, bytes, producers,
                                                           block_entries, batch_size));
    double rate = static_cast<double>(entries - 1) / run.seconds;
    Report(batch_size == 1 ? std::string("durable appends, one Submit per entry")
                           : "durable appends, SubmitBatch of " + std::to_string(batch_size),
           rate, "entries/s", Ratio(rate, ref.first));
    TreeHead h = fresh->Head();
    std::cout << "  tree size " << h.tree_size << ", " << h.block_height << " blocks, "
              << std::setprecision(2) << run.seconds << " s, " << run.cpu_seconds / run.seconds
              << " cores busy (including the producers and LevelDB compaction)" << std::endl;
    if (batch_size == 1) ledger = std::move(fresh);  // proofs are measured on this one
  }
  if (!ledger) return Status::InvalidArgument("nothing to measure");
  const TreeHead head = ledger->Head();
  std::atomic<bool> failed{false};
  Status failure;
  Mutex failure_mu;
  for (unsigned workers : {1u, 2u}) {
    if (proofs == 0) break;
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> readers;
    auto start = Clock::now();
    for (unsigned w = 0; w < workers; ++w) {
      readers.emplace_back([&, w] {
        std::mt19937_64 rng(w + 11);
        for (uint64_t k = w; k < proofs; k += workers) {
          auto p = ledger->log().InclusionProof(rng() % head.tree_size, head.tree_size);
          if (!p.ok() && !failed.exchange(true)) {
            MutexLock lock(failure_mu);
            failure = p.status();
          }
          done.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    for (auto& r : readers) r.join();
    if (failed) return failure.WithContext("proof during bench");
    double rate = static_cast<double>(done.load()) / Seconds(start);
    Report("inclusion proofs at tree size " + std::to_string(head.tree_size) + ", " +
               std::to_string(workers) + " thread" + (workers > 1 ? "s" : ""),
           rate, "proofs/s", Ratio(rate, ref.second) + " of LevelDB reads");
  }
  ledger.reset();
  if (!flags.Has("keep")) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return Status::Ok();
}

}  // namespace credledger::tools
