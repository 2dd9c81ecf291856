#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "crypto/hash.h"
#include "crypto/internal/openssl.h"
#include "crypto/mutex.h"

namespace credledger::crypto {
namespace internal {

std::shared_ptr<EVP_PKEY> ShareKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

Status OpenSslError(StatusCode code, std::string_view what) {
  std::string message(what);
  unsigned long err;
  bool first = true;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    message += first ? " (" : "; ";
    message += buf;
    first = false;
  }
  if (!first) message += ")";
  return Status(code, std::move(message));
}

}  // namespace internal

namespace {

using internal::OpenSslError;

constexpr size_t kP256FieldBytes = 32;

// Never prompt on a terminal for a passphrase: an encrypted key is an input error here.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<KeyAlgorithm> IdentifyKey(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return KeyAlgorithm::kEd25519;
  if (EVP_PKEY_is_a(key, "SM2")) return KeyAlgorithm::kSm2;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) == 1) {
      std::string_view g(group, len);
      if (g == "prime256v1" || g == "P-256") return KeyAlgorithm::kP256;
      if (g == "SM2") return KeyAlgorithm::kSm2;
      ERR_clear_error();
      return Status::InvalidArgument("unsupported EC curve \"" + std::string(g) +
                                     "\" (expected P-256 or SM2)");
    }
  }
  ERR_clear_error();
  return Status::InvalidArgument("unsupported key type (expected p256, ed25519 or sm2)");
}

Result<Bytes> SpkiDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return OpenSslError(StatusCode::kInternal, "encoding public key");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// Sets up `mctx` for signing or verifying `message` with `key` in the format of keys.h.
Status InitDigestContext(EVP_MD_CTX* mctx, EVP_PKEY* key, KeyAlgorithm alg, bool sign,
                         internal::EvpPkeyCtxPtr* owned_pctx) {
  const EVP_MD* md = nullptr;
  switch (alg) {
    case KeyAlgorithm::kEd25519:
      md = nullptr;  // Ed25519 hashes internally.
      break;
    case KeyAlgorithm::kP256:
      md = EVP_sha256();
      break;
    case KeyAlgorithm::kSm2: {
      md = EVP_sm3();
      // Why explicit: OpenSSL 3 uses an EMPTY signer ID unless told, which no GM/T 0009
      // implementation would accept.
      owned_pctx->reset(EVP_PKEY_CTX_new(key, nullptr));
      if (!*owned_pctx || EVP_PKEY_CTX_set1_id(owned_pctx->get(), kSm2DefaultId.data(),
                                               kSm2DefaultId.size()) != 1) {
        return OpenSslError(StatusCode::kInternal, "setting the SM2 signer ID");
      }
      EVP_MD_CTX_set_pkey_ctx(mctx, owned_pctx->get());
      break;
    }
  }
  int rc = sign ? EVP_DigestSignInit(mctx, nullptr, md, nullptr, key)
                : EVP_DigestVerifyInit(mctx, nullptr, md, nullptr, key);
  if (rc != 1) return OpenSslError(StatusCode::kInternal, "initialising signature context");
  return Status::Ok();
}

