#include "api/internal/request_reader.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <vector>

namespace credledger::api {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The elements of a comma-separated list (RFC 9110 5.6.1), empty elements skipped.
std::vector<std::string_view> ListElements(std::string_view value) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t comma = value.find(',');
    std::string_view element = Trim(value.substr(0, comma));
    if (!element.empty()) out.push_back(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// uri-host [":" port] (RFC 9112 3.2, RFC 3986 3.2.2), loosely: the characters those may hold.
// Empty is allowed (an authority with no host).
bool ValidHost(std::string_view host) {
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("-._~%!$&'()*+,;=:[]").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A request-target's bytes: visible ASCII, no fragment (RFC 9112 3.2, RFC 3986).
bool ValidTargetBytes(std::string_view target) {
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') return false;
  }
  return true;
}

// Whether a header section folds a line (a line end followed by a space or tab, RFC 9112 5.2),
// which Beast would unfold and we refuse.
bool HasObsFold(std::string_view header) {
  for (size_t i = header.find('\n'); i != std::string_view::npos && i + 1 < header.size();
       i = header.find('\n', i + 1)) {
    if (header[i + 1] == ' ' || header[i + 1] == '\t') return true;
  }
  return false;
}

// The request line (RFC 9112 3: method SP request-target SP HTTP-version), checked before
// Beast sees it: Beast reads 8 bytes of version whatever the line holds, so a short version
// would make its verdict depend on the bytes after the header. Null if it is well formed;
// 505 for a version other than HTTP/1.0 and 1.1.
std::optional<Problem> CheckRequestLine(std::string_view line) {
  auto tchar = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  const Problem malformed = BadRequest(
      "malformed_http", "the request line is not \"METHOD TARGET HTTP/1.1\" (RFC 9112 3)");
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) return malformed;
  for (char c : line.substr(0, sp1)) {
    if (!tchar(c)) return malformed;
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return malformed;
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Problem{505, "http_version_not_supported",
                   "only HTTP/1.0 and HTTP/1.1 are served, not " + std::string(version)};
  }
  return std::nullopt;
}

}  // namespace

// Beast's tokenizer, building a Request and checking what RFC 9112 asks of a server.
class RequestReader::Parser : public http::basic_parser<true> {
 public:
  explicit Parser(const RequestLimits& limits) {
    header_limit(static_cast<uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
    body_limit(limits.max_body_bytes);
    // Not eager until the header is done, so that a call stops at its end and the reader
    // knows how many bytes were header and how many framing.
    eager(false);
  }

  http::request<http::string_body> request;
  std::optional<Problem> problem;  // set with the error code Beast is given
  bool is_head = false;
  bool expect_continue = false;
  bool got_request_line = false;

 private:
  void Refuse(beast::error_code& ec, Problem p) {
    problem = std::move(p);
    ec = http::error::bad_value;
  }

  void on_request_impl(http::verb method, beast::string_view method_str, beast::string_view target,
                       int version, beast::error_code& ec) override {
    got_request_line = true;
    is_head = method == http::verb::head;
    request.method_string(method_str);
    request.version(static_cast<unsigned>(version));
    if (version != 10 && version != 11) {
      return Refuse(ec, {505, "http_version_not_supported",
                         "only HTTP/1.0 and HTTP/1.1 are served, not HTTP/" +
                             std::to_string(version / 10) + "." + std::to_string(version % 10)});
    }
    std::string_view t(target.data(), target.size());
    if (!ValidTargetBytes(t)) {
      return Refuse(ec, BadRequest("malformed_http",
                                   "the request-target must be visible ASCII with no fragment"));
    }
    if (t.front() == '/') {
      request.target(target);
    } else if (t == "*" && method == http::verb::options) {
      request.target(target);
    } else if (size_t scheme_end = t.find("://");
               scheme_end != std::string_view::npos &&
               (EqualsIgnoreCase(t.substr(0, scheme_end), "http") ||
                EqualsIgnoreCase(t.substr(0, scheme_end), "https"))) {
      // Absolute-form (RFC 9112 3.2.2): the authority replaces Host, the rest is the target.
      std::string_view rest = t.substr(scheme_end + 3);
      const size_t path_start = rest.find_first_of("/?");
      absolute_authority = std::string(rest.substr(0, path_start));
      if (absolute_authority->empty() || absolute_authority->find('@') != std::string::npos ||
          !ValidHost(*absolute_authority)) {
        return Refuse(ec, BadRequest("malformed_http",
                                     "the absolute-form request-target has no valid authority"));
      }
      std::string origin(path_start == std::string_view::npos ? "" : rest.substr(path_start));
      if (origin.empty() || origin.front() == '?') origin.insert(0, "/");
      request.target(origin);
    } else {
      return Refuse(ec, BadRequest("malformed_http",
                                   "the request-target must be a path (\"/v1/node\"), an "
                                   "absolute URI (\"http://host/v1/node\") or \"*\" for OPTIONS"));
    }
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = http::error::bad_version;  // never called for a request parser
  }

  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code& ec) override {
    if (name_string.size() > kMaxFieldBytes || value.size() > kMaxFieldBytes) {
      return Refuse(ec,
                    {is_header_done() ? 413u : 431u,
                     is_header_done() ? "payload_too_large" : "headers_too_large",
                     "a field line is longer than " + std::to_string(kMaxFieldBytes) + " bytes"});
    }
    // Trailer fields: counted (as framing, by the reader) and dropped.
    if (is_header_done()) return;
    std::string_view v(value.data(), value.size());
    if (name == http::field::host) {
      if (++host_fields > 1) {
        return Refuse(ec, BadRequest("malformed_http", "Host is given more than once"));
      }
      if (!ValidHost(v)) return Refuse(ec, BadRequest("malformed_http", "Host is not a host"));
    } else if (name == http::field::transfer_encoding) {
      for (std::string_view coding : ListElements(v)) codings.emplace_back(coding);
      if (codings.empty()) {
        return Refuse(ec, BadRequest("malformed_http", "Transfer-Encoding names no coding"));
      }
    } else if (name == http::field::expect) {
      for (std::string_view expectation : ListElements(v)) {
        if (EqualsIgnoreCase(expectation, "100-continue")) {
          expect_continue = true;
        } else {
          return Refuse(ec, {417, "expectation_failed",
                             "only Expect: 100-continue is met, not \"" +
                                 std::string(expectation.substr(0, 100)) + "\""});
        }
      }
    }
    request.insert(name, name_string, value);
  }

