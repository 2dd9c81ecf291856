#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sstream>

#include "api/problem.h"
#include "api/service.h"
#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "ledger/records/registry.h"
#include "ledger_test_util.h"

using namespace credledger;

namespace {

// "METHOD /path" for every operation under `paths:` in the OpenAPI document. The document is
// written in a fixed layout (two-space indent: paths at 2, methods at 4), which this reads
// without a YAML library.
std::set<std::string> DocumentedRoutes(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::set<std::string> out;
  std::string line, current;
  bool in_paths = false;
  const std::regex path_line(R"(^  (/[^:]*):\s*$)");
  const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) {
      current = m[1];
    } else if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(method + " " + current);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the routes served are exactly the routes docs/openapi.yaml documents", "[api]") {
  std::set<std::string> served;
  for (const api::RouteInfo& r : api::Service::Routes()) served.insert(r.method + " " + r.path);
  const std::set<std::string> documented = DocumentedRoutes(CREDLEDGER_OPENAPI);
  for (const auto& r : served) {
    INFO("served but not documented: " << r);
    CHECK(documented.count(r) == 1);
  }
  for (const auto& r : documented) {
    INFO("documented but not served: " << r);
    CHECK(served.count(r) == 1);
  }
  CHECK(served.size() >= 17);
}

TEST_CASE("every Status maps to one documented HTTP status and stable code", "[api]") {
  struct Case {
    Status status;
    unsigned http;
    const char* code;
  } cases[] = {
      {Status::InvalidArgument("x"), 422, "invalid_entry"},
      {Status::Unauthenticated("x"), 401, "unauthenticated"},
      {Status::PermissionDenied("x"), 403, "forbidden"},
      {Status::AlreadyExists("x"), 409, "conflict"},
      {Status::FailedPrecondition("x"), 409, "conflict"},
      {Status::NotFound("x"), 404, "not_found"},
      {Status::ResourceExhausted("x"), 429, "overloaded"},
      {Status::Unavailable("x"), 503, "unavailable"},
      {Status::DataLoss("x"), 500, "internal"},
      {Status::Internal("x"), 500, "internal"},
  };
  std::ifstream in(CREDLEDGER_OPENAPI);
  std::stringstream doc;
  doc << in.rdbuf();
  for (const Case& c : cases) {
    api::Problem p = api::ProblemFromStatus(c.status);
    CHECK(p.status == c.http);
    CHECK(p.code == c.code);
    CHECK(p.detail == "x");
    INFO(c.code);
    CHECK(doc.str().find(std::string("- ") + c.code) != std::string::npos);
  }
  // Problem bodies are RFC 9457 members plus code and request_id; invalid UTF-8 in a detail
  // (quoting client input) must not throw.
  std::string body =
      api::ProblemJson({400, "malformed_json", "bad \xff byte"}, "/v1/entries", "r1");
  CHECK(body.find("\"type\":\"https://credledger.dev/problems/malformed-json\"") !=
        std::string::npos);
  CHECK(body.find("\"status\":400") != std::string::npos);
  CHECK(body.find("\"instance\":\"/v1/entries\"") != std::string::npos);
}

namespace {

// A Service over an in-memory domain ledger with one agency, driven without sockets.
struct Node {
  crypto::PrivateKey node_key = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey agency_key = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  std::unique_ptr<Ledger> ledger;
  std::shared_ptr<records::SharedRecordPolicy> policy;
  std::unique_ptr<api::Service> service;

  Node() {
    const crypto::PrivateKey admin = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
    Json config = {
        {"origin", "api.test/log"},
        {"admins", {{"threshold", 1}, {"keys", {records::PublicKeyJson(admin.public_key())}}}},
        {"agencies",
         {{{"id", "sz-amr"},
           {"name", "SZ AMR"},
           {"uscc", "91110000101623741K"},
           {"keys", {records::PublicKeyJson(agency_key.public_key())}},
           {"types", {"penalty"}}}}}};
    auto genesis = records::MakeGenesis(config, node_key.public_key());
    REQUIRE(genesis.ok());
    LedgerOptions o;
    o.max_block_delay = std::chrono::microseconds(100);
    auto l = Ledger::Create(std::make_unique<MemoryStore>(), node_key, "api.test/log",
                            crypto::HashAlgorithm::kSha256, *genesis, o);
    REQUIRE(l.ok());
    ledger = std::move(*l);
    auto p = records::RecordPolicy::Replay(
        1, [&](uint64_t i) { return ledger->GetEntry(i); },
        records::RecordPolicy::Signatures::kVerify);
    REQUIRE(p.ok());
    policy = std::make_shared<records::SharedRecordPolicy>(*p);
    ledger->SetAdmissionPolicy(policy);
    service = std::make_unique<api::Service>(*ledger, policy);
  }
  ~Node() { ledger.reset(); }  // first: it calls back into the service

  api::Response Call(boost::beast::http::verb method, const std::string& target,
                     std::string body = {}) {
    api::Request request{method, target, 11};
    request.set(boost::beast::http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    std::promise<api::Response> answered;
    service->Handle(request, "test", [&](api::Response r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  std::string Penalty(const std::string& number) {
    return credledger::testing::SignedPenalty(agency_key, "sz-amr", number);
  }
};

// The body is RFC 8785 JSON: what re-serializing its parse gives, byte for byte.
void CheckCanonical(const api::Response& r) {
  INFO(r.body());
  auto parsed = ParseJson(r.body());
  REQUIRE(parsed.ok());
  CHECK(CanonicalJson(*parsed).value() == r.body());
}

}  // namespace

TEST_CASE("hand-written answers (receipts, proofs) are the RFC 8785 text of their content",
          "[api]") {
  namespace http = boost::beast::http;
  Node node;
  for (int i = 0; i < 5; ++i) {
    api::Response receipt =
        node.Call(http::verb::post, "/v1/entries", node.Penalty("P-" + std::to_string(i)));
    CHECK(receipt.result_int() == 201);
    CheckCanonical(receipt);
  }
  api::Response again = node.Call(http::verb::post, "/v1/entries", node.Penalty("P-0"));
  CHECK(again.result_int() == 200);
  CheckCanonical(again);
  for (const char* target :
       {"/v1/proofs/inclusion?index=3", "/v1/proofs/inclusion?index=0&tree_size=4",
        "/v1/proofs/inclusion?index=5&tree_size=6"}) {
    api::Response proof = node.Call(http::verb::get, target);
    CHECK(proof.result_int() == 200);
    CheckCanonical(proof);
  }
  // The proof in an answer verifies against the root in the same answer, by RFC 9162.
  api::Response proof = node.Call(http::verb::get, "/v1/proofs/inclusion?index=2&tree_size=6");
  Json p = ParseJson(proof.body()).value();
  std::vector<merkle::Hash> path;
  for (const Json& h : p["inclusion_proof"]) {
    auto bytes = crypto::HexDecode(h.get<std::string>());
    merkle::Hash hash{};
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    path.push_back(hash);
  }
  auto leaf = crypto::HexDecode(p["leaf_hash"].get<std::string>());
  auto root = crypto::HexDecode(p["root"].get<std::string>());
  merkle::Hash leaf_hash{}, root_hash{};
  std::copy(leaf->begin(), leaf->end(), leaf_hash.begin());
  std::copy(root->begin(), root->end(), root_hash.begin());
  CHECK(merkle::VerifyInclusion(crypto::HashAlgorithm::kSha256, 2, 6, leaf_hash, path, root_hash)
            .ok());
}
