#include "node/node.h"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <iostream>
#include <mutex>

#include "api/server.h"
#include "api/service.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"
#include "ledger/records/policy.h"
#include "node/dev_ledger.h"

namespace credledger::node {
namespace {

std::mutex log_mu;

void LogLine(const std::string& line) {
  std::lock_guard lock(log_mu);
  std::cerr << line << std::endl;
}

// logfmt line to JSON: the server writes logfmt; "json" re-encodes each pair.
std::string LogfmtToJson(const std::string& line) {
  Json out = Json::object();
  size_t i = 0;
  while (i < line.size()) {
    size_t eq = line.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = line.substr(i, eq - i);
    std::string value;
    size_t j = eq + 1;
    if (j < line.size() && line[j] == '"') {
      for (++j; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) ++j;
        value += line[j];
      }
      ++j;
    } else {
      size_t sp = line.find(' ', j);
      value = line.substr(j, sp == std::string::npos ? std::string::npos : sp - j);
      j = sp == std::string::npos ? line.size() : sp;
    }
    out[key] = value;
    i = j + 1;
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Event(const NodeConfig& config, const std::string& logfmt) {
  if (config.log_format == "none") return;
  LogLine(config.log_format == "json" ? LogfmtToJson(logfmt) : logfmt);
}

std::string Now() { return NowTimestamp(); }

int Fail(const NodeConfig& config, const std::string& what, const Status& s) {
  // Startup failures are printed whatever the log format: the operator must see them.
  (void)config;
  LogLine("time=" + Now() + " level=error msg=\"" + what + "\" error=\"" + s.ToString() + "\"");
  return 1;
}

}  // namespace

int RunNode(const NodeConfig& config) {
  // Every thread started from here on inherits this mask; this thread waits for the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  DataDirOptions options;
  options.ledger.max_block_entries = config.block_max_entries;
  options.ledger.max_block_delay = std::chrono::microseconds(config.block_max_delay_us);
  options.ledger.max_entry_bytes = config.max_body_bytes;

  struct stat st;
  const bool exists = ::stat(StorePath(config.data_dir).c_str(), &st) == 0;
  std::unique_ptr<Ledger> ledger;
  if (!exists && config.dev) {
    auto created = CreateDevLedger(config.data_dir, options);
    if (!created.ok())
      return Fail(config, "cannot create the development ledger", created.status());
    ledger = std::move(*created);
    Event(config, "time=" + Now() + " level=info msg=\"created a development ledger\" data_dir=\"" +
                      config.data_dir + "\" keys=\"" + config.data_dir + "/dev-keys\"");
  } else if (!exists) {
    return Fail(config, "no ledger in " + config.data_dir,
                Status::NotFound("create one with `ledgerctl init --genesis`, or start with --dev "
                                 "for a development ledger"));
  } else {
    auto opened = OpenLedgerInDir(config.data_dir, options);
    if (!opened.ok()) return Fail(config, "cannot open the ledger", opened.status());
    ledger = std::move(*opened);
  }

  // The record indexes live in memory and are rebuilt from the log at every start.
  const auto replay_start = std::chrono::steady_clock::now();
  auto replayed = records::RecordPolicy::Replay(ledger->Head().tree_size,
                                                [&](uint64_t i) { return ledger->GetEntry(i); });
  if (!replayed.ok()) return Fail(config, "cannot rebuild the record indexes", replayed.status());
  auto policy = std::make_shared<records::SharedRecordPolicy>(std::move(*replayed));
  ledger->SetAdmissionPolicy(policy);
  const double replay_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - replay_start)
          .count();

  api::ServiceOptions service_options;
  service_options.max_batch_entries = config.max_batch_entries;
  api::Service service(*ledger, policy, service_options);
  api::ServerOptions server_options;
  server_options.address = config.listen_address;
  server_options.port = static_cast<uint16_t>(config.port);
  server_options.threads = static_cast<unsigned>(config.threads);
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.max_header_bytes = config.max_header_bytes;
  server_options.max_connections = config.max_connections;
  server_options.read_timeout = std::chrono::milliseconds(config.read_timeout_ms);
  server_options.write_timeout = std::chrono::milliseconds(config.write_timeout_ms);
  if (config.log_format != "none") {
    server_options.log = [&config](const std::string& line) { Event(config, line); };
  }
  auto server = api::Server::Start(service, server_options);
  if (!server.ok()) return Fail(config, "cannot start the HTTP server", server.status());

  const TreeHead head = ledger->Head();
  Event(config, "time=" + Now() + " level=info msg=listening url=\"http://" +
                    config.listen_address + ":" + std::to_string((*server)->port()) +
                    "\" origin=\"" + ledger->params().origin + "\" verifier_key=\"" +
                    ledger->VerifierKey() + "\" tree_size=" + std::to_string(head.tree_size) +
                    " index_rebuild_ms=" + std::to_string(replay_ms));

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  Event(config, "time=" + Now() +
                    " level=info msg=\"shutting down\" signal=" + std::to_string(signal_number));
  service.SetDraining();
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  server->reset();
  ledger.reset();  // commits every pending block before returning
  Event(config, "time=" + Now() + " level=info msg=stopped");
  return 0;
}

}  // namespace credledger::node
