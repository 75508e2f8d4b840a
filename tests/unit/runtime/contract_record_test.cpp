// The stored form of a contract (local store and snapshots topic): a golden
// record of each format this build reads, byte for byte, and the pieces a
// refactoring must not move (enum names, the digest).
#include "pactum/runtime/contract_record.hpp"
#include "pactum/runtime/partition_processor.hpp"

#include "pactum/generator/generator.hpp"
#include "pactum/statemachine/snapshot.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace pactum::runtime {
namespace {

using nlohmann::json;

const std::string golden_path = std::string(PACTUM_FIXTURES) + "/state/contract-record-v5.msgpack";

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
  const json doc = json::from_msgpack(read_file(golden_path));
  EXPECT_EQ(doc["format"], 5);
  const json& c = doc["contract"];
  const auto named = [](const json& j, std::initializer_list<std::string_view> names) {
    return j.is_string() && std::find(names.begin(), names.end(), j.get<std::string>()) != names.end();
  };
  EXPECT_TRUE(named(c["state"], {"draft", "signed", "in_breach", "terminated"})) << c["state"];
  for (const auto& b : c["breaches"]) {
    EXPECT_TRUE(named(b[1], {"persistent_sla_failure", "data_incident", "audit_failure", "notice", "late_payment"})) << b;
    EXPECT_TRUE(named(b[7], {"open", "uncured", "cured", "waived"})) << b;
  }
  for (const auto& i : c["invoices"]) EXPECT_TRUE(named(i[6], {"open", "overdue", "paid"})) << i;
  for (const auto& p : c["periods"]) EXPECT_TRUE(named(p[7], {"none", "monthly", "annual"})) << p;
  for (const auto& d : c["deadlines"])
    EXPECT_TRUE(named(d[2], {"cure", "invoice_due", "force_majeure", "termination", "expiry"})) << d;
}

TEST(ContractRecord, OtherFormatsAndDamagedBytesAreRefused) {
  const std::string golden = read_file(golden_path);
  json doc = json::from_msgpack(golden);
  doc["format"] = 4;
  EXPECT_FALSE(decode_contract_record(std::string(reinterpret_cast<const char*>(json::to_msgpack(doc).data()),
                                                  json::to_msgpack(doc).size())));
  EXPECT_FALSE(decode_contract_record(golden.substr(0, golden.size() / 2)));
  EXPECT_FALSE(decode_contract_record(""));
  EXPECT_FALSE(decode_contract_record(R"({"format":5})"));
}

TEST(ContractRecord, ASnapshotRecordCarriesTheRecordUnchanged) {
  const std::string golden = read_file(golden_path);
  const auto snapshot = decode_snapshot_record(encode_snapshot_record(3, 12345, golden));
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->partition, 3);
  EXPECT_EQ(snapshot->next_offset, 12345);
  EXPECT_EQ(snapshot->record, golden);
  EXPECT_FALSE(decode_snapshot_record("{\"next_offset\":1}")); // the JSON snapshots of format 4
}

} // namespace
} // namespace pactum::runtime
