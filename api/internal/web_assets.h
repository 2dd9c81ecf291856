// The web app's static files (api/web/), compiled in by cmake/embed_files.cmake, and the
// headers every page of it is served with.
#ifndef CREDLEDGER_API_INTERNAL_WEB_ASSETS_H_
#define CREDLEDGER_API_INTERNAL_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace credledger::api {

struct WebAsset {
  std::string_view name;   // its path below api/web/, e.g. "app.js"
  std::string_view bytes;  // the file as it is
};

std::span<const WebAsset> WebAssets();

struct Call;
// Sets the headers of a page of the web app (web.cc): a strict Content-Security-Policy
// (scripts, styles and requests from this node only, nothing inline, no framing), nosniff,
// and no referrer.
void SetWebPageHeaders(Call& call);

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_WEB_ASSETS_H_
