#include "api/witness_service.h"

#include "api/problem.h"

namespace credledger::api {
namespace {

// The problem code of an add-checkpoint refusal.
std::string_view CodeFor(unsigned status) {
  switch (status) {
    case 400:
      return "malformed_request";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 422:
      return "inconsistent";
    case 503:
      return "unavailable";
    default:
      return "internal";
  }
}

}  // namespace

void WitnessService::Handle(Request request, const std::string& request_id, Respond respond) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  auto answer = [&](unsigned status, std::string_view type, std::string body) {
    respond(MakeResponse(status, type, std::move(body), request_id, request.version,
                         request.keep_alive));
  };
  auto problem = [&](unsigned status, std::string code, std::string detail) {
    answer(status, "application/problem+json",
           ProblemJson({status, std::move(code), std::move(detail)}, path, request_id));
  };
  if (path == "/add-checkpoint") {
    if (request.method != "POST") {
      return problem(405, "method_not_allowed", "add-checkpoint is a POST");
    }
    witness::Answer a = witness_.AddCheckpoint(request.body);
    for (size_t i = 0; i < kStatuses.size(); ++i) {
      if (kStatuses[i] == a.status) ++answers_[i];
    }
    if (a.status == 200 || a.content_type == "text/x.tlog.size") {
      return answer(a.status, a.content_type, std::move(a.body));
    }
    std::string detail = std::move(a.body);
    if (!detail.empty() && detail.back() == '\n') detail.pop_back();
    return problem(a.status, std::string(CodeFor(a.status)), std::move(detail));
  }
  if (request.method == "GET" && path == "/healthz") return answer(200, "text/plain", "ok\n");
  if (request.method == "GET" && path == "/metrics") {
    std::string text =
        "# HELP credledger_witness_answers_total add-checkpoint answers, by HTTP status.\n"
        "# TYPE credledger_witness_answers_total counter\n";
    for (size_t i = 0; i < kStatuses.size(); ++i) {
      text += "credledger_witness_answers_total{status=\"" + std::to_string(kStatuses[i]) + "\"} " +
              std::to_string(answers_[i].load()) + "\n";
    }
    return answer(200, "text/plain; version=0.0.4; charset=utf-8", std::move(text));
  }
  problem(404, "not_found", "a witness serves POST /add-checkpoint, /healthz and /metrics");
}

}  // namespace credledger::api
