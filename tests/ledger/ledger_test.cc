#include "ledger/ledger.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/mutex.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "ledger/internal/leaf_filter.h"
#include "ledger/internal/tree_store.h"
#include "ledger/scrub.h"
#include "ledger_util.h"
#include "test_util.h"

using namespace credledger;
using merkle::Hash;

namespace {

constexpr const char* kOrigin = "credledger.test/log";

using credledger::testing::SharedStore;

crypto::PrivateKey NodeKey() {
  auto k = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  REQUIRE(k.ok());
  return *k;
}

LedgerOptions FastOptions() {
  LedgerOptions o;
  o.max_block_delay = std::chrono::microseconds(200);
  return o;
}

std::unique_ptr<Ledger> CreateLedger(std::shared_ptr<MemoryStore> mem,
                                     const crypto::PrivateKey& key,
                                     merkle::HashAlgorithm alg = merkle::HashAlgorithm::kSha256,
                                     LedgerOptions options = FastOptions()) {
  auto l = Ledger::Create(std::make_unique<SharedStore>(mem), key, kOrigin, alg, {}, options);
  if (!l.ok()) FAIL(l.status().ToString());
  return std::move(*l);
}

std::unique_ptr<Ledger> ReopenLedger(std::shared_ptr<MemoryStore> mem,
                                     const crypto::PrivateKey& key) {
  auto l = Ledger::Open(std::make_unique<SharedStore>(mem), key, FastOptions());
  if (!l.ok()) FAIL(l.status().ToString());
  return std::move(*l);
}

std::string Entry(uint64_t i) { return "{\"n\":" + std::to_string(i) + ",\"pad\":\"record\"}"; }

// Leaf hashes of every entry, read back through the public API.
std::vector<Hash> AllLeafHashes(const Ledger& l) {
  std::vector<Hash> out;
  for (uint64_t i = 0; i < l.Head().tree_size; ++i) {
    auto e = l.log().GetEntry(i);
    REQUIRE(e.ok());
    out.push_back(merkle::LeafHash(l.params().tree_hash, *e));
  }
  return out;
}

}  // namespace

TEST_CASE("a new ledger holds its genesis entry in block 0", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  auto l = CreateLedger(mem, key);
  TreeHead head = l->Head();
  CHECK(head.tree_size == 1);
  CHECK(head.block_height == 0);
  auto genesis = l->log().GetEntry(0);
  REQUIRE(genesis.ok());
  auto parsed = ParseJson(*genesis);
  REQUIRE(parsed.ok());
  CHECK((*parsed)["type"] == "genesis");
  CHECK((*parsed)["origin"] == kOrigin);
  CHECK((*parsed)["tree_hash"] == "sha256");
  CHECK((*parsed)["node_key"]["key_id"] == key.public_key().KeyId());
  auto block = l->log().GetBlock(0);
  REQUIRE(block.ok());
  CHECK(block->prev_hash == Hash{});
  CHECK(block->VerifySignature(key.public_key()).ok());
  CHECK(block->root == merkle::LeafHash(merkle::HashAlgorithm::kSha256, *genesis));
  // A second Create on the same store is refused.
  auto again = Ledger::Create(std::make_unique<SharedStore>(mem), key, kOrigin,
                              merkle::HashAlgorithm::kSha256);
  CHECK(again.status().code() == StatusCode::kAlreadyExists);
}

TEST_CASE("appends are sequenced, chained into signed blocks and provable", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  auto l = CreateLedger(mem, key);
  std::vector<uint64_t> block_sizes;  // tree size after each block
  for (uint64_t i = 1; i <= 300; ++i) {
    // Batches of varied size so blocks of 1..n entries occur.
    std::vector<std::future<Result<AppendReceipt>>> futures;
    uint64_t burst = 1 + i % 7;
    for (uint64_t k = 0; k < burst; ++k) futures.push_back(l->Submit(Entry(i * 100 + k)));
    for (auto& f : futures) {
      auto r = f.get();
      REQUIRE(r.ok());
      CHECK_FALSE(r->already_present);
    }
  }
  TreeHead head = l->Head();
  auto leaves = AllLeafHashes(*l);
  REQUIRE(leaves.size() == head.tree_size);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, leaves) == head.root);

  // Every block: signed, chained, contiguous, with the root of its tree size.
  Hash prev{};
  uint64_t expected_first = 0;
  for (uint64_t h = 0; h <= head.block_height; ++h) {
    auto b = l->log().GetBlock(h);
    REQUIRE(b.ok());
    CHECK(b->VerifySignature(key.public_key()).ok());
    CHECK(b->prev_hash == prev);
    CHECK(b->first_index == expected_first);
    CHECK(b->root == merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256,
                                                std::span(leaves).first(b->tree_size)));
    prev = b->Hash(merkle::HashAlgorithm::kSha256);
    expected_first = b->tree_size;
    block_sizes.push_back(b->tree_size);
  }
  CHECK(expected_first == head.tree_size);
  CHECK(l->log().GetBlock(head.block_height + 1).status().code() == StatusCode::kNotFound);

  // Inclusion proofs for every entry at several historical sizes, checked by the RFC 9162
  // verifier against roots computed from the raw entries.
  for (uint64_t size : {uint64_t{1}, uint64_t{2}, uint64_t{7}, uint64_t{255}, uint64_t{256},
                        uint64_t{257}, head.tree_size}) {
    if (size > head.tree_size) continue;
    Hash root =
        merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, std::span(leaves).first(size));
    auto at = l->log().RootAt(size);
    REQUIRE(at.ok());
    CHECK(*at == root);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = l->log().InclusionProof(i, size);
      REQUIRE(proof.ok());
      REQUIRE(
          merkle::VerifyInclusion(merkle::HashAlgorithm::kSha256, i, size, leaves[i], *proof, root)
              .ok());
    }
  }
  // Consistency between every pair of block heads.
  for (size_t a = 0; a < block_sizes.size(); a += 3) {
    for (size_t b = a; b < block_sizes.size(); b += 5) {
      uint64_t m = block_sizes[a], n = block_sizes[b];
      auto proof = l->log().ConsistencyProof(m, n);
      REQUIRE(proof.ok());
      REQUIRE(merkle::VerifyConsistency(merkle::HashAlgorithm::kSha256, m, n, *l->log().RootAt(m),
                                        *l->log().RootAt(n), *proof)
                  .ok());
    }
  }
}

TEST_CASE("identical entries are idempotent, within and across blocks", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  auto first = l->Append("same bytes");
  REQUIRE(first.ok());
  CHECK(first->index == 1);
  auto again = l->Append("same bytes");
  REQUIRE(again.ok());
  CHECK(again->index == 1);
  CHECK(again->already_present);
  CHECK(again->block_height == first->block_height);
  // Concurrent duplicates land in one block with one index.
  std::vector<std::future<Result<AppendReceipt>>> fs;
  for (int i = 0; i < 10; ++i) fs.push_back(l->Submit("twin"));
  std::set<uint64_t> indexes;
  for (auto& f : fs) {
    auto r = f.get();
    REQUIRE(r.ok());
    indexes.insert(r->index);
  }
  CHECK(indexes.size() == 1);
  CHECK(l->Head().tree_size == 3);
  auto found = l->log().FindLeaf(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "twin"));
  REQUIRE(found.ok());
  CHECK(*found == *indexes.begin());
  CHECK(l->log()
            .FindLeaf(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "never"))
            .status()
            .code() == StatusCode::kNotFound);
}

