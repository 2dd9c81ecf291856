// Proof bundles: made from a live domain ledger, verified offline with the verifier key alone.
#include "ledger/records/bundle.h"

#include <catch2/catch.hpp>
#include <map>

#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"
#include "ledger/witness/cosignature.h"
#include "records_util.h"

using namespace credledger;
using namespace credledger::records;

namespace {

using credledger::testing::GenerateKey;
using credledger::testing::PublicKeyJson;

const std::string kAgencyUscc = "91110000101623741K";
const std::string kSubject = "914403001922038216";
const std::string kDocument = "%PDF-1.7 the license as issued";

// A ledger with agencies, records of every type and every status, and a key rotation, all
// admitted by RecordPolicy as ledgerd admits them.
struct Domain {
  crypto::PrivateKey node = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey admin = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey amr = GenerateKey(crypto::KeyAlgorithm::kP256);
  crypto::PrivateKey amr_new = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey tax = GenerateKey(crypto::KeyAlgorithm::kSm2);
  std::unique_ptr<Ledger> ledger;
  std::shared_ptr<SharedRecordPolicy> policy;
  int serial = 0;

  Domain() {
    Json g = {{"type", "genesis"},
              {"schema_version", 1},
              {"origin", "bundle.test/log"},
              {"tree_hash", "sha256"},
              {"created_at", "2026-01-01T00:00:00Z"},
              {"display_rules", DefaultDisplayRules()},
              {"node_key",
               {{"alg", "ed25519"},
                {"key_id", node.public_key().KeyId()},
                {"spki", crypto::Base64Encode(node.public_key().spki_der())}}},
              {"admins", {{"threshold", 1}, {"keys", {PublicKeyJson(admin)}}}},
              {"agencies",
               {{{"id", "sz-amr"},
                 {"name", "Shenzhen AMR"},
                 {"uscc", kAgencyUscc},
                 {"keys", {PublicKeyJson(amr)}},
                 {"types", {"license", "penalty", "status_change", "credit_repair"}}},
                {{"id", "sz-tax"},
                 {"name", "Shenzhen Tax"},
                 {"uscc", "9144030071526726XG"},
                 {"keys", {PublicKeyJson(tax)}},
                 {"types", {"certificate"}}}}}};
    LedgerOptions o;
    o.max_block_delay = std::chrono::microseconds(100);
    auto l = Ledger::Create(std::make_unique<MemoryStore>(), node, "bundle.test/log",
                            crypto::HashAlgorithm::kSha256, *CanonicalJson(g), o);
    REQUIRE(l.ok());
    ledger = std::move(*l);
    auto p = RecordPolicy::Open(*ledger);
    REQUIRE(p.ok());
    policy = std::make_shared<SharedRecordPolicy>(*p);
    ledger->SetAdmissionPolicy(policy);
  }

  // Appends `entry`; returns its record id.
  std::string Append(const std::string& entry) {
    auto r = ledger->Append(entry);
    if (!r.ok()) FAIL(r.status().ToString());
    return crypto::HexEncode(r->leaf_hash);
  }

  std::string Sign(Json e, const crypto::PrivateKey& key) {
    auto s = SignEntry(std::move(e), key);
    if (!s.ok()) FAIL(s.status().ToString());
    return s->canonical;
  }

  Json Envelope(const char* type, const char* agency, Json body) {
    return {{"type", type},
            {"schema_version", 1},
            {"agency", agency},
            {"subject", {{"kind", "organization"}, {"uscc", kSubject}}},
            {"issued_at", "2026-03-01T09:00:00Z"},
            {"body", std::move(body)}};
  }

  std::string License(const crypto::PrivateKey& key, const std::string& valid_until,
                      const std::string& number = "", const std::string& supersedes = "") {
    const std::string serial_text = std::to_string(2026000000 + ++serial);
    auto id = MakeLicenseIdentifier("11100000000000000A", kAgencyUscc, serial_text, "001");
    REQUIRE(id.ok());
    Json body = {
        {"identifier", *id},
        {"type_code", "11100000000000000A"},
        {"type_name", "营业执照"},
        {"license_number", number.empty() ? "SZ-" + serial_text : number},
        {"holder_type", "001"},
        {"holder_code", kSubject},
        {"issuing_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}},
        {"issue_date", "2026-01-02"},
        {"valid_from", "2026-01-02"},
        {"area_code", "440300"},
        {"file_hash", crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, kDocument))}};
    if (!valid_until.empty()) body["valid_until"] = valid_until;
    if (!supersedes.empty()) body["supersedes"] = supersedes;
    return Sign(Envelope("license", "sz-amr", std::move(body)), key);
  }

