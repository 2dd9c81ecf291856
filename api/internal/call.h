// Call, one request being answered, and the helpers handlers share to read its parameters
// and write its answer. Not part of the API.
#ifndef CREDLEDGER_API_INTERNAL_CALL_H_
#define CREDLEDGER_API_INTERNAL_CALL_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/internal/state.h"
#include "api/problem.h"
#include "ledger/canonical_json.h"
#include "ledger/merkle.h"

namespace credledger::api {

// A decimal uint64 with no sign, no leading zeros (but "0"), no overflow. Errors:
// InvalidArgument naming `name`.
Result<uint64_t> ParseUint(std::string_view name, std::string_view text);
// Whether a Content-Type header value is application/json (parameters ignored).
bool IsJsonContentType(std::string_view value);

// An answer's JSON text. RFC 8785 form: deterministic, and its writer copies runs of plain
// ASCII (hashes, the bulk of proofs) in one append, where nlohmann's dump decodes every byte.
// A value it refuses (invalid UTF-8 from a stored entry, an integer past 2^53) is still
// answered, through dump with invalid bytes replaced.
std::string JsonText(const Json& value);

std::string Hex(const merkle::Hash& h);
// `hashes` as a JSON array of hex strings, appended to `out` (hex needs no escaping).
void AppendHashArray(const std::vector<merkle::Hash>& hashes, std::string* out);

// A record's summary as answers show it, as of `tree_size` (handlers/records.cc).
Json RecordJson(const std::string& id, const records::RecordInfo& info, uint64_t tree_size);

struct Call {
  Call(ServiceState& s, Request r, std::string id, Respond done)
      : state(s), request(std::move(r)), request_id(std::move(id)), respond(std::move(done)) {}

  ServiceState& state;
  Request request;  // owned: a write moves its body into the log
  std::string request_id;
  const Route* route = nullptr;     // null until matched
  std::vector<std::string> params;  // the {captures} of the route, in order
  std::map<std::string, std::string> query;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  Respond respond;
  Fields headers;  // added to the answer
  // A bank's read (RouteAuth::kBank, or kBankOptional with a token): who, and why.
  std::optional<records::Bank> bank;
  std::string purpose;
  std::string consent;  // the consent record a bank's read cites (?consent=), if any

  // Answers with the route's cache policy; counts the answer in the metrics.
  void Send(unsigned status, std::string_view content_type, std::string body);
  void SendJson(unsigned status, const Json& body) {
    Send(status, "application/json", JsonText(body));
  }
  void SendText(unsigned status, std::string body) {
    Send(status, "text/plain; charset=utf-8", std::move(body));
  }
  // An RFC 9457 problem; Retry-After with 429 and 503. A 500's detail is logged
  // (ServiceOptions::log_error) and the client told only the request id.
  void Fail(const Problem& problem);

  // The route's one {capture} parsed as a decimal uint64 named `name`; otherwise the call is
  // answered (400) and the result is empty.
  std::optional<uint64_t> UintParam(std::string_view name);
  // The route's one {capture} as a record id (64 lowercase hex); otherwise answered (400).
  std::optional<std::string> RecordIdParam();
  // The {uscc} of a subject route: a GB 32100 code or a 64-hex person commitment; otherwise
  // answered (400).
  std::optional<std::string> SubjectParam();
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_CALL_H_
