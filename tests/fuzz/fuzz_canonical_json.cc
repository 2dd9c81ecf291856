// The RFC 8785 parser and canonicalizer on arbitrary bytes. Invariants: whatever parses
// canonicalizes; the canonical text parses back to an equal value and is itself reported
// canonical; text reported canonical is byte for byte what canonicalization writes.
#include "ledger/canonical_json.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using credledger::fuzz::Check;
  const std::string_view text = credledger::fuzz::AsText(data, size);
  bool text_is_canonical = false;
  auto parsed = credledger::ParseJson(text, &text_is_canonical);
  if (!parsed.ok()) return 0;
  auto canonical = credledger::CanonicalJson(*parsed);
  Check(canonical.ok(), "a parsed value canonicalizes");
  Check(!text_is_canonical || *canonical == text, "text said canonical is the canonical text");
  bool again_canonical = false;
  auto reparsed = credledger::ParseJson(*canonical, &again_canonical);
  Check(reparsed.ok(), "canonical text parses");
  Check(again_canonical, "canonical text is reported canonical");
  Check(*reparsed == *parsed, "canonical text parses to the same value");
  return 0;
}
