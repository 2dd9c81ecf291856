// The HTTP server from outside: raw bytes over loopback to a real api::Server, answers read
// by a parser of this file's own (not Beast's). Each TEST_CASE covers a class of hostile or
// unusual input with its variants: exceptions from the parser, request memory, framing and
// smuggling, Host and request-target forms, Expect, HEAD and OPTIONS on every route, limits
// on every part of a request. And RequestReader, the server's parser, fed without sockets.
#include "api/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "api/internal/request_reader.h"
#include "node_util.h"

using namespace credledger;
using namespace std::string_literals;
using credledger::testing::Node;

namespace {

// A connected loopback TCP socket, closed on destruction.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd_); }

  // Sends all of `bytes` unless the peer closes first; returns how many were sent.
  size_t Send(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 5000) <= 0 || (p.revents & (POLLERR | POLLHUP))) break;
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    return sent;
  }
  void HalfClose() { ::shutdown(fd_, SHUT_WR); }

  // Reads until the peer closes, `until` appears in what was read, or `timeout` passes.
  std::string Receive(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
                      std::string_view until = {}) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (!until.empty() && out.find(until) != std::string::npos) break;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

struct Answer {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Splits what a server sent into responses, by RFC 9112 alone: status line, fields to the
// empty line, then Content-Length bytes of body (none for 1xx, 204, or an answer to HEAD,
// whose position in `head` is true). Fails the test on anything else.
std::vector<Answer> ParseAnswers(std::string_view wire, std::vector<bool> head = {}) {
  std::vector<Answer> out;
  size_t request = 0;
  while (!wire.empty()) {
    const size_t end = wire.find("\r\n\r\n");
    INFO("unparsable answer bytes: " << wire.substr(0, 200));
    REQUIRE(end != std::string_view::npos);
    std::string_view header = wire.substr(0, end);
    wire.remove_prefix(end + 4);
    Answer a;
    static const std::regex status_line(R"(^HTTP/1\.[01] (\d{3}) [^\r\n]*)");
    std::cmatch m;
    const std::string_view line = header.substr(0, header.find("\r\n"));
    REQUIRE(std::regex_match(line.begin(), line.end(), m, status_line));
    a.status = std::stoi(m[1]);
    header.remove_prefix(std::min(header.size(), line.size() + 2));
    while (!header.empty()) {
      const std::string_view field = header.substr(0, header.find("\r\n"));
      const size_t colon = field.find(':');
      REQUIRE(colon != std::string_view::npos);
      std::string name(field.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      a.headers.emplace(name, std::string(value));
      header.remove_prefix(std::min(header.size(), field.size() + 2));
    }
    const bool interim = a.status >= 100 && a.status < 200;
    const bool is_head = !interim && request < head.size() && head[request];
    if (!interim) ++request;
    if (a.status == 204 || interim) {
      CHECK(a.headers.count("content-length") == 0);  // RFC 9110 8.6
    } else {
      REQUIRE(a.headers.count("content-length") == 1);
      const size_t length = std::stoul(a.Header("content-length"));
      if (!is_head) {
        REQUIRE(wire.size() >= length);
        a.body = std::string(wire.substr(0, length));
        wire.remove_prefix(length);
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

// A Service over an in-memory ledger behind a real Server on an ephemeral loopback port.
struct TestServer {
  Node node;
  std::unique_ptr<api::Server> server;

  explicit TestServer(size_t max_header_bytes = 8192, size_t max_body_bytes = 65536) {
    api::ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_header_bytes = max_header_bytes;
    o.max_body_bytes = max_body_bytes;
    o.read_timeout = std::chrono::milliseconds(3000);
    auto started = api::Server::Start(*node.service, o);
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~TestServer() { server->Shutdown(std::chrono::milliseconds(1000)); }
  uint16_t port() const { return server->port(); }

  // Sends `bytes`, half-closes, and returns every answer until the server closes.
  std::vector<Answer> Exchange(std::string_view bytes, std::vector<bool> head = {}) {
    Client c(port());
    c.Send(bytes);
    c.HalfClose();
    const std::string wire = c.Receive();
    CHECK(c.closed());
    return ParseAnswers(wire, std::move(head));
  }

  // The server still answers a plain request on a new connection.
  void CheckServing() {
    auto answers = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
    CHECK(answers[0].body == "ok\n");
  }
};

const std::string kSmuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

// A problem answer: its status, JSON body with that status and `code`, and the connection
// closed after it (checked by the caller through Exchange).
void CheckProblem(const Answer& a, int status, const std::string& code) {
  INFO(a.body);
  CHECK(a.status == status);
  CHECK(a.Header("content-type") == "application/problem+json");
  CHECK(a.body.find("\"status\":" + std::to_string(status)) != std::string::npos);
  CHECK(a.body.find("\"code\":\"" + code + "\"") != std::string::npos);
}

// `request`, with a second request riding behind it, gets one problem answer and nothing more:
// the second was not read as a request of its own.
void CheckRefused(TestServer& s, const std::string& request, int status, const std::string& code) {
  INFO(request);
  auto answers = s.Exchange(request + kSmuggled);
  REQUIRE(answers.size() == 1);
  CheckProblem(answers[0], status, code);
}

// What a request's route template becomes with its parameters filled in.
std::string Concrete(std::string path) {
  static const std::map<std::string, std::string> values = {{"{index}", "1"},
                                                            {"{id}", std::string(64, 'a')},
                                                            {"{uscc}", "914403001922038216"},
                                                            {"{height}", "0"},
                                                            {"{hash}", std::string(64, 'b')}};
  for (const auto& [name, value] : values) {
    for (size_t at = path.find(name); at != std::string::npos; at = path.find(name)) {
      path.replace(at, name.size(), value);
    }
  }
  return path;
}

}  // namespace

TEST_CASE("nothing a client sends stops the server: fields past what Beast holds", "[server]") {
  // Beast's field container throws std::length_error past 65,535 bytes; with the default
  // header limit a header cannot get there, but a trailer could, and with a larger limit a
  // header can too.
  for (size_t max_header : {size_t{8192}, size_t{200000}}) {
    TestServer s(max_header);
    const std::string big(65534, 'v');
    struct Case {
      std::string name, bytes;
    } cases[] = {
        {"a trailer value of 65,534 bytes",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + big +
             "\r\n\r\n"},
        {"a trailer name of 65,534 bytes",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + big +
             ": v\r\n\r\n"},
        {"a header value of 65,534 bytes",
         "GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + big + "\r\n\r\n"},
        {"a header name of 65,534 bytes",
         "GET /healthz HTTP/1.1\r\nHost: x\r\n" + big + ": v\r\n\r\n"},
        {"a request-target of 65,534 bytes", "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n"},
    };
    for (const Case& c : cases) {
      INFO(c.name << " with max_header_bytes " << max_header);
      auto answers = s.Exchange(c.bytes);
      REQUIRE(answers.size() == 1);
      CHECK(answers[0].status >= 400);
      CHECK(answers[0].status < 500);
      // A long target within a large limit is read, and is no route.
      if (answers[0].status != 404) CHECK(answers[0].Header("connection") == "close");
      s.CheckServing();
    }
  }
}

TEST_CASE("every byte a client sends counts against a limit", "[server]") {
  TestServer s(8192, 65536);
  // Each of these would go on forever; the server must answer and close long before. What
  // it may take in is bounded by its limits plus what the kernel buffers on loopback.
  const std::string head =
      "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    std::string name, start, repeat;
    int status;
  } cases[] = {
      {"a chunk extension without end", head + "1;ext=", std::string(65536, 'a'), 413},
      {"leading zeros of a chunk size", head, std::string(65536, '0'), 413},
      {"chunk extensions on 1-byte chunks", head, "1;" + std::string(4000, 'e') + "\r\nx\r\n", 413},
      {"trailer fields without end", head + "0\r\n", "X-T: " + std::string(1000, 't') + "\r\n",
       413},
      {"a header section without end", "GET /healthz HTTP/1.1\r\nHost: x\r\n",
       "X-H: " + std::string(1000, 'h') + "\r\n", 431},
      {"a body past max_body_bytes", head, "1000\r\n" + std::string(4096, 'b') + "\r\n", 413},
      {"a content-length body past max_body_bytes",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
       std::string(65536, 'b'), 413},
  };
  const size_t kSendAtMost = 64 << 20;
  for (const Case& c : cases) {
    INFO(c.name);
    Client client(s.port());
    size_t sent = client.Send(c.start);
    std::string chunk;
    while (chunk.size() < (1 << 20)) chunk += c.repeat;
    while (sent < kSendAtMost) {
      const size_t n = client.Send(chunk);
      sent += n;
      if (n < chunk.size()) break;
    }
    INFO("bytes sent before the server closed: " << sent);
    CHECK(sent < (16u << 20));
    auto answers = ParseAnswers(client.Receive());
    REQUIRE(answers.size() == 1);
    CheckProblem(answers[0], c.status, c.status == 431 ? "headers_too_large" : "payload_too_large");
  }
  // A header section a little over the limit, sent whole: Beast reads it field by field, so
  // no single call of it sees the whole; the total still counts.
  std::string flood = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  while (flood.size() < 14000) flood += "X-Flood: " + std::string(60, 'x') + "\r\n";
  auto answers = s.Exchange(flood + "\r\n");
  REQUIRE(answers.size() == 1);
  CheckProblem(answers[0], 431, "headers_too_large");
  s.CheckServing();
}

TEST_CASE("framing the server cannot be sure of is refused and the connection closed", "[server]") {
  TestServer s;
  struct Case {
    std::string name, request;
    int status;
  } cases[] = {
      // RFC 9112 6.3: Transfer-Encoding whose final coding is not chunked.
      {"TE gzip", "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"TE identity", "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
       400},
      {"TE compress", "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: compress\r\n\r\n",
       400},
      {"TE xchunked", "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
       400},
      {"TE chunked, gzip",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"TE chunked then a second TE gzip",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "gzip\r\n\r\n",
       400},
      {"TE chunked with a parameter",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400},
      {"TE empty", "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,\r\n\r\n", 400},
      // Codings we do not implement (RFC 9112 6.1: 501), and chunked twice.
      {"TE gzip, chunked",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
       501},
      {"TE chunked, chunked",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, "
       "chunked\r\n\r\n0\r\n\r\n",
       400},
      // Folded lines (RFC 9112 5.2).
      {"TE folded onto a continuation line",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400},
      {"a folded line with a tab", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n",
       400},
      {"whitespace before the first field", "GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n", 400},
      // TE in HTTP/1.0, TE with Content-Length.
      {"TE chunked in HTTP/1.0",
       "POST /v1/entries HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"TE with Content-Length",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n",
       400},
      {"Content-Length with TE",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
       "5\r\n\r\n0\r\n\r\n",
       400},
      // Content-Length that is not one decimal number.
      {"two Content-Lengths that differ",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       400},
      {"a Content-Length list that differs",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab", 400},
      {"a signed Content-Length",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na", 400},
      {"a hex Content-Length",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 0x1\r\n\r\na", 400},
      {"a Content-Length past 2^64",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
      // Chunks that are not chunks.
      {"a chunk size that is not hex",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400},
      {"a negative chunk size",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", 400},
      {"a chunk size past 2^64",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "1ffffffffffffffff\r\n\r\n",
       400},
      {"chunk data longer than its size",
       "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
       "chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
       400},
      // Line ends and whitespace where none may be.
      {"a space before a field's colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"a bare CR in a field", "GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400},
      {"a bare LF ending the header", "GET /healthz HTTP/1.1\r\nHost: x\n\r\n", 400},
      {"bare LFs throughout", "GET /healthz HTTP/1.1\nHost: x\n\n", 400},
      {"a NUL in a field", "GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"s, 400},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    // The second request rides behind the first: if the server reads the first's framing
    // another way than it is meant, the second is answered too.
    auto answers = s.Exchange(c.request + kSmuggled);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == c.status);
    // HTTP/1.0 closes unless told otherwise; the smuggled request was not answered either way.
    if (c.request.find("HTTP/1.0") == std::string::npos) {
      CHECK(answers[0].Header("connection") == "close");
    }
    CHECK(answers[0].Header("content-type") == "application/problem+json");
  }
  s.CheckServing();
  CHECK(s.node.ledger->Head().tree_size == 1);  // nothing was written
}

TEST_CASE("well-framed requests are read as RFC 9112 says", "[server]") {
  TestServer s;
  SECTION("a chunked body with extensions and trailers") {
    auto answers = s.Exchange(
        "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n1;a=b\r\n{\r\n001\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n" +
        kSmuggled);
    REQUIRE(answers.size() == 2);
    CheckProblem(answers[0], 422, "invalid_entry");  // the body "{}" was read whole
    CHECK(answers[1].status == 200);
  }
  SECTION("Host: missing in HTTP/1.1, repeated, or not a host") {
    for (std::string request :
         {"GET /healthz HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n",
          "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n",
          "GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n"}) {
      CheckRefused(s, request, 400, "malformed_http");
    }
  }
  SECTION("HTTP/1.0 without Host; HTTP/2.0 and 0.9 are not served") {
    auto answers = s.Exchange("GET /healthz HTTP/1.0\r\n\r\n");
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
    answers = s.Exchange("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n");
    REQUIRE(answers.size() == 1);
    CheckProblem(answers[0], 505, "http_version_not_supported");
    answers = s.Exchange("GET /healthz\r\n\r\n");
    REQUIRE(answers.size() == 1);
    CheckProblem(answers[0], 400, "malformed_http");
  }
  SECTION("absolute-form targets are served; their authority replaces Host") {
    for (std::string request :
         {"GET http://node.example:8080/healthz HTTP/1.1\r\nHost: other\r\n\r\n",
          "GET HTTPS://node.example/healthz HTTP/1.1\r\n\r\n",
          "GET http://node.example/v1/proofs/inclusion?index=0 HTTP/1.1\r\n\r\n"}) {
      INFO(request);
      auto answers = s.Exchange(request);
      REQUIRE(answers.size() == 1);
      CHECK(answers[0].status == 200);
    }
  }
  SECTION("targets that are not origin-form, absolute-form or *") {
    for (std::string request :
         {"GET healthz HTTP/1.1\r\nHost: x\r\n\r\n",
          "CONNECT node.example:443 HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET * HTTP/1.1\r\nHost: x\r\n\r\n", "GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET http:///healthz HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET http://u@x/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET /healthz#f HTTP/1.1\r\nHost: x\r\n\r\n",
          "GET /v1/agencies/\xe6\xb7\xb1 HTTP/1.1\r\nHost: x\r\n\r\n"}) {
      CheckRefused(s, request, 400, "malformed_http");
    }
  }
}

TEST_CASE("Expect: 100-continue is answered before the body, other expectations are 417",
          "[server]") {
  TestServer s;
  {
    Client c(s.port());
    c.Send(
        "POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    const std::string interim = c.Receive(std::chrono::milliseconds(3000), "\r\n\r\n");
    CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
    c.Send("{}");
    c.HalfClose();
    auto answers = ParseAnswers(c.Receive());
    REQUIRE(answers.size() == 1);
    CheckProblem(answers[0], 422, "invalid_entry");
  }
  {
    // A body over the limit is refused at once, with no 100 first.
    Client c(s.port());
    c.Send(
        "POST /v1/entries HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        "Content-Length: 999999999\r\n\r\n");
    auto answers = ParseAnswers(c.Receive());
    REQUIRE(answers.size() == 1);
    CheckProblem(answers[0], 413, "payload_too_large");
  }
  auto answers = s.Exchange(
      "POST /v1/entries HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}");
  REQUIRE(answers.size() == 1);
  CheckProblem(answers[0], 417, "expectation_failed");
}

TEST_CASE("HEAD and OPTIONS on every route, 405 names what is allowed", "[server]") {
  TestServer s;
  std::map<std::string, std::vector<std::string>> methods;  // path template -> methods
  for (const api::RouteInfo& r : api::Service::Routes()) methods[r.path].push_back(r.method);
  for (const auto& [path, allowed] : methods) {
    const std::string target = Concrete(path) + (path == "/v1/proofs/consistency" ? "?from=1&to=1"
                                                 : path == "/v1/proofs/inclusion" ? "?index=0"
                                                                                  : "");
    INFO(target);
    const bool has_get = std::find(allowed.begin(), allowed.end(), "GET") != allowed.end();
    // HEAD, then GET, then OPTIONS on one connection: a body after HEAD would be read as the
    // next answer's start and the parse below would fail.
    const std::string line = " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    auto answers = s.Exchange("HEAD" + line + "GET" + line + "OPTIONS" + line + "PATCH" + line,
                              {true, false, false, false});
    REQUIRE(answers.size() == 4);
    const Answer &head = answers[0], &get = answers[1], &options = answers[2], &patch = answers[3];
    CHECK(head.status == get.status);
    // The same length as GET's where the answer is the same (a problem names its method and
    // request id; metrics move).
    if (get.status == 200 && path != "/metrics") {
      CHECK(head.Header("content-length") == get.Header("content-length"));
    }
    CHECK(head.Header("content-type") == get.Header("content-type"));
    if (!has_get) CHECK(get.status == 405);
    CHECK(options.status == 204);
    std::string want;
    for (const std::string& m : allowed) want += m + (m == "GET" ? ", HEAD, " : ", ");
    want += "OPTIONS";
    CHECK(options.Header("allow") == want);
    CheckProblem(patch, 405, "method_not_allowed");
    CHECK(patch.Header("allow") == want);
  }
  auto answers = s.Exchange("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 204);
  CHECK(answers[0].Header("allow") == "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  // A problem to HEAD has no body either.
  answers = s.Exchange("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n" + kSmuggled, {true, false});
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].status == 404);
  CHECK(answers[1].status == 200);
}

TEST_CASE("RequestReader: any split of the bytes reads the same request", "[server]") {
  const std::string wire =
      "POST /v1/entries?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;e=1\r\nabc\r\n02\r\nde\r\n0\r\nT: 1\r\n\r\n" +
      kSmuggled;
  for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, wire.size()}) {
    INFO("fed " << step << " bytes at a time");
    api::RequestReader reader(api::RequestLimits{});
    std::string buffer;
    size_t given = 0;
    while (!reader.done() && !reader.error() && given < wire.size()) {
      buffer += wire.substr(given, step);
      given += step;
      buffer.erase(0, reader.Put(buffer));
    }
    REQUIRE(reader.done());
    // What it did not use is the next request, whole.
    CHECK(buffer + wire.substr(std::min(given, wire.size())) == kSmuggled);
    api::Request request = reader.Release();
    CHECK(request.method == "POST");
    CHECK(request.target == "/v1/entries?x=1");
    CHECK(request.body == "abcde");
    CHECK(request.fields.Get("Content-Length") == "5");
    CHECK(request.fields.Get("host") == "h");
    CHECK(!request.fields.Has("Transfer-Encoding"));
    CHECK(!request.fields.Has("T"));  // trailers are dropped
  }
}
