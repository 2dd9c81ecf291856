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
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/metrics.h"
#include "ledger/ledger.h"
#include "ledger/records/policy.h"

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
  Service(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
          ServiceOptions options = {});
  ~Service();

  // Answers `request` through `respond`, exactly once. `request_id` is echoed in the
  // X-Request-Id header and in problem bodies.
  void Handle(const Request& request, const std::string& request_id, Respond respond);

  // Every route served, in a fixed order.
  static std::vector<RouteInfo> Routes();

  // After this, /readyz answers 503 and writes are refused with 503 (shutting down).
  void SetDraining() { draining_ = true; }

  Metrics& metrics() { return metrics_; }

 private:
  struct Call;
  struct RouteEntry;
  static const std::vector<RouteEntry>& RouteTable();
  struct CheckpointCache {
    std::mutex mu;
    uint64_t tree_size = UINT64_MAX;
    std::string note;
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

  // Writes take application/json and are refused while draining; otherwise the call is
  // answered (415, 503) and this returns false.
  bool AcceptWrite(const std::shared_ptr<Call>& call);
  // The record named by the call's {id}, if it is committed below `tree_size`; otherwise the
  // call is answered (400 or 404) and the result is empty.
  std::optional<records::RecordInfo> CommittedRecord(const std::shared_ptr<Call>& call,
                                                     uint64_t tree_size);
  // The signed checkpoint of the current head and its tree size (signed once per size).
  Result<std::pair<uint64_t, std::string>> Checkpoint();
  // A durable entry's receipt: index, leaf hash, block, checkpoint and inclusion proof.
  Result<std::string> Receipt(const AppendReceipt& receipt);

  Ledger& ledger_;
  std::shared_ptr<records::SharedRecordPolicy> policy_;
  const ServiceOptions options_;
  Metrics metrics_;
  CheckpointCache checkpoint_;
  std::atomic<bool> draining_{false};
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_SERVICE_H_
