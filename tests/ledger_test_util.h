// Helpers shared by the ledger_test binary's files.
#ifndef CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_
#define CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <memory>

#include "crypto/encoding.h"
#include "crypto/keys.h"
#include "ledger/canonical_json.h"
#include "ledger/store.h"

namespace credledger::testing {

// Lets a test keep a MemoryStore across Ledger lifetimes (a Ledger owns its Store).
class SharedStore : public Store {
 public:
  explicit SharedStore(std::shared_ptr<MemoryStore> s) : s_(std::move(s)) {}
  Status Get(std::string_view key, std::string* value) override { return s_->Get(key, value); }
  Status Write(const WriteBatch& batch, bool sync) override { return s_->Write(batch, sync); }
  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    return s_->Scan(start, visit);
  }

 private:
  std::shared_ptr<MemoryStore> s_;
};

inline crypto::PrivateKey GenerateKey(crypto::KeyAlgorithm alg) {
  auto k = crypto::PrivateKey::Generate(alg);
  REQUIRE(k.ok());
  return *k;
}

// A key as the genesis and config entries list it: {"alg", "spki"}.
inline Json PublicKeyJson(const crypto::PrivateKey& k) {
  return {{"alg", std::string(crypto::KeyAlgorithmName(k.algorithm()))},
          {"spki", crypto::Base64Encode(k.public_key().spki_der())}};
}

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_
