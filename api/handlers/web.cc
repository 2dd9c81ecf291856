// The web app (docs/WEB.md): its home page at / and its static files at /app/{name}, compiled
// into ledgerd (api/web/, cmake/embed_files.cmake). Served with a strict Content-Security-
// Policy: scripts, styles and requests from this node only, nothing inline, no framing.
#include "api/internal/call.h"
#include "api/internal/route.h"
#include "api/internal/web_assets.h"

namespace credledger::api {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

std::string_view ContentType(std::string_view name) {
  auto ends = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

void SendAsset(const std::shared_ptr<Call>& call, std::string_view name) {
  for (const WebAsset& asset : WebAssets()) {
    if (asset.name != name) continue;
    SetWebPageHeaders(*call);
    return call->Send(200, std::string(ContentType(name)), std::string(asset.bytes));
  }
  call->Fail(NotFound("the web app has no file " + std::string(name.substr(0, 100))));
}

void Home(const std::shared_ptr<Call>& call) { SendAsset(call, "index.html"); }

// Verifies a proof bundle in the browser (verify-page.js).
void VerifyPage(const std::shared_ptr<Call>& call) { SendAsset(call, "verify.html"); }

// An enterprise's public credit profile, and the bank view (enterprise.js): the page reads
// the code from its path and says itself what is wrong with it.
void EnterprisePage(const std::shared_ptr<Call>& call) { SendAsset(call, "enterprise.html"); }

void AppFile(const std::shared_ptr<Call>& call) { SendAsset(call, call->params[0]); }

constexpr Route kRoutes[] = {
    // The files change with the node's version: a cache keeps them, and asks again.
    {.method = "GET", .path = "/", .handler = Home, .cache = RouteCache::kRevalidate},
    {.method = "GET", .path = "/verify", .handler = VerifyPage, .cache = RouteCache::kRevalidate},
    {.method = "GET",
     .path = "/e/{uscc}",
     .handler = EnterprisePage,
     .cache = RouteCache::kRevalidate},
    {.method = "GET", .path = "/app/{name}", .handler = AppFile, .cache = RouteCache::kRevalidate},
};

}  // namespace

void SetWebPageHeaders(Call& call) {
  call.headers.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  call.headers.Set("X-Content-Type-Options", "nosniff");
  call.headers.Set("Referrer-Policy", "no-referrer");
}

std::span<const Route> WebRoutes() { return kRoutes; }

}  // namespace credledger::api