TEST_CASE("a batch gets one answer per entry, in order", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  REQUIRE(l->Append("old").ok());
  std::vector<std::string> batch = {"b0", "", "old", "b3", "b0", "b5"};
  auto results = l->SubmitBatch(batch).get();
  REQUIRE(results.size() == batch.size());
  REQUIRE(results[0].ok());
  CHECK(results[1].status().code() == StatusCode::kInvalidArgument);  // empty entry
  REQUIRE(results[2].ok());
  CHECK(results[2]->already_present);
  CHECK(results[2]->index == 1);
  REQUIRE(results[3].ok());
  REQUIRE(results[4].ok());
  CHECK(results[4]->index == results[0]->index);  // duplicate within the batch
  REQUIRE(results[5].ok());
  CHECK(results[0]->index == 2);
  CHECK(results[3]->index == 3);
  CHECK(results[5]->index == 4);
  for (size_t i : {size_t{0}, size_t{3}, size_t{5}}) {
    auto e = l->log().GetEntry(results[i]->index);
    REQUIRE(e.ok());
    CHECK(*e == batch[i]);
  }
  CHECK(l->SubmitBatch({}).get().empty());
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

TEST_CASE("a batch larger than the queue is refused whole", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  LedgerOptions options = FastOptions();
  options.max_pending_entries = 4;
  auto l = CreateLedger(mem, NodeKey(), merkle::HashAlgorithm::kSha256, options);
  auto results = l->SubmitBatch({"a", "b", "c", "d", "e"}).get();
  REQUIRE(results.size() == 5);
  for (auto& r : results) CHECK(r.status().code() == StatusCode::kResourceExhausted);
  CHECK(l->Head().tree_size == 1);
  auto ok = l->SubmitBatch({"a", "b", "c", "d"}).get();
  for (auto& r : ok) CHECK(r.ok());
  CHECK(l->Head().tree_size == 5);
}

TEST_CASE("bad requests get precise errors and change nothing", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  LedgerOptions options = FastOptions();
  options.max_entry_bytes = 1000;
  auto l = CreateLedger(mem, NodeKey(), merkle::HashAlgorithm::kSha256, options);
  CHECK(l->Append("").status().code() == StatusCode::kInvalidArgument);
  CHECK(l->Append(std::string(1001, 'x')).status().code() == StatusCode::kInvalidArgument);
  CHECK(l->Head().tree_size == 1);
  CHECK(l->log().GetEntry(1).status().code() == StatusCode::kNotFound);
  CHECK(l->log().InclusionProof(0, 2).status().code() == StatusCode::kNotFound);
  CHECK(l->log().InclusionProof(1, 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(l->log().ConsistencyProof(1, 2).status().code() == StatusCode::kNotFound);
  CHECK(l->log().ConsistencyProof(1, 0).status().code() == StatusCode::kInvalidArgument);
  CHECK(l->log().RootAt(5).status().code() == StatusCode::kNotFound);
  CHECK(l->log().LeafHashAt(1).status().code() == StatusCode::kNotFound);
  CHECK(l->log().BlockOfEntry(3).status().code() == StatusCode::kNotFound);
}

TEST_CASE("checkpoints are signed notes any verifier with the key accepts", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  for (int i = 0; i < 10; ++i) REQUIRE(l->Append(Entry(static_cast<uint64_t>(i))).ok());
  auto note = l->SignedCheckpoint();
  REQUIRE(note.ok());
  auto verifier = NoteVerifier::FromVerifierKey(l->VerifierKey());
  REQUIRE(verifier.ok());
  auto c = VerifyCheckpoint(*note, *verifier, kOrigin);
  REQUIRE(c.ok());
  CHECK(c->tree_size == l->Head().tree_size);
  CHECK(c->root == l->Head().root);
  CHECK(l->VerifierKey().rfind(std::string(kOrigin) + "+", 0) == 0);
}

TEST_CASE("many threads append at once, indexes are dense and blocks group entries",
          "[ledger][concurrency]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seen;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = l->Append(Entry(static_cast<uint64_t>(t * 100000 + i)));
        std::lock_guard lock(mu);
        REQUIRE(r.ok());
        REQUIRE(seen.insert(r->index).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(seen.size() == kThreads * kPerThread);
  CHECK(*seen.begin() == 1);
  CHECK(*seen.rbegin() == kThreads * kPerThread);
  CHECK(l->Head().block_height < kThreads * kPerThread);  // grouped, not one block per entry
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

TEST_CASE("a failed block write is reported, rolled back, and appending resumes", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  REQUIRE(l->Append("before").ok());
  TreeHead before = l->Head();
  mem->FailWritesAfter(0);
  auto failed = l->Append("during");
  CHECK(failed.status().code() == StatusCode::kUnavailable);
  CHECK(failed.status().message().find("was not written") != std::string::npos);
  CHECK(l->Head().tree_size == before.tree_size);
  CHECK(l->Head().root == before.root);
  mem->FailWritesAfter(std::nullopt);
  auto after = l->Append("after");
  REQUIRE(after.ok());
  CHECK(after->index == before.tree_size);  // no gap left by the failed block
  auto retry = l->Append("during");
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->already_present);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

TEST_CASE("a failed write that reached the store is kept and acknowledged", "[ledger][faults]") {
  // LevelDB reports a failed sync after the log record may have reached the disk; recovery
  // shows it. The ledger reads the store back instead of assuming the block was lost.
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  const uint64_t size = l->Head().tree_size;
  mem->ApplyFailedWrites(true);
  mem->FailWritesAfter(0);
  auto landed = l->Append("landed");
  REQUIRE(landed.ok());
  CHECK(landed->index == size);
  CHECK(l->Head().tree_size == size + 1);
  CHECK(*l->log().GetEntry(size) == "landed");
  mem->FailWritesAfter(std::nullopt);
  auto next = l->Append("next");
  REQUIRE(next.ok());
  CHECK(next->index == size + 1);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

TEST_CASE(
    "until the store can say whether a failed block landed, writes are refused and reads "
    "served",
    "[ledger][faults]") {
  const bool landed = GENERATE(false, true);
  CAPTURE(landed);
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  auto l = CreateLedger(mem, key);
  REQUIRE(l->Append("before").ok());
  const TreeHead before = l->Head();
  auto checkpoint = l->SignedCheckpoint();
  REQUIRE(checkpoint.ok());

  mem->ApplyFailedWrites(landed);
  mem->FailWritesAfter(0);
  mem->FailRecover(true);  // the disk is still full: no reopen yet
  auto failed = l->Append("during");
  CHECK(failed.status().code() == StatusCode::kUnavailable);
  CHECK(failed.status().message().find("may not have been written") != std::string::npos);
  auto refused = l->Append("refused");
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(l->WriteRefusal().code() == StatusCode::kUnavailable);  // for /readyz and alarms
  CHECK(refused.status().message().find("takes no writes until its store recovers") !=
        std::string::npos);
  // Reads answer from the last durable block.
  CHECK(l->Head().tree_size == before.tree_size);
  CHECK(*l->SignedCheckpoint() == *checkpoint);
  CHECK(*l->log().GetEntry(1) == "before");
  CHECK(l->log().InclusionProof(1, before.tree_size).ok());
  CHECK(l->log()
            .FindLeaf(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "during"))
            .status()
            .code() == StatusCode::kNotFound);

  mem->FailWritesAfter(std::nullopt);
  mem->FailRecover(false);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the ledger retries at 200 ms
  auto after = l->Append("after");
  REQUIRE(after.ok());
  CHECK(l->WriteRefusal().ok());
  auto during = l->Append("during");
  REQUIRE(during.ok());
  if (landed) {
    // The failed block was in the store: kept, and the resubmission finds it.
    CHECK(during->already_present);
    CHECK(during->index == before.tree_size);
    CHECK(after->index == before.tree_size + 1);
  } else {
    CHECK_FALSE(during->already_present);
    CHECK(after->index == before.tree_size);  // no gap where the lost block was
    CHECK(during->index == before.tree_size + 1);
  }
  CHECK(l->Append("refused")->index == before.tree_size + 2);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
  // And the store holds exactly what the ledger says, as a reopen shows.
  const TreeHead head = l->Head();
  l.reset();
  auto reopened = ReopenLedger(mem, key);
  CHECK(reopened->Head().root == head.root);
}

TEST_CASE("failures under concurrent load: every answer is the truth about the log",
          "[ledger][faults]") {
  const bool landed = GENERATE(false, true);
  CAPTURE(landed);
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  auto l = CreateLedger(mem, key);
  mem->ApplyFailedWrites(landed);
  mem->FailWritesAfter(3);
  mem->FailRecover(true);
  constexpr uint64_t kEntries = 400;
  std::vector<std::future<Result<AppendReceipt>>> futures;
  uint64_t next = 0;
  auto submit = [&](std::chrono::milliseconds pause) {
    futures.push_back(l->Submit(Entry(next)));
    if (++next % 16 == 0) std::this_thread::sleep_for(pause);
  };
  // Load until a write has failed and the ledger refuses writes (that write's fate unknown):
  // half the entries at least, then more, slower, until it refuses. Counting entries alone
  // made the test depend on the machine's speed: on a slow one (a sanitizer build) the faults
  // ended before the fourth write, and nothing was refused.
  while (next < kEntries / 2 || (l->WriteRefusal().ok() && next < kEntries - 1)) {
    submit(next < kEntries / 2 ? std::chrono::milliseconds(3) : std::chrono::milliseconds(50));
  }
  REQUIRE_FALSE(l->WriteRefusal().ok());
  // One more while it refuses, answered before the faults end; then the rest.
  submit(std::chrono::milliseconds(0));
  futures.back().wait();
  mem->FailWritesAfter(std::nullopt);
  mem->FailRecover(false);
  while (next < kEntries) submit(std::chrono::milliseconds(3));
  size_t acknowledged = 0, refused = 0;
  for (uint64_t i = 0; i < kEntries; ++i) {
    auto r = futures[i].get();
    if (r.ok()) {
      ++acknowledged;
      REQUIRE(l->log().GetEntry(r->index).ok());
      CHECK(*l->log().GetEntry(r->index) == Entry(i));
    } else {
      ++refused;
      CHECK(r.status().code() == StatusCode::kUnavailable);
    }
  }
  CHECK(acknowledged > 0);
  CHECK(refused > 0);
  // Resubmitting everything gives each entry exactly one index.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the ledger retries at 200 ms
  std::set<uint64_t> indexes;
  for (uint64_t i = 0; i < kEntries; ++i) {
    auto r = l->Append(Entry(i));
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(*l->log().GetEntry(r->index) == Entry(i));
    indexes.insert(r->index);
  }
  CHECK(indexes.size() == kEntries);
  CHECK(l->Head().tree_size == kEntries + 1);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
  const TreeHead head = l->Head();
  l.reset();
  CHECK(ReopenLedger(mem, key)->Head().root == head.root);
}

TEST_CASE("a block prepared on top of a rolled-back one is redone with its entries' bytes",
          "[ledger][faults][regression]") {
  // The sequencer prepares block k+1 while block k is written. When k's write fails and did
  // not land, k+1 is prepared again on the rolled-back tree: from the same entries, whose
  // bytes must still be there (they once went into k+1's first write batch).
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  LedgerOptions options = FastOptions();
  options.max_block_entries = 4;  // many small blocks: k+1 is prepared while k is written
  auto l = CreateLedger(mem, key, merkle::HashAlgorithm::kSha256, options);
  constexpr uint64_t kEntries = 2000;
  for (int round = 0; round < 5; ++round) {
    mem->ApplyFailedWrites(false);
    mem->FailOneWriteAfter(2 + round * 7);
    std::vector<std::future<Result<AppendReceipt>>> futures;
    for (uint64_t i = 0; i < kEntries; ++i)
      futures.push_back(l->Submit(Entry(round * kEntries + i)));
    for (uint64_t i = 0; i < kEntries; ++i) {
      auto r = futures[i].get();
      if (!r.ok()) continue;  // the failed block's own entries, and those refused meanwhile
      auto stored = l->log().GetEntry(r->index);
      REQUIRE(stored.ok());
      REQUIRE(*stored == Entry(round * kEntries + i));
    }
  }
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

// A block gate as a cluster leader's would be, scripted: it records what it was shown, can
// hold a block until released, and answers what it is told to.
class ScriptedGate : public BlockGate {
 public:
  Status Pass(const BlockHeader& header, const std::vector<std::string_view>& entries) override {
    MutexLock lock(mu_);
    seen_.push_back({header, std::vector<std::string>(entries.begin(), entries.end())});
    cv_.SignalAll();
    while (holding_) cv_.Wait(mu_);
    return answer_;
  }
  void Answer(Status answer) {
    MutexLock lock(mu_);
    answer_ = std::move(answer);
  }
  void Hold(bool hold) {
    MutexLock lock(mu_);
    holding_ = hold;
    cv_.SignalAll();
  }
  // Waits until it has been shown `n` blocks.
  void WaitForBlocks(size_t n) {
    MutexLock lock(mu_);
    while (seen_.size() < n) cv_.Wait(mu_);
  }
  std::vector<std::pair<BlockHeader, std::vector<std::string>>> seen() {
    MutexLock lock(mu_);
    return seen_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  Status answer_ GUARDED_BY(mu_);
  bool holding_ GUARDED_BY(mu_) = false;
  std::vector<std::pair<BlockHeader, std::vector<std::string>>> seen_ GUARDED_BY(mu_);
};

// A ledger with a ScriptedGate installed.
struct GatedLedger {
  explicit GatedLedger(LedgerOptions options = FastOptions())
      : ledger(CreateLedger(mem, key, merkle::HashAlgorithm::kSha256, options)) {
    ledger->SetBlockGate(gate);
  }
  std::shared_ptr<MemoryStore> mem = std::make_shared<MemoryStore>();
  crypto::PrivateKey key = NodeKey();
  std::shared_ptr<ScriptedGate> gate = std::make_shared<ScriptedGate>();
  std::unique_ptr<Ledger> ledger;
};

TEST_CASE("a block gate sees each signed block before its write, and nothing is answered before",
          "[ledger][gate]") {
  GatedLedger g;
  auto& [mem, key, gate, l] = g;
  const TreeHead before = l->Head();

  gate->Hold(true);
  auto pending = l->Submit("held");
  gate->WaitForBlocks(1);
  // Held in the gate: not answered, not in the store, not served.
  CHECK(pending.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  CHECK(l->Head().tree_size == before.tree_size);
  std::string stored_entry;
  CHECK(mem->Get(format::EntryKey(before.tree_size), &stored_entry).code() ==
        StatusCode::kNotFound);
  CHECK(l->log().GetEntry(before.tree_size).status().code() != StatusCode::kOk);
  gate->Hold(false);
  auto receipt = pending.get();
  REQUIRE(receipt.ok());
  CHECK(receipt->index == before.tree_size);

  std::vector<std::future<Result<AppendReceipt>>> more;
  for (uint64_t i = 0; i < 50; ++i) more.push_back(l->Submit(Entry(i)));
  for (auto& f : more) REQUIRE(f.get().ok());
  // What the gate saw is exactly the blocks written: signed headers, and their entries.
  const auto seen = gate->seen();
  REQUIRE(!seen.empty());
  CHECK(seen.back().first.tree_size == l->Head().tree_size);
  for (const auto& [header, entries] : seen) {
    auto stored = l->log().GetBlock(header.height);
    REQUIRE(stored.ok());
    CHECK(stored->ToJson() == header.ToJson());
    CHECK(header.VerifySignature(key.public_key()).ok());
    REQUIRE(entries.size() == header.entry_count);
    for (uint64_t i = 0; i < entries.size(); ++i) {
      auto entry = l->log().GetEntry(header.first_index + i);
      REQUIRE(entry.ok());
      CHECK(*entry == entries[i]);
    }
  }
}

TEST_CASE("a block its gate refuses is not written, and the next takes its place",
          "[ledger][gate]") {
  GatedLedger g;
  auto& [mem, key, gate, l] = g;
  REQUIRE(l->Append("before").ok());
  const TreeHead before = l->Head();

  gate->Answer(Status::Unavailable("1 of the 2 nodes a block needs hold it"));
  auto refused = l->Append("refused");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(refused.status().message().find("1 of the 2 nodes") != std::string::npos);
  CHECK(l->Head().tree_size == before.tree_size);
  CHECK(l->WriteRefusal().ok());  // it may pass: writes go on

  gate->Answer(Status::Ok());
  auto again = l->Append("refused");
  REQUIRE(again.ok());
  CHECK(again->index == before.tree_size);  // the refused block left no gap
  CHECK_FALSE(again->already_present);
  const auto seen = gate->seen();
  REQUIRE(seen.size() >= 2);
  // The same height was offered twice: the refused block, then the one written.
  CHECK(seen[seen.size() - 2].first.height == seen.back().first.height);
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

TEST_CASE("a gate's refusal for good stops every write until the ledger is reopened",
          "[ledger][gate]") {
  LedgerOptions options = FastOptions();
  options.max_block_entries = 4;  // blocks prepared while others wait in the gate
  GatedLedger g(options);
  auto& [mem, key, gate, l] = g;
  REQUIRE(l->Append("before").ok());
  const TreeHead before = l->Head();

  gate->Hold(true);
  gate->Answer(Status::FailedPrecondition("another node leads"));
  std::vector<std::future<Result<AppendReceipt>>> writes;
  for (uint64_t i = 0; i < 40; ++i) writes.push_back(l->Submit(Entry(i)));
  gate->WaitForBlocks(2);
  gate->Hold(false);
  for (auto& f : writes) {
    auto r = f.get();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnavailable);
    CHECK(r.status().message().find("another node leads") != std::string::npos);
  }
  gate->Answer(Status::Ok());  // too late: this ledger writes no more
  auto after = l->Append("after");
  REQUIRE_FALSE(after.ok());
  CHECK(after.status().message().find("writes no more blocks") != std::string::npos);
  CHECK(l->WriteRefusal().message().find("another node leads") != std::string::npos);
  CHECK(l->Head().tree_size == before.tree_size);
  CHECK(l->SignedCheckpoint().ok());  // reads and checkpoints of what is durable go on

  l.reset();
  auto reopened = ReopenLedger(mem, key);
  CHECK(reopened->Head().tree_size == before.tree_size);
  CHECK(reopened->Head().root == before.root);
  REQUIRE(reopened->Append("after").ok());
}

TEST_CASE("a key-less log reader serves a ledger's store with the checks Open makes",
          "[ledger][reader]") {
  auto mem = std::make_shared<MemoryStore>();
  const crypto::PrivateKey key = NodeKey();
  TreeHead head;
  std::string verifier_key;
  {
    auto l = CreateLedger(mem, key);
    for (uint64_t i = 0; i < 300; ++i) REQUIRE(l->Append(Entry(i)).ok());
    head = l->Head();
    verifier_key = l->VerifierKey();
    // The appender's own reads are its reader's.
    CHECK(l->log().Head().tree_size == head.tree_size);
  }
  // No private key anywhere: only the store.
  auto reader = LogReader::Open(std::make_unique<SharedStore>(mem));
  REQUIRE(reader.ok());
  const LogReader& r = **reader;
  CHECK(r.params().origin == kOrigin);
  CHECK(r.VerifierKey() == verifier_key);
  CHECK(r.Head().tree_size == head.tree_size);
  CHECK(r.Head().root == head.root);
  CHECK(r.Head().block_height == head.block_height);
  CHECK(*r.GetEntry(7) == Entry(6));  // entry 0 is the genesis
  CHECK(r.GetEntry(head.tree_size).status().code() == StatusCode::kNotFound);
  CHECK(*r.FindLeaf(merkle::LeafHash(merkle::HashAlgorithm::kSha256, Entry(41))) == 42);
  // Proofs, checked by merkle's verifiers against the root the head block signed.
  for (uint64_t i : {0ull, 1ull, 150ull, 299ull, 300ull}) {
    auto proof = r.InclusionProof(i, head.tree_size);
    REQUIRE(proof.ok());
    CHECK(merkle::VerifyInclusion(merkle::HashAlgorithm::kSha256, i, head.tree_size,
                                  *r.LeafHashAt(i), *proof, head.root)
              .ok());
  }
  auto consistency = r.ConsistencyProof(100, head.tree_size);
  REQUIRE(consistency.ok());
  CHECK(merkle::VerifyConsistency(merkle::HashAlgorithm::kSha256, 100, head.tree_size,
                                  *r.RootAt(100), head.root, *consistency)
            .ok());
  auto block = r.BlockOfEntry(150);
  REQUIRE(block.ok());
  CHECK(block->VerifySignature(r.params().node_key).ok());
  CHECK((block->first_index <= 150 && 150 < block->tree_size));

  // An empty store holds no ledger; a damaged head is refused as Ledger::Open refuses it.
  CHECK(LogReader::Open(std::make_unique<MemoryStore>()).status().code() == StatusCode::kNotFound);
  mem->Corrupt(format::EntryKey(head.tree_size - 1), "tampered");
  auto damaged = LogReader::Open(std::make_unique<SharedStore>(mem));
  CHECK(damaged.status().code() == StatusCode::kDataLoss);
  CHECK(damaged.status().message().find("does not hash to the tree's leaf") != std::string::npos);
}

TEST_CASE("destroying a ledger commits what was queued", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  std::vector<std::future<Result<AppendReceipt>>> fs;
  {
    LedgerOptions slow = FastOptions();
    slow.max_block_delay = std::chrono::seconds(10);  // only shutdown can cut the block
    auto l = CreateLedger(mem, key, merkle::HashAlgorithm::kSha256, slow);
    for (int i = 0; i < 50; ++i) fs.push_back(l->Submit(Entry(static_cast<uint64_t>(i))));
  }
  for (auto& f : fs) CHECK(f.get().ok());
  auto l = ReopenLedger(mem, key);
  CHECK(l->Head().tree_size == 51);
}

TEST_CASE("trees spanning two tile levels give RFC 9162 roots and proofs", "[ledger][tiles]") {
  auto mem = std::make_shared<MemoryStore>();
  LedgerOptions options = FastOptions();
  options.max_block_entries = 5000;
  options.tile_cache_tiles = 16;  // force evictions
  auto key = NodeKey();
  auto l = CreateLedger(mem, key, merkle::HashAlgorithm::kSha256, options);
  const uint64_t kTarget = 65536 + 300;  // past the first full level-1 tile
  std::vector<std::future<Result<AppendReceipt>>> fs;
  for (uint64_t i = 1; i < kTarget; ++i) fs.push_back(l->Submit(std::to_string(i) + "e"));
  for (auto& f : fs) REQUIRE(f.get().ok());
  fs.clear();
  auto leaves = AllLeafHashes(*l);
  REQUIRE(leaves.size() == kTarget);
  std::mt19937_64 rng(7);
  for (uint64_t size : {uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{65535},
                        uint64_t{65536}, uint64_t{65537}, kTarget, 1 + rng() % kTarget}) {
    Hash root =
        merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, std::span(leaves).first(size));
    REQUIRE(*l->log().RootAt(size) == root);
    for (int k = 0; k < 50; ++k) {
      uint64_t i = k < 3 ? size - 1 - static_cast<uint64_t>(k) : rng() % size;
      REQUIRE(*l->log().LeafHashAt(i) == leaves[i]);  // read from the tiles, not the entry
      auto proof = l->log().InclusionProof(i, size);
      REQUIRE(proof.ok());
      REQUIRE(
          merkle::VerifyInclusion(merkle::HashAlgorithm::kSha256, i, size, leaves[i], *proof, root)
              .ok());
    }
    uint64_t old_size = 1 + rng() % size;
    auto cproof = l->log().ConsistencyProof(old_size, size);
    REQUIRE(cproof.ok());
    REQUIRE(merkle::VerifyConsistency(merkle::HashAlgorithm::kSha256, old_size, size,
                                      *l->log().RootAt(old_size), root, *cproof)
                .ok());
  }
  // Reopening loads the right edge from the partial tiles and keeps appending correctly.
  l.reset();
  l = ReopenLedger(mem, key);
  REQUIRE(l->Append("after reopen").ok());
  leaves.push_back(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "after reopen"));
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, leaves) == l->Head().root);
}

TEST_CASE("a tile's nodes from its stored middle row equal the rows hashed whole",
          "[ledger][tiles]") {
  for (auto alg : {merkle::HashAlgorithm::kSha256, merkle::HashAlgorithm::kSm3}) {
    std::vector<Hash> bottom(format::kTileWidth);
    for (size_t i = 0; i < bottom.size(); ++i) bottom[i] = merkle::LeafHash(alg, std::to_string(i));
    const std::vector<Hash> middle = internal::MiddleRow(alg, bottom);
    REQUIRE(middle.size() == 16);
    // Every node of every row, each from a tile read cold (the middle row's path) and from one
    // whose rows are all hashed (no middle row, or used past its cold budget), against the
    // root of the same leaves computed by merkle.h.
    auto stored = [&] { return Result<std::vector<Hash>>(middle); };
    internal::TileReader::Tile hot(alg, bottom);
    REQUIRE(hot.LoadMiddleRow(stored).ok());
    for (int k = 0; k < 64; ++k) (void)hot.Node(1, 0);  // past the cold budget
    internal::TileReader::Tile whole(alg, bottom);
    REQUIRE(
        whole.LoadMiddleRow([] { return Result<std::vector<Hash>>(std::vector<Hash>{}); }).ok());
    for (uint32_t row = 0; row < format::kTileHeight; ++row) {
      const size_t span = size_t{1} << row;
      for (size_t within = 0; within < format::kTileWidth / span; ++within) {
        const Hash expected =
            merkle::RootFromLeafHashes(alg, std::span(bottom).subspan(within * span, span));
        internal::TileReader::Tile cold(alg, bottom);
        REQUIRE(cold.LoadMiddleRow(stored).ok());
        REQUIRE(cold.Node(row, within) == expected);
        REQUIRE(hot.Node(row, within) == expected);
        REQUIRE(whole.Node(row, within) == expected);
      }
    }
  }
}

TEST_CASE("a store without the tiles' middle rows proves the same, and gets them back",
          "[ledger][tiles]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  LedgerOptions options = FastOptions();
  options.max_block_entries = 5000;
  auto l = CreateLedger(mem, key, merkle::HashAlgorithm::kSha256, options);
  const uint64_t kSize = 65536 + 700;  // full tiles at levels 0 and 1
  std::vector<std::future<Result<AppendReceipt>>> fs;
  for (uint64_t i = 1; i < kSize; ++i) fs.push_back(l->Submit(std::to_string(i) + "m"));
  for (auto& f : fs) REQUIRE(f.get().ok());
  fs.clear();
  l.reset();
  // The writer stored one middle row per full tile: 258 at level 0, 1 at level 1.
  std::map<std::string, std::string> rows;
  REQUIRE(mem->Scan(std::string(1, format::kTileRowPrefix),
                    [&](std::string_view k, std::string_view v) {
                      if (k[0] != format::kTileRowPrefix) return false;
                      rows.emplace(k, v);
                      return true;
                    })
              .ok());
  REQUIRE(rows.size() == 258 + 1);
  CHECK(rows.count(format::TileMiddleRowKey(0, 257)) == 1);
  CHECK(rows.count(format::TileMiddleRowKey(1, 0)) == 1);
  CHECK(format::DescribeKey(format::TileMiddleRowKey(0, 257)) ==
        "the middle row of tree tile 0/257");

  // As a store written before the rows were stored: the same proofs, hashed from the tiles.
  WriteBatch drop;
  for (const auto& [k, v] : rows) drop.Delete(k);
  REQUIRE(mem->Write(drop, true).ok());
  auto old = ReopenLedger(mem, key);
  auto leaves = AllLeafHashes(*old);
  const Hash root = merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, leaves);
  std::mt19937_64 rng(15);
  for (int k = 0; k < 200; ++k) {
    const uint64_t i = rng() % kSize;
    auto proof = old->log().InclusionProof(i, kSize);
    REQUIRE(proof.ok());
    REQUIRE(
        merkle::VerifyInclusion(merkle::HashAlgorithm::kSha256, i, kSize, leaves[i], *proof, root)
            .ok());
  }
  // Adding them back writes what the writer wrote, and a second run finds none missing.
  uint64_t last_done = 0, last_total = 0;
  auto added = AddMissingTileRows(mem.get(), old->log(), [&](uint64_t done, uint64_t total) {
    last_done = done;
    last_total = total;
  });
  REQUIRE(added.ok());
  CHECK(*added == rows.size());
  CHECK(last_done == rows.size());
  CHECK(last_total == rows.size());
  for (const auto& [k, v] : rows) {
    std::string stored;
    REQUIRE(mem->Get(k, &stored).ok());
    CHECK(stored == v);
  }
  CHECK(*AddMissingTileRows(mem.get(), old->log(), nullptr) == 0);
  CHECK(old->log().CheckTileRows(0, kSize).ok());
}

TEST_CASE("an SM3 ledger hashes its tree with SM3", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey(), merkle::HashAlgorithm::kSm3);
  REQUIRE(l->Append("a").ok());
  REQUIRE(l->Append("b").ok());
  auto leaves = AllLeafHashes(*l);
  CHECK(leaves[1] == merkle::LeafHash(merkle::HashAlgorithm::kSm3, "a"));
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSm3, leaves) == l->Head().root);
  auto genesis = ParseJson(*l->log().GetEntry(0));
  CHECK((*genesis)["tree_hash"] == "sm3");
}

