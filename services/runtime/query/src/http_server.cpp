#include "pactum/runtime/http_server.hpp"

#include "pactum/runtime/log.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pactum::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct http_server::impl {
  // Declared so that destroying `io` (which destroys the sessions it still
  // holds) happens while `connections` and `serve` are alive.
  http_server_config config;
  handler serve;
  std::atomic<std::size_t> connections{0};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  // Accept errors (e.g. EMFILE) back off instead of spinning.
  asio::steady_timer accept_retry{io};
  std::chrono::milliseconds accept_backoff{0};
  std::vector<std::thread> threads;

  void accept();
  void on_accept_error(const beast::error_code& ec);
};

namespace {

// Beyond the connection cap, the answer is written at once, unread.
constexpr std::chrono::seconds overload_write_timeout{1};
constexpr std::chrono::milliseconds min_accept_backoff{10};
constexpr std::chrono::milliseconds max_accept_backoff{500};

// A problem answer for a request the parser refused.
http_response refused(const beast::error_code& ec) {
  if (ec == http::error::body_limit)
    return problem(413, "request-too-large", "Content Too Large", "the request body exceeds the limit");
  if (ec == http::error::header_limit)
    return problem(431, "headers-too-large", "Request Header Fields Too Large", "the request headers exceed the limit");
  return problem(400, "bad-request", "Bad Request", "the request is not valid HTTP/1.1: " + ec.message());
}

// RFC 9112 framing and the headers the API's answer depends on: a request that
// could be read differently by a proxy in front is refused, and the connection
// closed (section 6.3: a request with Transfer-Encoding on a server that does
// not take bodies).
template <class Request>
std::optional<http_response> refuse_framing(const Request& req) {
  if (req.count(http::field::transfer_encoding) > 0)
    return problem(400, "bad-request", "Bad Request", "Transfer-Encoding is not accepted on a request");
  if (req.count(http::field::authorization) > 1)
    return problem(400, "bad-request", "Bad Request", "more than one Authorization header");
  if (req.version() >= 11 && req.count(http::field::host) != 1)
    return problem(400, "bad-request", "Bad Request", "an HTTP/1.1 request needs exactly one Host header");
  return std::nullopt;
}

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, http_server::impl& server, bool over_capacity)
      : stream_(std::move(socket)), server_(server), over_capacity_(over_capacity) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() { --server_.connections; }

  void run() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::start, shared_from_this()));
  }

private:
  void start() {
    if (!over_capacity_) return read();
    // Nothing is read: the socket is given back as soon as the answer is out.
    respond(problem(503, "overloaded", "Service Unavailable", "too many open connections; retry later"), false, 11,
            false, overload_write_timeout);
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.config.max_header_bytes));
    parser_->body_limit(server_.config.max_body_bytes);
    stream_.expires_after(server_.config.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof)
      return close();
    if (ec) return respond(refused(ec), false, 11, false, server_.config.write_timeout);
    const auto& req = parser_->get();
    const bool head = req.method() == http::verb::head;
    if (auto bad = refuse_framing(req)) return respond(std::move(*bad), false, req.version(), head, server_.config.write_timeout);
    http_response answer;
    try {
      answer = server_.serve({req.method_string(), req.target(), req[http::field::authorization]});
    } catch (const std::exception& e) {
      log_line(log_level::error, "http_handler_failed", {{"error", e.what()}});
      answer = problem(500, "internal", "Internal Server Error", "the request could not be answered");
    }
    respond(std::move(answer), req.keep_alive(), req.version(), head, server_.config.write_timeout);
  }

  void respond(http_response answer, bool keep_alive, unsigned version, bool head, std::chrono::milliseconds timeout) {
    response_ = {};
    response_.version(version);
    response_.result(answer.status);
    response_.set(http::field::server, "pactumd");
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    for (const auto& [k, v] : answer.headers) response_.set(k, v);
    response_.keep_alive(keep_alive);
    // HEAD: the headers a GET would have (its Content-Length), no body (RFC 9110 9.3.2).
    response_.content_length(answer.body.size());
    if (!head) response_.body() = std::move(answer.body);
    stream_.expires_after(timeout);
    http::async_write(stream_, response_, beast::bind_front_handler(&session::on_write, shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!keep_alive) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  http_server::impl& server_;
  bool over_capacity_;
};

} // namespace

void http_server::impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) return on_accept_error(ec);
    accept_backoff = std::chrono::milliseconds{0};
    const bool over = connections.fetch_add(1) >= config.max_connections;
    std::make_shared<session>(std::move(socket), *this, over)->run();
    accept();
  });
}

void http_server::impl::on_accept_error(const beast::error_code& ec) {
  const bool first = accept_backoff.count() == 0;
  accept_backoff = std::clamp(accept_backoff * 2, min_accept_backoff, max_accept_backoff);
  if (first)
    log_line(log_level::warn, "http_accept_failed",
             {{"port", std::to_string(acceptor.local_endpoint().port())}, {"error", ec.message()},
              {"detail", "retrying with a backoff of up to 500 ms"}});
  accept_retry.expires_after(accept_backoff);
  accept_retry.async_wait([this](const beast::error_code& wait_error) {
    if (!wait_error) accept();
  });
}

http_server::http_server(const http_server_config& config, handler serve) : impl_(std::make_unique<impl>()) {
  impl_->config = config;
  impl_->serve = std::move(serve);
  const std::string where = config.address + ":" + std::to_string(config.port) + " (" + config.port_flag + ")";
  beast::error_code ec;
  const auto address = asio::ip::make_address(config.address, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": \"" + config.address + "\" is not an IP address");
  const tcp::endpoint endpoint(address, config.port);
  auto& acceptor = impl_->acceptor;
  if (!acceptor.open(endpoint.protocol(), ec))
    if (!acceptor.set_option(asio::socket_base::reuse_address(true), ec))
      if (!acceptor.bind(endpoint, ec)) (void)acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  impl_->accept();
  for (int i = 0; i < std::max(1, config.threads); ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

http_server::~http_server() {
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
}

unsigned short http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

} // namespace pactum::runtime
