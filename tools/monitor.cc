// ledgerctl monitor and audit: holding a node to its append-only promise from outside.
//
// monitor polls a node's checkpoints and checks each new one against the last one it saw with
// a consistency proof; a fork (two checkpoints no consistency proof joins), a shrinking tree
// or a bad signature is an alarm, saved with the signed evidence. audit replays a whole log
// from genesis and re-checks everything the node checked, and the blocks and roots on top.
#include <chrono>
#include <iostream>
#include <thread>

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "ledger/records/anchor.h"
#include "ledger/records/policy.h"
#include "ledger/store.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/http_client.h"

namespace credledger::tools {
namespace {

// ---- monitor ----

// What the monitor saw last: the checkpoint it verified, and the log's tree hash.
struct MonitorState {
  std::string checkpoint;
  std::string tree_hash;
};

// An alarm is DataLoss: ledgerctl exits 4 on it (errors reaching the node are other codes).
Status Alarm(const std::string& state_path, const std::string& what, const Json& evidence) {
  Json record = evidence;
  record["alarm"] = what;
  record["detected_at"] = NowTimestamp();
  const std::string path = state_path + ".alarm.json";
  Status s = WriteFileAtomically(path, record.dump(2) + "\n", 0644);
  std::cout << "ALARM: " << what << "\n"
            << (s.ok() ? "  evidence (both signed checkpoints) saved in " + path
                       : "  could not save the evidence: " + s.ToString())
            << "\n";
  return Status::DataLoss("ALARM: " + what);
}

// One poll: fetch, verify, compare with the state, advance it. OK when consistent.
Status Poll(HttpClient& client, const NoteVerifier& verifier, const std::string& state_path,
            MonitorState* state) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string note, client.GetOk("/v1/checkpoint"));
  auto latest = VerifyCheckpoint(note, verifier, verifier.name());
  if (!latest.ok()) {
    return Alarm(state_path,
                 "the node served a checkpoint that does not verify: " + latest.status().message(),
                 {{"new_checkpoint", note}, {"previous_checkpoint", state->checkpoint}});
  }
  if (state->tree_hash.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string info, client.GetOk("/v1/node"));
    CREDLEDGER_ASSIGN_OR_RETURN(Json node, ParseJson(info));
    state->tree_hash = node.value("tree_hash", "sha256");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(state->tree_hash));
  auto save = [&] {
    state->checkpoint = note;
    Json saved = {{"checkpoint", note}, {"tree_hash", state->tree_hash}};
    return WriteFileAtomically(state_path, saved.dump(2) + "\n", 0600);
  };
  const std::string now = NowTimestamp();
  if (state->checkpoint.empty()) {
    std::cout << now << " first checkpoint: tree size " << latest->tree_size << "\n";
    return save();
  }
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint seen,
                              VerifyCheckpoint(state->checkpoint, verifier, verifier.name()));
  const Json evidence = {{"previous_checkpoint", state->checkpoint}, {"new_checkpoint", note}};
  if (latest->tree_size < seen.tree_size) {
    return Alarm(state_path,
                 "the tree shrank from " + std::to_string(seen.tree_size) + " to " +
                     std::to_string(latest->tree_size) + " entries (rolled back)",
                 evidence);
  }
  if (latest->tree_size == seen.tree_size) {
    if (latest->root != seen.root) {
      return Alarm(state_path,
                   "two signed checkpoints of tree size " + std::to_string(seen.tree_size) +
                       " with different roots (a fork)",
                   evidence);
    }
    std::cout << now << " tree size " << latest->tree_size << ": unchanged\n";
    return Status::Ok();
  }
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string answer,
      client.GetOk("/v1/proofs/consistency?from=" + std::to_string(seen.tree_size) +
                   "&to=" + std::to_string(latest->tree_size)));
  CREDLEDGER_ASSIGN_OR_RETURN(Json proof_json, ParseJson(answer));
  std::vector<merkle::Hash> proof;
  if (proof_json.is_object() && proof_json.contains("consistency_proof") &&
      proof_json["consistency_proof"].is_array()) {
    for (const Json& h : proof_json["consistency_proof"]) {
      if (!h.is_string()) break;
      auto hash = merkle::HashFromHex(h.get<std::string>());
      if (!hash.ok()) break;
      proof.push_back(*hash);
    }
  }
  Status consistent = merkle::VerifyConsistency(alg, seen.tree_size, latest->tree_size, seen.root,
                                                latest->root, proof);
  if (!consistent.ok()) {
    Json with_proof = evidence;
    with_proof["consistency_proof"] = proof_json;
    return Alarm(state_path,
                 "checkpoint " + std::to_string(latest->tree_size) +
                     " is not an append-only extension of " + std::to_string(seen.tree_size) +
                     " (a fork): " + consistent.message(),
                 with_proof);
  }
  std::cout << now << " tree size " << latest->tree_size << ": consistent with " << seen.tree_size
            << " (" << proof.size() << " proof hashes)\n";
  return save();
}

