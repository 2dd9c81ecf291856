#include "ledger/ledger.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "ledger/format.h"
#include "ledger/internal/tree_store.h"

namespace credledger {
namespace {

using merkle::Hash;

struct HashHasher {
  size_t operator()(const Hash& h) const {
    size_t v;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }
};

std::string EncodeIndex(uint64_t index) {
  std::string s;
  format::PutBigEndian64(&s, index);
  return s;
}

std::string ParamsJson(const LedgerParams& p) {
  Json j = {{"format_version", format::kFormatVersion},
            {"node_key", crypto::Base64Encode(p.node_key.spki_der())},
            {"origin", p.origin},
            {"tree_hash", std::string(crypto::HashAlgorithmName(p.tree_hash))}};
  return *CanonicalJson(j);  // origin was validated as a note key name: always valid UTF-8
}

Result<LedgerParams> ParseParams(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok() || !j->is_object()) return Status::DataLoss("ledger parameters are not JSON");
  try {
    if (j->at("format_version").get<int64_t>() != format::kFormatVersion) {
      return Status::FailedPrecondition("ledger format version " +
                                        j->at("format_version").dump() + " is not supported");
    }
    auto alg = crypto::ParseHashAlgorithm(j->at("tree_hash").get<std::string>());
    auto spki = crypto::Base64Decode(j->at("node_key").get<std::string>());
    if (!alg.ok() || !spki.ok()) return Status::DataLoss("ledger parameters are corrupt");
    auto key = crypto::PublicKey::FromDer(*spki);
    if (!key.ok()) return Status::DataLoss("ledger node key is corrupt: " + key.status().message());
    return LedgerParams{j->at("origin").get<std::string>(), *alg, *key};
  } catch (const Json::exception& e) {
    // nlohmann reports a missing or mistyped member by exception; it stays inside this module.
    return Status::DataLoss(std::string("ledger parameters are corrupt: ") + e.what());
  }
}

// The block at `height`, checked to be well formed and at its place.
Result<BlockHeader> ReadBlock(Store* store, uint64_t height) {
  std::string value;
  Status s = store->Get(format::BlockKey(height), &value);
  if (!s.ok()) {
    return Status::DataLoss("block " + std::to_string(height) + " is unreadable: " + s.ToString());
  }
  auto header = ParseBlockHeader(value);
  if (!header.ok()) {
    return Status::DataLoss("block " + std::to_string(height) +
                            " is corrupt: " + header.status().message());
  }
  if (header->height != height) {
    return Status::DataLoss("block stored at height " + std::to_string(height) + " says height " +
                            std::to_string(header->height));
  }
  return header;
}

struct Pending {
  std::string entry;
  std::promise<Result<AppendReceipt>> promise;
  std::chrono::steady_clock::time_point arrived;
};

}  // namespace

std::string DefaultGenesisEntry(const std::string& origin, merkle::HashAlgorithm tree_hash,
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
  auto canonical = CanonicalJson(j);
  return canonical.ok() ? *canonical : std::string();
}

struct Ledger::Impl {
  Impl(std::unique_ptr<Store> s, LedgerParams p, NoteSigner sig, crypto::PrivateKey key,
       const LedgerOptions& o, internal::TreeWriter w, BlockHeader last)
      : store(std::move(s)),
        params(std::move(p)),
        signer(std::move(sig)),
        node_key(std::move(key)),
        options(o),
        reader(store.get(), params.tree_hash, o.tile_cache_tiles),
        writer(std::move(w)),
        last_block(std::move(last)),
        last_block_hash(last_block.Hash(params.tree_hash)),
        head{last_block.tree_size, last_block.root, last_block.height} {}

  void Run();
  void CommitBlock(std::vector<Pending>& batch);
  Result<BlockHeader> FindBlockOfEntry(uint64_t index, uint64_t max_height) const;
  TreeHead CurrentHead() const {
    std::lock_guard lock(head_mu);
    return head;
  }

