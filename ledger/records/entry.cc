#include "ledger/records/entry.h"

#include <cstring>

#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

constexpr size_t kMaxRefs = 16;
constexpr size_t kShortText = 64;
constexpr size_t kName = 200;
constexpr size_t kLongText = 1000;

// {"uscc", "name"} of an issuing, punishing or deciding authority.
Status CheckAuthority(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {"uscc", "name"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(v, "uscc"), Child(p, "uscc")));
  return CheckText(At(v, "name"), Child(p, "name"), kName);
}

Status CheckHashArray(const Json& v, const JsonPointer& p, size_t max) {
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(v, p, 0, max));
  for (size_t i = 0; i < v.size(); ++i) CREDLEDGER_RETURN_IF_ERROR(CheckHash(v[i], Child(p, i)));
  return Status::Ok();
}

// The subject: an organisation by USCC (optionally a flagged historical code) or a natural
// person by keyed commitment. Sets *historical.
Status CheckSubject(const Json& v, bool* historical) {
  const JsonPointer p = "/subject";
  if (!v.is_object()) return Violation(p, "must be an object");
  if (!Has(v, "kind")) return Violation(Child(p, "kind"), "is required");
  CREDLEDGER_RETURN_IF_ERROR(
      CheckEnum(At(v, "kind"), Child(p, "kind"), {"organization", "person"}));
  if (At(v, "kind") == "person") {
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {"kind", "commitment"}));
    return CheckHash(At(v, "commitment"), Child(p, "commitment"));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {"kind", "uscc"}, {"historical_code"}));
  *historical = false;
  if (Has(v, "historical_code")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(v, "historical_code"), Child(p, "historical_code")));
    *historical = At(v, "historical_code").get<bool>();
  }
  const Json& code = At(v, "uscc");
  if (!*historical) return CheckUscc(code, Child(p, "uscc"));
  if (!code.is_string()) return Violation(Child(p, "uscc"), "must be a string");
  Status shape = ValidateUsccShape(code.get_ref<const std::string&>());
  return shape.ok() ? shape : Violation(Child(p, "uscc"), shape.message());
}

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

Status CheckLicense(const Json& b, const Json& subject) {
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, "/body", {LICENSE_REQUIRED}, {"valid_until", "supersedes"}));
  return CheckLicenseLike(b, subject);
}

Status CheckCertificate(const Json& b, const Json& subject) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      b, "/body", {LICENSE_REQUIRED, "purpose", "purpose_expiry", "certified_facts_hash"},
      {"valid_until", "supersedes"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckLicenseLike(b, subject));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(b, "purpose"), "/body/purpose", 200));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(b, "purpose_expiry"), "/body/purpose_expiry"));
  return CheckHash(At(b, "certified_facts_hash"), "/body/certified_facts_hash");
}

#undef LICENSE_REQUIRED

