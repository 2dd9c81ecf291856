#include "node/config.h"

#include <charconv>
#include <functional>
#include <map>

#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"

namespace credledger::node {
namespace {

// One configurable member: how to set it from JSON and from flag text.
struct Member {
  const char* help;
  std::function<Status(NodeConfig&, const Json&)> from_json;
  std::function<Status(NodeConfig&, const std::string&)> from_flag;
  std::function<std::string(const NodeConfig&)> show;
  bool is_switch = false;  // "--name" alone means true
};

Member Uint(uint64_t NodeConfig::*field, const char* help) {
  return {
      help,
      [field](NodeConfig& c, const Json& v) -> Status {
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
          return Status::InvalidArgument("must be a non-negative integer");
        }
        c.*field = v.get<uint64_t>();
        return Status::Ok();
      },
      [field](NodeConfig& c, const std::string& text) -> Status {
        uint64_t value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
          return Status::InvalidArgument("must be a non-negative integer, got \"" + text + "\"");
        }
        c.*field = value;
        return Status::Ok();
      },
      [field](const NodeConfig& c) { return std::to_string(c.*field); }};
}

Member Text(std::string NodeConfig::*field, const char* help) {
  return {help,
          [field](NodeConfig& c, const Json& v) -> Status {
            if (!v.is_string()) return Status::InvalidArgument("must be a string");
            c.*field = v.get<std::string>();
            return Status::Ok();
          },
          [field](NodeConfig& c, const std::string& text) -> Status {
            c.*field = text;
            return Status::Ok();
          },
          [field](const NodeConfig& c) { return "\"" + c.*field + "\""; }};
}

Member Bool(bool NodeConfig::*field, const char* help) {
  return {help,
          [field](NodeConfig& c, const Json& v) -> Status {
            if (!v.is_boolean()) return Status::InvalidArgument("must be true or false");
            c.*field = v.get<bool>();
            return Status::Ok();
          },
          [field](NodeConfig& c, const std::string& text) -> Status {
            if (text != "true" && text != "false") {
              return Status::InvalidArgument("must be true or false, got \"" + text + "\"");
            }
            c.*field = text == "true";
            return Status::Ok();
          },
          [field](const NodeConfig& c) { return std::string(c.*field ? "true" : "false"); },
          /*is_switch=*/true};
}

