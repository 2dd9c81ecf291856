#include "node/node.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "api/client/http_client.h"
#include "api/log.h"
#include "api/server.h"
#include "api/service.h"
#include "api/witness_service.h"
#include "crypto/mutex.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"
#include "ledger/merkle.h"
#include "ledger/records/payloads.h"
#include "ledger/records/policy.h"
#include "ledger/witness/witness.h"
#include "node/cluster.h"
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

// The data dir options from the node's configuration.
DataDirOptions DataDirOptionsFor(const NodeConfig& config) {
  DataDirOptions options;
  options.ledger.max_block_entries = config.block_max_entries;
  options.ledger.max_block_delay = std::chrono::microseconds(config.block_max_delay_us);
  options.ledger.max_entry_bytes = config.max_body_bytes;
  options.ledger.tile_cache_tiles = config.tile_cache_tiles;
  options.ledger.leaf_filter_bytes = config.leaf_filter_mb << 20;
  options.leveldb.block_cache_bytes = config.store_cache_mb << 20;
  options.leveldb.write_buffer_bytes = config.store_write_buffer_mb << 20;
  return options;
}

// What a node's stack does: lead (sequence and sign) or follow (keep a verified copy).
struct StackRole {
  bool leader = true;
  std::string leader_url{};              // a follower's: where it copies from ("": nowhere yet)
  std::string leader_vkey{};             // a follower's: what the copy must verify under
  std::shared_ptr<BlockGate> gate{};     // a cluster leader's
  const ClusterNode* cluster = nullptr;  // a cluster node's
};

// Everything one role serves from: the ledger, its record indexes, the background work over
// it and the API. Built whole or not at all; torn down in the order that lets each part
// finish with the parts it uses.
class NodeStack : public ServingStack {
 public:
  // Errors name the part that could not start; NotFound: no ledger in the data dir, and
  // none to make.
  static Result<std::unique_ptr<NodeStack>> Build(const NodeConfig& config, const Logger& log,
                                                  StackRole role);
  ~NodeStack() override {
    if (service_) service_->SetDraining();
    (void)Follow("");       // the follower writes the ledger
    scrubber_.reset();      // it reads the ledger
    publisher_.reset();     // so does it
    cosignatures_.reset();  // and it
    // The ledger goes before the service: destroying it commits pending blocks and answers
    // their writers through the service's completions.
    ledger_.reset();
    service_.reset();
  }

  Ledger& ledger() override { return *ledger_; }
  api::RequestHandler& handler() override { return *service_; }
  Status Follow(const std::string& leader_url) override {
    // One follower at a time writes the ledger: the old one stops (its block in progress
    // done) before the next starts.
    std::shared_ptr<Follower> old;
    {
      MutexLock lock(follower_mu_);
      old = std::exchange(follower_, nullptr);
    }
    old.reset();
    if (leader_url.empty()) return Status::Ok();
    auto started =
        Follower::Start(*ledger_, policy_,
                        FollowerOptionsFor(config_, leader_url, ledger_->VerifierKey()), Report());
    if (!started.ok()) return started.status();
    MutexLock lock(follower_mu_);
    follower_ = std::move(*started);
    return Status::Ok();
  }
  // Before the server stops: writes are refused from now on, and /readyz says so.
  void Drain() { service_->SetDraining(); }
  double index_open_ms() const { return index_open_ms_; }