// ---- audit ----

// Where an audit reads the log: a node over HTTP, or a data directory.
class LogSource {
 public:
  virtual ~LogSource() = default;
  // The size and root the audit must reach, and what vouches for them.
  virtual Result<Checkpoint> Target(const NoteVerifier& verifier) = 0;
  virtual Result<std::string> Entry(uint64_t index) = 0;
  virtual Result<std::string> Block(uint64_t height) = 0;
  virtual std::string TargetName() const = 0;
};

class HttpSource : public LogSource {
 public:
  explicit HttpSource(HttpClient client) : client_(std::move(client)) {}
  Result<Checkpoint> Target(const NoteVerifier& verifier) override {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string note, client_.GetOk("/v1/checkpoint"));
    return VerifyCheckpoint(note, verifier, verifier.name());
  }
  Result<std::string> Entry(uint64_t index) override {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string answer,
                                client_.GetOk("/v1/entries/" + std::to_string(index)));
    CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(answer));
    // Entries that are JSON are served as the value whose RFC 8785 form is the leaf.
    if (doc.contains("entry")) return CanonicalJson(doc["entry"]);
    if (doc.contains("entry_base64") && doc["entry_base64"].is_string()) {
      CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes bytes,
                                  crypto::Base64Decode(doc["entry_base64"].get<std::string>()));
      return std::string(bytes.begin(), bytes.end());
    }
    return Status::DataLoss("entry " + std::to_string(index) + ": the answer holds no entry");
  }
  Result<std::string> Block(uint64_t height) override {
    return client_.GetOk("/v1/blocks/" + std::to_string(height));
  }
  std::string TargetName() const override { return "the node's signed checkpoint"; }

 private:
  HttpClient client_;
};

// Reads the store directly (not through Ledger, whose checks are what is being audited),
// so the node must be stopped. The target is the head block, whose signature vouches for it.
class DataDirSource : public LogSource {
 public:
  explicit DataDirSource(std::unique_ptr<Store> store) : store_(std::move(store)) {}
  Result<Checkpoint> Target(const NoteVerifier& verifier) override {
    std::string value;
    CREDLEDGER_RETURN_IF_ERROR(store_->Get(format::kHeadKey, &value));
    if (value.size() != 8) return Status::DataLoss("the head pointer is corrupt");
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, Block(format::GetBigEndian64(value)));
    CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader head, ParseBlockHeader(text));
    Status s = head.VerifySignature(verifier.public_key());
    if (!s.ok()) return Status::DataLoss("the head block's signature: " + s.message());
    return Checkpoint{head.origin, head.tree_size, head.root};
  }
  Result<std::string> Entry(uint64_t index) override {
    std::string value;
    Status s = store_->Get(format::EntryKey(index), &value);
    if (!s.ok()) return Status::DataLoss("entry " + std::to_string(index) + ": " + s.ToString());
    return value;
  }
  Result<std::string> Block(uint64_t height) override {
    std::string value;
    Status s = store_->Get(format::BlockKey(height), &value);
    if (!s.ok()) return Status::DataLoss("block " + std::to_string(height) + ": " + s.ToString());
    return value;
  }
  std::string TargetName() const override { return "the head block's signature"; }

 private:
  std::unique_ptr<Store> store_;
};

struct AuditCounts {
  uint64_t entries = 0, blocks = 0, records = 0, configs = 0, anchors = 0;
  uint64_t anchored_audit_size = 0;
  std::vector<std::pair<uint64_t, std::string>> anchors_seen;  // (size, head hex)
};

