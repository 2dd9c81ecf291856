// Each record type's row (record_type.h) and its body's schema (docs/RECORDS.md), side by
// side: what the domain does differently by type is here and nowhere else.
#include <string>

#include "ledger/records/identifiers.h"
#include "ledger/records/record_type.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// Fields shared by licenses and certificates (DOMAIN.md: a certificate is "as license, plus").
Status CheckLicenseLike(const Json& b, const Json& subject) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "identifier"), Child(p, "identifier"), kName));
  auto id = ParseLicenseIdentifier(At(b, "identifier").get<std::string>());
  if (!id.ok()) return Violation(Child(p, "identifier"), id.status().message());
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "type_code"), Child(p, "type_code"), kShortText));
  if (At(b, "type_code") != id->type_code) {
    return Violation(Child(p, "type_code"), "must equal the type code inside /body/identifier");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "type_name"), Child(p, "type_name"), kName));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckText(At(b, "license_number"), Child(p, "license_number"), kShortText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "holder_type"), Child(p, "holder_type"), {"001", "111"}));
  const bool organization = At(b, "holder_type") == "001";
  if (organization) {
    // A historical pilot code (flagged on the subject, and only for an agency permitted to
    // import them) is checked for its shape alone, as the subject's is.
    if (!subject.value("historical_code", false)) {
      CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(b, "holder_code"), Child(p, "holder_code")));
    }
    if (subject.value("kind", "") != "organization" ||
        subject.value("uscc", "") != At(b, "holder_code")) {
      return Violation(Child(p, "holder_code"), "must equal /subject/uscc (holder type 001)");
    }
  } else {
    // Holder type 111 is a citizen ID: only its keyed commitment may appear on the ledger.
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "holder_code"), Child(p, "holder_code")));
    if (subject.value("kind", "") != "person" ||
        subject.value("commitment", "") != At(b, "holder_code")) {
      return Violation(Child(p, "holder_code"),
                       "must equal /subject/commitment (holder type 111: a keyed commitment, "
                       "never the ID number)");
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "issuing_authority"), Child(p, "issuing_authority")));
  if (At(At(b, "issuing_authority"), "uscc") != id->issuer_uscc) {
    return Violation(Child(Child(p, "issuing_authority"), "uscc"),
                     "must equal the issuing authority inside /body/identifier");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "issue_date"), Child(p, "issue_date")));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "valid_from"), Child(p, "valid_from")));
  if (Has(b, "valid_until")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "valid_until"), Child(p, "valid_until")));
    if (At(b, "valid_until").get<std::string>() < At(b, "valid_from").get<std::string>()) {
      return Violation(Child(p, "valid_until"), "must not be before /body/valid_from");
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckAreaCode(At(b, "area_code"), Child(p, "area_code")));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "file_hash"), Child(p, "file_hash")));
  if (Has(b, "supersedes")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "supersedes"), Child(p, "supersedes")));
  }
  return Status::Ok();
}

#define LICENSE_REQUIRED                                                                  \
  "identifier", "type_code", "type_name", "license_number", "holder_type", "holder_code", \
      "issuing_authority", "issue_date", "valid_from", "area_code", "file_hash"

Status CheckLicense(const Json& b, const Json& entry) {
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, "/body", {LICENSE_REQUIRED}, {"valid_until", "supersedes"}));
  return CheckLicenseLike(b, At(entry, "subject"));
}

Status CheckCertificate(const Json& b, const Json& entry) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      b, "/body", {LICENSE_REQUIRED, "purpose", "purpose_expiry", "certified_facts_hash"},
      {"valid_until", "supersedes"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckLicenseLike(b, At(entry, "subject")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "purpose"), "/body/purpose", 200));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "purpose_expiry"), "/body/purpose_expiry"));
  return CheckHash(At(b, "certified_facts_hash"), "/body/certified_facts_hash");
}

#undef LICENSE_REQUIRED

