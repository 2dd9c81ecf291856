#include "ledger/records/registry.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"
#include "records_util.h"
#include "test_util.h"

using namespace credledger;
using namespace credledger::records;

namespace {

const std::string kHash(64, 'a');

using credledger::testing::GenerateKey;
using credledger::testing::PublicKeyJson;

struct World {
  crypto::PrivateKey node = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  std::vector<crypto::PrivateKey> admins = {GenerateKey(crypto::KeyAlgorithm::kEd25519),
                                            GenerateKey(crypto::KeyAlgorithm::kP256),
                                            GenerateKey(crypto::KeyAlgorithm::kSm2)};
  crypto::PrivateKey amr = GenerateKey(crypto::KeyAlgorithm::kP256);
  crypto::PrivateKey amr2 = GenerateKey(crypto::KeyAlgorithm::kSm2);
  crypto::PrivateKey stranger = GenerateKey(crypto::KeyAlgorithm::kP256);

  Json Genesis() const {
    Json admin_keys = Json::array();
    for (const auto& a : admins) admin_keys.push_back(PublicKeyJson(a));
    return {{"type", "genesis"},
            {"schema_version", 1},
            {"origin", "city.example/credledger"},
            {"tree_hash", "sha256"},
            {"created_at", "2026-11-27T00:00:00Z"},
            {"display_rules", DefaultDisplayRules()},
            {"node_key",
             {{"alg", "ed25519"},
              {"key_id", node.public_key().KeyId()},
              {"spki", crypto::Base64Encode(node.public_key().spki_der())}}},
            {"admins", {{"threshold", 2}, {"keys", admin_keys}}},
            {"agencies",
             {{{"id", "sz-amr"},
               {"name", "Shenzhen AMR"},
               {"uscc", "91110000101623741K"},
               {"keys", {PublicKeyJson(amr)}},
               {"types", {"license", "penalty", "status_change", "credit_repair"}}}}}};
  }

  Registry Build() const {
    auto r = Registry::FromGenesis(*CanonicalJson(Genesis()));
    if (!r.ok()) FAIL(r.status().ToString());
    return *r;
  }

  // A config entry signed by the admins at `signers`.
  std::string Config(const std::string& action, Json params, std::vector<size_t> signers) const {
    Json c = {{"type", "config"},
              {"schema_version", 1},
              {"issued_at", "2026-11-27T10:00:00Z"},
              {"action", action},
              {"params", std::move(params)}};
    std::string bytes = *CanonicalJson(c);
    Json sigs = Json::array();
    for (size_t i : signers) {
      auto sig = admins[i].Sign(bytes);
      REQUIRE(sig.ok());
      sigs.push_back(
          {{"key_id", admins[i].public_key().KeyId()}, {"signature", crypto::Base64Encode(*sig)}});
    }
    c["signatures"] = sigs;
    return *CanonicalJson(c);
  }
};

// A status_change (revocation) record by `agency`, signed with `key`.
ValidatedEntry Revocation(const crypto::PrivateKey& key, const std::string& agency = "sz-amr") {
  Json e = {{"type", "status_change"},
            {"schema_version", 1},
            {"agency", agency},
            {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
            {"issued_at", "2026-11-27T09:30:00Z"},
            {"refs", {kHash}},
            {"body",
             {{"target", kHash},
              {"action", "revoke"},
              {"new_status", "revoked"},
              {"reversible", false},
              {"reason", "fraud"},
              {"effective_at", "2026-11-27T00:00:00Z"}}}};
  auto s = SignEntry(e, key);
  if (!s.ok()) FAIL(s.status().ToString());
  return *s;
}

}  // namespace

TEST_CASE("the genesis fixes admins, threshold and agencies", "[registry]") {
  World w;
  Registry r = w.Build();
  CHECK(r.origin() == "city.example/credledger");
  CHECK(r.admin_threshold() == 2);
  REQUIRE(r.agencies().count("sz-amr"));
  CHECK(r.agencies().at("sz-amr").keys.count(w.amr.public_key().KeyId()));

  auto expect_error = [&](Json g, const std::string& pointer) {
    auto bad = Registry::FromGenesis(*CanonicalJson(g));
    INFO(pointer << " -> " << bad.status().ToString());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().rfind(pointer + ":", 0) == 0);
  };
  Json g = w.Genesis();
  g["admins"]["threshold"] = 4;
  expect_error(g, "/admins/threshold");
  g = w.Genesis();
  g["admins"]["threshold"] = 0;
  expect_error(g, "/admins/threshold");
  g = w.Genesis();
  g.erase("agencies");
  expect_error(g, "/agencies");
  g = w.Genesis();
  g["agencies"][0]["keys"][0]["alg"] = "ed25519";  // it is a p256 key
  expect_error(g, "/agencies/0/keys/0/alg");
  g = w.Genesis();
  g["agencies"].push_back(g["agencies"][0]);
  expect_error(g, "/agencies/1/id");
  g = w.Genesis();
  g["agencies"][0]["types"] = {"license", "loan"};
  expect_error(g, "/agencies/0/types/1");
  g = w.Genesis();
  g["agencies"][0]["uscc"] = "91110000101623741X";
  expect_error(g, "/agencies/0/uscc");
  g = w.Genesis();
  g["node_key"]["key_id"] = kHash;
  expect_error(g, "/node_key/key_id");
  g = w.Genesis();
  g.erase("display_rules");
  expect_error(g, "/display_rules");
  g = w.Genesis();
  g["display_rules"]["2026"]["general"]["min_months"] = 13;
  expect_error(g, "/display_rules/2026/general/min_months");
  g = w.Genesis();
  g["display_rules"]["2026"]["serious"]["max_months"] = 1.5;
  expect_error(g, "/display_rules/2026/serious/max_months");
  const DisplayRules* rules = r.RulesFor("2026", 1);
  REQUIRE(rules != nullptr);
  CHECK_FALSE(rules->tiers.at("minor").displayed);
  CHECK(rules->tiers.at("general").min_months == 3);
  CHECK(rules->tiers.at("serious").max_months == 36);
  CHECK(rules->non_repairable_kinds.count("license_revocation"));
  CHECK(r.RulesFor("2019", 1) == nullptr);
}