Result<Bytes> DerEcdsaToRaw(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError(StatusCode::kInternal, "decoding ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes raw(2 * kP256FieldBytes);
  if (BN_bn2binpad(r, raw.data(), kP256FieldBytes) < 0 ||
      BN_bn2binpad(s, raw.data() + kP256FieldBytes, kP256FieldBytes) < 0) {
    return OpenSslError(StatusCode::kInternal, "encoding ECDSA signature");
  }
  return raw;
}

Result<Bytes> RawEcdsaToDer(std::span<const uint8_t> raw) {
  if (raw.size() != 2 * kP256FieldBytes) {
    return Status::Unauthenticated("p256 signature must be 64 bytes (r||s), got " +
                                   std::to_string(raw.size()));
  }
  internal::EcdsaSigPtr sig(ECDSA_SIG_new());
  internal::BignumPtr r(BN_bin2bn(raw.data(), kP256FieldBytes, nullptr));
  internal::BignumPtr s(BN_bin2bn(raw.data() + kP256FieldBytes, kP256FieldBytes, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslError(StatusCode::kInternal, "building ECDSA signature");
  }
  r.release();  // now owned by sig
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return OpenSslError(StatusCode::kInternal, "encoding ECDSA signature");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// True if `der` is the one DER encoding of an ECDSA-Sig-Value (no BER leniency, no trailing
// bytes): re-encoding must reproduce it exactly.
bool IsStrictDerSignature(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ERR_clear_error();
    return false;
  }
  unsigned char* again = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &again);
  bool same =
      len == static_cast<int>(der.size()) && std::memcmp(again, der.data(), der.size()) == 0;
  OPENSSL_free(again);
  return same;
}

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kP256:
      return "p256";
    case KeyAlgorithm::kEd25519:
      return "ed25519";
    case KeyAlgorithm::kSm2:
      return "sm2";
  }
  return "unknown";
}

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  if (name == "p256") return KeyAlgorithm::kP256;
  if (name == "ed25519") return KeyAlgorithm::kEd25519;
  if (name == "sm2") return KeyAlgorithm::kSm2;
  return Status::InvalidArgument("unknown key algorithm \"" + std::string(name) +
                                 "\" (expected p256, ed25519 or sm2)");
}

// ---- PublicKey ----

struct PublicKey::Handle {
  explicit Handle(std::shared_ptr<EVP_PKEY> k) : key(std::move(k)) {}

  // P-256: a context set up once to verify a SHA-256 digest, which each verification
  // duplicates. EVP_DigestVerifyInit fetches the algorithms again on every call, under a lock:
  // with two threads verifying, 10% of a verification (bench: 68.5 us against 61.5 us).
  // Null if it could not be made (then Verify fails, as DigestVerifyInit would have).
  EVP_PKEY_CTX* VerifyPrototype() {
    std::call_once(verify_once, [this] {
      static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
      internal::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
      if (ctx && sha256 != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1 &&
          EVP_PKEY_CTX_set_signature_md(ctx.get(), sha256) == 1) {
        verify_proto = std::move(ctx);
      }
      ERR_clear_error();
    });
    return verify_proto.get();
  }

  std::shared_ptr<EVP_PKEY> key;
  std::once_flag verify_once;
  internal::EvpPkeyCtxPtr verify_proto;
};

PublicKey::PublicKey(std::shared_ptr<Handle> h, KeyAlgorithm alg, Bytes der)
    : handle_(std::move(h)), alg_(alg), spki_der_(std::move(der)) {}

Result<PublicKey> PublicKey::FromDer(std::span<const uint8_t> spki_der) {
  // OpenSSL 3 builds a decoder context for every d2i_PUBKEY: in perf, 65% of the time of
  // verifying proof bundles, each of which rebuilds a registry and so parses every registered
  // key. Keys are immutable, so parsed ones are kept, by their DER (the bundle mutation test
  // went from 10.4 s to 2.5 s).
  static Mutex mu;
  static std::unordered_map<std::string, PublicKey> parsed GUARDED_BY(mu);
  std::string der_key(spki_der.begin(), spki_der.end());
  {
    MutexLock lock(mu);
    if (auto it = parsed.find(der_key); it != parsed.end()) return it->second;
  }
  CREDLEDGER_ASSIGN_OR_RETURN(PublicKey key, ParseDer(spki_der));
  MutexLock lock(mu);
  if (parsed.size() >= 4096) parsed.clear();  // bounded; the working set is the registry
  parsed.emplace(std::move(der_key), key);
  return key;
}

