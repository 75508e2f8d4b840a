// Spec section 16 through the API: the records store, the timeline and as_of,
// checked against an independent reading of the same log (the whole log
// reduced to the records at or before T and replayed with the clock at T, as
// `pactumctl replay --as-of` does; outcomes from one replay of the whole log).
#include "pactum/runtime/evidence.hpp"
#include "pactum/runtime/query_api.hpp"
#include "pactum/runtime/record_store.hpp"

#include "pactum/events/decode.hpp"
#include "pactum/generator/generator.hpp"
#include "pactum/statemachine/replay.hpp"
#include "pactum/statemachine/view.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace pactum::runtime {
namespace {

using nlohmann::json;

const std::string admin = "admin-token-0123456789";

// The generated log as records of one partition (offset = line number), keyed
// by contract id, in both content modes' shape (structured: no headers).
struct logged {
  std::string key;
  std::string line;
  std::int64_t offset;
};

struct evidence_fixture : ::testing::Test {
  view_store views;
  record_store records;
  service_health health;
  service_metrics metrics;
  std::shared_ptr<const token_table> tokens;
  std::unique_ptr<query_api> api;
  std::vector<logged> log;
  std::map<std::string, std::vector<std::int64_t>> offsets_of; // contract -> its records' offsets
  std::map<std::int64_t, std::string> line_at;                  // offset -> record

  void SetUp() override {
    pactum::generator::options opts;
    opts.seed = 5;
    opts.contracts = 12;
    opts.bad_per_mille = 40; // duplicates, rejections and undecodable records too
    std::int64_t offset = 0;
    pactum::generator::generate(opts, [&](std::string_view line) {
      const auto d = events::decode_structured(line);
      const std::optional<std::string> subject = d ? std::optional(d.value().subject) : d.error().contract_id;
      if (subject && !subject->empty()) {
        log.push_back({*subject, std::string(line), offset});
        offsets_of[*subject].push_back(offset);
        line_at[offset] = std::string(line);
      }
      ++offset;
    });
    std::vector<event_record_view> batch;
    for (const auto& l : log) batch.push_back({0, l.offset, l.key, l.line, {}});
    ASSERT_EQ(records.put_all(batch), log.size());
    // The views as pactumd would have them: the fold of the whole log.
    statemachine::replay_session all;
    for (const auto& l : log) static_cast<void>(all.feed(l.offset, events::decode_structured(l.line, l.key)));
    for (const auto* c : all.book().sorted()) views.put(c->state().contract_id, statemachine::render_view(c->state()));
    tokens = std::make_shared<const token_table>(parse_tokens(admin + " admin\n").entries);
    api = std::make_unique<query_api>(views, &records, [this] { return tokens; }, health, metrics);
  }

  http_response get(const std::string& target) const { return api->handle({"GET", target, "Bearer " + admin}); }

