#include "ledger/records/entry.h"

#include <catch2/catch.hpp>

#include "fixtures.h"
#include "ledger/records/identifiers.h"
#include "test_util.h"

using namespace credledger;
using namespace credledger::records;

namespace {

constexpr const char* kSubjectUscc = "914403001922038216";
const std::string kHashB(64, 'b');

using credledger::testing::SampleEntry;

crypto::PrivateKey Key(crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::kP256) {
  auto k = crypto::PrivateKey::Generate(alg);
  REQUIRE(k.ok());
  return *k;
}

// Signs `entry` and expects the error to name `pointer`.
void ExpectViolation(Json entry, const std::string& pointer, const std::string& rule_part = "") {
  auto r = SignEntry(std::move(entry), Key());
  INFO("expected a violation at " << pointer);
  REQUIRE_FALSE(r.ok());
  INFO("got: " << r.status().ToString());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().rfind(pointer + ": ", 0) == 0);
  if (!rule_part.empty()) CHECK(r.status().message().find(rule_part) != std::string::npos);
}

}  // namespace

TEST_CASE("valid records of every type sign, validate and verify with every algorithm", "[entry]") {
  std::vector<Json> entries;
  for (RecordType type : kRecordTypes) entries.push_back(SampleEntry(RecordTypeName(type)));
  for (auto alg :
       {crypto::KeyAlgorithm::kP256, crypto::KeyAlgorithm::kEd25519, crypto::KeyAlgorithm::kSm2}) {
    auto key = Key(alg);
    for (const Json& e : entries) {
      INFO(e["type"] << " " << crypto::KeyAlgorithmName(alg));
      auto signed_entry = SignEntry(e, key);
      if (!signed_entry.ok()) FAIL(signed_entry.status().ToString());
      CHECK(VerifyEntrySignature(*signed_entry, key.public_key()).ok());
      CHECK(signed_entry->key_id == key.public_key().KeyId());
      // The stored form is canonical and revalidates to the same bytes.
      auto again = ValidateEntry(signed_entry->canonical);
      REQUIRE(again.ok());
      CHECK(again->canonical == signed_entry->canonical);
      // Another key, or any change to the signed bytes, fails verification.
      CHECK(VerifyEntrySignature(*signed_entry, Key(alg).public_key()).code() ==
            StatusCode::kUnauthenticated);
      Json tampered = signed_entry->document;
      tampered["issued_at"] = "2026-11-27T09:30:01.000Z";
      auto t = ValidateEntry(tampered.dump());
      REQUIRE(t.ok());
      CHECK(VerifyEntrySignature(*t, key.public_key()).code() == StatusCode::kUnauthenticated);
    }
  }
}

TEST_CASE("whitespace and member order do not matter: entries are canonicalised", "[entry]") {
  auto signed_entry = SignEntry(SampleEntry("license"), Key());
  REQUIRE(signed_entry.ok());
  std::string pretty = signed_entry->document.dump(2);
  auto again = ValidateEntry(pretty);
  REQUIRE(again.ok());
  CHECK(again->canonical == signed_entry->canonical);
  CHECK(again->signed_bytes == signed_entry->signed_bytes);
}

TEST_CASE("canonical input is used as is, and the signed bytes are cut from it exactly",
          "[entry]") {
  // Text fields that look like the signature member, with escaped quotes and backslash runs,
  // must not confuse the cut (the signature covers exactly the entry without "signature").
  for (const char* tricky :
       {R"(a","signature":"x)", R"(\\",)", R"(\\)", R"(\"\\"})", "\\", "}]", "x"}) {
    Json e = SampleEntry("license");
    e["body"]["type_name"] = tricky;
    e["body"]["issuing_authority"]["name"] = std::string(tricky) + "\\\"";
    auto key = Key();
    auto signed_entry = SignEntry(e, key);
    REQUIRE(signed_entry.ok());
    INFO(signed_entry->canonical);
    Json unsigned_entry = signed_entry->document;
    unsigned_entry.erase("signature");
    CHECK(signed_entry->signed_bytes == *CanonicalJson(unsigned_entry));
    CHECK(VerifyEntrySignature(*signed_entry, key.public_key()).ok());
    auto pretty = ValidateEntry(signed_entry->document.dump(1));
    REQUIRE(pretty.ok());
    CHECK(pretty->signed_bytes == signed_entry->signed_bytes);
    CHECK(pretty->canonical == signed_entry->canonical);
  }
}

