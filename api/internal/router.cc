#include "api/internal/router.h"

#include <algorithm>
#include <cstdint>

namespace credledger::api {
namespace {

// Splits "/a/b/c" into {"a", "b", "c"}; an empty segment (a double or trailing slash) stays,
// so that it matches nothing but a wildcard.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsCapture(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// How much a match counts against a route when several match: a capture 1, a wildcard
// more than any path's worth of captures.
constexpr size_t kWildcardWeight = 1 << 20;

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  for (const Route& r : routes_) {
    Pattern p{Segments(r.path)};
    if (!p.segments.empty() && p.segments.back().ends_with("...}")) {
      p.segments.pop_back();
      p.wildcard = true;
    }
    p.weight = static_cast<size_t>(std::count_if(p.segments.begin(), p.segments.end(), IsCapture)) +
               (p.wildcard ? kWildcardWeight : 0);
    patterns_.push_back(std::move(p));
  }
}

bool Router::MatchOne(const Pattern& pattern, const std::vector<std::string_view>& path,
                      std::vector<std::string>* params) const {
  // A wildcard takes at least the segment after its slash ("/tile/" but not "/tile").
  if (pattern.wildcard ? path.size() <= pattern.segments.size()
                       : path.size() != pattern.segments.size()) {
    return false;
  }
  std::vector<std::string> captured;
  for (size_t i = 0; i < pattern.segments.size(); ++i) {
    if (IsCapture(pattern.segments[i])) {
      std::string decoded;
      if (path[i].empty() || !PercentDecode(path[i], false, &decoded)) return false;
      captured.push_back(std::move(decoded));
    } else if (pattern.segments[i] != path[i]) {
      return false;
    }
  }
  if (pattern.wildcard) {
    std::string rest;
    for (size_t i = pattern.segments.size(); i < path.size(); ++i) {
      std::string decoded;
      if (!PercentDecode(path[i], false, &decoded)) return false;
      if (i > pattern.segments.size()) rest.push_back('/');
      rest += decoded;
    }
    captured.push_back(std::move(rest));
  }
  *params = std::move(captured);
  return true;
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  if (method == "HEAD") method = "GET";  // GET without the body (RFC 9110 9.3.2)
  const std::vector<std::string_view> segments = Segments(path);
  // Of the routes the path matches, only those of least weight count: /v1/blocks/latest is
  // not /v1/blocks/{height}.
  std::vector<std::pair<size_t, std::vector<std::string>>> matched;  // route index, captures
  size_t least = SIZE_MAX;
  for (size_t i = 0; i < routes_.size(); ++i) {
    std::vector<std::string> params;
    if (!MatchOne(patterns_[i], segments, &params)) continue;
    least = std::min(least, patterns_[i].weight);
    matched.emplace_back(i, std::move(params));
  }
  RouteMatch out;
  for (auto& [i, params] : matched) {
    if (patterns_[i].weight != least) continue;
    const Route& r = routes_[i];
    out.allowed.push_back(r.method);
    if (r.method == method && out.route == nullptr) {
      out.route = &r;
      out.params = std::move(params);
    }
  }
  return out;
}

}  // namespace credledger::api
