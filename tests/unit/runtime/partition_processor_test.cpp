// The Kafka-free half of pactumd: what one partition's processor writes for
// each record and at each commit. (Against a real broker: tests/integration.)
#include "pactum/runtime/partition_processor.hpp"

#include "../common/story.hpp"

#include "pactum/generator/generator.hpp"

#include <gtest/gtest.h>

namespace pactum::runtime {
namespace {

using nlohmann::json;
using testing::cloud_event;
using testing::spec_terms;

struct harness {
  partition_processor proc{"contract-events", 2};
  std::vector<output_record> out;
  std::int64_t offset = 0;
  int seq = 0;

  processed send(const std::string& type, json data, const std::string& time, const std::string& subject = "C-1") {
    const std::string value = cloud_event(type, std::move(data), time, "e" + std::to_string(++seq), subject).dump();
    return send_raw(value, subject);
  }
  processed send_raw(const std::string& value, std::optional<std::string> key) {
    static std::string held;
    held = value;
    std::optional<std::string_view> k;
    if (key) k = *key;
    return proc.process({k, held, {}, offset++}, out);
  }
  std::vector<output_record> take(destination d) {
    std::vector<output_record> picked;
    for (auto& r : out)
      if (r.to == d) picked.push_back(r);
    return picked;
  }
};

std::string header(const output_record& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v.value_or("<no value>");
  return "<none>";
}

TEST(PartitionProcessor, ARejectedRecordBecomesADeadLetterWithItsReason) {
  harness h;
  h.send_raw("{not json", "C-1");
  h.send("invoice.paid", {{"invoice_id", "I"}, {"amount", "1.00"}}, "2026-01-01T00:00:00Z", "C-9");
  const auto dead = h.take(destination::dead_letters);
  ASSERT_EQ(dead.size(), 2U);
  EXPECT_EQ(dead[0].value, "{not json");
  EXPECT_EQ(dead[0].key, "C-1");
  EXPECT_EQ(header(dead[0], "pactum-reason"), "malformed_json");
  EXPECT_EQ(header(dead[0], "pactum-source-topic"), "contract-events");
  EXPECT_EQ(header(dead[0], "pactum-source-partition"), "2");
  EXPECT_EQ(header(dead[0], "pactum-source-offset"), "0");
  EXPECT_EQ(header(dead[1], "pactum-reason"), "unknown_contract");
  EXPECT_NE(header(dead[1], "pactum-detail"), "<none>");
}

TEST(PartitionProcessor, FlushWritesEachTouchedContractOnceAndProjectionsOnlyWhenTheyChange) {
  harness h;
  h.send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T00:00:00Z");
  h.send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T00:00:00Z");
  h.proc.flush_views(h.out);
  h.proc.flush_snapshots(2, h.out);
  EXPECT_EQ(h.take(destination::views).size(), 1U);
  EXPECT_EQ(h.take(destination::termination).size(), 1U);
  EXPECT_EQ(h.take(destination::liability).size(), 1U);
  ASSERT_EQ(h.take(destination::snapshots).size(), 1U);
  EXPECT_EQ(json::parse(h.take(destination::views)[0].value)["version"], 2);
  const json termination = json::parse(h.take(destination::termination)[0].value);
  EXPECT_EQ(termination["contract_id"], "C-1");
  EXPECT_EQ(termination["version"], 2);
  EXPECT_TRUE(termination.contains("termination"));
  h.out.clear();
  // A signature changes neither the grounds (still draft) nor the liability.
  h.send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T00:00:00Z"); // already_signed
  h.out.clear();
  h.proc.flush_views(h.out);
  EXPECT_EQ(h.take(destination::views).size(), 1U);
  EXPECT_EQ(h.take(destination::snapshots).size(), 0U); // snapshots only when asked
  EXPECT_EQ(h.take(destination::termination).size(), 0U);
  EXPECT_EQ(h.take(destination::liability).size(), 0U);
}

TEST(PartitionProcessor, ASnapshotRestoresTheContractAndWhatWasEmitted) {
  harness h;
  h.send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T00:00:00Z");
  h.send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T00:00:00Z");
  h.send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2026-01-01T00:00:00Z");
  h.proc.flush_views(h.out);
  h.proc.flush_snapshots(3, h.out);
  const auto snapshot = h.take(destination::snapshots).at(0);
  EXPECT_EQ(decode_snapshot_record(snapshot.value)->next_offset, 3);
  EXPECT_EQ(snapshot.partition, 2);

  partition_processor restored("contract-events", 2);
  EXPECT_EQ(restored.restore(snapshot.value), 3);
  EXPECT_FALSE(restored.restore("{}"));
  const auto& a = h.proc.book().find("C-1")->state();
  const auto& b = restored.book().find("C-1")->state();
  EXPECT_EQ(statemachine::render_view(a), statemachine::render_view(b));
  EXPECT_EQ(b.state, statemachine::lifecycle::signed_);
}

TEST(PartitionProcessor, DueDeadlinesBecomeDeadlineEventsOnTheSamePartitionOnce) {
  harness h;
  h.send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T00:00:00Z");
  h.send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T00:00:00Z");
  h.send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2026-01-01T00:00:00Z");
  h.send("invoice.issued", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "10.00"}}, "2026-02-01T00:00:00Z");
  h.out.clear();
  const auto now = *events::parse_timestamp("2026-03-10T00:00:00Z");
  h.proc.due_deadlines(now, h.out);
  h.proc.due_deadlines(now, h.out);
  const auto appended = h.take(destination::events);
  ASSERT_EQ(appended.size(), 1U); // invoice-due only; expiry is in 2028
  EXPECT_EQ(appended[0].partition, 2);
  EXPECT_EQ(appended[0].key, "C-1");
  const json e = json::parse(appended[0].value);
  EXPECT_EQ(e["type"], "pactum.deadline.reached.v1");
  EXPECT_EQ(e["data"]["deadline_id"], "invoice-due:INV-1");
  EXPECT_EQ(e["time"], "2026-03-10T00:00:00Z");
  // Consumed back, it fires the deadline in step 1 and is itself a duplicate.
  h.out.clear();
  const auto result = h.send_raw(appended[0].value, "C-1");
  EXPECT_EQ(result.kind, statemachine::outcome_kind::duplicate);
  EXPECT_EQ(h.proc.book().find("C-1")->state().invoices[0].status, statemachine::invoice_status::overdue);
}