Status CheckPenalty(const Json& b, const Json& subject) {
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

Status CheckTargetInRefs(const Json& entry, const Json& target) {
  if (Has(entry, "refs")) {
    for (const Json& r : At(entry, "refs")) {
      if (r == target) return Status::Ok();
    }
  }
  return Violation("/refs", "must include /body/target");
}

Status CheckCreditRepair(const Json& b, const Json& entry) {
  const JsonPointer p = "/body";
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(b, p,
                  {"target", "applicant_uscc", "application_date", "decision_date",
                   "deciding_authority", "conditions_met", "decision", "evidence_hashes"},
                  {"acceptance_date", "reason"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(b, "target"), Child(p, "target")));
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

Result<ValidatedEntry> ValidateDocumentOrThrow(Json doc, std::string_view canonical_text);

// The index of the '"' closing the JSON string that opens at `open`: the next '"' not escaped
// by an odd run of backslashes (memchr, since entries are mostly string bytes).
size_t ClosingQuote(std::string_view json, size_t open) {
  const char* begin = json.data();
  const char* end = begin + json.size();
  const char* p = begin + open + 1;
  while (p < end) {
    const auto* quote = static_cast<const char*>(memchr(p, '"', static_cast<size_t>(end - p)));
    if (quote == nullptr) return json.size();
    size_t backslashes = 0;
    while (quote - static_cast<std::ptrdiff_t>(backslashes) - 1 >= p &&
           quote[-static_cast<std::ptrdiff_t>(backslashes) - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) return static_cast<size_t>(quote - begin);
    p = quote + 1;
  }
  return json.size();
}

// `canonical` without its top-level member `quoted_name` ("\"signature\""), or "" if it has
// none. REQUIRES: `canonical` is RFC 8785 JSON of an object, so a '"' at depth 1 right after
// '{' or ',' opens a member name, and strings hold no raw '"'.
std::string WithoutTopLevelMember(std::string_view canonical, std::string_view quoted_name) {
  int depth = 0;
  size_t member_start = 0;
  for (size_t i = 0; i < canonical.size(); ++i) {
    const char c = canonical[i];
    if (c == '"') {
      if (depth == 1 && (canonical[i - 1] == '{' || canonical[i - 1] == ',')) member_start = i;
      i = ClosingQuote(canonical, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (!((c == ',' && depth == 1) || (c == '}' && depth == 0))) continue;
    std::string_view member = canonical.substr(member_start, i - member_start);
    if (!member.starts_with(quoted_name) || member.size() <= quoted_name.size() ||
        member[quoted_name.size()] != ':') {
      continue;
    }
    std::string out(canonical.substr(0, member_start));  // ends in '{' or ','
    if (c == ',') {
      out += canonical.substr(i + 1);
    } else {
      if (out.back() == ',') out.pop_back();
      out += '}';
    }
    return out;
  }
  return "";
}

}  // namespace

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kLicense:
      return "license";
    case RecordType::kCertificate:
      return "certificate";
    case RecordType::kPenalty:
      return "penalty";
    case RecordType::kCreditRepair:
      return "credit_repair";
    case RecordType::kStatusChange:
      return "status_change";
  }
  return "unknown";
}

Result<RecordType> ParseRecordType(std::string_view name) {
  for (RecordType t : {RecordType::kLicense, RecordType::kCertificate, RecordType::kPenalty,
                       RecordType::kCreditRepair, RecordType::kStatusChange}) {
    if (RecordTypeName(t) == name) return t;
  }
  return Status::InvalidArgument("unknown record type \"" + std::string(name) + "\"");
}

Result<CanonicalEntry> ValidateEntry(std::string_view json) {
  bool canonical = false;
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(json, &canonical));
  CanonicalEntry out;
  if (canonical) {
    out.canonical = std::string(json);
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(out.canonical, CanonicalJson(doc));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(static_cast<ValidatedEntry&>(out),
                              ValidateCanonicalEntry(std::move(doc), out.canonical));
  return out;
}

Result<ValidatedEntry> ValidateCanonicalEntry(Json doc, std::string_view canonical_text) {
  try {
    return ValidateDocumentOrThrow(std::move(doc), canonical_text);
  } catch (const Json::exception& e) {
    // Every member is type-checked before it is read; reaching here is a bug in this file.
    return Status::Internal(std::string("entry validation: ") + e.what());
  }
}

namespace {

Result<ValidatedEntry> ValidateDocumentOrThrow(Json doc, std::string_view canonical_text) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      doc, "",
      {"type", "schema_version", "agency", "key_id", "subject", "issued_at", "body", "signature"},
      {"refs"}));
  ValidatedEntry e;
  const Json& type = At(doc, "type");
  auto parsed_type = type.is_string() ? ParseRecordType(type.get<std::string>())
                                      : Result<RecordType>(Status::InvalidArgument("not a string"));
  if (!parsed_type.ok()) {
    return Violation("/type",
                     "must be one of: license, certificate, penalty, credit_repair, status_change");
  }
  e.type = *parsed_type;
  if (At(doc, "schema_version") != kEntrySchemaVersion) {
    return Violation("/schema_version", "must be " + std::to_string(kEntrySchemaVersion));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(doc, "agency"), "/agency", kShortText));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "key_id"), "/key_id"));
  CREDLEDGER_RETURN_IF_ERROR(CheckSubject(At(doc, "subject"), &e.uses_historical_code));
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(doc, "issued_at"), "/issued_at"));
  if (Has(doc, "refs"))
    CREDLEDGER_RETURN_IF_ERROR(CheckHashArray(At(doc, "refs"), "/refs", kMaxRefs));
  const Json& body = At(doc, "body");
  const Json& subject = At(doc, "subject");
  switch (e.type) {
    case RecordType::kLicense:
      CREDLEDGER_RETURN_IF_ERROR(CheckLicense(body, subject));
      break;
    case RecordType::kCertificate:
      CREDLEDGER_RETURN_IF_ERROR(CheckCertificate(body, subject));
      break;
    case RecordType::kPenalty:
      CREDLEDGER_RETURN_IF_ERROR(CheckPenalty(body, subject));
      break;
    case RecordType::kCreditRepair:
      CREDLEDGER_RETURN_IF_ERROR(CheckCreditRepair(body, doc));
      break;
    case RecordType::kStatusChange:
      CREDLEDGER_RETURN_IF_ERROR(CheckStatusChange(body, doc));
      break;
  }
  const Json& signature = At(doc, "signature");
  auto sig = signature.is_string() ? crypto::Base64Decode(signature.get<std::string>())
                                   : Result<crypto::Bytes>(Status::InvalidArgument(""));
  if (!sig.ok() || sig->empty()) return Violation("/signature", "must be non-empty base64");
  e.signature = std::move(*sig);
  e.agency = At(doc, "agency").get<std::string>();
  e.key_id = At(doc, "key_id").get<std::string>();
  // Signers send canonical bytes, so usually there is nothing to serialize. Either way the
  // signed bytes are the canonical entry without its "signature" member.
  std::string serialized;
  if (canonical_text.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(serialized, CanonicalJson(doc));
    canonical_text = serialized;
  }
  e.signed_bytes = WithoutTopLevelMember(canonical_text, "\"signature\"");
  e.document = std::move(doc);
  return e;
}

}  // namespace

