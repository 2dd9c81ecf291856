#include "ledger/ledger.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "crypto/encoding.h"
#include "crypto/mutex.h"
#include "ledger/canonical_json.h"
#include "ledger/format.h"
#include "ledger/internal/head.h"
#include "ledger/internal/leaf_filter.h"
#include "ledger/internal/serial_executor.h"
#include "ledger/internal/tree_store.h"

namespace credledger {
namespace {

using merkle::Hash;

std::string EncodeIndex(uint64_t index) {
  std::string s;
  format::PutBigEndian64(&s, index);
  return s;
}

Result<std::string> ParamsJson(const LedgerParams& p) {
  Json j = {{"format_version", format::kFormatVersion},
            {"node_key", crypto::Base64Encode(p.node_key.spki_der())},
            {"origin", p.origin},
            {"tree_hash", std::string(crypto::HashAlgorithmName(p.tree_hash))}};
  return CanonicalJson(j);
}

// Writes a new ledger into empty `store`: entry 0 and its leaf index and tile, the genesis
// block, the head pointer and the parameters, in one synced batch (a leader's Create and a
// follower's CreateFollower, whose stores are the same). REQUIRES: `genesis` is block 0 of
// `genesis_entry`.
Status WriteGenesis(Store* store, const LedgerParams& params, const std::string& genesis_entry,
                    const BlockHeader& genesis) {
  CREDLEDGER_ASSIGN_OR_RETURN(internal::TreeWriter writer,
                              internal::TreeWriter::Load(store, params.tree_hash, 0));
  const Hash leaf = merkle::LeafHash(params.tree_hash, genesis_entry);
  writer.Append(leaf);
  WriteBatch wb;
  wb.Put(format::EntryKey(0), genesis_entry);
  wb.Put(format::LeafKey(leaf), EncodeIndex(0));
  writer.FlushTiles(&wb);
  wb.Put(format::BlockKey(0), genesis.ToJson());
  wb.Put(std::string(format::kHeadKey), EncodeIndex(0));
  // Parameters last in the batch, though the batch is atomic: they mark a complete ledger.
  CREDLEDGER_ASSIGN_OR_RETURN(std::string params_json, ParamsJson(params));
  wb.Put(std::string(format::kParamsKey), std::move(params_json));
  return store->Write(wb, /*sync=*/true);
}

// The caller side of a SubmitBatch: one completion for the whole batch.
struct BatchWaiter {
  explicit BatchWaiter(size_t n) : results(n, Status::Internal("not sequenced")) {}
  std::function<void(std::vector<Result<AppendReceipt>>)> done;
  std::vector<Result<AppendReceipt>> results;  // slot i answers entry i
  size_t remaining = 0;                        // queued entries not yet answered
};

struct Pending {
  std::string entry;
  Hash leaf_hash;  // computed by the submitting thread, off the sequencer's critical path
  std::shared_ptr<const EntryChecks> checks;  // the submitter's, for the admission policy
  std::chrono::steady_clock::time_point arrived;
  // Exactly one of these: a single Submit's completion, or a slot of a batch.
  std::function<void(Result<AppendReceipt>)> done;
  std::shared_ptr<BatchWaiter> batch;
  size_t slot = 0;

  // Called once, by the sequencer thread (so `remaining` needs no lock).
  void Resolve(Result<AppendReceipt> result) {
    if (batch) {
      batch->results[slot] = std::move(result);
      if (--batch->remaining == 0) batch->done(std::move(batch->results));
    } else {
      done(std::move(result));
    }
  }
};

}  // namespace

Result<std::string> DefaultGenesisEntry(const std::string& origin, merkle::HashAlgorithm tree_hash,
                                        const crypto::PublicKey& node_key) {
  Json j = {{"type", "genesis"},
            {"schema_version", 1},
            {"origin", origin},
            {"tree_hash", std::string(crypto::HashAlgorithmName(tree_hash))},
            {"created_at", NowTimestamp()},
            {"node_key",
             {{"alg", std::string(crypto::KeyAlgorithmName(node_key.algorithm()))},
              {"key_id", node_key.KeyId()},
              {"spki", crypto::Base64Encode(node_key.spki_der())}}}};
  return CanonicalJson(j);
}

struct Ledger::Impl {
  // Without `sig` and `key`: a follower's (Ledger::OpenFollower), whose `vkey` is its leader's.
  Impl(std::unique_ptr<Store> s, LedgerParams p, std::optional<NoteSigner> sig,
       std::optional<crypto::PrivateKey> key, std::string vkey, const LedgerOptions& o,
       internal::TreeWriter w, BlockHeader last)
      : store(std::move(s)),
        params(std::move(p)),
        signer(std::move(sig)),
        node_key(std::move(key)),
        verifier_key(std::move(vkey)),
        options(o),
        // Before last_block takes `last`: members are initialised in declaration order.
        log(store.get(), nullptr, params, verifier_key, last, o.tile_cache_tiles),
        writer(std::move(w)),
        last_block(std::move(last)),
        last_block_hash(last_block.Hash(params.tree_hash)) {}

  struct Outcome {
    Status error;
    AppendReceipt receipt;
    bool depends_on_write = false;  // answered only once this block is durable
    // The entry's bytes moved into the block's write batch as this op (not copied: the
    // batch is the entry's one home until it is written), if admitted.
    std::optional<size_t> entry_op;
  };
  // A block prepared by the sequencer, then written by the writer thread.
  struct PreparedBlock {
    explicit PreparedBlock(const internal::TreeWriter& tree) : before(tree) {}
    std::vector<Pending> items;
    std::vector<Outcome> outcomes;
    internal::TreeWriter before;  // the tree before this block: restored if the write fails
    std::unordered_map<Hash, uint64_t, merkle::HashHasher> added;  // leaf hash -> index
    bool has_block = false;  // false when every item was a duplicate or failed
    BlockHeader header;
    Hash header_hash{};
    WriteBatch batch;
    std::shared_ptr<AdmissionPolicy> policy;          // the one that admitted this block's entries
    std::shared_ptr<BlockGate> gate;                  // the one it must pass before its write
    std::chrono::steady_clock::time_point handed_at;  // to the writer
  };

