// The shared corpus that holds the web app's verifier (api/web/bundle.js) to this one: proof
// bundles of every record type and status, on a SHA-256 and an SM3 ledger, with agency keys
// in p256, ed25519 and sm2, with documents and witnesses, and single-byte mutations of some,
// each with the verdict VerifyProofBundle gives it (authentic, in force, the first failed
// check, the status). tests/web/corpus.mjs runs it through the JS verifier, in node and in
// Chromium, and compares. Written to $CREDLEDGER_BUNDLE_CORPUS when that is set (the ctest
// `bundle_corpus` does), checked here either way.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "bundle_domain.h"
#include "ledger/witness/cosignature.h"

using namespace credledger;
using namespace credledger::records;
using credledger::testing::Domain;
using credledger::testing::kDocument;

namespace {

constexpr const char* kCheckedAt = "2026-11-28T10:00:00Z";

struct Corpus {
  Json cases = Json::array();
  // The options each case was verified with, by position (mutations reuse their case's).
  std::vector<VerifyOptions> options_of;

  // Adds `bundle` as case `name`, with the C++ verdict under `options`, which must be
  // `authentic` or not; returns its position.
  size_t Add(const std::string& name, const std::string& bundle, const std::string& vkey,
             VerifyOptions options, bool authentic,
             const std::vector<std::string>& witness_keys = {}) {
    if (options.checked_at.empty()) options.checked_at = kCheckedAt;
    auto verifier = NoteVerifier::FromVerifierKey(vkey);
    REQUIRE(verifier.ok());
    for (const std::string& w : witness_keys) {
      auto key = witness::CosignatureVerifier::FromVerifierKey(w);
      REQUIRE(key.ok());
      options.witnesses.push_back(*key);
    }
    const BundleVerdict v = VerifyProofBundle(bundle, *verifier, options);
    INFO(name);
    CHECK(v.authentic == authentic);
    Json c = {{"name", name},
              {"bundle", bundle},
              {"vkey", vkey},
              {"checked_at", options.checked_at},
              {"expect", Expect(v)}};
    if (options.document) {
      c["document"] = crypto::Base64Encode(crypto::AsBytes(*options.document));
    }
    if (!witness_keys.empty()) {
      c["witnesses"] = witness_keys;
      c["quorum"] = options.witness_quorum;
    }
    cases.push_back(std::move(c));
    options_of.push_back(options);
    return cases.size() - 1;
  }

  // Adds the mutations of case `of` that XOR byte `at` (for every `stride`-th byte) with
  // `flip`, each with its C++ verdict under the case's options; returns how many were
  // authentic (none should be) other than in bytes [ignore_from, ignore_to).
  size_t Mutate(size_t of, size_t stride, size_t offset, uint8_t flip, size_t ignore_from = 0,
                size_t ignore_to = 0) {
    // Copied: cases grows below.
    const std::string name = cases[of]["name"];
    const std::string bundle = cases[of]["bundle"];
    auto verifier = NoteVerifier::FromVerifierKey(cases[of]["vkey"].get<std::string>());
    REQUIRE(verifier.ok());
    const VerifyOptions options = options_of[of];
    size_t survivors = 0;
    for (size_t at = offset; at < bundle.size(); at += stride) {
      std::string mutated = bundle;
      mutated[at] = static_cast<char>(mutated[at] ^ flip);
      const BundleVerdict v = VerifyProofBundle(mutated, *verifier, options);
      if (v.authentic && (at < ignore_from || at >= ignore_to)) ++survivors;
      cases.push_back(
          {{"name", name + " byte " + std::to_string(at) + " ^ " + std::to_string(flip)},
           {"of", of},
           {"mutate", {{"at", at}, {"xor", flip}}},
           {"expect", Expect(v)}});
      options_of.push_back(options);
    }
    return survivors;
  }

