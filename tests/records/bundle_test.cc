// Proof bundles: made from a live domain ledger, verified offline with the verifier key alone.
#include "ledger/records/bundle.h"

#include <catch2/catch.hpp>
#include <map>

#include "bundle_domain.h"
#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"
#include "ledger/witness/cosignature.h"
#include "records_util.h"

using namespace credledger;
using namespace credledger::records;

namespace {

using credledger::testing::Domain;
using credledger::testing::GenerateKey;
using credledger::testing::kDocument;

// The check of verdict `v` named `name`.
BundleCheck CheckNamed(const BundleVerdict& v, std::string_view name) {
  for (const BundleCheck& c : v.checks) {
    if (c.name == name) return c;
  }
  FAIL("no check named " << name);
  return {};
}

VerifyOptions At(const char* time) {
  VerifyOptions o;
  o.checked_at = time;
  return o;
}

std::string Failures(const BundleVerdict& v) {
  std::string out;
  for (const BundleCheck& c : v.checks) {
    if (c.result == BundleCheck::Result::kFail) out += c.name + ": " + c.detail + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("bundles of every record type and status verify offline and state the status",
          "[bundle]") {
  Domain d;
  const auto [valid, long_term, revoked, revocation, suspended, old, replacement, lapsed, expired,
              cancelled, reinstated, certificate, penalty, repaired, repair, withdrawn] =
      d.AppendEveryStatus();
  const NoteVerifier verifier = d.Verifier();
  const VerifyOptions today = At("2026-11-28T10:00:00Z");

  struct Case {
    std::string id;
    const char* type;
    const char* status;
    bool in_force;
  };
  const Case cases[] = {
      {valid, "license", "valid", true},          {long_term, "license", "valid", true},
      {revoked, "license", "revoked", false},     {revocation, "status_change", "valid", true},
      {suspended, "license", "suspended", false}, {old, "license", "superseded", false},
      {replacement, "license", "valid", true},    {lapsed, "license", "expired", false},
      {expired, "license", "expired", false},     {cancelled, "license", "cancelled", false},
      {reinstated, "license", "valid", true},     {certificate, "certificate", "valid", true},
      {penalty, "penalty", "valid", true},        {repaired, "penalty", "repaired", false},
      {repair, "credit_repair", "valid", true},   {withdrawn, "penalty", "withdrawn", false},
  };
  for (const Case& c : cases) {
    INFO(c.type << " " << c.status << " " << c.id);
    const BundleVerdict v = VerifyProofBundle(d.Bundle(c.id), verifier, today);
    INFO(Failures(v));
    CHECK(v.authentic);
    CHECK(v.in_force == c.in_force);
    CHECK(v.record_id == c.id);
    CHECK(v.type_name() == c.type);
    CHECK(v.status == c.status);
    CHECK(v.tree_size == d.ledger->Head().tree_size);
    CHECK(v.FirstFailure() == (c.in_force ? nullptr : &v.checks[11]));
    CHECK(v.checks[11].name == "validity");
  }

  // Facts the verdict carries.
  BundleVerdict lapsed_v = VerifyProofBundle(d.Bundle(lapsed), verifier, today);
  CHECK(lapsed_v.status_on_log == "valid");
  CHECK(lapsed_v.valid_until == "2026-06-30");
  CHECK(VerifyProofBundle(d.Bundle(lapsed), verifier, At("2026-05-01T00:00:00Z")).in_force);
  CHECK(VerifyProofBundle(d.Bundle(valid), verifier, At("2025-12-31T23:59:59Z")).status ==
        "not_yet_valid");
  BundleVerdict cert = VerifyProofBundle(d.Bundle(certificate), verifier, today);
  CHECK(cert.agency_name == "Shenzhen Tax");
  CHECK(cert.valid_until == "2026-12-31");  // the purpose expires before the certificate
  BundleVerdict repair_v = VerifyProofBundle(d.Bundle(repair), verifier, today);
  CHECK(repair_v.target_id == repaired);
  CHECK(repair_v.target_status == "repaired");
  BundleVerdict penalty_v = VerifyProofBundle(d.Bundle(penalty), verifier, today);
  REQUIRE(penalty_v.display);
  CHECK(penalty_v.display->displayed);
  CHECK(penalty_v.display->until == "2027-01-01");
  CHECK(VerifyProofBundle(d.Bundle(repaired), verifier, today).display->reason ==
        "credit repaired on 2026-07-02");
  CHECK(penalty_v.ToJson()["record"]["agency_name"] == "Shenzhen AMR");

  // The document, when the verifier holds it.
  VerifyOptions with_document = today;
  with_document.document = kDocument;
  BundleVerdict doc = VerifyProofBundle(d.Bundle(valid), verifier, with_document);
  CHECK(doc.in_force);
  CHECK(CheckNamed(doc, "document").result == BundleCheck::Result::kPass);
  with_document.document = kDocument + " (edited)";
  doc = VerifyProofBundle(d.Bundle(valid), verifier, with_document);
  CHECK_FALSE(doc.authentic);
  REQUIRE(doc.FirstFailure() != nullptr);
  CHECK(doc.FirstFailure()->name == "document");

  // Another node's key: nothing is trusted.
  crypto::PrivateKey other = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  auto other_signer = NoteSigner::Create("bundle.test/log", other);
  REQUIRE(other_signer.ok());
  auto other_verifier = NoteVerifier::FromVerifierKey(other_signer->VerifierKey());
  REQUIRE(other_verifier.ok());
  BundleVerdict foreign = VerifyProofBundle(d.Bundle(valid), *other_verifier, today);
  CHECK_FALSE(foreign.authentic);
  CHECK(foreign.FirstFailure()->name == "checkpoint");
}

TEST_CASE("bundles of an enterprise's records carry its key's binding and verify offline",
          "[bundle][enterprise]") {
  Domain d;
  const Domain::EnterpriseSide e = d.AppendEnterpriseSide();
  const NoteVerifier verifier = d.Verifier();
  const VerifyOptions today = At("2026-11-28T10:00:00Z");
  struct Case {
    std::string id;
    const char* type;
    const char* status;
  };
  const Case cases[] = {
      {e.binding, "enterprise_key", "revoked"},
      {e.application, "repair_application", "decided"},
      {e.review, "repair_review", "valid"},
      {e.decision, "credit_repair", "valid"},
      {e.refused, "repair_application", "not_accepted"},
      {e.refusal, "repair_review", "valid"},
      {e.rebinding, "enterprise_key", "valid"},
      {e.second_application, "repair_application", "valid"},
      {e.consent, "consent", "valid"},
      {e.revoked_consent, "consent", "revoked"},
      {e.revocation, "consent_revocation", "valid"},
      {e.objection, "objection", "upheld"},
      {e.answer, "objection_answer", "valid"},
      {e.commitment, "commitment", "broken"},
      {e.check, "commitment_check", "valid"},
      {e.listed, "list_inclusion", "valid"},
      {e.removed_listing, "list_inclusion", "removed"},
      {e.removal, "list_removal", "valid"},
  };
  for (const Case& c : cases) {
    INFO(c.type << " " << c.status << " " << c.id);
    const BundleVerdict v = VerifyProofBundle(d.Bundle(c.id), verifier, today);
    INFO(Failures(v));
    CHECK(v.authentic);
    CHECK(v.type_name() == c.type);
    CHECK(v.status == c.status);
  }
  const BundleVerdict application = VerifyProofBundle(d.Bundle(e.application), verifier, today);
  CHECK(application.agency == "sz-amr");  // the agency it is addressed to
  CHECK(CheckNamed(application, "signature").detail.find("of enterprise " + testing::kSubject) !=
        std::string::npos);
  CHECK(application.target_status == "repaired");

  // Without the binding, the enterprise's signature proves nothing.
  Json bundle = Json::parse(d.Bundle(e.application));
  Json& history = bundle["history"];
  for (auto it = history.begin(); it != history.end(); ++it) {
    if (Json::parse((*it)["entry"].get<std::string>())["type"] == "enterprise_key") {
      history.erase(it);
      break;
    }
  }
  const BundleVerdict unbound = VerifyProofBundle(*CanonicalJson(bundle), verifier, today);
  CHECK_FALSE(unbound.authentic);
  REQUIRE(unbound.FirstFailure() != nullptr);
  CHECK(unbound.FirstFailure()->name == "signature");
  // Nor does an entry that is not related to the record, carried along.
  Json extra = Json::parse(d.Bundle(e.review));
  Json unrelated = Json::parse(d.Bundle(e.second_application))["history"];
  for (const Json& item : unrelated) {
    // The second key's binding, which the review's admission never reads.
    if (Json::parse(item["entry"].get<std::string>())["type"] == "enterprise_key") {
      extra["history"].push_back(item);
    }
  }
  std::sort(extra["history"].begin(), extra["history"].end(),
            [](const Json& x, const Json& y) { return x["index"] < y["index"]; });
  const BundleVerdict padded = VerifyProofBundle(*CanonicalJson(extra), verifier, today);
  CHECK_FALSE(padded.authentic);
  REQUIRE(padded.FirstFailure() != nullptr);
  CHECK(padded.FirstFailure()->name == "history");
}

TEST_CASE("a bundle with any single byte changed fails, naming a check", "[bundle]") {
  Domain d;
  d.Append(d.AddKey(d.amr_new));
  const std::string revoked = d.Append(d.License(d.amr_new, "2046-01-01"));
  d.Append(d.Change(revoked, "revoke", "revoked"));
  d.Append(d.Penalty("P-9"));  // so that the record's block is not the last one
  const std::string bundle = d.Bundle(revoked);
  const NoteVerifier verifier = d.Verifier();
  const VerifyOptions today = At("2026-11-28T10:00:00Z");
  REQUIRE(VerifyProofBundle(bundle, verifier, today).authentic);
  // Half the mutations go through a cache that has checked the original bundle's signatures
  // and genesis: it must only ever spare checks of the very same bytes.
  VerificationCache cache;
  VerifyOptions cached = today;
  cached.verified = &cache;
  REQUIRE(VerifyProofBundle(bundle, verifier, cached).authentic);
  size_t survivors = 0;
  std::map<std::string, int> failed_by;
  for (size_t i = 0; i < bundle.size(); ++i) {
    for (int flip : {0x01, 0x20}) {
      std::string mutated = bundle;
      mutated[i] = static_cast<char>(mutated[i] ^ flip);
      const BundleVerdict v = VerifyProofBundle(mutated, verifier, flip == 0x20 ? cached : today);
      if (v.authentic) {
        ++survivors;
        UNSCOPED_INFO("byte " << i << " ^ " << int(flip) << " survived: ..."
                              << bundle.substr(i > 20 ? i - 20 : 0, 40) << "...");
      } else {
        ++failed_by[v.FirstFailure()->name];
      }
    }
  }
  CHECK(survivors == 0);
  // Mutations land everywhere: each kind of content is caught by its own check.
  // (The record's own signature is covered by its leaf hash, so "inclusion" catches those.)
  for (const char* name : {"format", "checkpoint", "genesis", "registry", "record", "inclusion",
                           "block", "history", "status"}) {
    INFO(name);
    CHECK(failed_by[name] > 0);
  }
}

TEST_CASE("a witness policy: the bundle's checkpoint carries cosignatures by K of the witnesses",
          "[bundle][witness]") {
  Domain d;
  const std::string id = d.Append(d.License(d.amr, "2046-01-01"));
  const NoteVerifier verifier = d.Verifier();
  std::string bundle = d.Bundle(id);
  auto doc = ParseJson(bundle);
  REQUIRE(doc.ok());
  const std::string note = (*doc)["checkpoint"].get<std::string>();
  const std::string text = note.substr(0, note.find("\n\n") + 1);
  // Three witnesses; the first two cosign the checkpoint, the third cosigns another text.
  std::vector<witness::Cosigner> cosigners;
  std::vector<witness::CosignatureVerifier> keys;
  for (int i = 1; i <= 3; ++i) {
    cosigners.push_back(
        *witness::Cosigner::Create("witness.test/w" + std::to_string(i),
                                   *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519)));
    keys.push_back(*witness::CosignatureVerifier::FromVerifierKey(cosigners.back().VerifierKey()));
  }
  std::string cosigned =
      note + *cosigners[0].Cosign(text, 1764547200) + *cosigners[1].Cosign(text, 1764547201) +
      *cosigners[2].Cosign("another.example/log\n1\n" + std::string(43, 'A') + "=\n", 1764547202);
  (*doc)["checkpoint"] = cosigned;
  const std::string with_cosignatures = *CanonicalJson(*doc);

  auto verdict = [&](const std::string& b, std::vector<witness::CosignatureVerifier> ws,
                     size_t quorum) {
    VerifyOptions o = At("2026-11-28T10:00:00Z");
    o.witnesses = std::move(ws);
    o.witness_quorum = quorum;
    return VerifyProofBundle(b, verifier, o);
  };
  const auto check = [](const BundleVerdict& v) { return CheckNamed(v, "cosignatures"); };
  // No policy: skipped, and the bundle (with or without the lines) is authentic.
  for (const std::string& b : {bundle, with_cosignatures}) {
    const BundleVerdict v = verdict(b, {}, 0);
    CHECK(v.authentic);
    CHECK(check(v).result == BundleCheck::Result::kSkipped);
    CHECK(check(v).detail == "no witness policy given");
  }
  // Two of three, two required: authentic, naming who cosigned.
  BundleVerdict two = verdict(with_cosignatures, keys, 2);
  CHECK(two.authentic);
  CHECK(check(two).result == BundleCheck::Result::kPass);
  CHECK_THAT(check(two).detail, Catch::Contains("cosigned by 2 of the 3 witnesses given") &&
                                    Catch::Contains("witness.test/w1, witness.test/w2"));
  // All three required: the third's line does not verify, so the bundle is not accepted.
  BundleVerdict three = verdict(with_cosignatures, keys, 3);
  CHECK_FALSE(three.authentic);
  CHECK(three.FirstFailure()->name == "cosignatures");
  CHECK_THAT(three.FirstFailure()->detail,
             Catch::Contains("2 of the 3 witnesses given, 3 required") &&
                 Catch::Contains("the cosignature by witness.test/w3 does not verify"));
  // The bundle as the node made it, with no cosignatures: refused under any policy.
  BundleVerdict bare = verdict(bundle, {keys[0]}, 1);
  CHECK_FALSE(bare.authentic);
  CHECK_THAT(bare.FirstFailure()->detail, Catch::Contains("no cosignature by witness.test/w1"));
}
