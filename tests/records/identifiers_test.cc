#include "ledger/records/identifiers.h"

#include <catch2/catch.hpp>

#include "ledger/canonical_json.h"
#include "test_util.h"

using namespace credledger;
using namespace credledger::records;

TEST_CASE("GB 32100 unified social credit codes: DOMAIN.md examples and every rule",
          "[identifiers]") {
  for (const char* valid :
       {"914403001922038216", "9144030071526726XG", "91440300708461136T", "91110000101623741K"}) {
    INFO(valid);
    CHECK(ValidateUscc(valid).ok());
    CHECK(UsccCheckCharacter(std::string_view(valid).substr(0, 17)) == valid[17]);
  }
  // A historical pilot code that was legally issued but fails the check.
  Status pilot = ValidateUscc("91350100M0001TGQXM");
  CHECK(pilot.code() == StatusCode::kInvalidArgument);
  CHECK(pilot.message().find("check character") != std::string::npos);
  CHECK(ValidateUscc("91440300192203821").message().find("18 characters") != std::string::npos);
  CHECK(ValidateUscc("9144030019220382I6").message().find("character 17 ('I')") !=
        std::string::npos);
  for (char bad : {'I', 'O', 'Z', 'S', 'V', 'a'}) {
    std::string code = "914403001922038216";
    code[3] = bad;
    CHECK_FALSE(ValidateUscc(code).ok());
  }
  // Every single-character substitution of a valid code is caught.
  const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string code = "914403001922038216";
  for (size_t i = 0; i < code.size(); ++i) {
    for (char c : alphabet) {
      if (c == code[i]) continue;
      std::string m = code;
      m[i] = c;
      REQUIRE_FALSE(ValidateUscc(m).ok());
    }
  }
}

TEST_CASE("a USCC error names a stray byte in hex, so the message stays UTF-8", "[identifiers]") {
  // 16 ASCII characters and a 2-byte UTF-8 character: 18 bytes. Quoting byte 17 alone made
  // the message invalid UTF-8, and a bundle verdict carrying it failed to serialize (found
  // by fuzz_bundle, tests/fuzz/corpus/fuzz_bundle/regression-uscc-multibyte-detail).
  const std::string code = "9144030019220382\xc3\xa9";
  auto s = ValidateUsccShape(code);
  REQUIRE_FALSE(s.ok());
  CHECK(IsValidUtf8(s.message()));
  CHECK(s.message().find("character 17 (byte 0xc3)") != std::string::npos);
  CHECK(ValidateUsccShape("91440300192203821I").message().find("character 18 ('I')") !=
        std::string::npos);
}

TEST_CASE("GB 11714 organization codes inside the example USCCs", "[identifiers]") {
  for (const char* uscc :
       {"914403001922038216", "9144030071526726XG", "91440300708461136T", "91110000101623741K"}) {
    INFO(uscc);
    CHECK(ValidateOrganizationCode(std::string_view(uscc).substr(8, 9)).ok());
  }
  CHECK_FALSE(ValidateOrganizationCode("192203822").ok());
  CHECK_FALSE(ValidateOrganizationCode("19220382").ok());
  CHECK_FALSE(ValidateOrganizationCode("1922038a1").ok());
}

TEST_CASE("GB 11643 citizen ID numbers", "[identifiers]") {
  CHECK(ValidateCitizenId("11010519491231002X").ok());
  CHECK(ValidateCitizenId("11010519491231002x").ok());
  CHECK(ValidateCitizenId("110105194912310029").message().find("check character") !=
        std::string::npos);
  CHECK(ValidateCitizenId("11010519491331002X").message().find("birth date") != std::string::npos);
  CHECK(ValidateCitizenId("11010519490229002X").message().find("birth date") !=
        std::string::npos);  // 1949 is not a leap year
  CHECK_FALSE(ValidateCitizenId("11010519491231002").ok());
  CHECK_FALSE(ValidateCitizenId("1101051949123100AX").ok());
  CHECK_FALSE(ValidateCitizenId("00000019491231002X").ok());
}

