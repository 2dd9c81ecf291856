#include "ledger/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace credledger {
namespace {

Status ParseError(size_t offset, std::string_view what) {
  return Status::InvalidArgument("invalid JSON at byte " + std::to_string(offset) + ": " +
                                 std::string(what));
}

// Decodes one UTF-8 sequence at s[*pos]; advances *pos. Returns -1 on any malformation
// (overlong forms, surrogates, code points above U+10FFFF, truncation).
int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = *pos, n = s.size();
  uint8_t b0 = p[i];
  int32_t cp;
  size_t len;
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    cp = b0 & 0x1F;
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    cp = b0 & 0x0F;
    len = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    cp = b0 & 0x07;
    len = 4;
  } else {
    return -1;
  }
  if (i + len > n) return -1;
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::u16string Utf16(std::string_view utf8) {
  std::u16string out;
  size_t pos = 0;
  while (pos < utf8.size()) {
    int32_t cp = DecodeUtf8(utf8, &pos);
    if (cp < 0) break;  // validated before sorting
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// RFC 8785 section 3.2.3 member order: by UTF-16 code units. UTF-8 byte order is the same
// unless a name has a character at or above U+E000 (UTF-8 lead byte 0xEE or more): UTF-16 puts
// astral characters (surrogates, 0xD800..) before those.
bool NeedsUtf16Order(std::string_view name) {
  return std::any_of(name.begin(), name.end(),
                     [](char c) { return static_cast<uint8_t>(c) >= 0xEE; });
}

// True if member `a` comes strictly before member `b` in RFC 8785 order.
bool CanonicalNameOrder(std::string_view a, std::string_view b) {
  if (NeedsUtf16Order(a) || NeedsUtf16Order(b)) return Utf16(a) < Utf16(b);
  return a < b;
}

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options) : s_(text), options_(options) {}

  Result<Json> ParseDocument() {
    Json value;
    SkipSpace();
    CREDLEDGER_RETURN_IF_ERROR(ParseValue(&value, 0));
    SkipSpace();
    if (pos_ != s_.size()) return ParseError(pos_, "unexpected data after the JSON value");
    return value;
  }

  // Whether the text parsed is exactly what CanonicalJson writes for the value: no
  // whitespace, members in RFC 8785 order, strings escaped only where RFC 8785 escapes, numbers
  // in ECMAScript form. Tracked while parsing so that a caller handed canonical bytes (the usual
  // case: signers send them, stored entries are) need not serialize the value again.
  bool text_is_canonical() const { return canonical_; }

 private:
  void SkipSpace() {
    size_t start = pos_;
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
    if (pos_ != start) canonical_ = false;
  }

  bool Consume(std::string_view literal) {
    if (s_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  Status ParseValue(Json* out, int depth) {
    if (pos_ >= s_.size()) return ParseError(pos_, "unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"': {
        std::string str;
        CREDLEDGER_RETURN_IF_ERROR(ParseString(&str));
        *out = std::move(str);
        return Status::Ok();
      }
      case 't':
        if (Consume("true")) return (*out = true, Status::Ok());
        break;
      case 'f':
        if (Consume("false")) return (*out = false, Status::Ok());
        break;
      case 'n':
        if (Consume("null")) return (*out = nullptr, Status::Ok());
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
    }
    return ParseError(pos_, "expected a JSON value");
  }

  Status CheckDepth(int depth) {
    if (depth > options_.max_depth) {
      return ParseError(pos_, "nesting deeper than " + std::to_string(options_.max_depth));
    }
    return Status::Ok();
  }

  Status ParseObject(Json* out, int depth) {
    CREDLEDGER_RETURN_IF_ERROR(CheckDepth(depth));
    ++pos_;  // '{'
    *out = Json::object();
    const std::string* previous_name = nullptr;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return ParseError(pos_, "expected a member name");
      size_t key_offset = pos_;
      std::string key;
      CREDLEDGER_RETURN_IF_ERROR(ParseString(&key));
      // One look-up both detects a duplicate and makes the slot the value is parsed into.
      auto [slot, inserted] = out->get_ref<Json::object_t&>().try_emplace(std::move(key));
      if (!inserted) {
        return ParseError(key_offset, "duplicate member name \"" + slot->first + "\"");
      }
      if (canonical_ && previous_name != nullptr &&
          !CanonicalNameOrder(*previous_name, slot->first)) {
        canonical_ = false;
      }
      previous_name = &slot->first;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return ParseError(pos_, "expected ':'");
      ++pos_;
      SkipSpace();
      if (depth == 1 && options_.member_array_elements != nullptr && pos_ < s_.size() &&
          s_[pos_] == '[') {
        CREDLEDGER_RETURN_IF_ERROR(
            ParseArray(&slot->second, depth + 1, options_.member_array_elements));
      } else {
        CREDLEDGER_RETURN_IF_ERROR(ParseValue(&slot->second, depth));
      }
      SkipSpace();
      if (pos_ >= s_.size()) return ParseError(pos_, "unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return Status::Ok();
      }
      return ParseError(pos_, "expected ',' or '}'");
    }
  }

  // With `element_texts`, appends the text of each element to it.
  Status ParseArray(Json* out, int depth, std::vector<JsonElementText>* element_texts = nullptr) {
    CREDLEDGER_RETURN_IF_ERROR(CheckDepth(depth));
    ++pos_;  // '['
    *out = Json::array();
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      SkipSpace();
      Json value;
      if (element_texts == nullptr) {
        CREDLEDGER_RETURN_IF_ERROR(ParseValue(&value, depth));
      } else {
        const size_t start = pos_;
        const bool canonical_before = canonical_;
        canonical_ = true;  // for now: whether this element's text is canonical
        CREDLEDGER_RETURN_IF_ERROR(ParseValue(&value, depth));
        element_texts->push_back({s_.substr(start, pos_ - start), canonical_});
        canonical_ = canonical_before && canonical_;
      }
      out->push_back(std::move(value));
      SkipSpace();
      if (pos_ >= s_.size()) return ParseError(pos_, "unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return Status::Ok();
      }
      return ParseError(pos_, "expected ',' or ']'");
    }
  }

  // Reads 4 hex digits at pos_.
  int32_t ReadHex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_ + static_cast<size_t>(k)];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return -1;
      }
      v = v << 4 | d;
    }
    pos_ += 4;
    return v;
  }

  Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return ParseError(pos_, "unterminated string");
      auto c = static_cast<uint8_t>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return Status::Ok();
      }
      if (c < 0x20) return ParseError(pos_, "raw control character in string (must be escaped)");
      if (c == '\\') {
        size_t esc = pos_++;
        if (pos_ >= s_.size()) return ParseError(esc, "unterminated escape");
        char e = s_[pos_++];
        switch (e) {
          case '"':
            out->push_back('"');
            break;
          case '\\':
            out->push_back('\\');
            break;
          case '/':
            out->push_back('/');
            canonical_ = false;  // RFC 8785 writes '/' unescaped
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'u': {
            int32_t u = ReadHex4();
            if (u < 0) return ParseError(esc, "bad \\u escape (needs 4 hex digits)");
            // RFC 8785 uses \\u only for control characters without a short escape, in
            // lowercase hex.
            if (u >= 0x20 || u == '\b' || u == '\f' || u == '\n' || u == '\r' || u == '\t' ||
                HasUppercaseHex(s_.substr(pos_ - 4, 4))) {
              canonical_ = false;
            }
            if (u >= 0xDC00 && u <= 0xDFFF) return ParseError(esc, "unpaired low surrogate");
            if (u >= 0xD800 && u <= 0xDBFF) {
              if (!Consume("\\u")) return ParseError(esc, "unpaired high surrogate");
              int32_t lo = ReadHex4();
              if (lo < 0xDC00 || lo > 0xDFFF) return ParseError(esc, "unpaired high surrogate");
              u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            AppendUtf8(out, static_cast<uint32_t>(u));
            break;
          }
          default:
            return ParseError(esc, "unknown escape");
        }
        continue;
      }
      // A run of plain printable ASCII is copied in one go; anything else is decoded.
      size_t start = pos_;
      while (pos_ < s_.size()) {
        auto b = static_cast<uint8_t>(s_[pos_]);
        if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
        ++pos_;
      }
      if (pos_ == start && DecodeUtf8(s_, &pos_) < 0) return ParseError(start, "invalid UTF-8");
      out->append(s_.substr(start, pos_ - start));
    }
  }

  Status ParseNumber(Json* out) {
    size_t start = pos_;
    bool integral = true;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        return ParseError(start, "leading zero in number");
      }
    } else if (digits() == 0) {
      return ParseError(start, "malformed number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (digits() == 0) return ParseError(start, "malformed number (digits after '.')");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return ParseError(start, "malformed number (exponent digits)");
    }
    std::string_view text = s_.substr(start, pos_ - start);
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) {
      return ParseError(start,
                        "number " + std::string(text) + " is outside the IEEE 754 double range");
    }
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return ParseError(start, "malformed number");
    }
    if (value != 0 && std::fpclassify(value) == FP_SUBNORMAL) {
      return ParseError(start, "number " + std::string(text) + " underflows an IEEE 754 double");
    }
    if (std::fabs(value) < static_cast<double>(kMaxExactJsonInteger) &&
        value == std::trunc(value)) {
      auto exact = static_cast<int64_t>(value);
      *out = exact;
      if (canonical_ && text != std::to_string(exact)) canonical_ = false;
    } else if (integral && text != ExactDigits(value) && text != EcmaScriptNumber(value)) {
      // A double would round it (2^53 + 1 reads as 2^53): refuse rather than change the value.
      // Accepted: the double's exact digits, and its RFC 8785 form, which writes doubles below
      // 1e21 in integer digits (1e20 as 100000000000000000000): canonical text parses back.
      return ParseError(start, "integer " + std::string(text) +
                                   " is beyond +/-(2^53-1), and a double would round it");
    } else {
      *out = value;
      if (canonical_ && text != EcmaScriptNumber(value)) canonical_ = false;
    }
    return Status::Ok();
  }

  // The exact decimal digits of an integral double ("%.0f").
  static std::string ExactDigits(double value) {
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed, 0);
    return ec == std::errc() ? std::string(buf, end) : std::string();
  }

  static bool HasUppercaseHex(std::string_view hex) {
    return std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  }

  std::string_view s_;
  const ParseOptions& options_;
  size_t pos_ = 0;
  bool canonical_ = true;
};