TEST(PartitionProcessor, ARenewalAfterARequestedExpiryLeadsToTheNewExpiryFiring) {
  harness h;
  json terms = spec_terms();
  terms["end_date"] = "2026-06-30";
  h.send("contract.drafted", {{"terms", terms}}, "2025-12-01T00:00:00Z");
  h.send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T00:00:00Z");
  h.send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2026-01-01T00:00:00Z");
  h.out.clear();
  // The wall clock passes the expiry: pactumd asks for it ...
  h.proc.due_deadlines(*events::parse_timestamp("2026-07-01T00:00:01Z"), h.out);
  auto asked = h.take(destination::events);
  ASSERT_EQ(asked.size(), 1U);
  EXPECT_EQ(json::parse(asked[0].value)["data"]["deadline_id"], "expiry");
  // ... but a renewal written before the expiry is read first and moves it.
  h.out.clear();
  ASSERT_EQ(h.send("contract.renewed", {{"end_date", "2026-12-31"}}, "2026-06-29T00:00:00Z").kind,
            statemachine::outcome_kind::accepted);
  EXPECT_EQ(h.send_raw(asked[0].value, "C-1").kind, statemachine::outcome_kind::rejected); // deadline_not_due
  h.out.clear();
  h.proc.due_deadlines(*events::parse_timestamp("2026-12-01T00:00:00Z"), h.out);
  EXPECT_TRUE(h.take(destination::events).empty()); // not due yet
  h.proc.due_deadlines(*events::parse_timestamp("2027-01-01T00:00:01Z"), h.out);
  asked = h.take(destination::events);
  ASSERT_EQ(asked.size(), 1U) << "the moved expiry is asked for in the same running instance";
  EXPECT_EQ(json::parse(asked[0].value)["id"], "deadline:expiry@" + std::to_string(events::parse_timestamp("2027-01-01T00:00:00Z")->ms));
  h.out.clear();
  EXPECT_EQ(h.send_raw(asked[0].value, "C-1").kind, statemachine::outcome_kind::duplicate); // fired in step 1
  EXPECT_EQ(h.proc.book().find("C-1")->state().state, statemachine::lifecycle::terminated);
}

TEST(PartitionProcessor, DeadLettersKeepAnAbsentKeyAndValuelessHeaders) {
  harness h;
  const std::vector<events::record_header> headers{{"content-type", "application/cloudevents+json"}, {"x-trace", std::nullopt}};
  (void)h.proc.process({std::nullopt, "{not json", headers, 7}, h.out);
  const auto dead = h.take(destination::dead_letters);
  ASSERT_EQ(dead.size(), 1U);
  EXPECT_FALSE(dead[0].key.has_value()); // no key, not an empty one
  ASSERT_GE(dead[0].headers.size(), 2U);
  EXPECT_EQ(dead[0].headers[0].second, std::optional<std::string>("application/cloudevents+json"));
  EXPECT_EQ(dead[0].headers[1].first, "x-trace");
  EXPECT_FALSE(dead[0].headers[1].second.has_value()); // no value, not an empty one
}

// A generated history through two processors, one holding every contract in
// memory and one with a store and a cache of `cache` contracts, committing
// every `batch` records: they must write the same records.
struct twin_run {
  contract_store store;
  partition_processor all{"contract-events", 0};
  partition_processor cached;
  std::vector<output_record> all_out;
  std::vector<output_record> cached_out;
  std::int64_t offset = 0;