TEST_CASE("ISO/IEC 7064 MOD 37,36 matches published GRid examples", "[identifiers]") {
  // GRid standard examples (check character last), as in xbib's standardnumber tests.
  for (const char* valid : {"A12425GABC1234002M", "B159D8FA01240000K", "188166C7342000003"}) {
    INFO(valid);
    CHECK(Mod3736Valid(valid));
  }
  CHECK(*Mod3736CheckCharacter("A12425GABC1234002") == 'M');
  CHECK_FALSE(Mod3736Valid("A12425GABC1234002N"));
  CHECK_FALSE(Mod3736Valid("A12425GABC1234020M"));  // transposition
  CHECK_FALSE(Mod3736CheckCharacter("a1").ok());
}

TEST_CASE("e-license identifiers round-trip and reject any changed character", "[identifiers]") {
  auto id = MakeLicenseIdentifier("11100000000000000A", "914403001922038216", "2026000123", "001");
  REQUIRE(id.ok());
  CHECK(id->rfind("1.2.156.3005.2.11100000000000000A.914403001922038216.2026000123.001.", 0) == 0);
  auto parsed = ParseLicenseIdentifier(*id);
  REQUIRE(parsed.ok());
  CHECK(parsed->issuer_uscc == "914403001922038216");
  CHECK(parsed->serial == "2026000123");
  CHECK(parsed->version == "001");
  // The check character is MOD 37,36 over the dot-free identifier.
  std::string data =
      "1215630052"
      "11100000000000000A"
      "914403001922038216"
      "2026000123"
      "001";
  CHECK(parsed->check == *Mod3736CheckCharacter(data));
  for (size_t i = 15; i + 2 < id->size(); ++i) {
    if ((*id)[i] == '.') continue;
    std::string m = *id;
    m[i] = m[i] == '1' ? '2' : '1';
    INFO(m);
    CHECK_FALSE(ParseLicenseIdentifier(m).ok());
  }
  CHECK(ParseLicenseIdentifier("1.2.156.3005.1.x").status().message().find("starts with") !=
        std::string::npos);
  CHECK_FALSE(MakeLicenseIdentifier("A", "91350100M0001TGQXM", "1", "001").ok());
  CHECK_FALSE(MakeLicenseIdentifier("A", "914403001922038216", "1", "01").ok());
  CHECK_FALSE(MakeLicenseIdentifier("a", "914403001922038216", "1", "001").ok());
}

TEST_CASE("natural persons appear only as keyed commitments", "[identifiers][privacy]") {
  crypto::Bytes key(32, 0x42);
  auto c1 = PersonCommitment(crypto::HashAlgorithm::kSha256, key, "11010519491231002X");
  auto c2 = PersonCommitment(crypto::HashAlgorithm::kSha256, key, "11010519491231002x");
  REQUIRE((c1.ok() && c2.ok()));
  CHECK(*c1 == *c2);  // normalised
  CHECK(c1->size() == 64);
  CHECK(*c1 == credledger::testing::Hex(crypto::Hmac(crypto::HashAlgorithm::kSha256, key,
                                                     crypto::AsBytes("11010519491231002X"))));
  // Not the plain hash of the ID, and different under another key.
  CHECK(*c1 != credledger::testing::Hex(crypto::Hash(crypto::HashAlgorithm::kSha256,
                                                     std::string_view("11010519491231002X"))));
  crypto::Bytes other(32, 0x43);
  CHECK(*PersonCommitment(crypto::HashAlgorithm::kSha256, other, "11010519491231002X") != *c1);
  CHECK(PersonCommitment(crypto::HashAlgorithm::kSm3, key, "11010519491231002X")->size() == 64);
  CHECK_FALSE(PersonCommitment(crypto::HashAlgorithm::kSha256, key, "110105194912310029").ok());
  CHECK_FALSE(
      PersonCommitment(crypto::HashAlgorithm::kSha256, crypto::Bytes(8, 1), "11010519491231002X")
          .ok());
}
