// Service: matches a request to its route (internal/router.h) and applies what the route
// declares (auth, write admission, caching) the same way for every route, then calls the
// route's handler (api/handlers/).
#include "api/service.h"

#include <algorithm>

#include "api/internal/call.h"
#include "api/internal/route.h"
#include "api/internal/state.h"

namespace credledger::api {
namespace {

// The Allow header (RFC 9110 10.2.1) of a path served by `methods`: HEAD wherever GET is,
// OPTIONS everywhere.
std::string AllowHeader(const std::vector<std::string_view>& methods) {
  std::string out;
  for (std::string_view m : methods) {
    out += std::string(m) + ", ";
    if (m == "GET") out += "HEAD, ";
  }
  return out + "OPTIONS";
}

// Decoded query parameters and path captures are text: UTF-8 with no control characters
// (they reach JSON answers and the query audit log). The problem's detail, or null if all are.
const char* InvalidText(const std::map<std::string, std::string>& query,
                        const std::vector<std::string>& params) {
  auto text = [](std::string_view s) {
    if (!IsValidUtf8(s)) return false;
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  };
  for (const auto& [name, value] : query) {
    if (!text(name) || !text(value)) {
      return "a query parameter is not UTF-8 text (after percent-decoding: no invalid byte "
             "sequences, no control characters)";
    }
  }
  for (const std::string& p : params) {
    if (!text(p)) {
      return "a path segment is not UTF-8 text (after percent-decoding: no invalid byte "
             "sequences, no control characters)";
    }
  }
  return nullptr;
}

// The query's parameters, decoded, into call->query; false (and the call answered 400) if
// one is malformed or given twice.
bool ParseQuery(std::string_view query, Call& call) {
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.empty()) continue;
    std::string name, value;
    const size_t eq = pair.find('=');
    if (!PercentDecode(pair.substr(0, eq), true, &name) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
      call.Fail(BadRequest("bad_parameter", "malformed percent-encoding in the query"));
      return false;
    }
    if (!call.query.emplace(std::move(name), std::move(value)).second) {
      call.Fail(BadRequest("bad_parameter", "a query parameter is given twice"));
      return false;
    }
  }
  return true;
}

// What the route declares, applied before its handler runs: who may call it and whether a
// write is taken now. False if the call has been answered.
bool Admit(const std::shared_ptr<Call>& call) {
  const Route& route = *call->route;
  ServiceState& state = call->state;
  switch (route.auth) {
    case RouteAuth::kNone:
      break;
    case RouteAuth::kBankOptional:
      // A bearer token asks for the bank view; a wrong one is refused, not served the public
      // view.
      if (call->request.fields.Get("Authorization").empty()) break;
      [[fallthrough]];
    case RouteAuth::kBank:
      if (!state.AuthenticateBank(call)) return false;
      break;
  }
  switch (route.effect) {
    case RouteEffect::kRead:
      return true;
    case RouteEffect::kJsonWrite:
      if (!IsJsonContentType(call->request.fields.Get("Content-Type"))) {
        call->Fail({415, "unsupported_media_type", "send entries as application/json"});
        return false;
      }
      [[fallthrough]];
    case RouteEffect::kWrite:
      if (state.draining) {
        call->Fail({503, "unavailable", "the node is shutting down"});
        return false;
      }
      return true;
  }
  return true;
}

// On a follower, answers a request it cannot serve itself with a redirect to its leader
// (ServiceOptions::leader_url); false if it can.
bool ForLeader(const Route& route, Call& call) {
  const ServiceOptions& options = call.state.options;
  const bool in_cluster = static_cast<bool>(options.current_leader);
  const std::string leader = in_cluster ? options.current_leader() : options.leader_url;
  // A bank's read is logged in the query audit log, which the leader anchors in the log.
  const bool bank_read =
      route.auth == RouteAuth::kBank ||
      (route.auth == RouteAuth::kBankOptional && !call.request.fields.Get("Authorization").empty());
  if ((leader.empty() && !in_cluster) || (route.effect == RouteEffect::kRead && !bank_read)) {
    return false;
  }
  if (leader.empty()) {
    call.Fail({503, "no_leader",
               "this node follows its cluster's leader, and no node leads at the moment (an "
               "election is under way, or the cluster's etcd has lost its quorum): writes and "
               "bank reads wait for one; reads and proofs are served meanwhile. Retry"});
    return true;
  }
  call.headers.Set("Location", leader + call.request.target);
  call.Fail({307, "follower",
             "this node follows " + leader +
                 " and keeps a verified copy of its log: writes and bank reads are served there "
                 "(send the same request to the Location)"});
  return true;
}