  void on_header_impl(beast::error_code& ec) override {
    if (request.version() == 11 && host_fields == 0 && !absolute_authority) {
      return Refuse(ec, BadRequest("malformed_http", "an HTTP/1.1 request must carry Host"));
    }
    if (absolute_authority) request.set(http::field::host, *absolute_authority);
    if (!codings.empty()) {
      // RFC 9112 6.1 and 6.3: chunked must be the final coding, and only once; any other
      // coding we do not implement. HTTP/1.0 has no Transfer-Encoding at all.
      if (request.version() == 10) {
        return Refuse(ec,
                      BadRequest("malformed_http", "an HTTP/1.0 request has no Transfer-Encoding"));
      }
      if (!EqualsIgnoreCase(codings.back(), "chunked")) {
        return Refuse(ec, BadRequest("malformed_http",
                                     "Transfer-Encoding must end in chunked (RFC 9112 6.3)"));
      }
      for (size_t i = 0; i + 1 < codings.size(); ++i) {
        if (EqualsIgnoreCase(codings[i], "chunked")) {
          return Refuse(ec, BadRequest("malformed_http", "chunked is applied more than once"));
        }
        return Refuse(ec, {501, "not_implemented",
                           "the transfer coding \"" + codings[i].substr(0, 100) +
                               "\" is not supported; send the body as it is"});
      }
    }
    if (request.version() == 10) expect_continue = false;  // RFC 9110 10.1.1
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) request.body().reserve(static_cast<size_t>(*length));
  }

  size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    request.body().append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
    request.body().append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(beast::error_code&) override {
    if (chunked()) {
      request.erase(http::field::transfer_encoding);  // the body is now whole
      request.content_length(request.body().size());
    }
  }

  int host_fields = 0;
  std::vector<std::string> codings;
  std::optional<std::string> absolute_authority;
};

RequestReader::RequestReader(RequestLimits limits)
    : limits_(limits), parser_(std::make_unique<Parser>(limits_)) {}

RequestReader::~RequestReader() = default;

bool RequestReader::done() const { return !error_ && parser_->is_done(); }

bool RequestReader::expects_continue() const {
  return !error_ && parser_->is_header_done() && parser_->expect_continue && !parser_->is_done() &&
         after_header_ == 0;
}

