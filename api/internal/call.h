// Service::Call, one request being answered, and what handlers share to answer it: for the
// handlers, which live in more than one file (service.cc, verify.cc). Not part of the API.
#ifndef CREDLEDGER_API_INTERNAL_CALL_H_
#define CREDLEDGER_API_INTERNAL_CALL_H_

#include <boost/beast/http/field.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api/problem.h"
#include "api/service.h"
#include "ledger/canonical_json.h"

namespace credledger::api {

namespace http = boost::beast::http;

// A decimal uint64 with no sign, no leading zeros (but "0"), no overflow. Errors:
// InvalidArgument naming `name`.
Result<uint64_t> ParseUint(std::string_view name, std::string_view text);
// Whether a Content-Type header value is application/json (parameters ignored).
bool IsJsonContentType(std::string_view value);

// An answer's JSON text. RFC 8785 form: deterministic, and its writer copies runs of plain
// ASCII (hashes, the bulk of proofs) in one append, where nlohmann's dump decodes every byte.
// A value it refuses (invalid UTF-8 from a stored entry, an integer past 2^53) is still
// answered, through dump with invalid bytes replaced.
inline std::string JsonText(const Json& value) {
  auto canonical = CanonicalJson(value);
  if (canonical.ok()) return std::move(*canonical);
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

struct Service::Call {
  Request request;  // owned: a write moves its body into the log
  std::string request_id;
  std::string route = "unmatched";
  std::vector<std::string> params;  // the {captures} of the route, in order
  std::map<std::string, std::string> query;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  Respond respond;
  Service* service = nullptr;
  std::vector<std::pair<http::field, std::string>> headers;  // added to the answer

  Call(Request r, std::string id, Respond done)
      : request(std::move(r)), request_id(std::move(id)), respond(std::move(done)) {}

  void Send(unsigned status, std::string_view content_type, std::string body) {
    Response response = MakeResponse(status, content_type, std::move(body), request_id,
                                     request.version(), request.keep_alive());
    for (const auto& [name, value] : headers) response.set(name, value);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    service->metrics_.ObserveRequest(route, std::string(request.method_string()), status, seconds);
    respond(std::move(response));
  }
  void SendJson(unsigned status, const Json& body) {
    Send(status, "application/json", JsonText(body));
  }
  void SendText(unsigned status, std::string body) {
    Send(status, "text/plain; charset=utf-8", std::move(body));
  }
  void Fail(const Problem& problem) {
    // Overload and an unavailable store pass (the store is retried every 200 ms): say when to
    // try again (RFC 9110, 10.2.3) rather than let clients hammer the node.
    if (problem.status == 429 || problem.status == 503) {
      headers.emplace_back(http::field::retry_after, "1");
    }
    std::string path(request.target().substr(0, request.target().find('?')));
    if (problem.status == 500) {
      // A bug or damaged data: the detail is for the operator, found by the request id.
      if (service->options_.log_error) {
        service->options_.log_error({{"msg", "internal error"},
                                     {"request_id", request_id},
                                     {"route", route},
                                     {"error", problem.detail}});
      }
      Problem hidden = problem;
      hidden.detail = "internal error; the node's log has its cause under request id " + request_id;
      return Send(500, "application/problem+json", ProblemJson(hidden, path, request_id));
    }
    Send(problem.status, "application/problem+json", ProblemJson(problem, path, request_id));
  }
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_CALL_H_
