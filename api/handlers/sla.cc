// The working-day report (records/sla.h): every repair application, when it was received, when
// each step was due and when it was done, as of the latest checkpoint, recomputable from the
// log alone (`ledgerctl sla`).
#include "ledger/records/sla.h"

#include "api/internal/call.h"
#include "api/internal/route.h"
#include "ledger/block.h"
#include "ledger/records/schema.h"

namespace credledger::api {
namespace {

void GetSla(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  records::SlaQuery query;
  query.limit = 100;
  std::string as_of = NowTimestamp();
  std::optional<uint64_t> tree_size;
  for (const auto& [name, value] : call->query) {
    if (name == "agency") {
      query.agency = value;
    } else if (name == "state") {
      if (value != "open" && value != "closed" && value != "met" && value != "missed" &&
          value != "pending" && value != "overdue") {
        return call->Fail(BadRequest(
            "bad_parameter", "state must be one of open, closed, met, missed, pending, overdue"));
      }
      query.state = value;
    } else if (name == "after") {
      auto v = ParseUint("after", value);
      if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
      query.after_index = *v;
    } else if (name == "limit") {
      auto v = ParseUint("limit", value);
      if (!v.ok() || *v == 0 || *v > s.options.max_page) {
        return call->Fail(
            BadRequest("bad_parameter", "limit must be 1.." + std::to_string(s.options.max_page)));
      }
      query.limit = *v;
    } else if (name == "tree_size") {
      auto v = ParseUint("tree_size", value);
      if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
      tree_size = *v;
    } else if (name == "as_of") {
      if (!records::CheckTimestamp(Json(value), "as_of").ok()) {
        return call->Fail(BadRequest(
            "bad_parameter", "as_of must be an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SS[.fff]Z"));
      }
      as_of = value;
    } else {
      return call->Fail(
          BadRequest("bad_parameter", "unknown parameter " + name.substr(0, 64) +
                                          "; the parameters are agency, state, after, limit, "
                                          "as_of, tree_size"));
    }
  }
  const uint64_t head = s.ledger.Head().tree_size;
  if (tree_size && (*tree_size == 0 || *tree_size > head)) {
    return call->Fail(BadRequest("bad_parameter", "tree_size must be 1.." + std::to_string(head) +
                                                      " (the latest checkpoint's)"));
  }
  const uint64_t size = tree_size.value_or(head);
  const records::RecordReader& reader = s.policy->reader();
  auto report = records::ComputeSla(reader.index(), *reader.registry(),
                                    records::LogReaderSlaLog(s.ledger.log()), size, as_of, query);
  if (!report.ok()) return call->Fail(ProblemFromStatus(report.status()));
  call->SendJson(200, records::SlaReportJson(*report));
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/v1/sla", .handler = GetSla},
};

}  // namespace

std::span<const Route> SlaRoutes() { return kRoutes; }

}  // namespace credledger::api
