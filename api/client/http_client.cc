#include "api/client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "ledger/canonical_json.h"

namespace credledger::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string url;  // as given, for messages
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  bool tls = false;
  std::string host, port, prefix;
  asio::io_context io;
  std::optional<asio::ssl::context> ssl;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  // Runs the operations started on `io` until they finish. They are asynchronous because
  // Beast's stream deadline (expires_after) bounds asynchronous operations only: a
  // synchronous read would wait for a server that never answers.
  void Run() {
    io.restart();
    io.run();
  }

  Status Connect() {
    plain.reset();
    secure.reset();
    buffer.clear();
    tcp::resolver resolver(io);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return Status::Unavailable(url + ": cannot resolve " + host + ": " + ec.message());
    auto connected = [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; };
    if (!tls) {
      plain.emplace(io);
      plain->expires_after(timeout);
      plain->async_connect(endpoints, connected);
      Run();
      if (ec) return Status::Unavailable(url + ": cannot connect: " + ec.message());
      return Status::Ok();
    }
    secure.emplace(io, *ssl);
    if (!SSL_set_tlsext_host_name(secure->native_handle(), host.c_str())) {
      return Status::Unavailable(url + ": cannot set the TLS server name");
    }
    secure->set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(*secure).expires_after(timeout);
    beast::get_lowest_layer(*secure).async_connect(endpoints, connected);
    Run();
    if (ec) return Status::Unavailable(url + ": cannot connect: " + ec.message());
    secure->async_handshake(asio::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
    Run();
    if (ec) return Status::Unavailable(url + ": TLS handshake failed: " + ec.message());
    return Status::Ok();
  }

  template <typename Stream>
  Result<HttpAnswer> Exchange(Stream& stream, const http::request<http::string_body>& request) {
    beast::get_lowest_layer(stream).expires_after(timeout);  // the whole exchange
    beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    http::async_write(stream, request, [&](beast::error_code e, size_t) {
      if (e) {
        ec = e;
        return;
      }
      http::async_read(stream, buffer, parser, [&ec](beast::error_code e2, size_t) { ec = e2; });
    });
    Run();
    if (ec) return Status::Unavailable(ec.message());
    HttpAnswer answer{parser.get().result_int(), std::move(parser.get().body()),
                      std::string(parser.get()[http::field::location])};
    if (!parser.get().keep_alive()) {
      plain.reset();
      secure.reset();
    }
    return answer;
  }

  Result<HttpAnswer> Once(const http::request<http::string_body>& request) {
    if (!plain && !secure) CREDLEDGER_RETURN_IF_ERROR(Connect());
    return tls ? Exchange(*secure, request) : Exchange(*plain, request);
  }

  // Sends `request`; a keep-alive connection the node closed meanwhile is retried once on a
  // fresh one.
  Result<HttpAnswer> Send(http::verb method, const std::string& target,
                          const std::string& content_type, std::string body) {
    http::request<http::string_body> request{method, prefix + target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "ledgerctl");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();
    auto answer = Once(request);
    if (answer.ok()) return answer;
    plain.reset();
    secure.reset();
    answer = Once(request);
    if (!answer.ok()) {
      return Status::Unavailable(std::string(request.method_string()) + " " + url + target + ": " +
                                 answer.status().message());
    }
    return answer;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::Create(const std::string& base_url, const std::string& ca_file,
                                      std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->url = base_url;
  impl->timeout = timeout;
  std::string_view rest = base_url;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    impl->tls = true;
  } else {
    return Status::InvalidArgument("the node URL must start with http:// or https://: " + base_url);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) impl->prefix = std::string(rest.substr(slash));
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    impl->host = std::string(authority.substr(0, colon));
    impl->port = std::string(authority.substr(colon + 1));
  } else {
    impl->host = std::string(authority);
    impl->port = impl->tls ? "443" : "80";
  }
  if (!impl->host.empty() && impl->host.front() == '[' && impl->host.back() == ']') {
    impl->host = impl->host.substr(1, impl->host.size() - 2);
  }
  if (impl->host.empty() || impl->port.empty()) {
    return Status::InvalidArgument("no host in the node URL " + base_url);
  }
  if (impl->tls) {
    impl->ssl.emplace(asio::ssl::context::tls_client);
    impl->ssl->set_verify_mode(asio::ssl::verify_peer);
    beast::error_code ec;
    if (ca_file.empty()) {
      impl->ssl->set_default_verify_paths(ec);
    } else {
      impl->ssl->load_verify_file(ca_file, ec);
    }
    if (ec) return Status::InvalidArgument("cannot load the CA certificates: " + ec.message());
  }
  return HttpClient(std::move(impl));
}

Result<HttpAnswer> HttpClient::Get(const std::string& target) {
  return impl_->Send(http::verb::get, target, "", "");
}

Result<HttpAnswer> HttpClient::Post(const std::string& target, const std::string& content_type,
                                    std::string body) {
  return impl_->Send(http::verb::post, target, content_type, std::move(body));
}

Result<std::string> HttpClient::GetOk(const std::string& target) {
  CREDLEDGER_ASSIGN_OR_RETURN(HttpAnswer answer, Get(target));
  if (answer.status == 200) return std::move(answer.body);
  std::string detail = answer.body.substr(0, 300);
  if (auto problem = ParseJson(answer.body); problem.ok() && problem->is_object()) {
    detail = problem->value("detail", detail);
  }
  return Status::Unavailable("GET " + impl_->url + target + ": HTTP " +
                             std::to_string(answer.status) + ": " + detail);
}

}  // namespace credledger::client
