// The HTTP transport on loopback (port 0): bounded connections, limits and
// timeouts, independent of the API behind it.
#include "pactum/runtime/http_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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

  // The status line and headers of one response, without reading a body (HEAD).
  std::string head() const {
    std::string text;
    char c = 0;
    while (text.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) text += c;
    return text;
  }

  // True when the server has closed the connection (and sent nothing more).
  bool closed_by_server() const {
    char c = 0;
    return ::recv(fd_, &c, 1, 0) == 0;
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

TEST(HttpServer, BeyondTheBoundTheAnswerComesAtOnceUnreadAndTheSocketIsClosed) {
  auto config = small_server();
  config.read_timeout = std::chrono::milliseconds(30'000); // a slot is not given back by a timeout
  http_server server(config, hello);
  client first(server.port());
  first.send(get);
  ASSERT_NE(first.response().find("200 OK"), std::string::npos);
  client second(server.port()); // sends nothing
  const auto refused = second.response();
  EXPECT_NE(refused.find("503"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  EXPECT_TRUE(second.closed_by_server());
}

TEST(HttpServer, HeadIsAnsweredWithoutABodyAndTheConnectionStaysUsable) {
  auto config = small_server();
  config.max_connections = 4;
  http_server server(config, hello);
  client c(server.port());
  c.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n" + get);
  const auto head = c.head();
  EXPECT_NE(head.find("200 OK"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 15"), std::string::npos) << head; // what a GET would carry
  const auto next = c.response(); // read as its own response, not as HEAD's body
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK", 0), 0U) << next;
  EXPECT_NE(next.find(R"({"target":"/x"})"), std::string::npos) << next;
}

TEST(HttpServer, HeadOfAnErrorHasNoBodyEither) {
  auto config = small_server();
  config.max_connections = 4;
  http_server server(config, [](const http_request&) {
    auto r = problem(405, "method-not-allowed", "Method Not Allowed", "only GET and HEAD are served");
    return r;
  });
  client c(server.port());
  c.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\nHEAD /y HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto first = c.head();
  const auto second = c.head();
  EXPECT_EQ(first.rfind("HTTP/1.1 405", 0), 0U) << first;
  EXPECT_EQ(second.rfind("HTTP/1.1 405", 0), 0U) << second;
}

TEST(HttpServer, TransferEncodingOnARequestIs400AndCloses) {
  auto config = small_server();
  config.max_connections = 8;
  std::atomic<int> served{0};
  http_server server(config, [&served](const http_request& r) {
    ++served;
    return hello(r);
  });
  for (const std::string& te : {std::string("gzip"), std::string("chunked, identity"), std::string("chunked")}) {
    client c(server.port());
    c.send("GET /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + te + "\r\n\r\n" + "0\r\n\r\n" +
           "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto r = c.response();
    EXPECT_NE(r.find("400 Bad Request"), std::string::npos) << te << ": " << r;
    EXPECT_NE(r.find("Transfer-Encoding"), std::string::npos) << r;
    EXPECT_EQ(r.find("smuggled"), std::string::npos) << r;
    EXPECT_TRUE(c.closed_by_server()) << te;
  }
  EXPECT_EQ(served.load(), 0);
}

TEST(HttpServer, TwoAuthorizationHeadersOrNoHostAre400) {
  auto config = small_server();
  config.max_connections = 8;
  http_server server(config, hello);
  {
    client c(server.port());
    c.send("GET /x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n");
    EXPECT_NE(c.response().find("400 Bad Request"), std::string::npos);
  }
  {
    client c(server.port());
    c.send("GET /x HTTP/1.1\r\n\r\n");
    const auto r = c.response();
    EXPECT_NE(r.find("400 Bad Request"), std::string::npos) << r;
    EXPECT_NE(r.find("Host"), std::string::npos) << r;
  }
  {
    client c(server.port()); // HTTP/1.0 has no Host requirement
    c.send("GET /x HTTP/1.0\r\n\r\n");
    EXPECT_NE(c.response().find("200 OK"), std::string::npos);
  }
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

TEST(HttpServer, AcceptFailuresBackOffInsteadOfSpinningAndServingResumes) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' runtime opens files for its own checks (UBSan's vptr check
  // reads the process's maps), so with every descriptor taken it reports false
  // errors. The release tier runs this test.
  GTEST_SKIP() << "exhausts file descriptors, which the sanitizer runtime needs";
#endif
  auto config = small_server();
  config.max_connections = 8;
  http_server server(config, hello);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 128;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  {
    client waiting(server.port()); // in the listen backlog: accept(2) needs a descriptor for it
    std::vector<int> filler;
    for (int fd = ::dup(0); fd >= 0; fd = ::dup(0)) filler.push_back(fd);
    waiting.send(get);
    // With no descriptor left, accept fails (EMFILE) at every try: a spinning
    // loop burns a core; a backoff of up to 500 ms burns next to nothing.
    const double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double spent = cpu_seconds() - before;
    for (const int fd : filler) ::close(fd);
    EXPECT_LT(spent, 0.3) << "CPU seconds spent while accept failed for 1 s";
    EXPECT_NE(waiting.response().find(R"({"target":"/x"})"), std::string::npos); // accepted once it can be
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST(HttpServer, ABusyPortIsAnErrorThatNamesTheAddressAndTheFlag) {
  http_server first(small_server(), hello);
  auto config = small_server();
  config.port = first.port();
  config.port_flag = "--admin-port";
  try {
    http_server second(config, hello);
    ADD_FAILURE() << "bound a busy port";
  } catch (const std::runtime_error& e) {
    const std::string expected = "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + " (--admin-port): ";
    EXPECT_EQ(std::string(e.what()).rfind(expected, 0), 0U) << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  config.address = "not-an-address";
  EXPECT_THROW(http_server(config, hello), std::runtime_error);
}

} // namespace
} // namespace pactum::runtime
