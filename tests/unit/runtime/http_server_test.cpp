// The HTTP transport on loopback (port 0): bounded connections, limits and
// timeouts, independent of the API behind it.
#include "pactum/runtime/http_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace pactum::runtime {
namespace {

class client {
public:
  explicit client(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  ~client() { ::close(fd_); }

  void send(const std::string& bytes) const { EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size())); }

  // One response: headers, then Content-Length bytes of body; empty when the
  // server closed the connection.
  std::string response() const {
    std::string text;
    char buf[4096];
    for (;;) {
      const auto head_end = text.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto cl = text.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(text.substr(cl + 16));
        if (text.size() >= head_end + 4 + length) return text;
      }
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return text;
      text.append(buf, static_cast<std::size_t>(n));
    }
  }

private:
  int fd_;
};

const std::string get = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

http_server_config small_server() {
  http_server_config c;
  c.address = "127.0.0.1";
  c.port = 0;
  c.threads = 1;
  c.max_connections = 1;
  c.read_timeout = std::chrono::milliseconds(300);
  return c;
}

http_response hello(const http_request& r) {
  http_response out;
  out.body = std::string("{\"target\":\"") + std::string(r.target) + "\"}";
  return out;
}

TEST(HttpServer, ConnectionsBeyondTheBoundAreAnswered503) {
  http_server server(small_server(), hello);
  client first(server.port());
  first.send(get);
  EXPECT_NE(first.response().find("200 OK"), std::string::npos); // kept alive: it holds the one slot
  client second(server.port());
  second.send(get);
  const auto refused = second.response();
  EXPECT_NE(refused.find("503"), std::string::npos) << refused;
  EXPECT_NE(refused.find("urn:pactum:problem:overloaded"), std::string::npos);
}

TEST(HttpServer, AnIdleConnectionIsClosedAfterTheReadTimeout) {
  http_server server(small_server(), hello);
  client idle(server.port());
  EXPECT_EQ(idle.response(), ""); // closed by the server, not by our 5 s receive timeout
}

TEST(HttpServer, LimitsAndMalformedRequestsGetProblems) {
  auto config = small_server();
  config.max_connections = 8;
  http_server server(config, hello);
  {
    client c(server.port());
    c.send("GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'));
    EXPECT_NE(c.response().find("413"), std::string::npos);
  }
  {
    client c(server.port());
    c.send("GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_NE(c.response().find("431"), std::string::npos);
  }
  {
    client c(server.port());
    c.send("NOT HTTP\r\n\r\n");
    const auto r = c.response();
    EXPECT_NE(r.find("400"), std::string::npos);
    EXPECT_NE(r.find("application/problem+json"), std::string::npos);
  }
  {
    client c(server.port());
    c.send(get);
    EXPECT_NE(c.response().find(R"({"target":"/x"})"), std::string::npos);
  }
}

} // namespace
} // namespace pactum::runtime
