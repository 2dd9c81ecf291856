// The node itself: liveness and readiness, metrics, what the node is, its latest signed
// checkpoint, and the agencies its registry holds.
#include "api/internal/call.h"
#include "api/internal/route.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/records/sla.h"

namespace credledger::api {
namespace {

void Health(const std::shared_ptr<Call>& call) { call->SendText(200, "ok\n"); }

void Ready(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  if (s.draining) return call->Fail({503, "unavailable", "the node is shutting down"});
  if (Status refused = s.ledger.WriteRefusal(); !refused.ok()) {
    return call->Fail(ProblemFromStatus(refused));
  }
  if (s.options.readiness) {
    if (Status not_ready = s.options.readiness(); !not_ready.ok()) {
      return call->Fail({503, "unavailable", not_ready.message()});
    }
  }
  call->SendJson(200, {{"ready", true}, {"tree_size", s.ledger.Head().tree_size}});
}

void MetricsText(const std::shared_ptr<Call>& call) {
  call->Send(200, "text/plain; version=0.0.4; charset=utf-8", call->state.metrics.Exposition());
}

void NodeInfo(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const TreeHead head = s.ledger.Head();
  const LedgerParams& params = s.ledger.params();
  Json info = {{"origin", params.origin},
               {"verifier_key", s.ledger.VerifierKey()},
               {"node_key_id", params.node_key.KeyId()},
               {"tree_hash", std::string(crypto::HashAlgorithmName(params.tree_hash))},
               {"checkpoint_signature", "ed25519"},
               {"agency_signature_algorithms", {"p256", "ed25519", "sm2"}},
               {"version", s.options.version},
               {"tree_size", head.tree_size},
               {"block_height", head.block_height}};
  const std::string leader =
      s.options.current_leader ? s.options.current_leader() : s.options.leader_url;
  if (!leader.empty() || s.options.current_leader) {
    info["follows"] = leader;
    // The key a follower signs credit profiles with: not the node key, which it lacks.
    if (s.options.node_key) {
      const crypto::PublicKey key = s.options.node_key->public_key();
      info["profile_key"] = {{"alg", std::string(crypto::KeyAlgorithmName(key.algorithm()))},
                             {"key_id", key.KeyId()},
                             {"spki", crypto::Base64Encode(key.spki_der())}};
    }
  }
  call->SendJson(200, info);
}

void GetCheckpoint(const std::shared_ptr<Call>& call) {
  auto checkpoint = call->state.PublishedCheckpoint();
  if (!checkpoint.ok()) return call->Fail(ProblemFromStatus(checkpoint.status()));
  call->Send(200, "text/plain; charset=utf-8", (*checkpoint)->note);
}

Json Registry(ServiceState& s, uint64_t tree_size) {
  return s.policy->reader().registry()->ToJson(tree_size);
}

void GetAgencies(const std::shared_ptr<Call>& call) {
  call->SendJson(200, Registry(call->state, call->state.ledger.Head().tree_size));
}

void GetAgency(const std::shared_ptr<Call>& call) {
  const uint64_t size = call->state.ledger.Head().tree_size;
  Json registry = Registry(call->state, size);
  for (Json& agency : registry["agencies"]) {
    if (agency["id"] == call->params[0]) {
      agency["at_index"] = size;
      // Its working-day cases now: the counts, and the cases overdue (GET /v1/sla has all).
      records::SlaQuery overdue;
      overdue.agency = call->params[0];
      overdue.state = "overdue";
      ServiceState& s = call->state;
      const records::RecordReader& reader = s.policy->reader();
      auto report = records::ComputeSla(reader.index(), *reader.registry(),
                                        records::LogReaderSlaLog(s.ledger.log()), size,
                                        NowTimestamp(), overdue);
      if (!report.ok()) return call->Fail(ProblemFromStatus(report.status()));
      records::SlaQuery all;
      all.agency = overdue.agency;
      all.limit = 0;
      auto counts =
          records::ComputeSla(reader.index(), *reader.registry(),
                              records::LogReaderSlaLog(s.ledger.log()), size, report->as_of, all);
      if (!counts.ok()) return call->Fail(ProblemFromStatus(counts.status()));
      Json sla = records::SlaReportJson(*counts)["summary"];
      sla["as_of"] = report->as_of;
      sla["overdue_cases"] = records::SlaReportJson(*report)["cases"];
      agency["sla"] = std::move(sla);
      return call->SendJson(200, agency);
    }
  }
  call->Fail(NotFound("no agency \"" + call->params[0].substr(0, 64) + "\""));
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/healthz", .handler = Health},
    {.method = "GET", .path = "/readyz", .handler = Ready},
    {.method = "GET", .path = "/metrics", .handler = MetricsText},
    {.method = "GET", .path = "/v1/node", .handler = NodeInfo},
    {.method = "GET", .path = "/v1/checkpoint", .handler = GetCheckpoint},
    {.method = "GET", .path = "/v1/agencies", .handler = GetAgencies},
    {.method = "GET", .path = "/v1/agencies/{id}", .handler = GetAgency},
};

}  // namespace

std::span<const Route> NodeRoutes() { return kRoutes; }

}  // namespace credledger::api