  const std::unique_ptr<Store> store;
  const LedgerParams params;
  const NoteSigner signer;
  const crypto::PrivateKey node_key;
  const LedgerOptions options;
  mutable internal::TileReader reader;

  // Owned by the sequencer thread.
  internal::TreeWriter writer;
  BlockHeader last_block;
  Hash last_block_hash;

  mutable std::mutex head_mu;
  TreeHead head;  // GUARDED_BY(head_mu): the last durable block's tree

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Pending> queue;  // GUARDED_BY(queue_mu)
  bool stopping = false;      // GUARDED_BY(queue_mu)
  std::thread sequencer;
};

Result<BlockHeader> Ledger::Impl::FindBlockOfEntry(uint64_t index, uint64_t max_height) const {
  // Binary search for the last block whose first_index <= index.
  uint64_t lo = 0, hi = max_height;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader b, ReadBlock(store.get(), mid));
    if (b.first_index <= index) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader b, ReadBlock(store.get(), lo));
  if (index < b.first_index || index >= b.tree_size) {
    return Status::DataLoss("no block holds entry " + std::to_string(index));
  }
  return b;
}

void Ledger::Impl::Run() {
  while (true) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return !queue.empty() || stopping; });
      if (queue.empty()) return;  // stopping, and everything queued is committed
      auto deadline = queue.front().arrived + options.max_block_delay;
      queue_cv.wait_until(lock, deadline,
                          [&] { return queue.size() >= options.max_block_entries || stopping; });
      size_t n = std::min(queue.size(), options.max_block_entries);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    CommitBlock(batch);
  }
}

