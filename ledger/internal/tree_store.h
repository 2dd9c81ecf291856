// Persistent Merkle tree hashes, stored as C2SP tlog-tiles-shaped tiles: tile (L, N) holds up
// to 256 consecutive hashes of tree level 8L. A full tile's middle row (level 8L+4, 16 hashes)
// is stored beside it; the other interior levels are recomputed when needed, so any
// perfect-node hash costs one tile read and at most 7 hashes.
//
// TreeWriter holds the right edge (one partial row per tile level) for the sequencer;
// TileReader serves perfect nodes to proofs from the store through an LRU cache.
#ifndef CREDLEDGER_LEDGER_INTERNAL_TREE_STORE_H_
#define CREDLEDGER_LEDGER_INTERNAL_TREE_STORE_H_

#include <array>
#include <atomic>
#include <deque>
#include <functional>
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

// The middle row of a full tile: kTileMiddleWidth hashes, each the root of 16 of `bottom`'s.
// REQUIRES: bottom.size() == format::kTileWidth.
std::vector<Hash> MiddleRow(merkle::HashAlgorithm alg, const std::vector<Hash>& bottom);

// Checks the stored middle rows of the tiles that a tree's growth from `from_size` to
// `to_size` leaves filled, against their bottom rows. A full tile with no middle row (stored
// before they were) passes. DataLoss naming the tile when one differs or is unreadable.
Status CheckMiddleRows(Store* store, merkle::HashAlgorithm alg, uint64_t from_size,
                       uint64_t to_size);

// Writes the middle row of every full tile of a tree of `tree_size` leaves that has none (a
// store written before they were stored); `step(done, total)` after each write of a batch.
// Idempotent, and so resumable. Returns how many it wrote.
Result<uint64_t> AddMissingMiddleRows(Store* store, merkle::HashAlgorithm alg, uint64_t tree_size,
                                      const std::function<void(uint64_t, uint64_t)>& step);

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
  // A loaded tile: its bottom row and, for a full tile, its middle row, read from the store
  // when a node above the bottom row is first asked for (a leaf look-up, as an entry's check
  // against its leaf or a subject page's, needs the bottom row alone and does not pay for the
  // second read). A tile read cold for a proof or two (a profile's records, spread over the
  // log) gives each node above from the nearest stored row below it, at most 7 hashes; hashing
  // all 255 nodes above the bottom row was a quarter of a profile's time at 10M entries. A tile
  // used more than that (the upper tiles, the recent ones), or one without a middle row, has
  // its rows computed once and kept. Thread-safe.
  class Tile {
   public:
    Tile(merkle::HashAlgorithm alg, std::vector<Hash> bottom)
        : alg_(alg), bottom_(std::move(bottom)) {}
    size_t width() const { return bottom_.size(); }
    const std::vector<Hash>& bottom() const { return bottom_; }
    // For a full tile, the first call runs `read` for its middle row (empty: none stored);
    // every call returns that read's error, if any. A partial tile has none: OK.
    Status LoadMiddleRow(const std::function<Result<std::vector<Hash>>()>& read) const;
    // The node `within` of row `row` (0: the bottom row). Above the bottom row, from the
    // middle row if LoadMiddleRow found one, otherwise from the rows computed whole.
    Hash Node(uint32_t row, size_t within) const;

   private:
    // Nodes given from the stored rows before the rows are computed: an inclusion proof
    // takes at most 8 from one tile.
    static constexpr uint32_t kNodesBeforeRows = 32;

    const merkle::HashAlgorithm alg_;
    const std::vector<Hash> bottom_;
    mutable std::once_flag middle_once_;
    mutable Status middle_error_;       // written under middle_once_
    mutable std::vector<Hash> middle_;  // written under middle_once_, before middle_ready_
    mutable std::atomic<bool> middle_ready_{false};
    mutable std::atomic<uint32_t> nodes_given_{0};
    mutable std::once_flag rows_once_;
    mutable std::vector<std::vector<Hash>> upper_;  // rows 1.., once computed
    mutable std::atomic<bool> rows_ready_{false};
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
  // Tile (level, index) with at least `min_width` hashes, from the cache or the store.
  // Errors: DataLoss if the tile is missing or short.
  Result<std::shared_ptr<const Tile>> GetTile(uint32_t level, uint64_t index, size_t min_width);

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
