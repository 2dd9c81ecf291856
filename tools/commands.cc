#include "tools/commands.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "crypto/encoding.h"
#include "crypto/keys.h"
#include "ledger/block.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"
#include "ledger/records/entry.h"
#include "ledger/records/genesis.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/payloads.h"
#include "ledger/records/policy.h"
#include "ledger/records/registry.h"
#include "tools/flags.h"

namespace credledger::tools {
Status PrintJson(const Json& j) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, CanonicalJson(j));
  std::cout << text << "\n";
  return Status::Ok();
}

Result<ScratchDir> ScratchDir::Create(const std::string& parent, const std::string& name) {
  std::string path = parent + "/" + name + ".XXXXXX";
  if (mkdtemp(path.data()) == nullptr) {
    return Status::Unavailable("cannot create a scratch directory like " + path + ": " +
                               std::strerror(errno));
  }
  return ScratchDir(std::move(path));
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;  // moved from
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

Result<std::unique_ptr<Ledger>> OpenFromFlags(const Flags& flags) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  DataDirOptions options;
  options.node_key_path = flags.Get("node-key");
  return OpenLedgerInDir(dir, options);
}

// Reads entries for `append`: one JSON value per non-empty line of `text`, canonicalized.
Result<std::vector<std::string>> JsonLines(const std::string& text, const std::string& source) {
  std::vector<std::string> entries;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto canonical = CanonicalizeJson(line);
    if (!canonical.ok()) {
      return canonical.status().WithContext(source + " line " + std::to_string(line_no));
    }
    entries.push_back(std::move(*canonical));
  }
  return entries;
}

// What `init` prints: where the ledger is and what a verifier needs.
Status PrintLedgerSummary(const std::string& dir, const Ledger& ledger) {
  TreeHead head = ledger.Head();
  return PrintJson(
      {{"data", dir},
       {"origin", ledger.params().origin},
       {"tree_hash", std::string(crypto::HashAlgorithmName(ledger.params().tree_hash))},
       {"tree_size", head.tree_size},
       {"root", crypto::HexEncode(head.root)},
       {"verifier_key", ledger.VerifierKey()}});
}

}  // namespace

Status KeygenCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"alg", "out"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string alg_name, flags.Required("alg"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string out, flags.Required("out"));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::KeyAlgorithm alg, crypto::ParseKeyAlgorithm(alg_name));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(alg));
  if (ReadFileToString(out).ok()) {
    return Status::AlreadyExists(out + " exists; refusing to overwrite a key");
  }
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(out, key.ToPem(), 0600));
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(out + ".pub", key.public_key().ToPem(), 0644));
  return PrintJson({{"alg", alg_name},
                    {"key_id", key.public_key().KeyId()},
                    {"private_key", out},
                    {"public_key", out + ".pub"}});
}

Status InitCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"data", "origin", "tree-hash", "node-key", "genesis"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  if (flags.Has("genesis")) {
    if (flags.Has("origin") || flags.Has("tree-hash")) {
      return Status::InvalidArgument(
          "--genesis fixes the origin and tree hash; drop --origin and --tree-hash");
    }
    CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, ReadFileToString(*flags.Get("genesis")));
    DataDirOptions options;
    options.node_key_path = flags.Get("node-key");
    CREDLEDGER_ASSIGN_OR_RETURN(auto ledger,
                                records::CreateLedgerFromGenesis(dir, genesis, options));
    return PrintLedgerSummary(dir, *ledger);
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string origin, flags.Required("origin"));
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(flags.GetOr("tree-hash", "sha256")));
  DataDirOptions options;
  options.node_key_path = flags.Get("node-key");
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, CreateLedgerInDir(dir, origin, alg, options));
  return PrintLedgerSummary(dir, *ledger);
}

Status AppendCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data", "node-key"}, {"raw"}));
  std::vector<std::string> entries;
  std::vector<std::string> sources = flags.positional();
  if (sources.empty()) sources.push_back("-");
  for (const std::string& source : sources) {
    std::string text;
    if (source == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      CREDLEDGER_ASSIGN_OR_RETURN(text, ReadFileToString(source));
    }
    if (flags.Has("raw")) {
      entries.push_back(std::move(text));  // the file's bytes are one entry
    } else {
      CREDLEDGER_ASSIGN_OR_RETURN(auto lines, JsonLines(text, source == "-" ? "stdin" : source));
      for (auto& e : lines) entries.push_back(std::move(e));
    }
  }
  if (entries.empty()) return Status::InvalidArgument("no entries to append");
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFromFlags(flags));
  // A domain ledger's entries pass its admission rules, which also keep its record indexes,
  // as ledgerd's do; a plain log (init --origin) takes any entries.
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, ledger->log().GetEntry(0));
  if (records::IsDomainGenesis(genesis)) {
    CREDLEDGER_ASSIGN_OR_RETURN(auto policy, records::RecordPolicy::Open(*ledger));
    ledger->SetAdmissionPolicy(std::move(policy));
  }
  std::vector<std::future<Result<AppendReceipt>>> pending;
  for (auto& e : entries) pending.push_back(ledger->Submit(std::move(e)));
  Status first_error;
  for (auto& f : pending) {
    Result<AppendReceipt> r = f.get();
    if (!r.ok()) {
      if (first_error.ok()) first_error = r.status();
      continue;
    }
    CREDLEDGER_RETURN_IF_ERROR(PrintJson({{"index", r->index},
                                          {"block_height", r->block_height},
                                          {"leaf_hash", crypto::HexEncode(r->leaf_hash)},
                                          {"already_present", r->already_present}}));
  }
  return first_error;
}

