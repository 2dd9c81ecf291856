// SHA-256 and SM3 (GM/T 0004), one-shot and streaming.
//
// Both digests are 32 bytes, so one Digest type serves both. The algorithm of a ledger's tree is
// fixed at genesis; see docs/DESIGN.md.
//
// Thread-safety: the free functions are safe to call from any thread. A Hasher is a
// single-threaded object.
#ifndef CREDLEDGER_CRYPTO_HASH_H_
#define CREDLEDGER_CRYPTO_HASH_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace credledger::crypto {

enum class HashAlgorithm { kSha256, kSm3 };

inline constexpr size_t kDigestSize = 32;
using Digest = std::array<uint8_t, kDigestSize>;

// "sha256" or "sm3": the names used in genesis, headers and on the command line.
std::string_view HashAlgorithmName(HashAlgorithm alg);
Result<HashAlgorithm> ParseHashAlgorithm(std::string_view name);

Digest Hash(HashAlgorithm alg, std::span<const uint8_t> data);
Digest Hash(HashAlgorithm alg, std::string_view data);
// Hash of the concatenation of `parts`, without copying them together.
Digest HashParts(HashAlgorithm alg, std::initializer_list<std::span<const uint8_t>> parts);

// HMAC (RFC 2104) with `alg` as the hash. REQUIRES: !key.empty().
Digest Hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data);

// Whether a == b, in time that depends on their sizes only (for secrets: token hashes).
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// `n` bytes from OpenSSL's CSPRNG. Errors: Unavailable if it cannot be seeded.
Result<std::vector<uint8_t>> RandomBytes(size_t n);

// Streaming hash: Update any number of times, then Finish once.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm alg);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // REQUIRES: not called before on this Hasher.
  Digest Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger::crypto

#endif  // CREDLEDGER_CRYPTO_HASH_H_
