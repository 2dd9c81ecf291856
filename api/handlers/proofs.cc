// Merkle proofs (RFC 9162): an entry's inclusion in a tree size, and one tree size's
// consistency with a later one.
#include "api/internal/call.h"
#include "api/internal/route.h"

namespace credledger::api {
namespace {

void InclusionProof(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const LogReader& log = s.ledger.log();
  const auto& q = call->query;
  const bool by_index = q.count("index") > 0, by_hash = q.count("leaf_hash") > 0;
  if (by_index == by_hash) {
    return call->Fail(BadRequest("bad_parameter", "give exactly one of index= or leaf_hash="));
  }
  uint64_t index = 0;
  merkle::Hash leaf{};
  if (by_index) {
    auto v = ParseUint("index", q.at("index"));
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    index = *v;
  } else {
    auto hash = merkle::HashFromHex(q.at("leaf_hash"));
    if (!hash.ok()) {
      return call->Fail(BadRequest("bad_parameter", "leaf_hash must be 64 lowercase hex digits"));
    }
    leaf = *hash;
    auto found = log.FindLeaf(leaf);
    if (!found.ok()) return call->Fail(ProblemFromStatus(found.status()));
    index = *found;
  }
  // Against the latest checkpoint unless a tree size is given.
  std::shared_ptr<const SignedHead> checkpoint;  // with no tree_size: the latest, sent along
  uint64_t size = 0;
  if (auto it = q.find("tree_size"); it != q.end()) {
    auto v = ParseUint("tree_size", it->second);
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    size = *v;
    const uint64_t head_size = s.ledger.Head().tree_size;
    if (size > head_size) {
      return call->Fail(BadRequest("bad_parameter", "tree_size " + std::to_string(size) +
                                                        " is beyond the tree (" +
                                                        std::to_string(head_size) + ")"));
    }
  } else {
    auto latest = s.Checkpoint();
    if (!latest.ok()) return call->Fail(ProblemFromStatus(latest.status()));
    checkpoint = std::move(*latest);
    size = checkpoint->tree_size;
  }
  if (index >= size) {
    return call->Fail(BadRequest(
        "bad_parameter",
        "index " + std::to_string(index) + " is not below tree_size " + std::to_string(size)));
  }
  if (by_index) {
    auto found = log.LeafHashAt(index);  // from the cached tiles, not the entry
    if (!found.ok()) return call->Fail(ProblemFromStatus(found.status()));
    leaf = *found;
  }
  auto proof = log.InclusionProof(index, size);
  if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
  auto root = log.RootAt(size);
  if (!root.ok()) return call->Fail(ProblemFromStatus(root.status()));
  // The busiest read: written directly in RFC 8785 form (as JsonText would) instead of
  // through a DOM.
  std::string out;
  out.reserve(320 + 67 * proof->size() + (checkpoint ? checkpoint->note_json.size() : 0));
  out.push_back('{');
  if (checkpoint) out += "\"checkpoint\":" + checkpoint->note_json + ",";
  out += "\"inclusion_proof\":";
  AppendHashArray(*proof, &out);
  out += ",\"index\":" + std::to_string(index) + ",\"leaf_hash\":\"" + Hex(leaf) +
         "\",\"root\":\"" + Hex(*root) + "\",\"tree_size\":" + std::to_string(size) + "}";
  call->Send(200, "application/json", std::move(out));
}

void ConsistencyProof(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const LogReader& log = s.ledger.log();
  const auto& q = call->query;
  if (!q.count("from") || !q.count("to")) {
    return call->Fail(BadRequest("bad_parameter", "give from= and to= (tree sizes)"));
  }
  auto from = ParseUint("from", q.at("from"));
  auto to = ParseUint("to", q.at("to"));
  if (!from.ok()) return call->Fail(BadRequest("bad_parameter", from.status().message()));
  if (!to.ok()) return call->Fail(BadRequest("bad_parameter", to.status().message()));
  const uint64_t size = s.ledger.Head().tree_size;
  if (*from > *to || *to > size) {
    return call->Fail(
        BadRequest("bad_parameter", "need from <= to <= tree size (" + std::to_string(size) + ")"));
  }
  auto proof = log.ConsistencyProof(*from, *to);
  if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
  auto old_root = log.RootAt(*from);
  auto new_root = log.RootAt(*to);
  if (!old_root.ok() || !new_root.ok()) {
    return call->Fail(ProblemFromStatus(!old_root.ok() ? old_root.status() : new_root.status()));
  }
  call->SendJson(200, {{"old_size", *from},
                       {"new_size", *to},
                       {"old_root", Hex(*old_root)},
                       {"new_root", Hex(*new_root)},
                       {"consistency_proof", Json(merkle::HashesToHex(*proof))}});
}

// The inclusion proof without tree_size= is against the latest checkpoint, so it changes;
// a consistency proof between two tree sizes never does.
constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/v1/proofs/inclusion", .handler = InclusionProof},
    {.method = "GET",
     .path = "/v1/proofs/consistency",
     .handler = ConsistencyProof,
     .cache = RouteCache::kImmutable},
};

}  // namespace

std::span<const Route> ProofRoutes() { return kRoutes; }

}  // namespace credledger::api