  void Run();
  Status CheckEntry(const std::string& entry) const;
  // Queues all of `items` or none (back-pressure, shutdown).
  Status Enqueue(std::vector<Pending>& items);
  std::vector<Pending> TakeBatch(bool wait_for_block);
  std::unique_ptr<PreparedBlock> Prepare(std::vector<Pending> items,
                                         const PreparedBlock* in_flight);
  // What became of a block handed to the writer: its gate's answer, then (if it passed) its
  // write's.
  struct WriteOutcome {
    Status gate;
    Status written;
  };
  // The writer's task for `block`: its gate, then its write.
  WriteOutcome GateAndWrite(const PreparedBlock& block);
  enum class Fate { kDurable, kRolledBack, kUnsettled };
  // Answers `block`'s callers once its write returned `outcome`. A failed write is settled
  // first if the store can tell whether the block landed (Landed); kUnsettled leaves the block
  // admitted and built, for the caller to keep in `unsettled`. A block its gate refused was not
  // written: it is rolled back.
  Fate Finish(PreparedBlock& block, const WriteOutcome& outcome);
  void Commit(const PreparedBlock& block);
  // Writes the last durable block's tree size and root to the head record, if any. Its
  // length never shrinks (sizes grow), so an overwrite in place leaves no stale tail.
  void RecordHead() const {
    if (head_record_fd < 0) return;
    const std::string line =
        std::to_string(last_block.tree_size) + " " + crypto::HexEncode(last_block.root) + "\n";
    // A failure only weakens the open-time check; it must not fail the block.
    [[maybe_unused]] ssize_t n = ::pwrite(head_record_fd, line.data(), line.size(), 0);
  }
  void RollBack(const PreparedBlock& block);
  // After `block`'s write failed: recovers the store and reads back whether the block is in
  // it. An error if the store cannot tell yet.
  Result<bool> Landed(const PreparedBlock& block);
  // Settles `unsettled` if the store can now tell its fate. OK: no block is unsettled; else
  // the error to refuse writes with meanwhile.
  Status SettleUnsettled();
  // Starts building a leaf filter for `capacity` leaves in the background, from the stored
  // level-0 tiles (which hold every durable leaf hash), unless a build is under way; the
  // leaves of `in_flight` and of every block prepared from now on are added when it is taken.
  void StartFilterBuild(uint64_t capacity, const PreparedBlock* in_flight);
  // Takes a finished build as the leaf filter.
  void TakeFilterBuild();
  // Stops a build under way (the ledger is closing).
  void StopFilterBuild();
  void AddToLeafFilter(const Hash& leaf) {
    leaf_filter.Add(leaf);  // if the write fails: a false positive, harmless
    if (filter_build) added_during_build.push_back(leaf);
  }
  // DataLoss if the store ends before the head record or disagrees with it.
  Status CheckHeadRecord() const;
  TreeHead CurrentHead() const { return log.Head(); }

  const std::unique_ptr<Store> store;
  const LedgerParams params;
  const std::optional<NoteSigner> signer;            // none on a follower
  const std::optional<crypto::PrivateKey> node_key;  // none on a follower
  const std::string verifier_key;
  const LedgerOptions options;
  LogReader log;  // the reads, at the last durable block

  // Owned by the sequencer thread.
  internal::TreeWriter writer;
  BlockHeader last_block;
  Hash last_block_hash;
  internal::LeafFilter leaf_filter{1};
  bool leaf_filter_ok = false;  // false: every idempotency check reads the store
  // The leaf filter is built in the background, at open and when the log outgrows it, so that
  // neither the start nor the sequencer waits for a scan of every leaf: until a build is
  // taken, idempotency checks read the store (whose own Bloom filters make a miss cheap).
  struct FilterBuild {
    Mutex mu;
    std::optional<internal::LeafFilter> result GUARDED_BY(mu);
    bool failed GUARDED_BY(mu) = false;
    std::atomic<bool> stop{false};
    std::thread thread;
  };
  std::unique_ptr<FilterBuild> filter_build;  // one under way
  std::vector<Hash> added_during_build;       // leaves appended since it began
  // A block whose write failed when the store could not say whether it holds it (LevelDB
  // cannot until reopened, and reopening needs disk space). Its entries stay admitted and its
  // tree built until a later Recover settles it; meanwhile every write is refused, since the
  // next block would have to build on one of two different trees.
  std::unique_ptr<PreparedBlock> unsettled;
  // What writes are refused with while a block is unsettled; OK otherwise. Written by the
  // sequencer, read by it and by WriteRefusal (readiness checks, metrics).
  mutable Mutex refusal_mu;
  Status refusal GUARDED_BY(refusal_mu);
  // Set once a block gate refused for good (BlockGate::Pass's FailedPrecondition): every
  // later write is refused with it.
  Status fenced GUARDED_BY(refusal_mu);
  Status Refusal() const {
    MutexLock lock(refusal_mu);
    return fenced.ok() ? refusal : fenced;
  }
  Status Fenced() const {
    MutexLock lock(refusal_mu);
    return fenced;
  }
  std::chrono::steady_clock::time_point next_recover_attempt;
  int head_record_fd = -1;  // LedgerOptions::head_record_path, open for writing; -1: none

  // A follower's: blocks are appended by AppendBlock's callers, one at a time, instead of the
  // sequencer (which never gets an entry).
  Mutex append_mu;
  // Set when a block write failed and the store could not say whether it holds the block:
  // every later AppendBlock is refused until the ledger is reopened.
  Status append_refusal GUARDED_BY(append_mu);
  // The leader's latest checkpoint this follower verified, which it serves.
  mutable Mutex checkpoint_mu;
  std::string adopted_checkpoint GUARDED_BY(checkpoint_mu);
  uint64_t adopted_size GUARDED_BY(checkpoint_mu) = 0;
  // AdoptCheckpoint's checks, and the note served from then on (not written).
  Status Adopt(const std::string& note);
  // InvalidArgument naming what makes `header` not the successor of the last block, signed by
  // the node key, with `entry_count` entries.
  Status CheckSuccessor(const BlockHeader& header, size_t entry_count) const;
  // Starts a larger leaf filter's build if the log is about to outgrow the filter.
  void GrowLeafFilter(uint64_t size_after, const PreparedBlock* in_flight) {
    TakeFilterBuild();
    if (size_after > leaf_filter.capacity() &&
        leaf_filter.capacity() < internal::LeafFilter::CapacityFor(options.leaf_filter_bytes)) {
      // Doubling keeps the rebuild cost amortised O(1) per entry; past the memory bound the
      // filter fills up instead, and more look-ups go to the store.
      StartFilterBuild(2 * size_after, in_flight);
    }
  }
  // The index of durable entry `leaf`, if there is one.
  Result<std::optional<uint64_t>> DurableIndexOf(const Hash& leaf) const {
    if (leaf_filter_ok && !leaf_filter.MayContain(leaf)) return std::optional<uint64_t>();
    std::string existing;
    Status s = store->Get(format::LeafKey(leaf), &existing);
    if (s.code() == StatusCode::kNotFound) return std::optional<uint64_t>();
    if (!s.ok()) return s.WithContext("looking up the entry's leaf hash");
    if (existing.size() != 8)
      return Status::DataLoss("leaf index of " + crypto::HexEncode(leaf) + " is corrupt");
    return std::optional<uint64_t>(format::GetBigEndian64(existing));
  }
  // Sets `refusal` and when to try the store again (a reopen costs a directory listing
  // and a probe file: not for every request).
  void RefuseWritesUntilRecovered(uint64_t height, const Status& why) {
    MutexLock lock(refusal_mu);
    refusal = Status::Unavailable(
        "the node takes no writes until its store recovers from a failed write (block " +
        std::to_string(height) + "): " + why.ToString());
    next_recover_attempt = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  }

