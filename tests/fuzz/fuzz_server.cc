// The server's connection code: raw bytes sent over loopback TCP to a real api::Server (the
// Beast-based sessions with their RequestReader, limits 8 KiB of header and 64 KiB of body)
// in front of the fuzz node (fuzz_node.h).
// Invariants:
//   - RequestReader reads the same requests from the bytes whole and in pieces (the pieces'
//     sizes come from the input), so TCP's segmentation cannot change what a request is;
//   - the server answers exactly the requests that reader finds, in order, up to the first
//     that closes the connection (Connection: close, HTTP/1.0, or an error, whose answer is
//     the last), and then closes, within 30 s;
//   - every answer is a well-formed HTTP/1.x response (Content-Length framing; none after
//     HEAD); no 5xx but 501 and 505; every error is application/problem+json;
//   - the server keeps accepting connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "api/internal/request_reader.h"
#include "api/server.h"
#include "tests/fuzz/fuzz_node.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using credledger::fuzz::Check;
namespace api = credledger::api;

constexpr api::RequestLimits kLimits{8 << 10, 64 << 10};

// What RequestReader makes of `bytes`, fed `step` bytes at a time: each request's method
// (HEAD or not) and whether it keeps the connection, then how the input ended.
struct Reading {
  struct Request {
    bool head;
    bool keep_alive;
    std::string target, body;
  };
  std::vector<Request> requests;
  std::optional<unsigned> error;  // the status of the error that ended it
  bool error_head = false;        // and whether the request it ended in said HEAD
  bool operator==(const Reading& o) const {
    if (error != o.error || error_head != o.error_head || requests.size() != o.requests.size()) {
      return false;
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      const Request &a = requests[i], &b = o.requests[i];
      if (a.head != b.head || a.keep_alive != b.keep_alive || a.target != b.target ||
          a.body != b.body) {
        return false;
      }
    }
    return true;
  }
};

Reading Read(std::string_view bytes, size_t step) {
  Reading out;
  std::string buffer;
  size_t given = 0;
  while (true) {
    api::RequestReader reader(kLimits);
    while (!reader.done() && !reader.error()) {
      buffer.erase(0, reader.Put(buffer));
      if (reader.done() || reader.error()) break;
      if (buffer.size() >= reader.buffer_limit()) {
        reader.BufferFull();
        break;
      }
      if (given >= bytes.size()) return out;  // the input ends within a request
      const size_t take =
          std::min({step, bytes.size() - given, reader.buffer_limit() - buffer.size()});
      buffer.append(bytes.substr(given, take));
      given += take;
    }
    if (reader.error()) {
      out.error = reader.error()->status;
      out.error_head = reader.is_head();
      return out;
    }
    const bool head = reader.is_head();
    api::Request request = reader.Release();
    out.requests.push_back({head, request.keep_alive, request.target, std::move(request.body)});
    if (!request.keep_alive) return out;
  }
}

struct Server {
  credledger::fuzz::Node node;
  std::unique_ptr<api::Server> server;
  Server() {
    api::ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_header_bytes = kLimits.max_header_bytes;
    o.max_body_bytes = kLimits.max_body_bytes;
    o.read_timeout = std::chrono::milliseconds(5000);
    auto started = api::Server::Start(*node.service, o);
    Check(started.ok(), "the server starts");
    server = std::move(*started);
  }
};

