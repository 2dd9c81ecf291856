// The web app's static files (api/web/), compiled in by cmake/embed_files.cmake.
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

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_WEB_ASSETS_H_
