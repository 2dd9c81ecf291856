// An HTTP request and response as the API's handlers see them: plain values, no Boost. The
// server (server.h) reads the wire into a Request and writes a Response back; tests and
// fuzzers build them directly.
#ifndef CREDLEDGER_API_HTTP_H_
#define CREDLEDGER_API_HTTP_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace credledger::api {

// ASCII case-insensitive equality: field names, media types, parameter names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Header fields in the order given. Names compare case-insensitively (RFC 9110 5.1).
class Fields {
 public:
  using Field = std::pair<std::string, std::string>;

  // The value of the first field named `name`, or "" if there is none.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Replaces every field named `name` with one.
  void Set(std::string_view name, std::string value);
  // Adds a field, keeping any of the same name.
  void Add(std::string name, std::string value);

  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

struct Request {
  std::string method;  // as sent ("GET"): methods are case-sensitive (RFC 9110 9.1)
  std::string target;  // origin-form: path and query
  unsigned version = 11;
  bool keep_alive = true;
  Fields fields;
  std::string body;
};

struct Response {
  unsigned status = 200;
  unsigned version = 11;
  bool keep_alive = true;
  // Content-Length and Connection are the server's to write, from body and keep_alive.
  Fields fields;
  std::string body;
};

using Respond = std::function<void(Response)>;

// What a Server answers requests with: Service (the ledger's API, service.h) or
// WitnessService (a C2SP witness, witness_service.h).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers `request` through `respond`, exactly once, from any thread. `request_id` is
  // echoed in the X-Request-Id header and in problem bodies.
  virtual void Handle(Request request, const std::string& request_id, Respond respond) = 0;
};

// A response with the fields every answer carries (Content-Type, Cache-Control: no-store,
// X-Request-Id): what handlers send, and what the server sends for a request it could not
// read.
Response MakeResponse(unsigned status, std::string_view content_type, std::string body,
                      std::string_view request_id, unsigned http_version, bool keep_alive);

}  // namespace credledger::api

#endif  // CREDLEDGER_API_HTTP_H_