  // What `pactumctl replay --as-of T --contract ID` prints for the contract:
  // the log reduced to T, replayed with the clock at T. Only the contract's
  // own records: a contract's fold reads no other contract's (and the
  // integration tier compares with pactumctl on the whole topic), which keeps
  // this affordable under the sanitizers.
  std::optional<std::string> offline_as_of(const std::string& id, events::timestamp at) const {
    statemachine::replay_session s;
    for (const auto o : offsets_of.at(id)) {
      const auto& line = line_at.at(o);
      const auto time = events::envelope_time({}, line);
      if (time && *time <= at) static_cast<void>(s.feed(o, events::decode_structured(line, id)));
    }
    s.advance_to(at);
    const auto* c = s.book().find(id);
    if (c == nullptr) return std::nullopt;
    return statemachine::render_view(c->state());
  }
};

TEST(RecordStore, KeepsEachContractsRecordsInOrderWithTheirHeaders) {
  record_store store;
  const std::vector<events::record_header> headers{{"ce_id", "e-1"}, {"empty", std::nullopt}, {"blank", ""}};
  const std::vector<event_record_view> batch{{1, 7, "C-10", "ten", {}},     {1, 3, "C-1", "one-b", headers},
                                             {0, 9, "C-1", "one-a", {}},    {1, 8, std::nullopt, "no key", {}},
                                             {2, 0, "C-1\x01", "other", {}}};
  EXPECT_EQ(store.put_all(batch), 4U); // the record without a key has no contract
  const auto one = store.of("C-1");
  ASSERT_EQ(one.size(), 2U); // not C-10's, nor the id that starts like it
  EXPECT_EQ(std::pair(one[0].partition, one[0].offset), std::pair(0, std::int64_t{9}));
  EXPECT_EQ(one[0].value, "one-a");
  EXPECT_EQ(std::pair(one[1].partition, one[1].offset), std::pair(1, std::int64_t{3}));
  EXPECT_EQ(one[1].value, "one-b");
  ASSERT_EQ(one[1].headers.size(), 3U);
  EXPECT_EQ(one[1].headers[0], (std::pair<std::string, std::optional<std::string>>{"ce_id", "e-1"}));
  EXPECT_EQ(one[1].headers[1].second, std::nullopt); // no value, not an empty one
  EXPECT_EQ(one[1].headers[2].second, std::optional<std::string>(""));
  EXPECT_EQ(store.of("C-10").size(), 1U);
  EXPECT_TRUE(store.of("C-").empty());
  EXPECT_TRUE(store.checkpoint_of("events").empty());
  store.checkpoint("events", {{0, 10}, {1, 9}});
  EXPECT_EQ(store.checkpoint_of("events"), (std::map<std::int32_t, std::int64_t>{{0, 10}, {1, 9}}));
  EXPECT_TRUE(store.checkpoint_of("other").empty());
}

TEST_F(evidence_fixture, AsOfEqualsTheOfflineReductionAtEveryInstant) {
  std::size_t compared = 0;
  std::size_t missing = 0;
  std::size_t deadlines = 0;
  for (const auto& [id, offsets] : offsets_of) {
    std::vector<events::timestamp> times;
    for (const auto o : offsets)
      if (const auto t = events::envelope_time({}, line_at.at(o))) times.push_back(*t);
    ASSERT_FALSE(times.empty()) << id;
    std::sort(times.begin(), times.end());
    std::set<std::int64_t> instants{times.front().ms - 1, times.front().ms, times[times.size() / 3].ms,
                                    times[times.size() / 2].ms + 1, times.back().ms, times.back().ms + 400LL * 86'400'000};
    // Deadlines, one millisecond either side and on the dot.
    if (const auto view = views.find(id)) {
      const auto doc = json::parse(view->text);
      auto around = [&](const json& when) {
        if (!when.is_string()) return;
        const auto due = events::parse_timestamp(when.get<std::string>());
        ASSERT_TRUE(due);
        for (const std::int64_t d : {-1, 0, 1}) instants.insert(due->ms + d);
        ++deadlines;
      };
      // The first of each kind: a dozen instants per contract in all.
      for (const auto& b : doc["liability"]["breaches"])
        if (b["cure_deadline"].is_string()) {
          around(b["cure_deadline"]);
          break;
        }
      if (!doc["settlement"]["invoices"].empty()) around(doc["settlement"]["invoices"][0]["due_at"]);
    }
    for (const auto ms : instants) {
      const events::timestamp at{ms};
      const auto expected = offline_as_of(id, at);
      const auto r = get("/v1/contracts/" + id + "?as_of=" + events::format_timestamp(at));
      if (!expected) {
        EXPECT_EQ(r.status, 404U) << id << " as of " << events::format_timestamp(at);
        ++missing;
        continue;
      }
      ASSERT_EQ(r.status, 200U) << id << " as of " << events::format_timestamp(at) << ": " << r.body;
      EXPECT_EQ(r.body, *expected) << id << " as of " << events::format_timestamp(at);
      if (compared++ % 3 != 0) continue; // the parts at every third instant
      const auto doc = json::parse(*expected);
      EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/breach-liability?as_of=" + events::format_timestamp(at)).body),
                doc["liability"]);
      EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/termination-conditions?as_of=" + events::format_timestamp(at)).body),
                doc["termination"]);
      EXPECT_EQ(json::parse(get("/v1/contracts/" + id + "/settlement?as_of=" + events::format_timestamp(at)).body),
                doc["settlement"]);
    }
    // After the last record with nothing left to fire: the view pactumd holds.
    const auto at_last = get("/v1/contracts/" + id + "?as_of=" + events::format_timestamp(times.back()));
    if (at_last.status == 200U) {
      statemachine::replay_session s;
      for (const auto o : offsets) static_cast<void>(s.feed(o, events::decode_structured(line_at.at(o), id)));
      s.advance_to(times.back());
      EXPECT_EQ(at_last.body, statemachine::render_view(s.book().find(id)->state())) << id;
    }
  }
  EXPECT_GT(compared, offsets_of.size() * 4);
  EXPECT_GT(deadlines, offsets_of.size() / 2);
  EXPECT_GE(missing, offsets_of.size()); // before the first record, at least
}