Status VerifyEntrySignature(const ValidatedEntry& entry, const crypto::PublicKey& key) {
  if (key.KeyId() != entry.key_id) {
    return Status::Unauthenticated("/key_id: the entry names key " + entry.key_id +
                                   ", not the key it was checked with (" + key.KeyId() + ")");
  }
  Status s = key.Verify(entry.signed_bytes, entry.signature);
  if (!s.ok()) return Status::Unauthenticated("/signature: " + s.message());
  return Status::Ok();
}

Status VerifyObjectSignature(const Json& doc, const crypto::PublicKey& key) {
  if (!doc.is_object() || !doc.contains("signature") || !doc["signature"].is_string()) {
    return Status::InvalidArgument("/signature: must be base64 text");
  }
  auto signature = crypto::Base64Decode(doc["signature"].get<std::string>());
  if (!signature.ok()) return Status::InvalidArgument("/signature: must be base64 text");
  Json unsigned_doc = doc;
  unsigned_doc.erase("signature");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalJson(unsigned_doc));
  Status s = key.Verify(signed_bytes, *signature);
  if (!s.ok()) return Status::Unauthenticated("/signature: " + s.message());
  return Status::Ok();
}

Result<std::string> SignObject(Json doc, const crypto::PrivateKey& key) {
  if (!doc.is_object()) return Violation("", "must be an object");
  doc.erase("signature");
  doc["key_id"] = key.public_key().KeyId();
  CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalJson(doc));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes signature, key.Sign(signed_bytes));
  doc["signature"] = crypto::Base64Encode(signature);
  return CanonicalJson(doc);
}

Result<CanonicalEntry> SignEntry(Json unsigned_entry, const crypto::PrivateKey& key) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, SignObject(std::move(unsigned_entry), key));
  return ValidateEntry(text);
}

}  // namespace credledger::records
