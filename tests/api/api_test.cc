#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "api/multipart.h"
#include "api/problem.h"
#include "api/service.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/format.h"
#include "ledger/merkle.h"
#include "ledger/records/access_log.h"
#include "ledger/records/bundle.h"
#include "ledger/records/profile.h"
#include "ledger/records/query_audit.h"
#include "ledger/records/registry.h"
#include "node_util.h"
#include "records_util.h"
#include "test_util.h"

using namespace credledger;

namespace {

// What docs/openapi.yaml says of one operation.
struct DocumentedRoute {
  std::string security;            // the operation's `security:` value, "" if none
  bool immutable = false;          // a response carries the CacheImmutable header
  std::set<std::string> statuses;  // the response statuses it lists
};

// "METHOD /path" -> what is documented, for every operation under `paths:` in the OpenAPI
// document. The document is written in a fixed layout (two-space indent: paths at 2, methods
// at 4, an operation's members at 6, responses at 8), which this reads without a YAML library.
std::map<std::string, DocumentedRoute> DocumentedRoutes(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::map<std::string, DocumentedRoute> out;
  std::string line, current;
  DocumentedRoute* operation = nullptr;
  bool in_paths = false;
  const std::regex path_line(R"(^  (/[^:]*):\s*$)");
  const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
  const std::regex security_line(R"(^      security: (.*)$)");
  const std::regex status_line(R"(^        '(\d{3})':.*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) {
      current = m[1];
      operation = nullptr;
    } else if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      operation = &out[method + " " + current];
    } else if (operation != nullptr && std::regex_match(line, m, security_line)) {
      operation->security = m[1];
    } else if (operation != nullptr && std::regex_match(line, m, status_line)) {
      operation->statuses.insert(m[1]);
      if (line.find("CacheImmutable") != std::string::npos) operation->immutable = true;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the routes served are exactly the routes docs/openapi.yaml documents", "[api]") {
  const std::map<std::string, DocumentedRoute> documented = DocumentedRoutes(CREDLEDGER_OPENAPI);
  std::set<std::string> served;
  for (const api::RouteInfo& r : api::Service::Routes()) {
    const std::string name = r.method + " " + r.path;
    served.insert(name);
    INFO("served: " << name << " (and documented?)");
    auto it = documented.find(name);
    REQUIRE(it != documented.end());
    const DocumentedRoute& doc = it->second;
    // Who may call it, how it is cached, and the refusals its policies bring.
    switch (r.auth) {
      case api::RouteAuth::kNone:
        CHECK(doc.security.empty());
        break;
      case api::RouteAuth::kBank:
        CHECK(doc.security == "[{bankToken: []}]");
        CHECK(doc.statuses.count("401") == 1);
        break;
      case api::RouteAuth::kBankOptional:
        CHECK(doc.security == "[{}, {bankToken: []}]");
        CHECK(doc.statuses.count("401") == 1);
        break;
    }
    CHECK(doc.immutable == (r.cache == api::RouteCache::kImmutable));
    if (r.effect == api::RouteEffect::kJsonWrite) CHECK(doc.statuses.count("415") == 1);
  }
  for (const auto& [name, doc] : documented) {
    // Served beside the Service by a cluster node (node/cluster.h), for its leader.
    if (name == "POST /v1/cluster/blocks") continue;
    INFO("documented but not served: " << name);
    CHECK(served.count(name) == 1);
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

using credledger::testing::Node;

// The body is RFC 8785 JSON: what re-serializing its parse gives, byte for byte.
void CheckCanonical(const api::Response& r) {
  INFO(r.body);
  auto parsed = ParseJson(r.body);
  REQUIRE(parsed.ok());
  CHECK(CanonicalJson(*parsed).value() == r.body);
}

}  // namespace

TEST_CASE("a 500 tells the client its request id only, the cause goes to the node's log", "[api]") {
  std::vector<api::LogFields> logged;
  std::mutex logged_mu;
  api::ServiceOptions options;
  options.log_error = [&](const api::LogFields& f) {
    std::lock_guard lock(logged_mu);
    logged.push_back(f);
  };
  testing::Node node(std::move(options));
  auto posted = node.Call("POST", "/v1/entries", node.Penalty("P-500"));
  REQUIRE(posted.status == 201);
  const uint64_t index = Json::parse(posted.body)["index"].get<uint64_t>();
  const std::string record_id = Json::parse(posted.body)["record_id"].get<std::string>();
  // Damaged data: the stored entry is no longer the JSON that was admitted.
  WriteBatch damage;
  damage.Put(format::EntryKey(index), "{not json: /srv/secret/path");
  REQUIRE(node.store->Write(damage, true).ok());

  auto answer = node.Call("GET", "/v1/records/" + record_id);
  CHECK(answer.status == 500);
  const Json problem = Json::parse(answer.body);
  CHECK(problem["code"] == "internal");
  CHECK(problem["request_id"] == "test");
  const std::string detail = problem["detail"].get<std::string>();
  CHECK(detail.find("request id test") != std::string::npos);
  CHECK(answer.body.find("secret") == std::string::npos);
  CHECK(answer.body.find("entry") == std::string::npos);  // no internal wording at all
  std::lock_guard lock(logged_mu);
  REQUIRE(logged.size() == 1);
  const api::LogFields& line = logged[0];
  auto field = [&](const std::string& name) {
    for (const auto& [k, v] : line) {
      if (k == name) return v;
    }
    return std::string();
  };
  CHECK(field("request_id") == "test");
  CHECK(field("route") == "/v1/records/{id}");
  CHECK(!field("error").empty());
}

TEST_CASE("a batch answers every item in its slot, in RFC 8785 form, proven against its checkpoint",
          "[api]") {
  testing::Node node;
  const std::string first = node.Penalty("B-1");
  const Json batch = {{"entries",
                       {Json::parse(first), Json::parse(node.Penalty("B-2")), Json::parse(first),
                        Json{{"type", "penalty \"quoted\\"}}, Json::parse(node.Penalty("B-3"))}}};
  const api::Response answer = node.Call("POST", "/v1/entries/batch", batch.dump());
  REQUIRE(answer.status == 200);
  CheckCanonical(answer);
  const Json doc = Json::parse(answer.body);
  const NoteVerifier verifier = NoteVerifier::FromVerifierKey(node.ledger->VerifierKey()).value();
  const Checkpoint checkpoint =
      VerifyCheckpoint(doc["checkpoint"].get<std::string>(), verifier, verifier.name()).value();
  CHECK(doc["tree_size"] == checkpoint.tree_size);
  const Json& results = doc["results"];
  REQUIRE(results.size() == 5);
  CHECK(results[0]["status"] == 201);
  CHECK(results[1]["status"] == 201);
  CHECK(results[2]["status"] == 200);  // the same entry again: already present
  CHECK(results[2]["already_present"] == true);
  CHECK(results[2]["index"] == results[0]["index"]);
  CHECK(results[3]["status"] == 422);  // its own problem, escaped as RFC 8785 has it
  CHECK(results[3]["code"] == "invalid_entry");
  CHECK(results[3].size() == 3);
  CHECK(results[4]["status"] == 201);
  for (size_t i : {0, 1, 2, 4}) {
    INFO("slot " << i);
    const Json& r = results[i];
    CHECK(r.size() == 7);
    CHECK(r["record_id"] == r["leaf_hash"]);
    std::vector<merkle::Hash> proof;
    for (const Json& h : r["inclusion_proof"]) {
      proof.push_back(merkle::HashFromHex(h.get<std::string>()).value());
    }
    CHECK(merkle::VerifyInclusion(crypto::HashAlgorithm::kSha256, r["index"].get<uint64_t>(),
                                  checkpoint.tree_size,
                                  merkle::HashFromHex(r["leaf_hash"].get<std::string>()).value(),
                                  proof, checkpoint.root)
              .ok());
  }
}

TEST_CASE("a batch stores each entry in its RFC 8785 form, however the request wrote it", "[api]") {
  testing::Node node;
  const std::string canonical = node.Penalty("W-1");
  const std::string other = node.Penalty("W-2");
  // The first entry as sent (canonical) inside a batch that is not; the second pretty-printed,
  // so its bytes are not what the log stores.
  const std::string body =
      "{ \"entries\" : [\n" + canonical + " ,\n" + Json::parse(other).dump(2) + "\n] }";
  const api::Response answer = node.Call("POST", "/v1/entries/batch", body);
  REQUIRE(answer.status == 200);
  const Json results = Json::parse(answer.body)["results"];
  REQUIRE(results.size() == 2);
  CHECK(results[0]["status"] == 201);
  CHECK(results[1]["status"] == 201);
  CHECK(results[0]["leaf_hash"] ==
        crypto::HexEncode(merkle::LeafHash(crypto::HashAlgorithm::kSha256, canonical)));
  CHECK(results[1]["leaf_hash"] ==
        crypto::HexEncode(merkle::LeafHash(crypto::HashAlgorithm::kSha256, other)));
  CHECK(node.ledger->log().GetEntry(results[1]["index"].get<uint64_t>()).value() == other);
}

TEST_CASE("hand-written answers (receipts, proofs) are the RFC 8785 text of their content",
          "[api]") {
  Node node;
  for (int i = 0; i < 5; ++i) {
    api::Response receipt =
        node.Call("POST", "/v1/entries", node.Penalty("P-" + std::to_string(i)));
    CHECK(receipt.status == 201);
    CheckCanonical(receipt);
  }
  api::Response again = node.Call("POST", "/v1/entries", node.Penalty("P-0"));
  CHECK(again.status == 200);
  CheckCanonical(again);
  for (const char* target :
       {"/v1/proofs/inclusion?index=3", "/v1/proofs/inclusion?index=0&tree_size=4",
        "/v1/proofs/inclusion?index=5&tree_size=6"}) {
    api::Response proof = node.Call("GET", target);
    CHECK(proof.status == 200);
    CheckCanonical(proof);
  }
  // The proof in an answer verifies against the root in the same answer, by RFC 9162.
  api::Response proof = node.Call("GET", "/v1/proofs/inclusion?index=2&tree_size=6");
  Json p = ParseJson(proof.body).value();
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

TEST_CASE("multipart/form-data: the first file field's bytes", "[api]") {
  const std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n%PDF\r\nbytes\r\n--XyZ--\r\n";
  CHECK(api::IsMultipartFormData("Multipart/Form-Data; boundary=XyZ"));
  CHECK(api::FirstFormFile("multipart/form-data; boundary=XyZ", body).value() == "%PDF\r\nbytes");
  CHECK(api::FirstFormFile("multipart/form-data; boundary=\"XyZ\"", body).value() ==
        "%PDF\r\nbytes");
  // No file field: the first part.
  const std::string plain = "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--";
  CHECK(api::FirstFormFile("multipart/form-data; boundary=b", plain).value() == "v");
  CHECK_FALSE(api::FirstFormFile("multipart/form-data", body).ok());
  CHECK_FALSE(api::FirstFormFile("multipart/form-data; boundary=other", body).ok());
  CHECK_FALSE(
      api::FirstFormFile("multipart/form-data; boundary=XyZ", "--XyZ\r\nno end of headers").ok());
  CHECK_FALSE(
      api::FirstFormFile("multipart/form-data; boundary=XyZ", "--XyZ\r\nA: b\r\n\r\nunterminated")
          .ok());
}

TEST_CASE("bundles, POST /v1/verify and /v/{id} answer as an offline verifier would", "[api]") {
  Node node;
  const std::string document = "%PDF-1.7 decision 2026-001";
  Json e = ParseJson(node.Penalty("P-1")).value();
  e.erase("signature");
  e["body"]["decision_document_hash"] =
      crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, document));
  const std::string entry = records::SignEntry(e, node.agency_key).value().canonical;
  api::Response receipt = node.Call("POST", "/v1/entries", entry);
  REQUIRE(receipt.status == 201);
  const std::string id = ParseJson(receipt.body).value()["record_id"].get<std::string>();
  const NoteVerifier verifier = NoteVerifier::FromVerifierKey(node.ledger->VerifierKey()).value();

  // Downloads, checked offline.
  api::Response bundle = node.Call("GET", "/v1/records/" + id + "/bundle");
  REQUIRE(bundle.status == 200);
  CHECK(bundle.fields.Get("Content-Disposition") ==
        "attachment; filename=\"credledger-proof-" + id.substr(0, 16) + ".json\"");
  CheckCanonical(bundle);
  CHECK(records::VerifyProofBundle(bundle.body, verifier).in_force);
  CHECK(node.Call("GET", "/v1/entries/1/bundle").body == bundle.body);
  CHECK(node.Call("GET", "/v1/entries/0/bundle").status == 404);  // genesis
  CHECK(node.Call("GET", "/v1/entries/9/bundle").status == 404);
  CHECK(node.Call("GET", "/v1/records/" + std::string(64, 'a') + "/bundle").status == 404);
  CHECK(node.Call("GET", "/v1/records/xyz/bundle").status == 400);

  auto verify = [&](const std::string& body, const std::string& type) {
    api::Response r = node.Call("POST", "/v1/verify", body, type);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return ParseJson(r.body).value();
  };
  // The document: raw, as a form upload, or by hash.
  for (const Json& answer :
       {verify(document, "application/pdf"),
        verify("--b\r\nContent-Disposition: form-data; name=\"document\"; filename=\"d.pdf\"\r\n"
               "\r\n" +
                   document + "\r\n--b--\r\n",
               "multipart/form-data; boundary=b"),
        verify(Json{{"hash", e["body"]["decision_document_hash"]}}.dump(), "application/json")}) {
    CHECK(answer["found"] == true);
    REQUIRE(answer["results"].size() == 1);
    const Json& result = answer["results"][0];
    CHECK(result["authentic"] == true);
    CHECK(result["in_force"] == true);
    CHECK(result["record"]["record_id"] == id);
    CHECK(result["record"]["agency_name"] == "SZ AMR");
    CHECK(result["record"]["status"] == "valid");
    CHECK(result["bundle"]["format"] == "credledger-proof/v1");
  }
  // With the document in hand, its hash is one of the checks.
  CHECK(verify(document, "application/octet-stream")["results"][0]["checks"][12] ==
        Json{{"check", "document"},
             {"result", "pass"},
             {"detail", "the document hashes to the record's " +
                            e["body"]["decision_document_hash"].get<std::string>()}});
  // Never anchored: a clean answer.
  Json unknown = verify("%PDF-1.7 a forged decision", "application/pdf");
  CHECK(unknown["found"] == false);
  CHECK(unknown["results"].empty());
  // A bundle: checked as submitted, and as the ledger stands now.
  Json submitted = verify(bundle.body, "application/json");
  CHECK(submitted["submitted"]["authentic"] == true);
  CHECK(submitted["results"][0]["record"]["record_id"] == id);
  std::string forged = bundle.body;
  forged[forged.find("\"status\":\"valid\"") + 10] = 'V';
  Json refused = verify(forged, "application/json");
  CHECK(refused["found"] == false);
  CHECK(refused["submitted"]["authentic"] == false);
  CHECK(refused["results"].empty());
  // What is not a question.
  CHECK(node.Call("POST", "/v1/verify", "{\"x\":1}").status == 400);
  CHECK(node.Call("POST", "/v1/verify", "{", "application/json").status == 400);
  CHECK(node.Call("POST", "/v1/verify", "", "application/pdf").status == 400);

  // The page a printed QR code opens: zh-CN unless the browser prefers English.
  api::Response page = node.Call("GET", "/v/" + id);
  CHECK(page.status == 200);
  CHECK(page.fields.Get("Content-Type") == "text/html; charset=utf-8");
  CHECK(page.fields.Get("Content-Language") == "zh-CN");
  CHECK(page.body.find("<html lang=\"zh-CN\">") != std::string::npos);
  CHECK(page.body.find("真实 · 有效") != std::string::npos);
  CHECK(page.body.find("<th>记录类型</th><td>行政处罚</td>") != std::string::npos);
  CHECK(page.body.find("/v1/records/" + id + "/bundle") != std::string::npos);
  for (const char* english : {"en", "en-US,en;q=0.9,zh-CN;q=0.8", "zh-CN;q=0.5, en-GB"}) {
    api::Response en = node.Call("GET", "/v/" + id, "", "", "", "", english);
    CHECK(en.fields.Get("Content-Language") == "en");
    CHECK(en.body.find("AUTHENTIC \u00b7 IN FORCE") != std::string::npos);
  }
  for (const char* chinese : {"zh-CN,zh;q=0.9,en;q=0.8", "fr", "zh, en", "EN;q=0.1, ZH-TW"}) {
    api::Response zh = node.Call("GET", "/v/" + id, "", "", "", "", chinese);
    CHECK(zh.fields.Get("Content-Language") == "zh-CN");
  }
  api::Response json_page = node.Call("GET", "/v/" + id, "", "", "application/json");
  CHECK(ParseJson(json_page.body).value()["in_force"] == true);
  // An unknown record: a page for a browser, a problem for anything else (regression: the
  // HTML page was every client's answer, found by fuzz_http).
  api::Response missing = node.Call("GET", "/v/" + std::string(64, 'a'), "", "", "text/html");
  CHECK(missing.status == 404);
  CHECK(missing.fields.Get("Content-Type") == "text/html; charset=utf-8");
  CHECK(missing.body.find("未找到记录") != std::string::npos);
  api::Response missing_problem = node.Call("GET", "/v/" + std::string(64, 'a'));
  CHECK(missing_problem.status == 404);
  CHECK(missing_problem.fields.Get("Content-Type") == "application/problem+json");
  CHECK(ParseJson(missing_problem.body).value()["code"] == "not_found");
  CHECK(node.Call("GET", "/v/nothex").status == 400);
}

TEST_CASE("credit profiles: the bank sees every record, the public what is on display, signed",
          "[api]") {
  const auto [token, token_hash] = records::BankAccess::NewToken().value();
  credledger::testing::TempDir dir;
  const std::string audit_path = dir.file("audit.jsonl");
  auto audit = records::QueryAuditLog::Open(audit_path).value();
  credledger::testing::Node node(credledger::testing::BankOptions(token_hash, audit.get()));
  auto post = [&](const std::string& entry) {
    api::Response r = node.Call("POST", "/v1/entries", entry);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return ParseJson(r.body).value()["record_id"].get<std::string>();
  };
  auto change = [&](const std::string& target, Json body, const char* type) {
    body["target"] = target;
    Json e = {{"type", type},
              {"schema_version", 1},
              {"agency", "sz-amr"},
              {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
              {"issued_at", "2026-08-01T00:00:00Z"},
              {"refs", {target}},
              {"body", body}};
    return records::SignEntry(e, node.agency_key).value().canonical;
  };
  // Decided 2026-01-01, general: on display until 2027-01-01 unless repaired or withdrawn.
  const std::string shown = post(node.Penalty("P-shown"));
  const std::string repaired = post(node.Penalty("P-repaired"));
  const std::string withdrawn = post(node.Penalty("P-withdrawn"));
  const std::string repair =
      post(change(repaired,
                  {{"applicant_uscc", "914403001922038216"},
                   {"application_date", "2026-07-01"},
                   {"decision_date", "2026-07-02"},
                   {"deciding_authority", {{"uscc", "91110000101623741K"}, {"name", "SZ AMR"}}},
                   {"conditions_met", Json::array()},
                   {"decision", "approved"},
                   {"evidence_hashes", Json::array()}},
                  "credit_repair"));
  post(change(withdrawn,
              {{"action", "withdraw"},
               {"new_status", "withdrawn"},
               {"reversible", false},
               {"reason", "overturned on review"},
               {"effective_at", "2026-05-01T00:00:00Z"}},
              "status_change"));
  // A license: its status in a profile is computed from its validity window, and its text
  // holds non-ASCII (the profile carries the stored entry's bytes).
  const std::string license =
      post(records::SignEntry(credledger::testing::SampleEntry("license"), node.agency_key)
               .value()
               .canonical);
  const NoteVerifier verifier = NoteVerifier::FromVerifierKey(node.ledger->VerifierKey()).value();
  auto ids = [](const Json& list) {
    std::set<std::string> out;
    for (const Json& item : list) out.insert(item["record_id"].get<std::string>());
    return out;
  };

  api::Response bank = node.Call("GET", "/v1/subjects/914403001922038216/profile?purpose=loan%201",
                                 "", "", "", "Bearer " + token);
  REQUIRE(bank.status == 200);
  CheckCanonical(bank);
  CHECK(records::VerifyCreditProfile(bank.body, verifier).value() == 5);
  Json b = ParseJson(bank.body).value();
  CHECK(b["audience"] == "bank");
  CHECK(b["bank"] == "bank-1");
  CHECK(b["purpose"] == "loan 1");
  CHECK(ids(b["penalties"]) == std::set<std::string>{shown, repaired, withdrawn});
  CHECK(ids(b["credit_repairs"]) == std::set<std::string>{repair});
  REQUIRE(ids(b["licenses"]) == std::set<std::string>{license});
  const Json& listed_license = b["licenses"][0];
  CHECK(listed_license["status"] == "valid");  // 2026-11-27 to 2046-11-26
  CHECK(listed_license["in_force"] == true);
  CHECK(listed_license["status_on_log"] == "valid");
  CHECK(CanonicalJson(listed_license["entry"]).value() ==
        node.ledger->log().GetEntry(listed_license["index"].get<uint64_t>()).value());
  for (const Json& p : b["penalties"]) {
    const std::string id = p["record_id"];
    CHECK(p["status"] == (id == shown ? "valid" : id == repaired ? "repaired" : "withdrawn"));
    // One vocabulary: the record, its history and its bundle state the profile's status.
    const std::string want = p["status"];
    Json record = ParseJson(node.Call("GET", "/v1/records/" + id).body).value();
    CHECK(record["status"] == want);
    Json history = ParseJson(node.Call("GET", "/v1/records/" + id + "/history").body).value();
    CHECK(history["status"] == want);
    CHECK(history["history"].back()["status_after"] == want);
    Json bundle = ParseJson(node.Call("GET", "/v1/records/" + id + "/bundle").body).value();
    INFO(bundle.dump().substr(0, 400));
    CHECK(bundle.dump().find("\"status\":\"" + want + "\"") != std::string::npos);
  }
  // Logged before it was answered.
  CHECK(credledger::testing::ReadFile(audit_path)
            .find("\"purpose\":\"loan 1\",\"result\":200,"
                  "\"seq\":1,\"subject\":"
                  "\"914403001922038216\"") != std::string::npos);

  // The public view: only what is on display today (the penalties were decided 2026-01-01,
  // general tier: on display for 12 months), no repairs.
  api::Response pub = node.Call("GET", "/v1/subjects/914403001922038216/profile");
  REQUIRE(pub.status == 200);
  CHECK(records::VerifyCreditProfile(pub.body, verifier).ok());
  Json p = ParseJson(pub.body).value();
  CHECK(p["audience"] == "public");
  CHECK_FALSE(p.contains("bank"));
  const std::string today = NowTimestamp().substr(0, 10);
  CHECK(ids(p["penalties"]) ==
        (today < "2027-01-01" ? std::set<std::string>{shown} : std::set<std::string>{}));
  CHECK(p["credit_repairs"].empty());

  // A changed byte breaks the node's signature.
  std::string forged = bank.body;
  forged.replace(forged.find("\"status\":\"withdrawn\""), 20, "\"status\":\"valid\"    ");
  CHECK(records::VerifyCreditProfile(forged, verifier).status().code() ==
        StatusCode::kUnauthenticated);
  // A wrong token is refused, not served the public view; a subject with no records is an
  // empty profile.
  CHECK(node.Call("GET", "/v1/subjects/914403001922038216/profile?purpose=x", "", "", "",
                  "Bearer clb_wrong")
            .status == 401);
  CHECK(node.Call("GET", "/v1/subjects/914403001922038216/profile", "", "", "",
                  "Bearer " + token)
            .status == 400);  // no purpose
  // Made on several threads or on one, the same bytes (Ed25519 signs deterministically).
  records::ProfileRequest request;
  request.subject = "914403001922038216";
  request.bank = true;
  request.bank_id = "bank-1";
  request.purpose = "loan 2";
  request.generated_at = "2026-11-30T00:00:00.000Z";
  const uint64_t size = node.ledger->Head().tree_size;
  const std::string note = node.ledger->SignedCheckpoint().value();
  const std::string one_thread = records::MakeCreditProfile(node.ledger->log(), *node.policy,
                                                            request, size, note, node.node_key)
                                     .value();
  request.parallel_for = [](size_t n, const std::function<void(size_t)>& work) {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i) threads.emplace_back(work, n - 1 - i);  // last first
    for (std::thread& t : threads) t.join();
  };
  CHECK(records::MakeCreditProfile(node.ledger->log(), *node.policy, request, size, note,
                                   node.node_key)
            .value() == one_thread);
  CHECK(records::VerifyCreditProfile(one_thread, verifier).value() == 5);

  api::Response empty = node.Call("GET", "/v1/subjects/91110000101623741K/profile");
  CHECK(empty.status == 200);
  CHECK(ParseJson(empty.body).value()["penalties"].empty());
  CHECK(node.Call("GET", "/v1/subjects/NOTACODE/profile").status == 400);
}

TEST_CASE(
    "consent-gated bank reads: a consent in force for the bank, purpose, subject, scope "
    "and day, or 403, every read logged with the consent it cited, and the enterprise's "
    "access log proving each",
    "[api][consent]") {
  // (Not a structured binding: clang 14 does not let a lambda capture one.)
  const auto new_token = records::BankAccess::NewToken().value();
  const std::string token = new_token.first;
  const crypto::Digest token_hash = new_token.second;
  credledger::testing::TempDir dir;
  const std::string audit_path = dir.file("audit.jsonl");
  auto audit = records::QueryAuditLog::Open(audit_path).value();
  MemoryStore payload_store;
  records::PayloadStore payloads(&payload_store, crypto::HashAlgorithm::kSha256);
  api::ServiceOptions options = credledger::testing::BankOptions(token_hash, audit.get());
  options.payloads = &payloads;
  credledger::testing::Node node(std::move(options));
  const std::string uscc = "914403001922038216";
  auto post = [&](const std::string& entry) {
    api::Response r = node.Call("POST", "/v1/entries", entry);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return ParseJson(r.body).value()["record_id"].get<std::string>();
  };
  const crypto::PrivateKey ent = credledger::testing::GenerateKey(crypto::KeyAlgorithm::kSm2);
  post(node.BindEnterpriseKey(uscc, ent));
  // A penalty whose decision document the bank may download.
  const std::string document = "行政处罚决定书 P-1";
  Json penalty = ParseJson(node.Penalty("P-1")).value();
  penalty.erase("signature");
  penalty["body"]["decision_document_hash"] = payloads.Address(document);
  post(records::SignEntry(penalty, node.agency_key).value().canonical);
  REQUIRE(node.Call("PUT", "/v1/payloads/" + payloads.Address(document), document,
                    "application/octet-stream")
              .status == 201);
  const std::string today = NowTimestamp().substr(0, 10);
  auto consent = [&](Json body) {
    Json e = credledger::testing::SampleEntry("consent");
    e["body"]["bank"] = "bank-1";
    e["body"]["valid_from"] = "2026-01-01";
    e["body"]["valid_until"] = "2099-12-31";
    for (auto& [k, v] : body.items()) e["body"][k] = v;
    return post(records::SignEntry(e, ent).value().canonical);
  };
  const std::string good = consent({{"purpose", "loan review"}});
  const std::string other_bank = consent({{"bank", "bank-2"}, {"purpose", "loan review"}});
  const std::string profile_only = consent({{"purpose", "audit"}, {"scope", {"profile"}}});
  const std::string expired = consent(
      {{"purpose", "loan review"}, {"valid_from", "2025-01-01"}, {"valid_until", "2025-12-31"}});
  auto read = [&](const std::string& target) {
    return node.Call("GET", target, "", "", "", "Bearer " + token);
  };
  const std::string profile = "/v1/subjects/" + uscc + "/profile?purpose=loan%20review";
  const std::string doc = "/v1/payloads/" + payloads.Address(document) + "?purpose=loan%20review";

  // Not required yet: a read without consent is served; one citing a consent is checked.
  CHECK(read(profile).status == 200);
  CHECK(read(profile + "&consent=" + good).status == 200);
  CHECK(read(profile + "&consent=" + other_bank).status == 403);

  // Required from here on.
  post(node.Config("set_consent_required", {{"required", true}}));
  auto refused = [&](const std::string& target, const std::string& why) {
    api::Response r = read(target);
    INFO(target << " -> " << r.body);
    CHECK(r.status == 403);
    Json problem = ParseJson(r.body).value();
    CHECK(problem["code"] == "consent_required");
    CHECK(problem["detail"].get<std::string>().find(why) != std::string::npos);
  };
  refused(profile, "requires the enterprise's consent");
  refused(doc, "requires the enterprise's consent");
  refused(profile + "&consent=" + other_bank, "is for bank \"bank-2\", not \"bank-1\"");
  refused(profile + "&consent=" + expired, "is in force from 2025-01-01 until 2025-12-31, not on");
  refused(doc + "&consent=" + good.substr(0, 63) + "0", "no record");
  CHECK(read(profile + "&consent=not-a-record-id").status == 400);  // not read, not logged
  refused("/v1/subjects/" + uscc + "/profile?purpose=marketing&consent=" + good,
          "is for the purpose \"loan review\"");
  refused("/v1/payloads/" + payloads.Address(document) + "?purpose=audit&consent=" + profile_only,
          "does not cover reads of documents");
  refused("/v1/subjects/91110000101623741K/profile?purpose=loan%20review&consent=" + good,
          "is " + uscc + "'s, not a consent to read this subject's data");
  api::Response allowed = read(profile + "&consent=" + good);
  CHECK(allowed.status == 200);
  api::Response downloaded = read(doc + "&consent=" + good);
  CHECK(downloaded.status == 200);
  CHECK(downloaded.body == document);
  // The bank's profile lists the enterprise's consents.
  CHECK(ParseJson(allowed.body).value()["consents"].size() == 4);

  // Revoked by the enterprise (only its own, once): refused from then on.
  Json revocation = credledger::testing::SampleChange("consent_revocation", good);
  const std::string revoke = records::SignEntry(revocation, ent).value().canonical;
  const crypto::PrivateKey stranger = credledger::testing::GenerateKey(crypto::KeyAlgorithm::kP256);
  post(node.BindEnterpriseKey("91440300708461136T", stranger));
  Json foreign = revocation;
  foreign["enterprise"] = "91440300708461136T";
  foreign["subject"]["uscc"] = "91440300708461136T";
  CHECK(node.Call("POST", "/v1/entries", records::SignEntry(foreign, stranger).value().canonical)
            .status == 403);
  post(revoke);
  CHECK(node.Call("POST", "/v1/entries",
                  records::SignEntry(credledger::testing::SampleChange("consent_revocation", good),
                                     ent)
                      .value()
                      .canonical)
            .status == 409);  // revoked already (SM2 signs with a fresh nonce: other bytes)
  refused(profile + "&consent=" + good, "is revoked");

  // Every read that got as far as a bank and a purpose is in the audit log, refused ones
  // too, with the consent it cited.
  const std::string log = credledger::testing::ReadFile(audit_path);
  size_t lines = 0, refusals = 0, citing_good = 0;
  for (size_t at = 0; at < log.size();) {
    const size_t end = log.find('\n', at);
    const Json line = ParseJson(log.substr(at, end - at)).value();
    ++lines;
    refusals += line["result"] == 403;
    citing_good += line.value("consent", "") == good;
    at = end + 1;
  }
  CHECK(lines == 14);
  CHECK(refusals == 10);
  CHECK(citing_good == 6);

  // The enterprise's access log: asked with its own key, every read of its data, each line
  // proven against the node's anchor of the audit log.
  for (int i = 0; i < 1000; ++i) {  // the anchor of the last read lands in a later block
    auto anchored = node.policy->reader().index().AnchoredAuditSize();
    if (anchored.ok() && *anchored == 14) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(node.policy->reader().index().AnchoredAuditSize().value() == 14);
  const NoteVerifier verifier = NoteVerifier::FromVerifierKey(node.ledger->VerifierKey()).value();
  auto ask = [&](const crypto::PrivateKey& key, const std::string& who, const std::string& at) {
    return node.Call("POST", "/v1/access-log", records::MakeAccessLogRequest(who, at, key).value());
  };
  api::Response answer = ask(ent, uscc, NowTimestamp());
  REQUIRE(answer.status == 200);
  auto verdict = records::VerifyAccessLog(answer.body, verifier, uscc);
  INFO(verdict.status().ToString() << "\n" << answer.body.substr(0, 2000));
  REQUIRE(verdict.ok());
  // Its reads: all but the one of another subject's profile (line 11).
  CHECK(verdict->proven.size() == 13);
  CHECK(verdict->pending.empty());
  CHECK(verdict->anchored == 14);
  CHECK(verdict->proven[1]["consent"] == good);
  CHECK(verdict->proven[1]["bank"] == "bank-1");
  // A line altered, or one the anchored log does not hold, is detected.
  Json altered = ParseJson(answer.body).value();
  std::string line = altered["lines"][0]["line"];
  line.replace(line.find("loan review"), 11, "loan reviex");
  altered["lines"][0]["line"] = line;
  auto caught = records::VerifyAccessLog(*CanonicalJson(altered), verifier, uscc);
  CHECK(caught.status().code() == StatusCode::kDataLoss);
  CHECK(caught.status().message().find("is not in the anchored query audit log") !=
        std::string::npos);
  Json invented = ParseJson(answer.body).value();
  invented["lines"].push_back(invented["lines"][0]);
  invented["lines"].back()["seq"] = 11;
  std::string other_line = invented["lines"][0]["line"];
  other_line.replace(other_line.find("\"seq\":1,"), 8, "\"seq\":11,");
  invented["lines"].back()["line"] = other_line;
  CHECK(records::VerifyAccessLog(*CanonicalJson(invented), verifier, uscc).status().code() ==
        StatusCode::kDataLoss);
  CHECK(records::VerifyAccessLog(answer.body, verifier, "91440300708461136T").status().code() ==
        StatusCode::kInvalidArgument);  // another enterprise's
  // Only the enterprise's own key, and only a fresh request.
  CHECK(ask(stranger, uscc, NowTimestamp()).status == 401);
  CHECK(ask(ent, uscc, "2026-01-01T00:00:00Z").status == 401);
  CHECK(node.Call("POST", "/v1/access-log", "{").status == 400);
  CHECK(node.Call("POST", "/v1/access-log", "{}").status == 422);
}

TEST_CASE("clients cannot grow the metrics: a method HTTP does not define counts as other",
          "[api]") {
  Node node;
  auto exposition_after = [&](int distinct_methods) {
    for (int i = 0; i < distinct_methods; ++i) {
      api::Request request;
      request.method = "X-METHOD-" + std::to_string(i);
      request.target = "/v1/node";
      std::promise<api::Response> answered;
      node.service->Handle(std::move(request), "m",
                           [&](api::Response r) { answered.set_value(std::move(r)); });
      CHECK(answered.get_future().get().status == 405);
    }
    return node.Call("GET", "/metrics").body;
  };
  exposition_after(0);  // so that /metrics's own series exists in both below
  const std::string after_10 = exposition_after(10);
  const std::string after_1000 = exposition_after(1000);
  CHECK(after_1000.find("method=\"other\"") != std::string::npos);
  CHECK(after_1000.find("X-METHOD") == std::string::npos);
  // Only the counts changed (a few digits), not the set of series.
  CHECK(after_1000.size() < after_10.size() + 100);
}

TEST_CASE("/tlog/ serves the C2SP tiles: the checkpoint, hash tiles and entry bundles",
          "[api][tiles]") {
  credledger::testing::Node node;
  // 300 entries: tile 0/000 full, 0/001 partial (44), bundle 000 full.
  for (int i = 1; i < 300; ++i) {
    REQUIRE(node.Call("POST", "/v1/entries", node.Penalty("T-" + std::to_string(i))).status == 201);
  }
  REQUIRE(node.ledger->Head().tree_size == 300);
  const merkle::HashAlgorithm alg = node.ledger->params().tree_hash;
  std::vector<std::string> entries;
  for (uint64_t i = 0; i < 300; ++i) entries.push_back(*node.ledger->log().GetEntry(i));

  const api::Response checkpoint = node.Call("GET", "/tlog/checkpoint");
  CHECK(checkpoint.status == 200);
  CHECK(checkpoint.body == node.Call("GET", "/v1/checkpoint").body);
  CHECK(checkpoint.fields.Get("Content-Type") == "text/plain; charset=utf-8");
  CHECK(checkpoint.fields.Get("Cache-Control") == "public, max-age=5");

  // A full tile: each 32 bytes the RFC 9162 leaf hash of its entry; cached for good.
  const api::Response full = node.Call("GET", "/tlog/tile/0/000");
  REQUIRE(full.status == 200);
  CHECK(full.fields.Get("Content-Type") == "application/octet-stream");
  CHECK(full.fields.Get("Cache-Control") == "public, max-age=31536000, immutable");
  REQUIRE(full.body.size() == 256 * 32);
  for (size_t i = 0; i < 256; ++i) {
    const merkle::Hash leaf = merkle::LeafHash(alg, entries[i]);
    CHECK(full.body.compare(i * 32, 32, reinterpret_cast<const char*>(leaf.data()), 32) == 0);
  }
  // A partial one, and any narrower width of it; the level-1 tile holds tile 0/000's root.
  const api::Response partial = node.Call("GET", "/tlog/tile/0/001.p/44");
  REQUIRE(partial.status == 200);
  CHECK(partial.body.size() == 44 * 32);
  CHECK(partial.fields.Get("Cache-Control") == "public, max-age=5");
  CHECK(node.Call("GET", "/tlog/tile/0/001.p/10").body == partial.body.substr(0, 320));
  std::vector<merkle::Hash> first;
  for (size_t i = 0; i < 256; ++i) first.push_back(merkle::LeafHash(alg, entries[i]));
  const merkle::Hash root0 = merkle::RootFromLeafHashes(alg, first);
  CHECK(node.Call("GET", "/tlog/tile/1/000.p/1").body ==
        std::string(reinterpret_cast<const char*>(root0.data()), 32));
  // An entry bundle: each entry behind its big-endian uint16 length.
  const api::Response bundle = node.Call("GET", "/tlog/tile/entries/001.p/44");
  REQUIRE(bundle.status == 200);
  std::string expected;
  for (size_t i = 256; i < 300; ++i) {
    expected.push_back(static_cast<char>(entries[i].size() >> 8));
    expected.push_back(static_cast<char>(entries[i].size() & 0xff));
    expected += entries[i];
  }
  CHECK(bundle.body == expected);

  // Beyond the tree: 404, not cached; a path the spec does not spell: 400 naming it.
  for (const char* beyond : {"/tlog/tile/0/001.p/45", "/tlog/tile/0/001", "/tlog/tile/1/000",
                             "/tlog/tile/entries/002.p/1", "/tlog/tile/3/000.p/1"}) {
    INFO(beyond);
    const api::Response r = node.Call("GET", beyond);
    CHECK(r.status == 404);
    CHECK(r.fields.Get("Content-Type") == "application/problem+json");
    CHECK(r.fields.Get("Cache-Control") == "no-store");
  }
  for (const char* bad :
       {"/tlog/tile/0/1", "/tlog/tile/0/x000/001", "/tlog/tile/00/000", "/tlog/tile/0/000.p/256",
        "/tlog/tile/0/000.p/0", "/tlog/tile/", "/tlog/tile/entries/000.p/01"}) {
    INFO(bad);
    const api::Response r = node.Call("GET", bad);
    CHECK(r.status == 400);
    CHECK(r.body.find("\"code\":\"bad_parameter\"") != std::string::npos);
    CHECK(r.body.find("is not a tile path") != std::string::npos);
  }
}
