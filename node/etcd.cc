#include "node/etcd.h"

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"

namespace credledger::node {
namespace {

std::string B64(const std::string& bytes) { return crypto::Base64Encode(crypto::AsBytes(bytes)); }

Result<std::string> FromB64(const Json& v) {
  if (!v.is_string()) return Status::DataLoss("etcd sent a key or value that is not base64 text");
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes bytes, crypto::Base64Decode(v.get<std::string>()));
  return std::string(bytes.begin(), bytes.end());
}

// A 64-bit number as the gateway writes it: a decimal string, absent when zero.
int64_t Number(const Json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return 0;
  const Json& v = object.at(name);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return 0;
  try {
    return std::stoll(v.get<std::string>());
  } catch (const std::exception&) {
    return 0;
  }
}

Result<EtcdKeyValue> KeyValueOf(const Json& kv) {
  EtcdKeyValue out;
  CREDLEDGER_ASSIGN_OR_RETURN(out.key, FromB64(kv.value("key", Json(""))));
  CREDLEDGER_ASSIGN_OR_RETURN(out.value, FromB64(kv.value("value", Json(""))));
  out.create_revision = Number(kv, "create_revision");
  out.mod_revision = Number(kv, "mod_revision");
  out.version = Number(kv, "version");
  out.lease = Number(kv, "lease");
  return out;
}

// The first key-value of a range answer, if any.
Result<std::optional<EtcdKeyValue>> FirstOf(const Json& range) {
  if (!range.is_object() || !range.contains("kvs") || !range.at("kvs").is_array() ||
      range.at("kvs").empty()) {
    return std::optional<EtcdKeyValue>();
  }
  CREDLEDGER_ASSIGN_OR_RETURN(EtcdKeyValue kv, KeyValueOf(range.at("kvs").at(0)));
  return std::optional<EtcdKeyValue>(std::move(kv));
}

Json CompareJson(const EtcdCompare& c) {
  static const char* kResults[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  Json j = {{"key", B64(c.key)}, {"result", kResults[static_cast<int>(c.result)]}};
  switch (c.target) {
    case EtcdCompare::Target::kCreateRevision:
      j["target"] = "CREATE";
      j["create_revision"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kModRevision:
      j["target"] = "MOD";
      j["mod_revision"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kVersion:
      j["target"] = "VERSION";
      j["version"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kValue:
      j["target"] = "VALUE";
      j["value"] = B64(c.value);
      break;
    case EtcdCompare::Target::kLease:
      j["target"] = "LEASE";
      j["lease"] = std::to_string(c.number);
      break;
  }
  return j;
}

Json OpJson(const EtcdOp& op) {
  switch (op.kind) {
    case EtcdOp::Kind::kPut: {
      Json put = {{"key", B64(op.key)}, {"value", B64(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return {{"request_put", put}};
    }
    case EtcdOp::Kind::kDelete:
      return {{"request_delete_range", {{"key", B64(op.key)}}}};
    case EtcdOp::Kind::kGet:
      break;
  }
  return {{"request_range", {{"key", B64(op.key)}}}};
}

Json OpsJson(const std::vector<EtcdOp>& ops) {
  Json out = Json::array();
  for (const EtcdOp& op : ops) out.push_back(OpJson(op));
  return out;
}

}  // namespace

Result<EtcdClient> EtcdClient::Create(const std::vector<std::string>& endpoints,
                                      std::chrono::milliseconds timeout) {
  if (endpoints.empty()) return Status::InvalidArgument("no etcd endpoint given");
  std::vector<Member> members;
  for (const std::string& url : endpoints) {
    CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient http,
                                client::HttpClient::Create(url, "", timeout));
    members.push_back({url, std::move(http)});
  }
  return EtcdClient(std::move(members));
}

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  std::string failures;
  for (size_t tried = 0; tried < members_.size(); ++tried) {
    Member& m = members_[current_];
    auto answer = m.http.Post(path, "application/json", body);
    std::string why;
    if (!answer.ok()) {
      why = answer.status().message();
    } else if (answer->status == 200) {
      return std::move(answer->body);
    } else {
      // {"error", "code": <gRPC code>, "message"}: 14 (unavailable: no leader, no quorum) and
      // 4 (deadline exceeded) are this member's trouble; the others are answers.
      auto problem = ParseJson(answer->body);
      const int code = problem.ok() && problem->is_object() ? problem->value("code", 0) : 0;
      const std::string message = problem.ok() && problem->is_object()
                                      ? problem->value("message", std::string())
                                      : answer->body.substr(0, 200);
      if (code == 5) return Status::NotFound("etcd: " + message);
      if (code != 14 && code != 4 && answer->status < 500) {
        return Status::FailedPrecondition("etcd refused " + path + ": " + message);
      }
      why = m.url + ": " + message;
    }
    failures += (failures.empty() ? "" : "; ") + why;
    current_ = (current_ + 1) % members_.size();
  }
  return Status::Unavailable("no etcd member answered " + path + " (" + failures + ")");
}

Result<std::optional<EtcdKeyValue>> EtcdClient::Get(const std::string& key) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text,
                              Call("/v3/kv/range", Json{{"key", B64(key)}}.dump()));
  CREDLEDGER_ASSIGN_OR_RETURN(Json answer, ParseJson(text));
  return FirstOf(answer);
}

Result<EtcdTxnResult> EtcdClient::Txn(const std::vector<EtcdCompare>& compares,
                                      const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
  Json request = {
      {"compare", Json::array()}, {"success", OpsJson(success)}, {"failure", OpsJson(failure)}};
  for (const EtcdCompare& c : compares) request["compare"].push_back(CompareJson(c));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, Call("/v3/kv/txn", request.dump()));
  CREDLEDGER_ASSIGN_OR_RETURN(Json answer, ParseJson(text));
  EtcdTxnResult out;
  out.succeeded = answer.value("succeeded", false);  // proto3 JSON leaves false out
  out.revision = Number(answer.value("header", Json::object()), "revision");
  const Json responses = answer.value("responses", Json::array());
  for (const Json& r : responses) {
    if (!r.is_object() || !r.contains("response_range")) continue;
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EtcdKeyValue> kv, FirstOf(r.at("response_range")));
    out.gets.push_back(std::move(kv));
  }
  return out;
}

Result<int64_t> EtcdClient::GrantLease(std::chrono::seconds ttl) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string text, Call("/v3/lease/grant", Json{{"TTL", std::to_string(ttl.count())}}.dump()));
  CREDLEDGER_ASSIGN_OR_RETURN(Json answer, ParseJson(text));
  const int64_t id = Number(answer, "ID");
  if (id == 0) return Status::Unavailable("etcd granted no lease: " + text.substr(0, 200));
  return id;
}

Result<int64_t> EtcdClient::KeepAlive(int64_t id) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text,
                              Call("/v3/lease/keepalive", Json{{"ID", std::to_string(id)}}.dump()));
  // A stream of {"result": {...}} messages, one for the one request.
  const size_t end = text.find('\n');
  CREDLEDGER_ASSIGN_OR_RETURN(Json answer, ParseJson(text.substr(0, end)));
  const int64_t ttl = Number(answer.value("result", Json::object()), "TTL");
  if (ttl <= 0) return Status::NotFound("etcd lease " + std::to_string(id) + " has expired");
  return ttl;
}

Status EtcdClient::Revoke(int64_t id) {
  return Call("/v3/lease/revoke", Json{{"ID", std::to_string(id)}}.dump()).status();
}

}  // namespace credledger::node
