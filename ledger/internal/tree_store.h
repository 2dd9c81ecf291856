// Persistent Merkle tree hashes, stored as C2SP tlog-tiles-shaped tiles: tile (L, N) holds up
// to 256 consecutive hashes of tree level 8L. Interior levels 8L+1..8L+7 are recomputed from a
// tile when it is loaded and cached with it, so any perfect-node hash costs one tile read.
//
// TreeWriter holds the right edge (one partial row per tile level) for the sequencer;
// TileReader serves perfect nodes to proofs from the store through an LRU cache.
#ifndef CREDLEDGER_LEDGER_INTERNAL_TREE_STORE_H_
#define CREDLEDGER_LEDGER_INTERNAL_TREE_STORE_H_

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/format.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace credledger::internal {

using merkle::Hash;

// The right edge of the tree. Thread-compatible: used by the sequencer thread only.
class TreeWriter {
 public:
  // Loads the partial tiles for a tree of `size` leaves from `store`. Errors: DataLoss if a
  // tile is missing or has the wrong width. *store must outlive the returned object.
  static Result<TreeWriter> Load(Store* store, merkle::HashAlgorithm alg, uint64_t size);

  uint64_t size() const { return size_; }
  void Append(const Hash& leaf_hash);
  // MTH of the current tree.
  Hash Root() const;
  // The most recently appended leaf hash. REQUIRES: size() > 0.
  const Hash& LastLeaf() const { return last_leaf_; }
  // Adds every tile changed since the last call (completed and partial) to `batch`.
  void FlushTiles(WriteBatch* batch);

 private:
  TreeWriter(merkle::HashAlgorithm alg) : alg_(alg) {}
  void Push(size_t level, const Hash& h);

  merkle::HashAlgorithm alg_;
  uint64_t size_ = 0;
  // Kept apart from rows_[0], which is empty whenever the size is a multiple of 256.
  Hash last_leaf_{};
  // rows_[L]: the hashes of the partial tile at tile level L (fewer than 256).
  std::vector<std::vector<Hash>> rows_;
  std::vector<bool> dirty_;
  // Completed tiles not yet flushed: (key, value).
  std::vector<std::pair<std::string, std::string>> full_tiles_;
};

// Perfect-node hashes from stored tiles. Thread-safe. *store must outlive this object.
class TileReader {
 public:
  // A loaded tile: levels[r] holds the hashes at tree level 8L + r within it.
  // A tile's bottom row as stored, and the rows above it, computed from it on first use: a
  // leaf look-up (an entry's check against its leaf, a record id) needs the bottom row alone,
  // and hashing the 255 nodes above it cost more than reading a cold tile (at 10M entries,
  // half of a subject page's time). Thread-safe.
  class Tile {
   public:
    Tile(merkle::HashAlgorithm alg, std::vector<Hash> bottom)
        : alg_(alg), bottom_(std::move(bottom)) {}
    size_t width() const { return bottom_.size(); }
    // The node `within` of row `row` (0: the bottom row).
    const Hash& Node(uint32_t row, size_t within) const;

   private:
    const merkle::HashAlgorithm alg_;
    const std::vector<Hash> bottom_;
    mutable std::once_flag upper_once_;
    mutable std::vector<std::vector<Hash>> upper_;  // rows 1.., once computed
  };

  TileReader(Store* store, merkle::HashAlgorithm alg, size_t cache_tiles);

  // The tiles one computation has touched. A proof reads ~20 nodes from 3-4 tiles; holding
  // them here takes each tile's shard lock once instead of once per node. Single-threaded.
  class Cursor {
   public:
    const Tile* Find(uint32_t level, uint64_t index, size_t min_width) const;
    void Keep(uint32_t level, uint64_t index, std::shared_ptr<const Tile> tile);

   private:
    struct Held {
      uint32_t level = 0;
      uint64_t index = 0;
      std::shared_ptr<const Tile> tile;
    };
    std::array<Held, 8> held_;  // enough for any proof below 2^64 leaves; round-robin after
    size_t count_ = 0;
  };

  // Hash of perfect node `id`. REQUIRES: the node lies within a committed tree.
  // Errors: DataLoss if the tile is missing or short.
  Result<Hash> PerfectNode(merkle::NodeId id, Cursor* cursor);
  // MTH(range) via its perfect nodes.
  Result<Hash> RangeHash(merkle::LeafRange range, Cursor* cursor);
  Result<Hash> RangeHash(merkle::LeafRange range) {
    Cursor cursor;
    return RangeHash(range, &cursor);
  }
  // Hashes of each range, in order: an inclusion or consistency proof.
  Result<std::vector<Hash>> Proof(const std::vector<merkle::LeafRange>& ranges);

 private:
  using TileKey = std::pair<uint32_t, uint64_t>;
  struct TileKeyHash {
    // Fibonacci hashing: tile indexes are sequential, so spread them over the high bits.
    size_t operator()(const TileKey& k) const {
      return static_cast<size_t>(((k.second << 6) + k.first) * 0x9E3779B97F4A7C15ull >> 32);
    }
  };

  // Fetches tile (level, index) with at least `min_width` bottom hashes into the cache.
  Result<std::shared_ptr<const Tile>> LoadTile(uint32_t level, uint64_t index, size_t min_width);

  // The cache is split into shards. Hits take a shared lock and only set a flag, so
  // concurrent proofs do not serialise on the hot upper tiles; eviction is second-chance FIFO
  // (CLOCK) under the exclusive lock.
  static constexpr size_t kShards = 16;
  struct Cached {
    std::shared_ptr<const Tile> tile;
    mutable std::atomic<bool> referenced{true};
  };
  struct Shard {
    SharedMutex mu;
    std::unordered_map<TileKey, std::unique_ptr<Cached>, TileKeyHash> tiles GUARDED_BY(mu);
    std::deque<TileKey> fifo GUARDED_BY(mu);
  };
  Shard& ShardFor(const TileKey& key) { return shards_[TileKeyHash()(key) % kShards]; }

  Store* store_;
  merkle::HashAlgorithm alg_;
  size_t capacity_per_shard_;
  Shard shards_[kShards];
};

}  // namespace credledger::internal

#endif  // CREDLEDGER_LEDGER_INTERNAL_TREE_STORE_H_
