#include "node/leadership.h"

#include "ledger/canonical_json.h"

namespace credledger::node {

Leadership::Leadership(EtcdClient etcd, LeadershipOptions options)
    : etcd_(std::move(etcd)),
      options_(std::move(options)),
      leader_key_(options_.key_prefix + "/leader") {}

bool Leadership::IsLeader(Clock::time_point now) const {
  return term_.load() != 0 && now.time_since_epoch().count() < deadline_.load();
}

Status Leadership::Renew() {
  const Clock::time_point sent = Clock::now();
  auto ttl = etcd_.KeepAlive(lease_);
  if (!ttl.ok()) return ttl.status();
  const auto lasts = std::min<std::chrono::seconds>(std::chrono::seconds(*ttl), options_.ttl);
  deadline_.store((sent + lasts - options_.margin).time_since_epoch().count());
  return Status::Ok();
}

Result<bool> Leadership::Step() {
  if (term_.load() != 0) {
    Status renewed = Renew();
    if (renewed.ok()) {
      // The key is still the one this node created (an operator may have deleted it).
      CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EtcdKeyValue> key, etcd_.Get(leader_key_));
      if (key && key->create_revision == term_.load()) return true;
      renewed = Status::NotFound("the leader key is no longer this node's");
    }
    if (renewed.code() != StatusCode::kNotFound) return renewed;  // may pass: keep the deadline
    term_.store(0);
    deadline_.store(0);
    lease_ = 0;
    return false;
  }
  // A candidate: a live lease first (its clock starts when the request is sent).
  if (lease_ != 0) {
    Status renewed = Renew();
    if (renewed.code() == StatusCode::kNotFound) lease_ = 0;
    if (!renewed.ok() && renewed.code() != StatusCode::kNotFound) return renewed;
  }
  if (lease_ == 0) {
    const Clock::time_point sent = Clock::now();
    CREDLEDGER_ASSIGN_OR_RETURN(lease_, etcd_.GrantLease(options_.ttl));
    deadline_.store((sent + options_.ttl - options_.margin).time_since_epoch().count());
  }
  const std::string me = Json{{"node_id", options_.node_id}, {"url", options_.url}}.dump();
  CREDLEDGER_ASSIGN_OR_RETURN(
      EtcdTxnResult txn,
      etcd_.Txn({{.key = leader_key_,
                  .target = EtcdCompare::Target::kCreateRevision,
                  .result = EtcdCompare::Result::kEqual,
                  .number = 0}},
                {{.kind = EtcdOp::Kind::kPut, .key = leader_key_, .value = me, .lease = lease_}},
                {{.kind = EtcdOp::Kind::kGet, .key = leader_key_}}));
  if (txn.succeeded) {
    term_.store(txn.revision);  // the put's revision: the key's create revision
    return true;
  }
  // Led already by this node, if an earlier step's answer was lost on its way back.
  if (!txn.gets.empty() && txn.gets[0] && txn.gets[0]->lease == lease_) {
    term_.store(txn.gets[0]->create_revision);
    return true;
  }
  return false;
}

Result<std::optional<LeaderInfo>> Leadership::Leader() {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EtcdKeyValue> key, etcd_.Get(leader_key_));
  if (!key) return std::optional<LeaderInfo>();
  auto value = ParseJson(key->value);
  if (!value.ok() || !value->is_object()) {
    return Status::DataLoss("the leader key " + leader_key_ + " holds no leader");
  }
  return std::optional<LeaderInfo>(LeaderInfo{value->value("node_id", std::string()),
                                              value->value("url", std::string()),
                                              key->create_revision});
}

Status Leadership::Resign() {
  const int64_t lease = lease_;
  term_.store(0);
  deadline_.store(0);
  lease_ = 0;
  if (lease == 0) return Status::Ok();
  Status s = etcd_.Revoke(lease);
  return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
}

}  // namespace credledger::node