TEST_F(evidence_fixture, TheTimelineListsExactlyTheContractsRecordsWithReplaysOutcomes) {
  // One replay of the whole log: the outcome of every record.
  statemachine::replay_session all;
  std::map<std::int64_t, statemachine::outcome> outcome_at;
  for (const auto& l : log) outcome_at.emplace(l.offset, all.feed(l.offset, events::decode_structured(l.line, l.key)));
  std::size_t rejected = 0;
  for (const auto& [id, offsets] : offsets_of) {
    if (!views.find(id)) { // records of a contract never drafted: no contract, no timeline
      EXPECT_EQ(get("/v1/contracts/" + id + "/timeline").status, 404U) << id;
      continue;
    }
    std::vector<json> items;
    std::string cursor;
    do {
      const auto r = get("/v1/contracts/" + id + "/timeline?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_EQ(r.status, 200U) << r.body;
      const auto page = json::parse(r.body);
      EXPECT_EQ(page["contract_id"], id);
      EXPECT_LE(page["records"].size(), 7U);
      for (const auto& item : page["records"]) items.push_back(item);
      cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    } while (!cursor.empty());
    ASSERT_EQ(items.size(), offsets.size()) << id;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& item = items[i];
      EXPECT_EQ(item["offset"], offsets[i]);
      EXPECT_EQ(item["partition"], 0);
      const auto& expected = outcome_at.at(offsets[i]);
      const auto d = events::decode_structured(line_at.at(offsets[i]));
      switch (expected.kind) {
      case statemachine::outcome_kind::accepted:
        EXPECT_EQ(item["outcome"], "accepted");
        EXPECT_TRUE(item["version"].is_number_integer());
        break;
      case statemachine::outcome_kind::duplicate: EXPECT_EQ(item["outcome"], "duplicate"); break;
      case statemachine::outcome_kind::rejected:
        EXPECT_EQ(item["outcome"], "rejected");
        EXPECT_EQ(item["reason"], std::string(events::to_string(expected.why->code)));
        ++rejected;
        break;
      }
      if (d) {
        EXPECT_EQ(item["id"], d.value().id);
        EXPECT_EQ(item["source"], d.value().source);
        EXPECT_EQ(item["time"], events::format_timestamp(d.value().time));
      }
    }
    // The version after the last accepted record is the view's.
    const auto view = json::parse(views.find(id)->text);
    for (auto it = items.rbegin(); it != items.rend(); ++it)
      if ((*it)["outcome"] == "accepted") {
        EXPECT_EQ((*it)["version"], view["version"]) << id;
        break;
      }
  }
  EXPECT_GT(rejected, 0U);
}

