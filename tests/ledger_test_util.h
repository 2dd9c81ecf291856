// Helpers shared by the test binaries' files.
#ifndef CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_
#define CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <memory>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "fixtures.h"
#include "ledger/canonical_json.h"
#include "ledger/records/entry.h"
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
  Status Recover() override { return s_->Recover(); }

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

// The sample penalty (tests/fixtures/records/penalty.json) of `agency` with decision number
// `number`, signed with `key`: the canonical signed entry. Its punishing authority is
// `authority_uscc` (the agency's own code in the registry); its decision document hash is
// `document_hash`, or by default one of its own.
inline std::string SignedPenalty(const crypto::PrivateKey& key, const std::string& agency,
                                 const std::string& number, int64_t fine = 100000,
                                 const std::string& authority_uscc = "91110000101623741K",
                                 std::string document = "") {
  if (document.empty()) {
    document = crypto::HexEncode(
        crypto::Hash(crypto::HashAlgorithm::kSha256, agency + "|" + number + " decision"));
  }
  Json e = SampleEntry("penalty");
  e["agency"] = agency;
  Json& body = e["body"];
  body["decision_number"] = number;
  body["fine_fen"] = fine;
  body["punishing_authority"]["uscc"] = authority_uscc;
  body["decision_document_hash"] = document;
  auto s = records::SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_LEDGER_TEST_UTIL_H_
