#include "ledger/internal/tree_store.h"

#include <algorithm>
#include <cstring>

namespace credledger::internal {
namespace {

using format::kTileHeight;
using format::kTileMiddleRow;
using format::kTileMiddleWidth;
using format::kTileWidth;

std::string EncodeRow(const std::vector<Hash>& row) {
  std::string out;
  out.resize(row.size() * sizeof(Hash));
  for (size_t i = 0; i < row.size(); ++i)
    std::memcpy(&out[i * sizeof(Hash)], row[i].data(), sizeof(Hash));
  return out;
}

std::vector<Hash> DecodeRow(std::string_view bytes) {
  std::vector<Hash> row(bytes.size() / sizeof(Hash));
  for (size_t i = 0; i < row.size(); ++i)
    std::memcpy(row[i].data(), &bytes[i * sizeof(Hash)], sizeof(Hash));
  return row;
}

// MTH of row[start, start + count). REQUIRES: count is a power of two.
Hash HashPerfect(merkle::HashAlgorithm alg, const std::vector<Hash>& row, size_t start,
                 size_t count) {
  if (count == 1) return row[start];
  size_t half = count / 2;
  return merkle::NodeHash(alg, HashPerfect(alg, row, start, half),
                          HashPerfect(alg, row, start + half, half));
}

std::string DescribeTile(uint32_t level, uint64_t index) {
  return format::DescribeKey(format::TileKey(level, index));
}

// The middle row stored for full tile (level, index): empty if there is none.
Result<std::vector<Hash>> ReadMiddleRow(Store* store, uint32_t level, uint64_t index) {
  std::string value;
  Status s = store->Get(format::TileMiddleRowKey(level, index), &value);
  if (s.code() == StatusCode::kNotFound) return std::vector<Hash>{};
  if (!s.ok()) {
    return Status::DataLoss("the middle row of " + DescribeTile(level, index) +
                            " is unreadable: " + s.ToString());
  }
  if (value.size() != kTileMiddleWidth * sizeof(Hash)) {
    return Status::DataLoss("the middle row of " + DescribeTile(level, index) + " has " +
                            std::to_string(value.size()) + " bytes, not " +
                            std::to_string(kTileMiddleWidth * sizeof(Hash)));
  }
  return DecodeRow(value);
}

// Full tile (level, index)'s bottom row.
Result<std::vector<Hash>> ReadFullTile(Store* store, uint32_t level, uint64_t index) {
  std::string value;
  Status s = store->Get(format::TileKey(level, index), &value);
  if (!s.ok() || value.size() != kTileWidth * sizeof(Hash)) {
    return Status::DataLoss(DescribeTile(level, index) + " is missing or not full" +
                            (s.ok() ? std::string() : ": " + s.ToString()));
  }
  return DecodeRow(value);
}

// Calls visit(level, index) for each tile that a tree's growth from `from_size` to `to_size`
// leaves fills, until it returns an error.
Status ForEachFilledTile(uint64_t from_size, uint64_t to_size,
                         const std::function<Status(uint32_t, uint64_t)>& visit) {
  for (uint32_t level = 0; level < 8 && (to_size >> (kTileHeight * level)) >= kTileWidth; ++level) {
    const uint64_t first = (from_size >> (kTileHeight * level)) / kTileWidth;
    const uint64_t end = (to_size >> (kTileHeight * level)) / kTileWidth;
    for (uint64_t index = first; index < end; ++index) {
      CREDLEDGER_RETURN_IF_ERROR(visit(level, index));
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<Hash> MiddleRow(merkle::HashAlgorithm alg, const std::vector<Hash>& bottom) {
  const size_t group = kTileWidth / kTileMiddleWidth;
  std::vector<Hash> middle(kTileMiddleWidth);
  for (size_t i = 0; i < middle.size(); ++i) middle[i] = HashPerfect(alg, bottom, i * group, group);
  return middle;
}

Status CheckMiddleRows(Store* store, merkle::HashAlgorithm alg, uint64_t from_size,
                       uint64_t to_size) {
  return ForEachFilledTile(from_size, to_size, [&](uint32_t level, uint64_t index) -> Status {
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Hash> middle, ReadMiddleRow(store, level, index));
    if (middle.empty()) return Status::Ok();
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Hash> bottom, ReadFullTile(store, level, index));
    if (MiddleRow(alg, bottom) != middle) {
      return Status::DataLoss("the middle row of " + DescribeTile(level, index) +
                              " is not the hashes of its bottom row (a tree tile was altered)");
    }
    return Status::Ok();
  });
}

Result<uint64_t> AddMissingMiddleRows(Store* store, merkle::HashAlgorithm alg, uint64_t tree_size,
                                      const std::function<void(uint64_t, uint64_t)>& step) {
  uint64_t total = 0;
  for (uint32_t level = 0; level < 8; ++level)
    total += (tree_size >> (kTileHeight * level)) / kTileWidth;
  uint64_t done = 0, written = 0;
  WriteBatch batch;
  auto write = [&]() -> Status {
    if (!batch.empty()) CREDLEDGER_RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
    batch = WriteBatch();
    if (step) step(done, total);
    return Status::Ok();
  };
  CREDLEDGER_RETURN_IF_ERROR(
      ForEachFilledTile(0, tree_size, [&](uint32_t level, uint64_t index) -> Status {
        CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Hash> middle, ReadMiddleRow(store, level, index));
        if (middle.empty()) {
          CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Hash> bottom, ReadFullTile(store, level, index));
          batch.Put(format::TileMiddleRowKey(level, index), EncodeRow(MiddleRow(alg, bottom)));
          ++written;
        }
        if (++done % 1024 == 0) return write();
        return Status::Ok();
      }));
  CREDLEDGER_RETURN_IF_ERROR(write());
  return written;
}

// ---- TreeWriter ----

Result<TreeWriter> TreeWriter::Load(Store* store, merkle::HashAlgorithm alg, uint64_t size) {
  TreeWriter w(alg);
  w.size_ = size;
  // Tile level L's partial row holds (size >> 8L) mod 256 hashes, from tile (size >> 8L) / 256.
  for (uint32_t level = 0; level == 0 || (level < 8 && (size >> (kTileHeight * level)) > 0);
       ++level) {
    uint64_t count_at_level = size >> (kTileHeight * level);
    uint64_t width = count_at_level % kTileWidth;
    uint64_t tile_index = count_at_level / kTileWidth;
    std::vector<Hash> row;
    if (width > 0) {
      std::string value;
      Status s = store->Get(format::TileKey(level, tile_index), &value);
      if (!s.ok()) {
        return Status::DataLoss("tree tile " + std::to_string(level) + "/" +
                                std::to_string(tile_index) + " for tree size " +
                                std::to_string(size) + " is unreadable: " + s.ToString());
      }
      if (value.size() != width * sizeof(Hash)) {
        return Status::DataLoss(
            "tree tile " + std::to_string(level) + "/" + std::to_string(tile_index) + " holds " +
            std::to_string(value.size()) + " bytes; tree size " + std::to_string(size) + " needs " +
            std::to_string(width * sizeof(Hash)));
      }
      row = DecodeRow(value);
    }
    w.rows_.push_back(std::move(row));
    w.dirty_.push_back(false);
  }
  if (size > 0) {
    if (!w.rows_[0].empty()) {
      w.last_leaf_ = w.rows_[0].back();
    } else {
      // The size fills level-0 tiles exactly: the last leaf ends the last full tile.
      const uint64_t tile_index = (size - 1) / kTileWidth;
      std::string value;
      Status s = store->Get(format::TileKey(0, tile_index), &value);
      if (!s.ok() || value.size() != kTileWidth * sizeof(Hash)) {
        return Status::DataLoss("tree tile 0/" + std::to_string(tile_index) +
                                " is missing or not full for tree size " + std::to_string(size));
      }
      std::memcpy(w.last_leaf_.data(), value.data() + value.size() - sizeof(Hash), sizeof(Hash));
    }
  }
  return w;
}

void TreeWriter::Push(size_t level, const Hash& h) {
  if (level == rows_.size()) {
    rows_.emplace_back();
    dirty_.push_back(false);
  }
  std::vector<Hash>& row = rows_[level];
  row.push_back(h);
  dirty_[level] = true;
  if (row.size() == kTileWidth) {
    // The tile is complete: write it for good and carry its root one tile level up.
    uint64_t completed_at_level = size_ >> (kTileHeight * level);  // count incl. this row
    uint64_t tile_index = completed_at_level / kTileWidth - 1;
    const uint32_t tile_level = static_cast<uint32_t>(level);
    // The root is hashed through the middle row: storing it costs no extra hash.
    std::vector<Hash> middle = MiddleRow(alg_, row);
    Hash root = HashPerfect(alg_, middle, 0, kTileMiddleWidth);
    full_tiles_.emplace_back(format::TileKey(tile_level, tile_index), EncodeRow(row));
    full_tiles_.emplace_back(format::TileMiddleRowKey(tile_level, tile_index), EncodeRow(middle));
    row.clear();
    dirty_[level] = false;
    Push(level + 1, root);
  }
}

void TreeWriter::Append(const Hash& leaf_hash) {
  ++size_;
  last_leaf_ = leaf_hash;
  Push(0, leaf_hash);
}

Hash TreeWriter::Root() const {
  if (size_ == 0) return merkle::EmptyRoot(alg_);
  // The perfect nodes of [0, size) all lie in the partial rows; fold them right to left.
  std::vector<Hash> parts;
  for (size_t level = rows_.size(); level-- > 0;) {
    const std::vector<Hash>& row = rows_[level];
    size_t start = 0;
    for (int r = kTileHeight - 1; r >= 0; --r) {
      size_t count = size_t{1} << r;
      if (row.size() & count) {
        parts.push_back(HashPerfect(alg_, row, start, count));
        start += count;
      }
    }
  }
  return merkle::FoldRight(alg_, parts);
}

void TreeWriter::FlushTiles(WriteBatch* batch) {
  for (auto& [key, value] : full_tiles_) batch->Put(std::move(key), std::move(value));
  full_tiles_.clear();
  for (size_t level = 0; level < rows_.size(); ++level) {
    if (!dirty_[level] || rows_[level].empty()) continue;
    uint64_t tile_index = (size_ >> (kTileHeight * level)) / kTileWidth;
    batch->Put(format::TileKey(static_cast<uint32_t>(level), tile_index), EncodeRow(rows_[level]));
    dirty_[level] = false;
  }
}

// ---- TileReader ----

TileReader::TileReader(Store* store, merkle::HashAlgorithm alg, size_t cache_tiles)
    : store_(store), alg_(alg), capacity_per_shard_(std::max<size_t>(1, cache_tiles / kShards)) {}

Result<std::shared_ptr<const TileReader::Tile>> TileReader::LoadTile(uint32_t level, uint64_t index,
                                                                     size_t min_width) {
  std::string value;
  Status s = store_->Get(format::TileKey(level, index), &value);
  if (!s.ok()) {
    return Status::DataLoss("tree tile " + std::to_string(level) + "/" + std::to_string(index) +
                            " is unreadable: " + s.ToString());
  }
  if (value.size() % sizeof(Hash) != 0 || value.size() / sizeof(Hash) < min_width ||
      value.size() / sizeof(Hash) > kTileWidth) {
    return Status::DataLoss("tree tile " + std::to_string(level) + "/" + std::to_string(index) +
                            " has " + std::to_string(value.size()) + " bytes, need at least " +
                            std::to_string(min_width * sizeof(Hash)));
  }
  std::shared_ptr<const Tile> result = std::make_shared<const Tile>(alg_, DecodeRow(value));

  TileKey key{level, index};
  Shard& shard = ShardFor(key);
  WriterLock lock(shard.mu);
  auto it = shard.tiles.find(key);
  if (it != shard.tiles.end()) {
    // A racing reader loaded it too, or a narrower (older partial) version is cached.
    if (it->second->tile->width() < result->width()) it->second->tile = result;
    return result;
  }
  while (shard.tiles.size() >= capacity_per_shard_ && !shard.fifo.empty()) {
    TileKey victim = shard.fifo.front();
    shard.fifo.pop_front();
    auto v = shard.tiles.find(victim);
    if (v->second->referenced.exchange(false)) {
      shard.fifo.push_back(victim);  // second chance
    } else {
      shard.tiles.erase(v);
    }
  }
  auto cached = std::make_unique<Cached>();
  cached->tile = result;
  shard.tiles.emplace(key, std::move(cached));
  shard.fifo.push_back(key);
  return result;
}

Status TileReader::Tile::LoadMiddleRow(
    const std::function<Result<std::vector<Hash>>()>& read) const {
  if (width() != kTileWidth) return Status::Ok();
  std::call_once(middle_once_, [&] {
    Result<std::vector<Hash>> middle = read();
    if (!middle.ok()) {
      middle_error_ = middle.status();
      return;
    }
    middle_ = std::move(*middle);
    middle_ready_.store(true, std::memory_order_release);
  });
  return middle_error_;
}

Hash TileReader::Tile::Node(uint32_t row, size_t within) const {
  if (row == 0) return bottom_[within];
  if (!rows_ready_.load(std::memory_order_acquire)) {
    if (middle_ready_.load(std::memory_order_acquire) && !middle_.empty() &&
        nodes_given_.fetch_add(1, std::memory_order_relaxed) < kNodesBeforeRows) {
      if (row == kTileMiddleRow) return middle_[within];
      if (row < kTileMiddleRow) return HashPerfect(alg_, bottom_, within << row, size_t{1} << row);
      const uint32_t above_middle = row - kTileMiddleRow;
      return HashPerfect(alg_, middle_, within << above_middle, size_t{1} << above_middle);
    }
    std::call_once(rows_once_, [this] {
      upper_.reserve(kTileHeight - 1);  // `below` points into it
      const std::vector<Hash>* below = &bottom_;
      for (int r = 1; r < kTileHeight; ++r) {
        std::vector<Hash> above(below->size() / 2);
        for (size_t i = 0; i < above.size(); ++i) {
          above[i] = merkle::NodeHash(alg_, (*below)[2 * i], (*below)[2 * i + 1]);
        }
        upper_.push_back(std::move(above));
        below = &upper_.back();
      }
      rows_ready_.store(true, std::memory_order_release);
    });
  }
  return upper_[row - 1][within];
}

const TileReader::Tile* TileReader::Cursor::Find(uint32_t level, uint64_t index,
                                                 size_t min_width) const {
  for (size_t i = 0; i < std::min(count_, held_.size()); ++i) {
    const Held& h = held_[i];
    if (h.level == level && h.index == index && h.tile->width() >= min_width) return h.tile.get();
  }
  return nullptr;
}

void TileReader::Cursor::Keep(uint32_t level, uint64_t index, std::shared_ptr<const Tile> tile) {
  held_[count_++ % held_.size()] = {level, index, std::move(tile)};
}

Result<std::shared_ptr<const TileReader::Tile>> TileReader::GetTile(uint32_t level, uint64_t index,
                                                                    size_t min_width) {
  TileKey key{level, index};
  Shard& shard = ShardFor(key);
  {
    ReaderLock lock(shard.mu);
    auto it = shard.tiles.find(key);
    if (it != shard.tiles.end() && it->second->tile->width() >= min_width) {
      // Check before storing: a store to a hot tile's flag would bounce its cache line.
      if (!it->second->referenced.load(std::memory_order_relaxed)) {
        it->second->referenced.store(true, std::memory_order_relaxed);
      }
      return it->second->tile;
    }
  }
  return LoadTile(level, index, min_width);
}

Result<Hash> TileReader::PerfectNode(merkle::NodeId id, Cursor* cursor) {
  uint32_t tile_level = id.level / kTileHeight;
  uint32_t r = id.level % kTileHeight;
  uint64_t tile_index = (id.index << r) / kTileWidth;
  size_t within = static_cast<size_t>(id.index & ((kTileWidth >> r) - 1));
  size_t min_width = (within + 1) << r;
  auto read_middle = [&] { return ReadMiddleRow(store_, tile_level, tile_index); };
  if (const Tile* held = cursor->Find(tile_level, tile_index, min_width)) {
    if (r > 0) CREDLEDGER_RETURN_IF_ERROR(held->LoadMiddleRow(read_middle));
    return held->Node(r, within);
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::shared_ptr<const Tile> tile,
                              GetTile(tile_level, tile_index, min_width));
  if (r > 0) CREDLEDGER_RETURN_IF_ERROR(tile->LoadMiddleRow(read_middle));
  Hash h = tile->Node(r, within);
  cursor->Keep(tile_level, tile_index, std::move(tile));
  return h;
}

Result<Hash> TileReader::RangeHash(merkle::LeafRange range, Cursor* cursor) {
  // At most 64 perfect nodes cover any range; a fixed array avoids an allocation per range.
  Hash parts[64];
  size_t count = 0;
  for (const merkle::NodeId& node : merkle::PerfectNodes(range)) {
    CREDLEDGER_ASSIGN_OR_RETURN(parts[count], PerfectNode(node, cursor));
    ++count;
  }
  return merkle::FoldRight(alg_, std::span<const Hash>(parts, count));
}

Result<std::vector<Hash>> TileReader::Proof(const std::vector<merkle::LeafRange>& ranges) {
  std::vector<Hash> proof;
  proof.reserve(ranges.size());
  Cursor cursor;
  for (const merkle::LeafRange& range : ranges) {
    CREDLEDGER_ASSIGN_OR_RETURN(Hash h, RangeHash(range, &cursor));
    proof.push_back(h);
  }
  return proof;
}

}  // namespace credledger::internal
