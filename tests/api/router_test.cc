// The router alone (api/internal/router.h), and the policies each route declares as the
// Service applies them (auth, write admission, caching), for every route in the table.
#include "api/internal/router.h"

#include <catch2/catch.hpp>
#include <set>

#include "api/internal/call.h"
#include "crypto/encoding.h"
#include "node_util.h"
#include "test_util.h"

using namespace credledger;

namespace {

void NoHandler(const std::shared_ptr<api::Call>&) {}

api::Router TestRouter() {
  return api::Router({
      {.method = "GET", .path = "/v1/blocks/latest", .handler = NoHandler},
      {.method = "GET", .path = "/v1/blocks/{height}", .handler = NoHandler},
      {.method = "POST", .path = "/v1/entries/batch", .handler = NoHandler},
      {.method = "GET", .path = "/v1/entries/{index}", .handler = NoHandler},
      {.method = "GET", .path = "/v1/records/{id}/history", .handler = NoHandler},
      {.method = "GET", .path = "/tile/{path...}", .handler = NoHandler},
      {.method = "GET", .path = "/tile/{level}/{index}", .handler = NoHandler},
      {.method = "PUT", .path = "/tile/{level}/{index}", .handler = NoHandler},
  });
}

std::string Matched(const api::RouteMatch& m) {
  return m.route == nullptr ? "none" : std::string(m.route->path);
}

}  // namespace

TEST_CASE("router: captures, literal before capture, trailing wildcard, methods", "[api]") {
  const api::Router router = TestRouter();
  auto m = router.Match("GET", "/v1/blocks/latest");
  CHECK(Matched(m) == "/v1/blocks/latest");
  CHECK(m.params.empty());
  m = router.Match("GET", "/v1/blocks/7");
  CHECK(Matched(m) == "/v1/blocks/{height}");
  CHECK(m.params == std::vector<std::string>{"7"});
  // A literal segment beats a capture even where its method does not serve: 405, not the
  // capture's route.
  m = router.Match("GET", "/v1/entries/batch");
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string_view>{"POST"});
  // Captures are percent-decoded; a malformed escape or an empty segment matches nothing.
  m = router.Match("GET", "/v1/records/a%2Fb%20c/history");
  CHECK(m.params == std::vector<std::string>{"a/b c"});
  CHECK(router.Match("GET", "/v1/records/%G0/history").allowed.empty());
  CHECK(router.Match("GET", "/v1/records/%2/history").allowed.empty());
  CHECK(router.Match("GET", "/v1/records//history").allowed.empty());
  CHECK(router.Match("GET", "/v1/blocks/7/").allowed.empty());
  // HEAD is GET.
  CHECK(Matched(router.Match("HEAD", "/v1/entries/3")) == "/v1/entries/{index}");
  // The wildcard takes the rest of the path, decoded segment by segment and '/'-joined,
  // and loses to any route with plain captures.
  m = router.Match("GET", "/tile/0/x/1%2F2");
  CHECK(Matched(m) == "/tile/{path...}");
  CHECK(m.params == std::vector<std::string>{"0/x/1/2"});
  m = router.Match("GET", "/tile/");
  CHECK(Matched(m) == "/tile/{path...}");
  CHECK(m.params == std::vector<std::string>{""});
  CHECK(router.Match("GET", "/tile").allowed.empty());
  m = router.Match("GET", "/tile/2/5");
  CHECK(Matched(m) == "/tile/{level}/{index}");
  CHECK(m.params == std::vector<std::string>{"2", "5"});
  m = router.Match("DELETE", "/tile/2/5");
  CHECK(m.route == nullptr);
  CHECK(m.allowed == std::vector<std::string_view>{"GET", "PUT"});
  CHECK(router.Match("GET", "/tile/%ZZ/x").allowed.empty());
  // Unknown paths, and paths that are not origin-form.
  CHECK(router.Match("GET", "/nowhere").allowed.empty());
  CHECK(router.Match("GET", "").allowed.empty());
  CHECK(router.Match("GET", "*").allowed.empty());
}