TEST_CASE("authorization: key, signature, suspension, type and historical-code rules",
          "[registry]") {
  World w;
  Registry r = w.Build();
  ValidatedEntry ok = Revocation(w.amr);
  CHECK(r.Authorize(ok, 1).ok());
  CHECK(r.Authorize(Revocation(w.amr, "gz-amr"), 1).code() == StatusCode::kUnauthenticated);
  CHECK(r.Authorize(Revocation(w.stranger), 1).code() == StatusCode::kUnauthenticated);
  ValidatedEntry forged = ok;
  forged.signed_bytes += " ";  // the signature no longer covers these bytes
  CHECK(r.Authorize(forged, 1).code() == StatusCode::kUnauthenticated);
  // Permitted types change by config; the change applies to entries after it.
  auto types = w.Config("set_types", {{"agency_id", "sz-amr"}, {"types", {"license"}}}, {0, 1});
  REQUIRE(r.ApplyConfig(types, 5).ok());
  Status denied = r.Authorize(ok, 6);
  CHECK(denied.code() == StatusCode::kPermissionDenied);
  CHECK(denied.message().find("may not issue status_change") != std::string::npos);
  CHECK(r.Authorize(ok, 5).ok());  // before the change took effect
}

TEST_CASE("config entries need M distinct, valid admin signatures", "[registry]") {
  World w;
  Registry r = w.Build();
  Json agency = {{"id", "gz-amr"},
                 {"name", "Guangzhou AMR"},
                 {"uscc", "9144030071526726XG"},
                 {"keys", {PublicKeyJson(w.amr2)}},
                 {"types", {"penalty", "status_change"}}};
  CHECK(r.ApplyConfig(w.Config("add_agency", {{"agency", agency}}, {0}), 1).code() ==
        StatusCode::kUnauthenticated);
  CHECK(r.ApplyConfig(w.Config("add_agency", {{"agency", agency}}, {1, 1}), 1).code() ==
        StatusCode::kUnauthenticated);
  std::string good = w.Config("add_agency", {{"agency", agency}}, {0, 2});
  std::string tampered = good;
  tampered.replace(tampered.find("Guangzhou"), 9, "Guangzhoo");
  CHECK(r.ApplyConfig(tampered, 1).code() == StatusCode::kUnauthenticated);
  // A non-admin's signature is refused even beside enough admin ones.
  Json with_stranger = ParseJson(good).value();
  auto sig = w.stranger.Sign("x");
  with_stranger["signatures"].push_back(
      {{"key_id", w.stranger.public_key().KeyId()}, {"signature", crypto::Base64Encode(*sig)}});
  CHECK(r.ApplyConfig(*CanonicalJson(with_stranger), 1).code() == StatusCode::kUnauthenticated);
  REQUIRE(r.ApplyConfig(good, 1).ok());
  CHECK(r.Authorize(Revocation(w.amr2, "gz-amr"), 2).ok());
  CHECK(r.Authorize(Revocation(w.amr2, "gz-amr"), 1).code() == StatusCode::kUnauthenticated);
  CHECK(r.ApplyConfig(good, 2).code() == StatusCode::kFailedPrecondition);  // exists already
  CHECK(r.ApplyConfig(w.Config("suspend_agency", {{"agency_id", "nobody"}}, {0, 1}), 3).code() ==
        StatusCode::kFailedPrecondition);
}

