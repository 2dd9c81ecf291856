// Matching a request's method and path against the route table: pure, so that its rules
// (captures, the trailing wildcard, literal-beats-capture, 405 with Allow) are tested alone.
#ifndef CREDLEDGER_API_INTERNAL_ROUTER_H_
#define CREDLEDGER_API_INTERNAL_ROUTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "api/internal/route.h"

namespace credledger::api {

// Percent-decodes `in` ('+' is a space in a query). False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

struct RouteMatch {
  const Route* route = nullptr;           // null: no route of this method serves the path
  std::vector<std::string> params;        // the route's captures, decoded, in order
  std::vector<std::string_view> allowed;  // the methods of the routes that serve the path
};

class Router {
 public:
  // REQUIRES: every path starts with '/'; a {name...} segment only last.
  explicit Router(std::vector<Route> routes);

  // HEAD is matched as GET. A path no route serves has an empty `allowed`.
  RouteMatch Match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Pattern {
    std::vector<std::string_view> segments;  // without a trailing {name...}
    bool wildcard = false;
    size_t weight = 0;  // its captures, plus kWildcardWeight for a wildcard (router.cc)
  };
  bool MatchOne(const Pattern& pattern, const std::vector<std::string_view>& path,
                std::vector<std::string>* params) const;

  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;  // patterns_[i] is routes_[i]'s path, split once
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_ROUTER_H_
