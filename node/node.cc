#include "node/node.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "api/log.h"
#include "api/server.h"
#include "api/service.h"
#include "api/witness_service.h"
#include "crypto/mutex.h"
#include "ledger/data_dir.h"
#include "ledger/merkle.h"
#include "ledger/records/payloads.h"
#include "ledger/records/policy.h"
#include "ledger/witness/witness.h"
#include "node/cosignatures.h"
#include "node/dev_ledger.h"
#include "node/follower.h"
#include "node/scrubber.h"
#include "node/tile_publisher.h"

namespace credledger::node {
namespace {

// The node's own events and the server's request lines, in the configured format, one line
// each on stderr. Errors are printed even with log_format "none": an operator must see why the
// node did not start.
class Logger {
 public:
  explicit Logger(const std::string& format)
      : enabled_(format != "none"),
        format_(format == "json" ? api::LogFormat::kJson : api::LogFormat::kLogfmt) {}

  void Info(const api::LogFields& fields) const {
    if (enabled_) Write("info", fields);
  }
  // Printed whatever the log format: an operator must see it.
  void Error(const api::LogFields& fields) const { Write("error", fields); }
  // Logs why the node cannot run and returns the exit code for it.
  int Fail(const std::string& what, const Status& status) const {
    Write("error", {{"msg", what}, {"error", status.ToString()}});
    return 1;
  }

 private:
  // One write(2) per line (std::cerr would make two, unbuffered): at thousands of requests
  // per second the log is a large share of the node's system calls.
  void Write(std::string_view level, const api::LogFields& fields) const {
    std::string line = api::FormatLogLine(format_, level, fields);
    line.push_back('\n');
    MutexLock lock(mu_);
    Status written = WriteAll(STDERR_FILENO, line);
    (void)written;  // nowhere to log to: the node goes on serving
  }

  const bool enabled_;
  const api::LogFormat format_;
  mutable Mutex mu_;
};

// The HTTP server's options from the configuration; requests logged through `log`.
api::ServerOptions ServerOptionsFor(const NodeConfig& config, const Logger& log) {
  api::ServerOptions o;
  o.address = config.listen_address;
  o.port = static_cast<uint16_t>(config.port);
  o.threads = static_cast<unsigned>(config.threads);
  o.max_body_bytes = config.max_body_bytes;
  o.max_header_bytes = config.max_header_bytes;
  o.max_connections = config.max_connections;
  o.read_timeout = std::chrono::milliseconds(config.read_timeout_ms);
  o.write_timeout = std::chrono::milliseconds(config.write_timeout_ms);
  o.tls_cert_file = config.tls_cert_file;
  o.tls_key_file = config.tls_key_file;
  o.tls_client_ca_file = config.tls_client_ca_file;
  if (config.log_format != "none") {
    o.log = [&log](const api::LogFields& fields) { log.Info(fields); };
  }
  return o;
}

// The logs a witness follows: "<verifier key> [sha256|sm3]" per line; '#' starts a comment.
Result<std::vector<witness::FollowedLog>> ReadFollowedLogs(const std::string& path) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::vector<witness::FollowedLog> logs;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    witness::FollowedLog log;
    std::string hash, extra;
    if (!(words >> log.vkey)) continue;  // blank
    if (words >> hash) {
      auto alg = crypto::ParseHashAlgorithm(hash);
      if (!alg.ok()) {
        return Status::InvalidArgument(path + ":" + std::to_string(number) +
                                       ": the tree hash is sha256 or sm3, not " + hash);
      }
      log.tree_hash = *alg;
    }
    if (words >> extra) {
      return Status::InvalidArgument(path + ":" + std::to_string(number) +
                                     ": a line is a verifier key and, optionally, its tree hash");
    }
    logs.push_back(std::move(log));
  }
  if (logs.empty()) return Status::InvalidArgument(path + " names no log to follow");
  return logs;
}

