// One record: its entry and status as of the latest checkpoint, and the changes to it
// (revocations, status changes, repairs) in order.
#include "api/internal/call.h"
#include "api/internal/route.h"

namespace credledger::api {

Json RecordJson(const std::string& id, const records::RecordInfo& info, uint64_t tree_size) {
  const records::RecordStatus status = records::StatusAt(info, tree_size);
  Json out = {{"record_id", id},
              {"index", info.index},
              {"type", std::string(records::RecordTypeName(info.type))},
              {"agency", info.agency},
              {"status", records::StatusName(status)},
              {"as_of_tree_size", tree_size}};
  if (records::Traits(info.type).display_rules) out["repaired"] = status.repaired;
  return out;
}

namespace {

// The record named by the call's {id}, if it is committed below `tree_size`; otherwise the
// call is answered (400 or 404) and the result is empty.
std::optional<records::RecordInfo> CommittedRecord(const std::shared_ptr<Call>& call,
                                                   uint64_t tree_size) {
  const std::optional<std::string> id = call->RecordIdParam();
  if (!id) return std::nullopt;
  auto info = call->state.policy->reader().FindRecord(*id, tree_size);
  if (!info.ok()) {
    call->Fail(ProblemFromStatus(info.status()));
    return std::nullopt;
  }
  if (!*info) call->Fail(NotFound("no record " + *id));
  return *info;
}

void GetRecord(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const uint64_t size = s.ledger.Head().tree_size;
  auto info = CommittedRecord(call, size);
  if (!info) return;
  auto entry = s.ledger.log().GetEntry(info->index);
  if (!entry.ok()) return call->Fail(ProblemFromStatus(entry.status()));
  auto parsed = ParseJson(*entry);  // admitted records are canonical JSON; a failure is DataLoss
  if (!parsed.ok()) {
    return call->Fail(ProblemFromStatus(Status::DataLoss(parsed.status().message())));
  }
  Json body = RecordJson(call->params[0], *info, size);
  body["entry"] = std::move(*parsed);
  call->SendJson(200, body);
}

void GetRecordHistory(const std::shared_ptr<Call>& call) {
  const uint64_t size = call->state.ledger.Head().tree_size;
  auto info = CommittedRecord(call, size);
  if (!info) return;
  const std::string& id = call->params[0];
  Json history = Json::array();
  history.push_back({{"index", info->index}, {"record_id", id}, {"status_after", "valid"}});
  for (const records::RecordInfo::Change& c : info->changes) {
    if (c.index >= size) break;
    Json item = {{"index", c.index},
                 {"record_id", c.record_id},
                 {"status_after", records::StatusName({c.status, c.repaired})}};
    if (records::Traits(info->type).display_rules) item["repaired_after"] = c.repaired;
    history.push_back(std::move(item));
  }
  Json body = RecordJson(id, *info, size);
  body["history"] = std::move(history);
  call->SendJson(200, body);
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/v1/records/{id}", .handler = GetRecord},
    {.method = "GET", .path = "/v1/records/{id}/history", .handler = GetRecordHistory},
};

}  // namespace

std::span<const Route> RecordRoutes() { return kRoutes; }

}  // namespace credledger::api
