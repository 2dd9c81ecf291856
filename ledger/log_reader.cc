#include "ledger/log_reader.h"

#include <utility>

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/format.h"
#include "ledger/internal/head.h"
#include "ledger/internal/tree_store.h"

namespace credledger {
namespace internal {
namespace {

using merkle::Hash;

Result<LedgerParams> ParseParams(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok() || !j->is_object()) return Status::DataLoss("ledger parameters are not JSON");
  try {
    if (j->at("format_version").get<int64_t>() != format::kFormatVersion) {
      return Status::FailedPrecondition("ledger format version " + j->at("format_version").dump() +
                                        " is not supported");
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

}  // namespace

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

Result<LedgerParams> ReadParams(Store* store) {
  std::string value;
  Status s = store->Get(format::kParamsKey, &value);
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("the store holds no ledger");
  CREDLEDGER_RETURN_IF_ERROR(s);
  return ParseParams(value);
}

Result<BlockHeader> FindBlockOfEntry(Store* store, uint64_t index, uint64_t max_height) {
  // Binary search for the last block whose first_index <= index.
  uint64_t lo = 0, hi = max_height;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader b, ReadBlock(store, mid));
    if (b.first_index <= index) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader b, ReadBlock(store, lo));
  if (index < b.first_index || index >= b.tree_size) {
    return Status::DataLoss("no block holds entry " + std::to_string(index));
  }
  return b;
}

Result<CheckedHead> ReadCheckedHead(Store* store, const LedgerParams& params) {
  std::string value;
  Status s = store->Get(format::kHeadKey, &value);
  if (!s.ok() || value.size() != 8) {
    return Status::DataLoss("the head pointer is missing or corrupt: " + s.ToString());
  }
  const uint64_t height = format::GetBigEndian64(value);
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader last, ReadBlock(store, height));
  const std::string where = "head block " + std::to_string(height) + ": ";
  if (!last.VerifySignature(params.node_key).ok()) {
    return Status::DataLoss(where + "signature does not verify with the node key");
  }
  if (last.origin != params.origin) {
    return Status::DataLoss(where + "origin \"" + last.origin + "\" is not \"" + params.origin +
                            "\"");
  }
  if (height == 0) {
    if (last.prev_hash != Hash{} || last.first_index != 0) {
      return Status::DataLoss(where + "genesis block does not start the chain");
    }
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader prev, ReadBlock(store, height - 1));
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
  auto writer = TreeWriter::Load(store, params.tree_hash, last.tree_size);
  if (!writer.ok()) return writer.status().WithContext(where + "tree");
  if (writer->Root() != last.root) {
    return Status::DataLoss(where + "records root " + crypto::HexEncode(last.root) +
                            " for tree size " + std::to_string(last.tree_size) +
                            ", but the stored tree tiles give " +
                            crypto::HexEncode(writer->Root()));
  }
  const uint64_t last_index = last.tree_size - 1;
  s = store->Get(format::EntryKey(last_index), &value);
  if (!s.ok()) {
    return Status::DataLoss(where + "entry " + std::to_string(last_index) +
                            " is unreadable: " + s.ToString());
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

  return CheckedHead{std::move(last), std::move(*writer)};
}

}  // namespace internal

namespace {

// NotFound unless entry `index` is below `head`.
Status EntryCommitted(uint64_t index, const TreeHead& head) {
  if (index < head.tree_size) return Status::Ok();
  return Status::NotFound("entry " + std::to_string(index) + " is beyond the tree size " +
                          std::to_string(head.tree_size));
}

// NotFound unless tree size `size` is at most `head`'s.
Status SizeCommitted(uint64_t size, const TreeHead& head) {
  if (size <= head.tree_size) return Status::Ok();
  return Status::NotFound("tree size " + std::to_string(size) + " is beyond the current " +
                          std::to_string(head.tree_size));
}

}  // namespace

LogReader::LogReader(Store* store, std::unique_ptr<Store> owned, LedgerParams params,
                     std::string vkey, const BlockHeader& head, size_t tile_cache_tiles)
    : owned_(std::move(owned)),
      store_(owned_ ? owned_.get() : store),
      params_(std::move(params)),
      verifier_key_(std::move(vkey)),
      tiles_(std::make_unique<internal::TileReader>(store_, params_.tree_hash, tile_cache_tiles)),
      head_{head.tree_size, head.root, head.height} {}

LogReader::~LogReader() = default;

Result<std::unique_ptr<LogReader>> LogReader::Open(std::unique_ptr<Store> store,
                                                   size_t tile_cache_tiles) {
  CREDLEDGER_ASSIGN_OR_RETURN(LedgerParams params, internal::ReadParams(store.get()));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, NoteVerifierKey(params.origin, params.node_key));
  CREDLEDGER_ASSIGN_OR_RETURN(internal::CheckedHead checked,
                              internal::ReadCheckedHead(store.get(), params));
  return std::unique_ptr<LogReader>(new LogReader(nullptr, std::move(store), std::move(params),
                                                  std::move(vkey), checked.last, tile_cache_tiles));
}

TreeHead LogReader::Head() const {
  MutexLock lock(head_mu_);
  return head_;
}

void LogReader::Advance(const BlockHeader& head) {
  MutexLock lock(head_mu_);
  head_ = TreeHead{head.tree_size, head.root, head.height};
}

