// Documents off the log (/v1/payloads/{hash}): uploaded by anyone once a committed record
// carries their hash, read by banks (each read logged in the query audit log first), erased
// on a lawful request signed by the issuing agency or an admin.
#include "api/internal/call.h"
#include "api/internal/route.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::api {
namespace {

// The most records a document route names or reads (an upload's answer, a bank read's audit
// line): one agency may anchor a document in any number of records.
constexpr size_t kMaxDocumentRecords = 100;

// 410 for a document erased on a lawful request: when, by whom and on what basis.
Problem Gone(const std::string& hash, const records::Erasure& e) {
  return {410, "gone",
          "document " + hash + " was erased on " + e.erased_at + " by " + e.erased_by + " (" +
              e.legal_basis + ")"};
}

// The {hash} of a payload route, if the payload store is configured and it is 64 hex;
// otherwise the call is answered (503, 400) and the result is empty.
std::optional<std::string> PayloadHash(const std::shared_ptr<Call>& call) {
  if (call->state.options.payloads == nullptr) {
    call->Fail({503, "unavailable", "this node keeps no documents"});
    return std::nullopt;
  }
  if (!records::IsHashHex(call->params[0])) {
    call->Fail(BadRequest("bad_parameter", "a document hash is 64 lowercase hex digits"));
    return std::nullopt;
  }
  return call->params[0];
}

void PutPayload(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  auto hash = PayloadHash(call);
  if (!hash) return;
  // The upload needs no credential: only the document whose hash an agency has signed into
  // a committed record is taken, so nobody can place other bytes under that hash.
  const std::string& body = call->request.body;
  const std::string actual = s.options.payloads->Address(body);
  if (actual != *hash) {
    return call->Fail({422, "payload_mismatch",
                       "the body's " +
                           std::string(crypto::HashAlgorithmName(s.options.payloads->algorithm())) +
                           " is " + actual + ", not " + *hash});
  }
  const uint64_t size = s.ledger.Head().tree_size;
  auto ids = s.policy->reader().RecordsByDocument(*hash, size, kMaxDocumentRecords);
  if (!ids.ok()) return call->Fail(ProblemFromStatus(ids.status()));
  Json records = *ids;
  if (records.empty()) {
    return call->Fail({409, "conflict",
                       "no committed record carries document " + *hash +
                           "; submit the record first, then its document"});
  }
  auto existing = s.options.payloads->Get(*hash);
  if (existing.ok() && existing->erasure) {
    return call->Fail(Gone(*hash, *existing->erasure));
  }
  const bool already = existing.ok();
  if (!already) {
    auto put = s.options.payloads->Put(body);
    if (!put.ok()) return call->Fail(ProblemFromStatus(put.status()));
  }
  call->SendJson(already ? 200 : 201,
                 {{"hash", *hash}, {"bytes", body.size()}, {"records", std::move(records)}});
}

// The subjects of the committed records that carry document `hash`, comma-separated: what a
// bank's read of the document is logged under.
std::string DocumentSubjects(ServiceState& s, const std::string& hash) {
  std::string subjects;
  const records::RecordReader& reader = s.policy->reader();
  auto ids = reader.RecordsByDocument(hash, s.ledger.Head().tree_size, kMaxDocumentRecords);
  for (const std::string& id : ids.ok() ? *ids : std::vector<std::string>()) {
    auto info = reader.FindRecord(id);
    if (!info.ok() || !*info) continue;
    const std::string& subject = (*info)->subject;  // a USCC or a person's commitment
    if (subjects.find(subject) == std::string::npos) {
      subjects += (subjects.empty() ? "" : ",") + subject;
    }
  }
  return subjects.empty() ? "document:" + hash : subjects;
}

void GetPayload(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  auto hash = PayloadHash(call);
  if (!hash) return;
  const std::string subjects = DocumentSubjects(s, *hash);
  std::vector<std::string> each;
  for (size_t from = 0; from <= subjects.size();) {
    const size_t comma = std::min(subjects.find(',', from), subjects.size());
    each.push_back(subjects.substr(from, comma - from));
    from = comma + 1;
  }
  if (!s.CheckBankConsent(call, each, subjects, "documents")) return;
  auto payload = s.options.payloads->Get(*hash);
  const unsigned status =
      payload.ok() ? (payload->erasure ? 410 : 200) : ProblemFromStatus(payload.status()).status;
  if (!s.Audit(call, subjects, status)) return;
  if (!payload.ok()) return call->Fail(ProblemFromStatus(payload.status()));
  if (payload->erasure) return call->Fail(Gone(*hash, *payload->erasure));
  call->headers.Set("Content-Disposition", "attachment; filename=\"" + *hash + "\"");
  call->Send(200, "application/octet-stream", std::move(*payload->bytes));
}

void DeletePayload(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  auto hash = PayloadHash(call);
  if (!hash) return;
  // A lawful erasure request, signed by the issuing agency's key or by an admin key
  // (records::ErasureRequest).
  auto doc = ParseJson(call->request.body);
  if (!doc.ok()) return call->Fail(BadRequest("malformed_json", doc.status().message()));
  auto request = records::ParseErasureRequest(*doc);
  if (!request.ok()) return call->Fail(ProblemFromStatus(request.status()));
  if (request->hash != *hash) {
    return call->Fail({422, "invalid_entry",
                       "/hash: the request is for " + request->hash + ", not the path's " + *hash});
  }
  // A request is good for a short while only, so a captured one cannot be replayed later
  // (against a document re-uploaded after a mistaken erasure, say).
  const auto now = std::chrono::system_clock::now();
  const auto skew = s.options.erasure_clock_skew;
  if (request->requested_at < FormatTimestamp(now - skew) ||
      request->requested_at > FormatTimestamp(now + skew)) {
    return call->Fail({422, "invalid_entry",
                       "/requested_at: must be within " + std::to_string(skew.count()) +
                           " s of the node's clock (" + FormatTimestamp(now) + ")"});
  }
  const std::string& agency = request->agency;
  const uint64_t size = s.ledger.Head().tree_size;
  std::optional<crypto::PublicKey> key;
  const std::shared_ptr<const records::Registry> registry = s.policy->reader().registry();
  Status allowed = [&]() -> Status {
    if (agency.empty()) {
      const crypto::PublicKey* admin = registry->FindAdminKey(request->key_id);
      if (admin == nullptr) return Status::Unauthenticated("/key_id: not an admin key");
      key = *admin;
      return Status::Ok();
    }
    CREDLEDGER_ASSIGN_OR_RETURN(const crypto::PublicKey* current,
                                registry->KeyAt(agency, request->key_id, size));
    key = *current;
    return Status::Ok();
  }();
  if (!allowed.ok()) return call->Fail(ProblemFromStatus(allowed));
  // Who is asking first (401), then whether they may (403, 404).
  Status signed_ok = records::VerifyObjectSignature(*doc, *key);
  if (!signed_ok.ok()) return call->Fail(ProblemFromStatus(signed_ok));
  if (!agency.empty()) {
    Status may = s.policy->reader().MayErase(*hash, agency);
    if (!may.ok()) return call->Fail(ProblemFromStatus(may));
  }
  auto current = s.options.payloads->Get(*hash);
  if (current.ok() && current->erasure) return call->Fail(Gone(*hash, *current->erasure));
  const records::Erasure erasure{FormatTimestamp(now),
                                 agency.empty() ? "admin:" + request->key_id : agency,
                                 request->legal_basis};
  Status erased = s.options.payloads->Erase(*hash, erasure);
  if (!erased.ok()) return call->Fail(ProblemFromStatus(erased));
  call->SendJson(200, {{"hash", *hash},
                       {"erased_at", erasure.erased_at},
                       {"erased_by", erasure.erased_by},
                       {"legal_basis", erasure.legal_basis}});
}

constexpr Route kRoutes[] = {
    {.method = "PUT",
     .path = "/v1/payloads/{hash}",
     .handler = PutPayload,
     .effect = RouteEffect::kWrite},
    {.method = "GET",
     .path = "/v1/payloads/{hash}",
     .handler = GetPayload,
     .auth = RouteAuth::kBank},
    {.method = "DELETE",
     .path = "/v1/payloads/{hash}",
     .handler = DeletePayload,
     .effect = RouteEffect::kJsonWrite},
};

}  // namespace

std::span<const Route> PayloadRoutes() { return kRoutes; }

}  // namespace credledger::api