Result<PublicKey> PublicKey::ParseDer(std::span<const uint8_t> spki_der) {
  const unsigned char* p = spki_der.data();
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  if (raw == nullptr) {
    return OpenSslError(StatusCode::kInvalidArgument, "not a DER SubjectPublicKeyInfo");
  }
  auto key = internal::ShareKey(raw);
  if (p != spki_der.data() + spki_der.size()) {
    return Status::InvalidArgument("trailing bytes after the SubjectPublicKeyInfo");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(KeyAlgorithm alg, IdentifyKey(key.get()));
  CREDLEDGER_ASSIGN_OR_RETURN(Bytes der, SpkiDer(key.get()));
  return PublicKey(std::make_shared<Handle>(std::move(key)), alg, std::move(der));
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
    return Status::InvalidArgument(
        "not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  }
  internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError(StatusCode::kInternal, "BIO_new_mem_buf");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  if (raw == nullptr) return OpenSslError(StatusCode::kInvalidArgument, "malformed PEM public key");
  auto key = internal::ShareKey(raw);
  CREDLEDGER_ASSIGN_OR_RETURN(KeyAlgorithm alg, IdentifyKey(key.get()));
  CREDLEDGER_ASSIGN_OR_RETURN(Bytes der, SpkiDer(key.get()));
  return PublicKey(std::make_shared<Handle>(std::move(key)), alg, std::move(der));
}

Result<PublicKey> PublicKey::FromRawEd25519(std::span<const uint8_t> raw) {
  if (raw.size() != 32) return Status::InvalidArgument("an Ed25519 public key is 32 bytes");
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  if (k == nullptr) return OpenSslError(StatusCode::kInvalidArgument, "bad Ed25519 public key");
  auto key = internal::ShareKey(k);
  CREDLEDGER_ASSIGN_OR_RETURN(Bytes der, SpkiDer(key.get()));
  return PublicKey(std::make_shared<Handle>(std::move(key)), KeyAlgorithm::kEd25519,
                   std::move(der));
}

std::string PublicKey::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), handle_->key.get()) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string PublicKey::KeyId() const { return HexEncode(Hash(HashAlgorithm::kSha256, spki_der_)); }

Bytes PublicKey::RawEd25519() const {
  if (alg_ != KeyAlgorithm::kEd25519) return {};
  Bytes out(32);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(handle_->key.get(), out.data(), &len) != 1 || len != 32) {
    ERR_clear_error();
    return {};
  }
  return out;
}

Status PublicKey::Verify(std::string_view message, std::span<const uint8_t> signature) const {
  Bytes der_storage;
  std::span<const uint8_t> sig = signature;
  switch (alg_) {
    case KeyAlgorithm::kP256: {
      auto der = RawEcdsaToDer(signature);
      if (!der.ok()) return der.status();
      der_storage = std::move(*der);
      sig = der_storage;
      break;
    }
    case KeyAlgorithm::kSm2:
      if (!IsStrictDerSignature(signature)) {
        return Status::Unauthenticated("sm2 signature is not a DER SEQUENCE of two INTEGERs");
      }
      break;
    case KeyAlgorithm::kEd25519:
      if (signature.size() != 64) {
        return Status::Unauthenticated("ed25519 signature must be 64 bytes, got " +
                                       std::to_string(signature.size()));
      }
      break;
  }
  int rc = 0;
  if (alg_ == KeyAlgorithm::kP256) {
    // ECDSA over the SHA-256 digest, as EVP_DigestVerify computes it, from a prepared context.
    EVP_PKEY_CTX* prototype = handle_->VerifyPrototype();
    if (prototype == nullptr) return Status::Internal("setting up P-256 verification failed");
    internal::EvpPkeyCtxPtr pctx(EVP_PKEY_CTX_dup(prototype));
    if (!pctx) return Status::Internal("EVP_PKEY_CTX_dup failed");
    const Digest digest = Hash(HashAlgorithm::kSha256, message);
    rc = EVP_PKEY_verify(pctx.get(), sig.data(), sig.size(), digest.data(), digest.size());
  } else {
    internal::EvpMdCtxPtr mctx(EVP_MD_CTX_new());
    internal::EvpPkeyCtxPtr pctx;
    if (!mctx) return Status::Internal("EVP_MD_CTX_new failed");
    CREDLEDGER_RETURN_IF_ERROR(
        InitDigestContext(mctx.get(), handle_->key.get(), alg_, false, &pctx));
    rc = EVP_DigestVerify(mctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size());
  }
  ERR_clear_error();
  if (rc != 1) {
    return Status::Unauthenticated(std::string(KeyAlgorithmName(alg_)) +
                                   " signature does not verify");
  }
  return Status::Ok();
}