TEST_CASE("envelope violations name the member and the rule", "[entry]") {
  Json e = SampleEntry("license");
  Json bad = e;
  bad["type"] = "loan";
  ExpectViolation(bad, "/type");
  bad = e;
  bad["schema_version"] = 2;
  ExpectViolation(bad, "/schema_version");
  bad = e;
  bad["extra"] = 1;
  ExpectViolation(bad, "/extra", "unknown member");
  bad = e;
  bad.erase("issued_at");
  ExpectViolation(bad, "/issued_at", "is required");
  for (const char* t : {"2026-11-27", "2026-11-27T09:30:00+08:00", "2026-02-30T00:00:00Z",
                        "2026-11-27T24:00:00Z", "2026-11-27T09:30:00.1234Z"}) {
    bad = e;
    bad["issued_at"] = t;
    ExpectViolation(bad, "/issued_at", "RFC 3339");
  }
  bad = e;
  bad["subject"] = {{"uscc", kSubjectUscc}};
  ExpectViolation(bad, "/subject/kind", "is required");
  bad = e;
  bad["subject"]["uscc"] = "914403001922038217";
  ExpectViolation(bad, "/subject/uscc", "check character");
  bad = e;
  bad["refs"] = {"ABC"};
  ExpectViolation(bad, "/refs/0", "64 lowercase hex");
  auto unsigned_text = *CanonicalJson(e);
  auto no_sig = ValidateEntry(unsigned_text);
  REQUIRE_FALSE(no_sig.ok());
  CHECK(no_sig.status().message() == "/key_id: is required");
}

TEST_CASE("historical pilot codes pass only when flagged, and are reported", "[entry]") {
  Json e = SampleEntry("penalty");
  e["subject"]["uscc"] = "91350100M0001TGQXM";
  e["body"]["party"]["uscc"] = "91350100M0001TGQXM";
  ExpectViolation(e, "/subject/uscc", "check character");
  e["subject"]["historical_code"] = true;
  auto ok = SignEntry(e, Key());
  if (!ok.ok()) FAIL(ok.status().ToString());
  CHECK(ok->uses_historical_code);
  e["subject"]["uscc"] = "91350100M0001TGQXO";  // 'O' is never in the alphabet
  ExpectViolation(e, "/subject/uscc", "alphabet");
}

TEST_CASE("license and certificate rules", "[entry]") {
  Json e = SampleEntry("license");
  Json bad = e;
  bad["body"]["identifier"] = bad["body"]["identifier"].get<std::string>() + "X";
  ExpectViolation(bad, "/body/identifier");
  bad = e;
  bad["body"]["type_code"] = "22200000000000000B";
  ExpectViolation(bad, "/body/type_code", "inside /body/identifier");
  bad = e;
  bad["body"]["holder_code"] = "9144030071526726XG";
  ExpectViolation(bad, "/body/holder_code", "/subject/uscc");
  bad = e;
  bad["body"]["holder_type"] = "111";
  bad["body"]["holder_code"] = "11010519491231002X";  // a citizen ID in clear: refused
  ExpectViolation(bad, "/body/holder_code", "64 lowercase hex");
  bad = e;
  bad["body"]["issuing_authority"]["uscc"] = "9144030071526726XG";
  ExpectViolation(bad, "/body/issuing_authority/uscc", "inside /body/identifier");
  bad = e;
  bad["body"]["valid_until"] = "2026-01-01";
  ExpectViolation(bad, "/body/valid_until", "before");
  bad = e;
  bad["body"]["area_code"] = "4403";
  ExpectViolation(bad, "/body/area_code");
  bad = e;
  bad["body"].erase("file_hash");
  ExpectViolation(bad, "/body/file_hash", "is required");
  // A person's license carries the keyed commitment on both sides.
  auto commitment =
      PersonCommitment(crypto::HashAlgorithm::kSha256, crypto::Bytes(32, 7), "11010519491231002X");
  Json person = e;
  person["subject"] = {{"kind", "person"}, {"commitment", *commitment}};
  person["body"]["holder_type"] = "111";
  person["body"]["holder_code"] = *commitment;
  CHECK(SignEntry(person, Key()).ok());
  Json cert = SampleEntry("certificate");
  cert["body"]["purpose"] = std::string(201, 'x');
  ExpectViolation(cert, "/body/purpose", "at most 200");
  cert["body"]["purpose"] = std::string(200, 'x');
  CHECK(SignEntry(cert, Key()).ok());
}