TEST_CASE("reopening checks the node key and keeps the parameters", "[ledger]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  {
    auto l = CreateLedger(mem, key, merkle::HashAlgorithm::kSm3);
    REQUIRE(l->Append("x").ok());
  }
  auto wrong = Ledger::Open(std::make_unique<SharedStore>(mem), NodeKey());
  CHECK(wrong.status().code() == StatusCode::kFailedPrecondition);
  auto l = ReopenLedger(mem, key);
  CHECK(l->params().tree_hash == merkle::HashAlgorithm::kSm3);
  CHECK(l->params().origin == kOrigin);
  CHECK(l->Head().tree_size == 2);
  auto empty = Ledger::Open(std::make_unique<MemoryStore>(), key);
  CHECK(empty.status().code() == StatusCode::kNotFound);
}

namespace {

// Builds a ledger with a few blocks and returns the store and key, closed.
std::pair<std::shared_ptr<MemoryStore>, crypto::PrivateKey> ClosedLedger(int entries) {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  auto l = CreateLedger(mem, key);
  for (int i = 0; i < entries; ++i) REQUIRE(l->Append(Entry(static_cast<uint64_t>(i))).ok());
  return {mem, key};
}

Status OpenStatus(const std::shared_ptr<MemoryStore>& mem, const crypto::PrivateKey& key) {
  return Ledger::Open(std::make_unique<SharedStore>(mem), key).status();
}

std::string Head(const std::shared_ptr<MemoryStore>& mem) {
  std::string v;
  REQUIRE(mem->Get(format::kHeadKey, &v).ok());
  return v;
}

}  // namespace

