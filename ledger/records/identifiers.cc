#include "ledger/records/identifiers.h"

#include <array>

namespace credledger::records {
namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::array<int, 17> kCitizenWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                 3, 7, 9,  10, 5, 8, 4, 2};
constexpr std::string_view kCitizenChecks = "10X98765432";  // by sum mod 11
constexpr std::string_view kLicensePrefix = "1.2.156.3005.2.";

int UsccValue(char c) {
  size_t pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// 0-9 -> 0-9, A-Z -> 10-35; -1 otherwise.
int AlnumValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

}  // namespace

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool IsCalendarDate(int y, int m, int d) {
  return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

char UsccCheckCharacter(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += UsccValue(first17[i]) * kUsccWeights[i];
  return kUsccAlphabet[static_cast<size_t>((31 - sum % 31) % 31)];
}

Status ValidateUsccShape(std::string_view code) {
  if (code.size() != 18) {
    return Status::InvalidArgument("a unified social credit code has 18 characters, not " +
                                   std::to_string(code.size()));
  }
  for (size_t i = 0; i < 18; ++i) {
    if (UsccValue(code[i]) < 0) {
      // A byte outside printable ASCII (part of a multi-byte character, a control) is named
      // by its hex value: quoted alone it would be invalid UTF-8 in every message that
      // carries this one (a problem body, a bundle verdict).
      const auto byte = static_cast<unsigned char>(code[i]);
      static constexpr char kHex[] = "0123456789abcdef";
      std::string shown;
      if (byte >= 0x20 && byte < 0x7f) {
        shown = {'\'', code[i], '\''};
      } else {
        shown = {'b', 'y', 't', 'e', ' ', '0', 'x', kHex[byte >> 4], kHex[byte & 15]};
      }
      return Status::InvalidArgument("character " + std::to_string(i + 1) + " (" + shown +
                                     ") is not in the GB 32100 alphabet "
                                     "0-9 A-H J-N P-R T U W-Y");
    }
  }
  return Status::Ok();
}

Status ValidateUscc(std::string_view code) {
  CREDLEDGER_RETURN_IF_ERROR(ValidateUsccShape(code));
  char want = UsccCheckCharacter(code.substr(0, 17));
  if (code[17] != want) {
    return Status::InvalidArgument("GB 32100 check character is '" + std::string(1, code[17]) +
                                   "', expected '" + std::string(1, want) + "'");
  }
  return Status::Ok();
}

Status ValidateOrganizationCode(std::string_view code) {
  if (code.size() != 9) {
    return Status::InvalidArgument("an organization code has 9 characters, not " +
                                   std::to_string(code.size()));
  }
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    int v = AlnumValue(code[i]);
    if (v < 0) {
      return Status::InvalidArgument("organization code character " + std::to_string(i + 1) +
                                     " is not a digit or capital letter");
    }
    sum += v * kOrgWeights[i];
  }
  int c = 11 - sum % 11;
  char want = c == 10 ? 'X' : c == 11 ? '0' : static_cast<char>('0' + c);
  if (code[8] != want) {
    return Status::InvalidArgument("GB 11714 check character is '" + std::string(1, code[8]) +
                                   "', expected '" + std::string(1, want) + "'");
  }
  return Status::Ok();
}

Status ValidateCitizenId(std::string_view id) {
  if (id.size() != 18) {
    return Status::InvalidArgument("a citizen ID number has 18 characters, not " +
                                   std::to_string(id.size()));
  }
  if (!IsDigits(id.substr(0, 17))) {
    return Status::InvalidArgument("the first 17 characters of a citizen ID number are digits");
  }
  if (id.substr(0, 6) == "000000") return Status::InvalidArgument("citizen ID area code is 000000");
  int y = std::stoi(std::string(id.substr(6, 4)));
  int m = std::stoi(std::string(id.substr(10, 2)));
  int d = std::stoi(std::string(id.substr(12, 2)));
  if (!IsCalendarDate(y, m, d)) {
    return Status::InvalidArgument("citizen ID birth date " + std::string(id.substr(6, 8)) +
                                   " is not a valid date");
  }
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * kCitizenWeights[i];
  char want = kCitizenChecks[static_cast<size_t>(sum % 11)];
  char got = id[17] == 'x' ? 'X' : id[17];
  if (got != want) {
    return Status::InvalidArgument("GB 11643 check character is '" + std::string(1, id[17]) +
                                   "', expected '" + std::string(1, want) + "'");
  }
  return Status::Ok();
}