// ---- PrivateKey ----

struct PrivateKey::Handle {
  std::shared_ptr<EVP_PKEY> key;
};

PrivateKey::PrivateKey(std::shared_ptr<Handle> h, PublicKey pub)
    : handle_(std::move(h)), public_key_(std::move(pub)) {}

namespace {

Result<PublicKey> PublicFromPrivate(EVP_PKEY* key) {
  CREDLEDGER_ASSIGN_OR_RETURN(Bytes der, SpkiDer(key));
  return PublicKey::FromDer(der);
}

}  // namespace

Result<PrivateKey> PrivateKey::Generate(KeyAlgorithm alg) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case KeyAlgorithm::kP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyAlgorithm::kSm2:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
      break;
  }
  if (raw == nullptr) return OpenSslError(StatusCode::kInternal, "key generation failed");
  auto key = internal::ShareKey(raw);
  CREDLEDGER_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::make_shared<Handle>(Handle{std::move(key)}), std::move(pub));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  if (pem.find("-----BEGIN PRIVATE KEY-----") == std::string_view::npos) {
    return Status::InvalidArgument(
        "not an unencrypted PKCS#8 PEM private key (expected \"-----BEGIN PRIVATE KEY-----\")");
  }
  internal::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError(StatusCode::kInternal, "BIO_new_mem_buf");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (raw == nullptr)
    return OpenSslError(StatusCode::kInvalidArgument, "malformed PEM private key");
  auto key = internal::ShareKey(raw);
  CREDLEDGER_RETURN_IF_ERROR(IdentifyKey(key.get()).status());
  CREDLEDGER_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::make_shared<Handle>(Handle{std::move(key)}), std::move(pub));
}

Result<PrivateKey> PrivateKey::FromEd25519Seed(std::span<const uint8_t> seed) {
  if (seed.size() != 32) return Status::InvalidArgument("an Ed25519 seed is 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (raw == nullptr) return OpenSslError(StatusCode::kInvalidArgument, "bad Ed25519 seed");
  auto key = internal::ShareKey(raw);
  CREDLEDGER_ASSIGN_OR_RETURN(PublicKey pub, PublicFromPrivate(key.get()));
  return PrivateKey(std::make_shared<Handle>(Handle{std::move(key)}), std::move(pub));
}

std::string PrivateKey::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), handle_->key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<Bytes> PrivateKey::Sign(std::string_view message) const {
  internal::EvpMdCtxPtr mctx(EVP_MD_CTX_new());
  internal::EvpPkeyCtxPtr pctx;
  if (!mctx) return Status::Internal("EVP_MD_CTX_new failed");
  KeyAlgorithm alg = algorithm();
  CREDLEDGER_RETURN_IF_ERROR(InitDigestContext(mctx.get(), handle_->key.get(), alg, true, &pctx));
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  if (EVP_DigestSign(mctx.get(), nullptr, &len, msg, message.size()) != 1) {
    return OpenSslError(StatusCode::kInternal, "signing");
  }
  Bytes sig(len);
  if (EVP_DigestSign(mctx.get(), sig.data(), &len, msg, message.size()) != 1) {
    return OpenSslError(StatusCode::kInternal, "signing");
  }
  sig.resize(len);
  if (alg == KeyAlgorithm::kP256) return DerEcdsaToRaw(sig);
  return sig;
}

}  // namespace credledger::crypto
