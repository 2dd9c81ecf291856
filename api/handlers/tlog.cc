// The log in the C2SP tlog-tiles layout under /tlog/ (ledger/tlog_tiles.h): the checkpoint,
// hash tiles and entry bundles, for clients, mirrors and caches that speak the spec. The same
// layout is written as static files by ledgerd --tlog-dir, for a web server to serve.
#include "api/internal/call.h"
#include "api/internal/route.h"
#include "ledger/tlog_tiles.h"

namespace credledger::api {
namespace {

// The checkpoint and partial tiles are superseded within seconds: caches keep them briefly.
// (A partial tile's bytes never change, but the spec lets a log delete it once its full tile
// exists.) Full tiles and bundles never change and are cached for good (RouteCache).
constexpr std::string_view kShortCache = "public, max-age=5";

void TlogCheckpoint(const std::shared_ptr<Call>& call) {
  auto checkpoint = call->state.PublishedCheckpoint();
  if (!checkpoint.ok()) return call->Fail(ProblemFromStatus(checkpoint.status()));
  call->headers.Set("Cache-Control", std::string(kShortCache));
  call->Send(200, "text/plain; charset=utf-8", (*checkpoint)->note);
}

void TlogTile(const std::shared_ptr<Call>& call) {
  auto tile = tlog::ParseTilePath("tile/" + call->params[0]);
  if (!tile.ok()) return call->Fail(BadRequest("bad_parameter", tile.status().message()));
  auto bytes = tlog::ReadTile(call->state.ledger.log(), *tile);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kFailedPrecondition) {
      return call->Fail({501, "not_implemented", bytes.status().message()});
    }
    return call->Fail(ProblemFromStatus(bytes.status()));
  }
  if (!tile->full()) call->headers.Set("Cache-Control", std::string(kShortCache));
  call->Send(200, "application/octet-stream", std::move(*bytes));
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/tlog/checkpoint", .handler = TlogCheckpoint},
    {.method = "GET",
     .path = "/tlog/tile/{path...}",
     .handler = TlogTile,
     .cache = RouteCache::kImmutable},
};

}  // namespace

std::span<const Route> TlogRoutes() { return kRoutes; }

}  // namespace credledger::api
