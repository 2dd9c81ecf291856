#include "api/client/audit.h"

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/data_dir.h"
#include "ledger/records/anchor.h"
#include "ledger/records/policy.h"

namespace credledger::client {

Status AuditLog(LogSource& source, const NoteVerifier& verifier, AuditCounts* counts,
                std::unique_ptr<Store> scratch) {
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint target, source.Target(verifier));
  if (target.origin != verifier.name()) {
    return Status::DataLoss("the log's origin is \"" + target.origin + "\", the key's \"" +
                            verifier.name() + "\"");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, source.Entry(0));
  auto policy_or = records::RecordPolicy::FromGenesis(genesis, std::move(scratch));
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
      Status admitted = policy->Admit(entry, leaf, i, nullptr, nullptr);
      if (!admitted.ok()) {
        return Status::DataLoss("entry " + std::to_string(i) +
                                " breaks the admission rules: " + admitted.ToString());
      }
      auto doc = ParseJson(entry);
      const std::string type = doc.ok() && doc->is_object() ? doc->value("type", "") : "";
      if (type == "repair_application" || type == "repair_review") {
        counts->sla_log.Add(i, b.timestamp, "");
      } else if (type == "credit_repair") {
        counts->sla_log.Add(i, b.timestamp, entry);
      }
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
        if (doc->contains("tree_root")) {
          counts->anchor_roots.emplace_back(size, doc->at("tree_root").get<std::string>());
        }
        ++counts->anchors;
      } else {
        ++counts->records;
      }
    }
    // Into the scratch store: a failed write there is the audit's own failure, not the log's.
    if (Status s = policy->CommitOwnStore(b.tree_size); !s.ok()) {
      return s.WithContext("the audit's scratch store");
    }
    prev_block = b.Hash(alg);
    ++counts->blocks;
  }
  if (range.Root() != target.root) {
    return Status::DataLoss("the root of the " + std::to_string(target.tree_size) +
                            " entries is not the one " + source.TargetName() + " vouches for");
  }
  counts->tree_size = target.tree_size;
  counts->policy = std::move(policy);
  return Status::Ok();
}

void AuditedSlaLog::Add(uint64_t index, std::string anchored_at, std::string entry) {
  entries_[index] = {std::move(anchored_at), std::move(entry)};
}

Result<std::string> AuditedSlaLog::AnchoredAt(uint64_t index) const {
  auto it = entries_.find(index);
  if (it == entries_.end()) {
    return Status::NotFound("entry " + std::to_string(index) + " is not one the audit kept");
  }
  return it->second.first;
}

Result<std::string> AuditedSlaLog::Entry(uint64_t index) const {
  auto it = entries_.find(index);
  if (it == entries_.end() || it->second.second.empty()) {
    return Status::NotFound("entry " + std::to_string(index) + " is not one the audit kept");
  }
  return it->second.second;
}

Result<size_t> CheckQueryAuditFile(const std::string& path, const AuditCounts& counts) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::vector<std::string> heads;  // SHA-256 of each line, hex
  std::vector<std::string> roots;  // RFC 9162 root of the lines so far, hex, after each line
  merkle::CompactRange range(merkle::HashAlgorithm::kSha256);
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
    range.Append(merkle::LeafHash(merkle::HashAlgorithm::kSha256, line));
    roots.push_back(crypto::HexEncode(range.Root()));
  }
  for (const auto& [size, root] : counts.anchor_roots) {
    if (size <= roots.size() && roots[size - 1] != root) {
      return Status::DataLoss(path + ": the tree of its first " + std::to_string(size) +
                              " lines is not the tree the log anchored (lines rewritten)");
    }
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
  return heads.size();
}

}  // namespace credledger::client
