// GET /v1/subjects/{uscc}/profile: an enterprise's credit profile as of one checkpoint, signed
// by the node (records/profile.h). With a bank token, the bank view, logged in the query
// audit log before it is answered; without one, the public view.
#include "ledger/records/profile.h"

#include "api/internal/call.h"
#include "api/internal/route.h"

namespace credledger::api {
namespace {

void GetSubjectProfile(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const std::optional<std::string> subject = call->SubjectParam();
  if (!subject) return;
  if (!s.options.node_key) {
    return call->Fail({503, "unavailable", "this node has no key to sign credit profiles with"});
  }
  records::ProfileRequest request;
  request.subject = *subject;
  // A profile's records are read and proven on every core: each is a random read and a proof
  // from a cold tile, and a profile lists up to max_records of them.
  request.parallel_for = [&s](size_t n, const std::function<void(size_t)>& work) {
    s.check_pool.ParallelFor(n, 8, work);
  };
  request.generated_at = NowTimestamp();
  if (call->bank && !s.CheckBankConsent(call, {*subject}, *subject, "profile")) return;
  if (call->bank) {
    request.bank = true;
    request.bank_id = call->bank->id;
    request.purpose = call->purpose;
  }
  Result<std::string> profile = Status::Unavailable("no checkpoint");
  auto head = s.Checkpoint();
  if (head.ok()) {
    profile = records::MakeCreditProfile(s.ledger.log(), *s.policy, request, (*head)->tree_size,
                                         (*head)->note, *s.options.node_key);
  } else {
    profile = head.status();
  }
  const unsigned status = profile.ok() ? 200 : ProblemFromStatus(profile.status()).status;
  if (call->bank && !s.Audit(call, *subject, status)) return;
  if (!profile.ok()) return call->Fail(ProblemFromStatus(profile.status()));
  call->Send(200, "application/json", std::move(*profile));
}

constexpr Route kRoutes[] = {
    {.method = "GET",
     .path = "/v1/subjects/{uscc}/profile",
     .handler = GetSubjectProfile,
     .auth = RouteAuth::kBankOptional},
};

}  // namespace

std::span<const Route> ProfileRoutes() { return kRoutes; }

}  // namespace credledger::api
