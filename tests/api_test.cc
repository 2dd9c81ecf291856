#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api/problem.h"
#include "api/service.h"

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
