// One route of the API, declared beside its handler (api/handlers/*.cc): what a reader needs
// to know about it is in its declaration, and Service::Dispatch does the rest the same way
// for every route (auth, write admission, cache headers, metrics, errors).
#ifndef CREDLEDGER_API_INTERNAL_ROUTE_H_
#define CREDLEDGER_API_INTERNAL_ROUTE_H_

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "api/service.h"

namespace credledger::api {

struct Call;
using Handler = void (*)(const std::shared_ptr<Call>& call);

struct Route {
  std::string_view method;  // "GET", "POST", "PUT", "DELETE"; HEAD goes where GET does
  // "/v1/entries/{index}": a {name} segment captures one decoded segment; a last segment
  // {name...} captures the rest of the path after its slash (possibly empty; segments
  // decoded, '/'-joined).
  // Of the routes a path matches, those with the fewest captures win (a literal beats a
  // capture), and a wildcard loses to any number of plain captures.
  std::string_view path;
  Handler handler;
  RouteEffect effect = RouteEffect::kRead;
  RouteAuth auth = RouteAuth::kNone;
  RouteCache cache = RouteCache::kNoStore;
};

// Each resource file's routes (api/handlers/), in the order they are listed.
std::span<const Route> NodeRoutes();       // node.cc: health, metrics, node, checkpoint, agencies
std::span<const Route> EntryRoutes();      // entries.cc: submit, batch, entries, blocks
std::span<const Route> RecordRoutes();     // records.cc: a record and its history
std::span<const Route> SubjectRoutes();    // subjects.cc: a subject's records
std::span<const Route> SlaRoutes();        // sla.cc: the working-day report
std::span<const Route> AccessLogRoutes();  // access_log.cc: an enterprise's reads, proven
std::span<const Route> ProfileRoutes();    // profile.cc: a subject's signed credit profile
std::span<const Route> ProofRoutes();      // proofs.cc: inclusion and consistency
std::span<const Route> PayloadRoutes();    // payloads.cc: documents off the log
std::span<const Route> VerifyRoutes();     // verify.cc: bundles, POST /v1/verify, /v/{id}
std::span<const Route> TlogRoutes();       // tlog.cc: the C2SP tlog-tiles layout under /tlog/
std::span<const Route> WebRoutes();        // web.cc: the web app at / and /app/

// All of them, in a fixed order (service.cc).
std::vector<Route> AllRoutes();

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_ROUTE_H_