  static Json Expect(const BundleVerdict& v) {
    const BundleCheck* failed = v.FirstFailure();
    return {{"authentic", v.authentic},
            {"in_force", v.in_force},
            {"failed", failed ? Json(failed->name) : Json(nullptr)},
            {"status", v.status}};
  }
};

VerifyOptions WithDocument(std::string document) {
  VerifyOptions o;
  o.document = std::move(document);
  return o;
}

VerifyOptions CheckedAt(const char* time) {
  VerifyOptions o;
  o.checked_at = time;
  return o;
}

// Every type and status on one ledger (Domain::AppendEveryStatus), with `prefix` on each
// name. Returns the position of the revoked license's case, whose bundle carries a key
// rotation and a status change, for mutations.
size_t AddEveryStatus(Domain& d, const std::string& prefix, Corpus* corpus) {
  const auto [valid, long_term, revoked, revocation, suspended, old, replacement, lapsed, expired,
              cancelled, reinstated, certificate, penalty, repaired, repair, withdrawn] =
      d.AppendEveryStatus();
  const std::string vkey = d.ledger->VerifierKey();
  size_t revoked_case = 0;
  const std::pair<const char*, const std::string*> records[] = {
      {"license valid (p256)", &valid},
      {"license long-term (ed25519, added by a config entry)", &long_term},
      {"license revoked", &revoked},
      {"status change revoking", &revocation},
      {"license suspended", &suspended},
      {"license superseded", &old},
      {"license superseding", &replacement},
      {"license lapsed", &lapsed},
      {"license expired", &expired},
      {"license cancelled", &cancelled},
      {"license reinstated", &reinstated},
      {"certificate (sm2)", &certificate},
      {"penalty on display", &penalty},
      {"penalty repaired", &repaired},
      {"credit repair", &repair},
      {"penalty withdrawn", &withdrawn},
  };
  for (const auto& [name, id] : records) {
    const size_t at = corpus->Add(prefix + name, d.Bundle(*id), vkey, {}, true);
    if (id == &revoked) revoked_case = at;
  }
  corpus->Add(prefix + "license lapsed, checked before it lapsed", d.Bundle(lapsed), vkey,
              CheckedAt("2026-05-01T00:00:00Z"), true);
  corpus->Add(prefix + "license checked before it is valid", d.Bundle(valid), vkey,
              CheckedAt("2025-12-31T23:59:59.500Z"), true);
  corpus->Add(prefix + "license with its document", d.Bundle(valid), vkey, WithDocument(kDocument),
              true);
  corpus->Add(prefix + "license with another document", d.Bundle(valid), vkey,
              WithDocument(kDocument + " (edited)"), false);
  corpus->Add(prefix + "status change with a document", d.Bundle(revocation), vkey,
              WithDocument(kDocument), false);
  return revoked_case;
}

}  // namespace