// A leader's own parts, beside its ledger: the document store, the query audit log of banks'
// reads, the banks, and the node key (which signs the audit log's anchors and credit
// profiles), into `options`. Returns 0, or the exit code once it has logged why not.
int OpenLeaderParts(const NodeConfig& config, const Logger& log, const Ledger& ledger,
                    std::unique_ptr<Store>* payload_store,
                    std::unique_ptr<records::PayloadStore>* payloads,
                    std::unique_ptr<records::QueryAuditLog>* query_audit,
                    api::ServiceOptions* options) {
  LevelDbOptions payload_options;
  payload_options.create_if_missing = true;  // documents come and go; the log is what matters
  payload_options.block_cache_bytes = 8 << 20;
  payload_options.write_buffer_bytes = 4 << 20;
  auto opened_payloads = OpenLevelDbStore(config.data_dir + "/payloads", payload_options);
  if (!opened_payloads.ok())
    return log.Fail("cannot open the document store", opened_payloads.status());
  *payload_store = std::move(*opened_payloads);
  *payloads =
      std::make_unique<records::PayloadStore>(payload_store->get(), ledger.params().tree_hash);
  auto audit = records::QueryAuditLog::Open(config.data_dir + "/query-audit.jsonl");
  if (!audit.ok()) return log.Fail("cannot open the query audit log", audit.status());
  *query_audit = std::move(*audit);
  std::string banks_file = config.banks_file;
  if (banks_file.empty() && config.dev) {
    auto dev_banks = EnsureDevBank(config.data_dir);
    if (!dev_banks.ok()) return log.Fail("cannot create the demo bank", dev_banks.status());
    banks_file = *dev_banks;
  }
  if (!banks_file.empty()) {
    auto loaded = records::BankAccess::FromFile(banks_file);
    if (!loaded.ok()) return log.Fail("cannot load the banks file", loaded.status());
    options->banks = std::move(*loaded);
  }
  auto node_key = LoadNodeKey(DefaultNodeKeyPath(config.data_dir));
  if (!node_key.ok()) return log.Fail("cannot read the node key", node_key.status());
  options->payloads = payloads->get();
  options->query_audit = query_audit->get();
  options->node_key = *node_key;
  return 0;
}

// Witness mode: the C2SP witness API over <data_dir>/witness, until SIGINT or SIGTERM.
int RunWitness(const NodeConfig& config, const sigset_t& signals, const Logger& log) {
  auto lock = DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) return log.Fail("cannot take the data directory", lock.status());
  auto logs = ReadFollowedLogs(config.witness_logs_file);
  if (!logs.ok()) return log.Fail("cannot read the logs to follow", logs.status());
  const std::string key_path = config.witness_key_file.empty()
                                   ? config.data_dir + "/witness-key.pem"
                                   : config.witness_key_file;
  auto key =
      config.witness_key_file.empty() ? LoadOrCreateNodeKey(key_path) : LoadNodeKey(key_path);
  if (!key.ok()) return log.Fail("cannot read the witness key", key.status());
  auto cosigner = witness::Cosigner::Create(config.witness_name, std::move(*key));
  if (!cosigner.ok()) return log.Fail("cannot use the witness key", cosigner.status());
  LevelDbOptions store_options;
  store_options.create_if_missing = true;
  store_options.block_cache_bytes = 1 << 20;
  store_options.write_buffer_bytes = 1 << 20;
  auto store = OpenLevelDbStore(config.data_dir + "/witness", store_options);
  if (!store.ok()) return log.Fail("cannot open the witness state", store.status());
  const std::string vkey = cosigner->VerifierKey();
  auto opened = witness::Witness::Open(std::move(*store), std::move(*cosigner), *logs, [] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  });
  if (!opened.ok()) return log.Fail("cannot start the witness", opened.status());
  if (!config.witness_audit_url.empty()) {
    if (logs->size() != 1) {
      return log.Fail("cannot audit",
                      Status::InvalidArgument("an auditing witness follows one log, the one its "
                                              "follower copies; " +
                                              config.witness_logs_file + " names " +
                                              std::to_string(logs->size())));
    }
    (*opened)->SetAudit(
        FollowerAudit(config.witness_audit_url, config.follow_ca_file, logs->front()));
  }
  api::WitnessService service(**opened);
  const api::ServerOptions server_options = ServerOptionsFor(config, log);
  auto server = api::Server::Start(service, server_options);
  if (!server.ok()) return log.Fail("cannot start the HTTP server", server.status());
  log.Info({{"msg", "witnessing"},
            {"url", std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" +
                        config.listen_address + ":" + std::to_string((*server)->port())},
            {"witness_key", vkey},
            {"audits", config.witness_audit_url.empty() ? "no" : config.witness_audit_url},
            {"logs", std::to_string(logs->size())}});
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info({{"msg", "shutting down"}, {"signal", std::to_string(signal_number)}});
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  server->reset();
  log.Info({{"msg", "stopped"}});
  return 0;
}

}  // namespace

