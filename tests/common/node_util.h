// A Service over an in-memory domain ledger, for the tests of the api and client modules.
#ifndef CREDLEDGER_TESTS_COMMON_NODE_UTIL_H_
#define CREDLEDGER_TESTS_COMMON_NODE_UTIL_H_

#include <catch2/catch.hpp>
#include <future>
#include <memory>

#include "api/service.h"
#include "ledger/records/registry.h"
#include "records_util.h"

namespace credledger::testing {

// Options under which one bank ("bank-1") may read, with the bank token whose SHA-256 is
// `token_hash`, its reads logged in `audit`.
inline api::ServiceOptions BankOptions(const crypto::Digest& token_hash,
                                       records::QueryAuditLog* audit) {
  api::ServiceOptions options;
  options.banks =
      records::BankAccess::FromJson({{"banks",
                                      {{{"id", "bank-1"},
                                        {"name", "Bank One"},
                                        {"token_sha256", crypto::HexEncode(token_hash)}}}}})
          .value();
  options.query_audit = audit;
  return options;
}

// A Service over an in-memory domain ledger with one agency, driven without sockets.
struct Node {
  crypto::PrivateKey node_key = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey agency_key = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  MemoryStore* store = nullptr;  // the ledger's, for tests that damage it
  std::unique_ptr<Ledger> ledger;
  std::shared_ptr<records::SharedRecordPolicy> policy;
  std::unique_ptr<api::Service> service;

  crypto::PrivateKey admin = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);

  explicit Node(api::ServiceOptions options = {}) {
    Json config = {
        {"origin", "api.test/log"},
        {"admins", {{"threshold", 1}, {"keys", {records::PublicKeyJson(admin.public_key())}}}},
        {"agencies",
         {{{"id", "sz-amr"},
           {"name", "SZ AMR"},
           {"uscc", "91110000101623741K"},
           {"keys", {records::PublicKeyJson(agency_key.public_key())}},
           {"types",
            {"license", "penalty", "status_change", "credit_repair", "enterprise_key",
             "repair_review"}}}}}};
    auto genesis = records::MakeGenesis(config, node_key.public_key());
    REQUIRE(genesis.ok());
    LedgerOptions o;
    o.max_block_delay = std::chrono::microseconds(100);
    auto memory = std::make_unique<MemoryStore>();
    store = memory.get();
    auto l = Ledger::Create(std::move(memory), node_key, "api.test/log",
                            crypto::HashAlgorithm::kSha256, *genesis, o);
    REQUIRE(l.ok());
    ledger = std::move(*l);
    auto p = records::RecordPolicy::Open(*ledger);  // as ledgerd does
    REQUIRE(p.ok());
    policy = std::make_shared<records::SharedRecordPolicy>(*p);
    ledger->SetAdmissionPolicy(policy);
    options.node_key = node_key;
    service = std::make_unique<api::Service>(*ledger, policy, std::move(options));
  }
  ~Node() { ledger.reset(); }  // first: it calls back into the service

  api::Response Call(const std::string& method, const std::string& target, std::string body = {},
                     const std::string& content_type = "application/json",
                     const std::string& accept = "", const std::string& authorization = "",
                     const std::string& accept_language = "") {
    api::Request request;
    request.method = method;
    request.target = target;
    request.fields.Add("Content-Type", content_type);
    if (!accept.empty()) request.fields.Add("Accept", accept);
    if (!accept_language.empty()) request.fields.Add("Accept-Language", accept_language);
    if (!authorization.empty()) request.fields.Add("Authorization", authorization);
    request.body = std::move(body);
    std::promise<api::Response> answered;
    service->Handle(std::move(request), "test",
                    [&](api::Response r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  std::string Penalty(const std::string& number) {
    return credledger::testing::SignedPenalty(agency_key, "sz-amr", number);
  }

  // A config entry `action` with `params`, signed by the one admin.
  std::string Config(const std::string& action, Json params) {
    return SignedConfig({&admin}, action, std::move(params), "2026-11-30T00:00:00Z");
  }

  // An enterprise_key record of sz-amr binding `key` to enterprise `uscc`.
  std::string BindEnterpriseKey(const std::string& uscc, const crypto::PrivateKey& key) {
    Json e = SampleEntry("enterprise_key");
    e["subject"]["uscc"] = uscc;
    e["body"]["key"] = records::PublicKeyJson(key.public_key());
    e["body"]["key_id"] = key.public_key().KeyId();
    return records::SignEntry(e, agency_key).value().canonical;
  }
};

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_COMMON_NODE_UTIL_H_