const std::map<std::string, Member>& Members() {
  static const std::map<std::string, Member> members = {
      {"data_dir", Text(&NodeConfig::data_dir, "ledger data directory (store, node key)")},
      {"listen_address", Text(&NodeConfig::listen_address, "IP address to listen on")},
      {"port", Uint(&NodeConfig::port, "TCP port; 0 picks a free one")},
      {"threads", Uint(&NodeConfig::threads, "HTTP worker threads; 0 = one per core")},
      {"max_body_bytes", Uint(&NodeConfig::max_body_bytes, "largest request body (413 past it)")},
      {"max_header_bytes", Uint(&NodeConfig::max_header_bytes, "largest request head (431)")},
      {"max_batch_entries", Uint(&NodeConfig::max_batch_entries, "entries per batch request")},
      {"max_connections", Uint(&NodeConfig::max_connections, "open connections at most")},
      {"read_timeout_ms", Uint(&NodeConfig::read_timeout_ms, "time to send one whole request")},
      {"write_timeout_ms", Uint(&NodeConfig::write_timeout_ms, "time to take one response")},
      {"shutdown_grace_ms",
       Uint(&NodeConfig::shutdown_grace_ms, "time for requests in flight at shutdown")},
      {"block_max_entries", Uint(&NodeConfig::block_max_entries, "entries per block at most")},
      {"block_max_delay_us",
       Uint(&NodeConfig::block_max_delay_us, "longest an entry waits for its block")},
      {"store_cache_mb", Uint(&NodeConfig::store_cache_mb, "LevelDB block cache, MiB")},
      {"store_write_buffer_mb",
       Uint(&NodeConfig::store_write_buffer_mb, "LevelDB memtable, MiB (two while it flushes)")},
      {"tile_cache_tiles",
       Uint(&NodeConfig::tile_cache_tiles, "tree tiles cached for proofs (16 KiB each)")},
      {"leaf_filter_mb",
       Uint(&NodeConfig::leaf_filter_mb, "memory for the filter of leaf hashes, MiB")},
      {"scrub_entries_per_second",
       Uint(&NodeConfig::scrub_entries_per_second,
            "background scrub: entries re-read and checked per second; 0 = off")},
      {"scrub_pause_s", Uint(&NodeConfig::scrub_pause_s, "background scrub: rest between passes")},
      {"tlog_dir",
       Text(&NodeConfig::tlog_dir,
            "write the log as C2SP tlog-tiles static files here, for a web server; \"\" = off")},
      {"tlog_interval_ms",
       Uint(&NodeConfig::tlog_interval_ms, "how often tlog_dir catches up with a growing log")},
      {"witnesses_file",
       Text(&NodeConfig::witnesses_file,
            "witnesses that cosign this node's checkpoints: a \"<key> <url>\" per line")},
      {"witness_quorum",
       Uint(&NodeConfig::witness_quorum,
            "cosignatures a checkpoint needs to be published; 0 = a majority of the witnesses")},
      {"witness_poll_ms",
       Uint(&NodeConfig::witness_poll_ms, "how often a grown log is sent to the witnesses")},
      {"follow",
       Text(&NodeConfig::follow,
            "run as a follower of the leader at this URL, keeping a verified copy of its log; "
            "\"\" = no")},
      {"follow_key",
       Text(
           &NodeConfig::follow_key,
           "the leader's verifier key (\"<origin>+<id>+<key>\"), which its log must verify under")},
      {"follow_poll_ms",
       Uint(&NodeConfig::follow_poll_ms, "how often a follower asks its leader for new blocks")},
      {"follow_max_lag_s",
       Uint(&NodeConfig::follow_max_lag_s,
            "a follower is not ready (GET /readyz) once this far behind its leader, seconds")},
      {"follow_ca_file",
       Text(&NodeConfig::follow_ca_file, "PEM CAs for an https leader; \"\" = the system's")},
      {"cluster_etcd",
       Text(&NodeConfig::cluster_etcd,
            "run as one node of a cluster coordinated by these etcd members (client URLs, "
            "comma-separated); \"\" = no cluster")},
      {"cluster_nodes",
       Text(&NodeConfig::cluster_nodes,
            "every node of the cluster as \"<id>=<url>\", comma-separated, this one included")},
      {"node_id", Text(&NodeConfig::node_id, "this node's id among cluster_nodes")},
      {"cluster_prefix", Text(&NodeConfig::cluster_prefix, "the cluster's keys in etcd")},
      {"cluster_quorum",
       Uint(&NodeConfig::cluster_quorum,
            "nodes that must hold a block before its entries are acknowledged; 0 = a majority")},
      {"cluster_lease_s",
       Uint(&NodeConfig::cluster_lease_s,
            "the leader's lease in etcd, seconds: a dead leader is replaced after about this")},
      {"cluster_push_timeout_ms",
       Uint(&NodeConfig::cluster_push_timeout_ms,
            "how long a block waits for a quorum of nodes to hold it before its writes fail")},
      {"witness_name",
       Text(&NodeConfig::witness_name,
            "run as a C2SP witness under this name instead of a ledger node; \"\" = no")},
      {"witness_key_file",
       Text(&NodeConfig::witness_key_file,
            "the witness's Ed25519 key (PEM); \"\" = <data_dir>/witness-key.pem, made once")},
      {"witness_audit_url",
       Text(&NodeConfig::witness_audit_url,
            "an auditing witness: cosign only what the follower at this URL has verified; "
            "\"\" = no")},
      {"witness_logs_file",
       Text(&NodeConfig::witness_logs_file,
            "the logs a witness follows: a \"<verifier key> [sha256|sm3]\" per line")},
      {"log_format", Text(&NodeConfig::log_format, "request log: logfmt, json or none")},
      {"tls_cert_file", Text(&NodeConfig::tls_cert_file, "HTTPS certificate chain (PEM)")},
      {"tls_key_file", Text(&NodeConfig::tls_key_file, "HTTPS private key (PEM)")},
      {"tls_client_ca_file",
       Text(&NodeConfig::tls_client_ca_file, "require client certificates from this CA (PEM)")},
      {"banks_file",
       Text(&NodeConfig::banks_file, "banks and their token hashes (JSON); --dev: a demo bank")},
      {"dev", Bool(&NodeConfig::dev, "create a development ledger on first start")},
  };
  return members;
}

std::string FlagToMember(std::string flag) {
  for (char& c : flag) {
    if (c == '-') c = '_';
  }
  return flag;
}

