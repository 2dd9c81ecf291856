#include "ledger/merkle.h"

#include <algorithm>
#include <bit>

#include "crypto/encoding.h"

namespace credledger::merkle {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// The largest power of two strictly less than n. REQUIRES: n >= 2.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// RFC 9162 verification step: "right-shift both fn and sn equally until either LSB(fn) is
// set or fn is 0", climbing past levels where the node has no right sibling.
void ClimbWhileLeftChild(uint64_t* fn, uint64_t* sn) {
  while ((*fn & 1) == 0 && *fn != 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

}  // namespace

Hash LeafHash(HashAlgorithm alg, std::string_view entry) {
  const uint8_t prefix = kLeafPrefix;
  return crypto::HashParts(alg, {{&prefix, 1}, crypto::AsBytes(entry)});
}

Hash NodeHash(HashAlgorithm alg, const Hash& left, const Hash& right) {
  const uint8_t prefix = kNodePrefix;
  return crypto::HashParts(alg, {{&prefix, 1}, left, right});
}

Hash EmptyRoot(HashAlgorithm alg) { return crypto::Hash(alg, std::string_view()); }

std::vector<LeafRange> InclusionRanges(uint64_t index, uint64_t size) {
  std::vector<LeafRange> ranges;
  uint64_t a = 0, b = size;
  while (b - a > 1) {
    uint64_t k = SplitPoint(b - a);
    if (index < a + k) {
      ranges.push_back({a + k, b});
      b = a + k;
    } else {
      ranges.push_back({a, a + k});
      a += k;
    }
  }
  std::reverse(ranges.begin(), ranges.end());  // PATH lists the leaf's sibling first
  return ranges;
}

std::vector<LeafRange> ConsistencyRanges(uint64_t old_size, uint64_t new_size) {
  std::vector<LeafRange> ranges;
  uint64_t a = 0, b = new_size, m = old_size;
  bool complete_subtree = true;  // RFC 9162's `b` flag of SUBPROOF
  while (true) {
    uint64_t n = b - a;
    if (m == n) {
      if (!complete_subtree) ranges.push_back({a, b});
      break;
    }
    uint64_t k = SplitPoint(n);
    if (m <= k) {
      ranges.push_back({a + k, b});
      b = a + k;
    } else {
      ranges.push_back({a, a + k});
      a += k;
      m -= k;
      complete_subtree = false;
    }
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

NodeList PerfectNodes(LeafRange range) {
  NodeList nodes;
  uint64_t begin = range.begin;
  while (begin < range.end) {
    uint64_t size = std::bit_floor(range.end - begin);
    auto level = static_cast<uint32_t>(std::countr_zero(size));
    nodes.nodes[nodes.size++] = {level, begin >> level};
    begin += size;
  }
  return nodes;
}

Hash FoldRight(HashAlgorithm alg, std::span<const Hash> hashes) {
  Hash acc = hashes.back();
  for (size_t i = hashes.size() - 1; i-- > 0;) acc = NodeHash(alg, hashes[i], acc);
  return acc;
}

Hash RootFromLeafHashes(HashAlgorithm alg, std::span<const Hash> leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyRoot(alg);
  if (leaf_hashes.size() == 1) return leaf_hashes[0];
  size_t k = SplitPoint(leaf_hashes.size());
  return NodeHash(alg, RootFromLeafHashes(alg, leaf_hashes.first(k)),
                  RootFromLeafHashes(alg, leaf_hashes.subspan(k)));
}

void CompactRange::Append(const Hash& leaf_hash) {
  nodes_.emplace_back(0, leaf_hash);
  ++size_;
  while (nodes_.size() >= 2 && nodes_[nodes_.size() - 2].first == nodes_.back().first) {
    const auto right = nodes_.back();
    nodes_.pop_back();
    nodes_.back() = {right.first + 1, NodeHash(alg_, nodes_.back().second, right.second)};
  }
}

Hash CompactRange::Root() const {
  if (nodes_.empty()) return EmptyRoot(alg_);
  std::vector<Hash> hashes;
  hashes.reserve(nodes_.size());
  for (const auto& node : nodes_) hashes.push_back(node.second);
  return FoldRight(alg_, hashes);
}

std::vector<std::string> HashesToHex(std::span<const Hash> hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.push_back(crypto::HexEncode(h));
  return out;
}

Result<Hash> HashFromHex(std::string_view hex) {
  auto bytes = hex.size() == 2 * sizeof(Hash) ? crypto::HexDecode(hex)
                                              : Result<crypto::Bytes>(Status::InvalidArgument(""));
  if (!bytes.ok()) {
    return Status::InvalidArgument("a hash is 64 lowercase hex digits, not \"" +
                                   std::string(hex.substr(0, 80)) + "\"");
  }
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

Result<Hash> RootFromInclusionProof(HashAlgorithm alg, uint64_t index, uint64_t size,
                                    const Hash& leaf_hash, std::span<const Hash> proof) {
  if (index >= size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) +
                                   " is not below tree size " + std::to_string(size));
  }
  // RFC 9162 section 2.1.3.2, step by step.
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::InvalidArgument("inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(alg, p, r);
      ClimbWhileLeftChild(&fn, &sn);
    } else {
      r = NodeHash(alg, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("inclusion proof is too short");
  return r;
}

Status VerifyInclusion(HashAlgorithm alg, uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  CREDLEDGER_ASSIGN_OR_RETURN(Hash computed,
                              RootFromInclusionProof(alg, index, size, leaf_hash, proof));
  if (computed != root) {
    return Status::Unauthenticated("inclusion proof for index " + std::to_string(index) +
                                   " does not lead to the root of tree size " +
                                   std::to_string(size));
  }
  return Status::Ok();
}

Status VerifyConsistency(HashAlgorithm alg, uint64_t old_size, uint64_t new_size,
                         const Hash& old_root, const Hash& new_root, std::span<const Hash> proof) {
  if (old_size > new_size) {
    return Status::InvalidArgument("old tree size " + std::to_string(old_size) +
                                   " is larger than new tree size " + std::to_string(new_size));
  }
  if (old_size == new_size) {
    if (!proof.empty())
      return Status::InvalidArgument("consistency proof between equal sizes must be empty");
    if (old_root != new_root)
      return Status::Unauthenticated("equal tree sizes with different roots");
    return Status::Ok();
  }
  if (old_size == 0) {
    if (!proof.empty())
      return Status::InvalidArgument("consistency proof from size 0 must be empty");
    return Status::Ok();
  }
  if (proof.empty()) return Status::InvalidArgument("consistency proof is empty");

  // RFC 9162 section 2.1.4.2.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Status::InvalidArgument("consistency proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(alg, c, fr);
      sr = NodeHash(alg, c, sr);
      ClimbWhileLeftChild(&fn, &sn);
    } else {
      sr = NodeHash(alg, sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("consistency proof is too short");
  if (fr != old_root) {
    return Status::Unauthenticated("consistency proof does not lead to the old root (size " +
                                   std::to_string(old_size) + ")");
  }
  if (sr != new_root) {
    return Status::Unauthenticated("consistency proof does not lead to the new root (size " +
                                   std::to_string(new_size) + ")");
  }
  return Status::Ok();
}

}  // namespace credledger::merkle
