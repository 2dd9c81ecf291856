// GET /v1/subjects/{uscc}/profile: an enterprise's credit profile as of one checkpoint, signed
// by the node (records/profile.h). With a bank token, the bank view, logged in the query
// audit log before it is answered; without one, the public view.
#include "ledger/records/profile.h"

#include <boost/beast/http/field.hpp>

#include "api/internal/call.h"
#include "ledger/block.h"

namespace credledger::api {

void Service::GetSubjectProfile(const std::shared_ptr<Call>& call) {
  const std::optional<std::string> subject = SubjectParam(call);
  if (!subject) return;
  if (!options_.node_key) {
    return call->Fail({503, "unavailable", "this node has no key to sign credit profiles with"});
  }
  records::ProfileRequest request;
  request.subject = *subject;
  request.generated_at = NowTimestamp();
  std::optional<std::pair<records::Bank, std::string>> bank;
  // A bearer token asks for the bank view; a wrong one is refused, not served the public view.
  if (!call->request[http::field::authorization].empty()) {
    bank = BankCall(call);
    if (!bank) return;
    request.bank = true;
    request.bank_id = bank->first.id;
    request.purpose = bank->second;
  }
  Result<std::string> profile = Status::Unavailable("no checkpoint");
  auto head = Checkpoint();
  if (head.ok()) {
    profile = records::MakeCreditProfile(ledger_.log(), *policy_, request, (*head)->tree_size,
                                         (*head)->note, *options_.node_key);
  } else {
    profile = head.status();
  }
  const unsigned status = profile.ok() ? 200 : ProblemFromStatus(profile.status()).status;
  if (bank && !Audit(call, bank->first, bank->second, *subject, status)) return;
  if (!profile.ok()) return call->Fail(ProblemFromStatus(profile.status()));
  call->Send(200, "application/json", std::move(*profile));
}

}  // namespace credledger::api
