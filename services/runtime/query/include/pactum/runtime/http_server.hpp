// HTTP/1.1 transport for the query API (Boost.Beast): bounded connections,
// request size limits and timeouts, the message-framing rules of RFC 9112
// (no Transfer-Encoding on a request, one Authorization, Host required), HEAD
// answered without a body; every other answer comes from the handler.
#pragma once

#include "pactum/runtime/query_api.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace pactum::runtime {

struct http_server_config {
  std::string address = "0.0.0.0";
  unsigned short port = 8080; // 0: any free port (see http_server::port())
  std::string port_flag = "--http-port"; // named in start-up errors
  int threads = 2;
  std::size_t max_connections = 256; // beyond: 503 at once, unread, and close
  std::size_t max_header_bytes = 8192; // beyond: 431
  std::size_t max_body_bytes = 1024;       // GET only: beyond: 413
  std::chrono::milliseconds read_timeout{10'000};  // per request, including a kept-alive connection's idle time
  std::chrono::milliseconds write_timeout{10'000};
};

class http_server {
public:
  using handler = std::function<http_response(const http_request&)>;

  // Binds and starts serving on its own threads; throws std::runtime_error
  // naming the address, port and flag when it cannot listen.
  http_server(const http_server_config& config, handler serve);
  ~http_server(); // stops and joins
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  [[nodiscard]] unsigned short port() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace pactum::runtime
