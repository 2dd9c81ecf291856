// Helpers for tests of the records module and above: keys, registry keys, signed samples.
#ifndef CREDLEDGER_TESTS_COMMON_RECORDS_UTIL_H_
#define CREDLEDGER_TESTS_COMMON_RECORDS_UTIL_H_

#include <catch2/catch.hpp>
#include <map>
#include <memory>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "fixtures.h"
#include "ledger/canonical_json.h"
#include "ledger/log_reader.h"
#include "ledger/records/entry.h"
#include "ledger/records/policy.h"
#include "ledger_util.h"

namespace credledger::testing {

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

// A config entry `action` with `params` issued at `issued_at`, signed by each of `admins`.
inline std::string SignedConfig(std::initializer_list<const crypto::PrivateKey*> admins,
                                const std::string& action, Json params,
                                const std::string& issued_at) {
  Json c = {{"type", "config"},
            {"schema_version", 1},
            {"issued_at", issued_at},
            {"action", action},
            {"params", std::move(params)}};
  const std::string bytes = *CanonicalJson(c);
  c["signatures"] = Json::array();
  for (const crypto::PrivateKey* admin : admins) {
    c["signatures"].push_back({{"key_id", admin->public_key().KeyId()},
                               {"signature", crypto::Base64Encode(*admin->Sign(bytes))}});
  }
  return *CanonicalJson(c);
}

// Every record index key of `store` (record_index.h) and its value.
inline std::map<std::string, std::string> IndexKeys(Store* store) {
  std::map<std::string, std::string> out;
  const std::string prefix(1, records::index_keys::kPrefix);
  REQUIRE(store
              ->Scan(prefix,
                     [&](std::string_view key, std::string_view value) {
                       if (!key.starts_with(prefix)) return false;
                       out.emplace(key, value);
                       return true;
                     })
              .ok());
  return out;
}

// The record indexes of the log in `store` built from scratch (RecordPolicy::Reindex on a copy
// of its log without them): what the indexes kept block by block must equal.
inline std::map<std::string, std::string> ReindexedFromScratch(Store* store) {
  auto copy = std::make_unique<MemoryStore>();
  Store* raw = copy.get();
  WriteBatch log;
  REQUIRE(store
              ->Scan("",
                     [&](std::string_view key, std::string_view value) {
                       if (!key.starts_with(std::string(1, records::index_keys::kPrefix))) {
                         log.Put(std::string(key), std::string(value));
                       }
                       return true;
                     })
              .ok());
  REQUIRE(raw->Write(log, false).ok());
  auto reader = LogReader::Open(std::move(copy));
  REQUIRE(reader.ok());
  Status s = records::RecordPolicy::Reindex(raw, **reader, /*rebuild=*/false, nullptr, 7);
  if (!s.ok()) FAIL(s.ToString());
  return IndexKeys(raw);
}

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_COMMON_RECORDS_UTIL_H_