TEST_CASE("every route's declared effect, auth and cache policy is what clients get", "[api]") {
  const auto [token, token_hash] = records::BankAccess::NewToken().value();
  credledger::testing::TempDir dir;
  auto audit = records::QueryAuditLog::Open(dir.file("audit.jsonl")).value();
  credledger::testing::Node node(credledger::testing::BankOptions(token_hash, audit.get()));
  REQUIRE(node.Call("POST", "/v1/entries", node.Penalty("P-1")).status == 201);
  REQUIRE(node.Call("POST", "/v1/entries", node.Penalty("P-2")).status == 201);
  auto concrete = [](std::string path) {
    for (auto [name, value] : {std::pair<std::string, std::string>{"{index}", "1"},
                               {"{height}", "1"},
                               {"{id}", std::string(64, 'a')},
                               {"{uscc}", "914403001922038216"},
                               {"{hash}", std::string(64, 'b')},
                               {"{path...}", "0/000.p/3"}}) {
      if (size_t at = path.find(name); at != std::string::npos)
        path.replace(at, name.size(), value);
    }
    if (path == "/v1/proofs/consistency") path += "?from=1&to=2";
    return path;
  };
  std::set<std::string> cached, revalidated;
  for (const api::RouteInfo& r : api::Service::Routes()) {
    const std::string target = concrete(r.path);
    INFO(r.method << " " << target);
    if (r.effect == api::RouteEffect::kJsonWrite) {
      const api::Response wrong = node.Call(r.method, target, "{}", "text/plain");
      CHECK(wrong.status == 415);
      CHECK(wrong.fields.Get("Content-Type") == "application/problem+json");
    }
    if (r.auth == api::RouteAuth::kBank) {
      const api::Response anonymous = node.Call(r.method, target + "?purpose=x");
      CHECK(anonymous.status == 401);
      CHECK(anonymous.fields.Get("WWW-Authenticate") == "Bearer realm=\"credledger\"");
    }
    if (r.auth != api::RouteAuth::kNone) {
      // A wrong token is refused, never served a public view; a right one needs a purpose.
      CHECK(node.Call(r.method, target + "?purpose=x", "", "", "", "Bearer clb_wrong").status ==
            401);
      CHECK(node.Call(r.method, target, "", "", "", "Bearer " + token).status == 400);
    }
    if (r.method != "GET") continue;
    const api::Response answer = node.Call("GET", target);
    if (answer.status == 200 && r.path.starts_with("/tlog/")) {
      // The tiles' checkpoint and partial tiles (these 3 entries fill none) are kept briefly;
      // full tiles for good (the /tlog/ test in api_test.cc).
      CHECK(answer.fields.Get("Cache-Control") == "public, max-age=5");
    } else if (answer.status == 200 && r.cache == api::RouteCache::kImmutable) {
      cached.insert(r.path);
      CHECK(answer.fields.Get("Cache-Control") == "public, max-age=31536000, immutable");
    } else if (answer.status == 200 && r.cache == api::RouteCache::kRevalidate) {
      revalidated.insert(r.path);
      CHECK(answer.fields.Get("Cache-Control") == "no-cache");
    } else {
      CHECK(answer.fields.Get("Cache-Control") == "no-store");
    }
  }
  CHECK(cached == std::set<std::string>{"/v1/entries/{index}", "/v1/blocks/{height}",
                                        "/v1/proofs/consistency"});
  // /app/{name} of "x" is a 404.
  CHECK(revalidated == std::set<std::string>{"/", "/verify", "/e/{uscc}"});
  // Errors on an immutable route are not kept: the entry may exist later.
  CHECK(node.Call("GET", "/v1/entries/99").fields.Get("Cache-Control") == "no-store");
  // Draining: writes are refused (503, Retry-After), reads are served.
  node.service->SetDraining();
  for (const api::RouteInfo& r : api::Service::Routes()) {
    const std::string target = concrete(r.path);
    INFO(r.method << " " << target);
    const api::Response answer = node.Call(r.method, target, "{}");
    if (r.effect == api::RouteEffect::kRead) {
      if (r.path != "/readyz") CHECK(answer.status != 503);
    } else {
      CHECK(answer.status == 503);
      CHECK(answer.fields.Get("Retry-After") == "1");
    }
  }
}