Status CheckPenalty(const Json& b, const Json& entry) {
  const Json& subject = At(entry, "subject");
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p,
                  {"decision_number", "party", "violation_type", "facts_hash", "legal_basis",
                   "penalty_kinds", "fine_fen", "confiscation_fen", "decision_date", "severity",
                   "punishing_authority", "decision_document_hash", "display_regime"}));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckText(At(b, "decision_number"), Child(p, "decision_number"), kShortText));
  const Json& party = At(b, "party");
  const JsonPointer pp = Child(p, "party");
  if (!party.is_object()) return Violation(pp, "must be an object");
  if (!Has(party, "category")) return Violation(Child(pp, "category"), "is required");
  CREDLEDGER_RETURN_IF_ERROR(CheckEnum(
      At(party, "category"), Child(pp, "category"),
      {"legal_person", "unincorporated_organization", "individual_business", "natural_person"}));
  if (At(party, "category") == "natural_person") {
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(party, pp, {"category", "name", "commitment"}));
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(party, "commitment"), Child(pp, "commitment")));
    if (subject.value("kind", "") != "person" ||
        subject.value("commitment", "") != At(party, "commitment")) {
      return Violation(Child(pp, "commitment"), "must equal /subject/commitment");
    }
  } else {
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(party, pp, {"category", "name", "uscc"}));
    if (subject.value("kind", "") != "organization" ||
        subject.value("uscc", "") != At(party, "uscc")) {
      return Violation(Child(pp, "uscc"), "must equal /subject/uscc");
    }
    if (!subject.value("historical_code", false)) {
      CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(party, "uscc"), Child(pp, "uscc")));
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(party, "name"), Child(pp, "name"), kName));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "violation_type"), Child(p, "violation_type"), kName));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "facts_hash"), Child(p, "facts_hash")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "legal_basis"), Child(p, "legal_basis"), kLongText));
  const Json& kinds = At(b, "penalty_kinds");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(kinds, Child(p, "penalty_kinds"), 1, 12));
  for (size_t i = 0; i < kinds.size(); ++i) {
    // Administrative Penalty Law (2021) article 9.
    CREDLEDGER_RETURN_IF_ERROR(
        CheckEnum(kinds[i], Child(Child(p, "penalty_kinds"), i),
                  {"warning", "public_criticism", "fine", "confiscation_of_illegal_gains",
                   "confiscation_of_illegal_property", "license_suspension",
                   "qualification_downgrade", "license_revocation", "production_restriction",
                   "business_suspension", "closure", "practice_restriction", "detention"}));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckFen(At(b, "fine_fen"), Child(p, "fine_fen")));
  CREDLEDGER_RETURN_IF_ERROR(CheckFen(At(b, "confiscation_fen"), Child(p, "confiscation_fen")));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "decision_date"), Child(p, "decision_date")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "severity"), Child(p, "severity"), {"minor", "general", "serious"}));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "punishing_authority"), Child(p, "punishing_authority")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckHash(At(b, "decision_document_hash"), Child(p, "decision_document_hash")));
  // The display-rule regime in force when the decision was made (DOMAIN.md).
  return CheckEnum(At(b, "display_regime"), Child(p, "display_regime"), {"2019", "2023", "2026"});
}

// A record an entry acts on is listed in its /refs too.
Status CheckInRefs(const Json& entry, const Json& id, std::string_view member) {
  if (Has(entry, "refs")) {
    for (const Json& r : At(entry, "refs")) {
      if (r == id) return Status::Ok();
    }
  }
  return Violation("/refs", "must include " + std::string(member));
}

Status CheckTargetInRefs(const Json& entry, const Json& target) {
  return CheckInRefs(entry, target, "/body/target");
}

// The subject of a record an enterprise signs, or of the binding of its key: an organisation.
Status CheckOrganizationSubject(const Json& entry) {
  if (At(entry, "subject").value("kind", "") != "organization") {
    return Violation("/subject/kind",
                     "must be \"organization\": enterprise keys and the records enterprises sign "
                     "are about an organisation (a unified social credit code)");
  }
  return Status::Ok();
}

