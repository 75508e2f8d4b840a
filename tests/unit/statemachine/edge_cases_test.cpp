// Spec section 15, "Edge cases settled after a differential hunt": each case as
// a story through the real decoder and contract book.
#include "../common/story.hpp"

#include "pactum/events/decode.hpp"
#include "pactum/statemachine/snapshot.hpp"

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pactum::testing {
namespace {

using events::decode_structured;
using events::rejection_code;

std::string code_of(const std::string& record) {
  const auto d = decode_structured(record);
  return d ? "ok" : std::string(events::to_string(d.error().why.code));
}

std::string detail_of(const std::string& record) {
  const auto d = decode_structured(record);
  return d ? "" : d.error().why.detail;
}

// A good invoice.paid record with `extra` spliced into its data object as text.
std::string paid_with(const std::string& extra) {
  return R"({"specversion":"1.0","id":"e1","source":"/b","type":"pactum.invoice.paid.v1","subject":"C-1",)"
         R"("time":"2026-02-01T10:00:00Z","data":{"invoice_id":"INV-1","amount":"1.00")" +
         extra + "}}";
}

class edge_cases : public story {};

// ---- 1. -0, -0.0 and -0e0 are zero wherever >= 0 is required ----

TEST_F(edge_cases, NegativeZeroMetricIsZero) {
  given_signed_contract();
  EXPECT_EQ(send("sla.period-reported", period_report("2026-01", json::parse("-0.0"), 90), "2026-02-01T00:00:00Z"),
            "accepted");
  EXPECT_EQ(send("sla.period-reported", period_report("2026-02", json::parse("-0e0"), json::parse("-0")),
                 "2026-03-01T00:00:00Z"),
            "accepted");
  const json v = view();
  EXPECT_EQ(v["liability"]["periods"][0]["failed"], false);
  EXPECT_EQ(v["liability"]["periods"][1]["missed_metrics"], json::array({"resolution_rate"}));
}

TEST_F(edge_cases, NegativeZeroPercentInTermsIsZero) {
  json terms = spec_terms();
  terms["sla"]["metrics"][0]["credit_tiers"][0]["credit_pct"] = json::parse("-0.0");
  terms["sla"]["bonus_cap_pct"] = json::parse("-0e0");
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z"), "accepted");
}

// ---- 2. event identity is the pair (source, id), member by member ----

TEST_F(edge_cases, SourceAndIdAreNotJoinedIntoOneKey) {
  ASSERT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z"), "accepted");
  json first = cloud_event("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T00:00:00Z",
                           std::string("b"), "C-1", std::string("/s\0a", 4));
  json second = cloud_event("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2025-12-03T00:00:00Z",
                            std::string("a\0b", 3), "C-1", "/s");
  EXPECT_EQ(send_raw(first.dump()), "accepted");
  EXPECT_EQ(send_raw(second.dump()), "accepted"); // a different pair, not a duplicate
  EXPECT_EQ(state(), "signed");
  EXPECT_EQ(send_raw(second.dump()), "duplicate");
}

// The duplicate memory looks identities up by a 64-bit hash; the identity is
// the pair, so two pairs whose hashes collide must stay two (spec section 15).
// A hash that always collides takes the side path for every second key.
TEST(edge_case_duplicates, PairsWhoseHashesCollideStayApart) {
  statemachine::seen_events seen([](std::span<const std::string_view>) -> std::uint64_t { return 42; });
  EXPECT_TRUE(seen.empty());
  seen.insert("billing", "e-1");
  EXPECT_TRUE(seen.contains("billing", "e-1"));
  EXPECT_FALSE(seen.contains("billing", "e-2"));
  EXPECT_FALSE(seen.contains("billin", "ge-1")); // the same bytes end to end, another pair
  seen.insert("billing", "e-2");
  seen.insert(statemachine::seen_key("billing", "e-1")); // again, by key
  EXPECT_TRUE(seen.contains("billing", "e-2"));
  EXPECT_TRUE(seen.contains(statemachine::seen_key("billing", "e-2")));
  EXPECT_FALSE(seen.contains("billing", "e-3"));
  EXPECT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen.sorted_keys(), (std::vector<std::string_view>{"7:billinge-1", "7:billinge-2"}));
}

// A contract's invoices, breaches and force majeures are found by a 64-bit
// hash of their id; two ids whose hashes collide stay two.
TEST(edge_case_duplicates, IdsWhoseHashesCollideFindTheirOwnPositions) {
  const std::vector<std::string> ids{"inv-2", "inv-1", "inv-3"};
  const auto id_at = [&](std::size_t i) -> const std::string& { return ids[i]; };
  statemachine::id_index colliding([](std::span<const std::string_view>) -> std::uint64_t { return 42; });
  statemachine::id_index hashed;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    colliding.emplace(ids[i], i);
    hashed.emplace(ids[i], i);
  }
  for (const auto* index : {&colliding, &hashed}) {
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(index->find(ids[i], id_at), std::optional<std::size_t>(i));
    EXPECT_EQ(index->find("inv-4", id_at), std::nullopt);
    EXPECT_EQ(index->find("", id_at), std::nullopt);
  }
}