void Dispatch(const std::shared_ptr<Call>& call) {
  const std::string_view target = call->request.target;
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  if (question != std::string_view::npos && !ParseQuery(target.substr(question + 1), *call)) {
    return;
  }
  const std::string& method = call->request.method;
  RouteMatch match = call->state.router.Match(method, path);
  if (match.route != nullptr) {
    call->route = match.route;
    call->params = std::move(match.params);
    if (const char* bad = InvalidText(call->query, call->params)) {
      return call->Fail(BadRequest("bad_parameter", bad));
    }
    if (ForLeader(*match.route, *call)) return;
    if (!Admit(call)) return;
    try {
      match.route->handler(call);
    } catch (const std::exception& e) {
      // Handlers return errors as values; a throw is a bug. Answer, log, keep serving.
      call->Fail({500, "internal", std::string("unexpected error: ") + e.what()});
    }
    return;
  }
  if (path == "*" && method == "OPTIONS") {
    call->headers.Set("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    return call->Send(204, "text/plain; charset=utf-8", "");
  }
  if (!match.allowed.empty()) {
    call->headers.Set("Allow", AllowHeader(match.allowed));
    if (method == "OPTIONS") return call->Send(204, "text/plain; charset=utf-8", "");
    return call->Fail({405, "method_not_allowed",
                       method.substr(0, 40) + " is not allowed on " +
                           std::string(path.substr(0, 200)) +
                           "; allowed: " + AllowHeader(match.allowed)});
  }
  call->Fail(NotFound("no route " + std::string(path.substr(0, 200))));
}

}  // namespace

std::vector<Route> AllRoutes() {
  std::vector<Route> all;
  for (auto routes : {NodeRoutes(), EntryRoutes(), RecordRoutes(), SubjectRoutes(), SlaRoutes(),
                      AccessLogRoutes(), ProfileRoutes(), ProofRoutes(), PayloadRoutes(),
                      VerifyRoutes(), TlogRoutes(), WebRoutes()}) {
    all.insert(all.end(), routes.begin(), routes.end());
  }
  return all;
}

Service::Service(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
                 ServiceOptions options)
    : state_(std::make_unique<ServiceState>(ledger, std::move(policy), std::move(options))) {
  Metrics& metrics = state_->metrics;
  metrics.AddGauge("credledger_tree_size", "Entries in the log (committed tree size).",
                   [&ledger] { return static_cast<double>(ledger.Head().tree_size); });
  metrics.AddGauge("credledger_block_height", "Height of the last committed block.",
                   [&ledger] { return static_cast<double>(ledger.Head().block_height); });
  metrics.AddGauge("credledger_pending_entries",
                   "Entries submitted and waiting for the sequencer to take them into a block.",
                   [&ledger] { return static_cast<double>(ledger.PendingEntries()); });
  metrics.AddGauge("credledger_store_writable",
                   "1 while the store takes writes; 0 while a failed block write is unsettled "
                   "and writes are refused (a full or failing disk).",
                   [&ledger] { return ledger.WriteRefusal().ok() ? 1.0 : 0.0; });
  ServiceState* state = state_.get();
  metrics.AddGauge("credledger_sla_open_cases",
                   "Repair applications with a step not done yet (GET /v1/sla).",
                   [state] { return static_cast<double>(state->SlaSummary().open); });
  metrics.AddGauge("credledger_sla_overdue_steps",
                   "Steps of repair applications past their working-day deadline and not done.",
                   [state] { return static_cast<double>(state->SlaSummary().overdue); });
  metrics.AddGauge("credledger_sla_missed_steps",
                   "Steps of repair applications done after their working-day deadline.",
                   [state] { return static_cast<double>(state->SlaSummary().missed); });
  for (const ServiceOptions::Gauge& g : state_->options.gauges) {
    metrics.AddGauge(g.name, g.help, g.read);
  }
  ledger.SetCommitObserver([&metrics](const BlockCommit& c) {
    metrics.ObserveBlockCommit(c.write_seconds, c.wait_seconds, c.entries);
  });
}

Service::~Service() = default;

std::vector<RouteInfo> Service::Routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : AllRoutes()) {
    out.push_back({std::string(r.method), std::string(r.path), r.effect, r.auth, r.cache});
  }
  return out;
}

void Service::SetDraining() { state_->draining = true; }

void Service::Handle(Request request, const std::string& request_id, Respond respond) {
  Dispatch(std::make_shared<Call>(*state_, std::move(request), request_id, std::move(respond)));
}

}  // namespace credledger::api
