// The read face of a ledger: its entries, blocks and RFC 9162 proofs, as of its last durable
// block, without the node's private key. The appender (Ledger, ledger.h) holds one and moves
// its head on as each block becomes durable; a verifier of a copied store (a follower, a
// static-tile writer, an auditor) opens one on that store alone.
//
// Thread-safety: every method may be called concurrently.
#ifndef CREDLEDGER_LEDGER_LOG_READER_H_
#define CREDLEDGER_LEDGER_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "crypto/mutex.h"
#include "ledger/block.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace credledger {

namespace internal {
class TileReader;
}

// A ledger's parameters, fixed at genesis and stored with it.
struct LedgerParams {
  std::string origin;  // the log's name: checkpoint origin line and note key name
  merkle::HashAlgorithm tree_hash = merkle::HashAlgorithm::kSha256;
  crypto::PublicKey node_key;  // Ed25519: signs blocks and checkpoints
};

struct TreeHead {
  uint64_t tree_size = 0;
  merkle::Hash root{};
  uint64_t block_height = 0;
};

class LogReader {
 public:
  // Opens the ledger in `store` for reading and checks its head as Ledger::Open does, with the
  // node's public key from the store's parameters: the last block's signature and origin, its
  // link to the block before, the stored tree's root, and its last entry. Errors: NotFound
  // (no ledger in the store), DataLoss naming what disagrees.
  static Result<std::unique_ptr<LogReader>> Open(std::unique_ptr<Store> store,
                                                 size_t tile_cache_tiles = 4096);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  const LedgerParams& params() const { return params_; }
  TreeHead Head() const;
  // The note verifier key of the ledger's checkpoints: "<origin>+<key id>+<base64 key>".
  const std::string& VerifierKey() const { return verifier_key_; }

  // Reads of committed state. NotFound for indexes, heights and sizes beyond the head.
  // An entry is checked against its leaf in the tree (one hash of its bytes): DataLoss if it
  // was altered in the store.
  Result<std::string> GetEntry(uint64_t index) const;
  Result<uint64_t> FindLeaf(const merkle::Hash& leaf_hash) const;
  Result<BlockHeader> GetBlock(uint64_t height) const;
  // The block that holds entry `index`.
  Result<BlockHeader> BlockOfEntry(uint64_t index) const;

  // RFC 9162 proofs against any committed tree size. InvalidArgument for impossible
  // arguments (index >= tree_size, old_size > new_size), NotFound beyond the head.
  Result<std::vector<merkle::Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<std::vector<merkle::Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  Result<merkle::Hash> RootAt(uint64_t tree_size) const;
  // The RFC 9162 leaf hash of entry `index`, read from the tree's tiles (no entry is read or
  // hashed). NotFound beyond the head.
  Result<merkle::Hash> LeafHashAt(uint64_t index) const;
  // The hashes of tree level 8 x `level` at indexes 256 x `index` .. + `width`: the content
  // of C2SP tlog-tiles tile (level, index) of that width. NotFound if the head's tree does
  // not hold them all; InvalidArgument for a width outside 1..256.
  Result<std::vector<merkle::Hash>> TileHashes(uint32_t level, uint64_t index,
                                               uint64_t width) const;
  // Checks the stored middle rows of the tree tiles that the log's growth from `from_size` to
  // `to_size` leaves filled against the hashes of their bottom rows (a scrub's check: a proof
  // reads them without hashing the rows below). DataLoss naming the tile.
  Status CheckTileRows(uint64_t from_size, uint64_t to_size) const;

 private:
  friend class Ledger;
  // A reader of `store`, which the caller owns (or `owned`, if set), at `head`.
  LogReader(Store* store, std::unique_ptr<Store> owned, LedgerParams params, std::string vkey,
            const BlockHeader& head, size_t tile_cache_tiles);
  // By the appender: the block `head` is durable.
  void Advance(const BlockHeader& head);

  const std::unique_ptr<Store> owned_;
  Store* const store_;
  const LedgerParams params_;
  const std::string verifier_key_;
  const std::unique_ptr<internal::TileReader> tiles_;
  mutable Mutex head_mu_;
  TreeHead head_ GUARDED_BY(head_mu_);
};

// Writes into `store`, the store of `log`, the middle row of every full tree tile up to the
// head that has none: a store written before they were stored, whose proofs from cold tiles
// hash 255 nodes a tile until then. For a stopped node's store (ledgerctl reindex); idempotent,
// so an interrupted run is resumed by running it again. `step(done, total)` reports tiles.
// Returns how many rows it wrote.
Result<uint64_t> AddMissingTileRows(Store* store, const LogReader& log,
                                    const std::function<void(uint64_t, uint64_t)>& step);

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_LOG_READER_H_