// The decoder hands the rules the terms it checked while it had them parsed;
// the rules would otherwise parse the compact text. Both must read the same
// terms, or fail with the same rejection, whatever the terms hold.
TEST(edge_case_terms, TheDecoderChecksTheTermsAsParsingTheirTextWould) {
  std::vector<json> variants(7, spec_terms());
  variants[1]["currency"] = "eur";
  variants[2].erase("fees");
  variants[3]["sla"]["metrics"][0]["credit_tiers"][0]["credit_pct"] = "2";
  variants[4]["client"]["name"] = "Cli\u00e9nt \"Co\"\n";
  variants[5]["sla"]["metrics"][0]["target"] = 60.0;
  variants[6]["extra"] = {{"kept", json::array({1, 2.5, true, nullptr})}};
  for (const auto& terms : variants) {
    const json record = {{"specversion", "1.0"}, {"id", "d-1"}, {"source", "/legal"},
                         {"type", "pactum.contract.drafted.v1"}, {"subject", "C-1"},
                         {"time", "2026-01-01T00:00:00Z"}, {"data", {{"terms", terms}}}};
    const auto decoded = decode_structured(record.dump());
    ASSERT_TRUE(decoded) << decoded.error().why.detail;
    const auto& drafted = std::get<events::contract_drafted>(decoded.value().data);
    ASSERT_NE(drafted.checked, nullptr);
    const auto parsed = events::parse_terms(drafted.terms);
    ASSERT_EQ(drafted.checked->ok(), parsed.ok()) << drafted.terms;
    if (parsed) {
      EXPECT_EQ(drafted.checked->value(), parsed.value()) << drafted.terms;
    } else {
      EXPECT_EQ(drafted.checked->error().code, parsed.error().code);
      EXPECT_EQ(drafted.checked->error().detail, parsed.error().detail);
    }
  }
}

TEST(edge_case_duplicates, AKeyGivenWholeIsThePairItWasMadeFrom) {
  statemachine::seen_events seen;
  seen.insert(statemachine::seen_key(std::string("/s\0a", 4), "b"));
  EXPECT_TRUE(seen.contains(std::string("/s\0a", 4), "b"));
  EXPECT_FALSE(seen.contains("/s", std::string("a\0b", 3)));
  seen.insert("/s", std::string("a\0b", 3));
  EXPECT_EQ(seen.size(), 2U);
}

// A key is hashed whole (from snapshots and the store) and as its parts (from
// an event): the hash must be one of the bytes end to end, however they are cut.
TEST(edge_case_duplicates, TheKeyHashIsOfTheBytesHoweverTheyAreCut) {
  using statemachine::seen_events;
  const std::string text = "36:/billing.example/invoices/eu-westinv-2026-11-000123\xff";
  for (std::size_t size = 0; size <= text.size(); ++size) {
    const std::string_view whole(text.data(), size);
    const std::array<std::string_view, 1> one{whole};
    const std::uint64_t expected = seen_events::fnv1a(one);
    for (std::size_t a = 0; a <= size; a += 3)
      for (std::size_t b = a; b <= size; b += 5) {
        const std::array<std::string_view, 4> cut{whole.substr(0, a), whole.substr(a, b - a), whole.substr(b), {}};
        ASSERT_EQ(seen_events::fnv1a(cut), expected) << size << " cut at " << a << ", " << b;
      }
  }
  // The length counts: a key and the key with a zero byte more differ.
  const std::array<std::string_view, 1> a{std::string_view("ab")};
  const std::array<std::string_view, 1> b{std::string_view("ab\0", 3)};
  const std::array<std::string_view, 1> c{std::string_view("")};
  EXPECT_NE(seen_events::fnv1a(a), seen_events::fnv1a(b));
  EXPECT_NE(seen_events::fnv1a(c), seen_events::fnv1a(std::array<std::string_view, 1>{std::string_view("\0", 1)}));
}

