// RFC 9162 section 2.1 Merkle tree math: hashes, proof shapes and proof verification.
//
// Pure functions: no I/O, no locks, no storage. Storage (ledger/internal/tree_store.h) asks these
// functions which subtree hashes a proof needs, fetches them, and returns them in order.
//
// Terms. A "perfect node" (level, index) is the root of the complete subtree over leaves
// [index * 2^level, (index + 1) * 2^level). Any range of leaves that RFC 9162's MTH recursion
// visits splits into perfect nodes of decreasing size (PerfectNodes); its hash is their right
// fold (FoldRight). Indices count from 0.
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_LEDGER_MERKLE_H_
#define CREDLEDGER_LEDGER_MERKLE_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/status.h"

namespace credledger::merkle {

using crypto::HashAlgorithm;
using Hash = crypto::Digest;

// For unordered containers keyed by hashes: their bytes are already uniform, so the first
// eight do.
struct HashHasher {
  size_t operator()(const Hash& h) const {
    size_t v;
    std::memcpy(&v, h.data(), sizeof v);
    return v;
  }
};

// HASH(0x00 || entry).
Hash LeafHash(HashAlgorithm alg, std::string_view entry);
// HASH(0x01 || left || right).
Hash NodeHash(HashAlgorithm alg, const Hash& left, const Hash& right);
// MTH of the empty tree: HASH().
Hash EmptyRoot(HashAlgorithm alg);

struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// A half-open range of leaves [begin, end) whose MTH a proof carries.
struct LeafRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  friend bool operator==(const LeafRange&, const LeafRange&) = default;
};

// The ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 2.1.3.1), leaf to root order.
// REQUIRES: index < size.
std::vector<LeafRange> InclusionRanges(uint64_t index, uint64_t size);

// The ranges whose hashes form PROOF(old_size, D[0:new_size]) (RFC 9162 2.1.4.1).
// REQUIRES: 0 < old_size <= new_size. Empty when old_size == new_size.
std::vector<LeafRange> ConsistencyRanges(uint64_t old_size, uint64_t new_size);

// The perfect nodes covering `range`, largest (leftmost) first; MTH(range) is FoldRight of
// their hashes. REQUIRES: begin < end, and begin is a multiple of the smallest power of two
// >= end - begin (true of every range the MTH recursion visits, so of every range above).
// (Returned in a fixed-capacity list: one range has at most 64 of them, and proofs are hot.)
struct NodeList {
  std::array<NodeId, 64> nodes;
  size_t size = 0;
  const NodeId* begin() const { return nodes.data(); }
  const NodeId* end() const { return nodes.data() + size; }
};
NodeList PerfectNodes(LeafRange range);

// h[0..n) -> NodeHash(h0, NodeHash(h1, ... NodeHash(h[n-2], h[n-1]))).
// REQUIRES: !hashes.empty().
Hash FoldRight(HashAlgorithm alg, std::span<const Hash> hashes);

// MTH over a list of leaf hashes, computed directly from the definition (no storage).
Hash RootFromLeafHashes(HashAlgorithm alg, std::span<const Hash> leaf_hashes);

// The MTH of a list of leaves that grows one leaf at a time, in O(log n) memory: the
// perfect subtrees covering the leaves so far (a "compact range" from 0). What an auditor
// replaying a log uses to check each block's root as it goes.
class CompactRange {
 public:
  explicit CompactRange(HashAlgorithm alg) : alg_(alg) {}
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  // MTH of the leaves appended so far (EmptyRoot if none).
  Hash Root() const;

 private:
  HashAlgorithm alg_;
  uint64_t size_ = 0;
  std::vector<std::pair<uint32_t, Hash>> nodes_;  // (level, hash), left to right, levels falling
};

// A hash written as 64 lowercase hex digits, as every JSON answer and bundle carries it.
// Errors: InvalidArgument.
Result<Hash> HashFromHex(std::string_view hex);
// The other way, for a list (a proof): each hash as 64 lowercase hex digits.
std::vector<std::string> HashesToHex(std::span<const Hash> hashes);

// RFC 9162 2.1.3.2. Errors: InvalidArgument for impossible parameters (index >= size, wrong
// proof length); Unauthenticated if the proof does not lead to `root`.
Result<Hash> RootFromInclusionProof(HashAlgorithm alg, uint64_t index, uint64_t size,
                                    const Hash& leaf_hash, std::span<const Hash> proof);
Status VerifyInclusion(HashAlgorithm alg, uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// RFC 9162 2.1.4.2. old_size == 0 is consistent with anything only with an empty proof;
// old_size == new_size requires equal roots and an empty proof.
Status VerifyConsistency(HashAlgorithm alg, uint64_t old_size, uint64_t new_size,
                         const Hash& old_root, const Hash& new_root, std::span<const Hash> proof);

}  // namespace credledger::merkle

#endif  // CREDLEDGER_LEDGER_MERKLE_H_
