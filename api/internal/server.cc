// Boost.Beast listener and sessions for api/server.h.
#include "api/server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include "api/internal/request_reader.h"
#include "api/problem.h"
#include "crypto/mutex.h"

namespace credledger::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using WireResponse = http::response<http::string_body>;

namespace {

// The wire form of an answer: its fields, Content-Length from its body, Connection from
// keep_alive.
WireResponse ToWire(Response r) {
  WireResponse wire{static_cast<http::status>(r.status), r.version};
  for (const auto& [name, value] : r.fields) wire.insert(name, value);
  wire.keep_alive(r.keep_alive);
  wire.body() = std::move(r.body);
  wire.prepare_payload();
  // RFC 9110 8.6, 15.3.5: a 204 has no content, and no Content-Length saying so.
  if (r.status == 204) wire.erase(http::field::content_length);
  return wire;
}

// A client's X-Request-Id is kept if it is short and plain; otherwise we make one.
bool UsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// The server's TLS settings: TLS 1.2 or later, the certificate chain and key from PEM files,
// and, with a client CA, a valid client certificate required of every connection.
Result<net::ssl::context> MakeTlsContext(const ServerOptions& o) {
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return Status::InvalidArgument("HTTPS needs both tls_cert_file and tls_key_file");
  }
  net::ssl::context context(net::ssl::context::tls_server);
  beast::error_code ec;
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                          net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                          net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                      ec);
  if (!ec) context.use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return Status::InvalidArgument("tls_cert_file " + o.tls_cert_file + ": " + ec.message());
  context.use_private_key_file(o.tls_key_file, net::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("tls_key_file " + o.tls_key_file + ": " + ec.message());
  if (!o.tls_client_ca_file.empty()) {
    context.load_verify_file(o.tls_client_ca_file, ec);
    if (ec) {
      return Status::InvalidArgument("tls_client_ca_file " + o.tls_client_ca_file + ": " +
                                     ec.message());
    }
    context.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return Status::InvalidArgument("cannot require client certificates: " + ec.message());
  }
  return context;
}

}  // namespace

class Session;

// One io_context per thread, each run by that thread alone: a connection lives on one of them
// (dealt round-robin), so its handlers never run concurrently without a strand, and the
// request path shares no scheduler lock or wake-up between threads. The ledger's completions
// reach a connection by posting to its io_context.
struct Server::Impl {
  Impl(RequestHandler& s, ServerOptions o, unsigned thread_count)
      : service(s),
        options(std::move(o)),
        contexts(MakeContexts(thread_count)),
        acceptor(*contexts.front()) {
    std::random_device rd;
    id_prefix = std::to_string(rd() % 100000);
  }

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(unsigned n) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  // Runs `context` until it is stopped. A handler that throws past its connection's own guard
  // (Session::Step) is logged and the loop goes on: the node keeps serving.
  void Run(net::io_context& context) {
    while (true) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        if (options.log) options.log({{"msg", "handler failed"}, {"error", e.what()}});
      } catch (...) {
        if (options.log) options.log({{"msg", "handler failed"}, {"error", "unknown exception"}});
      }
    }
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  std::string NextRequestId() { return id_prefix + "-" + std::to_string(++request_counter); }

  RequestHandler& service;
  const ServerOptions options;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  size_t next_context = 0;  // the acceptor's: used on contexts[0]'s thread only
  tcp::acceptor acceptor;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  bool shut_down = false;
  std::string id_prefix;
  std::atomic<uint64_t> request_counter{0};

  std::optional<net::ssl::context> tls;  // set when the server speaks HTTPS

  Mutex sessions_mu;
  CondVar sessions_cv;
  std::set<std::shared_ptr<Session>> sessions GUARDED_BY(sessions_mu);  // live connections
};

