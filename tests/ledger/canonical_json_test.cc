#include "ledger/canonical_json.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>

using namespace credledger;

namespace {

std::string Canon(std::string_view in) {
  auto r = CanonicalizeJson(in);
  if (!r.ok()) FAIL("canonicalize failed: " << r.status().ToString() << " for " << in);
  return *r;
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

}  // namespace

TEST_CASE("RFC 8785 section 3.2.2 example", "[jcs]") {
  // Note 333333333.33333329 is the RFC's own input.
  const char* in = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  CHECK(Canon(in) ==
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST_CASE("RFC 8785 section 3.2.3 sorts member names by UTF-16 code units", "[jcs]") {
  const char* in = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  // Expected order from the RFC: \r, 1, U+0080, U+00F6, U+20AC, U+1F600, U+FB33 (the astral
  // emoji sorts before U+FB33 because its UTF-16 high surrogate 0xD83D < 0xFB33).
  CHECK(Canon(in) ==
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST_CASE("cyberphone/json-canonicalization testdata", "[jcs]") {
  // testdata/input/structures.json -> testdata/output/structures.json
  CHECK(Canon(R"({
  "1": {"f": {"f": "hi","F": 5} ,"\n": 56.0},
  "10": { },
  "": "empty",
  "a": { },
  "111": [ { } ],
  "A": { }
})") == R"({"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}})");
  // testdata/input/weird.json
  CHECK(Canon(R"({
  "\u20ac": "Euro Sign",
  "1": "One",
  "\u0080": "Control\u007f",
  "\ud83d\ude02": "Smiley",
  "\u00f6": "Latin Small Letter O With Diaeresis",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "</script>": "Browser Challenge"
})") == "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\xc2\x80\":\"Control\x7f\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x82\":\"Smiley\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
  // testdata/input/french.json: byte order, never locale order.
  CHECK(Canon("{\"peach\":1,\"p\xc3\xa9\x63h\xc3\xa9\":2,\"p\xc3\xaa\x63he\":3,\"sin\":4}") ==
        "{\"peach\":1,\"p\xc3\xa9\x63h\xc3\xa9\":2,\"p\xc3\xaa\x63he\":3,\"sin\":4}");
}

TEST_CASE("RFC 8785 appendix B number serialization", "[jcs]") {
  const std::pair<uint64_t, const char*> vectors[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
      // From the cyberphone es6 test file samples.
      {0x4340000000000001, "9007199254740994"},
      {0x4340000000000002, "9007199254740996"},
  };
  for (auto [bits, want] : vectors) {
    INFO(want);
    CHECK(EcmaScriptNumber(FromBits(bits)) == want);
    CHECK(*CanonicalJson(Json(FromBits(bits))) == want);
  }
  CHECK_FALSE(CanonicalJson(Json(FromBits(0x7ff0000000000000))).ok());  // +Infinity
  CHECK_FALSE(CanonicalJson(Json(FromBits(0x7ff8000000000000))).ok());  // NaN
}

TEST_CASE("numbers parse into exact integers or doubles, never silently rounded", "[jcs]") {
  CHECK(Canon("[-0, 0.0, 1.0, 1e2, 100E-2, -12.50, 9007199254740991, -9007199254740991]") ==
        "[0,0,1,100,1,-12.5,9007199254740991,-9007199254740991]");
  auto fen = ParseJson("{\"fine_fen\": 123456789012}");
  REQUIRE(fen.ok());
  CHECK((*fen)["fine_fen"].is_number_integer());
  CHECK((*fen)["fine_fen"].get<int64_t>() == 123456789012);
  for (const char* bad : {"9007199254740993", "-9007199254740993", "100000000000000000001",
                          "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "01", "1.",
                          ".5", "-", "+1", "1e", "0x10", "NaN", "Infinity", "1.5e+"}) {
    INFO(bad);
    auto r = CanonicalizeJson(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  // The same magnitude with a fraction or exponent is an ordinary double.
  CHECK(Canon("9007199254740993.0") == "9007199254740992");
  CHECK(Canon("1e30") == "1e+30");
  // An integer literal a double holds exactly is that double. RFC 8785 writes 1e20 in integer
  // digits, so canonical output must parse back (fuzz_canonical_json found it did not).
  CHECK(Canon("1e20") == "100000000000000000000");
  CHECK(Canon("100000000000000000000") == "100000000000000000000");
  CHECK(Canon("9007199254740992") == "9007199254740992");
  // 2^66: its exact digits, and its RFC 8785 form (shortest digits, then zeros).
  auto big = ParseJson("[-73786976294838206464, 73786976294838210000]");
  REQUIRE(big.ok());
  CHECK((*big)[0].is_number_float());  // not an integer a domain field would take as fen
  CHECK((*big)[1].get<double>() == 73786976294838206464.0);
  CHECK(Canon("123456789254741000") == "123456789254741000");
  CHECK_FALSE(CanonicalizeJson("73786976294838206465").ok());  // neither: a double rounds it
}

TEST_CASE("strings: escaping is exact and invalid text is rejected", "[jcs]") {
  CHECK(Canon(R"("\u0000\u0001\u001f\b\f\n\r\t\"\\\/\u007f")") ==
        "\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\x7f\"");
  CHECK(Canon("\"\xe4\xb8\xad\xe6\x96\x87\"") == "\"\xe4\xb8\xad\xe6\x96\x87\"");
  CHECK(Canon(R"("\u4e2d\u6587")") == "\"\xe4\xb8\xad\xe6\x96\x87\"");
  CHECK(Canon(R"("\uD83D\uDE00")") == "\"\xf0\x9f\x98\x80\"");
  const char* bad[] = {
      "\"\xff\"",              // not UTF-8
      "\"\xc0\xaf\"",          // overlong '/'
      "\"\xe0\x80\xaf\"",      // overlong
      "\"\xed\xa0\x80\"",      // UTF-8-encoded surrogate
      "\"\xf4\x90\x80\x80\"",  // above U+10FFFF
      "\"\xe4\xb8\"",          // truncated sequence
      "\"\\ud800\"",           // lone high surrogate
      "\"\\udc00\"",           // lone low surrogate
      "\"\\ud800\\u0041\"",    // high surrogate + non-low
      "\"\\u12\"",             // short escape
      "\"\\x41\"",             // unknown escape
      "\"a\nb\"",              // raw control character
      "\"unterminated",        //
  };
  for (const char* b : bad) {
    INFO(b);
    CHECK(CanonicalizeJson(b).status().code() == StatusCode::kInvalidArgument);
  }
  // A string in a DOM built by code is validated on output too.
  CHECK_FALSE(CanonicalJson(Json("\xff")).ok());
  CHECK_FALSE(CanonicalJson(Json{{"\xff", 1}}).ok());
}

TEST_CASE("structure errors are rejected with the offset and the rule", "[jcs]") {
  auto dup = CanonicalizeJson(R"({"a":1,"b":2,"a":3})");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("duplicate member name \"a\"") != std::string::npos);
  CHECK(dup.status().message().find("byte 13") != std::string::npos);
  // Duplicates are detected after unescaping.
  CHECK_FALSE(CanonicalizeJson(R"({"a":1,"\u0061":2})").ok());
  for (const char* bad : {"", " ", "{", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "nul",
                          "truex", "[] []", "{\"a\":1}}", "\xef\xbb\xbf{}"}) {
    INFO(bad);
    CHECK(CanonicalizeJson(bad).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("deep nesting is bounded, not a stack overflow", "[jcs]") {
  std::string ok_depth = std::string(64, '[') + std::string(64, ']');
  CHECK(CanonicalizeJson(ok_depth).ok());
  std::string too_deep = std::string(65, '[') + std::string(65, ']');
  auto r = CanonicalizeJson(too_deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("nesting deeper than 64") != std::string::npos);
  // A hostile document a million levels deep fails fast and cleanly.
  std::string hostile = std::string(1'000'000, '[');
  CHECK_FALSE(CanonicalizeJson(hostile).ok());
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  CHECK_FALSE(CanonicalizeJson(objects).ok());
  ParseOptions deeper;
  deeper.max_depth = 200;
  std::string d200 = std::string(200, '[') + std::string(200, ']');
  CHECK(CanonicalizeJson(d200, deeper).ok());
}

TEST_CASE("canonicalization is idempotent and whitespace-insensitive", "[jcs]") {
  const char* in = " { \"z\" : [ 1 , { \"b\" : null , \"a\" : true } ] ,\t\"y\":\r\n\"\" } ";
  std::string once = Canon(in);
  CHECK(once == R"({"y":"","z":[1,{"a":true,"b":null}]})");
  CHECK(Canon(once) == once);
}

TEST_CASE("the parser recognises text that is already canonical", "[jcs]") {
  // The flag must equal "CanonicalJson(parsed) == text" for every input, canonical or not.
  auto check = [](const std::string& text) {
    bool canonical = false;
    auto parsed = ParseJson(text, &canonical);
    REQUIRE(parsed.ok());
    auto written = CanonicalJson(*parsed);
    REQUIRE(written.ok());
    INFO(text);
    CHECK(canonical == (*written == text));
  };
  for (const char* text :
       {R"({"a":1,"b":[true,false,null],"c":{"d":"e"}})",  // canonical
        R"({"b":1,"a":2})",                                // out of order
        R"({"a":1 })", " 1", "[1,\n2]",                    // whitespace
        R"("\/")", R"("\u0041")", R"("\u000F")", R"("\u000f")", R"("\u0008")", R"("\b")",
        R"("\u001f")", R"("\"\\")", "\"\x7f\"", "\"\xc3\xb6\"", R"("\u00f6")", "0", "-0", "1.0",
        "1E2", "100", "1e+30", "1e30", "0.002", "2e-3", "-1.5", "4.50", "333333333.3333333",
        "9007199254740991", "1e21", "1e+21", "0.000001", "1e-7",
        // U+FB33 sorts after U+1F600 in UTF-16, before it in UTF-8 bytes.
        "{\"\xf0\x9f\x98\x80\":1,\"\xef\xac\xb3\":2}",
        "{\"\xef\xac\xb3\":2,\"\xf0\x9f\x98\x80\":1}", R"({"":1,"a":{}})", R"({"a":{},"":1})", "[]",
        "{}", "[{}]", R"({"a":[]})"}) {
    check(text);
  }
  // Generated documents written both canonically and by nlohmann's own (non-canonical) writer.
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 8) % 1000; };
  const char* names[] = {"a", "b", "aa", "\r", "\xc3\xb6", "\xef\xac\xb3", "\xf0\x9f\x98\x80", ""};
  std::function<Json(int)> generate = [&](int depth) -> Json {
    switch (depth > 2 ? next() % 4 : next() % 6) {
      case 0:
        return static_cast<int64_t>(next()) - 500;
      case 1:
        return static_cast<double>(next()) / 8.0 + 0.0625;
      case 2:
        return std::string(names[next() % 8]) + (next() % 2 ? "\n\"/" : "x");
      case 3:
        return next() % 2 == 0;
      case 4: {
        Json a = Json::array();
        for (uint32_t i = next() % 4; i > 0; --i) a.push_back(generate(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (uint32_t i = next() % 5; i > 0; --i) o[names[next() % 8]] = generate(depth + 1);
        return o;
      }
    }
  };
  for (int i = 0; i < 2000; ++i) {
    Json value = generate(0);
    auto canonical = CanonicalJson(value);
    REQUIRE(canonical.ok());
    check(*canonical);
    check(value.dump());
    check(value.dump(1));
  }
}

TEST_CASE(
    "the elements of an object's array members come with their text and whether it is "
    "canonical",
    "[jcs]") {
  std::vector<JsonElementText> texts;
  const std::string text =
      R"({"a":[{"x":1,"y":[2]}, {"y":1,"x":2},"s",[3, 4]],"b":{"c":[5]},"d":[[6]],"e":7})";
  auto parsed = ParseJson(text, {.member_array_elements = &texts});
  REQUIRE(parsed.ok());
  // Only arrays that are members of the top-level object: not b.c, not the inner [6] or [3, 4].
  REQUIRE(texts.size() == 5);
  CHECK(texts[0].text == R"({"x":1,"y":[2]})");
  CHECK(texts[0].canonical);
  CHECK(texts[1].text == R"({"y":1,"x":2})");
  CHECK(!texts[1].canonical);  // members out of order
  CHECK(texts[2].text == R"("s")");
  CHECK(texts[2].canonical);
  CHECK(texts[3].text == "[3, 4]");
  CHECK(!texts[3].canonical);  // whitespace inside
  CHECK(texts[4].text == "[6]");
  CHECK(texts[4].canonical);
  // Each flag agrees with serializing the element again, and the whole text's flag is kept.
  for (size_t i = 0; i < texts.size(); ++i) {
    const Json& element = i < 4 ? (*parsed)["a"][i] : (*parsed)["d"][0];
    CHECK(texts[i].canonical == (CanonicalJson(element).value() == texts[i].text));
  }
  bool canonical = true;
  texts.clear();
  REQUIRE(ParseJson(R"({"a":[1,2]})", &canonical, {.member_array_elements = &texts}).ok());
  CHECK(canonical);
  REQUIRE(ParseJson(R"({"a":[1, 2]})", &canonical, {.member_array_elements = &texts}).ok());
  CHECK(!canonical);
  CHECK(texts.size() == 4);
  // Top-level arrays and arrays in arrays are not members of an object.
  texts.clear();
  REQUIRE(ParseJson("[[1],[2]]", {.member_array_elements = &texts}).ok());
  CHECK(texts.empty());
}

TEST_CASE("an object written from its members' texts is the RFC 8785 text of the object", "[jcs]") {
  // U+FB33 sorts after U+1F600 in UTF-16 (RFC 8785's order), before it in UTF-8 bytes.
  const Json object = {{"\xf0\x9f\x98\x80", 1},
                       {"\xef\xac\xb3", {{"b", 2}, {"a", "x\ny"}}},
                       {"", Json::array()},
                       {"aa", nullptr},
                       {"a", 1.5}};
  std::vector<JsonMember> members = CanonicalMembers(object).value();
  REQUIRE(members.size() == 5);
  const std::string want = CanonicalJson(object).value();
  CHECK(CanonicalObject(members).value() == want);
  std::reverse(members.begin(), members.end());  // any order in, RFC 8785 order out
  CHECK(CanonicalObject(members).value() == want);
  CHECK(CanonicalObject({}).value() == "{}");
  // Names are escaped as RFC 8785 escapes them; values are taken as given.
  CHECK(CanonicalObject({{"q\"", "1"}, {"e", R"({"z":1})"}}).value() == R"({"e":{"z":1},"q\"":1})");
  CHECK(CanonicalObject({{"a", "1"}, {"a", "2"}}).status().code() == StatusCode::kInvalidArgument);
  CHECK(CanonicalObject({{"\xff", "1"}}).status().code() == StatusCode::kInvalidArgument);
  CHECK(CanonicalMembers(Json::array()).status().code() == StatusCode::kInvalidArgument);
}