void Ledger::Impl::CommitBlock(std::vector<Pending>& batch) {
  struct Outcome {
    Status error;
    AppendReceipt receipt;
    bool in_this_block = false;
  };
  std::vector<Outcome> outcomes(batch.size());
  const internal::TreeWriter before = writer;  // restored if the write fails
  const uint64_t first_index = writer.size();
  const uint64_t height = last_block.height + 1;
  WriteBatch wb;
  std::unordered_map<Hash, uint64_t, HashHasher> added;

  for (size_t i = 0; i < batch.size(); ++i) {
    Outcome& out = outcomes[i];
    out.receipt.leaf_hash = merkle::LeafHash(params.tree_hash, batch[i].entry);
    if (auto it = added.find(out.receipt.leaf_hash); it != added.end()) {
      out.receipt.index = it->second;
      out.receipt.already_present = true;
      out.in_this_block = true;
      continue;
    }
    std::string existing;
    Status s = store->Get(format::LeafKey(out.receipt.leaf_hash), &existing);
    if (s.ok()) {
      out.receipt.index = format::GetBigEndian64(existing);
      out.receipt.already_present = true;
      auto block = FindBlockOfEntry(out.receipt.index, last_block.height);
      if (block.ok()) {
        out.receipt.block_height = block->height;
      } else {
        out.error = block.status();
      }
      continue;
    }
    if (s.code() != StatusCode::kNotFound) {
      out.error = s.WithContext("looking up the entry's leaf hash");
      continue;
    }
    out.receipt.index = writer.size();
    out.in_this_block = true;
    added.emplace(out.receipt.leaf_hash, out.receipt.index);
    writer.Append(out.receipt.leaf_hash);
    wb.Put(format::EntryKey(out.receipt.index), std::move(batch[i].entry));
    wb.Put(format::LeafKey(out.receipt.leaf_hash), EncodeIndex(out.receipt.index));
  }

  Status write_status;
  if (!added.empty()) {
    BlockHeader header;
    header.height = height;
    header.prev_hash = last_block_hash;
    header.first_index = first_index;
    header.entry_count = writer.size() - first_index;
    header.tree_size = writer.size();
    header.root = writer.Root();
    header.origin = params.origin;
    // Never earlier than the previous block, even if the wall clock steps back.
    header.timestamp = std::max(NowTimestamp(), last_block.timestamp);
    auto signature = node_key.Sign(header.SignedBytes());
    if (signature.ok()) {
      header.signature = std::move(*signature);
      wb.Put(format::BlockKey(height), header.ToJson());
      wb.Put(std::string(format::kHeadKey), EncodeIndex(height));
      writer.FlushTiles(&wb);
      write_status = store->Write(wb, options.sync);
    } else {
      write_status = signature.status();
    }
    if (write_status.ok()) {
      last_block_hash = header.Hash(params.tree_hash);
      last_block = std::move(header);
      std::lock_guard lock(head_mu);
      head = TreeHead{last_block.tree_size, last_block.root, last_block.height};
    } else {
      writer = before;
      write_status = Status::Unavailable("block " + std::to_string(height) +
                                         " was not written: " + write_status.ToString());
    }
  }

  for (size_t i = 0; i < batch.size(); ++i) {
    Outcome& out = outcomes[i];
    if (out.in_this_block) {
      if (!write_status.ok()) out.error = write_status;
      out.receipt.block_height = height;
    }
    if (out.error.ok()) {
      batch[i].promise.set_value(out.receipt);
    } else {
      batch[i].promise.set_value(out.error);
    }
  }
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->sequencer = std::thread([this] { impl_->Run(); });
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  impl_->sequencer.join();
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
  if (genesis_entry.empty()) genesis_entry = DefaultGenesisEntry(origin, tree_hash, params.node_key);
  if (genesis_entry.size() > options.max_entry_bytes) {
    return Status::InvalidArgument("genesis entry is larger than max_entry_bytes");
  }
  Hash leaf = merkle::LeafHash(tree_hash, genesis_entry);
  CREDLEDGER_ASSIGN_OR_RETURN(internal::TreeWriter writer,
                              internal::TreeWriter::Load(store.get(), tree_hash, 0));
  writer.Append(leaf);

  BlockHeader genesis;
  genesis.height = 0;
  genesis.first_index = 0;
  genesis.entry_count = 1;
  genesis.tree_size = 1;
  genesis.root = writer.Root();
  genesis.origin = origin;
  genesis.timestamp = NowTimestamp();
  CREDLEDGER_ASSIGN_OR_RETURN(genesis.signature, node_key.Sign(genesis.SignedBytes()));

  WriteBatch wb;
  wb.Put(format::EntryKey(0), genesis_entry);
  wb.Put(format::LeafKey(leaf), EncodeIndex(0));
  writer.FlushTiles(&wb);
  wb.Put(format::BlockKey(0), genesis.ToJson());
  wb.Put(std::string(format::kHeadKey), EncodeIndex(0));
  // Parameters last in the batch, though the batch is atomic: they mark a complete ledger.
  wb.Put(std::string(format::kParamsKey), ParamsJson(params));
  CREDLEDGER_RETURN_IF_ERROR(store->Write(wb, /*sync=*/true));
  return Open(std::move(store), std::move(node_key), options);
}