Status CheckCreditRepair(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p,
                  {"target", "applicant_uscc", "application_date", "decision_date",
                   "deciding_authority", "conditions_met", "decision", "evidence_hashes"},
                  {"acceptance_date", "reason", "application"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  if (Has(b, "application")) {
    // The enterprise's repair_application this decides (RecordPolicy: accepted at its first
    // review, for the same penalty, not decided before).
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "application"), Child(p, "application")));
    CREDLEDGER_RETURN_IF_ERROR(CheckInRefs(entry, At(b, "application"), "/body/application"));
  }
  // The applicant is the penalty's party (RecordPolicy), whose code may be a flagged
  // historical one: then only its shape is checked here.
  if (At(entry, "subject").value("historical_code", false)) {
    if (!At(b, "applicant_uscc").is_string() ||
        !ValidateUsccShape(At(b, "applicant_uscc").get<std::string>()).ok()) {
      return Violation(Child(p, "applicant_uscc"),
                       "must be an 18-character code of the GB 32100 alphabet");
    }
  } else {
    CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(b, "applicant_uscc"), Child(p, "applicant_uscc")));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "application_date"), Child(p, "application_date")));
  if (Has(b, "acceptance_date")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "acceptance_date"), Child(p, "acceptance_date")));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "decision_date"), Child(p, "decision_date")));
  if (At(b, "decision_date").get<std::string>() < At(b, "application_date").get<std::string>()) {
    return Violation(Child(p, "decision_date"), "must not be before /body/application_date");
  }
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "deciding_authority"), Child(p, "deciding_authority")));
  const Json& conditions = At(b, "conditions_met");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(conditions, Child(p, "conditions_met"), 0, 16));
  for (size_t i = 0; i < conditions.size(); ++i) {
    CREDLEDGER_RETURN_IF_ERROR(
        CheckText(conditions[i], Child(Child(p, "conditions_met"), i), kName));
  }
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "decision"), Child(p, "decision"), {"approved", "rejected"}));
  if (At(b, "decision") == "rejected" && !Has(b, "reason")) {
    return Violation(Child(p, "reason"), "is required when the decision is rejected");
  }
  if (Has(b, "reason"))
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckHashArray(At(b, "evidence_hashes"), Child(p, "evidence_hashes"), 32));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckStatusChange(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"target", "action", "new_status", "reversible", "reason", "effective_at"},
                  {"legal_basis_number", "superseded_by"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "action"), Child(p, "action"),
                {"revoke", "suspend", "reinstate", "withdraw", "supersede", "expire", "cancel"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckEnum(
      At(b, "new_status"), Child(p, "new_status"),
      {"valid", "suspended", "revoked", "cancelled", "expired", "withdrawn", "superseded"}));
  static const std::pair<const char*, const char*> kResult[] = {
      {"revoke", "revoked"},     {"suspend", "suspended"},    {"reinstate", "valid"},
      {"withdraw", "withdrawn"}, {"supersede", "superseded"}, {"expire", "expired"},
      {"cancel", "cancelled"}};
  for (auto [action, status] : kResult) {
    if (At(b, "action") == action && At(b, "new_status") != status) {
      return Violation(Child(p, "new_status"),
                       std::string("must be \"") + status + "\" for action \"" + action + "\"");
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(b, "reversible"), Child(p, "reversible")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(b, "effective_at"), Child(p, "effective_at")));
  if (Has(b, "legal_basis_number")) {
    CREDLEDGER_RETURN_IF_ERROR(
        CheckText(At(b, "legal_basis_number"), Child(p, "legal_basis_number"), kShortText));
  }
  const bool supersede = At(b, "action") == "supersede";
  if (supersede != Has(b, "superseded_by")) {
    return Violation(Child(p, "superseded_by"), supersede
                                                    ? "is required for action \"supersede\""
                                                    : "is allowed only for action \"supersede\"");
  }
  if (supersede)
    CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "superseded_by"), Child(p, "superseded_by")));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckEnterpriseKey(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"key", "key_id", "registering_authority"}, {"source"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key, ParsePublicKey(At(b, "key"), Child(p, "key")));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "key_id"), Child(p, "key_id")));
  if (At(b, "key_id") != key.KeyId()) {
    return Violation(Child(p, "key_id"), "must be the key's id, " + key.KeyId() +
                                             " (SHA-256 of its DER SubjectPublicKeyInfo)");
  }
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "registering_authority"), Child(p, "registering_authority")));
  if (Has(b, "source"))
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "source"), Child(p, "source"), kName));
  return Status::Ok();
}