TEST_CASE("the shared corpus: bundles the web verifier must judge as VerifyProofBundle does",
          "[bundle][corpus]") {
  Corpus corpus;
  Domain sha256;
  const size_t revoked = AddEveryStatus(sha256, "", &corpus);
  Domain sm3(crypto::HashAlgorithm::kSm3);
  const size_t sm3_revoked = AddEveryStatus(sm3, "SM3 ledger: ", &corpus);

  // Every kind of config entry, each exercised by a record after it.
  Domain configs;
  const auto c = configs.AppendEveryConfig();
  const std::string configs_vkey = configs.ledger->VerifierKey();
  const std::pair<const char*, const std::string*> configured[] = {
      {"config: license signed before its key was rotated", &c.before_rotation},
      {"config: license signed with the rotated-in key", &c.after_rotation},
      {"config: license signed with a key revoked later (sm2)", &c.before_revocation},
      {"config: license suspended by a delegate", &c.delegated_license},
      {"config: status change by a delegate", &c.delegated_change},
      {"config: penalty under display rules added later", &c.penalty_2023},
  };
  size_t delegated = 0;
  for (const auto& [name, id] : configured) {
    const size_t at = corpus.Add(name, configs.Bundle(*id), configs_vkey, {}, true);
    if (id == &c.delegated_change) delegated = at;
  }

  // The enterprise's side: records it signs with keys bound on the log, and those that answer
  // them; and one whose bundle lost the binding.
  Domain enterprise;
  const auto es = enterprise.AppendEnterpriseSide();
  const std::string enterprise_vkey = enterprise.ledger->VerifierKey();
  const std::pair<const char*, const std::string*> enterprise_records[] = {
      {"enterprise key, revoked later (bound by sz-amr)", &es.binding},
      {"repair application (sm2 enterprise key), decided", &es.application},
      {"repair review, accepted", &es.review},
      {"credit repair deciding an application", &es.decision},
      {"repair application, not accepted", &es.refused},
      {"enterprise key, rebound (p256)", &es.rebinding},
      {"repair application with the rebound key", &es.second_application},
      {"consent to a bank's reads (in force)", &es.consent},
      {"consent revoked by the enterprise", &es.revoked_consent},
      {"consent revocation", &es.revocation},
      {"objection, upheld", &es.objection},
      {"answer to an objection", &es.answer},
      {"commitment, broken", &es.commitment},
      {"check of a commitment", &es.check},
      {"serious-dishonesty listing", &es.listed},
      {"abnormal-operations listing, removed", &es.removed_listing},
      {"list removal", &es.removal},
  };
  size_t application_case = 0;
  for (const auto& [name, id] : enterprise_records) {
    const size_t at = corpus.Add(name, enterprise.Bundle(*id), enterprise_vkey, {}, true);
    if (id == &es.application) application_case = at;
  }
  Json unbound = *ParseJson(enterprise.Bundle(es.application));
  Json kept = Json::array();
  for (const Json& item : unbound["history"]) {
    if (ParseJson(item["entry"].get<std::string>())->at("type") != "enterprise_key") {
      kept.push_back(item);
    }
  }
  unbound["history"] = kept;
  corpus.Add("repair application whose bundle lost its key's binding", *CanonicalJson(unbound),
             enterprise_vkey, {}, false);

  // Another node's key.
  auto other =
      NoteSigner::Create("bundle.test/log", testing::GenerateKey(crypto::KeyAlgorithm::kEd25519));
  REQUIRE(other.ok());
  const std::string bundle = corpus.cases[revoked]["bundle"];
  corpus.Add("another node's key", bundle, other->VerifierKey(), {}, false);

  // Witnesses: two of three cosign the checkpoint, the third cosigns another text.
  Json doc = *ParseJson(bundle);
  const std::string note = doc["checkpoint"];
  const std::string text = note.substr(0, note.find("\n\n") + 1);
  std::vector<witness::Cosigner> cosigners;
  std::vector<std::string> witness_keys;
  for (int i = 1; i <= 3; ++i) {
    cosigners.push_back(
        *witness::Cosigner::Create("witness.test/w" + std::to_string(i),
                                   testing::GenerateKey(crypto::KeyAlgorithm::kEd25519)));
    witness_keys.push_back(cosigners.back().VerifierKey());
  }
  doc["checkpoint"] =
      note + *cosigners[0].Cosign(text, 1764547200) + *cosigners[1].Cosign(text, 1764547201) +
      *cosigners[2].Cosign("another.example/log\n1\n" + std::string(43, 'A') + "=\n", 1764547202);
  const std::string cosigned = *CanonicalJson(doc);
  const std::string vkey = sha256.ledger->VerifierKey();
  auto quorum = [](size_t k) {
    VerifyOptions o;
    o.witness_quorum = k;
    return o;
  };
  corpus.Add("cosigned by 2 of 3 witnesses, 2 required", cosigned, vkey, quorum(2), true,
             witness_keys);
  corpus.Add("cosigned by 2 of 3 witnesses, 3 required", cosigned, vkey, quorum(3), false,
             witness_keys);
  corpus.Add("no cosignatures, 1 required", bundle, vkey, quorum(1), false, {witness_keys[0]});
  const size_t with_witnesses = corpus.cases.size();

  // Single-byte mutations of a bundle that carries a config entry, a status change and the
  // block's consistency proof, on each ledger: none verifies. Every byte of the SHA-256 one
  // with 0x20 (which swaps a hex digit's case), every third with 0x01. By hand,
  // CREDLEDGER_BUNDLE_CORPUS_FULL=1 mutates every byte of every authentic bundle both ways.
  const size_t authentic_cases = corpus.cases.size();
  CHECK(corpus.Mutate(revoked, 1, 0, 0x20) == 0);
  CHECK(corpus.Mutate(revoked, 3, 1, 0x01) == 0);
  CHECK(corpus.Mutate(sm3_revoked, 7, 3, 0x01) == 0);
  CHECK(corpus.Mutate(sm3_revoked, 7, 6, 0x20) == 0);
  // And of one whose registry holds every kind of config entry.
  CHECK(corpus.Mutate(delegated, 11, 2, 0x20) == 0);
  CHECK(corpus.Mutate(delegated, 11, 7, 0x01) == 0);
  // And of an enterprise's application, whose history holds its key's binding.
  CHECK(corpus.Mutate(application_case, 29, 4, 0x20) == 0);
  if (std::getenv("CREDLEDGER_BUNDLE_CORPUS_FULL") != nullptr) {
    // Except in the line of the witness whose cosignature is of another text: it does not
    // verify, changed or not, and 2 of 3 suffice.
    const std::string w3 = "\xe2\x80\x94 witness.test/w3 ";
    for (size_t i = 0; i < authentic_cases; ++i) {
      if (!corpus.cases[i]["expect"]["authentic"].get<bool>()) continue;
      const std::string b = corpus.cases[i]["bundle"];
      const size_t from = b.find(w3);
      const size_t to = from == std::string::npos ? from : b.find("\\n", from);
      for (const uint8_t flip : {uint8_t{0x01}, uint8_t{0x20}}) {
        INFO(corpus.cases[i]["name"].get<std::string>() << " ^ " << int(flip));
        CHECK(corpus.Mutate(i, 1, 0, flip, from, to) == 0);
      }
    }
  }
  std::map<std::string, int> failed_by;
  for (size_t i = with_witnesses; i < corpus.cases.size(); ++i) {
    ++failed_by[corpus.cases[i]["expect"]["failed"].get<std::string>()];
  }
  for (const char* name : {"format", "checkpoint", "genesis", "registry", "record", "inclusion",
                           "block", "history", "status"}) {
    INFO(name);
    CHECK(failed_by[name] > 0);
  }

  if (const char* path = std::getenv("CREDLEDGER_BUNDLE_CORPUS")) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << Json{{"format", "credledger-bundle-corpus/v1"}, {"cases", corpus.cases}}.dump() << "\n";
    REQUIRE(out.good());
  }
}
