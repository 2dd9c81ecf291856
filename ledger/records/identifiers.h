// Chinese national identifiers the records carry, validated exactly as their standards define
// (see ../shared/DOMAIN.md, "Identifiers"). Every function is pure. A failed check says which
// rule failed, so an API error can name it.
#ifndef CREDLEDGER_LEDGER_RECORDS_IDENTIFIERS_H_
#define CREDLEDGER_LEDGER_RECORDS_IDENTIFIERS_H_

#include <span>
#include <string>
#include <string_view>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/status.h"

namespace credledger::records {

// Days in month `m` (1-12) of year `y` (Gregorian).
int DaysInMonth(int y, int m);
// True for a real calendar date from 1900 on (dates in records and citizen IDs).
bool IsCalendarDate(int y, int m, int d);

// GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from
// "0123456789ABCDEFGHJKLMNPQRTUWXY"; the 18th is the check character over the first 17 with
// weights 3^(i-1) mod 31. Errors: InvalidArgument naming the rule (length, character, check).
Status ValidateUscc(std::string_view code);
// Length and alphabet only, without the check character: for historical pilot codes that were
// legally issued but fail the check (see DOMAIN.md), accepted only where explicitly flagged.
Status ValidateUsccShape(std::string_view code);
// The GB 32100 check character for the first 17 characters. REQUIRES: 17 valid characters.
char UsccCheckCharacter(std::string_view first17);

// GB 11714 organization code (positions 9-17 of a USCC): 8 digits/capital letters and a check
// character, weights 3 7 9 10 5 8 4 2, check 11 - (sum mod 11), 10 -> 'X', 11 -> '0'.
Status ValidateOrganizationCode(std::string_view code);

// GB 11643-1999 citizen identity number: 17 digits and an ISO 7064 MOD 11-2 check character
// ('0'-'9' or 'X'), the 6-digit area code not all zero and a valid birth date (YYYYMMDD).
// Never store one: see PersonCommitment.
Status ValidateCitizenId(std::string_view id);

// ISO/IEC 7064 hybrid MOD 37,36 over digits and capital letters: the check character that
// makes `data` + check valid.
Result<char> Mod3736CheckCharacter(std::string_view data);
// True if the last character of `data_with_check` is its MOD 37,36 check character.
bool Mod3736Valid(std::string_view data_with_check);

// E-license identifier (GB/T 36904, as deployed):
// 1.2.156.3005.2.<type code>.<issuing authority USCC>.<serial>.<3-digit version>.<check>, the
// check character by MOD 37,36 over every field before it with the dots removed, the OID
// prefix included ("1215630052" + type code + USCC + serial + version).
struct LicenseIdentifier {
  std::string type_code;
  std::string issuer_uscc;
  std::string serial;
  std::string version;
  char check = 0;
};
Result<LicenseIdentifier> ParseLicenseIdentifier(std::string_view id);
// Builds the identifier with its check character. Errors as ParseLicenseIdentifier's.
Result<std::string> MakeLicenseIdentifier(std::string_view type_code, std::string_view issuer_uscc,
                                          std::string_view serial, std::string_view version);

// A natural person's keyed commitment (DOMAIN.md, Privacy): lowercase hex
// HMAC(key, validated citizen ID with 'x' upper-cased). The key stays off the ledger, so
// the small ID space cannot be enumerated from the log. Errors: InvalidArgument for an
// invalid ID or an empty (or shorter than 16 bytes) key.
Result<std::string> PersonCommitment(crypto::HashAlgorithm alg, std::span<const uint8_t> key,
                                     std::string_view citizen_id);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_IDENTIFIERS_H_