Status WriteString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t pos = 0;
  while (pos < s.size()) {
    // A run of printable ASCII other than '"' and '\\' is written as is, in one append.
    size_t run = pos;
    while (run < s.size()) {
      auto b = static_cast<uint8_t>(s[run]);
      if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > pos) {
      out->append(s.substr(pos, run - pos));
      pos = run;
      continue;
    }
    size_t start = pos;
    int32_t cp = DecodeUtf8(s, &pos);
    if (cp < 0) {
      return Status::InvalidArgument("string is not valid UTF-8 at byte " + std::to_string(start));
    }
    switch (cp) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (cp < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[cp >> 4]);
          out->push_back(kHex[cp & 0xF]);
        } else {
          out->append(s.substr(start, pos - start));
        }
    }
  }
  out->push_back('"');
  return Status::Ok();
}

// The members of object `v` in RFC 8785 section 3.2.3 order. The DOM's std::map holds them in
// UTF-8 byte order; only a name that NeedsUtf16Order calls for a re-sort.
std::vector<Json::const_iterator> MembersInOrder(const Json& v) {
  std::vector<Json::const_iterator> members;
  members.reserve(v.size());
  bool map_order_is_utf16_order = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    members.push_back(it);
    map_order_is_utf16_order &= !NeedsUtf16Order(it.key());
  }
  if (!map_order_is_utf16_order) {
    std::vector<std::pair<std::u16string, Json::const_iterator>> keyed;
    keyed.reserve(members.size());
    for (auto it : members) keyed.emplace_back(Utf16(it.key()), it);
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keyed.size(); ++i) members[i] = keyed[i].second;
  }
  return members;
}

