// Building blocks for validating record JSON: each check names the failing member by its
// JSON Pointer (RFC 6901) and the rule, as "InvalidArgument: /body/fine_fen: must be an
// integer number of fen >= 0". Pure functions.
#ifndef CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_
#define CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/canonical_json.h"

namespace credledger::records {

// InvalidArgument "<pointer>: <rule>" (pointer "" is the whole document).
Status Violation(std::string_view pointer, std::string_view rule);
// The pointer of member `name` below `parent` (escaping '~' and '/').
std::string Child(std::string_view parent, std::string_view name);
std::string Child(std::string_view parent, size_t index);

// `v` is an object whose members are all in `required` or `optional`, with every `required`
// one present.
Status CheckObject(const Json& v, std::string_view pointer,
                   std::initializer_list<std::string_view> required,
                   std::initializer_list<std::string_view> optional = {});
// A string of 1..max_chars Unicode characters (max_chars 0: no limit).
Status CheckText(const Json& v, std::string_view pointer, size_t max_chars);
// One of `values`.
Status CheckEnum(const Json& v, std::string_view pointer,
                 std::initializer_list<std::string_view> values);
// A calendar date "YYYY-MM-DD".
Status CheckDate(const Json& v, std::string_view pointer);
// An RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z".
Status CheckTimestamp(const Json& v, std::string_view pointer);
// 64 lowercase hex digits (a SHA-256/SM3 hash, a record id, a commitment).
Status CheckHash(const Json& v, std::string_view pointer);
// An integer amount of fen (分), 0 <= v < 2^53: never a float.
Status CheckFen(const Json& v, std::string_view pointer);
Status CheckBool(const Json& v, std::string_view pointer);
// A GB 32100 code (check character verified).
Status CheckUscc(const Json& v, std::string_view pointer);
// A GB/T 2260 administrative area code: 6 digits.
Status CheckAreaCode(const Json& v, std::string_view pointer);
// An array of min..max elements.
Status CheckArray(const Json& v, std::string_view pointer, size_t min, size_t max);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_SCHEMA_H_
