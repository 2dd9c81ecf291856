// HTTP requests at the handler level: raw bytes parsed as Beast parses a connection's, then
// answered by api::Service over an in-memory ledger whose agency "sz-amr" signs with
// tests/fuzz/agency-key.pem (so seed requests carry valid entries and grow the log).
// Invariants: every request is answered exactly once, within 10 s; no answer is a 5xx other
// than 503; every error is application/problem+json whose "status" is the HTTP status.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <future>
#include <memory>

#include "api/service.h"
#include "ledger/data_dir.h"
#include "ledger/records/registry.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using credledger::fuzz::Check;

struct Node {
  std::unique_ptr<credledger::Ledger> ledger;
  std::shared_ptr<credledger::records::SharedRecordPolicy> policy;
  std::unique_ptr<credledger::api::Service> service;

  Node() {
    using namespace credledger;
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
           {"uscc", "91110000101623741K"},
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
    auto replayed = records::RecordPolicy::Replay(
        1, [&](uint64_t i) { return ledger->GetEntry(i); },
        records::RecordPolicy::Signatures::kVerify);
    Check(replayed.ok(), "the fuzz ledger replays");
    policy = std::make_shared<records::SharedRecordPolicy>(*replayed);
    ledger->SetAdmissionPolicy(policy);
    api::ServiceOptions service_options;
    service_options.node_key = *node_key;
    service = std::make_unique<api::Service>(*ledger, policy, std::move(service_options));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  // Never destroyed: libFuzzer may exit from any thread, and the ledger calls into the service.
  static Node* node = new Node();

  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec == http::error::need_more) {
    ec = {};
    parser.put_eof(ec);
  }
  if (ec || !parser.is_done()) return 0;  // the server would answer 400 before any handler
  const credledger::api::Request request = parser.release();

  auto answered = std::make_shared<std::promise<credledger::api::Response>>();
  auto answers = std::make_shared<std::atomic<int>>(0);
  std::future<credledger::api::Response> answer = answered->get_future();
  node->service->Handle(request, "fuzz", [answered, answers](credledger::api::Response r) {
    Check(answers->fetch_add(1) == 0, "a request is answered once");
    answered->set_value(std::move(r));
  });
  Check(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
        "a request is answered within 10 s");
  const credledger::api::Response response = answer.get();
  const unsigned status = response.result_int();
  Check(status < 500 || status == 503, "no 5xx but 503");
  if (status >= 400) {
    Check(response[http::field::content_type] == "application/problem+json",
          "an error is application/problem+json");
    auto problem = credledger::ParseJson(response.body());
    Check(problem.ok() && problem->is_object() && problem->contains("status") &&
              (*problem)["status"] == status,
          "a problem's status is the HTTP status");
  }
  return 0;
}