Status EntryCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data", "node-key", "index"}));
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFromFlags(flags));
  if (!flags.Has("index")) return Status::InvalidArgument("--index is required");
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t index, flags.GetUint("index", 0));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, ledger->log().GetEntry(index));
  std::cout << entry;  // the exact bytes, no newline added
  return Status::Ok();
}

Status SignCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"key"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string key_path, flags.Required("key"));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument("give one entry template: a JSON file, or - for stdin");
  }
  std::string text;
  if (flags.positional()[0] == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(text, ReadFileToString(flags.positional()[0]));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(Json entry, ParseJson(text));
  if (!entry.is_object()) return Status::InvalidArgument("the template must be a JSON object");
  if (!entry.contains("issued_at")) entry["issued_at"] = NowTimestamp();
  if (!entry.contains("schema_version")) entry["schema_version"] = records::kEntrySchemaVersion;
  CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(key_path));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem));
  CREDLEDGER_ASSIGN_OR_RETURN(records::CanonicalEntry signed_entry,
                              records::SignEntry(std::move(entry), key));
  std::cout << signed_entry.canonical << "\n";
  return Status::Ok();
}

Status ErasureRequestCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args, {"key", "hash", "legal-basis", "agency"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string key_path, flags.Required("key"));
  records::ErasureRequest request;
  CREDLEDGER_ASSIGN_OR_RETURN(request.hash, flags.Required("hash"));
  CREDLEDGER_ASSIGN_OR_RETURN(request.legal_basis, flags.Required("legal-basis"));
  request.agency = flags.GetOr("agency", "");
  request.requested_at = NowTimestamp();
  CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(key_path));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_request,
                              records::MakeErasureRequest(std::move(request), key));
  std::cout << signed_request << "\n";
  return Status::Ok();
}

Status LicenseIdCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args, {"type-code", "issuer", "serial", "version"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string type_code, flags.Required("type-code"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string issuer, flags.Required("issuer"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string serial, flags.Required("serial"));
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string identifier,
      records::MakeLicenseIdentifier(type_code, issuer, serial, flags.GetOr("version", "001")));
  std::cout << identifier << "\n";
  return Status::Ok();
}

Status ConfigCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args, {"keys", "action", "params", "add-to"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string key_paths, flags.Required("keys"));
  Json entry;
  if (auto existing = flags.Get("add-to")) {
    // Another admin's signatures on an entry already signed by some (M-of-N, passed around).
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(*existing));
    CREDLEDGER_ASSIGN_OR_RETURN(entry, ParseJson(text));
    if (!entry.is_object() || entry.value("type", Json()) != "config") {
      return Status::InvalidArgument(*existing + " is not a config entry");
    }
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string action, flags.Required("action"));
    CREDLEDGER_ASSIGN_OR_RETURN(std::string params_text, flags.Required("params"));
    CREDLEDGER_ASSIGN_OR_RETURN(Json params, ParseJson(params_text));
    entry = {{"type", "config"}, {"schema_version", 1},         {"issued_at", NowTimestamp()},
             {"action", action}, {"params", std::move(params)}, {"signatures", Json::array()}};
  }
  Json signatures = entry.value("signatures", Json::array());
  entry.erase("signatures");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalJson(entry));
  for (size_t at = 0; at <= key_paths.size();) {
    const size_t comma = std::min(key_paths.find(',', at), key_paths.size());
    const std::string path = key_paths.substr(at, comma - at);
    at = comma + 1;
    if (path.empty()) continue;
    CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path));
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem));
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes signature, key.Sign(signed_bytes));
    signatures.push_back(
        {{"key_id", key.public_key().KeyId()}, {"signature", crypto::Base64Encode(signature)}});
  }
  entry["signatures"] = std::move(signatures);
  return PrintJson(entry);
}

