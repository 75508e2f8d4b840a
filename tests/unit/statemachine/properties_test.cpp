// Properties over generated logs: determinism, state as a checkpointable fold
// (snapshots), idempotency under redelivery.
#include "pactum/events/decode.hpp"
#include "pactum/generator/generator.hpp"
#include "pactum/statemachine/contract_book.hpp"
#include "pactum/statemachine/replay.hpp"
#include "pactum/statemachine/snapshot.hpp"
#include "pactum/statemachine/view.hpp"

#include "../common/story.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <span>

namespace pactum::statemachine {
namespace {

std::vector<std::string> generated_log(std::uint64_t seed, int contracts) {
  std::vector<std::string> lines;
  generator::options opts;
  opts.seed = seed;
  opts.contracts = contracts;
  generator::generate(opts, [&](std::string_view l) { lines.emplace_back(l); });
  return lines;
}

std::string replay(const std::vector<std::string>& lines, int copies = 1) {
  replay_session s;
  std::int64_t offset = 0;
  for (const auto& l : lines)
    for (int i = 0; i < copies; ++i) s.feed(offset++, l);
  s.advance_to(*events::parse_timestamp("2030-01-01T00:00:00Z"));
  return s.render();
}

std::map<std::string, std::string> views_of(const contract_book& book) {
  std::map<std::string, std::string> out;
  for (const contract* c : book.sorted()) out[c->state().contract_id] = render_view(c->state());
  return out;
}

std::string outcome_text(const outcome& o) {
  return o.kind == outcome_kind::rejected ? std::string(events::to_string(o.why->code))
                                          : (o.kind == outcome_kind::accepted ? "accepted" : "duplicate");
}

class generated : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(generated, TheGeneratorIsDeterministicAndExercisesEveryEventType) {
  const auto lines = generated_log(GetParam(), 60);
  EXPECT_EQ(lines, generated_log(GetParam(), 60));
  std::set<std::string> types;
  std::set<std::string> reasons;
  replay_session s;
  std::int64_t offset = 0;
  for (const auto& l : lines) {
    const auto d = events::decode_structured(l);
    if (d) types.insert(std::string(events::to_string(d.value().type())));
    s.feed(offset++, l);
  }
  for (const auto& r : s.rejections()) reasons.insert(std::string(events::to_string(r.why.code)));
  EXPECT_EQ(types.size(), events::event_type_count);
  const double bad_share = static_cast<double>(s.stats().rejected + s.stats().duplicates) / static_cast<double>(s.stats().events());
  EXPECT_GT(bad_share, 0.05);
  EXPECT_LT(bad_share, 0.25);
  for (const char* reason : {"malformed_json", "unknown_type", "invalid_data", "unknown_contract", "version_conflict",
                             "unknown_reference", "contract_terminated", "period_out_of_order"})
    EXPECT_TRUE(reasons.contains(reason)) << reason;
  EXPECT_GT(s.stats().duplicates, 0);
}

TEST_P(generated, ReplayingTwiceGivesByteIdenticalOutput) {
  const auto lines = generated_log(GetParam(), 40);
  EXPECT_EQ(replay(lines), replay(lines));
}

// replay_session::feed of a batch applies it a contract at a time: the
// document (views, rejections in log order, counts) must be the one a record
// at a time gives, whatever the batch size, and with gaps in the offsets (a
// log read --as-of T skips records).
TEST_P(generated, FeedingInBatchesGivesTheSameDocumentAsOneByOne) {
  auto lines = generated_log(GetParam(), 40);
  // Texts the batch walk cannot copy beside others (it reads them in place):
  // too large to decode, with a subject the scan reads.
  for (const std::size_t kib : {700, 3000, 900})
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(lines.size() * kib / 4000),
                 R"({"subject":"C-big","pad":")" + std::string(kib << 10, 'x') + "\"}");
  const auto now = *events::parse_timestamp("2030-01-01T00:00:00Z");
  replay_session one_by_one;
  std::vector<offset_record> records;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto offset = static_cast<std::int64_t>(3 * i + 5);
    static_cast<void>(one_by_one.feed(offset, lines[i]));
    records.push_back({offset, lines[i]});
  }
  one_by_one.advance_to(now);
  const std::string expected = one_by_one.render();
  ASSERT_GT(one_by_one.rejections().size(), 10U);
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{500}, lines.size()}) {
    replay_session batched;
    const std::span<const offset_record> all(records);
    for (std::size_t at = 0; at < all.size(); at += batch) batched.feed(all.subspan(at, std::min(batch, all.size() - at)));
    batched.advance_to(now);
    EXPECT_EQ(batched.render(), expected) << "batches of " << batch;
    EXPECT_EQ(batched.stats().events(), one_by_one.stats().events());
  }
}

