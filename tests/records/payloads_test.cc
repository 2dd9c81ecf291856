#include "ledger/records/payloads.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"

using namespace credledger;
using namespace credledger::records;

TEST_CASE("payloads are stored by hash and erased to a tombstone", "[payloads]") {
  MemoryStore store;
  PayloadStore payloads(&store, crypto::HashAlgorithm::kSha256);
  const std::string pdf = "%PDF-1.7 license document";
  auto hash = payloads.Put(pdf);
  REQUIRE(hash.ok());
  CHECK(*hash == crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, pdf)));
  CHECK(*payloads.Put(pdf) == *hash);  // idempotent
  auto got = payloads.Get(*hash);
  REQUIRE(got.ok());
  REQUIRE(got->bytes);
  CHECK(*got->bytes == pdf);
  CHECK_FALSE(got->erasure);
  CHECK(payloads.Get(std::string(64, '0')).status().code() == StatusCode::kNotFound);
  CHECK(payloads.Get("XYZ").status().code() == StatusCode::kInvalidArgument);

  CHECK(payloads.Erase(*hash, {"", "sz-amr", "PIPL art. 47"}).code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(payloads.Erase(*hash, {"2026-11-27T12:00:00Z", "sz-amr", "PIPL art. 47"}).ok());
  got = payloads.Get(*hash);
  REQUIRE(got.ok());
  CHECK_FALSE(got->bytes);  // gone: the API answers 410
  REQUIRE(got->erasure);
  CHECK(got->erasure->erased_by == "sz-amr");
  CHECK(got->erasure->legal_basis == "PIPL art. 47");
  // The bytes are really gone from the store, and are not taken back in.
  std::string raw;
  CHECK(store.Get("p" + *hash, &raw).code() == StatusCode::kNotFound);
  CHECK(payloads.Put(pdf).status().code() == StatusCode::kFailedPrecondition);
  CHECK(payloads.Erase(*hash, {"2026-11-28T12:00:00Z", "admin", "x"}).code() ==
        StatusCode::kFailedPrecondition);
  CHECK(payloads.Erase(std::string(64, '1'), {"2026-11-28T12:00:00Z", "admin", "x"}).code() ==
        StatusCode::kNotFound);
}