  explicit twin_run(std::size_t cache) : cached("contract-events", 0, processor_options{&store, cache}) {}

  void feed(const std::vector<std::string>& lines, std::size_t batch, bool snapshots) {
    for (const auto& line : lines) {
      all.process({std::nullopt, line, {}, offset}, all_out);
      cached.process({std::nullopt, line, {}, offset}, cached_out);
      ++offset;
      if (offset % static_cast<std::int64_t>(batch) == 0) commit(snapshots);
    }
    commit(snapshots);
  }
  void commit(bool snapshots) {
    all.flush_views(all_out);
    cached.flush_views(cached_out);
    if (snapshots) {
      all.flush_snapshots(offset, all_out);
      cached.flush_snapshots(offset, cached_out);
    }
    cached.persist(offset);
  }
};

std::vector<std::string> generated(int contracts, const char* until = nullptr) {
  std::vector<std::string> lines;
  generator::options g;
  g.contracts = contracts;
  if (until != nullptr) g.until = events::parse_timestamp(until);
  generator::generate(g, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

void expect_same_records(const std::vector<output_record>& a, const std::vector<output_record>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].to, b[i].to) << i;
    EXPECT_EQ(a[i].key, b[i].key) << i;
    EXPECT_EQ(a[i].value, b[i].value) << i;
  }
}

TEST(PartitionProcessorWithAStore, ABoundedCacheWritesWhatAllInMemoryWrites) {
  twin_run run(4);
  run.feed(generated(30), 50, true);
  expect_same_records(run.all_out, run.cached_out);
  EXPECT_LE(run.cached.book().size(), 4U) << "the cache is trimmed to its bound after each commit";
  EXPECT_EQ(run.store.count(0), run.all.book().size()) << "every contract is stored";
  EXPECT_EQ(run.store.checkpoint(0), run.offset);
}

TEST(PartitionProcessorWithAStore, DeadlinesOfContractsOutOfMemoryAreFoundThroughTheIndex) {
  twin_run run(2);
  run.feed(generated(12, "2026-07-01T00:00:00Z"), 20, false);
  ASSERT_LE(run.cached.book().size(), 2U);
  run.all_out.clear();
  run.cached_out.clear();
  for (const char* now : {"2026-08-01T00:00:00Z", "2026-08-01T00:00:00Z", "2027-06-01T00:00:00Z"}) {
    run.all.due_deadlines(*events::parse_timestamp(now), run.all_out);
    run.cached.due_deadlines(*events::parse_timestamp(now), run.cached_out);
  }
  ASSERT_FALSE(run.all_out.empty());
  // The same deadline events, each asked for once; order across contracts is free.
  const auto sorted_values = [](const std::vector<output_record>& records) {
    std::vector<std::string> values;
    for (const auto& r : records) values.push_back(r.value);
    std::sort(values.begin(), values.end());
    return values;
  };
  EXPECT_EQ(sorted_values(run.all_out), sorted_values(run.cached_out));
}

TEST(PartitionProcessorWithAStore, SnapshotsRestoreIntoTheStoreNotIntoMemory) {
  twin_run run(1'000);
  run.feed(generated(10), 1'000'000, true);
  std::vector<output_record> snapshots;
  for (auto& r : run.all_out)
    if (r.to == destination::snapshots) snapshots.push_back(r);
  ASSERT_EQ(snapshots.size(), run.all.book().size());

  contract_store store;
  partition_processor restored("contract-events", 0, processor_options{&store, 1'000});
  for (const auto& s : snapshots) EXPECT_EQ(restored.restore(s.value), run.offset);
  restored.persist(run.offset);
  EXPECT_EQ(restored.book().size(), 0U);
  EXPECT_EQ(store.checkpoint(0), run.offset);
  for (const auto* c : run.all.book().sorted()) {
    const auto* back = restored.find(c->state().contract_id);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(statemachine::render_view(back->state()), statemachine::render_view(c->state()));
  }
}

TEST(PartitionProcessorWithAStore, WhatADeadProcessStoredButNeverSnapshottedIsSnapshottedByTheNext) {
  contract_store store;
  std::vector<output_record> out;
  std::int64_t offset = 0;
  const auto lines = generated(5);
  {
    partition_processor first("contract-events", 0, processor_options{&store, 2});
    for (const auto& line : lines) first.process({std::nullopt, line, {}, offset++}, out);
    first.flush_views(out);
    first.persist(offset); // committed and stored; killed before the next snapshot interval
  }
  partition_processor next("contract-events", 0, processor_options{&store, 2});
  out.clear();
  next.flush_snapshots(offset, out);
  ASSERT_EQ(out.size(), store.count(0)) << "every stored contract, though this process changed none";
  for (const auto& r : out) EXPECT_EQ(decode_snapshot_record(r.value)->record, store.get(0, *r.key));
  next.persist(offset);
  EXPECT_TRUE(store.unsnapshotted(0).empty());
}

} // namespace
} // namespace pactum::runtime
