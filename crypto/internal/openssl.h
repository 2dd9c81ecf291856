// RAII owners for the OpenSSL objects crypto/ uses, and the one place that turns OpenSSL's error
// queue into a Status. Private to crypto/: nothing outside this module includes OpenSSL.
#ifndef CREDLEDGER_CRYPTO_INTERNAL_OPENSSL_H_
#define CREDLEDGER_CRYPTO_INTERNAL_OPENSSL_H_

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace credledger::crypto::internal {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

// EVP_PKEY is reference counted; we share it between copies of a key.
std::shared_ptr<EVP_PKEY> ShareKey(EVP_PKEY* key);

// Drains OpenSSL's thread-local error queue into a Status with `code` and `what` as context.
Status OpenSslError(StatusCode code, std::string_view what);

}  // namespace credledger::crypto::internal

#endif  // CREDLEDGER_CRYPTO_INTERNAL_OPENSSL_H_
