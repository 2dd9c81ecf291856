// Strict JSON parsing and RFC 8785 (JCS) canonical serialization.
//
// Entries, block headers and every other signed or hashed JSON are hashed and signed over the
// bytes CanonicalJson writes. The parser accepts exactly RFC 8259 JSON that is also I-JSON
// (RFC 7493), and rejects with InvalidArgument, naming the offset and the rule:
//   - invalid UTF-8 anywhere, unpaired surrogate escapes, raw control characters in strings;
//   - duplicate member names (compared after unescaping);
//   - nesting deeper than ParseOptions::max_depth;
//   - numbers that do not fit an IEEE 754 double (overflow, underflow to zero or a subnormal
//     from a non-zero literal), and integer literals (no fraction, no exponent) beyond
//     +/-2^53 that a double would silently round (money in fen must never change value);
//     a double's exact digits or its RFC 8785 form (1e20 is written 100000000000000000000)
//     are read as that double, so canonical text always parses back.
// Numbers are IEEE 754 doubles as RFC 8785 requires; integral values within +/-2^53 are held
// as integers in the DOM so domain code can read them exactly.
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_LEDGER_CANONICAL_JSON_H_
#define CREDLEDGER_LEDGER_CANONICAL_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace credledger {

using Json = nlohmann::json;

// The largest integer magnitude a double holds exactly (2^53).
inline constexpr int64_t kMaxExactJsonInteger = int64_t{1} << 53;

// The text of one array element as ParseOptions::member_array_elements reports it.
struct JsonElementText {
  std::string_view text;  // a view into the parsed text
  bool canonical;         // `text` is byte for byte what CanonicalJson writes for the element
};

struct ParseOptions {
  // Containers nested deeper than this are rejected (protects the stack). Default 64.
  int max_depth = 64;
  // If set, receives the text of each element of every array that is a member of the
  // top-level object, in order: a batch keeps each entry's canonical bytes instead of
  // serializing each parsed entry again.
  std::vector<JsonElementText>* member_array_elements = nullptr;
};

Result<Json> ParseJson(std::string_view text, const ParseOptions& options = {});
// As above, and sets *text_is_canonical to whether `text` is byte for byte what CanonicalJson
// writes for the result, so a caller holding canonical bytes can keep them instead of
// serializing again.
Result<Json> ParseJson(std::string_view text, bool* text_is_canonical,
                       const ParseOptions& options = {});

// RFC 8785 serialization of `value`. Errors (InvalidArgument): a string that is not valid
// UTF-8, a non-finite number, an integer beyond +/-2^53.
Result<std::string> CanonicalJson(const Json& value);

// A member of an object whose value is already RFC 8785 text.
struct JsonMember {
  std::string name;
  std::string text;  // the value's RFC 8785 text
};

// The RFC 8785 text of the object of `members`, in any order (sorted here as RFC 8785 sorts
// names), each value written as its text, unchecked: for a large document built from parts
// that are canonical already (stored entries, a signed object's members), which a DOM would
// parse and write again. Errors (InvalidArgument): a name that is not valid UTF-8, a
// duplicate name.
Result<std::string> CanonicalObject(std::vector<JsonMember> members);
// The members of `object` with their values' RFC 8785 texts, to add others to before
// CanonicalObject. Errors: those of CanonicalJson; InvalidArgument if `object` is not one.
Result<std::vector<JsonMember>> CanonicalMembers(const Json& object);

// ParseJson then CanonicalJson.
Result<std::string> CanonicalizeJson(std::string_view text, const ParseOptions& options = {});

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF): the rule the parser applies to every string.
bool IsValidUtf8(std::string_view text);

// The ECMAScript Number.prototype.toString form of a finite double (RFC 8785 section 3.2.2.3).
// REQUIRES: std::isfinite(value).
std::string EcmaScriptNumber(double value);

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_CANONICAL_JSON_H_
