// The HTTP API's answers, without sockets: a request's method, target and
// Authorization header in, a status, headers and body out. The transport
// (http_server.hpp) only moves bytes; every rule of the API lives here.
#pragma once

#include "pactum/runtime/auth.hpp"
#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/record_store.hpp"
#include "pactum/runtime/view_store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::runtime {

struct http_request {
  std::string_view method;
  std::string_view target; // origin-form: path and query
  std::string_view authorization;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An RFC 9457 problem: `type` is `urn:pactum:problem:<slug>`, stable per error.
[[nodiscard]] http_response problem(unsigned status, std::string_view slug, std::string_view title,
                                    std::string_view detail, std::string_view instance = {});

inline constexpr std::size_t default_page_size = 50;
inline constexpr std::size_t max_page_size = 500;

class query_api {
public:
  // `tokens` gives the current token table (it may change between calls).
  // Without `records` (pactumd --no-evidence) the timeline and as_of answer 501.
  query_api(const view_store& views, const record_store* records,
            std::function<std::shared_ptr<const token_table>()> tokens, const service_health& health,
            service_metrics& metrics);

  // The API listener: /v1, and the console's files under /ui/ (console.hpp).
  [[nodiscard]] http_response handle(const http_request& request) const;
  // The admin listener (probes and metrics, never behind the API's connection
  // cap): /healthz, /readyz, /metrics only.
  [[nodiscard]] http_response handle_admin(const http_request& request) const;

private:
  [[nodiscard]] http_response route(const http_request& request) const;
  using query_params = std::map<std::string, std::string>;
  [[nodiscard]] http_response contract(const role& who, const std::string& id, std::string_view part, const query_params& query,
                                       std::string_view path) const;
  [[nodiscard]] http_response explain(const role& who, const std::string& id, const query_params& query, std::string_view path) const;
  [[nodiscard]] http_response timeline(const role& who, const std::string& id, const query_params& query, std::string_view path) const;
  [[nodiscard]] http_response contracts(const role& who, std::string_view query) const;
  [[nodiscard]] http_response health(bool readiness) const;

  const view_store& views_;
  const record_store* records_;
  std::function<std::shared_ptr<const token_table>()> tokens_;
  const service_health& health_;
  service_metrics& metrics_;
};

// base64url without padding (the list cursor); decode is empty when invalid.
[[nodiscard]] std::string base64url_encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);
// RFC 3986 percent-decoding (`+` is a space in queries); empty when invalid.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

} // namespace pactum::runtime
