// A small blocking HTTP/1.1 client of a node's API, for ledgerctl (monitor, audit, soak) and
// for nodes that follow another: requests over one keep-alive connection to a node, http:// or
// https:// (certificate and host name checked against the system's CAs, or a given CA file).
//
// Thread-compatible.
#ifndef CREDLEDGER_API_CLIENT_HTTP_CLIENT_H_
#define CREDLEDGER_API_CLIENT_HTTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>

#include "crypto/status.h"

namespace credledger::client {

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
  std::string location;  // the Location field, if any (a follower's 307 names its leader)
};

class HttpClient {
 public:
  // `base_url`: "http://host:port" or "https://host[:port]" (a trailing path is a prefix of
  // every request). `ca_file`: PEM CAs for https; empty: the system's. `timeout` bounds each
  // connection and each exchange. Errors: InvalidArgument (malformed URL). Connecting happens
  // on the first Get.
  static Result<HttpClient> Create(const std::string& base_url, const std::string& ca_file = "",
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // GET base_url + `target`. A dropped keep-alive connection is reopened once. Errors:
  // Unavailable (cannot connect, TLS refused, I/O), naming the URL.
  Result<HttpAnswer> Get(const std::string& target);
  // POST `body` to base_url + `target`. Retried once on a dropped keep-alive connection, as
  // Get: for the node's writes, which are idempotent (a resubmitted entry is answered with
  // its index). Errors: as Get.
  Result<HttpAnswer> Post(const std::string& target, const std::string& content_type,
                          std::string body);
  // Get, and an error unless the status is 200 (naming the status and the problem detail).
  Result<std::string> GetOk(const std::string& target);

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger::client

#endif  // CREDLEDGER_API_CLIENT_HTTP_CLIENT_H_