void RequestReader::Fail(Problem problem) {
  if (!error_) error_ = std::move(problem);
}

size_t RequestReader::Put(std::string_view bytes) {
  if (error_ || parser_->is_done()) return 0;
  size_t used = 0;
  while (used < bytes.size() && !parser_->is_done()) {
    const std::string_view rest = bytes.substr(used);
    const bool in_header = !parser_->is_header_done();
    std::string_view header_section;
    if (in_header) {
      // Beast is given the header section whole, to its blank line and no further (or what
      // there is at the limit): it reports some errors in a header that arrives in pieces
      // sooner than in one that arrives whole, and reads past a short request line into what
      // follows; how TCP cuts a request must not change how it is read.
      // The blank line: CRLF CRLF, or a bare LF before or after it (refused by Beast, 400).
      const size_t crlf = rest.find("\n\r\n"), lf = rest.find("\n\n");
      size_t end = std::min(crlf, lf);
      if (end == std::string_view::npos && rest.size() < limits_.max_header_bytes) break;
      end = end == std::string_view::npos ? rest.size() : end + (end == crlf ? 3 : 2);
      const size_t line_end = rest.find('\n');
      if (header_bytes_ == 0 && line_end < end) {  // the request line is still ahead
        const std::string_view line = rest.substr(0, line_end);
        if (line.empty() || line.back() != '\r') {
          Fail(BadRequest("malformed_http", "the request line does not end in CRLF"));
          break;
        }
        if (auto bad = CheckRequestLine(line.substr(0, line.size() - 1))) {
          Fail(std::move(*bad));
          break;
        }
      }
      header_section = rest.substr(0, end);
      if (HasObsFold(header_section)) {
        Fail(BadRequest("malformed_http", "a header line is folded (obs-fold, RFC 9112 5.2)"));
        break;
      }
    }
    beast::error_code ec;
    const std::string_view feed = in_header ? header_section : rest;
    const size_t n = parser_->put(boost::asio::const_buffer(feed.data(), feed.size()), ec);
    used += n;
    if (in_header) {
      // Beast holds each call's bytes to its header limit, but a header that arrives in
      // pieces is consumed field by field: the total is counted here.
      header_bytes_ += n;
      if (header_bytes_ > limits_.max_header_bytes) {
        Fail({431, "headers_too_large",
              "the headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes"});
        break;
      }
      if (parser_->is_header_done()) parser_->eager(true);
    } else {
      after_header_ += n;
    }
    is_head_ = parser_->is_head;
    if (parser_->got_request_line) version_ = parser_->request.version();
    // Everything after the header but the body's data: chunk sizes, extensions, line ends,
    // trailers. Beast counts none of it; it gets a budget of max_header_bytes.
    if (after_header_ - parser_->request.body().size() > limits_.max_header_bytes) {
      Fail({413, "payload_too_large",
            "the chunked body's framing (chunk sizes, extensions, trailers) exceeds " +
                std::to_string(limits_.max_header_bytes) + " bytes"});
      break;
    }
    // Beast stops at a line it cannot finish yet; what it took may let the next call go on
    // (the header is given to it in sections).
    if (ec == http::error::need_more) {
      if (n == 0) break;
      continue;
    }
    if (ec) {
      if (parser_->problem) {
        Fail(*parser_->problem);
      } else if (ec == http::error::body_limit) {
        Fail({413, "payload_too_large",
              "the body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes"});
      } else if (ec == http::error::header_limit) {
        Fail({431, "headers_too_large",
              "the headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes"});
      } else {
        Fail(BadRequest("malformed_http", "cannot parse the request: " + ec.message()));
      }
      break;
    }
    if (n == 0) break;
  }
  return used;
}

void RequestReader::BufferFull() {
  if (!parser_->is_header_done()) {
    Fail({431, "headers_too_large",
          "the headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes"});
  } else {
    Fail({413, "payload_too_large",
          "a line of the chunked body's framing exceeds " +
              std::to_string(limits_.max_header_bytes) + " bytes"});
  }
}

Request RequestReader::Release() {
  http::request<http::string_body>& parsed = parser_->request;
  Request request;
  request.method = std::string(parsed.method_string());
  request.target = std::string(parsed.target());
  request.version = parsed.version();
  request.keep_alive = parsed.keep_alive();
  for (const auto& field : parsed) {
    request.fields.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(parsed.body());
  return request;
}

}  // namespace credledger::api
