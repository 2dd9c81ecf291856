// The shared sample records (tests/fixtures/records/, one unsigned entry per record type).
#ifndef CREDLEDGER_TESTS_FIXTURES_H_
#define CREDLEDGER_TESTS_FIXTURES_H_

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "ledger/canonical_json.h"

namespace credledger::testing {

// The repository's root (set by tests/CMakeLists.txt).
inline std::string SourceDir() { return CREDLEDGER_SOURCE_DIR; }

// The sample entry of record type `type` ("penalty"), unsigned.
inline Json SampleEntry(std::string_view type) {
  const std::string path = SourceDir() + "/tests/fixtures/records/" + std::string(type) + ".json";
  std::ifstream in(path, std::ios::binary);
  INFO("sample record " << path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJson(text.str());
  REQUIRE(parsed.ok());
  return *parsed;
}

// A sample status change or credit repair acting on record `target`.
inline Json SampleChange(std::string_view type, const std::string& target) {
  Json e = SampleEntry(type);
  e["body"]["target"] = target;
  e["refs"] = {target};
  return e;
}

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_FIXTURES_H_
