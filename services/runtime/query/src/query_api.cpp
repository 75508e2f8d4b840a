#include "pactum/runtime/query_api.hpp"

#include "pactum/runtime/console.hpp"
#include "pactum/runtime/evidence.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <variant>

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

query_api::query_api(const view_store& views, const record_store* records,
                     std::function<std::shared_ptr<const token_table>()> tokens, const service_health& health,
                     service_metrics& metrics)
    : views_(views), records_(records), tokens_(std::move(tokens)), health_(health), metrics_(metrics) {}

namespace {

// GET and HEAD (the same answer without its body, which the transport drops).
std::optional<http_response> refuse_method(std::string_view method, std::string_view path) {
  if (method == "GET" || method == "HEAD") return std::nullopt;
  auto r = problem(405, "method-not-allowed", "Method Not Allowed", "only GET and HEAD are served", path);
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

// The query's parameters, each at most once and each one of `allowed`; a
// problem (400) otherwise.
std::variant<std::map<std::string, std::string>, http_response> parse_query(std::string_view query,
                                                                          std::initializer_list<std::string_view> allowed,
                                                                          std::string_view path) {
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
    if (std::find(allowed.begin(), allowed.end(), *key) == allowed.end()) {
      std::string expected;
      for (const auto a : allowed) expected.append(expected.empty() ? "" : ", ").append(a);
      // (problem() replaces invalid UTF-8 when it writes the body)
      return invalid_parameter("unknown query parameter `" + *key + "` (expected " + expected + ")", path);
    }
    if (!params.emplace(*key, *value).second) return invalid_parameter("query parameter `" + *key + "` is repeated", path);
  }
  return params;
}

// `limit` when given: an integer from 1 to max_page_size.
std::variant<std::size_t, http_response> page_limit(const std::map<std::string, std::string>& params, std::string_view path) {
  const auto it = params.find("limit");
  if (it == params.end()) return default_page_size;
  std::size_t limit = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), limit);
  if (ec != std::errc{} || end != s.data() + s.size() || limit < 1 || limit > max_page_size)
    return invalid_parameter("`limit` must be an integer from 1 to " + std::to_string(max_page_size), path);
  return limit;
}

// "<partition>:<offset>", both non-negative decimals.
std::optional<std::pair<std::int32_t, std::int64_t>> read_position(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  const char* begin = text.data();
  const auto [p_end, p_ec] = std::from_chars(begin, begin + colon, partition);
  const auto [o_end, o_ec] = std::from_chars(begin + colon + 1, begin + text.size(), offset);
  if (p_ec != std::errc{} || p_end != begin + colon || o_ec != std::errc{} || o_end != begin + text.size() || partition < 0 ||
      offset < 0)
    return std::nullopt;
  return std::pair(partition, offset);
}

// `as_of` when given: an RFC 3339 instant.
std::variant<std::optional<events::timestamp>, http_response> as_of_param(const std::map<std::string, std::string>& params,
                                                                          std::string_view path) {
  const auto it = params.find("as_of");
  if (it == params.end()) return std::optional<events::timestamp>{};
  const auto at = events::parse_timestamp(it->second);
  if (!at) return invalid_parameter("`as_of` must be an RFC 3339 instant (e.g. 2026-03-31T23:59:59.999Z)", path);
  return at;
}

http_response not_implemented(std::string_view path) {
  return problem(501, "evidence-disabled", "Not Implemented",
                 "this instance keeps no records (pactumd --no-evidence): no timeline, no as_of and no explanations", path);
}

// A part of a view by its member name, as the part resources serve it.
std::string part_of(const std::string& view_text, std::string_view member) {
  const auto doc = nlohmann::ordered_json::parse(view_text);
  return json_text(doc.at(std::string(member)));
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

  const bool console = path == "/ui" || path.starts_with("/ui/");
  if (!console && path != contracts_path && !path.starts_with("/v1/contracts/")) return not_found(path);
  if (auto refused = refuse_method(request.method, path)) return std::move(*refused);
  if (console) return console_response(path); // public files: the page asks for the token

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
  const bool is_timeline = part == "timeline";
  if (!part.empty() && !is_timeline && part != "explain" &&
      std::none_of(part_resources.begin(), part_resources.end(), [&](const auto& p) { return p.first == part; }))
    return not_found(path);
  auto parsed = is_timeline ? parse_query(query, {"limit", "cursor"}, path) : parse_query(query, {"as_of"}, path);
  if (auto* refused = std::get_if<http_response>(&parsed)) return std::move(*refused);
  const auto& params = std::get<std::map<std::string, std::string>>(parsed);
  if (is_timeline) return timeline(*who, *id, params, path);
  if (part == "explain") return explain(*who, *id, params, path);
  return contract(*who, *id, part, params, path);
}

