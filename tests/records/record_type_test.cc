// The record-type table (ledger/records/record_type.h): every row is consistent, every type
// has a sample that validates and carries the members its row names, and the documents list
// every type. Adding a type without its row, sample or documentation fails here.
#include "ledger/records/record_type.h"

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "fixtures.h"
#include "ledger/records/entry.h"
#include "records_util.h"
#include "test_util.h"

using namespace credledger;
using namespace credledger::records;

TEST_CASE("record types: one consistent row each, a sample each, all documented", "[records]") {
  const crypto::PrivateKey key = testing::GenerateKey(crypto::KeyAlgorithm::kEd25519);
  std::set<std::string_view> names;
  const std::string openapi = testing::ReadFile(testing::SourceDir() + "/docs/openapi.yaml");
  const std::string records_doc = testing::ReadFile(testing::SourceDir() + "/docs/RECORDS.md");
  for (RecordType type : kRecordTypes) {
    const RecordTypeTraits& t = Traits(type);
    INFO("record type " << t.name);
    CHECK(names.insert(t.name).second);
    CHECK(ParseRecordType(t.name).value() == type);
    CHECK(RecordTypeName(type) == t.name);
    CHECK(t.check_body != nullptr);
    CHECK((t.number_member == nullptr) == (t.number_name == nullptr));
    CHECK((t.profile_section == nullptr) == (t.profile_view == ProfileView::kNotListed));
    // A change acts in its target's name; a record in its own right names its authority.
    // (An enterprise speaks only for itself: its /enterprise is its subject.)
    if (t.target_change == TargetChange::kNone && t.signer == Signer::kAgency) {
      CHECK(t.authority_member != nullptr);
    }

    // The sample validates, and has every member the row reads.
    const Json sample = testing::SampleEntry(t.name);
    auto signed_entry = SignEntry(sample, key);
    if (!signed_entry.ok()) FAIL(signed_entry.status().ToString());
    CHECK(signed_entry->type == type);
    const Json& body = sample.at("body");
    for (const char* member : {t.authority_member, t.number_member, t.document_member}) {
      if (member != nullptr) CHECK(body.contains(member));
    }
    CHECK(body.contains("identifier") == t.has_license_identifier);
    CHECK(body.contains("target") == (t.target_change != TargetChange::kNone));
    CHECK(body.contains("valid_from") == t.validity_window);
    CHECK(body.contains("display_regime") == t.display_rules);

    // Documented: the body's section in docs/RECORDS.md, the credit profile's list in the
    // OpenAPI document.
    CHECK(records_doc.find("**" + std::string(t.name) + "**") != std::string::npos);
    if (t.profile_section != nullptr) {
      CHECK(openapi.find(std::string("        ") + t.profile_section + ": {type: array") !=
            std::string::npos);
    }
  }
  // The OpenAPI enumerations of types are exactly the table, in its order.
  const std::string listed = "enum: [" + RecordTypeNames() + "]";
  const std::regex type_enum(R"(enum: \[license[^\]]*\])");
  size_t enums = 0;
  for (auto it = std::sregex_iterator(openapi.begin(), openapi.end(), type_enum);
       it != std::sregex_iterator(); ++it, ++enums) {
    CHECK(it->str() == listed);
  }
  CHECK(enums >= 2);
  CHECK(ParseRecordType("loan").status().message() ==
        "unknown record type \"loan\"; the types are " + RecordTypeNames());
}