// record_batch holds the texts pactumctl replay reads: each as given, at its
// offset, the views valid while more are added (a text larger than a block
// gets its own), and fed whole the batch gives a record at a time's document.
TEST_P(generated, ARecordBatchHoldsEachTextAsGivenAndFeedsLikeOneByOne) {
  const auto lines = generated_log(GetParam(), 40);
  record_batch batch;
  // More than a block, and all but 10 bytes of the 2 MiB multiple its own
  // block is: the next text cannot follow it there.
  const std::string huge((std::size_t{66} << 20) - 10, 'x');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    batch.add(static_cast<std::int64_t>(2 * i), lines[i]);
    if (i == lines.size() / 2) batch.add(-1, huge);
  }
  ASSERT_EQ(batch.size(), lines.size() + 1);
  std::size_t next = 0;
  for (const auto& [offset, text] : batch.records()) {
    if (offset == -1) {
      EXPECT_EQ(text, huge);
      continue;
    }
    EXPECT_EQ(offset, static_cast<std::int64_t>(2 * next));
    EXPECT_EQ(text, lines[next]);
    ++next;
  }
  EXPECT_EQ(next, lines.size());

  batch.clear();
  EXPECT_EQ(batch.size(), 0U);
  replay_session one_by_one;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    static_cast<void>(one_by_one.feed(static_cast<std::int64_t>(i), lines[i]));
    batch.add(static_cast<std::int64_t>(i), lines[i]);
  }
  replay_session batched;
  batched.feed(batch.records());
  EXPECT_EQ(batched.render(), one_by_one.render());
}

// A record whose subject the scan cannot read (here: its first character
// written as an escape) is decoded first and still takes its place in its
// contract's chain.
TEST_P(generated, ASubjectWrittenWithEscapesStaysInItsContractsOrder) {
  auto lines = generated_log(GetParam(), 40);
  const std::string member = "\"subject\":\"";
  std::size_t escaped = 0;
  for (std::size_t i = 0; i < lines.size(); i += 3) {
    const auto at = lines[i].find(member);
    if (at == std::string::npos) continue;
    const std::size_t first = at + member.size();
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(lines[i][first])));
    lines[i].replace(first, 1, hex);
    ++escaped;
  }
  ASSERT_GT(escaped, 100U);
  const auto now = *events::parse_timestamp("2030-01-01T00:00:00Z");
  replay_session one_by_one;
  std::vector<offset_record> records;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    static_cast<void>(one_by_one.feed(static_cast<std::int64_t>(i), lines[i]));
    records.push_back({static_cast<std::int64_t>(i), lines[i]});
  }
  one_by_one.advance_to(now);
  replay_session batched;
  batched.feed(records);
  batched.advance_to(now);
  EXPECT_EQ(batched.render(), one_by_one.render());
  EXPECT_GT(one_by_one.stats().accepted, 1000);
}

// A batch is grouped by the subject read off each record before decoding:
// wherever the scan names one and the record decodes, it is the decoded one.
TEST_P(generated, TheSubjectReadBeforeDecodingIsTheDecodedSubject) {
  const auto lines = generated_log(GetParam(), 40);
  std::size_t named = 0;
  for (const auto& l : lines) {
    const auto subject = events::structured_subject(l);
    named += subject ? 1 : 0;
    const auto d = events::decode_structured(l);
    if (subject && d) {
      EXPECT_EQ(*subject, d.value().subject) << l;
    }
  }
  EXPECT_GT(named, lines.size() * 9 / 10);
}