http_response query_api::contract(const role& who, const std::string& id, std::string_view part, const query_params& query,
                                  std::string_view path) const {
  const auto view = views_.find(id);
  // Another party's contract is indistinguishable from a missing one.
  if (!view || !who.may_see(view->header.client_id, view->header.vendor_id)) return not_found(path);
  std::string text = view->text;
  std::int64_t version = view->header.version;
  auto as_of = as_of_param(query, path);
  if (auto* refused = std::get_if<http_response>(&as_of)) return std::move(*refused);
  if (const auto& at = std::get<std::optional<events::timestamp>>(as_of)) {
    if (records_ == nullptr) return not_implemented(path);
    auto then = view_as_of(id, records_->of(id), *at);
    if (!then) return not_found(path); // it did not exist yet
    text = std::move(*then);
    version = nlohmann::json::parse(text).at("version").get<std::int64_t>();
  }
  if (part.empty()) return json_response(std::move(text), version);
  for (const auto& [suffix, member] : part_resources)
    if (suffix == part) return json_response(part_of(text, member), version);
  return not_found(path);
}

http_response query_api::explain(const role& who, const std::string& id, const query_params& query, std::string_view path) const {
  const auto view = views_.find(id);
  if (!view || !who.may_see(view->header.client_id, view->header.vendor_id)) return not_found(path);
  auto as_of = as_of_param(query, path);
  if (auto* refused = std::get_if<http_response>(&as_of)) return std::move(*refused);
  if (records_ == nullptr) return not_implemented(path);
  auto body = explain_as_of(id, records_->of(id), std::get<std::optional<events::timestamp>>(as_of));
  if (!body) return not_found(path); // it did not exist yet
  return json_response(std::move(*body));
}

http_response query_api::timeline(const role& who, const std::string& id, const query_params& query, std::string_view path) const {
  const auto view = views_.find(id);
  if (!view || !who.may_see(view->header.client_id, view->header.vendor_id)) return not_found(path);
  auto limit = page_limit(query, path);
  if (auto* refused = std::get_if<http_response>(&limit)) return std::move(*refused);
  // The cursor names the last record returned by its position: later records
  // only ever come after it.
  std::optional<std::pair<std::int32_t, std::int64_t>> after;
  if (const auto cursor = query.find("cursor"); cursor != query.end()) {
    after = read_position(base64url_decode(cursor->second).value_or(""));
    if (!after) return invalid_parameter("`cursor` is not a cursor this API returned", path);
  }
  if (records_ == nullptr) return not_implemented(path);
  const auto entries = timeline_of(id, records_->of(id));
  std::size_t first = 0;
  if (after)
    while (first < entries.size() && std::pair(entries[first].partition, entries[first].offset) <= *after) ++first;
  const std::size_t count = std::get<std::size_t>(limit);
  std::optional<std::string> next;
  if (first + count < entries.size()) {
    const auto& last = entries[first + count - 1];
    next = base64url_encode(std::to_string(last.partition) + ":" + std::to_string(last.offset));
  }
  return json_response(render_timeline(id, entries, first, count, next));
}

http_response query_api::contracts(const role& who, std::string_view query) const {
  const std::string path(contracts_path);
  view_filter filter;
  auto parsed = parse_query(query, {"state", "party", "limit", "cursor"}, path);
  if (auto* refused = std::get_if<http_response>(&parsed)) return std::move(*refused);
  const auto& params = std::get<std::map<std::string, std::string>>(parsed);
  if (const auto it = params.find("state"); it != params.end()) {
    if (std::find(contract_states.begin(), contract_states.end(), it->second) == contract_states.end())
      return invalid_parameter("`state` must be one of draft, signed, in_breach, terminated", path);
    filter.state = it->second;
  }
  auto limit = page_limit(params, path);
  if (auto* refused = std::get_if<http_response>(&limit)) return std::move(*refused);
  filter.limit = std::get<std::size_t>(limit);
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
