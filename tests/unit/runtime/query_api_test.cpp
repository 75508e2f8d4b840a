// The query API's answers, without sockets: views of a generated stream, every
// route, every authentication case, pages and problem bodies.
#include "pactum/runtime/query_api.hpp"

#include "pactum/events/decode.hpp"
#include "pactum/generator/generator.hpp"
#include "pactum/statemachine/contract_book.hpp"
#include "pactum/statemachine/view.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pactum::runtime {
namespace {

using nlohmann::json;

const std::string admin = "admin-token-0123456789";
const std::string party = "party-token-0123456789";

struct api_fixture : ::testing::Test {
  view_store store;
  service_health health;
  service_metrics metrics;
  std::shared_ptr<const token_table> tokens;
  std::unique_ptr<query_api> api;
  json expected = json::object(); // contract id -> view
  std::string party_id;

  void SetUp() override {
    statemachine::contract_book book;
    pactum::generator::options opts;
    opts.seed = 3;
    opts.contracts = 40;
    opts.bad_per_mille = 0;
    pactum::generator::generate(opts, [&](std::string_view line) {
      auto e = events::decode_structured(line);
      if (e) (void)book.handle(e.value());
    });
    for (const auto* c : book.sorted()) {
      const std::string text = statemachine::render_view(c->state());
      store.put(c->state().contract_id, text);
      expected[c->state().contract_id] = json::parse(text);
    }
    party_id = expected.begin().value()["client"]["id"];
    tokens = std::make_shared<const token_table>(parse_tokens(admin + " admin\n" + party + " party:" + party_id + "\n").entries);
    api = std::make_unique<query_api>(store, nullptr, [this] { return tokens; }, health, metrics);
  }

  http_response get(const std::string& target, const std::string& token = admin) const {
    const std::string authorization = token.empty() ? std::string() : "Bearer " + token;
    return api->handle({"GET", target, authorization});
  }

  static std::string problem_type(const http_response& r) {
    EXPECT_EQ(r.content_type, "application/problem+json");
    const auto body = json::parse(r.body);
    EXPECT_EQ(body["status"], r.status);
    return body["type"];
  }