// Every figure the spec names is explained; each names only accepted records
// of its contract and terms members that exist; a period's credit names the
// report of its period.
TEST_F(evidence_fixture, EveryFigureIsExplainedByAcceptedRecordsAndTermsThatResolve) {
  statemachine::replay_session all;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> accepted; // contract -> (source, id)
  std::map<std::string, json> terms;                                             // contract -> its terms now
  std::map<std::pair<std::string, std::string>, std::string> reported_period;    // (contract, event id) -> period
  for (const auto& l : log) {
    auto d = events::decode_structured(l.line, l.key);
    const std::optional<json> event = d ? std::optional(json::parse(l.line)) : std::nullopt;
    if (all.feed(l.offset, std::move(d)).kind != statemachine::outcome_kind::accepted) continue;
    accepted[l.key].emplace((*event)["source"], (*event)["id"]);
    const auto type = (*event)["type"].get<std::string>();
    if (type == "pactum.sla.period-reported.v1") reported_period[{l.key, (*event)["id"]}] = (*event)["data"]["period"];
    if (type == "pactum.contract.drafted.v1" || type == "pactum.contract.terms-amended.v1") terms[l.key] = (*event)["data"]["terms"];
  }
  std::size_t figures = 0;
  std::size_t pointers = 0;
  for (const auto& [id, offsets] : offsets_of) {
    const auto view_text = views.find(id);
    if (!view_text) continue;
    const auto view = json::parse(view_text->text);
    const auto r = get("/v1/contracts/" + id + "/explain");
    ASSERT_EQ(r.status, 200U) << r.body;
    const auto doc = json::parse(r.body);
    EXPECT_EQ(doc["contract_id"], id);
    EXPECT_EQ(doc["version"], view["version"]);
    EXPECT_TRUE(doc["as_of"].is_null());
    std::set<std::string> paths;
    for (const auto& f : doc["figures"]) {
      const std::string path = f["path"];
      paths.insert(path);
      EXPECT_EQ(f["value"], view.at(json::json_pointer(path))) << id << path;
      EXPECT_FALSE(f["because"].get<std::string>().empty()) << id << path;
      for (const auto& b : f["basis"])
        EXPECT_TRUE(accepted[id].contains({b["source"], b["id"]})) << id << path << " names " << b.dump();
      for (const auto& t : f["terms"]) {
        EXPECT_TRUE(terms.at(id).contains(json::json_pointer(t.get<std::string>()))) << id << path << " " << t;
        ++pointers;
      }
      ++figures;
    }
    // What the spec lists: periods, breaches, invoices, grounds, pending, terminated, every total.
    std::vector<std::string> wanted;
    for (std::size_t i = 0; i < view["liability"]["periods"].size(); ++i)
      for (const char* m : {"charge", "credit", "bonus"}) wanted.push_back("/liability/periods/" + std::to_string(i) + "/" + m);
    for (std::size_t i = 0; i < view["liability"]["breaches"].size(); ++i) {
      wanted.push_back("/liability/breaches/" + std::to_string(i));
      wanted.push_back("/liability/breaches/" + std::to_string(i) + "/damages");
    }
    for (std::size_t i = 0; i < view["settlement"]["invoices"].size(); ++i)
      for (const char* m : {"", "/amount", "/paid"}) wanted.push_back("/settlement/invoices/" + std::to_string(i) + m);
    for (std::size_t i = 0; i < view["termination"]["grounds"].size(); ++i)
      wanted.push_back("/termination/grounds/" + std::to_string(i));
    for (const char* m : {"pending", "terminated"})
      if (!view["termination"][m].is_null()) wanted.push_back(std::string("/termination/") + m);
    for (const auto& [k, v] : view["liability"]["totals"].items()) wanted.push_back("/liability/totals/" + k);
    for (const auto& [k, v] : view["settlement"]["totals"].items()) wanted.push_back("/settlement/totals/" + k);
    for (const auto& w : wanted) EXPECT_TRUE(paths.contains(w)) << id << " has no explanation of " << w;
    // A period's credit was set by the report of that period.
    for (const auto& f : doc["figures"]) {
      const std::string path = f["path"];
      if (!path.starts_with("/liability/periods/") || !path.ends_with("/credit")) continue;
      const auto period = view.at(json::json_pointer(path.substr(0, path.size() - 7)))["period"];
      bool reported = false;
      for (const auto& b : f["basis"])
        if (b["type"] == "pactum.sla.period-reported.v1") reported = reported || reported_period.at({id, b["id"]}) == period;
      EXPECT_TRUE(reported) << id << path;
    }
    // As of an instant: the figures of the view as of then.
    const std::string mid = events::format_timestamp(*events::envelope_time({}, line_at.at(offsets[offsets.size() / 2])));
    const auto then = get("/v1/contracts/" + id + "/explain?as_of=" + mid);
    const auto view_then = get("/v1/contracts/" + id + "?as_of=" + mid);
    ASSERT_EQ(then.status, view_then.status) << id;
    if (then.status == 200U) {
      const auto d = json::parse(then.body);
      EXPECT_EQ(d["as_of"], mid);
      for (const auto& f : d["figures"])
        EXPECT_EQ(f["value"], json::parse(view_then.body).at(json::json_pointer(f["path"].get<std::string>())));
    }
  }
  EXPECT_GT(figures, 200U);
  EXPECT_GT(pointers, 100U);
}

