// Building blocks for validating record JSON: each check names the failing member by its
// JSON Pointer (RFC 6901) and the rule, as "InvalidArgument: /body/fine_fen: must be an
// integer number of fen >= 0". Pure functions.
#ifndef CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_
#define CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/status.h"
#include "ledger/canonical_json.h"

namespace credledger::records {

// A JSON Pointer that is rendered only when a violation names it: validation passes one down
// by reference to every check, and building the string for every field of every entry cost
// more than the checks themselves. A child refers to its parent and to its name, so it must
// not outlive either; use it within the expression or scope that made them.
class JsonPointer {
 public:
  // A root pointer: "" (the whole document) or a fixed path such as "/body".
  JsonPointer(const char* root) : name_(root) {}       // NOLINT: implicit by design
  JsonPointer(std::string_view root) : name_(root) {}  // NOLINT

  // The pointer of member `name` below `parent` ('~' and '/' escaped when rendered).
  JsonPointer(const JsonPointer& parent, std::string_view name) : parent_(&parent), name_(name) {}
  // The pointer of array element `index` below `parent`.
  JsonPointer(const JsonPointer& parent, size_t index)
      : parent_(&parent), index_(index), is_index_(true) {}

  std::string str() const;

 private:
  const JsonPointer* parent_ = nullptr;
  std::string_view name_;
  size_t index_ = 0;
  bool is_index_ = false;
};

inline JsonPointer Child(const JsonPointer& parent, std::string_view name) {
  return {parent, name};
}
inline JsonPointer Child(const JsonPointer& parent, size_t index) { return {parent, index}; }

// InvalidArgument "<pointer>: <rule>" (pointer "" is the whole document).
Status Violation(const JsonPointer& pointer, std::string_view rule);

// Member `name` of object `v`, looked up without building a string. Throws Json::exception
// if `v` is not an object or has no such member: callers check presence first, so a throw is
// a bug, which ValidateEntry turns into an Internal error.
const Json& At(const Json& v, std::string_view name);
// Whether object `v` has member `name`.
bool Has(const Json& v, std::string_view name);

// `v` is an object whose members are all in `required` or `optional`, with every `required`
// one present.
Status CheckObject(const Json& v, const JsonPointer& pointer,
                   std::initializer_list<std::string_view> required,
                   std::initializer_list<std::string_view> optional = {});
Status CheckObject(const Json& v, const JsonPointer& pointer,
                   std::span<const std::string_view> required,
                   std::span<const std::string_view> optional);
// A string of 1..max_chars Unicode characters (max_chars 0: no limit).
Status CheckText(const Json& v, const JsonPointer& pointer, size_t max_chars);
// One of `values`.
Status CheckEnum(const Json& v, const JsonPointer& pointer,
                 std::initializer_list<std::string_view> values);
// A calendar date "YYYY-MM-DD".
Status CheckDate(const Json& v, const JsonPointer& pointer);
// An RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z".
Status CheckTimestamp(const Json& v, const JsonPointer& pointer);
// 64 lowercase hex digits (a SHA-256/SM3 hash, a record id, a commitment).
bool IsHashHex(std::string_view s);
Status CheckHash(const Json& v, const JsonPointer& pointer);
// An integer amount of fen (分), 0 <= v < 2^53: never a float.
Status CheckFen(const Json& v, const JsonPointer& pointer);
Status CheckBool(const Json& v, const JsonPointer& pointer);
// A GB 32100 code (check character verified).
Status CheckUscc(const Json& v, const JsonPointer& pointer);
// A GB/T 2260 administrative area code: 6 digits.
Status CheckAreaCode(const Json& v, const JsonPointer& pointer);
// An array of min..max elements.
Status CheckArray(const Json& v, const JsonPointer& pointer, size_t min, size_t max);
// An array of at most `max` hashes (CheckHash).
Status CheckHashArray(const Json& v, const JsonPointer& pointer, size_t max);
// {"uscc", "name"} of an issuing, punishing or deciding authority.
Status CheckAuthority(const Json& v, const JsonPointer& pointer);

// A public key as genesis, config and enterprise_key entries carry it: {"alg": "p256" |
// "ed25519" | "sm2", "spki": base64 DER SubjectPublicKeyInfo}, `alg` matching the key.
Result<crypto::PublicKey> ParsePublicKey(const Json& v, const JsonPointer& pointer);

// Text limits, in characters: codes and numbers, names, free text.
inline constexpr size_t kShortText = 64;
inline constexpr size_t kName = 200;
inline constexpr size_t kLongText = 1000;

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_
