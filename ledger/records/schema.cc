#include "ledger/records/schema.h"

#include <algorithm>

#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"

namespace credledger::records {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool ValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  return IsCalendarDate(Number(s.substr(0, 4)), Number(s.substr(5, 2)), Number(s.substr(8, 2)));
}

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string JsonPointer::str() const {
  if (parent_ == nullptr) return std::string(name_);
  std::string out = parent_->str();
  out += '/';
  if (is_index_) return out + std::to_string(index_);
  for (char c : name_) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

Status Violation(const JsonPointer& pointer, std::string_view rule) {
  return Status::InvalidArgument(pointer.str() + ": " + std::string(rule));
}

const Json& At(const Json& v, std::string_view name) {
  const auto& members = v.get_ref<const Json::object_t&>();
  auto it = members.find(name);
  if (it == members.end()) return v.at(std::string(name));  // throws Json::out_of_range
  return it->second;
}

bool Has(const Json& v, std::string_view name) {
  return v.is_object() && v.get_ref<const Json::object_t&>().contains(name);
}

Status CheckObject(const Json& v, const JsonPointer& pointer,
                   std::span<const std::string_view> required,
                   std::span<const std::string_view> optional) {
  if (!v.is_object()) return Violation(pointer, "must be an object");
  auto known = [](std::span<const std::string_view> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  // Names are unique in both the object and the lists, so counting required members found is
  // enough; the missing one is looked for only on failure.
  size_t required_found = 0;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (known(required, it.key())) {
      ++required_found;
    } else if (!known(optional, it.key())) {
      return Violation(Child(pointer, it.key()), "unknown member");
    }
  }
  if (required_found == required.size()) return Status::Ok();
  const auto& members = v.get_ref<const Json::object_t&>();
  for (std::string_view name : required) {
    if (members.find(name) == members.end()) return Violation(Child(pointer, name), "is required");
  }
  return Status::Ok();
}

Status CheckObject(const Json& v, const JsonPointer& pointer,
                   std::initializer_list<std::string_view> required,
                   std::initializer_list<std::string_view> optional) {
  return CheckObject(v, pointer, std::span(required.begin(), required.size()),
                     std::span(optional.begin(), optional.size()));
}

Status CheckText(const Json& v, const JsonPointer& pointer, size_t max_chars) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    return Violation(pointer, "must be a non-empty string");
  }
  if (max_chars > 0 && Utf8Length(v.get_ref<const std::string&>()) > max_chars) {
    return Violation(pointer, "must be at most " + std::to_string(max_chars) + " characters");
  }
  return Status::Ok();
}

Status CheckEnum(const Json& v, const JsonPointer& pointer,
                 std::initializer_list<std::string_view> values) {
  if (v.is_string() &&
      std::find(values.begin(), values.end(), v.get_ref<const std::string&>()) != values.end()) {
    return Status::Ok();
  }
  std::string list;
  for (std::string_view value : values) list += (list.empty() ? "" : ", ") + std::string(value);
  return Violation(pointer, "must be one of: " + list);
}

Status CheckDate(const Json& v, const JsonPointer& pointer) {
  if (!v.is_string() || !ValidDate(v.get_ref<const std::string&>())) {
    return Violation(pointer, "must be a calendar date YYYY-MM-DD");
  }
  return Status::Ok();
}

Status CheckTimestamp(const Json& v, const JsonPointer& pointer) {
  auto bad = [&] {
    return Violation(pointer, "must be an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SS[.fff]Z");
  };
  if (!v.is_string()) return bad();
  std::string_view s = v.get_ref<const std::string&>();
  if (s.size() < 20 || !ValidDate(s.substr(0, 10)) || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s.back() != 'Z') {
    return bad();
  }
  std::string_view hh = s.substr(11, 2), mm = s.substr(14, 2), ss = s.substr(17, 2);
  if (!AllDigits(hh) || !AllDigits(mm) || !AllDigits(ss) || Number(hh) > 23 || Number(mm) > 59 ||
      Number(ss) > 59) {
    return bad();
  }
  std::string_view rest = s.substr(19, s.size() - 20);  // between seconds and 'Z'
  if (!rest.empty() &&
      (rest[0] != '.' || rest.size() < 2 || rest.size() > 4 || !AllDigits(rest.substr(1)))) {
    return bad();
  }
  return Status::Ok();
}

bool IsHashHex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Status CheckHash(const Json& v, const JsonPointer& pointer) {
  if (v.is_string() && IsHashHex(v.get_ref<const std::string&>())) return Status::Ok();
  return Violation(pointer, "must be 64 lowercase hex digits");
}

Status CheckFen(const Json& v, const JsonPointer& pointer) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return Violation(pointer, "must be an integer number of fen >= 0 (amounts are never floats)");
  }
  return Status::Ok();
}

Status CheckBool(const Json& v, const JsonPointer& pointer) {
  return v.is_boolean() ? Status::Ok() : Violation(pointer, "must be true or false");
}

Status CheckUscc(const Json& v, const JsonPointer& pointer) {
  if (!v.is_string()) return Violation(pointer, "must be a unified social credit code string");
  Status s = ValidateUscc(v.get_ref<const std::string&>());
  return s.ok() ? s : Violation(pointer, s.message());
}

Status CheckAreaCode(const Json& v, const JsonPointer& pointer) {
  if (!v.is_string() || v.get_ref<const std::string&>().size() != 6 ||
      !AllDigits(v.get_ref<const std::string&>())) {
    return Violation(pointer, "must be a 6-digit GB/T 2260 area code");
  }
  return Status::Ok();
}

Status CheckArray(const Json& v, const JsonPointer& pointer, size_t min, size_t max) {
  if (!v.is_array()) return Violation(pointer, "must be an array");
  if (v.size() < min || v.size() > max) {
    return Violation(
        pointer, "must have " + std::to_string(min) + " to " + std::to_string(max) + " elements");
  }
  return Status::Ok();
}

Status CheckAuthority(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {"uscc", "name"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(v, "uscc"), Child(p, "uscc")));
  return CheckText(At(v, "name"), Child(p, "name"), kName);
}

Result<crypto::PublicKey> ParsePublicKey(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {"alg", "spki"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckEnum(At(v, "alg"), Child(p, "alg"), {"p256", "ed25519", "sm2"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(v, "spki"), Child(p, "spki"), 0));
  auto der = crypto::Base64Decode(At(v, "spki").get<std::string>());
  if (!der.ok()) return Violation(Child(p, "spki"), "must be base64");
  auto key = crypto::PublicKey::FromDer(*der);
  if (!key.ok()) return Violation(Child(p, "spki"), key.status().message());
  if (crypto::KeyAlgorithmName(key->algorithm()) != At(v, "alg").get<std::string>()) {
    return Violation(Child(p, "alg"), "does not match the key, which is " +
                                          std::string(crypto::KeyAlgorithmName(key->algorithm())));
  }
  return key;
}

Status CheckHashArray(const Json& v, const JsonPointer& p, size_t max) {
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(v, p, 0, max));
  for (size_t i = 0; i < v.size(); ++i) CREDLEDGER_RETURN_IF_ERROR(CheckHash(v[i], Child(p, i)));
  return Status::Ok();
}

}  // namespace credledger::records