Result<std::string> LogReader::GetEntry(uint64_t index) const {
  CREDLEDGER_RETURN_IF_ERROR(EntryCommitted(index, Head()));
  std::string value;
  Status s = store_->Get(format::EntryKey(index), &value);
  if (!s.ok()) {
    return Status::DataLoss("committed entry " + std::to_string(index) +
                            " is unreadable: " + s.ToString());
  }
  // A changed entry is never served: start-up does not read every entry, so this is where an
  // entry altered in the store is caught (and by `ledgerctl fsck`, which reads them all).
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, LeafHashAt(index));
  if (merkle::LeafHash(params_.tree_hash, value) != leaf) {
    return Status::DataLoss("entry " + std::to_string(index) +
                            " in the store does not hash to leaf " + std::to_string(index) +
                            " of the tree: the store was altered or corrupted "
                            "(`ledgerctl fsck DATA_DIR` checks every entry)");
  }
  return value;
}

Result<uint64_t> LogReader::FindLeaf(const merkle::Hash& leaf_hash) const {
  std::string value;
  Status s = store_->Get(format::LeafKey(leaf_hash), &value);
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("no entry has that leaf hash");
  CREDLEDGER_RETURN_IF_ERROR(s);
  const uint64_t index = format::GetBigEndian64(value);
  // A leaf written by a block that is committing but not yet answered is not yet visible.
  if (index >= Head().tree_size) return Status::NotFound("no entry has that leaf hash");
  return index;
}

Result<BlockHeader> LogReader::GetBlock(uint64_t height) const {
  const TreeHead head = Head();
  if (height > head.block_height) {
    return Status::NotFound("block " + std::to_string(height) + " is beyond the latest block " +
                            std::to_string(head.block_height));
  }
  return internal::ReadBlock(store_, height);
}

Result<BlockHeader> LogReader::BlockOfEntry(uint64_t index) const {
  const TreeHead head = Head();
  CREDLEDGER_RETURN_IF_ERROR(EntryCommitted(index, head));
  return internal::FindBlockOfEntry(store_, index, head.block_height);
}

Result<std::vector<merkle::Hash>> LogReader::InclusionProof(uint64_t index,
                                                            uint64_t tree_size) const {
  CREDLEDGER_RETURN_IF_ERROR(SizeCommitted(tree_size, Head()));
  if (index >= tree_size) {
    return Status::InvalidArgument("index " + std::to_string(index) + " is not below tree size " +
                                   std::to_string(tree_size));
  }
  return tiles_->Proof(merkle::InclusionRanges(index, tree_size));
}

Result<std::vector<merkle::Hash>> LogReader::ConsistencyProof(uint64_t old_size,
                                                              uint64_t new_size) const {
  CREDLEDGER_RETURN_IF_ERROR(SizeCommitted(new_size, Head()));
  if (old_size > new_size) {
    return Status::InvalidArgument("old size " + std::to_string(old_size) +
                                   " is larger than new size " + std::to_string(new_size));
  }
  if (old_size == 0) return std::vector<merkle::Hash>{};
  return tiles_->Proof(merkle::ConsistencyRanges(old_size, new_size));
}

Result<merkle::Hash> LogReader::RootAt(uint64_t tree_size) const {
  CREDLEDGER_RETURN_IF_ERROR(SizeCommitted(tree_size, Head()));
  if (tree_size == 0) return merkle::EmptyRoot(params_.tree_hash);
  return tiles_->RangeHash({0, tree_size});
}

Result<merkle::Hash> LogReader::LeafHashAt(uint64_t index) const {
  const TreeHead head = Head();
  if (index >= head.tree_size) {
    return Status::NotFound("index " + std::to_string(index) + " is beyond the tree (" +
                            std::to_string(head.tree_size) + ")");
  }
  return tiles_->RangeHash({index, index + 1});
}

Result<std::vector<merkle::Hash>> LogReader::TileHashes(uint32_t level, uint64_t index,
                                                        uint64_t width) const {
  if (width == 0 || width > format::kTileWidth) {
    return Status::InvalidArgument("a tile's width is 1 to 256, not " + std::to_string(width));
  }
  const uint64_t tree_size = Head().tree_size;
  // The level's hashes in the tree; a level past 7 holds none below 2^64 leaves.
  const uint64_t at_level = level < 8 ? tree_size >> (format::kTileHeight * level) : 0;
  if (width > at_level || index > (at_level - width) / format::kTileWidth) {
    return Status::NotFound("tile " + std::to_string(level) + "/" + std::to_string(index) +
                            " of width " + std::to_string(width) + " is beyond the tree (" +
                            std::to_string(tree_size) + " entries)");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(auto tile, tiles_->GetTile(level, index, width));
  return std::vector<merkle::Hash>(tile->bottom().begin(), tile->bottom().begin() + width);
}

Status LogReader::CheckTileRows(uint64_t from_size, uint64_t to_size) const {
  return internal::CheckMiddleRows(store_, params_.tree_hash, from_size, to_size);
}

Result<uint64_t> AddMissingTileRows(Store* store, const LogReader& log,
                                    const std::function<void(uint64_t, uint64_t)>& step) {
  return internal::AddMissingMiddleRows(store, log.params().tree_hash, log.Head().tree_size, step);
}

}  // namespace credledger