Status CheckRepairApplication(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(b, p, {"target", "reasons", "evidence_hashes"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reasons"), Child(p, "reasons"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckHashArray(At(b, "evidence_hashes"), Child(p, "evidence_hashes"), 32));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckRepairReview(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"target", "outcome", "reviewing_authority"}, {"reason"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "outcome"), Child(p, "outcome"), {"accepted", "not_accepted"}));
  if (At(b, "outcome") == "not_accepted" && !Has(b, "reason")) {
    return Violation(Child(p, "reason"), "is required when the outcome is not_accepted");
  }
  if (Has(b, "reason"))
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "reviewing_authority"), Child(p, "reviewing_authority")));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckConsent(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"bank", "purpose", "scope", "valid_from", "valid_until"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "bank"), Child(p, "bank"), kShortText));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "purpose"), Child(p, "purpose"), kName));
  const Json& scope = At(b, "scope");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(scope, Child(p, "scope"), 1, 2));
  for (size_t i = 0; i < scope.size(); ++i) {
    CREDLEDGER_RETURN_IF_ERROR(
        CheckEnum(scope[i], Child(Child(p, "scope"), i), {"profile", "documents"}));
    if (i > 0 && scope[i] == scope[0]) {
      return Violation(Child(Child(p, "scope"), i), "is listed twice");
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "valid_from"), Child(p, "valid_from")));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "valid_until"), Child(p, "valid_until")));
  if (At(b, "valid_until").get<std::string>() < At(b, "valid_from").get<std::string>()) {
    return Violation(Child(p, "valid_until"), "must not be before /body/valid_from");
  }
  return Status::Ok();
}

Status CheckConsentRevocation(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(b, p, {"target"}, {"reason"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  if (Has(b, "reason"))
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckObjection(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(b, p, {"target", "grounds", "evidence_hashes"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "grounds"), Child(p, "grounds"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckHashArray(At(b, "evidence_hashes"), Child(p, "evidence_hashes"), 32));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckObjectionAnswer(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"target", "outcome", "reason", "answering_authority"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "outcome"), Child(p, "outcome"), {"upheld", "rejected"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "answering_authority"), Child(p, "answering_authority")));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckCommitment(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"agency", "matter", "commitment_hash", "conditions", "check_by"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "agency"), Child(p, "agency"), kShortText));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "matter"), Child(p, "matter"), kName));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "commitment_hash"), Child(p, "commitment_hash")));
  const Json& conditions = At(b, "conditions");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(conditions, Child(p, "conditions"), 1, 16));
  for (size_t i = 0; i < conditions.size(); ++i) {
    CREDLEDGER_RETURN_IF_ERROR(CheckText(conditions[i], Child(Child(p, "conditions"), i), kName));
  }
  return CheckDate(At(b, "check_by"), Child(p, "check_by"));
}

Status CheckCommitmentCheck(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"target", "result", "findings", "checked_on", "checking_authority"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(CheckEnum(At(b, "result"), Child(p, "result"), {"kept", "broken"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "findings"), Child(p, "findings"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "checked_on"), Child(p, "checked_on")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "checking_authority"), Child(p, "checking_authority")));
  return CheckTargetInRefs(entry, At(b, "target"));
}

Status CheckListInclusion(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(b, p,
                                         {"list", "reason", "legal_basis", "decided_on",
                                          "deciding_authority", "decision_document_hash"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckOrganizationSubject(entry));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(b, "list"), Child(p, "list"), {"serious_dishonesty", "abnormal_operations"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "legal_basis"), Child(p, "legal_basis"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "decided_on"), Child(p, "decided_on")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "deciding_authority"), Child(p, "deciding_authority")));
  return CheckHash(At(b, "decision_document_hash"), Child(p, "decision_document_hash"));
}

Status CheckListRemoval(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p, {"target", "reason", "decided_on", "deciding_authority"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "reason"), Child(p, "reason"), kLongText));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "decided_on"), Child(p, "decided_on")));
  CREDLEDGER_RETURN_IF_ERROR(
      CheckAuthority(At(b, "deciding_authority"), Child(p, "deciding_authority")));
  return CheckTargetInRefs(entry, At(b, "target"));
}

// The rows. Designated initializers, so that a row reads as a definition; a member left out
// is null or false.
constexpr RecordTypeTraits kLicense = {
    .name = "license",
    .signer = Signer::kAgency,
    .check_body = CheckLicense,
    .authority_member = "issuing_authority",
    .number_member = "license_number",
    .number_name = "license number",
    .has_license_identifier = true,
    .document_member = "file_hash",
    .target_change = TargetChange::kNone,
    .validity_window = true,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "licenses",
    .profile_view = ProfileView::kEveryone,
};

