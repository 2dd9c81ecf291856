// The API's request handlers: a pure mapping from an HTTP request to its response, with no
// sockets in sight, so that tests can drive it directly and the server (server.h) stays a
// transport. Routes, parameters and answers: docs/openapi.yaml (the tests check that the
// routes served and the routes documented are the same set).
//
// Writes answer once the entry is durable, without holding a thread while they wait: Handle
// takes a completion, called exactly once, possibly from the ledger's sequencer thread.
//
// Thread-safety: Handle may be called concurrently from any number of threads.
#ifndef CREDLEDGER_API_SERVICE_H_
#define CREDLEDGER_API_SERVICE_H_

#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/log.h"
#include "api/metrics.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/records/access.h"
#include "ledger/records/bundle.h"
#include "ledger/records/payloads.h"
#include "ledger/records/policy.h"
#include "ledger/records/query_audit.h"

namespace credledger::api {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(Response)>;

struct ServiceOptions {
  // Most entries accepted in one POST /v1/entries/batch. Default 1000.
  size_t max_batch_entries = 1000;
  // Most records in one page of GET /v1/subjects/{uscc}/records. Default 500.
  size_t max_page = 500;
  std::string version = "0.1.0";
  // Documents off the log (/v1/payloads/{hash}); null: those routes answer 503.
  records::PayloadStore* payloads = nullptr;
  // The banks that may read access-controlled routes (default: none may).
  records::BankAccess banks;
  // Where every bank read is logged before it is answered; null: bank routes answer 503,
  // since no read may go unlogged.
  records::QueryAuditLog* query_audit = nullptr;
  // The node's key (the one its ledger signs checkpoints with): it signs the anchors of the
  // query audit log and credit profiles. Absent: the audit log is not anchored and
  // /v1/subjects/{uscc}/profile answers 503.
  std::optional<crypto::PrivateKey> node_key;
  // How far an erasure request's requested_at may be from the node's clock. Default 10 min.
  std::chrono::seconds erasure_clock_skew{600};
  // Where a 500's detail goes, with its request id: the client is told only the request id
  // (the detail may name files, keys or internal state). Null: not logged.
  std::function<void(const LogFields&)> log_error;
};

// A response with the headers every answer carries (content type, no-store, X-Request-Id):
// what handlers send, and what the server sends for a request it could not parse.
Response MakeResponse(unsigned status, std::string_view content_type, std::string body,
                      std::string_view request_id, unsigned http_version, bool keep_alive);

// One route: method and path template ("/v1/entries/{index}").
struct RouteInfo {
  std::string method;
  std::string path;
};

class Service {
 public:
  // Installs itself as `ledger`'s commit observer (block metrics): the ledger must be
  // destroyed before this Service, or stop being used.
  Service(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
          ServiceOptions options = {});
  ~Service();

  // Answers `request` through `respond`, exactly once. `request_id` is echoed in the
  // X-Request-Id header and in problem bodies. The request is the handler's: a write moves
  // its body on into the log rather than copying it.
  void Handle(Request request, const std::string& request_id, Respond respond);

  // Every route served, in a fixed order.
  static std::vector<RouteInfo> Routes();

  // After this, /readyz answers 503 and writes are refused with 503 (shutting down).
  void SetDraining() { draining_ = true; }

  Metrics& metrics() { return metrics_; }

 private:
  struct Call;
  struct RouteEntry;
  static const std::vector<RouteEntry>& RouteTable();
  // The signed checkpoint of one tree size, as answers carry it.
  struct SignedHead {
    uint64_t tree_size = 0;
    std::string note;       // the C2SP signed note
    std::string note_json;  // the note as a JSON string (escaped once, not per answer)
  };
  struct CheckpointCache {
    Mutex mu;
    std::shared_ptr<const SignedHead> head GUARDED_BY(mu);  // of the latest tree size asked for
  };

  void Dispatch(const std::shared_ptr<Call>& call);