TEST_F(evidence_fixture, BadInstantsAndCursorsAreProblemsAndNoEvidenceIs501) {
  const std::string id = offsets_of.begin()->first;
  for (const std::string& q : std::vector<std::string>{"?as_of=yesterday", "?as_of=", "?as_of=2026-02-30T00:00:00Z", "?asof=2026-01-01T00:00:00Z",
                                                       "?as_of=2026-01-01T00:00:00Z&as_of=2026-01-02T00:00:00Z"}) {
    const auto r = get("/v1/contracts/" + id + q);
    EXPECT_EQ(r.status, 400U) << q;
    EXPECT_EQ(json::parse(r.body)["type"], "urn:pactum:problem:invalid-parameter") << q;
  }
  for (const std::string& q : std::vector<std::string>{"?cursor=***", "?cursor=MTI", "?limit=0", "?as_of=2026-01-01T00:00:00Z"}) {
    const auto r = get("/v1/contracts/" + id + "/timeline" + q);
    EXPECT_EQ(r.status, 400U) << q;
  }
  EXPECT_EQ(get("/v1/contracts/" + id + "?as_of=1970-01-01T00:00:00Z").status, 404U); // before it was drafted
  EXPECT_EQ(get("/v1/contracts/" + id + "/explain?as_of=1970-01-01T00:00:00Z").status, 404U);
  EXPECT_EQ(get("/v1/contracts/" + id + "/explain?as_of=soon").status, 400U);
  EXPECT_EQ(get("/v1/contracts/" + id + "/explain?limit=1").status, 400U);
  EXPECT_EQ(get("/v1/contracts/NO-SUCH/timeline").status, 404U);
  const query_api without(views, nullptr, [this] { return tokens; }, health, metrics);
  const auto r = without.handle({"GET", "/v1/contracts/" + id + "/timeline", "Bearer " + admin});
  EXPECT_EQ(r.status, 501U);
  EXPECT_EQ(json::parse(r.body)["type"], "urn:pactum:problem:evidence-disabled");
  EXPECT_EQ(without.handle({"GET", "/v1/contracts/" + id + "?as_of=2026-01-01T00:00:00Z", "Bearer " + admin}).status, 501U);
  EXPECT_EQ(without.handle({"GET", "/v1/contracts/" + id + "/explain", "Bearer " + admin}).status, 501U);
  EXPECT_EQ(without.handle({"GET", "/v1/contracts/" + id, "Bearer " + admin}).status, 200U);
}

} // namespace
} // namespace pactum::runtime