TEST_CASE("key rotation: old signatures stay valid before it, are refused after it", "[registry]") {
  World w;
  Registry r = w.Build();
  std::string rotate = w.Config("rotate_key",
                                {{"agency_id", "sz-amr"},
                                 {"old_key_id", w.amr.public_key().KeyId()},
                                 {"key", PublicKeyJson(w.amr2)}},
                                {1, 2});
  REQUIRE(r.ApplyConfig(rotate, 10).ok());
  CHECK(r.Authorize(Revocation(w.amr), 9).ok());
  CHECK(r.Authorize(Revocation(w.amr), 10).ok());
  Status after = r.Authorize(Revocation(w.amr), 11);
  CHECK(after.code() == StatusCode::kUnauthenticated);
  CHECK(after.message().find("revoked") != std::string::npos);
  CHECK(r.Authorize(Revocation(w.amr2), 11).ok());
  CHECK(r.Authorize(Revocation(w.amr2), 10).code() == StatusCode::kUnauthenticated);
  // Revoking an already revoked key is refused.
  CHECK(r.ApplyConfig(
             w.Config("revoke_key",
                      {{"agency_id", "sz-amr"}, {"key_id", w.amr.public_key().KeyId()}}, {0, 1}),
             12)
            .code() == StatusCode::kFailedPrecondition);
  Json view = r.ToJson(11);
  CHECK(view["agencies"][0]["keys"].size() == 2);
}

TEST_CASE("display rules: regimes added by config apply after their index", "[registry]") {
  World w;
  Registry r = w.Build();
  Json regime2023 = DefaultDisplayRules()["2026"];
  regime2023["general"]["max_months"] = 36;
  std::string set =
      w.Config("set_display_rules", {{"display_rules", {{"2023", regime2023}}}}, {0, 2});
  REQUIRE(r.ApplyConfig(set, 7).ok());
  CHECK(r.RulesFor("2023", 7) == nullptr);
  REQUIRE(r.RulesFor("2023", 8) != nullptr);
  CHECK(r.RulesFor("2023", 8)->tiers.at("general").max_months == 36);
  CHECK(r.RulesFor("2026", 8) != nullptr);  // earlier regimes stay
}

TEST_CASE("suspension and historical-code permission change at their index", "[registry]") {
  World w;
  Registry r = w.Build();
  REQUIRE(r.ApplyConfig(w.Config("suspend_agency", {{"agency_id", "sz-amr"}}, {0, 1}), 20).ok());
  CHECK(r.Authorize(Revocation(w.amr), 20).ok());
  CHECK(r.Authorize(Revocation(w.amr), 21).code() == StatusCode::kPermissionDenied);
  REQUIRE(r.ApplyConfig(w.Config("reinstate_agency", {{"agency_id", "sz-amr"}}, {0, 1}), 30).ok());
  CHECK(r.Authorize(Revocation(w.amr), 31).ok());
  CHECK(r.Authorize(Revocation(w.amr), 25).code() == StatusCode::kPermissionDenied);

  Json e = Revocation(w.amr).document;
  e.erase("signature");
  e["subject"] = {
      {"kind", "organization"}, {"uscc", "91350100M0001TGQXM"}, {"historical_code", true}};
  auto historical = SignEntry(e, w.amr);
  REQUIRE(historical.ok());
  CHECK(r.Authorize(*historical, 31).code() == StatusCode::kPermissionDenied);
  REQUIRE(r.ApplyConfig(w.Config("set_historical_codes",
                                 {{"agency_id", "sz-amr"}, {"allowed", true}}, {1, 2}),
                        40)
              .ok());
  CHECK(r.Authorize(*historical, 41).ok());
  CHECK(r.ApplyConfig(w.Config("suspend_agency", {{"agency_id", "sz-amr"}}, {0, 1}), 40).code() ==
        StatusCode::kFailedPrecondition);  // out of log order
}