  bool visible_to_party(const json& v) const { return v["client"]["id"] == party_id || v["vendor"]["id"] == party_id; }
};

TEST_F(api_fixture, AContractAndEachPartIsExactlyTheView) {
  for (const auto& [id, view] : expected.items()) {
    const auto r = get("/v1/contracts/" + id);
    ASSERT_EQ(r.status, 200U) << id;
    EXPECT_EQ(json::parse(r.body), view);
    EXPECT_EQ(r.body, store.find(id)->text); // the projection's bytes
    EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/termination-conditions").body), view["termination"]);
    EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/breach-liability").body), view["liability"]);
    EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/settlement").body), view["settlement"]);
  }
}

TEST_F(api_fixture, IdsArePercentDecodedSegments) {
  store.put("C/1 x", R"({"contract_id":"C/1 x","state":"draft","version":1,"client":{"id":"a","name":""},"vendor":{"id":"b","name":""}})");
  EXPECT_EQ(get("/v1/contracts/C%2F1%20x").status, 200U);
  EXPECT_EQ(problem_type(get("/v1/contracts/C%2")), "urn:pactum:problem:not-found");
}

TEST_F(api_fixture, MissingOrWrongTokensAre401WithAChallenge) {
  for (const std::string& token : std::vector<std::string>{std::string(), std::string("not-a-token-0123456789")}) {
    for (const std::string& target : std::vector<std::string>{"/v1/contracts", "/v1/contracts/C-100000", "/v1/contracts/NOPE/settlement"}) {
      const auto r = get(target, token);
      EXPECT_EQ(r.status, 401U);
      EXPECT_EQ(problem_type(r), "urn:pactum:problem:unauthorized");
      ASSERT_EQ(r.headers.size(), 1U);
      EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
    }
  }
}

TEST_F(api_fixture, APartySeesOnlyItsContractsAndOthersLookMissing) {
  std::size_t own = 0;
  for (const auto& [id, view] : expected.items()) {
    const auto r = get("/v1/contracts/" + id + "/settlement", party);
    if (visible_to_party(view)) {
      ++own;
      EXPECT_EQ(r.status, 200U);
    } else {
      const auto missing = get("/v1/contracts/NO-SUCH/settlement", party);
      EXPECT_EQ(r.status, 404U);
      auto a = json::parse(r.body);
      auto b = json::parse(missing.body);
      a.erase("instance");
      b.erase("instance");
      EXPECT_EQ(a, b) << "another party's contract must not be told apart from a missing one";
    }
  }
  ASSERT_GT(own, 0U);
  const auto list = json::parse(get("/v1/contracts?limit=500", party).body);
  EXPECT_EQ(list["contracts"].size(), own);
  for (const auto& v : list["contracts"]) EXPECT_TRUE(visible_to_party(v));
}

TEST_F(api_fixture, PagesWalkEveryContractOnceInOrder) {
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto r = get("/v1/contracts?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200U);
    const auto page = json::parse(r.body);
    EXPECT_LE(page["contracts"].size(), 7U);
    for (const auto& v : page["contracts"]) seen.push_back(v["contract_id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty());
  std::vector<std::string> all;
  for (const auto& [id, v] : expected.items()) all.push_back(id);
  EXPECT_EQ(seen, all); // nlohmann's object is ordered by key: byte order
  EXPECT_EQ(pages, static_cast<int>((all.size() + 6) / 7));
  const auto by_state = json::parse(get("/v1/contracts?state=terminated&limit=500").body);
  for (const auto& v : by_state["contracts"]) EXPECT_EQ(v["state"], "terminated");
}

TEST_F(api_fixture, BadParametersAreProblemsWithAStableType) {
  for (const std::string& q : std::vector<std::string>{"limit=0", "limit=501", "limit=1x", "limit=-1", "state=open", "cursor=%ZZ", "cursor=***",
                              "cursor=", "colour=red", "state=draft&state=signed", "party="}) {
    const auto r = get("/v1/contracts?" + q);
    EXPECT_EQ(r.status, 400U) << q;
    EXPECT_EQ(problem_type(r), "urn:pactum:problem:invalid-parameter") << q;
  }
  const auto post = api->handle({"POST", "/v1/contracts", "Bearer " + admin});
  EXPECT_EQ(post.status, 405U);
  EXPECT_EQ(problem_type(post), "urn:pactum:problem:method-not-allowed");
  EXPECT_EQ(post.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET, HEAD"}}));
  // HEAD is answered like GET (the transport drops the body).
  const auto head = api->handle({"HEAD", "/v1/contracts/C-100000", "Bearer " + admin});
  EXPECT_EQ(head.status, 200U);
  EXPECT_EQ(head.body, get("/v1/contracts/C-100000").body);
  EXPECT_EQ(problem_type(get("/v1/contracts/C-100000/other")), "urn:pactum:problem:not-found");
  EXPECT_EQ(problem_type(get("/elsewhere")), "urn:pactum:problem:not-found");
}

TEST_F(api_fixture, ProbesAndMetricsAreOnTheAdminListenerOnlyAndNeedNoToken) {
  auto admin_get = [this](const std::string& target) { return api->handle_admin({"GET", target, ""}); };
  EXPECT_EQ(admin_get("/healthz").status, 200U);
  EXPECT_EQ(admin_get("/readyz").status, 503U); // nothing started yet
  health.started = true;
  health.broker_reachable = true;
  health.views_loaded = true;
  EXPECT_EQ(admin_get("/readyz").status, 503U); // before the first assignment is recovered
  EXPECT_EQ(json::parse(admin_get("/readyz").body)["checks"]["partitions_recovered"], false);
  health.assigned_once = true;
  EXPECT_EQ(admin_get("/readyz").status, 200U);
  health.demo_consumed = false;
  EXPECT_EQ(admin_get("/readyz").status, 503U);
  health.demo_consumed = true;
  // Not on the API listener, and no API on the admin one.
  for (const char* probe : {"/healthz", "/readyz", "/metrics"}) EXPECT_EQ(get(probe, "").status, 404U) << probe;
  EXPECT_EQ(admin_get("/v1/contracts").status, 404U);
  EXPECT_EQ(api->handle_admin({"HEAD", "/healthz", ""}).status, 200U);
  const auto post = api->handle_admin({"POST", "/healthz", ""});
  EXPECT_EQ(post.status, 405U);
  health.recovering = 1;
  const auto r = admin_get("/readyz");
  EXPECT_EQ(r.status, 503U);
  EXPECT_EQ(json::parse(r.body)["checks"]["partitions_recovered"], false);
  metrics.record_event(events::event_type::invoice_paid, statemachine::outcome_kind::rejected,
                       events::rejection_code::contract_terminated, 2e-6);
  const auto m = admin_get("/metrics");
  EXPECT_EQ(m.status, 200U);
  EXPECT_NE(m.body.find(R"(pactum_events_total{outcome="rejected",type="pactum.invoice.paid.v1"} 1)"), std::string::npos);
  EXPECT_NE(m.body.find(R"(pactum_rejections_total{reason="contract_terminated"} 1)"), std::string::npos);
  EXPECT_NE(m.body.find("pactum_contracts{state=\"terminated\"}"), std::string::npos);
  EXPECT_NE(m.body.find("pactum_apply_duration_seconds_bucket"), std::string::npos);
}

// The console's files (issue 18): public (the page asks for the token), each
// with its type and a Content-Security-Policy that allows nothing inline and
// nothing from another origin; the API behind them still needs a token.
TEST_F(api_fixture, TheConsoleIsServedWithoutATokenUnderAStrictPolicy) {
  const auto header = [](const http_response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers)
      if (key == name) return value;
    return std::string();
  };
  const std::vector<std::pair<std::string, std::string>> files{{"/ui/", "text/html; charset=utf-8"},
                                                               {"/ui/app.js", "text/javascript; charset=utf-8"},
                                                               {"/ui/app.css", "text/css; charset=utf-8"},
                                                               {"/ui/lifecycle.svg", "image/svg+xml"},
                                                               {"/ui/favicon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : files) {
    const auto r = get(path, "");
    EXPECT_EQ(r.status, 200U) << path;
    EXPECT_EQ(r.content_type, type) << path;
    EXPECT_FALSE(r.body.empty()) << path;
    const auto csp = header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << path;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer") << path;
  }
  const auto page = get("/ui/", "").body;
  EXPECT_NE(page.find("<script src=\"app.js\" defer></script>"), std::string::npos);
  EXPECT_EQ(page.find("<script>"), std::string::npos); // nothing inline
  EXPECT_EQ(page.find("style="), std::string::npos);
  EXPECT_EQ(get("/ui/index.html", "").body, page);
  // The diagram is the one docs/state-machine.svg holds, drawn from the tables.
  EXPECT_NE(get("/ui/lifecycle.svg", "").body.find("<title>in_breach</title>"), std::string::npos);

  const auto redirect = get("/ui", "");
  EXPECT_EQ(redirect.status, 308U);
  EXPECT_EQ(header(redirect, "Location"), "/ui/");
  EXPECT_EQ(problem_type(get("/ui/missing.js", "")), "urn:pactum:problem:not-found");
  EXPECT_EQ(problem_type(get("/ui/../v1/contracts", "")), "urn:pactum:problem:not-found");
  EXPECT_EQ(api->handle({"POST", "/ui/", ""}).status, 405U);
  EXPECT_EQ(api->handle({"HEAD", "/ui/app.js", ""}).status, 200U);
  EXPECT_EQ(get("/v1/contracts", "").status, 401U);
}

TEST(Base64Url, RoundTripsAndRefusesForeignText) {
  for (const std::string& s : std::vector<std::string>{"", "C", "C-1", "C-100000", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  EXPECT_FALSE(base64url_decode("a+b/"));
  EXPECT_FALSE(base64url_decode("Q")); // a dangling sextet
}

} // namespace
} // namespace pactum::runtime

namespace pactum::runtime {
namespace {

TEST(Liveness, AnOutageIsNotAHangButABlockedLoopWithTheBrokerBackIs) {
  service_health stalled(std::chrono::milliseconds(-1)); // the loop never counts as recent
  EXPECT_FALSE(stalled.live());
  stalled.waiting_on_broker = 1; // blocked in a Kafka call ...
  stalled.broker_reachable = false; // ... while the broker is away: alive
  EXPECT_TRUE(stalled.live());
  stalled.broker_reachable = true; // the broker is back and the call still hangs
  EXPECT_FALSE(stalled.live());
  service_health fresh;
  EXPECT_TRUE(fresh.live());
}

} // namespace
} // namespace pactum::runtime