TEST_CASE("penalty rules: money in fen, known kinds, the party is the subject", "[entry]") {
  Json e = SampleEntry("penalty");
  Json bad = e;
  bad["body"]["fine_fen"] = 50000.5;
  ExpectViolation(bad, "/body/fine_fen", "never floats");
  bad = e;
  bad["body"]["fine_fen"] = -1;
  ExpectViolation(bad, "/body/fine_fen");
  bad = e;
  bad["body"]["penalty_kinds"] = Json::array();
  ExpectViolation(bad, "/body/penalty_kinds");
  bad = e;
  bad["body"]["penalty_kinds"] = {"fine", "flogging"};
  ExpectViolation(bad, "/body/penalty_kinds/1", "must be one of");
  bad = e;
  bad["body"]["severity"] = "severe";
  ExpectViolation(bad, "/body/severity");
  bad = e;
  bad["body"]["party"]["uscc"] = "9144030071526726XG";
  ExpectViolation(bad, "/body/party/uscc", "/subject/uscc");
  bad = e;
  bad["body"]["display_regime"] = "2020";
  ExpectViolation(bad, "/body/display_regime");
  // Integers beyond 2^53 never reach validation: the JSON parser refuses them.
  std::string text = *CanonicalJson(e);
  text.replace(text.find("\"fine_fen\":5000000"), 18, "\"fine_fen\":9007199254740993");
  auto r = ValidateEntry(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("2^53") != std::string::npos);
}

TEST_CASE("credit repair and status change rules", "[entry]") {
  Json repair = SampleEntry("credit_repair");
  Json no_refs = repair;
  no_refs.erase("refs");
  ExpectViolation(no_refs, "/refs", "must include /body/target");
  Json bad = repair;
  bad["body"]["decision"] = "rejected";
  ExpectViolation(bad, "/body/reason", "required when the decision is rejected");
  bad["body"]["reason"] = "obligations not fulfilled";
  CHECK(SignEntry(bad, Key()).ok());
  bad = repair;
  bad["body"]["decision_date"] = "2026-06-30";
  ExpectViolation(bad, "/body/decision_date", "before /body/application_date");

  Json change = SampleEntry("status_change");
  CHECK(SignEntry(change, Key()).ok());
  bad = change;
  bad["body"]["new_status"] = "revoked";
  ExpectViolation(bad, "/body/new_status", "\"suspended\" for action \"suspend\"");
  bad = change;
  bad["body"]["action"] = "supersede";
  bad["body"]["new_status"] = "superseded";
  ExpectViolation(bad, "/body/superseded_by", "required");
  bad["body"]["superseded_by"] = kHashB;
  CHECK(SignEntry(bad, Key()).ok());
  bad = change;
  bad["body"]["superseded_by"] = kHashB;
  ExpectViolation(bad, "/body/superseded_by", "only for action");
}

TEST_CASE("garbage never crashes validation", "[entry]") {
  for (const char* text : {"", "null", "[]", "{}", "{\"type\":1}", "{\"body\":[]}",
                           "{\"type\":\"license\",\"schema_version\":1,\"agency\":\"a\",\"key_id\":"
                           "\"x\",\"subject\":1,\"issued_at\":1,\"body\":1,\"signature\":1}"}) {
    INFO(text);
    auto r = ValidateEntry(text);
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a signed object: from a DOM or from members' texts, the same text, and it verifies",
          "[entry]") {
  const auto key = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value();
  const Json doc = {{"type", "anchor"},
                    {"items", {1, 2, {{"b", "\xe4\xb8\xad"}, {"a", true}}}},
                    {"signature", "replaced"},
                    {"key_id", "replaced"}};
  const std::string from_dom = SignObject(doc, key).value();
  std::vector<JsonMember> members = CanonicalMembers(doc).value();
  std::reverse(members.begin(), members.end());
  CHECK(SignObjectMembers(members, key).value() == from_dom);  // Ed25519 is deterministic
  const Json signed_doc = ParseJson(from_dom).value();
  CHECK(CanonicalJson(signed_doc).value() == from_dom);
  CHECK(signed_doc["key_id"] == key.public_key().KeyId());
  CHECK(VerifyObjectSignature(signed_doc, key.public_key()).ok());
  Json forged = signed_doc;
  forged["items"][0] = 7;
  CHECK(VerifyObjectSignature(forged, key.public_key()).code() == StatusCode::kUnauthenticated);
}
