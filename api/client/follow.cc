#include "api/client/follow.h"

#include "ledger/merkle.h"

namespace credledger::client {

Result<crypto::HashAlgorithm> NodeTreeHash(HttpClient& client) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string info, client.GetOk("/v1/node"));
  CREDLEDGER_ASSIGN_OR_RETURN(Json node, ParseJson(info));
  if (!node.is_object()) return Status::Unavailable("GET /v1/node: not a JSON object");
  return crypto::ParseHashAlgorithm(node.value("tree_hash", "sha256"));
}

Result<ConsistencyCheck> CheckConsistency(HttpClient& client, crypto::HashAlgorithm tree_hash,
                                          uint64_t old_size, const merkle::Hash& old_root,
                                          uint64_t new_size, const merkle::Hash& new_root) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string answer, client.GetOk("/v1/proofs/consistency?from=" + std::to_string(old_size) +
                                       "&to=" + std::to_string(new_size)));
  ConsistencyCheck check;
  CREDLEDGER_ASSIGN_OR_RETURN(check.proof_json, ParseJson(answer));
  std::vector<merkle::Hash> proof;
  if (check.proof_json.is_object() && check.proof_json.contains("consistency_proof") &&
      check.proof_json["consistency_proof"].is_array()) {
    for (const Json& h : check.proof_json["consistency_proof"]) {
      if (!h.is_string()) break;
      auto hash = merkle::HashFromHex(h.get<std::string>());
      if (!hash.ok()) break;
      proof.push_back(*hash);
    }
  }
  check.proof_hashes = proof.size();
  check.verified =
      merkle::VerifyConsistency(tree_hash, old_size, new_size, old_root, new_root, proof);
  return check;
}

Result<FollowStep> FollowCheckpoint(HttpClient& client, const NoteVerifier& verifier,
                                    crypto::HashAlgorithm tree_hash,
                                    std::string_view previous_note) {
  FollowStep step;
  CREDLEDGER_ASSIGN_OR_RETURN(step.note, client.GetOk("/v1/checkpoint"));
  step.evidence = {{"previous_checkpoint", std::string(previous_note)},
                   {"new_checkpoint", step.note}};
  auto alarm = [&](std::string what) {
    step.kind = FollowStep::Kind::kAlarm;
    step.alarm = std::move(what);
    return step;
  };
  auto latest = VerifyCheckpoint(step.note, verifier, verifier.name());
  if (!latest.ok()) {
    return alarm("the node served a checkpoint that does not verify: " + latest.status().message());
  }
  step.checkpoint = *latest;
  if (previous_note.empty()) {
    step.kind = FollowStep::Kind::kFirst;
    return step;
  }
  auto seen = VerifyCheckpoint(previous_note, verifier, verifier.name());
  if (!seen.ok()) {
    return Status::InvalidArgument("the previous checkpoint does not verify under this key: " +
                                   seen.status().message());
  }
  step.previous_size = seen->tree_size;
  if (latest->tree_size < seen->tree_size) {
    return alarm("the tree shrank from " + std::to_string(seen->tree_size) + " to " +
                 std::to_string(latest->tree_size) + " entries (rolled back)");
  }
  if (latest->tree_size == seen->tree_size) {
    if (latest->root != seen->root) {
      return alarm("two signed checkpoints of tree size " + std::to_string(seen->tree_size) +
                   " with different roots (a fork)");
    }
    step.kind = FollowStep::Kind::kUnchanged;
    return step;
  }
  CREDLEDGER_ASSIGN_OR_RETURN(ConsistencyCheck check,
                              CheckConsistency(client, tree_hash, seen->tree_size, seen->root,
                                               latest->tree_size, latest->root));
  if (!check.verified.ok()) {
    step.evidence["consistency_proof"] = std::move(check.proof_json);
    return alarm("checkpoint " + std::to_string(latest->tree_size) +
                 " is not an append-only extension of " + std::to_string(seen->tree_size) +
                 " (a fork): " + check.verified.message());
  }
  step.kind = FollowStep::Kind::kExtended;
  step.proof_hashes = check.proof_hashes;
  return step;
}

}  // namespace credledger::client