TEST(edge_case_snapshots, TheDuplicateMemoryKeepsPairsApartThroughASnapshot) {
  statemachine::contract_state c;
  c.contract_id = "C-1";
  c.terms_json = spec_terms().dump();
  c.terms = events::parse_terms(c.terms_json).value();
  c.seen.insert(statemachine::seen_key(std::string("/s\0a", 4), "b"));
  const auto restored = statemachine::state_from_snapshot(json::parse(statemachine::snapshot_of(c).dump()));
  ASSERT_TRUE(restored);
  EXPECT_TRUE(restored->seen.contains(statemachine::seen_key(std::string("/s\0a", 4), "b")));
  EXPECT_FALSE(restored->seen.contains(statemachine::seen_key("/s", std::string("a\0b", 3))));
}

// ---- 3. a duplicate member name anywhere is malformed_json, named ----

TEST(edge_case_decoding, DuplicateMemberNamesAnywhereAreMalformed) {
  EXPECT_EQ(code_of(paid_with("")), "ok");
  EXPECT_EQ(code_of(paid_with(R"(,"amount":"2.00")")), "malformed_json");
  EXPECT_NE(detail_of(paid_with(R"(,"amount":"2.00")")).find("\"amount\""), std::string::npos);
  EXPECT_EQ(code_of(paid_with(R"(,"x":{"y":1,"z":[{"q":1,"q":2}]})")), "malformed_json");
  EXPECT_NE(detail_of(paid_with(R"(,"x":{"y":1,"z":[{"q":1,"q":2}]})")).find("\"q\""), std::string::npos);
  // the envelope itself
  std::string envelope = paid_with("");
  envelope.insert(1, R"("id":"e0",)");
  EXPECT_EQ(code_of(envelope), "malformed_json");
  // many members (the sorted path)
  std::string many;
  for (int i = 0; i < 20; ++i) many += ",\"m" + std::to_string(i) + "\":" + std::to_string(i);
  EXPECT_EQ(code_of(paid_with(many)), "ok");
  EXPECT_EQ(code_of(paid_with(many + R"(,"m7":0)")), "malformed_json");
  // names alike in length and in their first, middle and last bytes are
  // still two names (the check compares those first, then every byte)
  EXPECT_EQ(code_of(paid_with(R"(,"axbxc":1,"aybxc":2,"axbyc":3,"type":4,"time":5,"ab":6,"ba":7)")), "ok");
  EXPECT_EQ(code_of(paid_with(R"(,"axbxc":1,"aybxc":2,"axbxc":3)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"":1,"a":2,"":3)")), "malformed_json");
}

TEST_F(edge_cases, DuplicateMetricNamesAreMalformedNotTheSmallestValue) {
  given_signed_contract();
  const std::string record =
      R"({"specversion":"1.0","id":"p1","source":"/t","type":"pactum.sla.period-reported.v1","subject":"C-1",)"
      R"("time":"2026-02-01T00:00:00Z","data":{"period":"2026-01","contacts_handled":0,)"
      R"("metrics":{"first_response_p90":500,"resolution_rate":90,"first_response_p90":10}}})";
  EXPECT_EQ(send_raw(record), "malformed_json");
}

TEST_F(edge_cases, DuplicateMembersInTermsAreMalformed) {
  std::string terms = spec_terms().dump();
  terms.insert(1, R"("currency":"USD",)");
  const std::string record = R"({"specversion":"1.0","id":"d1","source":"/l","type":"pactum.contract.drafted.v1",)"
                             R"("subject":"C-1","time":"2025-12-01T00:00:00Z","data":{"terms":)" +
                             terms + "}}";
  EXPECT_EQ(send_raw(record), "malformed_json");
}

// ---- 4. day counts <= 36,500 and notification_hours <= 876,000 ----