Status Audit(LogSource& source, const NoteVerifier& verifier, AuditCounts* counts) {
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint target, source.Target(verifier));
  if (target.origin != verifier.name()) {
    return Status::DataLoss("the log's origin is \"" + target.origin + "\", the key's \"" +
                            verifier.name() + "\"");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, source.Entry(0));
  auto policy_or = records::RecordPolicy::FromGenesis(genesis);
  if (!policy_or.ok()) return Status::DataLoss(policy_or.status().message());
  std::shared_ptr<records::RecordPolicy> policy = std::move(*policy_or);
  if (policy->registry().node_key().spki_der() != verifier.public_key().spki_der()) {
    return Status::DataLoss("entry 0: the genesis names another node key than the verifier key");
  }
  const crypto::HashAlgorithm alg = policy->tree_hash();
  merkle::CompactRange range(alg);
  merkle::Hash prev_block{};  // the genesis block's prev_hash: 32 zero bytes
  for (uint64_t height = 0; range.size() < target.tree_size; ++height) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, source.Block(height));
    auto parsed = ParseBlockHeader(text);
    const std::string where = "block " + std::to_string(height) + ": ";
    if (!parsed.ok()) return Status::DataLoss(where + parsed.status().message());
    const BlockHeader& b = *parsed;
    if (Status s = b.VerifySignature(verifier.public_key()); !s.ok()) {
      return Status::DataLoss(where + "signature: " + s.message());
    }
    if (b.height != height || b.origin != target.origin || b.prev_hash != prev_block ||
        b.first_index != range.size() || b.entry_count == 0 ||
        b.tree_size != b.first_index + b.entry_count) {
      return Status::DataLoss(where + "does not follow block " + std::to_string(height - 1) +
                              " (height, origin, prev_hash, first_index or sizes)");
    }
    if (b.tree_size > target.tree_size) {
      return Status::DataLoss(where + "ends at " + std::to_string(b.tree_size) +
                              ", past the target " + std::to_string(target.tree_size) +
                              ": the target is not at a block boundary");
    }
    // The block's entries against its root first: a changed byte shows as what it is.
    std::vector<std::string> entries;
    std::vector<merkle::Hash> leaves;
    for (uint64_t i = b.first_index; i < b.tree_size; ++i) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, i == 0 ? genesis : source.Entry(i));
      leaves.push_back(merkle::LeafHash(alg, entry));
      range.Append(leaves.back());
      entries.push_back(std::move(entry));
    }
    if (range.Root() != b.root) {
      return Status::DataLoss(where + "its root is not the root of entries 0.." +
                              std::to_string(b.tree_size - 1) + " as read (an entry was altered)");
    }
    for (uint64_t i = b.first_index; i < b.tree_size; ++i) {
      const std::string& entry = entries[i - b.first_index];
      const merkle::Hash& leaf = leaves[i - b.first_index];
      ++counts->entries;
      if (i == 0) continue;
      // Every rule the node applied, every signature verified again (kVerify is the default).
      Status admitted = policy->Admit(entry, leaf, i, nullptr);
      if (!admitted.ok()) {
        return Status::DataLoss("entry " + std::to_string(i) +
                                " breaks the admission rules: " + admitted.ToString());
      }
      auto doc = ParseJson(entry);
      const std::string type = doc.ok() && doc->is_object() ? doc->value("type", "") : "";
      if (type == "config") {
        ++counts->configs;
      } else if (type == records::kQueryAuditAnchorType) {
        const uint64_t size = doc->at("size").get<uint64_t>();
        if (size <= counts->anchored_audit_size) {
          return Status::DataLoss("entry " + std::to_string(i) + ": a query audit anchor of " +
                                  std::to_string(size) + " lines after one of " +
                                  std::to_string(counts->anchored_audit_size) +
                                  ": the audit log shrank");
        }
        counts->anchored_audit_size = size;
        counts->anchors_seen.emplace_back(size, doc->at("head").get<std::string>());
        ++counts->anchors;
      } else {
        ++counts->records;
      }
    }
    policy->Committed(b.tree_size);
    prev_block = b.Hash(alg);
    ++counts->blocks;
  }
  if (range.Root() != target.root) {
    return Status::DataLoss("the root of the " + std::to_string(target.tree_size) +
                            " entries is not the one " + source.TargetName() + " vouches for");
  }
  return Status::Ok();
}

