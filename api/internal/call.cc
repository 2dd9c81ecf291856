#include "api/internal/call.h"

#include <charconv>

#include "crypto/encoding.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::api {

Result<uint64_t> ParseUint(std::string_view name, std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      (text.size() > 1 && text[0] == '0')) {
    return Status::InvalidArgument(std::string(name) +
                                   " must be a decimal integer in 0..2^64-1, got \"" +
                                   std::string(text.substr(0, 40)) + "\"");
  }
  return value;
}

bool IsJsonContentType(std::string_view value) {
  std::string_view type = value.substr(0, value.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return EqualsIgnoreCase(type, "application/json");
}

std::string JsonText(const Json& value) {
  auto canonical = CanonicalJson(value);
  if (canonical.ok()) return std::move(*canonical);
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Hex(const merkle::Hash& h) { return crypto::HexEncode(h); }

void AppendHashArray(const std::vector<merkle::Hash>& hashes, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('"');
    *out += Hex(hashes[i]);
    out->push_back('"');
  }
  out->push_back(']');
}

void Call::Send(unsigned status, std::string_view content_type, std::string body) {
  Response response = MakeResponse(status, content_type, std::move(body), request_id,
                                   request.version, request.keep_alive);
  if (route != nullptr && status >= 200 && status < 300) {
    if (route->cache == RouteCache::kImmutable) {
      response.fields.Set("Cache-Control", "public, max-age=31536000, immutable");
    } else if (route->cache == RouteCache::kRevalidate) {
      response.fields.Set("Cache-Control", "no-cache");
    }
  }
  for (const auto& [name, value] : headers) response.fields.Set(name, value);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.metrics.ObserveRequest(route != nullptr ? std::string(route->path) : "unmatched",
                               request.method, status, seconds);
  respond(std::move(response));
}

void Call::Fail(const Problem& problem) {
  // Overload and an unavailable store pass (the store is retried every 200 ms): say when to
  // try again (RFC 9110, 10.2.3) rather than let clients hammer the node.
  if (problem.status == 429 || problem.status == 503) headers.Set("Retry-After", "1");
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  if (problem.status == 500) {
    // A bug or damaged data: the detail is for the operator, found by the request id.
    if (state.options.log_error) {
      state.options.log_error({{"msg", "internal error"},
                               {"request_id", request_id},
                               {"route", route != nullptr ? std::string(route->path) : "unmatched"},
                               {"error", problem.detail}});
    }
    Problem hidden = problem;
    hidden.detail = "internal error; the node's log has its cause under request id " + request_id;
    return Send(500, "application/problem+json", ProblemJson(hidden, path, request_id));
  }
  Send(problem.status, "application/problem+json", ProblemJson(problem, path, request_id));
}

std::optional<uint64_t> Call::UintParam(std::string_view name) {
  auto value = ParseUint(name, params.at(0));
  if (!value.ok()) {
    Fail(BadRequest("bad_parameter", value.status().message()));
    return std::nullopt;
  }
  return *value;
}

std::optional<std::string> Call::RecordIdParam() {
  if (!records::IsHashHex(params.at(0))) {
    Fail(BadRequest("bad_parameter", "a record id is 64 lowercase hex digits"));
    return std::nullopt;
  }
  return params[0];
}

std::optional<std::string> Call::SubjectParam() {
  const std::string& subject = params.at(0);
  // Any 18-character code of the GB 32100 alphabet: historical pilot codes that fail the
  // check character are admitted where flagged, so they must be readable too.
  if (!records::ValidateUsccShape(subject).ok() && !records::IsHashHex(subject)) {
    Fail(BadRequest("bad_parameter",
                    "the subject is a unified social credit code (GB 32100: 18 characters of its "
                    "alphabet) or a 64-hex person commitment"));
    return std::nullopt;
  }
  return subject;
}

}  // namespace credledger::api