Result<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<Store> store,
                                             crypto::PrivateKey node_key,
                                             const LedgerOptions& options) {
  std::string value;
  Status s = store->Get(format::kParamsKey, &value);
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("the store holds no ledger");
  CREDLEDGER_RETURN_IF_ERROR(s);
  CREDLEDGER_ASSIGN_OR_RETURN(LedgerParams params, ParseParams(value));
  if (node_key.public_key().spki_der() != params.node_key.spki_der()) {
    return Status::FailedPrecondition("node key " + node_key.public_key().KeyId() +
                                      " is not this ledger's node key " + params.node_key.KeyId());
  }
  CREDLEDGER_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Create(params.origin, node_key));

  s = store->Get(format::kHeadKey, &value);
  if (!s.ok() || value.size() != 8) {
    return Status::DataLoss("the head pointer is missing or corrupt: " + s.ToString());
  }
  const uint64_t height = format::GetBigEndian64(value);
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader last, ReadBlock(store.get(), height));
  const std::string where = "head block " + std::to_string(height) + ": ";
  if (!last.VerifySignature(params.node_key).ok()) {
    return Status::DataLoss(where + "signature does not verify with the node key");
  }
  if (last.origin != params.origin) {
    return Status::DataLoss(where + "origin \"" + last.origin + "\" is not \"" + params.origin + "\"");
  }
  if (height == 0) {
    if (last.prev_hash != Hash{} || last.first_index != 0) {
      return Status::DataLoss(where + "genesis block does not start the chain");
    }
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader prev, ReadBlock(store.get(), height - 1));
    if (prev.Hash(params.tree_hash) != last.prev_hash) {
      return Status::DataLoss(where + "prev_hash " + crypto::HexEncode(last.prev_hash) +
                              " is not the hash of block " + std::to_string(height - 1) + " (" +
                              crypto::HexEncode(prev.Hash(params.tree_hash)) + ")");
    }
    if (prev.tree_size != last.first_index) {
      return Status::DataLoss(where + "first_index " + std::to_string(last.first_index) +
                              " does not follow block " + std::to_string(height - 1) +
                              "'s tree size " + std::to_string(prev.tree_size));
    }
  }
  auto writer = internal::TreeWriter::Load(store.get(), params.tree_hash, last.tree_size);
  if (!writer.ok()) return writer.status().WithContext(where + "tree");
  if (writer->Root() != last.root) {
    return Status::DataLoss(where + "records root " + crypto::HexEncode(last.root) +
                            " for tree size " + std::to_string(last.tree_size) +
                            ", but the stored tree tiles give " + crypto::HexEncode(writer->Root()));
  }
  const uint64_t last_index = last.tree_size - 1;
  s = store->Get(format::EntryKey(last_index), &value);
  if (!s.ok()) {
    return Status::DataLoss(where + "entry " + std::to_string(last_index) + " is unreadable: " + s.ToString());
  }
  if (merkle::LeafHash(params.tree_hash, value) != writer->LastLeaf()) {
    return Status::DataLoss(where + "entry " + std::to_string(last_index) +
                            " does not hash to the tree's leaf " + std::to_string(last_index));
  }
  s = store->Get(format::EntryKey(last.tree_size), &value);
  if (s.ok()) {
    return Status::DataLoss(where + "the store holds entry " + std::to_string(last.tree_size) +
                            " beyond the tree size " + std::to_string(last.tree_size));
  }

  auto impl = std::make_unique<Impl>(std::move(store), std::move(params), std::move(signer),
                                     std::move(node_key), options, std::move(*writer),
                                     std::move(last));
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

std::future<Result<AppendReceipt>> Ledger::Submit(std::string entry) {
  std::promise<Result<AppendReceipt>> promise;
  auto future = promise.get_future();
  if (entry.empty()) {
    promise.set_value(Status::InvalidArgument("entry is empty"));
    return future;
  }
  if (entry.size() > impl_->options.max_entry_bytes) {
    promise.set_value(Status::InvalidArgument(
        "entry is " + std::to_string(entry.size()) + " bytes; the limit is " +
        std::to_string(impl_->options.max_entry_bytes)));
    return future;
  }
  size_t depth;
  {
    std::lock_guard lock(impl_->queue_mu);
    if (impl_->stopping) {
      promise.set_value(Status::Unavailable("the ledger is shutting down"));
      return future;
    }
    if (impl_->queue.size() >= impl_->options.max_pending_entries) {
      promise.set_value(Status::ResourceExhausted(
          std::to_string(impl_->queue.size()) + " entries are already waiting; retry later"));
      return future;
    }
    impl_->queue.push_back({std::move(entry), std::move(promise), std::chrono::steady_clock::now()});
    depth = impl_->queue.size();
  }
  // Wake the sequencer when it may be idle (first entry) or a block is full.
  if (depth == 1 || depth == impl_->options.max_block_entries) impl_->queue_cv.notify_all();
  return future;
}

Result<AppendReceipt> Ledger::Append(std::string entry) { return Submit(std::move(entry)).get(); }

const LedgerParams& Ledger::params() const { return impl_->params; }

TreeHead Ledger::Head() const { return impl_->CurrentHead(); }

