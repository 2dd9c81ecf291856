// The domain ledger proof-bundle tests build: agencies with p256, ed25519 and sm2 keys, and
// helpers that sign records of every type and status and admit them as ledgerd does. Shared
// by bundle_test.cc and bundle_corpus_test.cc (the web verifier's shared corpus).
#ifndef CREDLEDGER_TESTS_RECORDS_BUNDLE_DOMAIN_H_
#define CREDLEDGER_TESTS_RECORDS_BUNDLE_DOMAIN_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "crypto/encoding.h"
#include "ledger/records/bundle.h"
#include "ledger/records/identifiers.h"
#include "records_util.h"

namespace credledger::testing {

using records::DefaultCalendar;
using records::DefaultDisplayRules;
using records::MakeLicenseIdentifier;
using records::RecordPolicy;
using records::SharedRecordPolicy;
using records::SignEntry;

inline const std::string kAgencyUscc = "91110000101623741K";
inline const std::string kSubject = "914403001922038216";
inline const std::string kDocument = "%PDF-1.7 the license as issued";

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
  crypto::HashAlgorithm alg;  // the tree hash, which also hashes documents

  // A ledger whose tree hash is `tree_hash` (sha256 or sm3).
  explicit Domain(crypto::HashAlgorithm tree_hash = crypto::HashAlgorithm::kSha256)
      : alg(tree_hash) {
    const bool sm3 = tree_hash == crypto::HashAlgorithm::kSm3;
    Json g = {{"type", "genesis"},
              {"schema_version", 1},
              {"origin", "bundle.test/log"},
              {"tree_hash", sm3 ? "sm3" : "sha256"},
              {"created_at", "2026-01-01T00:00:00Z"},
              {"display_rules", DefaultDisplayRules()},
              {"calendar", DefaultCalendar()},
              {"deadlines", {{"repair_first_review", 2}}},
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
                 {"types",
                  {"license", "penalty", "status_change", "credit_repair", "enterprise_key",
                   "repair_review", "objection_answer", "commitment_check", "list_inclusion",
                   "list_removal"}}},
                {{"id", "sz-tax"},
                 {"name", "Shenzhen Tax"},
                 {"uscc", "9144030071526726XG"},
                 {"keys", {PublicKeyJson(tax)}},
                 {"types", {"certificate"}}}}}};
    LedgerOptions o;
    o.max_block_delay = std::chrono::microseconds(100);
    auto l = Ledger::Create(std::make_unique<MemoryStore>(), node, "bundle.test/log", tree_hash,
                            *CanonicalJson(g), o);
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
    Json body = {{"identifier", *id},
                 {"type_code", "11100000000000000A"},
                 {"type_name", "营业执照"},
                 {"license_number", number.empty() ? "SZ-" + serial_text : number},
                 {"holder_type", "001"},
                 {"holder_code", kSubject},
                 {"issuing_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}},
                 {"issue_date", "2026-01-02"},
                 {"valid_from", "2026-01-02"},
                 {"area_code", "440300"},
                 {"file_hash", crypto::HexEncode(crypto::Hash(alg, kDocument))}};
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

  std::string Penalty(const std::string& number, const char* kind = "fine",
                      const char* regime = "2026") {
    Json e = Json::parse(credledger::testing::SignedPenalty(amr, "sz-amr", number));
    e.erase("signature");
    e["body"]["penalty_kinds"] = {kind};
    e["body"]["display_regime"] = regime;
    return Sign(std::move(e), amr);
  }

  std::string Change(const std::string& target, const std::string& action,
                     const std::string& new_status, const std::string& superseded_by = "") {
    return ChangeBy("sz-amr", amr, target, action, new_status, superseded_by);
  }

  // A status change signed by agency `agency` with `key` (an agency the target's delegated to).
  std::string ChangeBy(const char* agency, const crypto::PrivateKey& key, const std::string& target,
                       const std::string& action, const std::string& new_status,
                       const std::string& superseded_by = "") {
    Json body = {{"target", target},         {"action", action},
                 {"new_status", new_status}, {"reversible", action == "suspend"},
                 {"reason", "review"},       {"effective_at", "2026-06-01T00:00:00Z"}};
    if (!superseded_by.empty()) body["superseded_by"] = superseded_by;
    Json e = Envelope("status_change", agency, std::move(body));
    e["refs"] = {target};
    return Sign(std::move(e), key);
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

  // A config entry `action` with `params`, signed by the admin (threshold 1).
  std::string Config(const char* action, Json params) {
    return SignedConfig({&admin}, action, std::move(params), "2026-02-01T00:00:00Z");
  }

  std::string AddKey(const crypto::PrivateKey& key) {
    return Config("add_key", {{"agency_id", "sz-amr"}, {"key", PublicKeyJson(key)}});
  }

  // Every kind of config entry, each exercised by a record after it: their record ids.
  struct EveryConfig {
    std::string before_rotation, after_rotation, before_revocation, delegated_license,
        delegated_change, penalty_2023;
  };
  EveryConfig AppendEveryConfig() {
    EveryConfig c;
    // Display rules for another regime, and a penalty decided under it.
    Json rules = DefaultDisplayRules()["2026"];
    rules["general"]["max_months"] = 6;
    Append(Config("set_display_rules", {{"display_rules", {{"2023", rules}}}}));
    c.penalty_2023 = Append(Penalty("P-2023", "fine", "2023"));
    // A key rotated: records before it stay authentic, records after use the new key.
    c.before_rotation = Append(License(amr, "2046-01-01"));
    Append(Config("rotate_key", {{"agency_id", "sz-amr"},
                                 {"old_key_id", amr.public_key().KeyId()},
                                 {"key", PublicKeyJson(amr_new)}}));
    c.after_rotation = Append(License(amr_new, "2046-01-01"));
    // A key added, used, then revoked: its record stays authentic.
    const crypto::PrivateKey extra = GenerateKey(crypto::KeyAlgorithm::kSm2);
    Append(AddKey(extra));
    c.before_revocation = Append(License(extra, "2046-01-01"));
    Append(Config("revoke_key", {{"agency_id", "sz-amr"}, {"key_id", extra.public_key().KeyId()}}));
    // The tax agency, suspended and reinstated, allowed status changes, delegated to by AMR:
    // it may act on AMR's record; then the delegation is taken back.
    Append(Config("suspend_agency", {{"agency_id", "sz-tax"}}));
    Append(Config("reinstate_agency", {{"agency_id", "sz-tax"}}));
    Append(Config("set_types",
                  {{"agency_id", "sz-tax"}, {"types", {"certificate", "status_change"}}}));
    Append(Config("set_historical_codes", {{"agency_id", "sz-tax"}, {"allowed", true}}));
    Append(Config("delegate", {{"agency_id", "sz-amr"}, {"to", "sz-tax"}}));
    c.delegated_license = Append(License(amr_new, "2046-01-01"));
    c.delegated_change =
        Append(ChangeBy("sz-tax", tax, c.delegated_license, "suspend", "suspended"));
    Append(Config("revoke_delegation", {{"agency_id", "sz-amr"}, {"to", "sz-tax"}}));
    // A new agency, added with its key.
    Json agency = {{"id", "sz-eco"},
                   {"name", "Shenzhen Ecology"},
                   {"uscc", "91440300708461136T"},
                   {"keys", {PublicKeyJson(GenerateKey(crypto::KeyAlgorithm::kEd25519))}},
                   {"types", {"penalty"}}};
    Append(Config("add_agency", {{"agency", std::move(agency)}}));
    // The working-day clock: next year's calendar, and a deadline for decisions too.
    Append(Config("extend_calendar", {{"through", "2027-12-31"},
                                      {"holidays", {"2027-01-01"}},
                                      {"working_days", Json::array()}}));
    Append(Config("set_deadlines",
                  {{"deadlines", {{"repair_first_review", 2}, {"repair_decision", 5}}}}));
    Append(License(amr_new, "2046-01-01"));  // so that the records' blocks are not the last one
    return c;
  }

  // The enterprise's side: its keys bound by sz-amr, its repair applications, their reviews
  // and the decision citing one; the first key then revoked: their record ids.
  struct EnterpriseSide {
    std::string binding, application, review, decision, refused, refusal, rebinding,
        second_application, consent, revoked_consent, revocation, objection, answer, commitment,
        check, listed, removed_listing, removal;
  };
  Json EnterpriseEnvelope(const char* type, const crypto::PrivateKey& key, Json body) {
    Json e = {{"type", type},
              {"schema_version", 1},
              {"enterprise", kSubject},
              {"key_id", key.public_key().KeyId()},
              {"subject", {{"kind", "organization"}, {"uscc", kSubject}}},
              {"issued_at", "2026-08-01T09:00:00Z"}};
    if (body.contains("target")) e["refs"] = Json::array({body.at("target")});
    e["body"] = std::move(body);
    return e;
  }
  std::string BindKey(const crypto::PrivateKey& key) {
    Json body = {{"key", PublicKeyJson(key)},
                 {"key_id", key.public_key().KeyId()},
                 {"registering_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}},
                 {"source", "电子营业执照"}};
    return Sign(Envelope("enterprise_key", "sz-amr", std::move(body)), amr);
  }
  std::string Application(const crypto::PrivateKey& key, const std::string& penalty) {
    Json body = {{"target", penalty},
                 {"reasons", "罚款已缴清"},
                 {"evidence_hashes", {std::string(64, 'b')}}};
    return Sign(EnterpriseEnvelope("repair_application", key, std::move(body)), key);
  }
  std::string Review(const std::string& application, const char* outcome) {
    Json body = {{"target", application},
                 {"outcome", outcome},
                 {"reviewing_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}}};
    if (std::string(outcome) == "not_accepted") body["reason"] = "the fine is unpaid";
    Json e = Envelope("repair_review", "sz-amr", std::move(body));
    e["refs"] = {application};
    return Sign(std::move(e), amr);
  }
  EnterpriseSide AppendEnterpriseSide() {
    EnterpriseSide s;
    const crypto::PrivateKey first = GenerateKey(crypto::KeyAlgorithm::kSm2);
    const crypto::PrivateKey second = GenerateKey(crypto::KeyAlgorithm::kP256);
    s.binding = Append(BindKey(first));
    const std::string penalty = Append(Penalty("E-1"));
    const std::string other = Append(Penalty("E-2"));
    s.application = Append(Application(first, penalty));
    s.review = Append(Review(s.application, "accepted"));
    Json decision = Json::parse(Repair(penalty));
    decision.erase("signature");
    decision["body"]["application"] = s.application;
    decision["refs"].push_back(s.application);
    s.decision = Append(Sign(std::move(decision), amr));
    s.refused = Append(Application(first, other));
    s.refusal = Append(Review(s.refused, "not_accepted"));
    Append(Change(s.binding, "revoke", "revoked"));  // what the key signed before stays valid
    s.rebinding = Append(BindKey(second));
    s.second_application = Append(Application(second, other));
    Json consent = {{"bank", "bank-1"},
                    {"purpose", "loan review"},
                    {"scope", {"profile", "documents"}},
                    {"valid_from", "2026-08-01"},
                    {"valid_until", "2027-07-31"}};
    Json e = EnterpriseEnvelope("consent", second, consent);
    s.consent = Append(Sign(e, second));
    e["body"]["bank"] = "bank-2";
    s.revoked_consent = Append(Sign(e, second));
    Json revocation = EnterpriseEnvelope(
        "consent_revocation", second, {{"target", s.revoked_consent}, {"reason", "loan refused"}});
    s.revocation = Append(Sign(revocation, second));
    s.objection = Append(Sign(
        EnterpriseEnvelope(
            "objection", second,
            {{"target", other}, {"grounds", "wrong address"}, {"evidence_hashes", Json::array()}}),
        second));
    Json answer =
        Envelope("objection_answer", "sz-amr",
                 {{"target", s.objection},
                  {"outcome", "upheld"},
                  {"reason", "corrected"},
                  {"answering_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}}});
    answer["refs"] = {s.objection};
    s.answer = Append(Sign(std::move(answer), amr));
    s.commitment = Append(Sign(EnterpriseEnvelope("commitment", second,
                                                  {{"agency", "sz-amr"},
                                                   {"matter", "food business licence"},
                                                   {"commitment_hash", std::string(64, 'c')},
                                                   {"conditions", {"premises fit"}},
                                                   {"check_by", "2027-03-01"}}),
                               second));
    Json check =
        Envelope("commitment_check", "sz-amr",
                 {{"target", s.commitment},
                  {"result", "broken"},
                  {"findings", "premises unfit"},
                  {"checked_on", "2026-11-01"},
                  {"checking_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}}});
    check["refs"] = {s.commitment};
    s.check = Append(Sign(std::move(check), amr));
    auto listing = [&](const char* list, char doc) {
      return Sign(
          Envelope("list_inclusion", "sz-amr",
                   {{"list", list},
                    {"reason", "annual report not filed"},
                    {"legal_basis", "art. 4"},
                    {"decided_on", "2026-07-01"},
                    {"deciding_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}},
                    {"decision_document_hash", std::string(64, doc)}}),
          amr);
    };
    s.listed = Append(listing("serious_dishonesty", '1'));
    s.removed_listing = Append(listing("abnormal_operations", '2'));
    Json removal =
        Envelope("list_removal", "sz-amr",
                 {{"target", s.removed_listing},
                  {"reason", "report filed"},
                  {"decided_on", "2026-10-01"},
                  {"deciding_authority", {{"uscc", kAgencyUscc}, {"name", "Shenzhen AMR"}}}});
    removal["refs"] = {s.removed_listing};
    s.removal = Append(Sign(std::move(removal), amr));
    Append(Penalty("E-3"));  // so that the records' blocks are not the last one
    return s;
  }

  // One record of every type and status, and a key added by a config entry (which bundles
  // must then carry), as ledgerd admits them: their record ids.
  struct EveryStatus {
    std::string valid, long_term, revoked, revocation, suspended, old, replacement, lapsed, expired,
        cancelled, reinstated, certificate, penalty, repaired, repair, withdrawn;
  };
  EveryStatus AppendEveryStatus() {
    EveryStatus s;
    s.valid = Append(License(amr, "2046-01-01"));
    Append(AddKey(amr_new));
    s.long_term = Append(License(amr_new, ""));
    s.revoked = Append(License(amr_new, "2046-01-01"));
    s.revocation = Append(Change(s.revoked, "revoke", "revoked"));
    s.suspended = Append(License(amr, "2046-01-01"));
    Append(Change(s.suspended, "suspend", "suspended"));
    s.old = Append(License(amr, "2046-01-01", "SZ-REPLACED"));
    s.replacement = Append(License(amr, "2046-01-01", "SZ-REPLACED", s.old));
    Append(Change(s.old, "supersede", "superseded", s.replacement));
    s.lapsed = Append(License(amr, "2026-06-30"));
    s.expired = Append(License(amr, "2046-01-01"));
    Append(Change(s.expired, "expire", "expired"));
    s.cancelled = Append(License(amr, "2046-01-01"));
    Append(Change(s.cancelled, "cancel", "cancelled"));
    s.reinstated = Append(License(amr, "2046-01-01"));
    Append(Change(s.reinstated, "suspend", "suspended"));
    Append(Change(s.reinstated, "reinstate", "valid"));
    s.certificate = Append(Certificate());
    s.penalty = Append(Penalty("P-1"));
    s.repaired = Append(Penalty("P-2"));
    s.repair = Append(Repair(s.repaired));
    s.withdrawn = Append(Penalty("P-3"));
    Append(Change(s.withdrawn, "withdraw", "withdrawn"));
    Append(Penalty("P-4"));  // so that the records' blocks are not the last one
    return s;
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

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_RECORDS_BUNDLE_DOMAIN_H_
