// RFC 9457 problem details: every error the API returns is application/problem+json with a
// stable machine-readable `code` beside the standard members, e.g.
//   {"type": "https://credledger.dev/problems/invalid-entry", "title": "Invalid entry",
//    "status": 422, "code": "invalid_entry", "detail": "/body/fine_fen: must be ...",
//    "instance": "/v1/entries", "request_id": "..."}
// The codes and their statuses are listed in docs/openapi.yaml (components/schemas/Problem).
#ifndef CREDLEDGER_API_PROBLEM_H_
#define CREDLEDGER_API_PROBLEM_H_

#include <string>
#include <string_view>

#include "crypto/status.h"

namespace credledger::api {

struct Problem {
  unsigned status = 500;
  std::string code;  // stable, snake_case: what clients switch on
  std::string detail;
};

// The problem for a Status from the ledger or records modules, by its code:
//   InvalidArgument 422 invalid_entry       Unauthenticated 401 unauthenticated
//   PermissionDenied 403 forbidden          AlreadyExists 409 conflict
//   FailedPrecondition 409 conflict         NotFound 404 not_found
//   ResourceExhausted 429 overloaded        Unavailable 503 unavailable
//   DataLoss, Internal 500 internal
// Handlers use the explicit constructors below where the HTTP meaning is more specific
// (malformed JSON is 400, not 422).
Problem ProblemFromStatus(const Status& status);

Problem BadRequest(std::string code, std::string detail);  // 400
Problem NotFound(std::string detail);                      // 404 not_found

// The human title of a code ("invalid_entry" -> "Invalid entry").
std::string ProblemTitle(std::string_view code);

// The problem+json body.
std::string ProblemJson(const Problem& problem, std::string_view instance,
                        std::string_view request_id);

}  // namespace credledger::api

#endif  // CREDLEDGER_API_PROBLEM_H_