Status WriteValue(const Json& v, std::string* out) {
  switch (v.type()) {
    case Json::value_t::null:
      *out += "null";
      return Status::Ok();
    case Json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return Status::Ok();
    case Json::value_t::number_integer: {
      int64_t i = v.get<int64_t>();
      if (i >= kMaxExactJsonInteger || i <= -kMaxExactJsonInteger) {
        return Status::InvalidArgument("integer " + std::to_string(i) + " is beyond +/-(2^53-1)");
      }
      *out += std::to_string(i);
      return Status::Ok();
    }
    case Json::value_t::number_unsigned: {
      uint64_t u = v.get<uint64_t>();
      if (u >= static_cast<uint64_t>(kMaxExactJsonInteger)) {
        return Status::InvalidArgument("integer " + std::to_string(u) + " is beyond 2^53-1");
      }
      *out += std::to_string(u);
      return Status::Ok();
    }
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (!std::isfinite(d)) return Status::InvalidArgument("JSON cannot hold NaN or Infinity");
      *out += EcmaScriptNumber(d);
      return Status::Ok();
    }
    case Json::value_t::string:
      return WriteString(v.get_ref<const std::string&>(), out);
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        CREDLEDGER_RETURN_IF_ERROR(WriteValue(e, out));
      }
      out->push_back(']');
      return Status::Ok();
    }
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it : MembersInOrder(v)) {
        if (!first) out->push_back(',');
        first = false;
        CREDLEDGER_RETURN_IF_ERROR(WriteString(it.key(), out));  // validates the name's UTF-8
        out->push_back(':');
        CREDLEDGER_RETURN_IF_ERROR(WriteValue(it.value(), out));
      }
      out->push_back('}');
      return Status::Ok();
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return Status::InvalidArgument("value has no JSON representation");
}

}  // namespace