TEST_P(generated, SendingEveryEventTwiceGivesTheSameViews) {
  const auto lines = generated_log(GetParam(), 40);
  const auto once = nlohmann::json::parse(replay(lines, 1));
  const auto twice = nlohmann::json::parse(replay(lines, 2));
  EXPECT_EQ(once["contracts"], twice["contracts"]);
  EXPECT_EQ(once["stats"]["accepted"], twice["stats"]["accepted"]);
}

TEST_P(generated, FoldingAPrefixSnapshottingAndFoldingTheRestEqualsFoldingTheWhole) {
  const auto lines = generated_log(GetParam(), 40);
  std::vector<events::decoded> decoded;
  decoded.reserve(lines.size());
  for (const auto& l : lines) decoded.push_back(events::decode_structured(l));

  contract_book whole;
  std::vector<std::string> whole_outcomes;
  for (const auto& d : decoded)
    if (d) whole_outcomes.push_back(outcome_text(whole.handle(d.value())));

  for (const std::size_t split : {lines.size() / 7, lines.size() / 2, lines.size() - 3}) {
    contract_book prefix;
    std::vector<std::string> outcomes;
    std::size_t i = 0;
    for (; i < split; ++i)
      if (decoded[i]) outcomes.push_back(outcome_text(prefix.handle(decoded[i].value())));
    // Through text, as the service stores them.
    contract_book restored;
    for (const contract* c : prefix.sorted()) {
      const std::string text = snapshot_of(c->state()).dump();
      auto state = state_from_snapshot(nlohmann::json::parse(text));
      ASSERT_TRUE(state) << c->state().contract_id;
      restored.adopt(contract::restore(std::move(*state)));
    }
    ASSERT_EQ(views_of(restored), views_of(prefix));
    for (; i < decoded.size(); ++i)
      if (decoded[i]) outcomes.push_back(outcome_text(restored.handle(decoded[i].value())));
    EXPECT_EQ(outcomes, whole_outcomes) << "split at " << split;
    EXPECT_EQ(views_of(restored), views_of(whole)) << "split at " << split;
    for (const contract* c : whole.sorted())
      EXPECT_EQ(snapshot_of(restored.find(c->state().contract_id)->state()), snapshot_of(c->state()));
  }
}

INSTANTIATE_TEST_SUITE_P(seeds, generated, ::testing::Values(1U, 7U, 2026U));

TEST(Snapshot, RejectsDocumentsOfAnotherFormat) {
  EXPECT_FALSE(state_from_snapshot(nlohmann::json::object()));
  EXPECT_FALSE(state_from_snapshot(nlohmann::json{{"format", 99}}));
  EXPECT_FALSE(state_from_snapshot(nlohmann::json{{"format", snapshot_format}, {"terms", 1}}));
}

// Found by tests/fuzz/replay_fuzz: terms with a duplicate member name. The
// decoder keeps the first; a snapshot must restore exactly that contract.
TEST(Snapshot, KeepsTermsAsWritten) {
  // Members in an order of the producer's own: the snapshot keeps the text, not
  // a re-serialised DOM.
  std::string line = testing::cloud_event("contract.drafted", {{"terms", testing::spec_terms()}},
                                          "2026-01-01T00:00:00Z", "d-1", "C-1")
                         .dump();
  const std::string vendor = R"("vendor":{"id":"callpro","name":"CallPro BPO"})";
  ASSERT_NE(line.find(vendor), std::string::npos);
  line.replace(line.find(vendor), vendor.size(), R"("vendor":{"name":"CallPro BPO","id":"callpro"})");
  contract_book book;
  ASSERT_EQ(book.handle(events::decode_structured(line).value()).kind, outcome_kind::accepted);
  const auto& original = book.find("C-1")->state();
  auto restored = state_from_snapshot(nlohmann::json::parse(snapshot_of(original).dump()));
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->terms_json, original.terms_json);
  EXPECT_NE(restored->terms_json.find(R"({"name":"CallPro BPO","id":"callpro"})"), std::string::npos);
  EXPECT_EQ(render_view(*restored), render_view(original));
}

} // namespace
} // namespace pactum::statemachine
