// What the handlers share: the ledger, the record policy, the options, and the few pieces of
// state that outlive a request (the signed checkpoint of the latest tree size, the query
// audit log's anchoring). Service owns one; every Call points at it. Not part of the API.
#ifndef CREDLEDGER_API_INTERNAL_STATE_H_
#define CREDLEDGER_API_INTERNAL_STATE_H_

#include <atomic>
#include <memory>
#include <string>

#include "api/internal/router.h"
#include "api/internal/work_pool.h"
#include "api/metrics.h"
#include "api/service.h"
#include "crypto/mutex.h"
#include "ledger/checkpoint.h"
#include "ledger/records/bundle.h"
#include "ledger/records/sla.h"

namespace credledger::api {

struct Call;

// The signed checkpoint of one tree size, as answers carry it.
struct SignedHead {
  uint64_t tree_size = 0;
  std::string note;       // the C2SP signed note
  std::string note_json;  // the note as a JSON string (escaped once, not per answer)
};

struct ServiceState {
  ServiceState(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
               ServiceOptions options);

  // The signed checkpoint of the current head (signed once per tree size, then shared).
  Result<std::shared_ptr<const SignedHead>> Checkpoint();
  // The checkpoint the node publishes: the latest one its witnesses' quorum cosigned
  // (ServiceOptions::cosigned_checkpoint), or, without witnesses or before their first
  // quorum, Checkpoint().
  Result<std::shared_ptr<const SignedHead>> PublishedCheckpoint();

  // For a RouteAuth::kBank route (and kBankOptional with an Authorization header): sets
  // call->bank and call->purpose if the audit log is there, the bearer token is a bank's and
  // a purpose is given; otherwise answers the call (503, 401, 400) and returns false.
  bool AuthenticateBank(const std::shared_ptr<Call>& call);
  // For a bank's read of `subjects`' data of kind `scope` ("profile", "documents"): the
  // consent the call cites (?consent=) must be in force for it (records/consent.h), and one
  // must be cited when the registry requires consent. Otherwise logs the read (as
  // `audited_subject`) refused with 403 consent_required, answers it so and returns false.
  bool CheckBankConsent(const std::shared_ptr<Call>& call, const std::vector<std::string>& subjects,
                        const std::string& audited_subject, const char* scope);
  // Logs the call's bank read with the status it is about to get. False (and the call
  // answered 503) if the log cannot be written: the read is then refused.
  bool Audit(const std::shared_ptr<Call>& call, const std::string& subject, unsigned status);

  // The working-day report's counts as of now, for the metrics: computed at most once per
  // tree size and minute (a scrape reads three of them). An error counts as an empty report.
  records::SlaReport SlaSummary();

  Ledger& ledger;
  const std::shared_ptr<records::SharedRecordPolicy> policy;
  const ServiceOptions options;
  const Router router;
  Metrics metrics;
  const NoteVerifier verifier;  // the node's own verifier key: it checks bundles as outsiders do
  records::VerificationCache verified;  // its checkpoints and blocks, checked once each
  std::atomic<bool> draining{false};
  // Checks the entries of a batch on every core (ServiceOptions::check_threads).
  WorkPool check_pool;

 private:
  // Submits an anchor of the audit log's head unless one is in flight; the completion
  // submits again if the log grew meanwhile, so each block after a bank read anchors it.
  void Anchor();

  Mutex published_mu_;
  std::shared_ptr<const SignedHead> published_ GUARDED_BY(published_mu_);

  Mutex checkpoint_mu_;
  std::shared_ptr<const SignedHead> checkpoint_ GUARDED_BY(checkpoint_mu_);  // latest asked for
  Mutex sla_mu_;
  records::SlaReport sla_summary_ GUARDED_BY(sla_mu_);
  std::string sla_key_ GUARDED_BY(sla_mu_);  // "<tree size> <minute>" it was computed for
  Mutex anchor_mu_;
  bool anchor_in_flight_ GUARDED_BY(anchor_mu_) = false;
  uint64_t anchored_size_ GUARDED_BY(anchor_mu_) = 0;  // audit lines anchored so far
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_STATE_H_