  std::string Certificate() {
    auto id =
        MakeLicenseIdentifier("11100000000000000B", "9144030071526726XG", "2026000777", "001");
    REQUIRE(id.ok());
    Json body = {{"identifier", *id},
                 {"type_code", "11100000000000000B"},
                 {"type_name", "完税证明"},
                 {"license_number", "TAX-2026-777"},
                 {"holder_type", "001"},
                 {"holder_code", kSubject},
                 {"issuing_authority", {{"uscc", "9144030071526726XG"}, {"name", "Shenzhen Tax"}}},
                 {"issue_date", "2026-11-01"},
                 {"valid_from", "2026-11-01"},
                 {"valid_until", "2027-10-31"},
                 {"area_code", "440300"},
                 {"file_hash", std::string(64, 'e')},
                 {"purpose", "bank loan"},
                 {"purpose_expiry", "2026-12-31"},
                 {"certified_facts_hash", std::string(64, 'f')}};
    return Sign(Envelope("certificate", "sz-tax", std::move(body)), tax);
  }

  std::string Penalty(const std::string& number, const char* kind = "fine") {
    Json e = Json::parse(credledger::testing::SignedPenalty(amr, "sz-amr", number));
    e.erase("signature");
    e["body"]["penalty_kinds"] = {kind};
    return Sign(std::move(e), amr);
  }

  std::string Change(const std::string& target, const std::string& action,
                     const std::string& new_status, const std::string& superseded_by = "") {
    Json body = {{"target", target},         {"action", action},
                 {"new_status", new_status}, {"reversible", action == "suspend"},
                 {"reason", "review"},       {"effective_at", "2026-06-01T00:00:00Z"}};
    if (!superseded_by.empty()) body["superseded_by"] = superseded_by;
    Json e = Envelope("status_change", "sz-amr", std::move(body));
    e["refs"] = {target};
    return Sign(std::move(e), amr);
  }

  std::string Repair(const std::string& target) {
    Json body = {{"target", target},
                 {"applicant_uscc", kSubject},
                 {"application_date", "2026-07-01"},
                 {"decision_date", "2026-07-02"},
                 {"deciding_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}},
                 {"conditions_met", {"fine paid"}},
                 {"decision", "approved"},
                 {"evidence_hashes", Json::array()}};
    Json e = Envelope("credit_repair", "sz-amr", std::move(body));
    e["refs"] = {target};
    return Sign(std::move(e), amr);
  }

  std::string AddKey(const crypto::PrivateKey& key) {
    Json c = {{"type", "config"},
              {"schema_version", 1},
              {"issued_at", "2026-02-01T00:00:00Z"},
              {"action", "add_key"},
              {"params", {{"agency_id", "sz-amr"}, {"key", PublicKeyJson(key)}}}};
    const std::string bytes = *CanonicalJson(c);
    c["signatures"] = {{{"key_id", admin.public_key().KeyId()},
                        {"signature", crypto::Base64Encode(*admin.Sign(bytes))}}};
    return *CanonicalJson(c);
  }

  std::string Bundle(const std::string& record_id) {
    auto note = ledger->SignedCheckpoint();
    REQUIRE(note.ok());
    auto b = MakeProofBundle(ledger->log(), *policy, record_id, ledger->Head().tree_size, *note);
    if (!b.ok()) FAIL(b.status().ToString());
    return *b;
  }

  NoteVerifier Verifier() const {
    auto v = NoteVerifier::FromVerifierKey(ledger->VerifierKey());
    REQUIRE(v.ok());
    return *v;
  }
};

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
  const std::string valid = d.Append(d.License(d.amr, "2046-01-01"));
  d.Append(d.AddKey(d.amr_new));  // a config entry: bundles must carry it
  const std::string long_term = d.Append(d.License(d.amr_new, ""));
  const std::string revoked = d.Append(d.License(d.amr, "2046-01-01"));
  const std::string revocation = d.Append(d.Change(revoked, "revoke", "revoked"));
  const std::string suspended = d.Append(d.License(d.amr, "2046-01-01"));
  d.Append(d.Change(suspended, "suspend", "suspended"));
  const std::string old = d.Append(d.License(d.amr, "2046-01-01", "SZ-REPLACED"));
  const std::string replacement = d.Append(d.License(d.amr, "2046-01-01", "SZ-REPLACED", old));
  d.Append(d.Change(old, "supersede", "superseded", replacement));
  const std::string lapsed = d.Append(d.License(d.amr, "2026-06-30"));
  const std::string expired = d.Append(d.License(d.amr, "2046-01-01"));
  d.Append(d.Change(expired, "expire", "expired"));
  const std::string cancelled = d.Append(d.License(d.amr, "2046-01-01"));
  d.Append(d.Change(cancelled, "cancel", "cancelled"));
  const std::string reinstated = d.Append(d.License(d.amr, "2046-01-01"));
  d.Append(d.Change(reinstated, "suspend", "suspended"));
  d.Append(d.Change(reinstated, "reinstate", "valid"));
  const std::string certificate = d.Append(d.Certificate());
  const std::string penalty = d.Append(d.Penalty("P-1"));
  const std::string repaired = d.Append(d.Penalty("P-2"));
  const std::string repair = d.Append(d.Repair(repaired));
  const std::string withdrawn = d.Append(d.Penalty("P-3"));
  d.Append(d.Change(withdrawn, "withdraw", "withdrawn"));
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