Result<char> Mod3736CheckCharacter(std::string_view data) {
  // ISO/IEC 7064 hybrid system with M = 36: P starts at M; for each character,
  // S = (P + value) mod M (0 -> M), P = 2S mod (M + 1); the check c makes (P + c) mod M = 1.
  constexpr int kM = 36;
  int p = kM;
  for (size_t i = 0; i < data.size(); ++i) {
    int v = AlnumValue(data[i]);
    if (v < 0) {
      return Status::InvalidArgument("character " + std::to_string(i + 1) + " ('" +
                                     std::string(1, data[i]) +
                                     "') is not a digit or capital letter");
    }
    int s = (p + v) % kM;
    if (s == 0) s = kM;
    p = (2 * s) % (kM + 1);
  }
  int c = (kM + 1 - p) % kM;
  return static_cast<char>(c < 10 ? '0' + c : 'A' + (c - 10));
}

bool Mod3736Valid(std::string_view data_with_check) {
  if (data_with_check.size() < 2) return false;
  auto want = Mod3736CheckCharacter(data_with_check.substr(0, data_with_check.size() - 1));
  return want.ok() && *want == data_with_check.back();
}

namespace {

Status CheckLicenseFields(std::string_view type_code, std::string_view issuer_uscc,
                          std::string_view serial, std::string_view version) {
  if (type_code.empty() || !Mod3736CheckCharacter(type_code).ok()) {
    return Status::InvalidArgument("license type code must be non-empty digits/capital letters");
  }
  if (Status s = ValidateUscc(issuer_uscc); !s.ok()) {
    return s.WithContext("license issuing authority");
  }
  if (serial.empty() || !Mod3736CheckCharacter(serial).ok()) {
    return Status::InvalidArgument("license serial must be non-empty digits/capital letters");
  }
  if (version.size() != 3 || !IsDigits(version)) {
    return Status::InvalidArgument("license version must be 3 digits");
  }
  return Status::Ok();
}

}  // namespace

Result<LicenseIdentifier> ParseLicenseIdentifier(std::string_view id) {
  if (id.substr(0, kLicensePrefix.size()) != kLicensePrefix) {
    return Status::InvalidArgument("an e-license identifier starts with 1.2.156.3005.2.");
  }
  auto parts = Split(id.substr(kLicensePrefix.size()), '.');
  if (parts.size() != 5) {
    return Status::InvalidArgument(
        "an e-license identifier has 5 fields after 1.2.156.3005.2: type code, issuing "
        "authority USCC, serial, version, check");
  }
  LicenseIdentifier out{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                        std::string(parts[3])};
  CREDLEDGER_RETURN_IF_ERROR(CheckLicenseFields(parts[0], parts[1], parts[2], parts[3]));
  if (parts[4].size() != 1) return Status::InvalidArgument("license check field is one character");
  std::string data;
  for (std::string_view field : Split(id.substr(0, id.size() - 2), '.')) data += field;
  CREDLEDGER_ASSIGN_OR_RETURN(char want, Mod3736CheckCharacter(data));
  if (parts[4][0] != want) {
    return Status::InvalidArgument("MOD 37,36 check character is '" + std::string(parts[4]) +
                                   "', expected '" + std::string(1, want) + "'");
  }
  out.check = want;
  return out;
}

Result<std::string> MakeLicenseIdentifier(std::string_view type_code, std::string_view issuer_uscc,
                                          std::string_view serial, std::string_view version) {
  CREDLEDGER_RETURN_IF_ERROR(CheckLicenseFields(type_code, issuer_uscc, serial, version));
  std::string id = std::string(kLicensePrefix) + std::string(type_code) + "." +
                   std::string(issuer_uscc) + "." + std::string(serial) + "." +
                   std::string(version);
  std::string data;
  for (std::string_view field : Split(id, '.')) data += field;
  CREDLEDGER_ASSIGN_OR_RETURN(char check, Mod3736CheckCharacter(data));
  return id + "." + check;
}

Result<std::string> PersonCommitment(crypto::HashAlgorithm alg, std::span<const uint8_t> key,
                                     std::string_view citizen_id) {
  if (key.size() < 16) {
    return Status::InvalidArgument("the commitment key must be at least 16 bytes");
  }
  CREDLEDGER_RETURN_IF_ERROR(ValidateCitizenId(citizen_id));
  std::string normalized(citizen_id);
  if (normalized[17] == 'x') normalized[17] = 'X';
  return crypto::HexEncode(crypto::Hmac(alg, key, crypto::AsBytes(normalized)));
}

}  // namespace credledger::records
