// The node the HTTP fuzz targets answer with: api::Service over an in-memory ledger whose
// agency "sz-amr" signs with tests/fuzz/agency-key.pem (so seed requests carry valid entries
// and grow the log), with a document store and a query audit log (in a temporary directory)
// and one bank, whose token is kFuzzBankToken: every route is served, so a 5xx can only be a
// fault, never the node's configuration.
#ifndef CREDLEDGER_TESTS_FUZZ_FUZZ_NODE_H_
#define CREDLEDGER_TESTS_FUZZ_FUZZ_NODE_H_

#include <openssl/crypto.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "api/service.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "ledger/data_dir.h"
#include "ledger/records/access.h"
#include "ledger/records/query_audit.h"
#include "ledger/records/registry.h"
#include "tests/fuzz/fuzz_util.h"

namespace credledger::fuzz {

// The fuzz bank's bearer token (seed requests carry it: "Authorization: Bearer <token>").
inline const std::string kFuzzBankToken = "clb_" + std::string(64, '0');

struct Node {
  std::unique_ptr<credledger::Ledger> ledger;
  std::shared_ptr<credledger::records::SharedRecordPolicy> policy;
  std::unique_ptr<credledger::api::Service> service;
  credledger::MemoryStore payload_store;
  std::unique_ptr<credledger::records::PayloadStore> payloads;
  std::unique_ptr<credledger::records::QueryAuditLog> query_audit;

  Node() {
    using namespace credledger;
    // The node is never destroyed (libFuzzer may exit from any thread), so its ledger thread
    // may be signing when the process exits: OpenSSL must not tear itself down at exit under
    // it (a crash in CRYPTO_THREAD_read_lock seen once in CI, in the sanitized fuzz_server).
    Check(OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1,
          "OpenSSL initialises without its exit handler");
    auto node_key = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
    auto agency_key = LoadNodeKey(CREDLEDGER_FUZZ_DIR "/agency-key.pem");
    Check(node_key.ok() && agency_key.ok(), "the fuzz node's keys load");
    Json config = {
        {"origin", "fuzz.credledger/log"},
        {"admins",
         {{"threshold", 1}, {"keys", {records::PublicKeyJson(agency_key->public_key())}}}},
        {"agencies",
         {{{"id", "sz-amr"},
           {"name", "SZ AMR"},
           {"uscc", "11440300MB2C123452"},  // the dev ledger's sz-amr: its example license
           {"keys", {records::PublicKeyJson(agency_key->public_key())}},
           {"types", {"license", "certificate", "penalty", "status_change", "credit_repair"}}}}}};
    auto genesis = records::MakeGenesis(config, node_key->public_key());
    LedgerOptions options;
    options.max_block_delay = std::chrono::microseconds(100);
    auto created = genesis.ok() ? Ledger::Create(std::make_unique<MemoryStore>(), *node_key,
                                                 "fuzz.credledger/log",
                                                 crypto::HashAlgorithm::kSha256, *genesis, options)
                                : Result<std::unique_ptr<Ledger>>(genesis.status());
    Check(created.ok(), "the fuzz ledger is created");
    ledger = std::move(*created);
    auto replayed = records::RecordPolicy::Open(*ledger);
    Check(replayed.ok(), "the fuzz ledger's record indexes open");
    policy = std::make_shared<records::SharedRecordPolicy>(*replayed);
    ledger->SetAdmissionPolicy(policy);
    api::ServiceOptions service_options;
    service_options.node_key = *node_key;
    payloads =
        std::make_unique<records::PayloadStore>(&payload_store, crypto::HashAlgorithm::kSha256);
    service_options.payloads = payloads.get();
    static char dir[] = "/tmp/credledger-fuzz-XXXXXX";
    Check(::mkdtemp(dir) != nullptr, "a temporary directory for the query audit log");
    std::atexit([] { std::filesystem::remove_all(dir); });
    auto audit = records::QueryAuditLog::Open(std::string(dir) + "/query-audit.jsonl");
    Check(audit.ok(), "the query audit log opens");
    query_audit = std::move(*audit);
    service_options.query_audit = query_audit.get();
    auto banks = records::BankAccess::FromJson(
        {{"banks",
          {{{"id", "fuzz-bank"},
            {"name", "Fuzz Bank"},
            {"token_sha256",
             crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, kFuzzBankToken))}}}}});
    Check(banks.ok(), "the fuzz bank is configured");
    service_options.banks = std::move(*banks);
    service = std::make_unique<api::Service>(*ledger, policy, std::move(service_options));
  }
};

}  // namespace credledger::fuzz

#endif  // CREDLEDGER_TESTS_FUZZ_FUZZ_NODE_H_
