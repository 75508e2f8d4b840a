// The stored form of a contract (local store and snapshots topic): a golden
// record of each format this build reads, byte for byte, and the pieces a
// refactoring must not move (enum names, the digest).
#include "pactum/runtime/contract_record.hpp"
#include "pactum/runtime/partition_processor.hpp"

#include "pactum/generator/generator.hpp"
#include "pactum/statemachine/snapshot.hpp"
#include "pactum/statemachine/stored_names.hpp"
#include "pactum/statemachine/view.hpp"

#include <gtest/gtest.h>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace pactum::runtime {
namespace {

const std::string golden_path = std::string(PACTUM_FIXTURES) + "/state/contract-record-v5.bin";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The richest record of a generated history cut mid-way (breaches, itemised
// invoices, force majeure, pending deadlines). Only used to write the fixture:
// the test reads the file, so a generator change cannot move it.
std::string richest_generated_record() {
  partition_processor processor("contract-events", 0);
  std::vector<output_record> out;
  generator::options g;
  g.seed = 5;
  g.contracts = 40;
  g.until = events::parse_timestamp("2026-10-01T00:00:00Z");
  std::int64_t offset = 0;
  generator::generate(g, [&](std::string_view line) {
    processor.process({std::nullopt, line, {}, offset++}, out);
    out.clear();
  });
  processor.flush_views(out);
  processor.flush_snapshots(offset, out);
  std::string richest;
  for (const auto& r : out)
    if (r.to == destination::snapshots) {
      auto record = decode_snapshot_record(r.value)->record;
      if (record.size() > richest.size()) richest = std::move(record);
    }
  return richest;
}

TEST(ContractRecord, Fnv1a64IsTheSpecifiedHash) {
  // The published FNV-1a test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ContractRecord, TheGoldenRecordOfFormat5ReadsBackByteForByte) {
  if (std::getenv("PACTUM_WRITE_GOLDEN") != nullptr) {
    std::ofstream(golden_path, std::ios::binary) << richest_generated_record();
  }
  const std::string golden = read_file(golden_path);
  ASSERT_FALSE(golden.empty()) << golden_path;
  const auto record = decode_contract_record(golden);
  ASSERT_TRUE(record) << "a stored record of format 5 must stay readable";
  EXPECT_EQ(encode_contract_record(record->state, record->emitted), golden);

  const auto& c = record->state;
  EXPECT_FALSE(c.breaches.empty());
  EXPECT_FALSE(c.invoices.empty());
  EXPECT_FALSE(c.deadlines.pending().empty());
  EXPECT_FALSE(c.seen.empty());
  EXPECT_NE(record->emitted.termination, 0U);
}

TEST(ContractRecord, EnumsAreStoredByName) {
  using namespace statemachine;
  EXPECT_EQ(stored_names<lifecycle>::names, (std::array<std::string_view, 4>{"draft", "signed", "in_breach", "terminated"}));
  for (const auto s : {lifecycle::draft, lifecycle::signed_, lifecycle::in_breach, lifecycle::terminated})
    EXPECT_EQ(stored_name(s), to_string(s));
  for (const auto k : {breach_kind::persistent_sla_failure, breach_kind::data_incident, breach_kind::audit_failure,
                       breach_kind::notice, breach_kind::late_payment})
    EXPECT_EQ(stored_name(k), to_string(k));
  for (const auto s : {breach_status::open, breach_status::uncured, breach_status::cured, breach_status::waived})
    EXPECT_EQ(stored_name(s), to_string(s));
  for (const auto s : {invoice_status::open, invoice_status::overdue, invoice_status::paid}) EXPECT_EQ(stored_name(s), to_string(s));
  EXPECT_EQ(stored_names<deadline_kind>::names,
            (std::array<std::string_view, 5>{"cure", "invoice_due", "force_majeure", "termination", "expiry"}));
  EXPECT_EQ(stored_names<credit_cap>::names, (std::array<std::string_view, 3>{"none", "monthly", "annual"}));
  // In the golden record: the state as tag 2, its name's length, its name.
  const std::string golden = read_file(golden_path);
  const auto state = stored_name(decode_contract_record(golden)->state.state);
  EXPECT_NE(golden.find(std::string(1, '\x02') + static_cast<char>(state.size()) + std::string(state)), std::string::npos);
  EXPECT_EQ(enum_named<lifecycle>("in_breach"), lifecycle::in_breach);
  EXPECT_FALSE(enum_named<lifecycle>("2"));
}

TEST(ContractRecord, OtherFormatsDamagedBytesAndUnknownFieldsAreRefused) {
  const std::string golden = read_file(golden_path);
  EXPECT_FALSE(decode_contract_record(std::string(1, '\x04') + golden.substr(1)));
  EXPECT_FALSE(decode_contract_record(golden.substr(0, golden.size() - 1)));
  EXPECT_FALSE(decode_contract_record(golden.substr(0, golden.size() / 2)));
  EXPECT_FALSE(decode_contract_record(""));
  EXPECT_FALSE(decode_contract_record(R"({"format":5})"));
  EXPECT_FALSE(decode_contract_record(golden + std::string("\x63\x01x", 3))) << "a field this build does not know";
}

TEST(ContractRecord, MoneyKeepsItsWholeRange) {
  auto record = decode_contract_record(read_file(golden_path));
  ASSERT_TRUE(record);
  const events::int128 big = events::int128{1} << 100;
  for (const events::int128 v : {events::int128{0}, events::int128{-1}, events::int128{63}, events::int128{-64}, big, -big,
                                 ~(events::int128{1} << 127), events::int128{1} << 127}) {
    record->state.data_damages = events::cents{v};
    const auto back = decode_contract_record(encode_contract_record(record->state, record->emitted));
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->state.data_damages.raw() == v);
  }
}

TEST(ContractRecord, EveryGeneratedContractRoundTrips) {
  partition_processor processor("contract-events", 0);
  std::vector<output_record> out;
  generator::options g;
  g.contracts = 60;
  std::int64_t offset = 0;
  generator::generate(g, [&](std::string_view line) {
    processor.process({std::nullopt, line, {}, offset++}, out);
    out.clear();
  });
  ASSERT_GT(processor.book().size(), 50U);
  for (const auto* c : processor.book().sorted()) {
    const std::string bytes = encode_contract_record(c->state(), {1, 2});
    const auto back = decode_contract_record(bytes);
    ASSERT_TRUE(back) << c->state().contract_id;
    EXPECT_EQ(encode_contract_record(back->state, back->emitted), bytes);
    EXPECT_EQ(statemachine::render_view(back->state), statemachine::render_view(c->state()));
    EXPECT_EQ(statemachine::snapshot_of(back->state), statemachine::snapshot_of(c->state()));
  }
}

TEST(ContractRecord, ASnapshotRecordCarriesTheRecordUnchanged) {
  const std::string golden = read_file(golden_path);
  const auto snapshot = decode_snapshot_record(encode_snapshot_record(3, 12345, golden));
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->partition, 3);
  EXPECT_EQ(snapshot->next_offset, 12345);
  EXPECT_EQ(snapshot->record, golden);
  EXPECT_FALSE(decode_snapshot_record("{\"next_offset\":1}")); // the JSON snapshots of format 4
  EXPECT_FALSE(decode_snapshot_record(encode_snapshot_record(3, 12345, golden).substr(0, 10)));
}

} // namespace
} // namespace pactum::runtime
