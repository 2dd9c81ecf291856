#include "ledger/merkle.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "test_util.h"

using namespace credledger;
using namespace credledger::merkle;
using credledger::testing::Hex;
using credledger::testing::Unhex;

namespace {

constexpr auto kSha = HashAlgorithm::kSha256;

Hash H(std::string_view hex) {
  auto b = Unhex(hex);
  Hash h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// The 8-leaf reference tree of RFC 6962 / transparency-dev/merkle testonly/constants.go.
std::vector<std::string> ReferenceLeaves() {
  std::vector<std::string> hex = {"",
                                  "00",
                                  "10",
                                  "2021",
                                  "3031",
                                  "40414243",
                                  "5051525354555657",
                                  "606162636465666768696a6b6c6d6e6f"};
  std::vector<std::string> out;
  for (auto& h : hex) {
    auto b = Unhex(h);
    out.emplace_back(b.begin(), b.end());
  }
  return out;
}

const char* kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// ---- A naive reference: RFC 9162 2.1 definitions written as literally as possible. ----
class Naive {
 public:
  explicit Naive(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  Hash Mth(uint64_t a, uint64_t b) {
    auto key = std::make_pair(a, b);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Hash h;
    uint64_t n = b - a;
    if (n == 1) {
      h = leaves_[a];
    } else {
      uint64_t k = 1;
      while (k * 2 < n) k *= 2;
      h = NodeHash(kSha, Mth(a, a + k), Mth(a + k, b));
    }
    memo_[key] = h;
    return h;
  }

  // PATH(m, D[a:b]).
  std::vector<Hash> Path(uint64_t m, uint64_t a, uint64_t b) {
    uint64_t n = b - a;
    if (n == 1) return {};
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    std::vector<Hash> out;
    if (m < k) {
      out = Path(m, a, a + k);
      out.push_back(Mth(a + k, b));
    } else {
      out = Path(m - k, a + k, b);
      out.push_back(Mth(a, a + k));
    }
    return out;
  }

  // SUBPROOF(m, D[a:b], flag).
  std::vector<Hash> Subproof(uint64_t m, uint64_t a, uint64_t b, bool flag) {
    uint64_t n = b - a;
    if (m == n) {
      if (flag) return {};
      return {Mth(a, b)};
    }
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    std::vector<Hash> out;
    if (m <= k) {
      out = Subproof(m, a, a + k, flag);
      out.push_back(Mth(a + k, b));
    } else {
      out = Subproof(m - k, a + k, b, false);
      out.push_back(Mth(a, a + k));
    }
    return out;
  }

 private:
  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

// The production way to build a proof: ranges -> perfect nodes -> fold. Perfect node hashes
// come from `naive`, as storage would serve them.
std::vector<Hash> BuildProof(Naive& naive, const std::vector<LeafRange>& ranges) {
  std::vector<Hash> proof;
  for (const LeafRange& r : ranges) {
    std::vector<Hash> parts;
    for (const NodeId& n : PerfectNodes(r)) {
      uint64_t begin = n.index << n.level;
      parts.push_back(naive.Mth(begin, begin + (uint64_t{1} << n.level)));
    }
    proof.push_back(FoldRight(kSha, parts));
  }
  return proof;
}

std::vector<Hash> LeafHashes(const std::vector<std::string>& leaves) {
  std::vector<Hash> out;
  for (const auto& l : leaves) out.push_back(LeafHash(kSha, l));
  return out;
}

}  // namespace

TEST_CASE("leaf and node hashes follow RFC 9162 domain separation", "[merkle]") {
  CHECK(Hex(EmptyRoot(kSha)) == kReferenceRoots[0]);
  CHECK(Hex(LeafHash(kSha, "")) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  auto leaves = ReferenceLeaves();
  CHECK(Hex(LeafHash(kSha, leaves[7])) ==
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1");
  // SM3 trees use the same construction with the other hash.
  const uint8_t zero = 0;
  CHECK(LeafHash(HashAlgorithm::kSm3, "abc") ==
        crypto::HashParts(HashAlgorithm::kSm3, {{&zero, 1}, crypto::AsBytes("abc")}));
}

TEST_CASE("roots of the reference tree for every size 0..8", "[merkle]") {
  auto hashes = LeafHashes(ReferenceLeaves());
  for (size_t n = 0; n <= 8; ++n) {
    INFO("size " << n);
    CHECK(Hex(RootFromLeafHashes(kSha, std::span(hashes).first(n))) == kReferenceRoots[n]);
  }
}

TEST_CASE("a compact range gives the published roots, and the recursive MTH for any size",
          "[merkle]") {
  auto hashes = LeafHashes(ReferenceLeaves());
  CompactRange range(kSha);
  CHECK(Hex(range.Root()) == kReferenceRoots[0]);
  for (size_t n = 1; n <= 8; ++n) {
    range.Append(hashes[n - 1]);
    INFO("size " << n);
    CHECK(range.size() == n);
    CHECK(Hex(range.Root()) == kReferenceRoots[n]);
  }
  std::vector<Hash> many;
  CompactRange grown(kSha);
  for (int i = 0; i < 1100; ++i) {
    many.push_back(LeafHash(kSha, std::to_string(i)));
    grown.Append(many.back());
    if (i % 37 == 0 || (i & (i + 1)) == 0) {
      INFO("size " << many.size());
      CHECK(grown.Root() == RootFromLeafHashes(kSha, many));
    }
  }
}

TEST_CASE("inclusion proofs match the published vectors", "[merkle]") {
  // transparency-dev/merkle proof/verify_test.go inclusionProofs; those leaves count from 1.
  struct Vector {
    uint64_t leaf_from_1, size;
    std::vector<const char*> proof;
  };
  std::vector<Vector> vectors = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {3, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {2,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  auto leaves = ReferenceLeaves();
  Naive naive(LeafHashes(leaves));
  for (const auto& v : vectors) {
    uint64_t index = v.leaf_from_1 - 1;
    INFO("index " << index << " size " << v.size);
    std::vector<Hash> want;
    for (const char* h : v.proof) want.push_back(H(h));
    CHECK(BuildProof(naive, InclusionRanges(index, v.size)) == want);
    Hash root = H(kReferenceRoots[v.size]);
    CHECK(VerifyInclusion(kSha, index, v.size, LeafHash(kSha, leaves[index]), want, root).ok());
  }
}

TEST_CASE("consistency proofs match the published vectors", "[merkle]") {
  struct Vector {
    uint64_t m, n;
    std::vector<const char*> proof;
  };
  std::vector<Vector> vectors = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {6,
       7,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
  };
  Naive naive(LeafHashes(ReferenceLeaves()));
  for (const auto& v : vectors) {
    INFO(v.m << " -> " << v.n);
    std::vector<Hash> want;
    for (const char* h : v.proof) want.push_back(H(h));
    CHECK(BuildProof(naive, ConsistencyRanges(v.m, v.n)) == want);
    CHECK(VerifyConsistency(kSha, v.m, v.n, H(kReferenceRoots[v.m]), H(kReferenceRoots[v.n]), want)
              .ok());
  }
}

TEST_CASE("paths generated by the certificate-transparency C++ reference (leaves from 0)",
          "[merkle]") {
  // transparency-dev/merkle testonly/internal/inmemory testPaths, "generated from C++
  // ReferenceMerklePath": these number leaves from 0, unlike proof/verify_test.go.
  struct Vector {
    uint64_t index, size;
    std::vector<const char*> proof;
  };
  const char* k0 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
  std::vector<Vector> vectors = {
      {0, 1, {}},
      {1, 2, {k0}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {k0, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  Naive naive(LeafHashes(ReferenceLeaves()));
  for (const auto& v : vectors) {
    INFO("index " << v.index << " size " << v.size);
    std::vector<Hash> want;
    for (const char* h : v.proof) want.push_back(H(h));
    CHECK(BuildProof(naive, InclusionRanges(v.index, v.size)) == want);
  }
}

TEST_CASE("degenerate and impossible proofs are rejected", "[merkle]") {
  Hash some = LeafHash(kSha, "x");
  Hash empty = EmptyRoot(kSha);
  CHECK_FALSE(VerifyInclusion(kSha, 0, 0, some, {}, empty).ok());
  CHECK_FALSE(VerifyInclusion(kSha, 1, 1, some, {}, some).ok());
  CHECK(VerifyInclusion(kSha, 0, 1, some, {}, some).ok());
  CHECK_FALSE(VerifyInclusion(kSha, 0, 1, some, {}, empty).ok());
  // Consistency edge cases, as transparency-dev/merkle TestVerifyConsistency.
  CHECK(VerifyConsistency(kSha, 0, 0, empty, empty, {}).ok());
  CHECK(VerifyConsistency(kSha, 0, 5, empty, some, {}).ok());
  CHECK(VerifyConsistency(kSha, 3, 3, some, some, {}).ok());
  CHECK_FALSE(VerifyConsistency(kSha, 3, 3, some, empty, {}).ok());
  CHECK_FALSE(VerifyConsistency(kSha, 3, 3, some, some, std::vector<Hash>{some}).ok());
  CHECK_FALSE(VerifyConsistency(kSha, 0, 1, empty, some, std::vector<Hash>{some}).ok());
  CHECK_FALSE(VerifyConsistency(kSha, 2, 1, some, some, {}).ok());
  CHECK_FALSE(VerifyConsistency(kSha, 1, 2, some, empty, {}).ok());
}

TEST_CASE(
    "every proof of every tree of size 1..300 matches the naive reference and resists "
    "tampering",
    "[merkle][property]") {
  constexpr uint64_t kMax = 300;
  std::mt19937_64 rng(20261127);
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < kMax; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    leaves.push_back(s);
  }
  auto leaf_hashes = LeafHashes(leaves);
  Naive naive(leaf_hashes);
  std::vector<Hash> roots(kMax + 1);
  roots[0] = EmptyRoot(kSha);
  for (uint64_t n = 1; n <= kMax; ++n) {
    roots[n] = naive.Mth(0, n);
    REQUIRE(RootFromLeafHashes(kSha, std::span(leaf_hashes).first(n)) == roots[n]);
  }

  size_t checked = 0;
  for (uint64_t n = 1; n <= kMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = BuildProof(naive, InclusionRanges(i, n));
      REQUIRE(proof == naive.Path(i, 0, n));
      REQUIRE(VerifyInclusion(kSha, i, n, leaf_hashes[i], proof, roots[n]).ok());
      // Tampering: wrong index, wrong size, wrong leaf, any flipped bit, a hash removed or added.
      if (n > 1) {
        REQUIRE_FALSE(VerifyInclusion(kSha, (i + 1) % n, n, leaf_hashes[i], proof, roots[n]).ok());
        REQUIRE_FALSE(VerifyInclusion(kSha, i, n, leaf_hashes[(i + 1) % n], proof, roots[n]).ok());
      }
      // A proof says nothing about the tree size when the shape is the same (the checkpoint
      // signs the size); with a different proof length, another size must fail.
      for (uint64_t other : {n + 1, 2 * n, n / 2}) {
        if (other > i && other != n && InclusionRanges(i, other).size() != proof.size()) {
          REQUIRE_FALSE(VerifyInclusion(kSha, i, other, leaf_hashes[i], proof, roots[n]).ok());
        }
      }
      for (size_t k = 0; k < proof.size(); ++k) {
        auto bad = proof;
        bad[k][rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
        REQUIRE_FALSE(VerifyInclusion(kSha, i, n, leaf_hashes[i], bad, roots[n]).ok());
      }
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        REQUIRE_FALSE(VerifyInclusion(kSha, i, n, leaf_hashes[i], shorter, roots[n]).ok());
      }
      auto longer = proof;
      longer.push_back(roots[n]);
      REQUIRE_FALSE(VerifyInclusion(kSha, i, n, leaf_hashes[i], longer, roots[n]).ok());
      ++checked;
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = BuildProof(naive, ConsistencyRanges(m, n));
      REQUIRE(proof == naive.Subproof(m, 0, n, true));
      REQUIRE(VerifyConsistency(kSha, m, n, roots[m], roots[n], proof).ok());
      ++checked;
      if (m == n) continue;
      REQUIRE_FALSE(VerifyConsistency(kSha, m, n, roots[n], roots[m], proof).ok());
      REQUIRE_FALSE(VerifyConsistency(kSha, m, n, roots[m - 1], roots[n], proof).ok());
      if (m > 1) REQUIRE_FALSE(VerifyConsistency(kSha, m - 1, n, roots[m], roots[n], proof).ok());
      for (size_t k = 0; k < proof.size(); ++k) {
        auto bad = proof;
        bad[k][rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
        REQUIRE_FALSE(VerifyConsistency(kSha, m, n, roots[m], roots[n], bad).ok());
      }
      auto shorter = proof;
      shorter.pop_back();
      REQUIRE_FALSE(VerifyConsistency(kSha, m, n, roots[m], roots[n], shorter).ok());
      auto longer = proof;
      longer.push_back(roots[n]);
      REQUIRE_FALSE(VerifyConsistency(kSha, m, n, roots[m], roots[n], longer).ok());
    }
  }
  CHECK(checked == kMax * (kMax + 1));  // 45150 inclusion + 45150 consistency proofs
}
