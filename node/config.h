// ledgerd's configuration: one JSON file and command-line flags that override it, member for
// member ("--max-body-bytes 2048" sets "max_body_bytes"). Every member has a default that
// works on a developer machine; `ledgerd --help` prints them (ConfigHelp).
#ifndef CREDLEDGER_NODE_CONFIG_H_
#define CREDLEDGER_NODE_CONFIG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "crypto/status.h"

namespace credledger::node {

struct NodeConfig {
  std::string data_dir = "data";
  std::string listen_address = "127.0.0.1";
  uint64_t port = 8080;  // 0: an ephemeral port, printed at start
  uint64_t threads = 0;  // HTTP threads; 0: one per core
  uint64_t max_body_bytes = 1 << 20;
  uint64_t max_header_bytes = 16 << 10;
  uint64_t max_batch_entries = 1000;
  uint64_t max_connections = 4096;
  uint64_t read_timeout_ms = 10000;
  uint64_t write_timeout_ms = 30000;
  uint64_t shutdown_grace_ms = 10000;
  uint64_t block_max_entries = 4096;
  uint64_t block_max_delay_us = 2000;
  // Memory the node keeps for speed (each fills up, then stays at its size): LevelDB's block
  // cache and memtable, and the tree tiles kept for proofs (16 KiB each).
  uint64_t store_cache_mb = 64;
  uint64_t store_write_buffer_mb = 64;
  uint64_t tile_cache_tiles = 4096;
  uint64_t leaf_filter_mb = 64;
  uint64_t scrub_entries_per_second = 5000;  // 0: no background scrub
  uint64_t scrub_pause_s = 3600;
  std::string tlog_dir;              // the C2SP tiles as static files here; "": none
  uint64_t tlog_interval_ms = 1000;  // how often tlog_dir catches up with the log
  // The witnesses that cosign this node's checkpoints (docs/WITNESS.md): "" = none.
  std::string witnesses_file;     // "<witness verifier key> <url>" per line
  uint64_t witness_quorum = 0;    // cosignatures a checkpoint needs to be published; 0 = a majority
  uint64_t witness_poll_ms = 50;  // how often the head is checked for a new checkpoint to cosign
  // Follower mode (docs/FOLLOWERS.md): a verified copy of another node's log.
  std::string follow;              // the leader's URL; "": not a follower
  std::string follow_key;          // the leader's verifier key
  uint64_t follow_poll_ms = 200;   // how often the leader is asked for new blocks
  uint64_t follow_max_lag_s = 10;  // /readyz says 503 beyond this lag
  std::string follow_ca_file;      // PEM CAs for an https leader; "": the system's
  // Cluster mode (docs/OPERATIONS.md): one of several nodes coordinated by etcd, any of which
  // may lead. Every node holds the ledger's node key (<data_dir>/node-key.pem).
  std::string cluster_etcd;   // the etcd members' client URLs, comma-separated; "": no cluster
  std::string cluster_nodes;  // every node: "<id>=<url>", comma-separated (this one included)
  std::string node_id;        // this node's id among cluster_nodes
  std::string cluster_prefix = "/credledger";  // the cluster's keys in etcd
  uint64_t cluster_quorum =
      0;  // nodes that must hold a block before it is acknowledged; 0: a majority
  uint64_t cluster_lease_s = 2;  // the leader's lease: how soon a dead leader is replaced
  uint64_t cluster_push_timeout_ms = 2000;  // how long a block waits for its quorum
  // Witness mode (docs/WITNESS.md): no ledger; the C2SP witness API over the data dir's state.
  std::string witness_name;       // "": not a witness
  std::string witness_key_file;   // "": <data_dir>/witness-key.pem, created on first start
  std::string witness_logs_file;  // the logs followed: one "<vkey> [sha256|sm3]" per line
  std::string witness_audit_url;  // an auditing witness's follower (docs/FOLLOWERS.md); "": none
  std::string log_format = "logfmt";  // logfmt | json | none
  // The banks that may read access-controlled routes: {"banks": [{"id", "name",
  // "token_sha256"}]} (ledger/records/access.h). Empty: none, or with --dev the demo bank.
  std::string banks_file;
  // HTTPS (all three are PEM file paths): the server's certificate chain and key; with a
  // client CA, every client must present a certificate it issued. Empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // On first start with an empty data dir, create a development ledger: a genesis with a
  // development admin and three demo agencies, their keys written under <data_dir>/dev-keys.
  bool dev = false;
  // Set by the "--help" flag.
  bool help = false;
};

// Defaults, then the file named by "--config FILE" (if given), then the other flags.
// Errors: InvalidArgument naming the unknown member or flag, or the bad value.
Result<NodeConfig> LoadConfig(const std::vector<std::string>& args);

// The nodes of `cluster_nodes`: "<id>=<url>,..." as (id, url) pairs. Errors: InvalidArgument.
Result<std::vector<std::pair<std::string, std::string>>> ParseClusterNodes(const std::string& text);

// The text `ledgerd --help` prints.
std::string ConfigHelp();

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_CONFIG_H_