TEST_F(edge_cases, DayCountsInTermsAreBounded) {
  const std::vector<std::pair<std::string, std::string>> day_counts{
      {"fees", "payment_days"},
      {"breach", "cure_days"},
      {"breach", "for_cause_notice_days"},
      {"termination", "client_convenience_notice_days"},
      {"termination", "vendor_convenience_notice_days"},
      {"termination", "non_payment_days"},
      {"termination", "force_majeure_days"}};
  int n = 0;
  for (const auto& [group, member] : day_counts) {
    json terms = spec_terms();
    terms[group][member] = 36'501;
    const std::string subject = "D-" + std::to_string(++n);
    EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, subject), "invalid_terms")
        << member;
    terms[group][member] = 36'500;
    EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, subject), "accepted")
        << member;
  }
  json terms = spec_terms();
  terms["data_protection"]["notification_hours"] = 876'001;
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, "H-1"), "invalid_terms");
  terms["data_protection"]["notification_hours"] = 876'000;
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, "H-1"), "accepted");
}

TEST_F(edge_cases, RemediationDaysAreBounded) {
  given_signed_contract();
  EXPECT_EQ(send("audit.completed", {{"audit_id", "A1"}, {"result", "failed"}, {"findings", 1}, {"remediation_days", 36'501}},
                 "2026-02-01T00:00:00Z"),
            "invalid_data");
  EXPECT_EQ(send("audit.completed", {{"audit_id", "A1"}, {"result", "failed"}, {"findings", 1}, {"remediation_days", 36'500}},
                 "2026-02-01T00:00:00Z"),
            "accepted");
  EXPECT_EQ(breach("audit:A1")["cure_deadline"], "2126-01-08T00:00:00Z");
}

// ---- 5. numbers beyond int64 / binary64 anywhere; nesting of exactly 1,024 ----

TEST(edge_case_decoding, IntegersBeyondInt64AnywhereAreMalformed) {
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":9223372036854775807)")), "ok");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":-9223372036854775808)")), "ok");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":9223372036854775808)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":18446744073709551615)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":18446744073709551616)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":-9223372036854775809)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":1e309)")), "malformed_json");
  EXPECT_EQ(code_of(paid_with(R"(,"unknown":1.7976931348623157e308)")), "ok");
}

TEST_F(edge_cases, AKnownIntegerBeyondInt64IsMalformedNotInvalidData) {
  given_signed_contract();
  EXPECT_EQ(send("sla.period-reported",
                 {{"period", "2026-01"}, {"contacts_handled", json::parse("9223372036854775808")},
                  {"metrics", {{"first_response_p90", 1}, {"resolution_rate", 90}}}},
                 "2026-02-01T00:00:00Z"),
            "malformed_json");
}

// A record whose data holds `levels - 2` nested arrays: the record is level 1,
// data level 2, so the innermost array is at `levels`.
std::string nested(int levels, bool innermost_holds_a_value) {
  const int arrays = levels - 2;
  std::string inner = std::string(static_cast<std::size_t>(arrays), '[') + (innermost_holds_a_value ? "1" : "") +
                      std::string(static_cast<std::size_t>(arrays), ']');
  return paid_with(",\"deep\":" + inner);
}

TEST(edge_case_decoding, ExactlyTenTwentyFourLevelsAreAccepted) {
  EXPECT_EQ(code_of(nested(1'024, true)), "ok");
  EXPECT_EQ(code_of(nested(1'024, false)), "ok");
  EXPECT_EQ(code_of(nested(1'025, true)), "malformed_json");
  EXPECT_EQ(code_of(nested(1'025, false)), "malformed_json");
  EXPECT_NE(detail_of(nested(1'025, false)).find("deeper than 1024"), std::string::npos);
}

// ---- 6. kept as they are ----

TEST(edge_case_decoding, LoneSurrogatesAreMalformed) {
  EXPECT_EQ(code_of(paid_with(R"(,"x":"\ud800")")), "malformed_json");
}

TEST_F(edge_cases, ZeroInvoiceIsPaidAtIssue) {
  given_signed_contract();
  EXPECT_EQ(send("invoice.issued", {{"invoice_id", "I0"}, {"period", "2026-01"}, {"amount", "0.00"}}, "2026-02-01T00:00:00Z"),
            "accepted");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "paid");
}

} // namespace
} // namespace pactum::testing