// Checks a query audit log file against the anchors found in the log: its hash chain, and
// that line `size` of each anchor hashes to the anchor's head.
Status CheckQueryAuditFile(const std::string& path, const AuditCounts& counts) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::vector<std::string> heads;  // SHA-256 of each line, hex
  std::string prev(64, '0');
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // a torn last line was never acknowledged
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    auto doc = ParseJson(line);
    if (!doc.ok() || !doc->is_object() || doc->value("prev", "") != prev) {
      return Status::DataLoss(path + " line " + std::to_string(heads.size() + 1) +
                              ": the chain is broken (edited, removed or reordered lines)");
    }
    prev = crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, line));
    heads.push_back(prev);
  }
  for (const auto& [size, head] : counts.anchors_seen) {
    if (size > heads.size()) {
      return Status::DataLoss(path + " has " + std::to_string(heads.size()) +
                              " lines; the log anchored " + std::to_string(size));
    }
    if (heads[size - 1] != head) {
      return Status::DataLoss(path + " line " + std::to_string(size) +
                              " is not the line the log anchored (rewritten)");
    }
  }
  std::cout << "query audit log: " << heads.size() << " lines, chain intact, "
            << counts.anchors_seen.size() << " anchors match\n";
  return Status::Ok();
}

}  // namespace

Status MonitorCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"vkey", "state", "interval", "ca-file"}, {"once"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl monitor URL --vkey KEY --state FILE [--interval S] [--once]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string state_path, flags.Required("state"));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t interval, flags.GetUint("interval", 60));
  if (interval == 0) return Status::InvalidArgument("--interval is at least 1 second");
  CREDLEDGER_ASSIGN_OR_RETURN(
      HttpClient client, HttpClient::Create(flags.positional()[0], flags.GetOr("ca-file", "")));
  MonitorState state;
  if (auto saved = ReadFileToString(state_path); saved.ok()) {
    auto doc = ParseJson(*saved);
    if (!doc.ok() || !doc->is_object() || !(*doc)["checkpoint"].is_string()) {
      return Status::DataLoss(state_path + " is not a monitor state file");
    }
    state.checkpoint = (*doc)["checkpoint"].get<std::string>();
    state.tree_hash = doc->value("tree_hash", "");
    // The state is only as good as its signature: re-checked, so an edited file is caught.
    auto seen = VerifyCheckpoint(state.checkpoint, verifier, verifier.name());
    if (!seen.ok()) {
      return Status::DataLoss(
          state_path +
          ": the saved checkpoint does not verify under this key: " + seen.status().message());
    }
  }
  while (true) {
    Status s = Poll(client, verifier, state_path, &state);
    if (s.code() == StatusCode::kDataLoss || flags.Has("once")) return s;
    // The node being unreachable is not an alarm (a node can refuse service; it cannot
    // rewrite history unnoticed): report and try again.
    if (!s.ok()) std::cout << NowTimestamp() << " " << s.ToString() << "\n";
    std::cout.flush();
    std::this_thread::sleep_for(std::chrono::seconds(interval));
  }
}

Status AuditCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"vkey", "query-audit", "ca-file"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl audit URL|DATA_DIR --vkey KEY [--query-audit FILE]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  const std::string& where = flags.positional()[0];
  std::unique_ptr<LogSource> source;
  if (where.rfind("http://", 0) == 0 || where.rfind("https://", 0) == 0) {
    CREDLEDGER_ASSIGN_OR_RETURN(HttpClient client,
                                HttpClient::Create(where, flags.GetOr("ca-file", "")));
    source = std::make_unique<HttpSource>(std::move(client));
  } else {
    LevelDbOptions options;
    options.check_files = true;  // names a damaged file before the audit reads it
    options.describe_key = format::DescribeKey;
    CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                                OpenLevelDbStore(StorePath(where), options));
    source = std::make_unique<DataDirSource>(std::move(store));
  }
  const auto start = std::chrono::steady_clock::now();
  AuditCounts counts;
  Status s = Audit(*source, verifier, &counts);
  if (!s.ok()) {
    std::cout << "AUDIT FAILED: " << s.message() << "\n";
    return s;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "audit: " << counts.entries << " entries in " << counts.blocks << " blocks ("
            << counts.records << " records, " << counts.configs << " config entries, "
            << counts.anchors << " query audit anchors) replayed from genesis in " << seconds
            << " s: every signature, permission, block link and root holds, up to "
            << source->TargetName() << "\n";
  if (auto file = flags.Get("query-audit")) return CheckQueryAuditFile(*file, counts);
  return Status::Ok();
}

}  // namespace credledger::tools