std::string EcmaScriptNumber(double value) {
  if (value == 0) return "0";  // also -0
  if (value < 0) {
    std::string negative = "-";
    negative += EcmaScriptNumber(-value);
    return negative;
  }
  // The shortest digits that round-trip, closest to the value: exactly ECMAScript's choice of
  // s, k and n in Number::toString (ECMA-262 section 6.1.6.1.20).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;

  if (k <= n && n <= 21) return digits + std::string(static_cast<size_t>(n - k), '0');
  if (0 < n && n <= 21) {
    return digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  }
  if (-6 < n && n <= 0) return "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  std::string out = digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  out += n - 1 >= 0 ? "e+" : "e-";
  out += std::to_string(std::abs(n - 1));
  return out;
}

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
    } else if (DecodeUtf8(text, &pos) < 0) {
      return false;
    }
  }
  return true;
}

Result<Json> ParseJson(std::string_view text, const ParseOptions& options) {
  bool ignored = false;
  return ParseJson(text, &ignored, options);
}

Result<Json> ParseJson(std::string_view text, bool* text_is_canonical,
                       const ParseOptions& options) {
  Parser parser(text, options);
  CREDLEDGER_ASSIGN_OR_RETURN(Json value, parser.ParseDocument());
  *text_is_canonical = parser.text_is_canonical();
  return value;
}

Result<std::string> CanonicalJson(const Json& value) {
  std::string out;
  CREDLEDGER_RETURN_IF_ERROR(WriteValue(value, &out));
  return out;
}

Result<std::string> CanonicalObject(std::vector<JsonMember> members) {
  std::sort(members.begin(), members.end(), [](const JsonMember& a, const JsonMember& b) {
    return CanonicalNameOrder(a.name, b.name);
  });
  size_t size = 2;
  for (const JsonMember& m : members) size += m.name.size() + m.text.size() + 4;
  std::string out;
  out.reserve(size);
  out.push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) {
      if (members[i].name == members[i - 1].name) {
        return Status::InvalidArgument("duplicate member name \"" + members[i].name + "\"");
      }
      out.push_back(',');
    }
    CREDLEDGER_RETURN_IF_ERROR(WriteString(members[i].name, &out));
    out.push_back(':');
    out += members[i].text;
  }
  out.push_back('}');
  return out;
}

Result<std::vector<JsonMember>> CanonicalMembers(const Json& object) {
  if (!object.is_object()) return Status::InvalidArgument("not a JSON object");
  std::vector<JsonMember> members;
  members.reserve(object.size() + 2);
  for (const auto& [name, value] : object.items()) {
    std::string text;
    CREDLEDGER_RETURN_IF_ERROR(WriteValue(value, &text));
    members.push_back({name, std::move(text)});
  }
  return members;
}

Result<std::string> CanonicalizeJson(std::string_view text, const ParseOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(Json value, ParseJson(text, options));
  return CanonicalJson(value);
}

}  // namespace credledger