TEST_CASE("a damaged store is refused at open with a precise DataLoss", "[ledger][corruption]") {
  SECTION("a tree tile is altered") {
    auto [mem, key] = ClosedLedger(300);
    std::string tile;
    REQUIRE(mem->Get(format::TileKey(0, 1), &tile).ok());  // partial tile of leaves 256..300
    tile[5] ^= 1;
    mem->Corrupt(format::TileKey(0, 1), tile);
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("stored tree tiles give") != std::string::npos);
  }
  SECTION("a tile is truncated") {
    auto [mem, key] = ClosedLedger(10);
    std::string tile;
    REQUIRE(mem->Get(format::TileKey(0, 0), &tile).ok());
    mem->Corrupt(format::TileKey(0, 0), tile.substr(0, tile.size() - 32));
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("tree tile 0/0") != std::string::npos);
  }
  SECTION("the last entry is altered") {
    auto [mem, key] = ClosedLedger(10);
    mem->Corrupt(format::EntryKey(10), "tampered");
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("entry 10 does not hash") != std::string::npos);
  }
  SECTION("the last entry is missing") {
    auto [mem, key] = ClosedLedger(10);
    mem->Corrupt(format::EntryKey(10), std::nullopt);
    CHECK(OpenStatus(mem, key).code() == StatusCode::kDataLoss);
  }
  SECTION("an entry exists beyond the tree") {
    auto [mem, key] = ClosedLedger(10);
    mem->Corrupt(format::EntryKey(11), "extra");
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("beyond the tree size 11") != std::string::npos);
  }
  SECTION("the head block's signature is broken") {
    auto [mem, key] = ClosedLedger(10);
    uint64_t h = format::GetBigEndian64(Head(mem));
    std::string block;
    REQUIRE(mem->Get(format::BlockKey(h), &block).ok());
    auto header = ParseBlockHeader(block);
    REQUIRE(header.ok());
    header->timestamp = "2000-01-01T00:00:00.000Z";
    mem->Corrupt(format::BlockKey(h), header->ToJson());
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("signature does not verify") != std::string::npos);
  }
  SECTION("the previous block was replaced") {
    auto [mem, key] = ClosedLedger(10);
    uint64_t h = format::GetBigEndian64(Head(mem));
    REQUIRE(h >= 1);
    std::string block;
    REQUIRE(mem->Get(format::BlockKey(h - 1), &block).ok());
    auto header = ParseBlockHeader(block);
    header->timestamp = "2000-01-01T00:00:00.000Z";
    mem->Corrupt(format::BlockKey(h - 1), header->ToJson());
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("prev_hash") != std::string::npos);
  }
  SECTION("the head block is not JSON") {
    auto [mem, key] = ClosedLedger(3);
    mem->Corrupt(format::BlockKey(format::GetBigEndian64(Head(mem))), "{garbage");
    Status s = OpenStatus(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK(s.message().find("is corrupt") != std::string::npos);
  }
}