// DOMAIN.md: a certificate is "as license, plus" its purpose.
constexpr RecordTypeTraits kCertificate = {
    .name = "certificate",
    .signer = Signer::kAgency,
    .check_body = CheckCertificate,
    .authority_member = "issuing_authority",
    .number_member = "license_number",
    .number_name = "license number",
    .has_license_identifier = true,
    .document_member = "file_hash",
    .target_change = TargetChange::kNone,
    .validity_window = true,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "certificates",
    .profile_view = ProfileView::kEveryone,
};

constexpr RecordTypeTraits kPenalty = {
    .name = "penalty",
    .signer = Signer::kAgency,
    .check_body = CheckPenalty,
    .authority_member = "punishing_authority",
    .number_member = "decision_number",
    .number_name = "decision number",
    .has_license_identifier = false,
    .document_member = "decision_document_hash",
    .target_change = TargetChange::kNone,
    .validity_window = false,
    .display_rules = true,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "penalties",
    .profile_view = ProfileView::kWhileDisplayed,
};

// Credit repairs speak of penalties the public may not see: banks only.
constexpr RecordTypeTraits kCreditRepair = {
    .name = "credit_repair",
    .signer = Signer::kAgency,
    .check_body = CheckCreditRepair,
    .authority_member = "deciding_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kCreditRepair,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "credit_repairs",
    .profile_view = ProfileView::kBanksOnly,
};

// A status change speaks in its target's agency's name (RecordPolicy checks the signer may).
constexpr RecordTypeTraits kStatusChange = {
    .name = "status_change",
    .signer = Signer::kAgency,
    .check_body = CheckStatusChange,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kStatusChange,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = nullptr,
    .profile_view = ProfileView::kNotListed,
};

// Signed by the registration authority (an agency permitted this type): the enterprise may
// sign from the next entry on. The public sees which keys an enterprise holds.
constexpr RecordTypeTraits kEnterpriseKey = {
    .name = "enterprise_key",
    .signer = Signer::kAgency,
    .check_body = CheckEnterpriseKey,
    .authority_member = "registering_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kNone,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = true,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "enterprise_keys",
    .profile_view = ProfileView::kEveryone,
};

// Signed by the enterprise; addressed to the agency that imposed the penalty (or its
// delegate), which reviews it on the working-day clock. Like credit repairs: banks only.
constexpr RecordTypeTraits kRepairApplication = {
    .name = "repair_application",
    .signer = Signer::kEnterprise,
    .check_body = CheckRepairApplication,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kRepairApplication,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "repair_applications",
    .profile_view = ProfileView::kBanksOnly,
};

constexpr RecordTypeTraits kRepairReview = {
    .name = "repair_review",
    .signer = Signer::kAgency,
    .check_body = CheckRepairReview,
    .authority_member = "reviewing_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kRepairReview,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "repair_reviews",
    .profile_view = ProfileView::kBanksOnly,
};

// Signed by the enterprise: one bank may read its data, for one purpose, within the scope and
// dates it states, until the enterprise revokes it. Banks only, in profiles.
constexpr RecordTypeTraits kConsent = {
    .name = "consent",
    .signer = Signer::kEnterprise,
    .check_body = CheckConsent,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kNone,
    .validity_window = true,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = true,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "consents",
    .profile_view = ProfileView::kBanksOnly,
};

// Signed by the enterprise; shows in its consent's status ("revoked").
constexpr RecordTypeTraits kConsentRevocation = {
    .name = "consent_revocation",
    .signer = Signer::kEnterprise,
    .check_body = CheckConsentRevocation,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kConsentRevocation,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = nullptr,
    .profile_view = ProfileView::kNotListed,
};

// Signed by the enterprise: it disputes a record about it; answered once by that record's agency.
constexpr RecordTypeTraits kObjection = {
    .name = "objection",
    .signer = Signer::kEnterprise,
    .check_body = CheckObjection,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kObjection,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "objections",
    .profile_view = ProfileView::kBanksOnly,
};

// The agency's answer to an objection: upheld or rejected (the objection's status).
constexpr RecordTypeTraits kObjectionAnswer = {
    .name = "objection_answer",
    .signer = Signer::kAgency,
    .check_body = CheckObjectionAnswer,
    .authority_member = "answering_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kAnswer,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kObjection,
    .outcome_member = "outcome",
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "objection_answers",
    .profile_view = ProfileView::kBanksOnly,
};