 private:
  NodeStack(const NodeConfig& config, const Logger& log) : config_(config), log_(log) {}
  std::function<void(const std::string&, const std::string&)> Report() const {
    return [&log = log_](const std::string& what, const std::string& detail) {
      log.Error({{"msg", what}, {"detail", detail}});
    };
  }
  static FollowerOptions FollowerOptionsFor(const NodeConfig& config, const std::string& url,
                                            const std::string& vkey) {
    FollowerOptions o;
    o.leader_url = url;
    o.leader_vkey = vkey;
    o.ca_file = config.follow_ca_file;
    o.poll = std::chrono::milliseconds(config.follow_poll_ms);
    o.alarm_path = config.data_dir + "/follow-alarm.json";
    // A cluster node stops following a leader that stopped answering when another takes
    // over: its requests must not outlast a failover.
    if (!config.cluster_etcd.empty()) o.timeout = std::chrono::milliseconds(1500);
    return o;
  }
  std::shared_ptr<Follower> CurrentFollower() const {
    MutexLock lock(follower_mu_);
    return follower_;
  }
  Status OpenLedger(const StackRole& role);
  // A leader's own parts beside its ledger: the document store, the query audit log of banks'
  // reads, the banks, and the node key (which signs the audit log's anchors and profiles).
  Status OpenLeaderParts(api::ServiceOptions* options);
  // The scrub, the witnesses' cosigning and the static tiles, as configured.
  Status StartBackgroundWork(const StackRole& role, api::ServiceOptions* options);
  std::vector<api::ServiceOptions::Gauge> Gauges(const StackRole& role) const;

  const NodeConfig& config_;
  const Logger& log_;
  std::unique_ptr<Ledger> ledger_;
  std::shared_ptr<records::SharedRecordPolicy> policy_;
  mutable Mutex follower_mu_;  // Follow (the cluster's thread) against the gauges' reads
  std::shared_ptr<Follower> follower_ GUARDED_BY(follower_mu_);
  std::unique_ptr<Store> payload_store_;
  std::unique_ptr<records::PayloadStore> payloads_;
  std::unique_ptr<records::QueryAuditLog> query_audit_;
  std::unique_ptr<Scrubber> scrubber_;
  std::unique_ptr<CosignatureCollector> cosignatures_;
  std::unique_ptr<TilePublisher> publisher_;
  std::unique_ptr<api::Service> service_;
  double index_open_ms_ = 0;
};

Status NodeStack::OpenLedger(const StackRole& role) {
  const DataDirOptions options = DataDirOptionsFor(config_);
  const bool has_store = std::filesystem::exists(StorePath(config_.data_dir));
  Result<std::unique_ptr<Ledger>> opened = Status::NotFound("no ledger in " + config_.data_dir);
  if (role.leader) {
    if (has_store) {
      opened = OpenLedgerInDir(config_.data_dir, options);
    } else if (config_.dev) {
      opened = CreateDevLedger(config_.data_dir, options);
    }
    // (The caller names what failed: opening, or creating the development ledger.)
  } else if (has_store && role.cluster != nullptr) {
    opened = OpenFollowerInDir(config_.data_dir, options);
  } else if (!role.leader_url.empty()) {
    // A follower opens its copy of the leader's log, or starts one from the leader's genesis.
    opened = Follower::OpenOrCreate(config_.data_dir, options,
                                    FollowerOptionsFor(config_, role.leader_url, role.leader_vkey));
  }
  if (!opened.ok()) return opened.status();
  ledger_ = std::move(*opened);
  if (role.gate) ledger_->SetBlockGate(role.gate);
  // The record indexes live in the store, kept by the policy in the blocks' own batches:
  // opening them reads their metadata and the registry's few entries, whatever the log's size.
  const auto open_start = std::chrono::steady_clock::now();
  auto opened_policy = records::RecordPolicy::Open(*ledger_);
  if (!opened_policy.ok()) {
    return opened_policy.status().WithContext("cannot open the record indexes");
  }
  policy_ = std::make_shared<records::SharedRecordPolicy>(std::move(*opened_policy));
  ledger_->SetAdmissionPolicy(policy_);
  index_open_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - open_start)
          .count();
  return Status::Ok();
}