TEST_CASE("the scrub finds damage that the open does not look for, and names it",
          "[ledger][corruption][scrub]") {
  // Each ledger: 600 entries in one block per append, so damage sits well below the head.
  auto scrub = [](const std::shared_ptr<MemoryStore>& mem, const crypto::PrivateKey& key) {
    auto l = Ledger::Open(std::make_unique<SharedStore>(mem), key);
    REQUIRE(l.ok());  // the open checks the head only
    std::vector<ScrubProgress> steps;
    Status s = ScrubLog((*l)->log(), [&](const ScrubProgress& p) {
      steps.push_back(p);
      return true;
    });
    return std::make_pair(s, steps);
  };
  SECTION("a sound log: every block, in order, to the head") {
    auto [mem, key] = ClosedLedger(20);
    auto [s, steps] = scrub(mem, key);
    CHECK(s.ok());
    REQUIRE(steps.size() == 21);  // the genesis block and one per append
    CHECK(steps.back().entries == 21);
    CHECK(steps.back().tree_size == 21);
    CHECK(steps[4].blocks == 5);
  }
  SECTION("an entry far below the head is altered") {
    auto [mem, key] = ClosedLedger(20);
    mem->Corrupt(format::EntryKey(3), "tampered");
    auto [s, steps] = scrub(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("entry 3 in the store does not hash to leaf 3"));
    CHECK(steps.size() == 3);  // blocks 0..2 passed
  }
  SECTION("a leaf hash in a full tile below the head is altered") {
    // At 600 entries the head's root reads leaves 256..511 as one hash of the level above:
    // the open does not see tile 0/1, the scrub reads every leaf.
    auto [mem, key] = ClosedLedger(600);
    std::string tile;
    REQUIRE(mem->Get(format::TileKey(0, 1), &tile).ok());
    tile[(300 - 256) * 32] ^= 1;
    mem->Corrupt(format::TileKey(0, 1), tile);
    auto [s, steps] = scrub(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("entry 300 in the store does not hash to leaf 300"));
    CHECK(steps.size() == 300);  // blocks 0..299 passed
  }
  SECTION("a full tile's middle row below the head is altered") {
    // Proofs read it instead of hashing the tile's bottom row; the head's root does not.
    auto [mem, key] = ClosedLedger(600);
    std::string row;
    REQUIRE(mem->Get(format::TileMiddleRowKey(0, 1), &row).ok());
    row[5 * 32] ^= 1;
    mem->Corrupt(format::TileMiddleRowKey(0, 1), row);
    auto [s, steps] = scrub(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("block 511") &&
                                Catch::Contains("the middle row of tree tile 0/1 is not the "
                                                "hashes of its bottom row"));
    CHECK(steps.size() == 511);  // blocks 0..510 passed
  }
  SECTION("a full tile's middle row is cut short") {
    auto [mem, key] = ClosedLedger(600);
    std::string row;
    REQUIRE(mem->Get(format::TileMiddleRowKey(0, 0), &row).ok());
    mem->Corrupt(format::TileMiddleRowKey(0, 0), row.substr(0, 480));
    auto [s, steps] = scrub(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(),
               Catch::Contains("the middle row of tree tile 0/0 has 480 bytes, not 512"));
    // A proof that needs it says the same, rather than proving from a short row.
    auto l = Ledger::Open(std::make_unique<SharedStore>(mem), key);
    REQUIRE(l.ok());
    auto proof = (*l)->log().InclusionProof(3, 600);
    CHECK(proof.status().code() == StatusCode::kDataLoss);
    CHECK_THAT(proof.status().message(), Catch::Contains("the middle row of tree tile 0/0"));
    // An entry's check against its leaf reads the bottom row alone, and still works.
    CHECK((*l)->log().GetEntry(3).ok());
  }
  SECTION("an old block is replaced by a signed one of another ledger") {
    auto [mem, key] = ClosedLedger(20);
    std::string block;
    REQUIRE(mem->Get(format::BlockKey(5), &block).ok());
    auto header = ParseBlockHeader(block);
    REQUIRE(header.ok());
    header->timestamp = "2000-01-01T00:00:00.000Z";
    header->signature = *NodeKey().Sign(header->SignedBytes());
    mem->Corrupt(format::BlockKey(5), header->ToJson());
    auto [s, steps] = scrub(mem, key);
    CHECK(s.code() == StatusCode::kDataLoss);
    CHECK_THAT(s.message(), Catch::Contains("block 5: its signature does not verify"));
  }
  SECTION("a step can stop the scrub") {
    auto [mem, key] = ClosedLedger(20);
    auto l = Ledger::Open(std::make_unique<SharedStore>(mem), key);
    REQUIRE(l.ok());
    int steps = 0;
    CHECK(ScrubLog((*l)->log(), [&](const ScrubProgress&) { return ++steps < 3; }).ok());
    CHECK(steps == 3);
  }
}

namespace {

// A copy of everything in `from`.
std::shared_ptr<MemoryStore> CopyOf(MemoryStore& from) {
  auto to = std::make_shared<MemoryStore>();
  WriteBatch all;
  REQUIRE(from.Scan("",
                    [&](std::string_view k, std::string_view v) {
                      all.Put(std::string(k), std::string(v));
                      return true;
                    })
              .ok());
  REQUIRE(to->Write(all, true).ok());
  return to;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// The largest file in `dir` whose name ends with `extension`.
std::string LargestFile(const std::string& dir, const std::string& extension) {
  std::string largest;
  uintmax_t largest_size = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() == extension && f.file_size() > largest_size) {
      largest = f.path().string();
      largest_size = f.file_size();
    }
  }
  REQUIRE_FALSE(largest.empty());
  return largest;
}

}  // namespace