std::string Ledger::VerifierKey() const { return impl_->signer.VerifierKey(); }

Result<std::string> Ledger::GetEntry(uint64_t index) const {
  TreeHead head = impl_->CurrentHead();
  if (index >= head.tree_size) {
    return Status::NotFound("entry " + std::to_string(index) + " is beyond the tree size " +
                            std::to_string(head.tree_size));
  }
  std::string value;
  Status s = impl_->store->Get(format::EntryKey(index), &value);
  if (!s.ok()) {
    return Status::DataLoss("committed entry " + std::to_string(index) + " is unreadable: " + s.ToString());
  }
  return value;
}

Result<uint64_t> Ledger::FindLeaf(const merkle::Hash& leaf_hash) const {
  std::string value;
  Status s = impl_->store->Get(format::LeafKey(leaf_hash), &value);
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("no entry has that leaf hash");
  CREDLEDGER_RETURN_IF_ERROR(s);
  uint64_t index = format::GetBigEndian64(value);
  // A leaf written by a block that is committing but not yet answered is not yet visible.
  if (index >= impl_->CurrentHead().tree_size) return Status::NotFound("no entry has that leaf hash");
  return index;
}

Result<BlockHeader> Ledger::GetBlock(uint64_t height) const {
  TreeHead head = impl_->CurrentHead();
  if (height > head.block_height) {
    return Status::NotFound("block " + std::to_string(height) + " is beyond the latest block " +
                            std::to_string(head.block_height));
  }
  return ReadBlock(impl_->store.get(), height);
}

Result<BlockHeader> Ledger::BlockOfEntry(uint64_t index) const {
  TreeHead head = impl_->CurrentHead();
  if (index >= head.tree_size) {
    return Status::NotFound("entry " + std::to_string(index) + " is beyond the tree size " +
                            std::to_string(head.tree_size));
  }
  return impl_->FindBlockOfEntry(index, head.block_height);
}

Result<std::vector<merkle::Hash>> Ledger::InclusionProof(uint64_t index, uint64_t tree_size) const {
  TreeHead head = impl_->CurrentHead();
  if (tree_size > head.tree_size) {
    return Status::NotFound("tree size " + std::to_string(tree_size) + " is beyond the current " +
                            std::to_string(head.tree_size));
  }
  if (index >= tree_size) {
    return Status::InvalidArgument("index " + std::to_string(index) + " is not below tree size " +
                                   std::to_string(tree_size));
  }
  return impl_->reader.Proof(merkle::InclusionRanges(index, tree_size));
}

Result<std::vector<merkle::Hash>> Ledger::ConsistencyProof(uint64_t old_size,
                                                           uint64_t new_size) const {
  TreeHead head = impl_->CurrentHead();
  if (new_size > head.tree_size) {
    return Status::NotFound("tree size " + std::to_string(new_size) + " is beyond the current " +
                            std::to_string(head.tree_size));
  }
  if (old_size > new_size) {
    return Status::InvalidArgument("old size " + std::to_string(old_size) +
                                   " is larger than new size " + std::to_string(new_size));
  }
  if (old_size == 0) return std::vector<merkle::Hash>{};
  return impl_->reader.Proof(merkle::ConsistencyRanges(old_size, new_size));
}

Result<merkle::Hash> Ledger::RootAt(uint64_t tree_size) const {
  TreeHead head = impl_->CurrentHead();
  if (tree_size > head.tree_size) {
    return Status::NotFound("tree size " + std::to_string(tree_size) + " is beyond the current " +
                            std::to_string(head.tree_size));
  }
  if (tree_size == 0) return merkle::EmptyRoot(impl_->params.tree_hash);
  return impl_->reader.RangeHash({0, tree_size});
}

Result<std::string> Ledger::SignedCheckpoint() const {
  TreeHead head = impl_->CurrentHead();
  return impl_->signer.Sign(CheckpointBody({impl_->params.origin, head.tree_size, head.root}));
}

}  // namespace credledger