int RunNode(const NodeConfig& config) {
  // Every thread started from here on inherits this mask; this thread waits for the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const Logger log(config.log_format);
  if (!config.witness_name.empty()) return RunWitness(config, signals, log);

  DataDirOptions options;
  options.ledger.max_block_entries = config.block_max_entries;
  options.ledger.max_block_delay = std::chrono::microseconds(config.block_max_delay_us);
  options.ledger.max_entry_bytes = config.max_body_bytes;
  options.ledger.tile_cache_tiles = config.tile_cache_tiles;
  options.ledger.leaf_filter_bytes = config.leaf_filter_mb << 20;
  options.leveldb.block_cache_bytes = config.store_cache_mb << 20;
  options.leveldb.write_buffer_bytes = config.store_write_buffer_mb << 20;

  // One process serves a data directory: a second start on it (two first --dev starts racing
  // to create it, above all) is refused, naming the first, before it touches anything.
  auto lock = DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) return log.Fail("cannot take the data directory", lock.status());

  // A follower opens its copy of the leader's log, or starts one from the leader's genesis.
  const bool following = !config.follow.empty();
  FollowerOptions follow_options;
  follow_options.leader_url = config.follow;
  follow_options.leader_vkey = config.follow_key;
  follow_options.ca_file = config.follow_ca_file;
  follow_options.poll = std::chrono::milliseconds(config.follow_poll_ms);
  follow_options.alarm_path = config.data_dir + "/follow-alarm.json";
  // No store yet: with --dev, create the development ledger; otherwise say how to make one.
  // (Other NotFound errors, such as a missing node key beside a store, are not "no ledger".)
  const bool has_store = std::filesystem::exists(StorePath(config.data_dir));
  if (!has_store && !config.dev && !following) {
    return log.Fail("no ledger in " + config.data_dir,
                    Status::NotFound("create one with `ledgerctl init --genesis`, or start with "
                                     "--dev for a development ledger"));
  }
  auto opened = following   ? Follower::OpenOrCreate(config.data_dir, options, follow_options)
                : has_store ? OpenLedgerInDir(config.data_dir, options)
                            : CreateDevLedger(config.data_dir, options);
  if (!opened.ok()) {
    return log.Fail(following   ? "cannot open or start the copy of the leader's log"
                    : has_store ? "cannot open the ledger"
                                : "cannot create the development ledger",
                    opened.status());
  }
  if (!has_store && !following) {
    log.Info({{"msg", "created a development ledger"},
              {"data_dir", config.data_dir},
              {"keys", config.data_dir + "/dev-keys"}});
  }
  std::unique_ptr<Ledger> ledger = std::move(*opened);

  // The record indexes live in the store, kept by the policy in the blocks' own batches:
  // opening them reads their metadata and the registry's few entries, whatever the log's size.
  const auto open_start = std::chrono::steady_clock::now();
  auto opened_policy = records::RecordPolicy::Open(*ledger);
  if (!opened_policy.ok())
    return log.Fail("cannot open the record indexes", opened_policy.status());
  auto policy = std::make_shared<records::SharedRecordPolicy>(std::move(*opened_policy));
  ledger->SetAdmissionPolicy(policy);
  const double open_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - open_start)
          .count();

  api::ServiceOptions service_options;
  service_options.max_batch_entries = config.max_batch_entries;
  service_options.log_error = [&log](const api::LogFields& fields) { log.Error(fields); };
  // A follower copies and verifies its leader's blocks; it holds no documents, banks or key.
  std::unique_ptr<Follower> follower;
  std::unique_ptr<Store> payload_store;
  std::unique_ptr<records::PayloadStore> payloads;
  std::unique_ptr<records::QueryAuditLog> query_audit;
  if (following) {
    auto started = Follower::Start(*ledger, policy, follow_options,
                                   [&log](const std::string& what, const std::string& detail) {
                                     log.Error({{"msg", what}, {"detail", detail}});
                                   });
    if (!started.ok()) return log.Fail("cannot follow the leader", started.status());
    follower = std::move(*started);
    service_options.leader_url = config.follow;
    // Public credit profiles, assembled from the verified copy, are signed with a key of the
    // follower's own (docs/FOLLOWERS.md), made on its first start.
    auto profile_key = LoadOrCreateNodeKey(config.data_dir + "/profile-key.pem");
    if (!profile_key.ok()) return log.Fail("cannot read the profile key", profile_key.status());
    service_options.node_key = *profile_key;
    service_options.readiness = [f = follower.get(), lag = config.follow_max_lag_s] {
      return f->Readiness(std::chrono::seconds(lag));
    };
  } else if (int failed = OpenLeaderParts(config, log, *ledger, &payload_store, &payloads,
                                          &query_audit, &service_options);
             failed != 0) {
    return failed;
  }
  // The background scrub: the whole log read back, paced, pass after pass (docs/DESIGN.md).
  auto scrubber = std::make_unique<Scrubber>(
      ledger->log(), ledger->store(),
      ScrubberOptions{config.scrub_entries_per_second, std::chrono::seconds(config.scrub_pause_s)},
      [&log](const Status& found, const ScrubProgress& reached, double seconds) {
        if (found.ok()) {
          log.Info({{"msg", "scrub pass complete"},
                    {"entries", std::to_string(reached.entries)},
                    {"blocks", std::to_string(reached.blocks)},
                    {"seconds", std::to_string(seconds)}});
        } else {
          log.Error({{"msg", "the scrub found damage in the store"},
                     {"error", found.ToString()},
                     {"advice",
                      "stop the node and run `ledgerctl fsck`; restore the store "
                      "from a copy that passes it"}});
        }
      });
  Scrubber* scrub = scrubber.get();
  // The witnesses that cosign the node's checkpoints, if any (docs/WITNESS.md).
  std::unique_ptr<CosignatureCollector> cosignatures;
  if (!config.witnesses_file.empty()) {
    auto witnesses = ReadWitnessEndpoints(config.witnesses_file);
    if (!witnesses.ok()) return log.Fail("cannot read the witnesses file", witnesses.status());
    const size_t quorum =
        config.witness_quorum > 0 ? config.witness_quorum : witnesses->size() / 2 + 1;
    auto started = CosignatureCollector::Start(
        *ledger, *witnesses, quorum, std::chrono::milliseconds(config.witness_poll_ms),
        [&log](const std::string& what, const std::string& witness, const std::string& detail) {
          log.Error({{"msg", what}, {"witness", witness}, {"detail", detail}});
        });
    if (!started.ok()) return log.Fail("cannot start the cosigning", started.status());
    cosignatures = std::move(*started);
    service_options.cosigned_checkpoint =
        [c = cosignatures.get()]() -> std::optional<std::pair<uint64_t, std::string>> {
      auto published = c->Published();
      if (!published) return std::nullopt;
      return std::make_pair(published->tree_size, std::move(published->note));
    };
  }
  CosignatureCollector* cosigning = cosignatures.get();
  // The C2SP tiles as static files for a web server, if asked for (docs/TILES.md): up to the
  // published checkpoint.
  std::unique_ptr<TilePublisher> publisher;
  if (!config.tlog_dir.empty()) {
    TilePublisher::CheckpointSource source = [&ledger, cosigning]() -> Result<std::string> {
      if (cosigning == nullptr) return ledger->SignedCheckpoint();
      auto published = cosigning->Published();
      if (!published) return Status::Unavailable("no checkpoint cosigned by a quorum yet");
      return std::move(published->note);
    };
    publisher = std::make_unique<TilePublisher>(
        *ledger, std::move(source), config.tlog_dir,
        std::chrono::milliseconds(config.tlog_interval_ms),
        [&log, dir = config.tlog_dir](const Result<tlog::StaticWrite>& written) {
          if (!written.ok()) {
            log.Error({{"msg", "cannot write the static tiles"},
                       {"tlog_dir", dir},
                       {"error", written.status().ToString()}});
          } else if (written->skipped_bundles > 0) {
            log.Error({{"msg", "entry bundles left out of the static tiles"},
                       {"tlog_dir", dir},
                       {"bundles", std::to_string(written->skipped_bundles)},
                       {"why", "an entry over 65,535 bytes, which a bundle cannot carry"}});
          }
        });
  }
  TilePublisher* tiles = publisher.get();
  Follower* following_leader = follower.get();
  // A gauge of one member of the follower's status (0 on a node that follows none).
  auto follow_gauge = [following_leader](auto FollowerStatus::*field) {
    return [following_leader, field] {
      return following_leader ? static_cast<double>(following_leader->status().*field) : 0.0;
    };
  };
  service_options.gauges = {
      {"credledger_follow_leader_tree_size",
       "A follower's: the tree size of its leader's latest block seen (0: not a follower).",
       follow_gauge(&FollowerStatus::leader_tree_size)},
      {"credledger_follow_tree_size", "A follower's: the tree size it has copied and verified.",
       follow_gauge(&FollowerStatus::tree_size)},
      {"credledger_follow_lag_seconds",
       "A follower's: how long its copy has been behind a leader tree size it saw (0: caught up).",
       follow_gauge(&FollowerStatus::lag_seconds)},
      {"credledger_follow_contact_seconds", "A follower's: seconds since its leader last answered.",
       follow_gauge(&FollowerStatus::contact_seconds)},
      {"credledger_follow_entries_copied", "A follower's: entries copied since it started.",
       follow_gauge(&FollowerStatus::entries_copied)},
      {"credledger_follow_alarm",
       "1 if this follower stopped following on evidence that its leader broke the log's "
       "promises (data_dir/follow-alarm.json holds it).",
       [following_leader] {
         return following_leader && !following_leader->status().alarm.empty() ? 1.0 : 0.0;
       }},
      {"credledger_scrub_entries_checked",
       "Entries the background scrub has checked in its current pass.",
       [scrub] { return static_cast<double>(scrub->entries_checked()); }},
      {"credledger_scrub_passes", "Passes of the background scrub completed.",
       [scrub] { return static_cast<double>(scrub->passes()); }},
      {"credledger_scrub_damage_found",
       "1 if the last completed scrub pass found damage in the store (the log says what).",
       [scrub] { return scrub->damage_found() ? 1.0 : 0.0; }},
      {"credledger_tlog_dir_tree_size", "Tree size of the checkpoint in tlog_dir (0 without one).",
       [tiles] { return tiles ? static_cast<double>(tiles->published_size()) : 0.0; }},
      {"credledger_tlog_dir_failures", "Writes of tlog_dir that failed (the log says why).",
       [tiles] { return tiles ? static_cast<double>(tiles->failures()) : 0.0; }},
      {"credledger_witness_published_tree_size",
       "Tree size of the latest checkpoint a quorum of witnesses cosigned (0: none, or none yet).",
       [cosigning] {
         auto p = cosigning ? cosigning->Published() : std::nullopt;
         return p ? static_cast<double>(p->tree_size) : 0.0;
       }},
      {"credledger_witness_refusals", "Witness answers other than a cosignature or a stale size.",
       [cosigning] { return cosigning ? static_cast<double>(cosigning->refusals()) : 0.0; }},
      {"credledger_witness_unreachable", "Requests to witnesses that got no answer.",
       [cosigning] { return cosigning ? static_cast<double>(cosigning->unreachable()) : 0.0; }},
      {"credledger_witness_quorum_seconds",
       "Seconds from a tree size seen to its quorum, for the latest published checkpoint.",
       [cosigning] { return cosigning ? cosigning->last_quorum_seconds() : 0.0; }},
  };
  api::Service service(*ledger, policy, service_options);
  const api::ServerOptions server_options = ServerOptionsFor(config, log);
  auto server = api::Server::Start(service, server_options);
  if (!server.ok()) return log.Fail("cannot start the HTTP server", server.status());

  const TreeHead head = ledger->Head();
  log.Info({{"msg", "listening"},
            {"url", std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" +
                        config.listen_address + ":" + std::to_string((*server)->port())},
            {"role", following ? "follower of " + config.follow : "leader"},
            {"origin", ledger->params().origin},
            {"verifier_key", ledger->VerifierKey()},
            {"tree_size", std::to_string(head.tree_size)},
            {"index_open_ms", std::to_string(open_ms)}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info({{"msg", "shutting down"}, {"signal", std::to_string(signal_number)}});
  service.SetDraining();
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  follower.reset();      // it writes the ledger
  scrubber.reset();      // it reads the ledger
  publisher.reset();     // so does it
  cosignatures.reset();  // and it
  // The ledger goes before the server: destroying it commits pending blocks and answers
  // their writers, whose completions post to the server's io_context (now stopped, so they
  // are dropped), which must still exist then.
  ledger.reset();
  server->reset();
  log.Info({{"msg", "stopped"}});
  return 0;
}

}  // namespace credledger::node
