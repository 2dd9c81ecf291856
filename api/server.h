// The HTTP/1.1 server: Boost.Beast, in the shape of Beast's advanced server example, except
// that each thread of the pool runs an io_context of its own and each connection stays on one
// of them (serialized as a strand would, with no lock shared across threads: measured in
// docs/PERFORMANCE.md); every read has a deadline (a slow or idle client cannot hold a connection
// or a thread); header and body sizes are capped (431 and 413); requests on a connection are
// answered one at a time, in order, so pipelined requests wait in the connection's bounded read
// buffer. The server is a transport only: what to answer is its RequestHandler's business
// (Service, service.h; WitnessService, witness_service.h).
//
// Shutdown stops accepting, closes idle connections, lets requests in flight (including writes
// waiting for their block to be durable) finish within a grace period, then returns.
//
// Thread-safety: Shutdown may be called from any thread, once.
#ifndef CREDLEDGER_API_SERVER_H_
#define CREDLEDGER_API_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/log.h"
#include "api/service.h"
#include "crypto/status.h"

namespace credledger::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: an ephemeral port (see Server::port)
  unsigned threads = 0;  // 0: one per core
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  // Deadline for receiving one whole request (headers and body), and for an idle keep-alive
  // connection to start the next one.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{30000};
  // Connections beyond this are closed as soon as they are accepted.
  size_t max_connections = 4096;
  // HTTPS: the certificate chain and private key (PEM files). Both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // With HTTPS, require every client to present a certificate issued by a CA in this PEM
  // file (mutual TLS). Empty: no client certificates.
  std::string tls_client_ca_file;
  // Called once per answered request with its fields (request_id, method, target, status,
  // bytes, duration_ms...). Null: no request log.
  std::function<void(const LogFields&)> log;
};

class Server {
 public:
  // Binds, listens and starts the threads. Errors: Unavailable (cannot bind), InvalidArgument.
  static Result<std::unique_ptr<Server>> Start(RequestHandler& handler, ServerOptions options);
  ~Server();  // Shutdown with a 5 s grace period if not done yet

  uint16_t port() const;
  // Stops accepting; closes idle connections; waits up to `grace` for requests in flight.
  void Shutdown(std::chrono::milliseconds grace);

  // The state shared by the listener and its sessions (internal/server.cc).
  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_SERVER_H_