Status GenesisCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"config", "node-key"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string config_path, flags.Required("config"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string node_key_path, flags.Required("node-key"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string config_text, ReadFileToString(config_path));
  CREDLEDGER_ASSIGN_OR_RETURN(Json config, ParseJson(config_text));
  // Key files may be private or public PEM; only the public half goes into the genesis.
  auto public_key = [](const std::string& path) -> Result<crypto::PublicKey> {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path));
    if (auto priv = crypto::PrivateKey::FromPem(pem); priv.ok()) return priv->public_key();
    auto pub = crypto::PublicKey::FromPem(pem);
    if (!pub.ok()) return pub.status().WithContext(path);
    return pub;
  };
  auto key_json = [&](const Json& path) -> Result<Json> {
    if (!path.is_string()) return Status::InvalidArgument("key entries are PEM file paths");
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey k, public_key(path.get<std::string>()));
    return records::PublicKeyJson(k);
  };
  auto keys_json = [&](const Json& paths) -> Result<Json> {
    Json out = Json::array();
    if (!paths.is_array()) return Status::InvalidArgument("\"keys\" must be an array of PEM paths");
    for (const Json& p : paths) {
      CREDLEDGER_ASSIGN_OR_RETURN(Json k, key_json(p));
      out.push_back(std::move(k));
    }
    return out;
  };
  if (!config.is_object() || !config.contains("admins") || !config["admins"].is_object() ||
      !config.contains("agencies") || !config["agencies"].is_array()) {
    return Status::InvalidArgument(
        "the config needs \"origin\", \"admins\" {threshold, keys} and \"agencies\" [...]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey node, public_key(node_key_path));
  Json genesis = config;
  CREDLEDGER_ASSIGN_OR_RETURN(genesis["admins"]["keys"], keys_json(config["admins"]["keys"]));
  for (Json& agency : genesis["agencies"]) {
    if (!agency.is_object() || !agency.contains("keys")) {
      return Status::InvalidArgument("every agency needs \"keys\": PEM paths");
    }
    CREDLEDGER_ASSIGN_OR_RETURN(agency["keys"], keys_json(agency["keys"]));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, records::MakeGenesis(std::move(genesis), node));
  std::cout << text << "\n";
  return Status::Ok();
}

Status RegistryCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data", "node-key", "index"}));
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFromFlags(flags));
  const uint64_t size = ledger->Head().tree_size;
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t index, flags.GetUint("index", size));
  if (index == 0 || index > size) {
    return Status::InvalidArgument("--index must be 1.." + std::to_string(size) +
                                   " (the registry in force for an entry at that index)");
  }
  // The config entries before `index`, from the record indexes (checked to describe the log).
  CREDLEDGER_ASSIGN_OR_RETURN(auto policy, records::RecordPolicy::Open(*ledger));
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<uint64_t> configs,
                              policy->reader().index().ConfigIndexes(index));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, ledger->log().GetEntry(0));
  CREDLEDGER_ASSIGN_OR_RETURN(records::Registry registry, records::Registry::FromGenesis(genesis));
  for (uint64_t i : configs) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, ledger->log().GetEntry(i));
    CREDLEDGER_RETURN_IF_ERROR(registry.ApplyConfig(entry, i));
  }
  return PrintJson(registry.ToJson(index));
}

Status CheckpointCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data", "node-key"}, {"vkey"}));
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFromFlags(flags));
  if (flags.Has("vkey")) {
    std::cout << ledger->VerifierKey() << "\n";
    return Status::Ok();
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string note, ledger->SignedCheckpoint());
  std::cout << note;
  return Status::Ok();
}

Status ProveCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"data", "node-key", "index", "size", "from", "to"}));
  CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFromFlags(flags));
  TreeHead head = ledger->Head();
  if (flags.Has("from")) {
    CREDLEDGER_ASSIGN_OR_RETURN(uint64_t from, flags.GetUint("from", 0));
    CREDLEDGER_ASSIGN_OR_RETURN(uint64_t to, flags.GetUint("to", head.tree_size));
    CREDLEDGER_ASSIGN_OR_RETURN(auto proof, ledger->log().ConsistencyProof(from, to));
    CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash old_root, ledger->log().RootAt(from));
    CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash new_root, ledger->log().RootAt(to));
    return PrintJson({{"old_size", from},
                      {"new_size", to},
                      {"old_root", crypto::HexEncode(old_root)},
                      {"new_root", crypto::HexEncode(new_root)},
                      {"consistency_proof", Json(merkle::HashesToHex(proof))}});
  }
  if (!flags.Has("index")) return Status::InvalidArgument("give --index I, or --from M [--to N]");
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t index, flags.GetUint("index", 0));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t size, flags.GetUint("size", head.tree_size));
  CREDLEDGER_ASSIGN_OR_RETURN(auto proof, ledger->log().InclusionProof(index, size));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, ledger->log().GetEntry(index));
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash root, ledger->log().RootAt(size));
  return PrintJson(
      {{"index", index},
       {"tree_size", size},
       {"leaf_hash", crypto::HexEncode(merkle::LeafHash(ledger->params().tree_hash, entry))},
       {"root", crypto::HexEncode(root)},
       {"inclusion_proof", Json(merkle::HashesToHex(proof))}});
}

}  // namespace credledger::tools