// One connection, over plain TCP or TLS: the HTTP code is the same for both (it visits the
// stream variant), only the start (the TLS handshake) and the end (close_notify) differ.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using PlainStream = beast::tcp_stream;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  Session(tcp::socket&& socket, Server::Impl& server)
      : stream_(MakeStream(std::move(socket), server)),
        executor_(tcp_stream().get_executor()),
        server_(server) {
    beast::error_code ec;
    auto ep = tcp_stream().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void Run() {
    net::dispatch(executor_, [self = shared_from_this()] { self->Step([&] { self->Start(); }); });
  }

  // Closes the connection if it is waiting for a request; a busy one closes after answering.
  void CloseIfIdle() {
    net::post(executor_, [self = shared_from_this()] {
      self->Step([&] {
        if (!self->busy_) self->Close();
      });
    });
  }

 private:
  static std::variant<PlainStream, TlsStream> MakeStream(tcp::socket&& socket,
                                                         Server::Impl& server) {
    if (server.tls) {
      return std::variant<PlainStream, TlsStream>(std::in_place_type<TlsStream>, std::move(socket),
                                                  *server.tls);
    }
    return std::variant<PlainStream, TlsStream>(std::in_place_type<PlainStream>, std::move(socket));
  }

  beast::tcp_stream& tcp_stream() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                      stream_);
  }

  // The TLS handshake (with the client's certificate checked, if the server asks for one)
  // must finish within the read timeout, like a request.
  void Start() {
    auto* tls = std::get_if<TlsStream>(&stream_);
    if (tls == nullptr) return Read();
    tcp_stream().expires_after(server_.options.read_timeout);
    tls->async_handshake(net::ssl::stream_base::server,
                         [self = shared_from_this()](beast::error_code ec) {
                           if (ec) {
                             self->LogEvent("tls handshake failed", ec);
                             return self->CloseSocket();
                           }
                           self->handshake_done_ = true;
                           self->Read();
                         });
  }
  // One request: read and parsed by a RequestReader from this connection's buffer (which
  // holds at most one header section or framing line, with what is pipelined behind it),
  // all of it within one read deadline.
  void Read() {
    if (server_.stopping) return Close();
    reader_.emplace(
        RequestLimits{server_.options.max_header_bytes, server_.options.max_body_bytes});
    continue_sent_ = false;
    head_ = false;
    tcp_stream().expires_after(server_.options.read_timeout);
    Parse();
  }

  void Parse() {
    const auto data = buffer_.data();
    buffer_.consume(
        reader_->Put(std::string_view(static_cast<const char*>(data.data()), data.size())));
    head_ = reader_->is_head();
    if (reader_->error()) return Refuse(*reader_->error());
    if (reader_->done()) return Answer();
    if (reader_->expects_continue() && !continue_sent_) return SendContinue();
    if (buffer_.size() >= reader_->buffer_limit()) {
      reader_->BufferFull();
      return Refuse(*reader_->error());
    }
    ReadSome();
  }

  void ReadSome() {
    const size_t room = reader_->buffer_limit() - buffer_.size();
    auto buffers = buffer_.prepare(std::min<size_t>(room, 64 << 10));
    std::visit(
        [&](auto& stream) {
          stream.async_read_some(buffers,
                                 [self = shared_from_this()](beast::error_code ec, size_t n) {
                                   self->Step([&] { self->OnReadSome(ec, n); });
                                 });
        },
        stream_);
  }

  void OnReadSome(beast::error_code ec, size_t n) {
    buffer_.commit(n);
    // End of stream, a deadline, a reset: nothing to answer (an unfinished request is
    // dropped with its connection).
    if (ec) return Close();
    Parse();
  }

  // RFC 9110 10.1.1: a client that waits for 100 Continue sends the body after it.
  void SendContinue() {
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    std::visit(
        [&](auto& stream) {
          net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()),
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             self->Step([&] { ec ? self->Close() : self->Parse(); });
                           });
        },
        stream_);
  }

  // The request cannot be read: answer what was wrong, then close (the stream is no longer in
  // a known state).
  void Refuse(const Problem& problem) {
    const std::string id = server_.NextRequestId();
    Response response =
        MakeResponse(problem.status, "application/problem+json", ProblemJson(problem, "", id), id,
                     reader_->version() == 10 ? 10 : 11, /*keep_alive=*/false);
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    request_id_ = id;
    method_.clear();
    target_.clear();
    Write(std::move(response));
  }

  void Answer() {
    Request request = reader_->Release();
    if (server_.options.log) {
      method_ = request.method;
      target_ = request.target;
    }
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    const std::string_view client_id = request.fields.Get("X-Request-Id");
    request_id_ = UsableRequestId(client_id) ? std::string(client_id) : server_.NextRequestId();
    // The completion may run on the ledger's sequencer thread: hop back onto this
    // connection's io_context (which runs until Shutdown stops it, pending work or not). A
    // read answered at once is already there: dispatch writes it without a trip through the
    // queue.
    server_.service.Handle(
        std::move(request), request_id_, [self = shared_from_this()](Response response) {
          net::dispatch(self->executor_, [self, r = std::move(response)]() mutable {
            self->Step([&] { self->Write(std::move(r)); });
          });
        });
  }

  // Runs one step of the connection. An exception there (a bug, or memory running out) ends
  // this connection, never the node: nothing a client sends may terminate the process.
  template <class F>
  void Step(F&& step) noexcept {
    try {
      step();
    } catch (const std::exception& e) {
      LogEvent("connection failed", e.what());
      CloseSocket();
    } catch (...) {
      LogEvent("connection failed", "unknown exception");
      CloseSocket();
    }
  }

  void Write(Response response) {
    if (server_.stopping) response.keep_alive = false;
    response_.emplace(ToWire(std::move(response)));
    // A HEAD answer is the GET answer's header alone (RFC 9110 9.3.2), Content-Length
    // included; a body would be read as the start of the next response.
    if (head_) response_->body().clear();
    tcp_stream().expires_after(server_.options.write_timeout);
    std::visit(
        [this](auto& stream) {
          http::async_write(stream, *response_,
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->Step([&] { self->OnWrite(ec, bytes); });
                            });
        },
        stream_);
  }

  void OnWrite(beast::error_code ec, size_t bytes) {
    Log(bytes, ec);
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    busy_ = false;
    if (ec || !keep_alive || server_.stopping) return Close();
    Read();
  }

  void Log(size_t bytes, beast::error_code ec) {
    if (!server_.options.log) return;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    LogFields fields = {{"msg", "request"},
                        {"request_id", request_id_},
                        {"remote", remote_},
                        {"method", method_},
                        {"target", target_},
                        {"status", std::to_string(response_->result_int())},
                        {"bytes", std::to_string(bytes)},
                        {"duration_ms", std::to_string(ms)}};
    if (ec) fields.emplace_back("write_error", ec.message());
    server_.options.log(fields);
  }

  void LogEvent(const char* what, beast::error_code ec) { LogEvent(what, ec.message()); }
  void LogEvent(const char* what, const std::string& error) {
    if (!server_.options.log) return;
    server_.options.log({{"msg", what}, {"remote", remote_}, {"error", error}});
  }

  // Over TLS, says close_notify first (bounded by the write timeout), then closes.
  void Close() {
    auto* tls = std::get_if<TlsStream>(&stream_);
    if (tls == nullptr) return Linger();
    if (!handshake_done_ || shutting_down_) return CloseSocket();
    shutting_down_ = true;
    tcp_stream().expires_after(server_.options.write_timeout);
    tls->async_shutdown([self = shared_from_this()](beast::error_code) {
      self->Step([&] { self->CloseSocket(); });
    });
  }

  // Closes in two steps (RFC 9112 9.6): stops sending, then reads and drops what still comes
  // (a body we refused) for up to a second and 1 MiB before closing. Closing with unread bytes
  // would send a reset, which can make the client's kernel discard our answer unread.
  void Linger() {
    if (shutting_down_) return CloseSocket();
    shutting_down_ = true;
    beast::error_code ignored;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_stream().expires_after(std::chrono::seconds(1));
    buffer_.clear();
    Drain(0);
  }
  void Drain(size_t drained) {
    tcp_stream().async_read_some(buffer_.prepare(4096), [self = shared_from_this(), drained](
                                                            beast::error_code ec, size_t n) {
      self->Step([&] {
        if (ec || drained + n > (1u << 20)) return self->CloseSocket();
        self->Drain(drained + n);
      });
    });
  }

  void CloseSocket() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_stream().socket().close(ignored);
    MutexLock lock(server_.sessions_mu);
    server_.sessions.erase(shared_from_this());
    server_.sessions_cv.SignalAll();
  }

  std::variant<PlainStream, TlsStream> stream_;
  const net::any_io_executor executor_;  // the connection's io_context, fixed for its life
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<RequestReader> reader_;
  std::string method_, target_;  // of the request being answered, for the log
  std::optional<WireResponse> response_;
  std::string request_id_;
  std::string remote_;
  std::chrono::steady_clock::time_point started_;
  bool busy_ = false;
  bool head_ = false;           // the request being answered is HEAD
  bool continue_sent_ = false;  // 100 Continue was sent for the request being read
  bool handshake_done_ = false;
  bool shutting_down_ = false;
  bool closed_ = false;
};

