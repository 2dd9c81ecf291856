#include "api/problem.h"

#include "ledger/canonical_json.h"

namespace credledger::api {

Problem ProblemFromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return {422, "invalid_entry", status.message()};
    case StatusCode::kUnauthenticated:
      return {401, "unauthenticated", status.message()};
    case StatusCode::kPermissionDenied:
      return {403, "forbidden", status.message()};
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return {409, "conflict", status.message()};
    case StatusCode::kNotFound:
      return {404, "not_found", status.message()};
    case StatusCode::kResourceExhausted:
      return {429, "overloaded", status.message()};
    case StatusCode::kUnavailable:
      return {503, "unavailable", status.message()};
    case StatusCode::kOk:
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      break;
  }
  return {500, "internal", status.message()};
}

Problem BadRequest(std::string code, std::string detail) {
  return {400, std::move(code), std::move(detail)};
}

Problem NotFound(std::string detail) { return {404, "not_found", std::move(detail)}; }

std::string ProblemTitle(std::string_view code) {
  std::string title(code);
  for (char& c : title) {
    if (c == '_') c = ' ';
  }
  if (!title.empty() && title[0] >= 'a' && title[0] <= 'z')
    title[0] = static_cast<char>(title[0] - 32);
  return title;
}

std::string ProblemJson(const Problem& problem, std::string_view instance,
                        std::string_view request_id) {
  std::string type = "https://credledger.dev/problems/" + problem.code;
  for (char& c : type) {
    if (c == '_') c = '-';
  }
  Json body = {{"type", type},
               {"title", ProblemTitle(problem.code)},
               {"status", problem.status},
               {"code", problem.code},
               {"detail", problem.detail},
               {"instance", std::string(instance)},
               {"request_id", std::string(request_id)}};
  // dump() with replacement: a detail quoting invalid UTF-8 input must not throw.
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace credledger::api