// Signed by the enterprise: its written commitment (告知承诺) to an agency for a matter (a licence
// granted on it), checked by that agency afterwards. Public, as commitments are.
constexpr RecordTypeTraits kCommitment = {
    .name = "commitment",
    .signer = Signer::kEnterprise,
    .check_body = CheckCommitment,
    .authority_member = nullptr,
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kNone,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = true,
    .listing = false,
    .profile_section = "commitments",
    .profile_view = ProfileView::kEveryone,
};

// The agency's check of a commitment: kept or broken (the commitment's status); a broken one may
// lead to a penalty or a licence's revocation, which are records of their own.
constexpr RecordTypeTraits kCommitmentCheck = {
    .name = "commitment_check",
    .signer = Signer::kAgency,
    .check_body = CheckCommitmentCheck,
    .authority_member = "checking_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kAnswer,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kCommitment,
    .outcome_member = "result",
    .addressed_by_body = false,
    .listing = false,
    .profile_section = "commitment_checks",
    .profile_view = ProfileView::kEveryone,
};

// An enterprise put on a public list: the serious-dishonesty list (严重失信主体名单) or the
// abnormal-operations list (经营异常名录). Public while on it; banks see removed entries too.
constexpr RecordTypeTraits kListInclusion = {
    .name = "list_inclusion",
    .signer = Signer::kAgency,
    .check_body = CheckListInclusion,
    .authority_member = "deciding_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = "decision_document_hash",
    .target_change = TargetChange::kNone,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = true,
    .profile_section = "lists",
    .profile_view = ProfileView::kWhileValid,
};

// Takes an enterprise off a list (移出): the inclusion's status becomes removed.
constexpr RecordTypeTraits kListRemoval = {
    .name = "list_removal",
    .signer = Signer::kAgency,
    .check_body = CheckListRemoval,
    .authority_member = "deciding_authority",
    .number_member = nullptr,
    .number_name = nullptr,
    .has_license_identifier = false,
    .document_member = nullptr,
    .target_change = TargetChange::kListRemoval,
    .validity_window = false,
    .display_rules = false,
    .binds_enterprise_key = false,
    .grants_consent = false,
    .answers = RecordType::kLicense,
    .outcome_member = nullptr,
    .addressed_by_body = false,
    .listing = false,
    .profile_section = nullptr,
    .profile_view = ProfileView::kNotListed,
};

}  // namespace

const RecordTypeTraits& Traits(RecordType type) {
  switch (type) {
    case RecordType::kLicense:
      return kLicense;
    case RecordType::kCertificate:
      return kCertificate;
    case RecordType::kPenalty:
      return kPenalty;
    case RecordType::kCreditRepair:
      return kCreditRepair;
    case RecordType::kStatusChange:
      return kStatusChange;
    case RecordType::kEnterpriseKey:
      return kEnterpriseKey;
    case RecordType::kRepairApplication:
      return kRepairApplication;
    case RecordType::kRepairReview:
      return kRepairReview;
    case RecordType::kConsent:
      return kConsent;
    case RecordType::kConsentRevocation:
      return kConsentRevocation;
    case RecordType::kObjection:
      return kObjection;
    case RecordType::kObjectionAnswer:
      return kObjectionAnswer;
    case RecordType::kCommitment:
      return kCommitment;
    case RecordType::kCommitmentCheck:
      return kCommitmentCheck;
    case RecordType::kListInclusion:
      return kListInclusion;
    case RecordType::kListRemoval:
      return kListRemoval;
  }
  // Not reached: every enumerator has a case (-Werror=switch). An out-of-range value is a bug.
  return kStatusChange;
}

Result<RecordType> ParseRecordType(std::string_view name) {
  for (RecordType t : kRecordTypes) {
    if (Traits(t).name == name) return t;
  }
  return Status::InvalidArgument("unknown record type \"" + std::string(name.substr(0, 64)) +
                                 "\"; the types are " + RecordTypeNames());
}

std::string RecordTypeNames() {
  std::string out;
  for (RecordType t : kRecordTypes) out += (out.empty() ? "" : ", ") + std::string(Traits(t).name);
  return out;
}

std::string RecordTypeNames(Signer signer) {
  std::string out;
  for (RecordType t : kRecordTypes) {
    if (Traits(t).signer == signer) out += (out.empty() ? "" : ", ") + std::string(Traits(t).name);
  }
  return out;
}

}  // namespace credledger::records