  mutable Mutex queue_mu;
  CondVar queue_cv;
  std::deque<Pending> queue GUARDED_BY(queue_mu);
  bool stopping GUARDED_BY(queue_mu) = false;
  std::shared_ptr<AdmissionPolicy> admission_policy GUARDED_BY(queue_mu);
  std::shared_ptr<BlockGate> block_gate GUARDED_BY(queue_mu);
  std::function<void(const BlockCommit&)> commit_observer GUARDED_BY(queue_mu);
  std::thread sequencer;
  internal::SerialExecutor writer_thread{
      "cl-writer"};  // runs store writes, one at a time, in order
};

Status Ledger::Impl::CheckHeadRecord() const {
  const std::string& path = options.head_record_path;
  std::ifstream in(path);
  if (!in) return Status::Ok();  // none yet
  std::string line;
  std::getline(in, line);
  if (line.empty()) return Status::Ok();  // created, then a crash before the first write
  const std::string advice =
      " Restore the store from a copy that holds these blocks; remove " + path +
      " only if this store is meant to serve as it is, which forks the log for every monitor "
      "that saw a later checkpoint.";
  uint64_t size = 0;
  std::string root_hex;
  std::istringstream fields(line);
  fields >> size >> root_hex;
  if (!fields || root_hex.size() != 2 * sizeof(Hash) || !crypto::HexDecode(root_hex).ok()) {
    return Status::DataLoss(path + " is not a head record (\"<tree size> <root hex>\"): \"" +
                            line.substr(0, 100) + "\"." + advice);
  }
  const std::string store_end = "the store ends at tree size " +
                                std::to_string(last_block.tree_size) + " (block " +
                                std::to_string(last_block.height) + ")";
  if (size > last_block.tree_size) {
    return Status::DataLoss(store_end + ", but this node made tree size " + std::to_string(size) +
                            " durable and signed it (" + path +
                            "): the store has lost blocks, to a truncated or replaced file?" +
                            advice);
  }
  auto at = log.RootAt(size);
  if (!at.ok() || crypto::HexEncode(*at) != root_hex) {
    return Status::DataLoss(store_end + "; its root at tree size " + std::to_string(size) +
                            " is not the one this node made durable and signed (" + path +
                            "): the store was replaced." + advice);
  }
  return Status::Ok();
}

std::vector<Pending> Ledger::Impl::TakeBatch(bool wait_for_block) {
  std::vector<Pending> batch;
  MutexLock lock(queue_mu);
  if (wait_for_block) {
    while (queue.empty() && !stopping) queue_cv.Wait(queue_mu);
    if (queue.empty()) return batch;  // stopping, and everything queued is committed
    auto deadline = queue.front().arrived + options.max_block_delay;
    while (queue.size() < options.max_block_entries && !stopping &&
           queue_cv.WaitUntil(queue_mu, deadline)) {
    }
  }
  size_t n = std::min(queue.size(), options.max_block_entries);
  batch.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  return batch;
}

// The sequencer is a two-stage pipeline: while the writer thread syncs block k, this thread
// prepares block k+1 (dedup look-ups, tree, header, signature) from what queued up meanwhile.
// Block k+1 is handed to the writer only after block k is durable, so blocks reach the store
// strictly in order, and a failed block k discards k+1's preparation and redoes it.
void Ledger::Impl::Run() {
  std::unique_ptr<PreparedBlock> in_flight;
  std::future<WriteOutcome> in_flight_done;
  while (true) {
    std::unique_ptr<PreparedBlock> next;
    std::vector<Pending> batch = TakeBatch(/*wait_for_block=*/in_flight == nullptr);
    const bool took = !batch.empty();
    if (took) {
      // Only when nothing is in flight: a failed block is settled before another is built.
      if (Status refused = Fenced(); !refused.ok()) {
        for (Pending& p : batch) p.Resolve(refused);
      } else if (Status settled = SettleUnsettled(); !settled.ok()) {
        for (Pending& p : batch) p.Resolve(settled);
      } else {
        next = Prepare(std::move(batch), in_flight.get());
      }
    }
    if (in_flight) {
      const WriteOutcome outcome = in_flight_done.get();
      const Fate fate = Finish(*in_flight, outcome);
      if (fate != Fate::kDurable && next) {
        // next was built on top of the failed block: its entries go back to its items (their
        // bytes are in its write batch) to be prepared again or refused.
        for (size_t i = 0; i < next->items.size(); ++i) {
          if (const auto op = next->outcomes[i].entry_op) {
            next->items[i].entry = next->batch.ReleaseValue(*op);
          }
        }
        std::vector<Pending> items = std::move(next->items);
        if (fate == Fate::kRolledBack && Fenced().ok()) {
          next = Prepare(std::move(items), nullptr);  // on the rolled-back tree
        } else if (fate == Fate::kRolledBack) {
          // The gate refused for good: nothing more is written.
          if (next->has_block && next->policy) next->policy->RolledBack(next->header.first_index);
          next.reset();
          const Status refused = Fenced();
          for (Pending& p : items) p.Resolve(refused);
        } else {
          if (next->has_block && next->policy) next->policy->RolledBack(next->header.first_index);
          writer = next->before;  // the tree with in_flight's entries, still unsettled
          next.reset();
          const Status refused = Refusal();
          for (Pending& p : items) p.Resolve(refused);
        }
      }
      if (fate == Fate::kUnsettled) unsettled = std::move(in_flight);
      in_flight.reset();
    } else if (!took) {
      return;  // stopping and drained
    }
    if (next) {
      if (next->has_block) {
        std::promise<WriteOutcome> done;
        in_flight_done = done.get_future();
        next->handed_at = std::chrono::steady_clock::now();
        writer_thread.Post([this, block = next.get(), done = std::move(done)]() mutable {
          done.set_value(GateAndWrite(*block));
        });
        in_flight = std::move(next);
      } else {
        Finish(*next, WriteOutcome{});  // only duplicates of durable entries: no block needed
      }
    }
  }
}

Ledger::Impl::WriteOutcome Ledger::Impl::GateAndWrite(const PreparedBlock& block) {
  WriteOutcome outcome;
  if (block.gate) {
    // The entries' bytes are in the block's batch, at the ops Prepare noted.
    std::vector<std::string_view> entries;
    entries.reserve(block.header.entry_count);
    for (const Outcome& out : block.outcomes) {
      if (out.entry_op) entries.push_back(*block.batch.ops()[*out.entry_op].second);
    }
    outcome.gate = block.gate->Pass(block.header, entries);
    if (!outcome.gate.ok()) return outcome;
  }
  outcome.written = store->Write(block.batch, options.sync);
  return outcome;
}

std::unique_ptr<Ledger::Impl::PreparedBlock> Ledger::Impl::Prepare(std::vector<Pending> items,
                                                                   const PreparedBlock* in_flight) {
  auto block = std::make_unique<PreparedBlock>(writer);
  {
    MutexLock lock(queue_mu);
    block->policy = admission_policy;
    block->gate = block_gate;
  }
  AdmissionPolicy* policy = block->policy.get();
  block->items = std::move(items);
  block->outcomes.resize(block->items.size());
  block->added.reserve(block->items.size());
  block->batch.Reserve(2 * block->items.size() + 16);  // entry + leaf index each, tiles, header
  const BlockHeader& previous = in_flight ? in_flight->header : last_block;
  const uint64_t first_index = writer.size();
  const uint64_t height = previous.height + 1;
  GrowLeafFilter(first_index + block->items.size(), in_flight);

  for (size_t i = 0; i < block->items.size(); ++i) {
    Outcome& out = block->outcomes[i];
    out.receipt.leaf_hash = block->items[i].leaf_hash;
    // Duplicates: of this block, of the block being written, of any durable block.
    const PreparedBlock* earlier[] = {block.get(), in_flight};
    bool duplicate = false;
    for (const PreparedBlock* b : earlier) {
      if (b == nullptr) continue;
      if (auto it = b->added.find(out.receipt.leaf_hash); it != b->added.end()) {
        out.receipt.index = it->second;
        out.receipt.block_height = b == block.get() ? height : b->header.height;
        out.receipt.already_present = true;
        out.depends_on_write = true;
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    Result<std::optional<uint64_t>> durable = DurableIndexOf(out.receipt.leaf_hash);
    if (!durable.ok()) {
      out.error = durable.status();
      continue;
    }
    if (*durable) {
      out.receipt.index = **durable;
      out.receipt.already_present = true;
      auto found = internal::FindBlockOfEntry(store.get(), out.receipt.index, last_block.height);
      if (found.ok()) {
        out.receipt.block_height = found->height;
      } else {
        out.error = found.status();
      }
      continue;
    }
    if (policy) {
      Status admitted = policy->Admit(block->items[i].entry, out.receipt.leaf_hash, writer.size(),
                                      block->items[i].checks.get(), &block->batch);
      if (!admitted.ok()) {
        out.error = admitted;
        continue;
      }
    }
    out.receipt.index = writer.size();
    out.receipt.block_height = height;
    out.depends_on_write = true;
    block->added.emplace(out.receipt.leaf_hash, out.receipt.index);
    AddToLeafFilter(out.receipt.leaf_hash);
    writer.Append(out.receipt.leaf_hash);
    out.entry_op = block->batch.size();
    block->batch.Put(format::EntryKey(out.receipt.index), std::move(block->items[i].entry));
    block->batch.Put(format::LeafKey(out.receipt.leaf_hash), EncodeIndex(out.receipt.index));
  }
  if (block->added.empty()) return block;

  BlockHeader& header = block->header;
  header.height = height;
  header.prev_hash = in_flight ? in_flight->header_hash : last_block_hash;
  header.first_index = first_index;
  header.entry_count = writer.size() - first_index;
  header.tree_size = writer.size();
  header.root = writer.Root();
  header.origin = params.origin;
  // Never earlier than the previous block, even if the wall clock steps back.
  header.timestamp = std::max(options.clock ? FormatTimestamp(options.clock()) : NowTimestamp(),
                              previous.timestamp);
  auto signature = node_key->Sign(header.SignedBytes());
  if (!signature.ok()) {
    // Cannot happen with a valid Ed25519 key; fail this block's entries rather than guess.
    writer = block->before;
    if (policy) policy->RolledBack(first_index);
    for (auto& out : block->outcomes) {
      if (out.depends_on_write) out.error = signature.status();
    }
    block->added.clear();
    return block;
  }
  header.signature = std::move(*signature);
  if (policy) policy->Seal(header.tree_size, &block->batch);
  block->header_hash = header.Hash(params.tree_hash);
  block->batch.Put(format::BlockKey(height), header.ToJson());
  block->batch.Put(std::string(format::kHeadKey), EncodeIndex(height));
  writer.FlushTiles(&block->batch);
  block->has_block = true;
  return block;
}

void Ledger::Impl::StartFilterBuild(uint64_t capacity, const PreparedBlock* in_flight) {
  if (filter_build) return;
  capacity = std::min(capacity, internal::LeafFilter::CapacityFor(options.leaf_filter_bytes));
  filter_build = std::make_unique<FilterBuild>();
  added_during_build.clear();
  if (in_flight != nullptr) {
    for (const auto& [leaf, index] : in_flight->added) added_during_build.push_back(leaf);
  }
  FilterBuild* build = filter_build.get();
  Store* tiles = store.get();
  build->thread = std::thread([build, tiles, capacity] {
    internal::LeafFilter filter(capacity);
    const std::string start = format::TileKey(0, 0);
    Status s = tiles->Scan(start, [&](std::string_view key, std::string_view value) {
      if (build->stop.load(std::memory_order_relaxed)) return false;
      if (key.size() != start.size() || key.substr(0, 2) != std::string_view(start).substr(0, 2)) {
        return false;  // past the level-0 tiles
      }
      for (size_t off = 0; off + sizeof(Hash) <= value.size(); off += sizeof(Hash)) {
        Hash h;
        std::memcpy(h.data(), value.data() + off, sizeof(Hash));
        filter.Add(h);
      }
      return true;
    });
    MutexLock lock(build->mu);
    if (s.ok() && !build->stop.load()) {
      build->result = std::move(filter);
    } else {
      build->failed = true;
    }
  });
}

void Ledger::Impl::TakeFilterBuild() {
  if (!filter_build) return;
  {
    MutexLock lock(filter_build->mu);
    if (!filter_build->result && !filter_build->failed) return;  // still scanning
    if (filter_build->result) {
      leaf_filter = std::move(*filter_build->result);
      for (const Hash& leaf : added_during_build) leaf_filter.Add(leaf);
      leaf_filter_ok = true;
    }
    // A failed scan (a store error) leaves the old filter, or none: look-ups read the store,
    // and the next block that outgrows it tries again.
  }
  filter_build->thread.join();
  filter_build.reset();
  added_during_build.clear();
  added_during_build.shrink_to_fit();
}

void Ledger::Impl::StopFilterBuild() {
  if (!filter_build) return;
  filter_build->stop = true;
  filter_build->thread.join();
  filter_build.reset();
}

void Ledger::Impl::Commit(const PreparedBlock& block) {
  last_block = block.header;
  last_block_hash = block.header_hash;
  if (block.policy) block.policy->Committed(last_block.tree_size);
  log.Advance(last_block);
  RecordHead();
  std::function<void(const BlockCommit&)> observer;
  {
    MutexLock lock(queue_mu);
    observer = commit_observer;
  }
  if (observer) {
    const auto now = std::chrono::steady_clock::now();
    auto oldest = block.handed_at;
    for (const Pending& p : block.items) oldest = std::min(oldest, p.arrived);
    observer({block.header.height, block.header.entry_count,
              std::chrono::duration<double>(now - block.handed_at).count(),
              std::chrono::duration<double>(now - oldest).count()});
  }
}

void Ledger::Impl::RollBack(const PreparedBlock& block) {
  writer = block.before;
  if (block.policy) block.policy->RolledBack(block.header.first_index);
}

Result<bool> Ledger::Impl::Landed(const PreparedBlock& block) {
  CREDLEDGER_RETURN_IF_ERROR(store->Recover());
  std::string value;
  Status s = store->Get(format::kHeadKey, &value);
  if (!s.ok() || value.size() != 8) {
    return Status::Unavailable("cannot read the head pointer back: " + s.ToString());
  }
  const uint64_t height = format::GetBigEndian64(value);
  if (height == last_block.height) return false;
  if (height == block.header.height) {
    // The batch is atomic, so its head pointer means all of it; the hash makes sure it is ours.
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader stored, internal::ReadBlock(store.get(), height));
    if (stored.Hash(params.tree_hash) == block.header_hash) return true;
  }
  return Status::DataLoss("after a failed write the store's head is block " +
                          std::to_string(height) + ", neither the last durable block " +
                          std::to_string(last_block.height) + " nor the block being written");
}

Status Ledger::Impl::SettleUnsettled() {
  if (!unsettled) return Status::Ok();
  if (std::chrono::steady_clock::now() < next_recover_attempt) return Refusal();
  Result<bool> landed = Landed(*unsettled);
  if (!landed.ok()) {
    RefuseWritesUntilRecovered(unsettled->header.height, landed.status());
    return Refusal();
  }
  if (*landed) {
    Commit(*unsettled);
  } else {
    RollBack(*unsettled);
  }
  unsettled.reset();
  MutexLock lock(refusal_mu);
  refusal = Status::Ok();
  return Status::Ok();
}

Ledger::Impl::Fate Ledger::Impl::Finish(PreparedBlock& block, const WriteOutcome& outcome) {
  const Status& written = outcome.written;
  Status failure;
  Fate fate = Fate::kDurable;
  const std::string height = std::to_string(block.header.height);
  if (block.has_block && !outcome.gate.ok()) {
    RollBack(block);  // never handed to the store
    fate = Fate::kRolledBack;
    failure =
        Status::Unavailable("block " + height + " was not written: " + outcome.gate.ToString());
    if (outcome.gate.code() == StatusCode::kFailedPrecondition) {
      MutexLock lock(refusal_mu);
      fenced = Status::Unavailable("this node writes no more blocks: " + outcome.gate.ToString());
      failure = fenced;
    }
  } else if (block.has_block) {
    Result<bool> landed = written.ok() ? Result<bool>(true) : Landed(block);
    if (landed.ok() && *landed) {
      Commit(block);  // written, or its write failed after the batch reached the disk
    } else if (landed.ok()) {
      RollBack(block);
      fate = Fate::kRolledBack;
      failure = Status::Unavailable("block " + height + " was not written: " + written.ToString());
    } else {
      fate = Fate::kUnsettled;
      RefuseWritesUntilRecovered(block.header.height, landed.status());
      failure = Status::Unavailable(
          "block " + height + " may not have been written: " + written.ToString() +
          "; the store cannot tell yet (" + landed.status().ToString() +
          "). Resubmit the same entry once the node takes writes again: the answer gives its "
          "index if it was logged");
    }
  }
  for (size_t i = 0; i < block.items.size(); ++i) {
    Outcome& out = block.outcomes[i];
    if (out.depends_on_write && !failure.ok()) out.error = failure;
    if (out.error.ok()) {
      block.items[i].Resolve(out.receipt);
    } else {
      block.items[i].Resolve(out.error);
    }
  }
  if (fate == Fate::kUnsettled) {
    block.items.clear();  // answered; the block is kept only for its tree and header
    block.batch = WriteBatch();
  }
  return fate;
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->sequencer = std::thread([this] {
    pthread_setname_np(pthread_self(), "cl-sequencer");  // for top -H, perf and gdb
    impl_->Run();
  });
}

Ledger::~Ledger() {
  {
    MutexLock lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.SignalAll();
  impl_->sequencer.join();
  impl_->StopFilterBuild();
  // A clean close leaves the next open nothing to replay and nothing new to read through:
  // the recent writes go into a table, which is checked and recorded (store.h). Best effort:
  // a store that fails here is opened the slower way.
  if (impl_->store->FlushToTables().ok()) {
    Status checked = impl_->store->CheckNewFiles();
    (void)checked;
  }
  if (impl_->head_record_fd >= 0) ::close(impl_->head_record_fd);
}

Result<std::unique_ptr<Ledger>> Ledger::Create(std::unique_ptr<Store> store,
                                               crypto::PrivateKey node_key, std::string origin,
                                               merkle::HashAlgorithm tree_hash,
                                               std::string genesis_entry,
                                               const LedgerOptions& options) {
  std::string ignored;
  Status existing = store->Get(format::kParamsKey, &ignored);
  if (existing.ok()) return Status::AlreadyExists("the store already holds a ledger");
  if (existing.code() != StatusCode::kNotFound) return existing;
  // Validates the origin as a note key name and the key as Ed25519.
  CREDLEDGER_RETURN_IF_ERROR(NoteSigner::Create(origin, node_key).status());

  LedgerParams params{origin, tree_hash, node_key.public_key()};
  if (genesis_entry.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(genesis_entry,
                                DefaultGenesisEntry(origin, tree_hash, params.node_key));
  }
  if (genesis_entry.size() > options.max_entry_bytes) {
    return Status::InvalidArgument("genesis entry is larger than max_entry_bytes");
  }
  BlockHeader genesis;
  genesis.height = 0;
  genesis.first_index = 0;
  genesis.entry_count = 1;
  genesis.tree_size = 1;
  genesis.root = merkle::LeafHash(tree_hash, genesis_entry);  // a one-leaf tree's root
  genesis.origin = origin;
  genesis.timestamp = NowTimestamp();
  CREDLEDGER_ASSIGN_OR_RETURN(genesis.signature, node_key.Sign(genesis.SignedBytes()));
  CREDLEDGER_RETURN_IF_ERROR(WriteGenesis(store.get(), params, genesis_entry, genesis));
  return Open(std::move(store), std::move(node_key), options);
}

Result<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<Store> store,
                                             crypto::PrivateKey node_key,
                                             const LedgerOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(LedgerParams params, internal::ReadParams(store.get()));
  if (node_key.public_key().spki_der() != params.node_key.spki_der()) {
    return Status::FailedPrecondition("node key " + node_key.public_key().KeyId() +
                                      " is not this ledger's node key " + params.node_key.KeyId());
  }
  CREDLEDGER_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Create(params.origin, node_key));
  return OpenImpl(std::move(store), std::move(params), std::move(signer), std::move(node_key),
                  options);
}

Result<std::unique_ptr<Ledger>> Ledger::OpenImpl(std::unique_ptr<Store> store, LedgerParams params,
                                                 std::optional<NoteSigner> signer,
                                                 std::optional<crypto::PrivateKey> node_key,
                                                 const LedgerOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(internal::CheckedHead checked,
                              internal::ReadCheckedHead(store.get(), params));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, NoteVerifierKey(params.origin, params.node_key));
  auto impl = std::make_unique<Impl>(std::move(store), std::move(params), std::move(signer),
                                     std::move(node_key), std::move(vkey), options,
                                     std::move(checked.writer), std::move(checked.last));
  if (!impl->signer) {
    // The leader's checkpoint served before the reopen, checked again: a store that no longer
    // proves it has been damaged, which the open's checks would have named already.
    std::string note;
    Status read = impl->store->Get(format::kFollowedCheckpointKey, &note);
    if (read.ok()) {
      CREDLEDGER_RETURN_IF_ERROR(impl->Adopt(note).WithContext("the followed checkpoint"));
    } else if (read.code() != StatusCode::kNotFound) {
      return read;
    }
  }
  if (!options.head_record_path.empty()) {
    CREDLEDGER_RETURN_IF_ERROR(impl->CheckHeadRecord());
    impl->head_record_fd =
        ::open(options.head_record_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (impl->head_record_fd < 0) {
      return Status::Unavailable("cannot open " + options.head_record_path + ": " +
                                 std::strerror(errno));
    }
    impl->RecordHead();
  }
  impl->StartFilterBuild(std::max<uint64_t>(uint64_t{1} << 16, 2 * impl->writer.size()), nullptr);
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Status Ledger::Impl::CheckEntry(const std::string& entry) const {
  if (entry.empty()) return Status::InvalidArgument("entry is empty");
  if (entry.size() > options.max_entry_bytes) {
    return Status::InvalidArgument("entry is " + std::to_string(entry.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(options.max_entry_bytes));
  }
  return Status::Ok();
}

Status Ledger::Impl::Enqueue(std::vector<Pending>& items) {
  size_t depth;
  {
    MutexLock lock(queue_mu);
    if (stopping) return Status::Unavailable("the ledger is shutting down");
    if (!signer) {
      return Status::FailedPrecondition(
          "this node follows a leader and sequences no entries of its own: send them to the "
          "leader");
    }
    if (queue.size() + items.size() > options.max_pending_entries) {
      return Status::ResourceExhausted(std::to_string(queue.size()) +
                                       " entries are already waiting; retry later");
    }
    for (Pending& p : items) queue.push_back(std::move(p));
    depth = queue.size();
  }
  // Wake the sequencer when it may be idle (these are the first entries) or a block is full.
  if (depth == items.size() || depth >= options.max_block_entries) queue_cv.SignalAll();
  return Status::Ok();
}

Result<Submission> Ledger::NewSubmission(std::string entry) const {
  CREDLEDGER_RETURN_IF_ERROR(impl_->CheckEntry(entry));
  const Hash leaf_hash = merkle::LeafHash(impl_->params.tree_hash, entry);
  return Submission(std::move(entry), leaf_hash);
}

void Ledger::SubmitAsync(std::string entry, std::function<void(Result<AppendReceipt>)> done) {
  Result<Submission> submission = NewSubmission(std::move(entry));
  if (!submission.ok()) return done(submission.status());
  SubmitAsync(std::move(*submission), std::move(done));
}

void Ledger::SubmitAsync(Submission submission, std::function<void(Result<AppendReceipt>)> done) {
  std::vector<Pending> items(1);
  items[0].leaf_hash = submission.leaf_hash_;
  items[0].entry = std::move(submission.entry_);
  items[0].checks = std::move(submission.checks_);
  items[0].arrived = std::chrono::steady_clock::now();
  items[0].done = std::move(done);
  Status queued = impl_->Enqueue(items);
  if (!queued.ok()) items[0].done(queued);
}

std::future<Result<AppendReceipt>> Ledger::Submit(std::string entry) {
  auto promise = std::make_shared<std::promise<Result<AppendReceipt>>>();
  auto future = promise->get_future();
  SubmitAsync(std::move(entry),
              [promise](Result<AppendReceipt> result) { promise->set_value(std::move(result)); });
  return future;
}

void Ledger::SubmitBatchAsync(std::vector<std::string> entries,
                              std::function<void(std::vector<Result<AppendReceipt>>)> done) {
  std::vector<Result<Submission>> submissions;
  submissions.reserve(entries.size());
  for (std::string& entry : entries) submissions.push_back(NewSubmission(std::move(entry)));
  SubmitBatchAsync(std::move(submissions), std::move(done));
}

void Ledger::SubmitBatchAsync(std::vector<Result<Submission>> submissions,
                              std::function<void(std::vector<Result<AppendReceipt>>)> done) {
  auto waiter = std::make_shared<BatchWaiter>(submissions.size());
  waiter->done = std::move(done);
  std::vector<Pending> items;
  items.reserve(submissions.size());
  const auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < submissions.size(); ++i) {
    if (!submissions[i].ok()) {
      waiter->results[i] = submissions[i].status();
      continue;
    }
    Submission& s = *submissions[i];
    Pending& p = items.emplace_back();
    p.leaf_hash = s.leaf_hash_;
    p.entry = std::move(s.entry_);
    p.checks = std::move(s.checks_);
    p.arrived = now;
    p.batch = waiter;
    p.slot = i;
  }
  waiter->remaining = items.size();  // before Enqueue: the sequencer may answer at once
  if (!items.empty()) {
    Status queued = impl_->Enqueue(items);
    if (!queued.ok()) {
      for (const Pending& p : items) waiter->results[p.slot] = queued;
      items.clear();
    }
  }
  if (items.empty()) waiter->done(std::move(waiter->results));
}

std::future<std::vector<Result<AppendReceipt>>> Ledger::SubmitBatch(
    std::vector<std::string> entries) {
  auto promise = std::make_shared<std::promise<std::vector<Result<AppendReceipt>>>>();
  auto future = promise->get_future();
  SubmitBatchAsync(std::move(entries), [promise](std::vector<Result<AppendReceipt>> results) {
    promise->set_value(std::move(results));
  });
  return future;
}

Result<AppendReceipt> Ledger::Append(std::string entry) { return Submit(std::move(entry)).get(); }

const LedgerParams& Ledger::params() const { return impl_->params; }

TreeHead Ledger::Head() const { return impl_->CurrentHead(); }

std::string Ledger::VerifierKey() const { return impl_->verifier_key; }

const LogReader& Ledger::log() const { return impl_->log; }

Store* Ledger::store() const { return impl_->store.get(); }

void Ledger::SetAdmissionPolicy(std::shared_ptr<AdmissionPolicy> policy) {
  MutexLock lock(impl_->queue_mu);
  impl_->admission_policy = std::move(policy);
}

void Ledger::SetBlockGate(std::shared_ptr<BlockGate> gate) {
  MutexLock lock(impl_->queue_mu);
  impl_->block_gate = std::move(gate);
}

void Ledger::SetCommitObserver(std::function<void(const BlockCommit&)> observer) {
  MutexLock lock(impl_->queue_mu);
  impl_->commit_observer = std::move(observer);
}

Status Ledger::WriteRefusal() const { return impl_->Refusal(); }

size_t Ledger::PendingEntries() const {
  MutexLock lock(impl_->queue_mu);
  return impl_->queue.size();
}

// --- A follower's ledger ---

Status Ledger::Impl::Adopt(const std::string& note) {
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(verifier_key));
  auto checkpoint = VerifyCheckpoint(note, verifier, params.origin);
  if (!checkpoint.ok()) {
    return Status::Unauthenticated("the checkpoint does not verify under " + verifier_key + ": " +
                                   checkpoint.status().message());
  }
  const TreeHead head = CurrentHead();
  if (checkpoint->tree_size > head.tree_size) {
    return Status::FailedPrecondition("the checkpoint is of tree size " +
                                      std::to_string(checkpoint->tree_size) +
                                      ", beyond this ledger's " + std::to_string(head.tree_size));
  }
  auto root = log.RootAt(checkpoint->tree_size);
  if (!root.ok()) return Status::Unavailable("reading the root: " + root.status().ToString());
  if (*root != checkpoint->root) {
    return Status::InvalidArgument(
        "the checkpoint signs root " + crypto::HexEncode(checkpoint->root) + " for tree size " +
        std::to_string(checkpoint->tree_size) + ", but the signed blocks give root " +
        crypto::HexEncode(*root) + ": two histories under one key");
  }
  MutexLock lock(checkpoint_mu);
  if (checkpoint->tree_size >= adopted_size) {
    adopted_checkpoint = note;
    adopted_size = checkpoint->tree_size;
  }
  return Status::Ok();
}

Status Ledger::Impl::CheckSuccessor(const BlockHeader& header, size_t entry_count) const {
  const std::string block = "block " + std::to_string(header.height);
  auto bad = [&](const std::string& what) { return Status::InvalidArgument(block + " " + what); };
  if (header.origin != params.origin) return bad("is of another log: \"" + header.origin + "\"");
  if (header.height != last_block.height + 1) {
    return bad("does not follow block " + std::to_string(last_block.height));
  }
  if (header.prev_hash != last_block_hash) {
    return bad("links to " + crypto::HexEncode(header.prev_hash) + ", not to block " +
               std::to_string(last_block.height) + " (" + crypto::HexEncode(last_block_hash) + ")");
  }
  if (header.first_index != last_block.tree_size || header.entry_count == 0 ||
      header.tree_size != header.first_index + header.entry_count) {
    return bad("holds entries " + std::to_string(header.first_index) + " to " +
               std::to_string(header.tree_size) + " (" + std::to_string(header.entry_count) +
               "), not 1 or more from " + std::to_string(last_block.tree_size));
  }
  if (header.entry_count != entry_count) {
    return Status::InvalidArgument(block + " holds " + std::to_string(header.entry_count) +
                                   " entries; " + std::to_string(entry_count) + " were given");
  }
  if (header.timestamp < last_block.timestamp) {
    return bad("is dated " + header.timestamp + ", before block " +
               std::to_string(last_block.height) + " (" + last_block.timestamp + ")");
  }
  Status signed_by = header.VerifySignature(params.node_key);
  if (!signed_by.ok()) return bad("is not signed by the node key: " + signed_by.message());
  return Status::Ok();
}

Result<std::unique_ptr<Ledger>> Ledger::CreateFollower(std::unique_ptr<Store> store,
                                                       LedgerParams params,
                                                       std::string genesis_entry,
                                                       const BlockHeader& genesis_block,
                                                       const LedgerOptions& options) {
  std::string ignored;
  Status existing = store->Get(format::kParamsKey, &ignored);
  if (existing.ok()) return Status::AlreadyExists("the store already holds a ledger");
  if (existing.code() != StatusCode::kNotFound) return existing;
  if (!IsValidNoteKeyName(params.origin)) {
    return Status::InvalidArgument("\"" + params.origin + "\" cannot be a log's origin");
  }
  const Hash leaf = merkle::LeafHash(params.tree_hash, genesis_entry);
  const BlockHeader& g = genesis_block;
  if (g.height != 0 || g.first_index != 0 || g.entry_count != 1 || g.tree_size != 1 ||
      g.prev_hash != Hash{} || g.origin != params.origin) {
    return Status::InvalidArgument("the genesis block is not block 0 of " + params.origin +
                                   " holding entry 0");
  }
  // A one-leaf tree's root is the leaf hash (RFC 9162).
  if (g.root != leaf) {
    return Status::InvalidArgument("the genesis block's root is not the genesis entry's leaf hash");
  }
  Status signed_by = g.VerifySignature(params.node_key);
  if (!signed_by.ok()) {
    return Status::InvalidArgument("the genesis block is not signed by the node key: " +
                                   signed_by.message());
  }
  CREDLEDGER_RETURN_IF_ERROR(WriteGenesis(store.get(), params, genesis_entry, g));
  return OpenFollower(std::move(store), options);
}

Result<std::unique_ptr<Ledger>> Ledger::OpenFollower(std::unique_ptr<Store> store,
                                                     const LedgerOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(LedgerParams params, internal::ReadParams(store.get()));
  return OpenImpl(std::move(store), std::move(params), std::nullopt, std::nullopt, options);
}

bool Ledger::IsFollower() const { return !impl_->signer; }

Status Ledger::AppendBlock(const BlockHeader& header, std::vector<Submission> entries) {
  Impl& d = *impl_;
  if (d.signer) {
    return Status::FailedPrecondition("this ledger sequences its own entries; it follows none");
  }
  MutexLock lock(d.append_mu);
  if (!d.append_refusal.ok()) return d.append_refusal;
  CREDLEDGER_RETURN_IF_ERROR(d.CheckSuccessor(header, entries.size()));

  auto block = std::make_unique<Impl::PreparedBlock>(d.writer);
  {
    MutexLock queue_lock(d.queue_mu);
    block->policy = d.admission_policy;
  }
  AdmissionPolicy* policy = block->policy.get();
  block->header = header;
  block->batch.Reserve(2 * entries.size() + 16);
  d.GrowLeafFilter(header.tree_size, nullptr);
  auto refuse = [&](Status why) {
    d.RollBack(*block);  // the tree as before, and what the policy admitted of the block
    return why;
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const uint64_t index = header.first_index + i;
    const Hash& leaf = entries[i].leaf_hash();
    // Made only for an error: this loop runs once per copied entry.
    auto entry_name = [index] { return "entry " + std::to_string(index); };
    if (auto it = block->added.find(leaf); it != block->added.end()) {
      return refuse(Status::InvalidArgument(entry_name() + " repeats entry " +
                                            std::to_string(it->second) + " of the same block"));
    }
    Result<std::optional<uint64_t>> durable = d.DurableIndexOf(leaf);
    if (!durable.ok()) return refuse(Status::Unavailable(durable.status().ToString()));
    if (*durable) {
      return refuse(Status::InvalidArgument(entry_name() + " repeats entry " +
                                            std::to_string(**durable) +
                                            ": a ledger logs an entry once"));
    }
    if (policy) {
      Status admitted =
          policy->Admit(entries[i].entry(), leaf, index, entries[i].checks().get(), &block->batch);
      if (!admitted.ok()) return refuse(admitted.WithContext(entry_name()));
    }
    block->added.emplace(leaf, index);
    d.AddToLeafFilter(leaf);
    d.writer.Append(leaf);
    block->batch.Put(format::EntryKey(index), std::move(entries[i].entry_));
    block->batch.Put(format::LeafKey(leaf), EncodeIndex(index));
  }
  const Hash root = d.writer.Root();
  if (root != header.root) {
    return refuse(Status::InvalidArgument("block " + std::to_string(header.height) +
                                          " signs root " + crypto::HexEncode(header.root) +
                                          " for tree size " + std::to_string(header.tree_size) +
                                          ", but its entries give " + crypto::HexEncode(root)));
  }
  if (policy) policy->Seal(header.tree_size, &block->batch);
  block->header_hash = header.Hash(d.params.tree_hash);
  block->batch.Put(format::BlockKey(header.height), header.ToJson());
  block->batch.Put(std::string(format::kHeadKey), EncodeIndex(header.height));
  d.writer.FlushTiles(&block->batch);
  block->has_block = true;
  block->handed_at = std::chrono::steady_clock::now();
  Status written = d.store->Write(block->batch, d.options.sync);
  if (!written.ok()) {
    Result<bool> landed = d.Landed(*block);
    if (!landed.ok()) {
      d.RollBack(*block);
      d.append_refusal = Status::Unavailable(
          "a block write failed and the store cannot tell whether it holds the block (" +
          landed.status().ToString() + "): restart the node");
      return d.append_refusal;
    }
    if (!*landed) {
      d.RollBack(*block);
      return Status::Unavailable("writing block " + std::to_string(header.height) + ": " +
                                 written.ToString());
    }
  }
  d.Commit(*block);
  return Status::Ok();
}

Status Ledger::AdoptCheckpoint(const std::string& note) {
  Impl& d = *impl_;
  if (d.signer) return Status::FailedPrecondition("this ledger signs its own checkpoints");
  MutexLock lock(d.append_mu);  // the store holds the latest, as memory does
  {
    MutexLock served(d.checkpoint_mu);
    if (d.adopted_checkpoint == note) return Status::Ok();
  }
  CREDLEDGER_RETURN_IF_ERROR(d.Adopt(note));
  MutexLock served(d.checkpoint_mu);
  if (d.adopted_checkpoint != note) return Status::Ok();  // an older one: ignored
  WriteBatch wb;
  wb.Put(std::string(format::kFollowedCheckpointKey), note);
  // Not synced: after a crash the follower serves the one before, and fetches this again.
  Status written = d.store->Write(wb, /*sync=*/false);
  if (!written.ok()) return Status::Unavailable("writing the checkpoint: " + written.ToString());
  return Status::Ok();
}

Result<std::string> Ledger::SignedCheckpoint() const {
  TreeHead head = impl_->CurrentHead();
  if (!impl_->signer) {
    MutexLock lock(impl_->checkpoint_mu);
    if (impl_->adopted_checkpoint.empty()) {
      return Status::Unavailable(
          "this follower has not verified a checkpoint signed by its leader yet");
    }
    return impl_->adopted_checkpoint;
  }
  return impl_->signer->Sign(CheckpointBody({impl_->params.origin, head.tree_size, head.root}));
}

}  // namespace credledger
