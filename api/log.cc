#include "api/log.h"

#include <cctype>

#include "ledger/block.h"
#include "ledger/canonical_json.h"

namespace credledger::api {
namespace {

constexpr size_t kMaxValueBytes = 512;

std::string LogfmtValue(std::string_view v) {
  v = v.substr(0, kMaxValueBytes);
  // Bare only when plainly a word or a number; anything else (URLs, paths, messages) is quoted.
  bool plain = !v.empty();
  for (char c : v)
    plain &= std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(c >> 4) & 0xF];
      out += kHex[c & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string FormatLogLine(LogFormat format, std::string_view level, const LogFields& fields) {
  const std::string time = NowTimestamp();
  if (format == LogFormat::kJson) {
    Json line = {{"time", time}, {"level", std::string(level)}};
    for (const auto& [key, value] : fields) line[key] = value.substr(0, kMaxValueBytes);
    return line.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  std::string line = "time=" + time + " level=" + LogfmtValue(level);
  for (const auto& [key, value] : fields) line += " " + key + "=" + LogfmtValue(value);
  return line;
}

}  // namespace credledger::api
