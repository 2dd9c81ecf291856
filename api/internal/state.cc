#include "api/internal/state.h"

#include <algorithm>

#include "api/internal/call.h"
#include "ledger/records/anchor.h"
#include "ledger/records/consent.h"
#include "ledger/records/schema.h"

namespace credledger::api {

ServiceState::ServiceState(Ledger& l, std::shared_ptr<records::SharedRecordPolicy> p,
                           ServiceOptions o)
    : ledger(l),
      policy(std::move(p)),
      options(std::move(o)),
      router(AllRoutes()),
      verifier(*NoteVerifier::FromVerifierKey(l.VerifierKey())),
      check_pool(options.check_threads) {
  // Bank reads logged before a crash, or while anchoring failed, are anchored now.
  {
    MutexLock lock(anchor_mu_);
    // An unreadable store leaves it at 0: the anchors then cover the whole audit log again.
    auto anchored = policy->reader().index().AnchoredAuditSize();
    anchored_size_ = anchored.ok() ? *anchored : 0;
  }
  Anchor();
}

records::SlaReport ServiceState::SlaSummary() {
  const uint64_t size = ledger.Head().tree_size;
  const std::string now = NowTimestamp();
  const std::string key = std::to_string(size) + " " + now.substr(0, 16);
  MutexLock lock(sla_mu_);
  if (key != sla_key_) {
    const records::RecordReader& reader = policy->reader();
    records::SlaQuery counts_only;
    counts_only.limit = 0;
    auto report =
        records::ComputeSla(reader.index(), *reader.registry(),
                            records::LogReaderSlaLog(ledger.log()), size, now, counts_only);
    sla_summary_ = report.ok() ? std::move(*report) : records::SlaReport();
    sla_key_ = key;
  }
  return sla_summary_;
}

Result<std::shared_ptr<const SignedHead>> ServiceState::Checkpoint() {
  MutexLock lock(checkpoint_mu_);
  const uint64_t size = ledger.Head().tree_size;
  if (!checkpoint_ || checkpoint_->tree_size != size) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string note, ledger.SignedCheckpoint());
    // Signed from the head as it is now, which may have moved on from `size`.
    CREDLEDGER_ASSIGN_OR_RETURN(credledger::Checkpoint parsed,
                                ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1)));
    auto head = std::make_shared<SignedHead>();
    head->tree_size = parsed.tree_size;
    head->note_json = JsonText(Json(note));
    head->note = std::move(note);
    checkpoint_ = std::move(head);
  }
  return checkpoint_;
}

Result<std::shared_ptr<const SignedHead>> ServiceState::PublishedCheckpoint() {
  if (!options.cosigned_checkpoint) return Checkpoint();
  auto cosigned = options.cosigned_checkpoint();
  if (!cosigned) return Checkpoint();
  MutexLock lock(published_mu_);
  if (!published_ || published_->note != cosigned->second) {
    auto head = std::make_shared<SignedHead>();
    head->tree_size = cosigned->first;
    head->note_json = JsonText(Json(cosigned->second));
    head->note = std::move(cosigned->second);
    published_ = std::move(head);
  }
  return published_;
}

bool ServiceState::AuthenticateBank(const std::shared_ptr<Call>& call) {
  if (options.query_audit == nullptr) {
    call->Fail(
        {503, "unavailable", "this node has no query audit log, so it serves no bank reads"});
    return false;
  }
  auto bank = options.banks.Authenticate(call->request.fields.Get("Authorization"));
  if (!bank.ok()) {
    call->headers.Set("WWW-Authenticate", "Bearer realm=\"credledger\"");
    call->Fail(ProblemFromStatus(bank.status()));
    return false;
  }
  auto purpose = call->query.find("purpose");
  // Characters, not bytes (Dispatch has checked the value is UTF-8): a code point is every
  // byte but the continuation bytes 10xxxxxx.
  const size_t characters =
      purpose == call->query.end()
          ? 0
          : static_cast<size_t>(std::count_if(purpose->second.begin(), purpose->second.end(),
                                              [](char c) { return (c & 0xC0) != 0x80; }));
  if (characters == 0 || characters > 200) {
    call->Fail(BadRequest("bad_parameter",
                          "state the purpose of the read: ?purpose= (1 to 200 characters), "
                          "kept in the query audit log"));
    return false;
  }
  call->bank = std::move(*bank);
  call->purpose = purpose->second;
  return true;
}

bool ServiceState::CheckBankConsent(const std::shared_ptr<Call>& call,
                                    const std::vector<std::string>& subjects,
                                    const std::string& audited_subject, const char* scope) {
  if (auto cited = call->query.find("consent"); cited != call->query.end()) {
    // A malformed parameter reads nothing and is not logged, as every other (RECORDS.md).
    if (!records::IsHashHex(cited->second)) {
      call->Fail(BadRequest("bad_parameter", "consent must be a record id: 64 lowercase hex"));
      return false;
    }
    call->consent = cited->second;
  }
  const uint64_t size = ledger.Head().tree_size;
  const std::shared_ptr<const records::Registry> registry = policy->reader().registry();
  if (call->consent.empty() && !registry->ConsentRequiredAt(size)) return true;
  Status covered = Status::PermissionDenied(
      "this ledger requires the enterprise's consent to a bank's read: cite a consent record "
      "the enterprise signed for this bank, purpose and subject, in force today, as "
      "?consent=<record id>");
  if (!call->consent.empty()) {
    records::ConsentedRead read;
    read.consent = call->consent;
    read.bank = call->bank->id;
    read.subjects = subjects;
    read.purpose = call->purpose;
    read.scope = scope;
    read.date = records::LocalDate(registry->CalendarAt(size), NowTimestamp());
    read.tree_size = size;
    covered = records::CheckConsent(policy->reader(), ledger.log(), read);
    if (covered.ok()) return true;
  }
  if (!Audit(call, audited_subject, 403)) return false;
  call->Fail({403, "consent_required", covered.message()});
  return false;
}

bool ServiceState::Audit(const std::shared_ptr<Call>& call, const std::string& subject,
                         unsigned status) {
  auto appended = options.query_audit->Append(
      {call->bank->id, subject, call->purpose, call->request.target, status, call->consent});
  if (!appended.ok()) {
    call->Fail({503, "unavailable",
                "the query audit log cannot be written, so the read is refused: " +
                    appended.status().message()});
    return false;
  }
  Anchor();
  return true;
}

void ServiceState::Anchor() {
  if (!options.node_key || options.query_audit == nullptr) return;
  std::string entry;
  uint64_t size = 0;  // the audit lines this anchor covers
  {
    MutexLock lock(anchor_mu_);
    const records::AuditHead head = options.query_audit->head();
    if (anchor_in_flight_ || head.size <= anchored_size_) return;
    auto made = records::MakeQueryAuditAnchor(head.size, head.hash, head.tree_root, NowTimestamp(),
                                              *options.node_key);
    if (!made.ok()) return;  // the next read tries again
    anchor_in_flight_ = true;
    entry = std::move(*made);
    size = head.size;
  }
  // The completion runs on the sequencer thread; submitting from there only queues.
  ledger.SubmitAsync(std::move(entry), [this, size](Result<AppendReceipt> result) {
    {
      MutexLock lock(anchor_mu_);
      anchor_in_flight_ = false;
      if (!result.ok()) return;  // not retried here (shutting down, store full): next read
      anchored_size_ = std::max(anchored_size_, size);
    }
    Anchor();
  });
}

}  // namespace credledger::api
