#include "pactum/runtime/query_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace pactum::runtime {
namespace {

constexpr std::string_view contracts_path = "/v1/contracts";

// The parts of a view that have their own resource, by path suffix.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> part_resources{{
    {"termination-conditions", "termination"},
    {"breach-liability", "liability"},
    {"settlement", "settlement"},
}};

std::string json_text(const nlohmann::ordered_json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http_response json_response(std::string body, std::int64_t version = -1) {
  http_response r;
  r.body = std::move(body);
  if (version >= 0) r.headers.emplace_back("Pactum-Contract-Version", std::to_string(version));
  return r;
}

http_response not_found(std::string_view path) {
  return problem(404, "not-found", "Not Found", "no contract or resource at this path", path);
}

http_response invalid_parameter(std::string_view detail, std::string_view path) {
  return problem(400, "invalid-parameter", "Invalid Parameter", detail, path);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

http_response problem(unsigned status, std::string_view slug, std::string_view title, std::string_view detail,
                      std::string_view instance) {
  nlohmann::ordered_json body{{"type", "urn:pactum:problem:" + std::string(slug)},
                              {"title", title},
                              {"status", status},
                              {"detail", detail}};
  if (!instance.empty()) body["instance"] = instance;
  http_response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = json_text(body);
  return r;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(b64[(acc >> bits) & 63U]);
    }
  }
  if (bits > 0) out.push_back(b64[(acc << (6 - bits)) & 63U]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const auto at = b64.find(c);
    if (at == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFU));
    }
  }
  if (bits >= 6 || (acc & ((1U << bits) - 1U)) != 0) return std::nullopt; // not what encode writes
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

query_api::query_api(const view_store& views, std::function<std::shared_ptr<const token_table>()> tokens,
                     const service_health& health, service_metrics& metrics)
    : views_(views), tokens_(std::move(tokens)), health_(health), metrics_(metrics) {}

namespace {

// GET and HEAD (the same answer without its body, which the transport drops).
std::optional<http_response> refuse_method(std::string_view method, std::string_view path) {
  if (method == "GET" || method == "HEAD") return std::nullopt;
  auto r = problem(405, "method-not-allowed", "Method Not Allowed", "only GET and HEAD are served", path);
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

} // namespace

http_response query_api::handle(const http_request& request) const {
  http_response response = route(request);
  metrics_.record_http_request(response.status);
  return response;
}

http_response query_api::handle_admin(const http_request& request) const {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  http_response response = [&] {
    if (path != "/healthz" && path != "/readyz" && path != "/metrics") return not_found(path);
    if (auto refused = refuse_method(request.method, path)) return std::move(*refused);
    if (path == "/healthz") return health(false);
    if (path == "/readyz") return health(true);
    http_response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.render(views_.count_by_state(), health_.views_behind.load());
    return r;
  }();
  metrics_.record_http_request(response.status);
  return response;
}

http_response query_api::route(const http_request& request) const {
  const std::string_view target = request.target;
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);

  if (path != contracts_path && !path.starts_with("/v1/contracts/")) return not_found(path);
  if (auto refused = refuse_method(request.method, path)) return std::move(*refused);

  const auto table = tokens_();
  const std::optional<role> who = table ? table->authenticate(request.authorization) : std::nullopt;
  if (!who) {
    auto r = problem(401, "unauthorized", "Unauthorized", "a valid bearer token is required", path);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"pactum\"");
    return r;
  }

  if (path == contracts_path) return contracts(*who, query);
  // /v1/contracts/{id}[/{part}]: the id is one percent-encoded segment.
  std::string_view rest = path.substr(contracts_path.size() + 1);
  std::string_view part;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    part = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  const auto id = percent_decode(rest, false);
  if (!id || id->empty()) return not_found(path);
  if (!part.empty() &&
      std::none_of(part_resources.begin(), part_resources.end(), [&](const auto& p) { return p.first == part; }))
    return not_found(path);
  auto r = contract(*who, *id, part);
  if (r.status == 404) return not_found(path);
  return r;
}

http_response query_api::contract(const role& who, std::string_view id, std::string_view part) const {
  const auto view = views_.find(std::string(id));
  // Another party's contract is indistinguishable from a missing one.
  if (!view || !who.may_see(view->header.client_id, view->header.vendor_id)) return not_found({});
  if (part.empty()) return json_response(view->text, view->header.version);
  for (const auto& [suffix, member] : part_resources) {
    if (suffix != part) continue;
    const auto doc = nlohmann::ordered_json::parse(view->text);
    return json_response(json_text(doc.at(std::string(member))), view->header.version);
  }
  return not_found({});
}

http_response query_api::contracts(const role& who, std::string_view query) const {
  const std::string path(contracts_path);
  view_filter filter;
  filter.limit = default_page_size;
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq), true);
    const auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return invalid_parameter("the query is not valid percent-encoding", path);
    if (*key != "state" && *key != "party" && *key != "limit" && *key != "cursor")
      // (problem() replaces invalid UTF-8 when it writes the body)
      return invalid_parameter("unknown query parameter `" + *key + "` (expected state, party, limit, cursor)", path);
    if (!params.emplace(*key, *value).second) return invalid_parameter("query parameter `" + *key + "` is repeated", path);
  }
  if (const auto it = params.find("state"); it != params.end()) {
    if (std::find(contract_states.begin(), contract_states.end(), it->second) == contract_states.end())
      return invalid_parameter("`state` must be one of draft, signed, in_breach, terminated", path);
    filter.state = it->second;
  }
  if (const auto it = params.find("limit"); it != params.end()) {
    std::size_t limit = 0;
    const auto& s = it->second;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), limit);
    if (ec != std::errc{} || end != s.data() + s.size() || limit < 1 || limit > max_page_size)
      return invalid_parameter("`limit` must be an integer from 1 to " + std::to_string(max_page_size), path);
    filter.limit = limit;
  }
  if (const auto it = params.find("cursor"); it != params.end()) {
    filter.after = base64url_decode(it->second);
    if (!filter.after || filter.after->empty())
      return invalid_parameter("`cursor` is not a cursor this API returned", path);
  }
  if (const auto it = params.find("party"); it != params.end()) {
    if (it->second.empty()) return invalid_parameter("`party` must not be empty", path);
    filter.parties.push_back(it->second);
  }
  if (!who.admin) filter.parties.push_back(who.party); // only its own contracts, whatever else is asked

  const view_page page = views_.list(filter);
  std::string body = "{\"contracts\":[";
  for (std::size_t i = 0; i < page.views.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += page.views[i]->text;
  }
  body += "],\"next_cursor\":";
  body += page.next_after ? json_text(base64url_encode(*page.next_after)) : "null";
  body += '}';
  return json_response(std::move(body));
}

http_response query_api::health(bool readiness) const {
  nlohmann::ordered_json body;
  bool ok = false;
  if (readiness) {
    ok = health_.ready();
    body = {{"status", ok ? "ready" : "not_ready"},
            {"checks",
             {{"started", health_.started.load()},
              {"partitions_recovered", health_.assigned_once.load() && health_.recovering.load() == 0},
              {"broker_reachable", health_.broker_reachable.load()},
              {"views_loaded", health_.views_loaded.load()},
              {"demo_consumed", health_.demo_consumed.load()}}}};
  } else {
    ok = health_.live();
    body = {{"status", ok ? "ok" : "stalled"}};
  }
  http_response r = json_response(json_text(body));
  r.status = ok ? 200 : 503;
  return r;
}

} // namespace pactum::runtime
