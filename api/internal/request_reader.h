// RequestReader: reads one HTTP/1.1 request from the bytes a connection received, with every
// byte the client sends counted against a limit, and the message framing held to RFC 9112
// strictly enough that no two readers can disagree about where a request ends. It is the
// server's parser (internal/server.cc feeds it from the socket) and has no I/O of its own, so
// tests and fuzzers drive it with bytes.
//
// Beast's parser does the tokenizing; this adds what Beast leaves to its user:
//   - limits on what Beast does not count: chunk-size lines and extensions, line ends and
//     trailer fields (the "framing") get a budget of max_header_bytes of their own, beside
//     the header section's; chunk data counts against max_body_bytes, as a body does;
//   - no field line longer than Beast's field container holds (it throws past 65,535 bytes);
//   - trailer fields are read, counted and dropped (RFC 9110 6.5.1: we use none);
//   - framing (RFC 9112 6.1, 6.3): a Transfer-Encoding whose final coding is not chunked, or
//     with any coding but chunked, or in an HTTP/1.0 request, is refused; so are
//     Transfer-Encoding with Content-Length, obs-fold line folding (5.2), and a missing,
//     repeated or malformed Host (3.2);
//   - the request-target (3.2): origin-form, absolute-form (rewritten to origin-form, its
//     authority replacing Host) or "*" for OPTIONS; visible ASCII only, no fragment;
//   - Expect (RFC 9110 10.1.1): 100-continue is reported (expects_continue) so that the
//     server can answer 100 before the body is sent; any other expectation is 417.
// An error is final: the caller answers it and closes the connection, since the stream's
// position is then unknown.
//
// Thread-safety: none; one reader per request, used by one connection.
#ifndef CREDLEDGER_API_INTERNAL_REQUEST_READER_H_
#define CREDLEDGER_API_INTERNAL_REQUEST_READER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "api/http.h"
#include "api/problem.h"

namespace credledger::api {

struct RequestLimits {
  // The header section (431), and separately a chunked body's framing and trailers (413).
  size_t max_header_bytes = 16 << 10;
  // The body's data (413).
  size_t max_body_bytes = 1 << 20;
};

// The longest field line (name or value) Beast's field container holds.
inline constexpr size_t kMaxFieldBytes = 65533;

class RequestReader {
 public:
  explicit RequestReader(RequestLimits limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Reads from the front of `bytes`, which continue what earlier calls were given past what
  // they used; returns how many bytes it used. Bytes it did not use must be given again,
  // with more after them (a line is parsed only once it is whole). Once done() or error(),
  // it uses nothing more: the rest belongs to the next request.
  size_t Put(std::string_view bytes);

  // Call when the buffer the caller gives Put is full (max_header_bytes, see
  // buffer_limit()) and Put used none of it: a line longer than any limit. Sets error().
  void BufferFull();

  // The most bytes the caller needs to buffer for Put: a header section or one framing line.
  size_t buffer_limit() const { return limits_.max_header_bytes; }

  bool done() const;
  // Set once the request cannot be read: answer it and close the connection.
  const std::optional<Problem>& error() const { return error_; }
  // The header asks for 100 Continue (HTTP/1.1, Expect: 100-continue) and the body has not
  // been read yet.
  bool expects_continue() const;
  // Whether the request line said HEAD (known before the request is whole, for answering an
  // error to it without a body).
  bool is_head() const { return is_head_; }
  // The request line's HTTP version (10 or 11; 11 until it is read), for answering an error
  // in the client's version.
  unsigned version() const { return version_; }

  // REQUIRES: done(). The request, in origin-form, its body moved out (no copy).
  Request Release();

 private:
  class Parser;
  void Fail(Problem problem);

  const RequestLimits limits_;
  std::unique_ptr<Parser> parser_;
  std::optional<Problem> error_;
  size_t header_bytes_ = 0;  // bytes used by Put until the header was done
  size_t after_header_ = 0;  // bytes used by Put since
  bool is_head_ = false;
  unsigned version_ = 11;
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_INTERNAL_REQUEST_READER_H_