// Sends `bytes`, half-closes, and reads until the server closes; false after 30 s (a slow
// handler under the sanitizers, on two cores shared with the fuzzer, is not a hang). Never
// blocks in a system call: a blocking send of pipelined bytes could wait on a server that
// waits for this side to read its answer. A signal is not a failure either: libFuzzer's
// -timeout alarm (SIGALRM, every timeout/2 + 1 s) interrupts poll, which SA_RESTART does not
// restart; taking that EINTR for a stall once failed runs at random after minutes.
bool Exchange(uint16_t port, std::string_view bytes, std::string* answer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  Check(fd >= 0, "a socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int connected;
  do {
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (connected != 0 && errno == EINTR);
  if (connected != 0) {
    std::fprintf(stderr, "connect: %s\n", std::strerror(errno));
    Check(false, "the server accepts connections");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t sent = 0;
  bool half_closed = false;
  bool ok = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (half_closed ? 0 : POLLOUT)), 0};
    if (::poll(&p, 1, 100) < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "poll: %s\n", std::strerror(errno));
      break;
    }
    if (p.revents & POLLIN) {
      char buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        ok = true;  // closed (or reset after an error answer with bytes unread)
        break;
      }
      answer->append(buf, static_cast<size_t>(n));
    } else if (p.revents & (POLLERR | POLLHUP)) {
      ok = true;
      break;
    }
    if (!half_closed && (p.revents & POLLOUT)) {
      const ssize_t n =
          ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
      const bool retry = n < 0 && (errno == EINTR || errno == EAGAIN);
      // All sent, or the server stopped reading (it answered an error and closed).
      if ((n < 0 && !retry) || sent == bytes.size()) {
        ::shutdown(fd, SHUT_WR);
        half_closed = true;
      }
    }
  }
  // Closed with a reset: the client half-closes first, so an orderly close would leave this
  // side's port in TIME_WAIT for a minute, and a few hundred exchanges a second run out of
  // ephemeral ports (connect: EADDRNOTAVAIL) within two minutes.
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(fd);
  return ok;
}

// Checks `wire` as the answers to `reading`; returns how many final answers it holds.
size_t CheckAnswers(std::string_view wire, const Reading& reading) {
  size_t answered = 0;
  while (!wire.empty()) {
    const size_t end = wire.find("\r\n\r\n");
    Check(end != std::string_view::npos, "an answer's header ends");
    const std::string_view header = wire.substr(0, end + 2);
    wire.remove_prefix(end + 4);
    Check(header.substr(0, 7) == "HTTP/1." && header.size() > 12 && header[8] == ' ',
          "an answer starts with a status line");
    const unsigned status = static_cast<unsigned>(std::stoul(std::string(header.substr(9, 3))));
    if (status >= 100 && status < 200) continue;  // 100 Continue
    // An answer to HEAD has no body, the answer to a HEAD that could not be read included.
    const bool head =
        answered < reading.requests.size() ? reading.requests[answered].head : reading.error_head;
    ++answered;
    Check(status < 500 || status == 501 || status == 505,
          "no 5xx (but 501 and 505 for codings and versions not served)",
          std::string(header) + "\n" + std::string(wire.substr(0, 1000)));
    size_t length = 0;
    const size_t cl = header.find("\r\nContent-Length: ");
    if (status != 204) {
      Check(cl != std::string_view::npos, "an answer has a Content-Length");
      length =
          std::stoul(std::string(header.substr(cl + 18, header.find("\r\n", cl + 2) - cl - 18)));
    }
    if (status >= 400) {
      Check(header.find("\r\nContent-Type: application/problem+json\r\n") != std::string_view::npos,
            "an error is application/problem+json");
    }
    if (!head) {
      Check(wire.size() >= length, "an answer's body is whole");
      wire.remove_prefix(length);
    }
  }
  return answered;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Never destroyed: libFuzzer may exit from any thread, and the ledger calls into the service.
  static Server* server = new Server();
  if (size == 0) return 0;
  // The first byte chooses the pieces' size for the split-reading invariant.
  const size_t step = 1 + data[0] % 64;
  const std::string_view bytes = credledger::fuzz::AsText(data + 1, size - 1);

  const Reading whole = Read(bytes, bytes.size() + 1);
  Check(Read(bytes, step) == whole, "a request reads the same whole and in pieces");

  std::string wire;
  Check(Exchange(server->server->port(), bytes, &wire),
        "the server answers and closes within 30 s");
  const size_t answered = CheckAnswers(wire, whole);
  Check(answered == whole.requests.size() + (whole.error ? 1 : 0),
        "the server answers exactly the requests in the bytes");
  return 0;
}