Status NodeStack::OpenLeaderParts(api::ServiceOptions* options) {
  LevelDbOptions payload_options;
  payload_options.create_if_missing = true;  // documents come and go; the log is what matters
  payload_options.block_cache_bytes = 8 << 20;
  payload_options.write_buffer_bytes = 4 << 20;
  auto opened_payloads = OpenLevelDbStore(config_.data_dir + "/payloads", payload_options);
  if (!opened_payloads.ok()) {
    return opened_payloads.status().WithContext("cannot open the document store");
  }
  payload_store_ = std::move(*opened_payloads);
  payloads_ =
      std::make_unique<records::PayloadStore>(payload_store_.get(), ledger_->params().tree_hash);
  auto audit = records::QueryAuditLog::Open(config_.data_dir + "/query-audit.jsonl");
  if (!audit.ok()) return audit.status().WithContext("cannot open the query audit log");
  query_audit_ = std::move(*audit);
  std::string banks_file = config_.banks_file;
  if (banks_file.empty() && config_.dev) {
    auto dev_banks = EnsureDevBank(config_.data_dir);
    if (!dev_banks.ok()) return dev_banks.status().WithContext("cannot create the demo bank");
    banks_file = *dev_banks;
  }
  if (!banks_file.empty()) {
    auto loaded = records::BankAccess::FromFile(banks_file);
    if (!loaded.ok()) return loaded.status().WithContext("cannot load the banks file");
    options->banks = std::move(*loaded);
  }
  auto node_key = LoadNodeKey(DefaultNodeKeyPath(config_.data_dir));
  if (!node_key.ok()) return node_key.status().WithContext("cannot read the node key");
  options->payloads = payloads_.get();
  options->query_audit = query_audit_.get();
  options->node_key = *node_key;
  return Status::Ok();
}

