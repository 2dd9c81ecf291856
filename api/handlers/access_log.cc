// POST /v1/access-log: the enterprise's own view of who read its data (records/access_log.h):
// every bank read of it in the query audit log, each proven against the latest anchor.
#include "ledger/records/access_log.h"

#include "api/internal/call.h"
#include "api/internal/route.h"
#include "ledger/block.h"

namespace credledger::api {
namespace {

void PostAccessLog(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  if (s.options.query_audit == nullptr) {
    return call->Fail({503, "unavailable", "this node keeps no query audit log"});
  }
  auto doc = ParseJson(call->request.body);
  if (!doc.ok()) return call->Fail(BadRequest("malformed_json", doc.status().message()));
  auto head = s.Checkpoint();
  if (!head.ok()) return call->Fail(ProblemFromStatus(head.status()));
  const uint64_t size = (*head)->tree_size;
  const records::RecordReader& reader = s.policy->reader();
  auto enterprise = records::AuthenticateAccessLogRequest(*doc, reader.index(), size,
                                                          std::chrono::system_clock::now());
  if (!enterprise.ok()) return call->Fail(ProblemFromStatus(enterprise.status()));

  // The latest anchor in the checkpoint's tree, if it carries the audit lines' tree root.
  Json anchor = nullptr;
  uint64_t anchored = 0;
  auto anchor_index = reader.index().AuditAnchorEntry();
  if (!anchor_index.ok()) return call->Fail(ProblemFromStatus(anchor_index.status()));
  if (*anchor_index && **anchor_index < size) {
    auto entry = s.ledger.log().GetEntry(**anchor_index);
    auto proof = s.ledger.log().InclusionProof(**anchor_index, size);
    if (!entry.ok()) return call->Fail(ProblemFromStatus(entry.status()));
    if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
    auto parsed = ParseJson(*entry);
    if (parsed.ok() && parsed->contains("tree_root")) {
      anchored = parsed->at("size").get<uint64_t>();
      anchor = {
          {"index", **anchor_index}, {"entry", *entry}, {"inclusion", merkle::HashesToHex(*proof)}};
    }
  }
  auto lines = s.options.query_audit->LinesAbout(*enterprise, UINT64_MAX);
  if (!lines.ok()) return call->Fail(ProblemFromStatus(lines.status()));
  Json proven = Json::array(), pending = Json::array();
  for (records::AuditLine& line : *lines) {
    if (line.seq > anchored) {
      pending.push_back({{"seq", line.seq}, {"line", std::move(line.text)}});
      continue;
    }
    auto proof = s.options.query_audit->InclusionProof(line.seq, anchored);
    if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
    proven.push_back({{"seq", line.seq},
                      {"line", std::move(line.text)},
                      {"inclusion", merkle::HashesToHex(*proof)}});
  }
  call->SendJson(200, {{"type", records::kAccessLogType},
                       {"enterprise", *enterprise},
                       {"tree_hash", reader.registry()->tree_hash()},
                       {"checkpoint", (*head)->note},
                       {"anchor", std::move(anchor)},
                       {"lines", std::move(proven)},
                       {"unanchored", std::move(pending)}});
}

constexpr Route kRoutes[] = {
    {.method = "POST", .path = "/v1/access-log", .handler = PostAccessLog},
};

}  // namespace

std::span<const Route> AccessLogRoutes() { return kRoutes; }

}  // namespace credledger::api
