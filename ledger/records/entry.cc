#include "ledger/records/entry.h"

#include <cstring>

#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

constexpr size_t kMaxRefs = 16;

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
  // The signer's member is "agency" or "enterprise", by type: the type is read first.
  if (!doc.is_object()) return Violation("", "must be an object");
  if (!Has(doc, "type")) return Violation("/type", "is required");
  ValidatedEntry e;
  const Json& type = At(doc, "type");
  auto parsed_type = type.is_string() ? ParseRecordType(type.get<std::string>())
                                      : Result<RecordType>(Status::InvalidArgument("not a string"));
  if (!parsed_type.ok()) {
    return Violation("/type", "must be one of: " + RecordTypeNames());
  }
  e.type = *parsed_type;
  const bool by_enterprise = Traits(e.type).signer == Signer::kEnterprise;
  const std::string_view signer = by_enterprise ? "enterprise" : "agency";
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      doc, "",
      {"type", "schema_version", signer, "key_id", "subject", "issued_at", "body", "signature"},
      {"refs"}));
  if (At(doc, "schema_version") != kEntrySchemaVersion) {
    return Violation("/schema_version", "must be " + std::to_string(kEntrySchemaVersion));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "key_id"), "/key_id"));
  CREDLEDGER_RETURN_IF_ERROR(CheckSubject(At(doc, "subject"), &e.uses_historical_code));
  if (by_enterprise) {
    // An enterprise speaks only for itself: the record is about the enterprise that signs it.
    const Json& subject = At(doc, "subject");
    if (At(doc, "enterprise") != subject.value("uscc", Json())) {
      return Violation("/enterprise",
                       "must equal /subject/uscc: an enterprise signs only records about itself");
    }
  } else {
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(doc, "agency"), "/agency", kShortText));
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(doc, "issued_at"), "/issued_at"));
  if (Has(doc, "refs"))
    CREDLEDGER_RETURN_IF_ERROR(CheckHashArray(At(doc, "refs"), "/refs", kMaxRefs));
  const Json& body = At(doc, "body");
  CREDLEDGER_RETURN_IF_ERROR(Traits(e.type).check_body(body, doc));
  const Json& signature = At(doc, "signature");
  auto sig = signature.is_string() ? crypto::Base64Decode(signature.get<std::string>())
                                   : Result<crypto::Bytes>(Status::InvalidArgument(""));
  if (!sig.ok() || sig->empty()) return Violation("/signature", "must be non-empty base64");
  e.signature = std::move(*sig);
  if (by_enterprise) {
    e.enterprise = At(doc, "enterprise").get<std::string>();
  } else {
    e.agency = At(doc, "agency").get<std::string>();
  }
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

Result<std::string> SignObject(const Json& doc, const crypto::PrivateKey& key) {
  if (!doc.is_object()) return Violation("", "must be an object");
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<JsonMember> members, CanonicalMembers(doc));
  return SignObjectMembers(std::move(members), key);
}

Result<std::string> SignObjectMembers(std::vector<JsonMember> members,
                                      const crypto::PrivateKey& key) {
  std::erase_if(members,
                [](const JsonMember& m) { return m.name == "signature" || m.name == "key_id"; });
  // Hex and base64 need no escapes. (Appended, not "\"" + ...: GCC 12's -Wrestrict misfires.)
  auto quoted = [](const std::string& text) { return std::string(1, '"').append(text) + '"'; };
  members.push_back({"key_id", quoted(key.public_key().KeyId())});
  CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalObject(members));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes signature, key.Sign(signed_bytes));
  members.push_back({"signature", quoted(crypto::Base64Encode(signature))});
  return CanonicalObject(std::move(members));
}

Result<CanonicalEntry> SignEntry(Json unsigned_entry, const crypto::PrivateKey& key) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, SignObject(unsigned_entry, key));
  return ValidateEntry(text);
}

}  // namespace credledger::records
