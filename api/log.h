// Structured one-line logs: an event is ordered key/value pairs, rendered as logfmt
// (time=... level=info msg=request status=200) or as one JSON object per line. The server
// and ledgerd both log through this, so every line has the same shape whatever its origin.
#ifndef CREDLEDGER_API_LOG_H_
#define CREDLEDGER_API_LOG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credledger::api {

using LogFields = std::vector<std::pair<std::string, std::string>>;

enum class LogFormat { kLogfmt, kJson };

// "time=<now> level=<level> <fields...>" in `format`. Values are quoted and escaped as
// needed (quotes, backslashes, control characters, spaces) and cut at 512 bytes, so client
// input in a value cannot forge another field or another line.
std::string FormatLogLine(LogFormat format, std::string_view level, const LogFields& fields);

}  // namespace credledger::api

#endif  // CREDLEDGER_API_LOG_H_
