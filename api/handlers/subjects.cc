// A subject's records (an enterprise by its unified social credit code, a person by a keyed
// commitment), a page at a time, as of the latest checkpoint.
#include "api/internal/call.h"
#include "api/internal/route.h"

namespace credledger::api {
namespace {

void GetSubjectRecords(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const std::optional<std::string> subject_param = call->SubjectParam();
  if (!subject_param) return;
  const std::string& subject = *subject_param;
  uint64_t cursor = 0, limit = 50;
  if (auto it = call->query.find("cursor"); it != call->query.end()) {
    auto v = ParseUint("cursor", it->second);
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    cursor = *v;
  }
  if (auto it = call->query.find("limit"); it != call->query.end()) {
    auto v = ParseUint("limit", it->second);
    if (!v.ok() || *v == 0 || *v > s.options.max_page) {
      return call->Fail(
          BadRequest("bad_parameter", "limit must be 1.." + std::to_string(s.options.max_page)));
    }
    limit = *v;
  }
  std::optional<records::RecordType> type;
  if (auto it = call->query.find("type"); it != call->query.end()) {
    auto t = records::ParseRecordType(it->second);
    if (!t.ok()) return call->Fail(BadRequest("bad_parameter", t.status().message()));
    type = *t;
  }
  const uint64_t size = s.ledger.Head().tree_size;
  // One more than the page, to know whether there is a next one.
  const records::RecordReader& reader = s.policy->reader();
  auto infos = reader.index().SubjectRecordInfos(subject, cursor, limit + 1, type);
  if (!infos.ok()) return call->Fail(ProblemFromStatus(infos.status()));
  std::vector<Json> page;
  bool more = false;
  for (const records::RecordInfo& info : *infos) {
    if (info.index >= size) break;
    if (page.size() == limit) {
      more = true;
      break;
    }
    auto id = reader.index().IdAt(info.index);
    if (!id.ok()) return call->Fail(ProblemFromStatus(id.status()));
    page.push_back(RecordJson(*id, info, size));
  }
  Json body = {{"subject", subject}, {"as_of_tree_size", size}};
  body["next_cursor"] = more ? Json(page.back()["index"]) : Json(nullptr);
  body["records"] = std::move(page);
  call->SendJson(200, body);
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/v1/subjects/{uscc}/records", .handler = GetSubjectRecords},
};

}  // namespace

std::span<const Route> SubjectRoutes() { return kRoutes; }

}  // namespace credledger::api
