#include "node/head_record.h"

#include "ledger/canonical_json.h"
#include "ledger/records/schema.h"

namespace credledger::node {
namespace {

// 64 lowercase hex digits, as records hold hashes.
bool IsHex64(const Json& v) { return v.is_string() && records::IsHashHex(v.get<std::string>()); }

std::string HeadJson(const RecordedHead& h) {
  return Json{{"height", h.height},
              {"tree_size", h.tree_size},
              {"root", h.root},
              {"block_hash", h.block_hash},
              {"term", h.term}}
      .dump();
}

}  // namespace

HeadRecord::HeadRecord(EtcdClient etcd, const std::string& key_prefix, std::string leader_key)
    : etcd_(std::move(etcd)), key_(key_prefix + "/head"), leader_key_(std::move(leader_key)) {}

Result<std::optional<RecordedHead>> HeadRecord::Read() {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EtcdKeyValue> kv, etcd_.Get(key_));
  if (!kv) return std::optional<RecordedHead>();
  auto doc = ParseJson(kv->value);
  const auto bad = [&] { return Status::DataLoss(key_ + " holds no head: " + kv->value); };
  if (!doc.ok() || !doc->is_object()) return bad();
  const Json& j = *doc;
  for (const char* n : {"height", "tree_size", "term"}) {
    if (!j.contains(n) || !j.at(n).is_number_integer() || j.at(n).get<int64_t>() < 0) return bad();
  }
  if (!j.contains("root") || !IsHex64(j.at("root")) || !j.contains("block_hash") ||
      !IsHex64(j.at("block_hash"))) {
    return bad();
  }
  return std::optional<RecordedHead>(
      RecordedHead{j.at("height").get<uint64_t>(), j.at("tree_size").get<uint64_t>(),
                   j.at("root").get<std::string>(), j.at("block_hash").get<std::string>(),
                   j.at("term").get<int64_t>(), kv->mod_revision});
}

Result<RecordedHead> HeadRecord::Advance(const std::optional<RecordedHead>& previous,
                                         const RecordedHead& next, int64_t term) {
  if (previous && (next.height <= previous->height || next.tree_size <= previous->tree_size)) {
    return Status::InvalidArgument("a recorded head only grows: block " +
                                   std::to_string(next.height) + " does not follow block " +
                                   std::to_string(previous->height));
  }
  RecordedHead recorded = next;
  recorded.term = term;
  const std::vector<EtcdCompare> compares = {
      // Still this leader's term: the leader key this node created.
      {.key = leader_key_,
       .target = EtcdCompare::Target::kCreateRevision,
       .result = EtcdCompare::Result::kEqual,
       .number = term},
      // Still the head it read (none: still none).
      {.key = key_,
       .target =
           previous ? EtcdCompare::Target::kModRevision : EtcdCompare::Target::kCreateRevision,
       .result = EtcdCompare::Result::kEqual,
       .number = previous ? previous->revision : 0},
  };
  CREDLEDGER_ASSIGN_OR_RETURN(
      EtcdTxnResult txn,
      etcd_.Txn(compares, {{.kind = EtcdOp::Kind::kPut, .key = key_, .value = HeadJson(recorded)}},
                {{.kind = EtcdOp::Kind::kGet, .key = leader_key_},
                 {.kind = EtcdOp::Kind::kGet, .key = key_}}));
  if (txn.succeeded) {
    recorded.revision = txn.revision;  // the put's: the head's mod revision now
    return recorded;
  }
  const bool still_leader =
      txn.gets.size() == 2 && txn.gets[0] && txn.gets[0]->create_revision == term;
  if (!still_leader) {
    return Status::FailedPrecondition("term " + std::to_string(term) +
                                      " is over: another node leads, or none");
  }
  // Recorded already, by this very call's earlier attempt whose answer was lost.
  if (txn.gets[1] && txn.gets[1]->value == HeadJson(recorded)) {
    recorded.revision = txn.gets[1]->mod_revision;
    return recorded;
  }
  return Status::FailedPrecondition("the recorded head moved since this node read it");
}

}  // namespace credledger::node