TEST_CASE("a store that lost durable blocks is refused at open, by the head record",
          "[ledger][corruption]") {
  credledger::testing::TempDir dir;
  auto key = NodeKey();
  LedgerOptions options = FastOptions();
  options.head_record_path = dir.file("head");
  auto mem = std::make_shared<MemoryStore>();
  std::shared_ptr<MemoryStore> older;
  {
    auto l = Ledger::Create(std::make_unique<SharedStore>(mem), key, kOrigin,
                            merkle::HashAlgorithm::kSha256, {}, options);
    REQUIRE(l.ok());
    REQUIRE((*l)->Append("one").ok());
    older = CopyOf(*mem);  // as a truncated log would leave it: tree size 2
    REQUIRE((*l)->Append("two").ok());
  }
  CHECK(Ledger::Open(std::make_unique<SharedStore>(mem), key, options).ok());

  auto lost = Ledger::Open(std::make_unique<SharedStore>(older), key, options);
  CHECK(lost.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(lost.status().message(),
             Catch::Contains("the store ends at tree size 2 (block 1), but this node made tree "
                             "size 3 durable and signed it (" +
                             options.head_record_path + ")"));
  // The same size with other entries: a replaced store.
  auto other = std::make_shared<MemoryStore>();
  {
    auto l = CreateLedger(other, key);
    REQUIRE(l->Append("uno").ok());
    REQUIRE(l->Append("dos").ok());
  }
  auto replaced = Ledger::Open(std::make_unique<SharedStore>(other), key, options);
  CHECK(replaced.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(replaced.status().message(),
             Catch::Contains("its root at tree size 3 is not the one this node made durable"));
  // A record that is not one is not ignored; an empty one (a crash before its first write) is.
  WriteFile(options.head_record_path, "3 not-a-root\n");
  CHECK(Ledger::Open(std::make_unique<SharedStore>(mem), key, options).status().code() ==
        StatusCode::kDataLoss);
  WriteFile(options.head_record_path, "");
  CHECK(Ledger::Open(std::make_unique<SharedStore>(older), key, options).ok());
  // Opening wrote the record again: now the older store is the one it knows.
  CHECK(Ledger::Open(std::make_unique<SharedStore>(older), key, options).ok());
  CHECK(Ledger::Open(std::make_unique<SharedStore>(mem), key, options).ok());
}

TEST_CASE("a damaged LevelDB file is named before the store opens", "[ledger][corruption]") {
  credledger::testing::TempDir dir;
  const std::string path = dir.file("db");
  auto key = NodeKey();
  {
    LevelDbOptions create;
    create.create_if_missing = true;
    auto l = Ledger::Create(*OpenLevelDbStore(path, create), key, kOrigin,
                            merkle::HashAlgorithm::kSha256, {}, FastOptions());
    REQUIRE(l.ok());
    std::vector<std::string> entries;
    for (uint64_t i = 0; i < 2000; ++i) entries.push_back(Entry(i) + std::string(200, 'x'));
    for (auto& r : (*l)->SubmitBatch(std::move(entries)).get()) REQUIRE(r.ok());
  }
  REQUIRE(OpenLevelDbStore(path).ok());  // the reopen moves the log into a table file
  const std::string table = LargestFile(path, ".ldb");
  const std::string original = *ReadFileToString(table);
  LevelDbOptions check;  // as ledgerd opens its store: tables it has not checked before
  check.check_files = LevelDbOptions::FileCheck::kNew;
  check.describe_key = format::DescribeKey;
  LevelDbOptions check_all = check;  // as ledgerctl fsck does
  check_all.check_files = LevelDbOptions::FileCheck::kAll;
  std::filesystem::remove(path + "/CHECKED-TABLES");

  std::string flipped = original;
  flipped[flipped.size() / 3] ^= 0x01;  // past the first of the table's many blocks
  WriteFile(table, flipped);
  // Unchecked, LevelDB opens it: the damage waits for the first read that lands on it.
  CHECK(OpenLevelDbStore(path).ok());
  auto damaged = OpenLevelDbStore(path, check);  // a table never checked: read whole
  CHECK(damaged.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(damaged.status().message(), Catch::Contains(table + " is damaged after the key of ") &&
                                             Catch::Contains("block checksum mismatch"));

  // Checked once, a table is not read again at open: damage to it afterwards is found by a
  // full check (and by a read that lands on it), while a change of its size is found at open.
  WriteFile(table, original);
  REQUIRE(OpenLevelDbStore(path, check).ok());
  CHECK_THAT(
      *ReadFileToString(path + "/CHECKED-TABLES"),
      Catch::Contains("\n" + std::to_string(std::stoull(std::filesystem::path(table).stem())) +
                      " " + std::to_string(original.size()) + "\n"));
  WriteFile(table, flipped);
  CHECK(OpenLevelDbStore(path, check).ok());
  auto full = OpenLevelDbStore(path, check_all);
  CHECK(full.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(full.status().message(), Catch::Contains(table + " is damaged after the key of "));
  WriteFile(table, original.substr(0, original.size() / 2));
  auto truncated = OpenLevelDbStore(path, check);
  CHECK(truncated.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(truncated.status().message(), Catch::Contains(table + " is damaged"));
  WriteFile(table, original);

  // What a kill during a flush or compaction leaves: an unfinished table, and an old log,
  // that the MANIFEST does not name. LevelDB never reads them (it deletes them at open), so
  // they are no damage: the store opens, and LevelDB clears them away.
  const std::string orphan_table = path + "/999990.ldb", orphan_log = path + "/000001.log";
  WriteFile(orphan_table, original.substr(0, original.size() / 2));
  WriteFile(orphan_log, "torn");
  CHECK(OpenLevelDbStore(path, check).ok());
  CHECK_FALSE(std::filesystem::exists(orphan_table));

  // Recent writes live in the log file until the next reopen (or a clean close of a Ledger,
  // which moves them into a table: a crash leaves them in the log).
  {
    auto store = OpenLevelDbStore(path);
    REQUIRE(store.ok());
    for (uint64_t i = 0; i < 50; ++i) {
      WriteBatch late;
      late.Put("zlate " + std::to_string(i), Entry(i));
      REQUIRE((*store)->Write(late, true).ok());
    }
  }
  const std::string log = LargestFile(path, ".log");
  std::string bytes = *ReadFileToString(log);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteFile(log, bytes);
  auto bad_log = OpenLevelDbStore(path, check);
  CHECK(bad_log.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(bad_log.status().message(),
             Catch::Contains(log + " is damaged") && Catch::Contains("checksum mismatch"));
}

TEST_CASE(
    "compacting a range of a LevelDB store gives deleted values' disk back, and only "
    "theirs",
    "[ledger][leveldb]") {
  credledger::testing::TempDir dir;
  LevelDbOptions create;
  create.create_if_missing = true;
  create.write_buffer_bytes = 1 << 20;  // several tables
  auto store = OpenLevelDbStore(dir.file("db"), create).value();
  auto disk = [&] {
    uint64_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir.file("db"))) {
      if (f.path().extension() == ".ldb") bytes += f.file_size();
    }
    return bytes;
  };
  // Incompressible values under 'x' (index-like) and 'e' (log-like), then the 'x' ones
  // deleted: their tables still hold them until they are rewritten.
  const std::string value = crypto::HexEncode(crypto::RandomBytes(2048).value());
  for (int batch = 0; batch < 8; ++batch) {
    WriteBatch w;
    for (int i = 0; i < 256; ++i) {
      const std::string n = std::to_string(batch * 256 + i);
      w.Put("x" + n, value + n);
      w.Put("e" + n, value + n);
    }
    REQUIRE(store->Write(w, true).ok());
  }
  REQUIRE(store->FlushToTables().ok());
  WriteBatch deletions;
  for (int i = 0; i < 8 * 256; ++i) deletions.Delete("x" + std::to_string(i));
  REQUIRE(store->Write(deletions, true).ok());
  REQUIRE(store->FlushToTables().ok());
  const uint64_t before = disk();
  REQUIRE(store->CompactRange("x", "y").ok());
  const uint64_t after = disk();
  INFO("tables " << before << " -> " << after << " bytes");
  CHECK(after < before * 6 / 10);  // the 'x' half (and its deletions) gone
  std::string got;
  CHECK(store->Get("e7", &got).ok());
  CHECK(got == value + "7");
  CHECK(store->Get("x7", &got).code() == StatusCode::kNotFound);
}

TEST_CASE("a LevelDB ledger survives close and reopen", "[ledger][leveldb]") {
  credledger::testing::TempDir dir;
  auto key = NodeKey();
  TreeHead head;
  {
    LevelDbOptions create;
    create.create_if_missing = true;
    auto store = OpenLevelDbStore(dir.file("db"), create);
    REQUIRE(store.ok());
    auto l = Ledger::Create(std::move(*store), key, kOrigin, merkle::HashAlgorithm::kSha256, {},
                            FastOptions());
    REQUIRE(l.ok());
    for (int i = 0; i < 600; ++i) REQUIRE((*l)->Append(Entry(static_cast<uint64_t>(i))).ok());
    head = (*l)->Head();
  }
  // A clean close moved the writes from LevelDB's log into a table it read through and
  // recorded: the next open has nothing to replay and nothing new to check.
  uint64_t log_bytes = 0;
  std::vector<std::string> tables;
  for (const auto& f : std::filesystem::directory_iterator(dir.file("db"))) {
    if (f.path().extension() == ".log") log_bytes += f.file_size();
    if (f.path().extension() == ".ldb") tables.push_back(f.path().stem().string());
  }
  CHECK(log_bytes == 0);
  REQUIRE_FALSE(tables.empty());
  const std::string checked = credledger::testing::ReadFile(dir.file("db") + "/CHECKED-TABLES");
  for (const std::string& t : tables)
    CHECK_THAT(checked, Catch::Contains(std::to_string(std::stoull(t)) + " "));
  CHECK(OpenLevelDbStore(dir.file("missing")).status().code() == StatusCode::kNotFound);
  auto store = OpenLevelDbStore(dir.file("db"));
  REQUIRE(store.ok());
  // A second process (or handle) cannot open the same store while it is open.
  CHECK_FALSE(OpenLevelDbStore(dir.file("db")).ok());
  auto l = Ledger::Open(std::move(*store), key, FastOptions());
  REQUIRE(l.ok());
  CHECK((*l)->Head().tree_size == head.tree_size);
  CHECK((*l)->Head().root == head.root);
  auto r = (*l)->Append(Entry(0));
  REQUIRE(r.ok());
  CHECK(r->already_present);
  CHECK(r->index == 1);
}

TEST_CASE("acknowledged appends survive kill -9 at random moments", "[ledger][crash]") {
  credledger::testing::TempDir dir;
  const std::string path = dir.file("db");
  const std::string key_path = dir.file("node-key.pem");
  auto key = NodeKey();
  credledger::testing::WriteFile(key_path, key.ToPem());
  {
    LevelDbOptions create;
    create.create_if_missing = true;
    auto store = OpenLevelDbStore(path, create);
    REQUIRE(store.ok());
    REQUIRE(Ledger::Create(std::move(*store), key, kOrigin, merkle::HashAlgorithm::kSha256).ok());
  }
  std::mt19937_64 rng(42);
  std::map<uint64_t, std::string> acknowledged;  // index -> entry
  std::vector<std::pair<uint64_t, Hash>> heads;  // every head seen after a restart
  for (int cycle = 0; cycle < 5; ++cycle) {
    // A separate process appends from 4 threads and reports each acknowledgement on a pipe;
    // it is killed with SIGKILL mid-flight after a random number of them.
    std::string error;
    const std::string buffer = credledger::testing::KillAfterLines(
        {CREDLEDGER_CRASH_WRITER, path, key_path, std::to_string(cycle), "4"}, 50 + rng() % 400,
        rng, &error);
    if (!error.empty()) FAIL(error);
    std::istringstream in(buffer);
    std::string line;
    while (std::getline(in, line)) {
      auto space = line.find(' ');
      acknowledged[std::stoull(line.substr(0, space))] = line.substr(space + 1);
    }
    // Reopen: the startup check passes and every acknowledged entry is at its index.
    auto store = OpenLevelDbStore(path);
    REQUIRE(store.ok());
    auto l = Ledger::Open(std::move(*store), key);
    if (!l.ok()) FAIL(l.status().ToString());
    TreeHead head = (*l)->Head();
    for (const auto& [index, entry] : acknowledged) {
      REQUIRE(index < head.tree_size);
      auto got = (*l)->log().GetEntry(index);
      REQUIRE(got.ok());
      REQUIRE(*got == entry);
    }
    // The new head is consistent with every head seen before it.
    for (const auto& [size, root] : heads) {
      auto proof = (*l)->log().ConsistencyProof(size, head.tree_size);
      REQUIRE(proof.ok());
      REQUIRE(merkle::VerifyConsistency(merkle::HashAlgorithm::kSha256, size, head.tree_size, root,
                                        head.root, *proof)
                  .ok());
    }
    heads.emplace_back(head.tree_size, head.root);
  }
  CHECK(acknowledged.size() >= 250);
}

TEST_CASE(
    "resubmitted entries get their index while the leaf filter is built in the background, "
    "grown, and capped",
    "[ledger][filter]") {
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  std::mt19937_64 rng(11);
  std::vector<std::string> appended;  // appended[i] is at index i + 1
  // Each batch carries new entries and a sample of earlier ones: the earlier ones must come
  // back already present at their index, whatever state the filter is in. The log grows past
  // the filter's first capacity (65,536 leaves), so a build starts mid-way and is taken.
  auto grow = [&](Ledger& l, int batches, int per_batch) {
    for (int b = 0; b < batches; ++b) {
      std::vector<std::string> batch;
      std::vector<size_t> again;
      for (int i = 0; i < 100 && !appended.empty(); ++i) {
        again.push_back(rng() % appended.size());
        batch.push_back(appended[again.back()]);
      }
      for (int i = 0; i < per_batch; ++i) batch.push_back("leaf " + std::to_string(rng()));
      auto results = l.SubmitBatch(batch).get();
      for (size_t i = 0; i < results.size(); ++i) {
        REQUIRE(results[i].ok());
        if (i < again.size()) {
          REQUIRE(results[i]->already_present);
          REQUIRE(results[i]->index == again[i] + 1);
        } else if (!results[i]->already_present) {
          REQUIRE(results[i]->index == appended.size() + 1);
          appended.push_back(batch[i]);
        }
      }
    }
  };
  {
    auto l = CreateLedger(mem, key);
    grow(*l, 16, 5000);
  }
  // Reopened, the filter is built in the background from the tiles: meanwhile, and after,
  // every earlier entry is still found.
  {
    auto l = ReopenLedger(mem, key);
    grow(*l, 4, 1000);
  }
  // A filter capped far below the log: it fills up, and look-ups go to the store.
  LedgerOptions capped = FastOptions();
  capped.leaf_filter_bytes = 1024;
  auto l = Ledger::Open(std::make_unique<SharedStore>(mem), key, capped);
  REQUIRE(l.ok());
  grow(**l, 4, 1000);
  CHECK(appended.size() > 80000);
}

TEST_CASE("the leaf filter never forgets a leaf and rarely says maybe", "[ledger][filter]") {
  internal::LeafFilter filter(100000);
  std::mt19937_64 rng(3);
  auto random_hash = [&] {
    Hash h;
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    return h;
  };
  std::vector<Hash> added;
  for (int i = 0; i < 100000; ++i) {
    added.push_back(random_hash());
    filter.Add(added.back());
  }
  for (const Hash& h : added) REQUIRE(filter.MayContain(h));
  int false_positives = 0;
  for (int i = 0; i < 100000; ++i) false_positives += filter.MayContain(random_hash());
  CHECK(false_positives < 1000);  // < 1%
}

namespace {

// Admits entries unless they start with "bad" or repeat a "key:" prefix already admitted; records
// what it was told, as the domain policy would, and keeps an index beside the log: "xkey|<key>"
// for each admitted entry and "xsize" for each block.
class ToyPolicy : public AdmissionPolicy {
 public:
  Status Admit(std::string_view entry, const Hash&, uint64_t index, const EntryChecks*,
               WriteBatch* writes) override {
    if (entry.rfind("bad", 0) == 0) return Status::PermissionDenied("bad entries are refused");
    std::string key(entry.substr(0, entry.find(':')));
    if (keys_.count(key)) return Status::AlreadyExists("key " + key + " is taken");
    keys_[key] = index;
    writes->Put("xkey|" + key, std::to_string(index));
    return Status::Ok();
  }
  void Seal(uint64_t tree_size, WriteBatch* writes) override {
    writes->Put("xsize", std::to_string(tree_size));
  }
  void Committed(uint64_t tree_size) override { committed_ = tree_size; }
  void RolledBack(uint64_t first_index) override {
    ++rollbacks_;
    for (auto it = keys_.begin(); it != keys_.end();) {
      it = it->second >= first_index ? keys_.erase(it) : std::next(it);
    }
  }
  std::map<std::string, uint64_t> keys_;
  uint64_t committed_ = 0;
  int rollbacks_ = 0;
};

}  // namespace

TEST_CASE("an admission policy sees entries in log order and can refuse them", "[ledger][policy]") {
  auto mem = std::make_shared<MemoryStore>();
  auto l = CreateLedger(mem, NodeKey());
  auto policy = std::make_shared<ToyPolicy>();
  l->SetAdmissionPolicy(policy);
  auto results = l->SubmitBatch({"a:1", "bad:2", "b:3", "a:4"}).get();
  REQUIRE(results[0].ok());
  CHECK(results[0]->index == 1);
  CHECK(results[1].status().code() == StatusCode::kPermissionDenied);
  REQUIRE(results[2].ok());
  CHECK(results[2]->index == 2);  // no gap where the refused entry was
  CHECK(results[3].status().code() == StatusCode::kAlreadyExists);
  CHECK(l->Head().tree_size == 3);
  CHECK(policy->committed_ == 3);
  // The policy's writes are in the store with the block, and say what its state was there.
  std::string value;
  REQUIRE(mem->Get("xkey|b", &value).ok());
  CHECK(value == "2");
  REQUIRE(mem->Get("xsize", &value).ok());
  CHECK(value == "3");
  // A resubmitted admitted entry is idempotent and does not reach the policy again.
  auto again = l->Append("a:1");
  REQUIRE(again.ok());
  CHECK(again->already_present);

  // A failed block rolls the policy back, so the same entry can be admitted later.
  mem->FailWritesAfter(0);
  CHECK(l->Append("c:5").status().code() == StatusCode::kUnavailable);
  CHECK(policy->rollbacks_ >= 1);
  CHECK(policy->keys_.count("c") == 0);
  CHECK(mem->Get("xkey|c", &value).code() == StatusCode::kNotFound);  // not written either
  REQUIRE(mem->Get("xsize", &value).ok());
  CHECK(value == "3");
  mem->FailWritesAfter(std::nullopt);
  auto c = l->Append("c:5");
  REQUIRE(c.ok());
  CHECK(c->index == 3);
  CHECK(policy->keys_.at("c") == 3);
  REQUIRE(mem->Get("xkey|c", &value).ok());
  CHECK(value == "3");
}

TEST_CASE("reopening at a tree size that fills a tile exactly", "[ledger][tiles][regression]") {
  // Regression: the open-time check read the last leaf from the partial level-0 tile, which is
  // empty when the size is a multiple of 256.
  auto mem = std::make_shared<MemoryStore>();
  auto key = NodeKey();
  {
    auto l = CreateLedger(mem, key);
    std::vector<std::string> batch;
    for (int i = 1; i < 256; ++i) batch.push_back(Entry(static_cast<uint64_t>(i)));
    for (auto& r : l->SubmitBatch(batch).get()) REQUIRE(r.ok());
    REQUIRE(l->Head().tree_size == 256);
  }
  auto l = ReopenLedger(mem, key);
  CHECK(l->Head().tree_size == 256);
  REQUIRE(l->Append("after").ok());
  CHECK(merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, AllLeafHashes(*l)) ==
        l->Head().root);
}

// --- Followers: a copy of a leader's log, verified block by block ---

namespace {

// Every key and value of `store`, but the follower's checkpoint.
std::map<std::string, std::string> StoreContents(MemoryStore& store) {
  std::map<std::string, std::string> out;
  REQUIRE(store
              .Scan("",
                    [&](std::string_view key, std::string_view value) {
                      if (key != format::kFollowedCheckpointKey) out[std::string(key)] = value;
                      return true;
                    })
              .ok());
  return out;
}

std::unique_ptr<Ledger> StartFollower(std::shared_ptr<MemoryStore> mem, const Ledger& leader) {
  auto genesis = leader.log().GetEntry(0);
  auto block0 = leader.log().GetBlock(0);
  REQUIRE(genesis.ok());
  REQUIRE(block0.ok());
  auto f = Ledger::CreateFollower(std::make_unique<SharedStore>(mem), leader.params(), *genesis,
                                  *block0, FastOptions());
  if (!f.ok()) FAIL(f.status().ToString());
  return std::move(*f);
}

// Block `height` of `leader` and its entries, as a follower gets them.
std::pair<BlockHeader, std::vector<Submission>> BlockOf(const Ledger& leader,
                                                        const Ledger& follower, uint64_t height) {
  auto header = leader.log().GetBlock(height);
  REQUIRE(header.ok());
  std::vector<Submission> entries;
  for (uint64_t i = header->first_index; i < header->tree_size; ++i) {
    auto entry = leader.log().GetEntry(i);
    REQUIRE(entry.ok());
    auto submission = follower.NewSubmission(*entry);
    REQUIRE(submission.ok());
    entries.push_back(std::move(*submission));
  }
  return {*header, std::move(entries)};
}

Status CopyBlock(const Ledger& leader, Ledger& follower, uint64_t height) {
  auto [header, entries] = BlockOf(leader, follower, height);
  return follower.AppendBlock(header, std::move(entries));
}

}  // namespace

TEST_CASE("a follower copies its leader's blocks into a store like the leader's",
          "[ledger][follower]") {
  auto key = NodeKey();
  auto leader_mem = std::make_shared<MemoryStore>();
  auto leader = CreateLedger(leader_mem, key);
  auto leader_policy = std::make_shared<ToyPolicy>();
  leader->SetAdmissionPolicy(leader_policy);
  // Blocks of several sizes, across a full level-0 tile (its middle row included).
  for (int round = 0; round < 6; ++round) {
    std::vector<std::string> batch;
    for (int i = 0; i < 1 + round * 19; ++i) {
      // Built with +=: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string here.
      std::string entry = "k";
      entry += std::to_string(round) + "-" + std::to_string(i) + ":x";
      batch.push_back(std::move(entry));
    }
    for (auto& r : leader->SubmitBatch(batch).get()) REQUIRE(r.ok());
  }
  REQUIRE(leader->Append("last:1").ok());
  const TreeHead head = leader->Head();
  REQUIRE(head.tree_size > 256);

  auto follower_mem = std::make_shared<MemoryStore>();
  auto follower = StartFollower(follower_mem, *leader);
  auto follower_policy = std::make_shared<ToyPolicy>();
  follower->SetAdmissionPolicy(follower_policy);
  CHECK(follower->IsFollower());
  CHECK_FALSE(leader->IsFollower());
  CHECK(follower->VerifierKey() == leader->VerifierKey());
  // It signs nothing and sequences nothing.
  CHECK(follower->SignedCheckpoint().status().code() == StatusCode::kUnavailable);
  CHECK(follower->Append("mine:1").status().code() == StatusCode::kFailedPrecondition);
  CHECK(leader->AppendBlock(*leader->log().GetBlock(1), {}).code() ==
        StatusCode::kFailedPrecondition);

  for (uint64_t h = 1; h <= head.block_height; ++h) REQUIRE(CopyBlock(*leader, *follower, h).ok());
  CHECK(follower->Head().tree_size == head.tree_size);
  CHECK(follower->Head().root == head.root);
  CHECK(follower->Head().block_height == head.block_height);
  CHECK(follower_policy->committed_ == head.tree_size);
  CHECK(follower_policy->keys_ == leader_policy->keys_);
  // Byte for byte the leader's store: entries, leaf index, tiles and their rows, blocks, head,
  // parameters and the policy's own keys.
  CHECK(StoreContents(*follower_mem) == StoreContents(*leader_mem));
  auto proof = follower->log().InclusionProof(100, head.tree_size);
  REQUIRE(proof.ok());
  CHECK(*proof == *leader->log().InclusionProof(100, head.tree_size));

  // It serves the leader's checkpoint once it holds the tree that checkpoint signs.
  auto note = leader->SignedCheckpoint();
  REQUIRE(note.ok());
  REQUIRE(follower->AdoptCheckpoint(*note).ok());
  CHECK(*follower->SignedCheckpoint() == *note);
  // ... and after a reopen, with the checks Open makes and no node key.
  follower.reset();
  auto reopened = Ledger::OpenFollower(std::make_unique<SharedStore>(follower_mem), FastOptions());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->IsFollower());
  CHECK((*reopened)->Head().root == head.root);
  CHECK(*(*reopened)->SignedCheckpoint() == *note);
  // A follower's store is a leader's: the leader's key opens it as a leader (a promotion).
  reopened->reset();
  auto promoted = Ledger::Open(std::make_unique<SharedStore>(follower_mem), key, FastOptions());
  REQUIRE(promoted.ok());
  auto appended = (*promoted)->Append("after-promotion:1");
  REQUIRE(appended.ok());
  CHECK(appended->index == head.tree_size);
}

TEST_CASE("a follower refuses a block that is not its leader's next, and writes nothing of it",
          "[ledger][follower]") {
  auto key = NodeKey();
  auto leader = CreateLedger(std::make_shared<MemoryStore>(), key);
  for (char k : {'a', 'b', 'c'}) REQUIRE(leader->Append(std::string(1, k) + ":1").ok());
  REQUIRE(leader->Head().block_height == 3);
  auto follower_mem = std::make_shared<MemoryStore>();
  auto follower = StartFollower(follower_mem, *leader);
  auto policy = std::make_shared<ToyPolicy>();
  follower->SetAdmissionPolicy(policy);
  REQUIRE(CopyBlock(*leader, *follower, 1).ok());
  const auto before = StoreContents(*follower_mem);
  const TreeHead head = follower->Head();

  auto resign = [&](BlockHeader h) {
    auto sig = key.Sign(h.SignedBytes());
    REQUIRE(sig.ok());
    h.signature = *sig;
    return h;
  };
  auto refused = [&](const BlockHeader& header, std::vector<Submission> entries) {
    Status s = follower->AppendBlock(header, std::move(entries));
    INFO(s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(follower->Head().tree_size == head.tree_size);
    CHECK(StoreContents(*follower_mem) == before);
    return s.message();
  };
  auto entries = [&](std::vector<std::string> bytes) {
    std::vector<Submission> out;
    for (auto& b : bytes) out.push_back(*follower->NewSubmission(b));
    return out;
  };
  auto [block2, entries2] = BlockOf(*leader, *follower, 2);
  const std::string entry2 = *leader->log().GetEntry(2);

  SECTION("skipping a block") {
    auto [block3, entries3] = BlockOf(*leader, *follower, 3);
    CHECK_THAT(refused(block3, std::move(entries3)), Catch::Contains("does not follow block 1"));
  }
  SECTION("a signature by another key") {
    BlockHeader forged = block2;
    forged.signature = *NodeKey().Sign(forged.SignedBytes());
    CHECK_THAT(refused(forged, entries({entry2})), Catch::Contains("not signed by the node key"));
  }
  SECTION("an entry that is not the one the block's root commits to") {
    CHECK_THAT(refused(block2, entries({entry2 + " "})), Catch::Contains("but its entries give"));
  }
  SECTION("a link to another block") {
    BlockHeader relinked = block2;
    relinked.prev_hash[0] ^= 1;
    CHECK_THAT(refused(resign(relinked), entries({entry2})), Catch::Contains("links to"));
  }
  SECTION("fewer entries than the block holds") {
    CHECK_THAT(refused(block2, entries({})), Catch::Contains("0 were given"));
  }
  SECTION("an entry logged twice") {
    const std::string entry1 = *leader->log().GetEntry(1);
    BlockHeader twice = block2;
    CHECK_THAT(refused(resign(twice), entries({entry1})),
               Catch::Contains("entry 2 repeats entry 1"));
  }
  SECTION("a date before the block before") {
    BlockHeader early = block2;
    early.timestamp = "2000-01-01T00:00:00.000Z";
    CHECK_THAT(refused(resign(early), entries({entry2})), Catch::Contains("is dated"));
  }
  SECTION("an entry the rules refuse") {
    // A leader that admitted "bad:1" (its policy skipped): the follower's refuses it, with its
    // error, and rolls back what it admitted of the block.
    // Block 2 re-signed to hold a good entry, then a bad one.
    BlockHeader bad = block2;
    bad.entry_count = 2;
    bad.tree_size = 4;
    std::vector<Hash> leaves = AllLeafHashes(*follower);
    leaves.push_back(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "good:1"));
    leaves.push_back(merkle::LeafHash(merkle::HashAlgorithm::kSha256, "bad:1"));
    bad.root = merkle::RootFromLeafHashes(merkle::HashAlgorithm::kSha256, leaves);
    Status s = follower->AppendBlock(resign(bad), entries({"good:1", "bad:1"}));
    CHECK(s.code() == StatusCode::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("entry 3"));
    CHECK(policy->keys_.count("good") == 0);  // rolled back
    CHECK(StoreContents(*follower_mem) == before);
  }
  // Whatever was refused, the leader's real block still follows.
  REQUIRE(CopyBlock(*leader, *follower, 2).ok());
  REQUIRE(CopyBlock(*leader, *follower, 3).ok());
  CHECK(follower->Head().root == leader->Head().root);
}

TEST_CASE("a follower serves only a checkpoint its own copy of the log proves",
          "[ledger][follower]") {
  auto key = NodeKey();
  auto leader = CreateLedger(std::make_shared<MemoryStore>(), key);
  for (int i = 0; i < 2; ++i) REQUIRE(leader->Append(Entry(static_cast<uint64_t>(i))).ok());
  const std::string at3 = *leader->SignedCheckpoint();
  for (int i = 2; i < 4; ++i) REQUIRE(leader->Append(Entry(static_cast<uint64_t>(i))).ok());
  const std::string at5 = *leader->SignedCheckpoint();
  auto follower = StartFollower(std::make_shared<MemoryStore>(), *leader);
  for (uint64_t h = 1; h <= 2; ++h) REQUIRE(CopyBlock(*leader, *follower, h).ok());

  CHECK(follower->AdoptCheckpoint(at5).code() == StatusCode::kFailedPrecondition);  // ahead
  // A fork: another ledger under the same key and origin, with another history.
  auto fork = CreateLedger(std::make_shared<MemoryStore>(), key);
  REQUIRE(fork->Append("another history").ok());
  REQUIRE(fork->Append("of the same size").ok());
  REQUIRE(fork->Head().tree_size == follower->Head().tree_size);
  Status forked = follower->AdoptCheckpoint(*fork->SignedCheckpoint());
  CHECK(forked.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(forked.message(), Catch::Contains("two histories under one key"));
  // Another key's checkpoint.
  auto stranger = CreateLedger(std::make_shared<MemoryStore>(), NodeKey());
  CHECK(follower->AdoptCheckpoint(*stranger->SignedCheckpoint()).code() ==
        StatusCode::kUnauthenticated);
  CHECK(follower->SignedCheckpoint().status().code() == StatusCode::kUnavailable);

  // An older checkpoint than the one served is ignored.
  for (uint64_t h = 3; h <= leader->Head().block_height; ++h) {
    REQUIRE(CopyBlock(*leader, *follower, h).ok());
  }
  REQUIRE(follower->AdoptCheckpoint(at5).ok());
  CHECK(*follower->SignedCheckpoint() == at5);
  REQUIRE(follower->AdoptCheckpoint(at3).ok());
  CHECK(*follower->SignedCheckpoint() == at5);
}

TEST_CASE("a follower whose store fails a block write takes nothing of it, and goes on after",
          "[ledger][follower][faults]") {
  auto key = NodeKey();
  auto leader = CreateLedger(std::make_shared<MemoryStore>(), key);
  auto leader_policy = std::make_shared<ToyPolicy>();
  leader->SetAdmissionPolicy(leader_policy);
  for (char k : {'a', 'b'}) REQUIRE(leader->Append(std::string(1, k) + ":1").ok());
  auto mem = std::make_shared<MemoryStore>();
  auto follower = StartFollower(mem, *leader);
  auto policy = std::make_shared<ToyPolicy>();
  follower->SetAdmissionPolicy(policy);
  REQUIRE(CopyBlock(*leader, *follower, 1).ok());
  const auto before = StoreContents(*mem);

  mem->FailWritesAfter(0);
  Status failed = CopyBlock(*leader, *follower, 2);
  CHECK(failed.code() == StatusCode::kUnavailable);  // this node's fault: retried, no alarm
  CHECK(follower->Head().tree_size == 2);
  CHECK(policy->keys_.count("b") == 0);  // the policy rolled back
  mem->FailWritesAfter(std::nullopt);
  CHECK(StoreContents(*mem) == before);
  REQUIRE(CopyBlock(*leader, *follower, 2).ok());
  CHECK(follower->Head().root == leader->Head().root);
  CHECK(policy->keys_ == leader_policy->keys_);
}
