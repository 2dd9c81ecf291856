// Signing keys: ECDSA P-256, Ed25519 and SM2, loaded from and saved to PEM.
//
// Signature formats (what Sign produces and Verify accepts, nothing else):
//   p256     ECDSA over SHA-256, raw r||s (64 bytes, IEEE P1363): what WebCrypto produces and
//            verifies. DER is not accepted, so one signature has one encoding.
//   ed25519  RFC 8032 pure Ed25519, 64 bytes.
//   sm2      GM/T 0003 over SM3 with the signer ID "1234567812345678" (GM/T 0009), DER
//            SEQUENCE { r INTEGER, s INTEGER } as GM/T 0009 and `openssl dgst -sm3` write it;
//            non-minimal (BER) encodings are rejected.
//
// Key ID: lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo (as RFC 6962 log
// IDs are). It identifies a key without trusting any name attached to it.
//
// Thread-safety: keys are immutable after construction; copies share the underlying key and
// may be used for Sign/Verify from many threads at once.
#ifndef CREDLEDGER_CRYPTO_KEYS_H_
#define CREDLEDGER_CRYPTO_KEYS_H_

#include <memory>
#include <string>
#include <string_view>

#include "crypto/encoding.h"
#include "crypto/status.h"

namespace credledger::crypto {

enum class KeyAlgorithm { kP256, kEd25519, kSm2 };

// "p256", "ed25519", "sm2".
std::string_view KeyAlgorithmName(KeyAlgorithm alg);
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);

// The signer ID GM/T 0009 fixes for SM2 when the parties agree on no other.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

class PublicKey {
 public:
  // PEM "PUBLIC KEY" (SubjectPublicKeyInfo). Errors: InvalidArgument for anything that is not
  // a p256, ed25519 or sm2 public key.
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromDer(std::span<const uint8_t> spki_der);
  // The 32 raw bytes of an Ed25519 key (RFC 8032).
  static Result<PublicKey> FromRawEd25519(std::span<const uint8_t> raw);

  KeyAlgorithm algorithm() const { return alg_; }
  std::string ToPem() const;
  const Bytes& spki_der() const { return spki_der_; }
  // See the file comment.
  std::string KeyId() const;
  // The 32 raw bytes; only for ed25519 keys (empty otherwise).
  Bytes RawEd25519() const;

  // OK if `signature` is a valid signature of `message` by this key; Unauthenticated if it is
  // not (including a malformed signature).
  Status Verify(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  struct Handle;
  PublicKey(std::shared_ptr<Handle> h, KeyAlgorithm alg, Bytes der);
  static Result<PublicKey> ParseDer(std::span<const uint8_t> spki_der);  // FromDer, uncached
  std::shared_ptr<Handle> handle_;
  KeyAlgorithm alg_;
  Bytes spki_der_;
  friend class PrivateKey;
};

class PrivateKey {
 public:
  static Result<PrivateKey> Generate(KeyAlgorithm alg);
  // PEM "PRIVATE KEY" (unencrypted PKCS#8).
  static Result<PrivateKey> FromPem(std::string_view pem);
  // An Ed25519 key from its 32-byte RFC 8032 seed.
  static Result<PrivateKey> FromEd25519Seed(std::span<const uint8_t> seed);

  KeyAlgorithm algorithm() const { return public_key_.algorithm(); }
  // Unencrypted PKCS#8 PEM. Whoever writes it to disk must restrict the file's permissions.
  std::string ToPem() const;
  const PublicKey& public_key() const { return public_key_; }

  // A signature in the format of the file comment.
  Result<Bytes> Sign(std::string_view message) const;

 private:
  struct Handle;
  PrivateKey(std::shared_ptr<Handle> h, PublicKey pub);
  std::shared_ptr<Handle> handle_;
  PublicKey public_key_;
};

}  // namespace credledger::crypto

#endif  // CREDLEDGER_CRYPTO_KEYS_H_