void Server::Impl::Accept() {
  net::io_context& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(context, [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping || ec == net::error::operation_aborted) return;
  if (!ec) {
    try {
      std::shared_ptr<Session> session;
      {
        MutexLock lock(sessions_mu);
        if (sessions.size() < options.max_connections) {
          session = std::make_shared<Session>(std::move(socket), *this);
          sessions.insert(session);
        }
      }
      if (session) session->Run();
      // Otherwise the socket closes as it goes out of scope: over the connection limit.
    } catch (const std::exception& e) {
      // Out of memory for one more connection: drop it, keep accepting.
      if (options.log) options.log({{"msg", "cannot take a connection"}, {"error", e.what()}});
    }
  }
  Accept();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(5000)); }

Result<std::unique_ptr<Server>> Server::Start(RequestHandler& service, ServerOptions options) {
  unsigned n = options.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  auto impl = std::make_unique<Impl>(service, std::move(options), n);
  beast::error_code ec;
  auto address = net::ip::make_address(impl->options.address, ec);
  if (ec) {
    return Status::InvalidArgument("bad listen address \"" + impl->options.address +
                                   "\": " + ec.message());
  }
  tcp::endpoint endpoint{address, impl->options.port};
  auto fail = [&](const char* what) {
    return Status::Unavailable(std::string("cannot ") + what + " " + impl->options.address + ":" +
                               std::to_string(impl->options.port) + ": " + ec.message());
  };
  if (!impl->options.tls_cert_file.empty() || !impl->options.tls_key_file.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(net::ssl::context context, MakeTlsContext(impl->options));
    impl->tls.emplace(std::move(context));
  }
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  for (auto& context : impl->contexts) {
    impl->work.push_back(net::make_work_guard(*context));
    impl->threads.emplace_back(
        [impl = impl.get(), context = context.get()] { impl->Run(*context); });
  }
  net::post(*impl->contexts.front(), [impl = impl.get()] { impl->Accept(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->stopping = true;
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    MutexLock lock(impl_->sessions_mu);
    live.assign(impl_->sessions.begin(), impl_->sessions.end());
  }
  for (const auto& s : live) s->CloseIfIdle();
  live.clear();
  {
    MutexLock lock(impl_->sessions_mu);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!impl_->sessions.empty() && impl_->sessions_cv.WaitUntil(impl_->sessions_mu, deadline)) {
    }
  }
  impl_->work.clear();
  for (auto& context : impl_->contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  MutexLock lock(impl_->sessions_mu);
  impl_->sessions.clear();
}

}  // namespace credledger::api
