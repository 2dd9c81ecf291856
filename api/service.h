// The API: a pure mapping from an HTTP request to its response, with no sockets in sight, so
// that tests drive it directly and the server (server.h) stays a transport. Each route is
// declared beside its handler (api/handlers/); docs/openapi.yaml documents them, and the tests
// check that the routes served (Service::Routes) and the routes documented are the same set,
// with the same auth and caching.
//
// Writes answer once the entry is durable, without holding a thread while they wait: Handle
// takes a completion, called exactly once, possibly from the ledger's sequencer thread.
//
// Thread-safety: Handle may be called concurrently from any number of threads.
#ifndef CREDLEDGER_API_SERVICE_H_
#define CREDLEDGER_API_SERVICE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "api/log.h"
#include "crypto/keys.h"
#include "ledger/ledger.h"
#include "ledger/records/access.h"
#include "ledger/records/payloads.h"
#include "ledger/records/policy.h"
#include "ledger/records/query_audit.h"

namespace credledger::api {

struct ServiceOptions {
  // Most entries accepted in one POST /v1/entries/batch. Default 1000.
  size_t max_batch_entries = 1000;
  // Threads that check a batch's entries (validation and signature) beside the request's
  // own thread. Default: one fewer than the cores, so that a batch uses them all.
  unsigned check_threads = std::max(1u, std::thread::hardware_concurrency()) - 1;
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
  // More gauges for /metrics (the node's own: its background scrub), read at exposition.
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges;
  // With witnesses (node/cosignatures.h): the latest checkpoint a quorum of them cosigned, as
  // its tree size and signed note (with their lines), or nothing yet. GET /v1/checkpoint,
  // /tlog/checkpoint and bundles serve it; receipts carry the head's checkpoint, signed at
  // once. Null (no witnesses): the head's checkpoint everywhere.
  std::function<std::optional<std::pair<uint64_t, std::string>>()> cosigned_checkpoint;
  // A follower's (node/follower.h): its leader's base URL. Requests it cannot serve itself get
  // 307 Temporary Redirect there, with the same method, path and query: writes, and bank
  // reads (logged in the leader's anchored query audit log). A follower signs public credit
  // profiles with a key of its own (node_key), shown by GET /v1/node as "profile_key".
  // Empty: a node that serves everything.
  std::string leader_url;
  // A cluster follower's (node/cluster.h), in place of leader_url: who leads now, asked at each
  // request (empty while no node leads: writes and bank reads then answer 503).
  std::function<std::string()> current_leader;
  // Whether the node is ready besides its own checks (GET /readyz answers 503 with its
  // error): a follower's lag and alarm. Null: always.
  std::function<Status()> readiness;
};

// What a route changes.
enum class RouteEffect {
  kRead,       // nothing: served while the node drains
  kWrite,      // the node's state: refused while draining (503)
  kJsonWrite,  // a kWrite whose body is application/json (415 otherwise)
};

// Who may call a route. Writes are not authenticated by the transport: an agency or admin
// signature inside the body is checked by the handler (docs/SECURITY.md).
enum class RouteAuth {
  kNone,
  kBank,          // a bank's bearer token and ?purpose=; logged in the query audit log
  kBankOptional,  // the public view without a token, the bank view (logged) with one
};

// What caches may keep of a route's successful answers (errors are never kept).
enum class RouteCache {
  kNoStore,     // Cache-Control: no-store (answers that change as the log grows)
  kImmutable,   // the answer at this URL never changes: public, max-age one year, immutable
  kRevalidate,  // Cache-Control: no-cache (the web app's files: kept, but asked for again)
};

// One route as served: method, path template ("/v1/entries/{index}") and its policies.
struct RouteInfo {
  std::string method;
  std::string path;
  RouteEffect effect;
  RouteAuth auth;
  RouteCache cache;
};

struct ServiceState;  // internal/state.h

class Service : public RequestHandler {
 public:
  // Installs itself as `ledger`'s commit observer (block metrics): the ledger must be
  // destroyed before this Service, or stop being used.
  Service(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
          ServiceOptions options = {});
  ~Service() override;

  // The request is the handler's: a write moves its body on into the log rather than
  // copying it.
  void Handle(Request request, const std::string& request_id, Respond respond) override;

  // Every route served, in a fixed order.
  static std::vector<RouteInfo> Routes();

  // After this, /readyz answers 503 and writes are refused with 503 (shutting down).
  void SetDraining();

 private:
  std::unique_ptr<ServiceState> state_;
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_SERVICE_H_