Status Check(const NodeConfig& c) {
  if (c.port > 65535) return Status::InvalidArgument("port must be 0..65535");
  if (c.log_format != "logfmt" && c.log_format != "json" && c.log_format != "none") {
    return Status::InvalidArgument("log_format must be logfmt, json or none");
  }
  if (c.tlog_interval_ms == 0)
    return Status::InvalidArgument("tlog_interval_ms must be at least 1");
  if (c.max_body_bytes == 0 || c.max_batch_entries == 0 || c.block_max_entries == 0) {
    return Status::InvalidArgument(
        "max_body_bytes, max_batch_entries and block_max_entries must be at least 1");
  }
  if (c.store_write_buffer_mb == 0 || c.store_cache_mb > (1 << 20) ||
      c.store_write_buffer_mb > (1 << 12)) {
    return Status::InvalidArgument(
        "store_write_buffer_mb must be 1..4096 and store_cache_mb at most 1048576");
  }
  if (c.read_timeout_ms == 0 || c.write_timeout_ms == 0) {
    return Status::InvalidArgument("timeouts must be at least 1 ms");
  }
  if (!c.follow.empty()) {
    if (c.follow_key.empty()) {
      return Status::InvalidArgument(
          "--follow needs --follow-key: the leader's verifier key (GET <leader>/v1/node, "
          "\"verifier_key\"), which everything copied must verify under");
    }
    if (c.dev || !c.witness_name.empty() || !c.witnesses_file.empty() || !c.tlog_dir.empty()) {
      return Status::InvalidArgument(
          "a follower (--follow) signs nothing and creates nothing: not with --dev, "
          "--witness-name, --witnesses-file or --tlog-dir");
    }
    if (c.follow_poll_ms == 0) return Status::InvalidArgument("follow_poll_ms must be at least 1");
  }
  if (!c.cluster_etcd.empty()) {
    if (!c.follow.empty() || c.dev || !c.witness_name.empty()) {
      return Status::InvalidArgument(
          "a cluster node (--cluster-etcd) leads or follows as the cluster decides: not with "
          "--follow, --dev or --witness-name");
    }
    if (c.node_id.empty() || c.cluster_nodes.empty()) {
      return Status::InvalidArgument(
          "--cluster-etcd needs --cluster-nodes (\"<id>=<url>,...\") and --node-id");
    }
    auto nodes = ParseClusterNodes(c.cluster_nodes);
    if (!nodes.ok()) return nodes.status();
    bool listed = false;
    for (const auto& node : *nodes) listed = listed || node.first == c.node_id;
    if (!listed) {
      return Status::InvalidArgument("node_id \"" + c.node_id + "\" is not in cluster_nodes");
    }
    if (c.cluster_quorum > nodes->size()) {
      return Status::InvalidArgument("cluster_quorum is more than the cluster's nodes");
    }
    if (c.cluster_lease_s < 2 || c.cluster_lease_s > 60) {
      return Status::InvalidArgument(
          "cluster_lease_s must be 2..60 (etcd's shortest lease is 2 s)");
    }
    if (c.cluster_push_timeout_ms == 0) {
      return Status::InvalidArgument("cluster_push_timeout_ms must be at least 1");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParseClusterNodes(
    const std::string& text) {
  std::vector<std::pair<std::string, std::string>> nodes;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::InvalidArgument("cluster_nodes: \"" + item + "\" is not \"<id>=<url>\"");
    }
    const std::string id = item.substr(0, eq), url = item.substr(eq + 1);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return Status::InvalidArgument("cluster_nodes: " + id +
                                     "'s URL must start with http:// or https://");
    }
    for (const auto& node : nodes) {
      if (node.first == id) return Status::InvalidArgument("cluster_nodes: " + id + " twice");
    }
    nodes.emplace_back(id, url);
    start = comma + 1;
  }
  return nodes;
}

Result<NodeConfig> LoadConfig(const std::vector<std::string>& args) {
  NodeConfig config;
  // Pass 1: the config file, so that flags override it wherever they appear.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string file;
    if (args[i] == "--config" && i + 1 < args.size()) {
      file = args[i + 1];
    } else if (args[i].rfind("--config=", 0) == 0) {
      file = args[i].substr(9);
    } else {
      continue;
    }
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(file));
    auto json = ParseJson(text);
    if (!json.ok()) return json.status().WithContext(file);
    if (!json->is_object()) return Status::InvalidArgument(file + ": must be a JSON object");
    for (const auto& [name, value] : json->items()) {
      auto member = Members().find(name);
      if (member == Members().end()) {
        return Status::InvalidArgument(file + ": unknown member \"" + name + "\"");
      }
      Status s = member->second.from_json(config, value);
      if (!s.ok()) return Status::InvalidArgument(file + ": " + name + " " + s.message());
    }
  }
  // Pass 2: flags.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      config.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument \"" + arg + "\" (see --help)");
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "config") {
      if (!has_value) ++i;  // read in pass 1
      continue;
    }
    auto member = Members().find(FlagToMember(name));
    if (member == Members().end()) {
      return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    }
    if (!has_value) {
      if (member->second.is_switch) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::InvalidArgument("--" + name + " needs a value");
      }
    }
    Status s = member->second.from_flag(config, value);
    if (!s.ok()) return Status::InvalidArgument("--" + name + " " + s.message());
  }
  CREDLEDGER_RETURN_IF_ERROR(Check(config));
  return config;
}

std::string ConfigHelp() {
  std::string out =
      "ledgerd: the credledger HTTP node\n\n"
      "usage: ledgerd [--config FILE.json] [--<member> VALUE ...] [--dev] [--help]\n\n"
      "Each member below may be set in the JSON config file (as \"member\": value) and\n"
      "overridden by a flag (--member VALUE, with '-' or '_'). Defaults:\n";
  const NodeConfig defaults;
  for (const auto& [name, member] : Members()) {
    std::string flag = name;
    for (char& c : flag) {
      if (c == '_') c = '-';
    }
    out += "  --" + flag + std::string(flag.size() < 20 ? 20 - flag.size() : 1, ' ') +
           member.show(defaults) + "\n      " + member.help + "\n";
  }
  out +=
      "\nSignals: SIGINT or SIGTERM stop accepting, finish requests in flight, commit pending\n"
      "blocks and exit 0.\n";
  return out;
}

}  // namespace credledger::node