  void Health(const std::shared_ptr<Call>& call);
  void Ready(const std::shared_ptr<Call>& call);
  void MetricsText(const std::shared_ptr<Call>& call);
  void NodeInfo(const std::shared_ptr<Call>& call);
  void GetCheckpoint(const std::shared_ptr<Call>& call);
  void PostEntry(const std::shared_ptr<Call>& call);
  void PostBatch(const std::shared_ptr<Call>& call);
  void GetEntry(const std::shared_ptr<Call>& call);
  void GetRecord(const std::shared_ptr<Call>& call);
  void GetRecordHistory(const std::shared_ptr<Call>& call);
  void GetSubjectRecords(const std::shared_ptr<Call>& call);
  void GetBlock(const std::shared_ptr<Call>& call);
  void GetLatestBlock(const std::shared_ptr<Call>& call);
  void GetAgencies(const std::shared_ptr<Call>& call);
  void GetAgency(const std::shared_ptr<Call>& call);
  void InclusionProof(const std::shared_ptr<Call>& call);
  void ConsistencyProof(const std::shared_ptr<Call>& call);
  void PutPayload(const std::shared_ptr<Call>& call);
  void GetPayload(const std::shared_ptr<Call>& call);
  void DeletePayload(const std::shared_ptr<Call>& call);
  // verify.cc: proof bundles and verification.
  void GetRecordBundle(const std::shared_ptr<Call>& call);
  void GetEntryBundle(const std::shared_ptr<Call>& call);
  void PostVerify(const std::shared_ptr<Call>& call);
  void VerifyPage(const std::shared_ptr<Call>& call);
  // profile.cc
  void GetSubjectProfile(const std::shared_ptr<Call>& call);
  // The {uscc} of a subject route: a GB 32100 code or a 64-hex person commitment; otherwise
  // the call is answered (400) and the result is empty.
  std::optional<std::string> SubjectParam(const std::shared_ptr<Call>& call);

  // Record `record_id`'s bundle at the current checkpoint, and its verdict as any outside
  // verifier reaches it: with the node's verifier key only (and `document` if given).
  struct Verified {
    std::string bundle;
    records::BundleVerdict verdict;
    Json ToJson() const;  // the verdict, with the bundle as "bundle"
  };
  Result<Verified> VerifyRecord(const std::string& record_id,
                                std::optional<std::string> document = std::nullopt);
  // Answers with record `record_id`'s bundle as a download (404 if there is no such record).
  void SendBundle(const std::shared_ptr<Call>& call, const std::string& record_id);

  // The {hash} of a payload route, if the payload store is configured and it is 64 hex;
  // otherwise the call is answered (503, 400) and the result is empty.
  std::optional<std::string> PayloadHash(const std::shared_ptr<Call>& call);
  // The bank making the call and its stated purpose (?purpose=), if the audit log is there,
  // the bearer token is a bank's and a purpose is given; otherwise answered (503, 401, 400).
  std::optional<std::pair<records::Bank, std::string>> BankCall(const std::shared_ptr<Call>& call);
  // Logs a bank read with the status it is about to get. False (and the call answered 503)
  // if the log cannot be written: the read is then refused.
  bool Audit(const std::shared_ptr<Call>& call, const records::Bank& bank,
             const std::string& purpose, const std::string& subject, unsigned status);
  // Submits an anchor of the audit log's head unless one is in flight; the completion
  // submits again if the log grew meanwhile, so each block after a bank read anchors it.
  void Anchor();

  // Writes take application/json and are refused while draining; otherwise the call is
  // answered (415, 503) and this returns false.
  bool AcceptWrite(const std::shared_ptr<Call>& call);
  // The record named by the call's {id}, if it is committed below `tree_size`; otherwise the
  // call is answered (400 or 404) and the result is empty.
  std::optional<records::RecordInfo> CommittedRecord(const std::shared_ptr<Call>& call,
                                                     uint64_t tree_size);
  // The signed checkpoint of the current head (signed once per tree size, then shared).
  Result<std::shared_ptr<const SignedHead>> Checkpoint();
  // A durable entry's receipt: index, leaf hash, block, checkpoint and inclusion proof.
  Result<std::string> Receipt(const AppendReceipt& receipt);

  Ledger& ledger_;
  std::shared_ptr<records::SharedRecordPolicy> policy_;
  const ServiceOptions options_;
  Metrics metrics_;
  NoteVerifier verifier_;  // the node's own verifier key: it checks bundles as outsiders do
  records::VerificationCache verified_;  // its checkpoints and blocks, checked once each
  CheckpointCache checkpoint_;
  std::atomic<bool> draining_{false};
  Mutex anchor_mu_;
  bool anchor_in_flight_ GUARDED_BY(anchor_mu_) = false;
  uint64_t anchored_size_ GUARDED_BY(anchor_mu_) = 0;  // audit lines anchored so far
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_SERVICE_H_
