#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/internal/openssl.h"

namespace credledger::crypto {
namespace {

// Why abort here: the digest implementations are built into OpenSSL's default provider and
// cannot fail on valid memory; a failure means a broken installation, and hashing on regardless
// would write wrong hashes into an append-only log.
[[noreturn]] void DieOnBrokenDigest(const char* what) {
  std::fprintf(stderr, "credledger: OpenSSL digest failure in %s; the installation is broken\n",
               what);
  std::abort();
}

const EVP_MD* Md(HashAlgorithm alg) {
  // Fetched once: EVP_MD_fetch is slow and these objects are immutable and thread-safe.
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  const EVP_MD* md = alg == HashAlgorithm::kSha256 ? sha256 : sm3;
  if (md == nullptr) DieOnBrokenDigest("EVP_MD_fetch");
  return md;
}

// One context per thread, reused: creating an EVP_MD_CTX per hash costs more than hashing a
// Merkle node.
EVP_MD_CTX* ThreadContext() {
  thread_local internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) DieOnBrokenDigest("EVP_MD_CTX_new");
  return ctx.get();
}

}  // namespace

std::string_view HashAlgorithmName(HashAlgorithm alg) {
  return alg == HashAlgorithm::kSha256 ? "sha256" : "sm3";
}

Result<HashAlgorithm> ParseHashAlgorithm(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "sm3") return HashAlgorithm::kSm3;
  return Status::InvalidArgument("unknown hash algorithm \"" + std::string(name) +
                                 "\" (expected sha256 or sm3)");
}

Digest HashParts(HashAlgorithm alg, std::initializer_list<std::span<const uint8_t>> parts) {
  EVP_MD_CTX* ctx = ThreadContext();
  if (EVP_DigestInit_ex2(ctx, Md(alg), nullptr) != 1) DieOnBrokenDigest("EVP_DigestInit_ex2");
  for (auto part : parts) {
    if (EVP_DigestUpdate(ctx, part.data(), part.size()) != 1) DieOnBrokenDigest("EVP_DigestUpdate");
  }
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != kDigestSize) {
    DieOnBrokenDigest("EVP_DigestFinal_ex");
  }
  return out;
}

Digest Hash(HashAlgorithm alg, std::span<const uint8_t> data) { return HashParts(alg, {data}); }

Digest Hash(HashAlgorithm alg, std::string_view data) {
  return HashParts(alg, {{reinterpret_cast<const uint8_t*>(data.data()), data.size()}});
}

Digest Hmac(HashAlgorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  // HMAC over SHA-256 or SM3 cannot fail on valid memory; see DieOnBrokenDigest.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) DieOnBrokenDigest("EVP_MAC_fetch(HMAC)");
  std::unique_ptr<EVP_MAC_CTX, internal::Deleter<EVP_MAC_CTX_free>> ctx(EVP_MAC_CTX_new(mac));
  char digest_name[16];
  std::snprintf(digest_name, sizeof digest_name, "%s",
                alg == HashAlgorithm::kSha256 ? "SHA2-256" : "SM3");
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                         OSSL_PARAM_construct_end()};
  Digest out;
  size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != kDigestSize) {
    DieOnBrokenDigest("HMAC");
  }
  return out;
}

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::vector<uint8_t>> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    ERR_clear_error();
    return Status::Unavailable("the random number generator cannot be seeded");
  }
  return out;
}

struct Hasher::Impl {
  internal::EvpMdCtxPtr ctx{EVP_MD_CTX_new()};
};

Hasher::Hasher(HashAlgorithm alg) : impl_(std::make_unique<Impl>()) {
  if (!impl_->ctx || EVP_DigestInit_ex2(impl_->ctx.get(), Md(alg), nullptr) != 1) {
    DieOnBrokenDigest("Hasher");
  }
}

Hasher::~Hasher() = default;

void Hasher::Update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    DieOnBrokenDigest("Hasher::Update");
  }
}

void Hasher::Update(std::string_view data) {
  Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

Digest Hasher::Finish() {
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != kDigestSize) {
    DieOnBrokenDigest("Hasher::Finish");
  }
  return out;
}

}  // namespace credledger::crypto