Status NodeStack::StartBackgroundWork(const StackRole& role, api::ServiceOptions* options) {
  // The background scrub: the whole log read back, paced, pass after pass (docs/DESIGN.md).
  scrubber_ = std::make_unique<Scrubber>(
      ledger_->log(), ledger_->store(),
      ScrubberOptions{config_.scrub_entries_per_second,
                      std::chrono::seconds(config_.scrub_pause_s)},
      [&log = log_](const Status& found, const ScrubProgress& reached, double seconds) {
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
  if (!role.leader) return Status::Ok();
  // The witnesses that cosign the leader's checkpoints, if any (docs/WITNESS.md).
  if (!config_.witnesses_file.empty()) {
    auto witnesses = ReadWitnessEndpoints(config_.witnesses_file);
    if (!witnesses.ok()) return witnesses.status().WithContext("cannot read the witnesses file");
    const size_t quorum =
        config_.witness_quorum > 0 ? config_.witness_quorum : witnesses->size() / 2 + 1;
    auto started = CosignatureCollector::Start(
        *ledger_, *witnesses, quorum, std::chrono::milliseconds(config_.witness_poll_ms),
        [&log = log_](const std::string& what, const std::string& witness,
                      const std::string& detail) {
          log.Error({{"msg", what}, {"witness", witness}, {"detail", detail}});
        });
    if (!started.ok()) return started.status().WithContext("cannot start the cosigning");
    cosignatures_ = std::move(*started);
    options->cosigned_checkpoint =
        [c = cosignatures_.get()]() -> std::optional<std::pair<uint64_t, std::string>> {
      auto published = c->Published();
      if (!published) return std::nullopt;
      return std::make_pair(published->tree_size, std::move(published->note));
    };
  }
  // The C2SP tiles as static files for a web server, if asked for (docs/TILES.md): up to the
  // published checkpoint.
  if (!config_.tlog_dir.empty()) {
    TilePublisher::CheckpointSource source =
        [ledger = ledger_.get(), cosigning = cosignatures_.get()]() -> Result<std::string> {
      if (cosigning == nullptr) return ledger->SignedCheckpoint();
      auto published = cosigning->Published();
      if (!published) return Status::Unavailable("no checkpoint cosigned by a quorum yet");
      return std::move(published->note);
    };
    publisher_ = std::make_unique<TilePublisher>(
        *ledger_, std::move(source), config_.tlog_dir,
        std::chrono::milliseconds(config_.tlog_interval_ms),
        [&log = log_, dir = config_.tlog_dir](const Result<tlog::StaticWrite>& written) {
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
  return Status::Ok();
}

std::vector<api::ServiceOptions::Gauge> NodeStack::Gauges(const StackRole& role) const {
  // A gauge of one member of the follower's status (0 on a node that follows none).
  auto follow_gauge = [this](auto FollowerStatus::*field) {
    return [this, field] {
      auto follower = CurrentFollower();
      return follower ? static_cast<double>(follower->status().*field) : 0.0;
    };
  };
  const Scrubber* scrub = scrubber_.get();
  const TilePublisher* tiles = publisher_.get();
  const CosignatureCollector* cosigning = cosignatures_.get();
  std::vector<api::ServiceOptions::Gauge> gauges = {
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
       [this] {
         auto follower = CurrentFollower();
         return follower && !follower->status().alarm.empty() ? 1.0 : 0.0;
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
  // A cluster node's (docs/OPERATIONS.md, "Alarms"): 0 on a node of no cluster.
  const ClusterNode* cluster = role.cluster;
  auto cluster_gauge = [cluster](auto read) {
    return [cluster, read] { return cluster ? read(cluster->status()) : 0.0; };
  };
  const std::vector<api::ServiceOptions::Gauge> cluster_gauges = {
      {"credledger_cluster_leader", "1 while this node leads its cluster, else 0.",
       cluster_gauge([](const ClusterStatus& s) { return s.leader ? 1.0 : 0.0; })},
      {"credledger_cluster_term", "The term this node leads in (0: it does not lead).",
       cluster_gauge([](const ClusterStatus& s) { return static_cast<double>(s.term); })},
      {"credledger_cluster_lease_seconds",
       "A leader's: seconds left of its lease by its own clock (it stops leading at 0).",
       cluster_gauge([](const ClusterStatus& s) { return s.lease_seconds; })},
      {"credledger_cluster_recorded_height",
       "The cluster's recorded head in etcd: the last block a quorum of nodes holds.",
       cluster_gauge(
           [](const ClusterStatus& s) { return static_cast<double>(s.recorded_height); })},
      {"credledger_cluster_log_height", "This node's log's last block.",
       cluster_gauge([](const ClusterStatus& s) { return static_cast<double>(s.log_height); })},
      {"credledger_cluster_staged_blocks",
       "Blocks this node holds for the cluster that are not in its log yet.",
       cluster_gauge([](const ClusterStatus& s) { return static_cast<double>(s.staged_blocks); })},
      {"credledger_cluster_quorum_refusals",
       "A leader's: blocks a quorum of nodes did not hold in time (their writes got 503).",
       cluster_gauge([](const ClusterStatus& s) { return static_cast<double>(s.gate_refusals); })},
      {"credledger_cluster_takeovers", "Times this node took over as the cluster's leader.",
       cluster_gauge([](const ClusterStatus& s) { return static_cast<double>(s.takeovers); })},
      {"credledger_cluster_etcd_reachable", "1 if this node's last step reached etcd's quorum.",
       cluster_gauge([](const ClusterStatus& s) { return s.etcd_reachable ? 1.0 : 0.0; })},
  };
  gauges.insert(gauges.end(), cluster_gauges.begin(), cluster_gauges.end());
  return gauges;
}

Result<std::unique_ptr<NodeStack>> NodeStack::Build(const NodeConfig& config, const Logger& log,
                                                    StackRole role) {
  auto stack = std::unique_ptr<NodeStack>(new NodeStack(config, log));
  CREDLEDGER_RETURN_IF_ERROR(stack->OpenLedger(role));
  api::ServiceOptions options;
  options.max_batch_entries = config.max_batch_entries;
  options.log_error = [&log](const api::LogFields& fields) { log.Error(fields); };
  if (role.leader) {
    CREDLEDGER_RETURN_IF_ERROR(stack->OpenLeaderParts(&options));
  } else {
    // A follower copies and verifies its leader's blocks; it holds no documents or banks.
    if (!role.leader_url.empty()) {
      CREDLEDGER_RETURN_IF_ERROR(
          stack->Follow(role.leader_url).WithContext("cannot follow the leader"));
    }
    if (role.cluster != nullptr) {
      options.current_leader = [cluster = role.cluster] { return cluster->LeaderUrl(); };
    } else {
      options.leader_url = role.leader_url;
    }
    // Public credit profiles, assembled from the verified copy, are signed with a key of the
    // follower's own (docs/FOLLOWERS.md), made on its first start.
    auto profile_key = LoadOrCreateNodeKey(config.data_dir + "/profile-key.pem");
    if (!profile_key.ok()) return profile_key.status().WithContext("cannot read the profile key");
    options.node_key = *profile_key;
    options.readiness = [s = stack.get(), lag = config.follow_max_lag_s]() -> Status {
      auto follower = s->CurrentFollower();
      if (!follower) return Status::Ok();
      return follower->Readiness(std::chrono::seconds(lag));
    };
  }
  CREDLEDGER_RETURN_IF_ERROR(stack->StartBackgroundWork(role, &options));
  options.gauges = stack->Gauges(role);
  stack->service_ = std::make_unique<api::Service>(*stack->ledger_, stack->policy_, options);
  return stack;
}

// Who leads at `url`, as this cluster node must verify it: the verifier key of the leader's
// origin under this node's own node key (a node that does not hold the ledger's key cannot
// follow into a cluster, so an impostor's ledger is refused at its genesis).
Result<std::string> ClusterVerifierKey(const std::string& url, const std::string& ca_file,
                                       const crypto::PrivateKey& node_key) {
  CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient http,
                              client::HttpClient::Create(url, ca_file, std::chrono::seconds(5)));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string body, http.GetOk("/v1/node"));
  auto info = ParseJson(body);
  if (!info.ok() || !info->is_object() || !info->contains("origin") ||
      !(*info)["origin"].is_string()) {
    return Status::Unavailable(url + "/v1/node names no origin");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(NoteSigner signer,
                              NoteSigner::Create((*info)["origin"].get<std::string>(), node_key));
  return signer.VerifierKey();
}

// Cluster mode (docs/OPERATIONS.md): leads or follows as the cluster decides, until SIGINT or
// SIGTERM.
int RunCluster(const NodeConfig& config, const sigset_t& signals, const Logger& log) {
  auto node_key = LoadNodeKey(DefaultNodeKeyPath(config.data_dir));
  if (!node_key.ok()) {
    return log.Fail(
        "a cluster node needs the ledger's node key in its data dir (any node may "
        "lead): copy it there",
        node_key.status());
  }
  ClusterOptions options;
  for (size_t start = 0; start <= config.cluster_etcd.size();) {
    size_t comma = config.cluster_etcd.find(',', start);
    if (comma == std::string::npos) comma = config.cluster_etcd.size();
    if (comma > start) options.etcd.push_back(config.cluster_etcd.substr(start, comma - start));
    start = comma + 1;
  }
  options.key_prefix = config.cluster_prefix;
  options.node_id = config.node_id;
  options.nodes = ParseClusterNodes(config.cluster_nodes).value();
  options.quorum = config.cluster_quorum;
  options.lease_ttl = std::chrono::seconds(config.cluster_lease_s);
  options.push_timeout = std::chrono::milliseconds(config.cluster_push_timeout_ms);
  options.ca_file = config.follow_ca_file;
  StackFactory factory;
  factory.follower = [&config, &log, key = *node_key](
                         const ClusterNode& cluster,
                         const std::string& leader_url) -> Result<std::unique_ptr<ServingStack>> {
    StackRole role{.leader = false, .leader_url = leader_url, .cluster = &cluster};
    if (!leader_url.empty()) {
      CREDLEDGER_ASSIGN_OR_RETURN(role.leader_vkey,
                                  ClusterVerifierKey(leader_url, config.follow_ca_file, key));
    }
    CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<NodeStack> stack,
                                NodeStack::Build(config, log, std::move(role)));
    return std::unique_ptr<ServingStack>(std::move(stack));
  };
  factory.leader = [&config, &log](
                       const ClusterNode& cluster,
                       std::shared_ptr<BlockGate> gate) -> Result<std::unique_ptr<ServingStack>> {
    StackRole role{.leader = true, .gate = std::move(gate), .cluster = &cluster};
    CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<NodeStack> stack,
                                NodeStack::Build(config, log, std::move(role)));
    return std::unique_ptr<ServingStack>(std::move(stack));
  };
  auto cluster = ClusterNode::Start(
      options, *node_key, config.data_dir + "/staged", std::move(factory),
      [&log, id = config.node_id](const std::string& what, const std::string& detail) {
        log.Error({{"msg", what}, {"node_id", id}, {"detail", detail}});
      });
  if (!cluster.ok()) return log.Fail("cannot start the cluster node", cluster.status());
  auto server = api::Server::Start((*cluster)->handler(), ServerOptionsFor(config, log));
  if (!server.ok()) return log.Fail("cannot start the HTTP server", server.status());
  log.Info({{"msg", "listening"},
            {"url", std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" +
                        config.listen_address + ":" + std::to_string((*server)->port())},
            {"role", "cluster node " + config.node_id},
            {"etcd", config.cluster_etcd}});
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info({{"msg", "shutting down"}, {"signal", std::to_string(signal_number)}});
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  cluster->reset();  // resigns if it leads; its stack's ledger answers what is pending
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

  // One process serves a data directory: a second start on it (two first --dev starts racing
  // to create it, above all) is refused, naming the first, before it touches anything.
  auto lock = DataDirLock::Acquire(config.data_dir);
  if (!lock.ok()) return log.Fail("cannot take the data directory", lock.status());
  if (!config.cluster_etcd.empty()) return RunCluster(config, signals, log);

  const bool following = !config.follow.empty();
  // No store yet: with --dev, create the development ledger; otherwise say how to make one.
  // (Other NotFound errors, such as a missing node key beside a store, are not "no ledger".)
  const bool has_store = std::filesystem::exists(StorePath(config.data_dir));
  if (!has_store && !config.dev && !following) {
    return log.Fail("no ledger in " + config.data_dir,
                    Status::NotFound("create one with `ledgerctl init --genesis`, or start with "
                                     "--dev for a development ledger"));
  }
  auto built = NodeStack::Build(
      config, log,
      StackRole{
          .leader = !following, .leader_url = config.follow, .leader_vkey = config.follow_key});
  if (!built.ok()) {
    return log.Fail(following   ? "cannot open or start the copy of the leader's log"
                    : has_store ? "cannot open the ledger"
                                : "cannot create the development ledger",
                    built.status());
  }
  std::unique_ptr<NodeStack> stack = std::move(*built);
  if (!has_store && !following) {
    log.Info({{"msg", "created a development ledger"},
              {"data_dir", config.data_dir},
              {"keys", config.data_dir + "/dev-keys"}});
  }
  auto server = api::Server::Start(stack->handler(), ServerOptionsFor(config, log));
  if (!server.ok()) return log.Fail("cannot start the HTTP server", server.status());

  const TreeHead head = stack->ledger().Head();
  log.Info({{"msg", "listening"},
            {"url", std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" +
                        config.listen_address + ":" + std::to_string((*server)->port())},
            {"role", following ? "follower of " + config.follow : "leader"},
            {"origin", stack->ledger().params().origin},
            {"verifier_key", stack->ledger().VerifierKey()},
            {"tree_size", std::to_string(head.tree_size)},
            {"index_open_ms", std::to_string(stack->index_open_ms())}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info({{"msg", "shutting down"}, {"signal", std::to_string(signal_number)}});
  stack->Drain();
  (*server)->Shutdown(std::chrono::milliseconds(config.shutdown_grace_ms));
  // The stack goes before the server: destroying its ledger commits pending blocks and
  // answers their writers, whose completions post to the server's io_context (now stopped,
  // so they are dropped), which must still exist then.
  stack.reset();
  server->reset();
  log.Info({{"msg", "stopped"}});
  return 0;
}

}  // namespace credledger::node
