// Spec section 17: itemised invoices (v2), the upcast of v1, and the
// reconciliation of each invoice against the period it bills, as stories.
#include "../common/story.hpp"

#include "pactum/events/decode.hpp"
#include "pactum/events/encode.hpp"
#include "pactum/events/versions.hpp"

namespace pactum::testing {
namespace {

class invoices_v2 : public story {
protected:
  std::string issue_v2(const std::string& id, const std::string& amount, json lines, const std::string& time,
                       const std::string& period = "2026-01") {
    json data{{"invoice_id", id}, {"period", period}, {"amount", amount}};
    if (!lines.is_discarded()) data["lines"] = std::move(lines);
    const events::envelope e{"v2-" + id + "-" + std::to_string(++n_), "/billing", events::invoice_issued::type_name, "C-1",
                             time};
    return send_raw(events::encode_structured(e, data.dump()));
  }
  // January 2026 on the spec's terms: 1 000 contacts, every metric better than
  // its bonus tier: charge 50 800.00 (base 50 000.00), credit 0.00, bonus
  // 1 016.00 (2.5 % capped at 2 %): expected total 51 816.00.
  void given_a_good_january() {
    given_signed_contract();
    ASSERT_EQ(send("sla.period-reported", period_report("2026-01", 25, 96, 1000), "2026-02-01T08:00:00Z"), "accepted");
  }
  json invoice(std::size_t i = 0) const { return view()["settlement"]["invoices"][i]; }
  json reconciliation(std::size_t i = 0) const { return invoice(i)["reconciliation"]; }

  static json line(const std::string& kind, const std::string& amount) { return {{"kind", kind}, {"amount", amount}}; }
  static json good_lines() {
    return json::array({line("bonus", "1016.00"), line("base", "50000.00"), line("contacts", "800.00")});
  }

private:
  int n_ = 0;
};

const json expected_january{{"base", "50000.00"}, {"contacts", "800.00"}, {"credit", "0.00"}, {"bonus", "1016.00"},
                            {"total", "51816.00"}};

TEST_F(invoices_v2, AnItemisedInvoiceThatMatchesItsPeriod) {
  given_a_good_january();
  ASSERT_EQ(issue_v2("INV-1", "51816.00", good_lines(), "2026-02-02T00:00:00Z"), "accepted");
  EXPECT_EQ(invoice()["lines"], json::array({line("base", "50000.00"), line("contacts", "800.00"), line("bonus", "1016.00")}))
      << "lines in kind order";
  EXPECT_EQ(reconciliation(), json({{"status", "matches"}, {"expected", expected_january}, {"differences", json::array()}}));
  EXPECT_EQ(view()["settlement"]["reconciliation"], json({{"matches", 1}, {"differs", 0}, {"period_unreported", 0}}));
}

TEST_F(invoices_v2, AnItemisedInvoiceThatDiffersNamesEachKindInOrder) {
  given_a_good_january();
  // No bonus line, a credit the period did not earn, and something other.
  const json lines = json::array({line("base", "50000.00"), line("contacts", "800.00"), line("credit", "100.00"),
                                  line("other", "25.00")});
  ASSERT_EQ(issue_v2("INV-1", "50725.00", lines, "2026-02-02T00:00:00Z"), "accepted");
  EXPECT_EQ(reconciliation()["status"], "differs");
  EXPECT_EQ(reconciliation()["differences"],
            json::array({{{"kind", "credit"}, {"invoiced", "100.00"}, {"expected", "0.00"}},
                         {{"kind", "bonus"}, {"invoiced", "0.00"}, {"expected", "1016.00"}},
                         {{"kind", "other"}, {"invoiced", "25.00"}, {"expected", "0.00"}}}));
  EXPECT_EQ(view()["settlement"]["reconciliation"], json({{"matches", 0}, {"differs", 1}, {"period_unreported", 0}}));
}

TEST_F(invoices_v2, AnInvoiceBeforeItsPeriodIsReportedIsPeriodUnreportedForGood) {
  given_signed_contract();
  ASSERT_EQ(issue_v2("INV-1", "51816.00", good_lines(), "2026-01-31T00:00:00Z"), "accepted");
  EXPECT_EQ(reconciliation(), json({{"status", "period_unreported"}, {"expected", nullptr}, {"differences", json::array()}}));
  // Decided at acceptance, never recomputed: the report that follows changes nothing.
  ASSERT_EQ(send("sla.period-reported", period_report("2026-01", 25, 96, 1000), "2026-02-01T08:00:00Z"), "accepted");
  EXPECT_EQ(reconciliation()["status"], "period_unreported");
  EXPECT_EQ(view()["settlement"]["reconciliation"], json({{"matches", 0}, {"differs", 0}, {"period_unreported", 1}}));
}

TEST_F(invoices_v2, AV1InvoiceIsUpcastNotItemisedAndReconciledOnItsTotal) {
  given_a_good_january();
  ASSERT_EQ(send("invoice.issued", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "51816.00"}},
                 "2026-02-02T00:00:00Z"),
            "accepted");
  EXPECT_EQ(invoice()["lines"], nullptr);
  EXPECT_EQ(reconciliation(), json({{"status", "matches"}, {"expected", expected_january}, {"differences", json::array()}}));
  ASSERT_EQ(send("invoice.issued", {{"invoice_id", "INV-2"}, {"period", "2026-01"}, {"amount", "50800.00"}},
                 "2026-02-03T00:00:00Z"),
            "accepted");
  EXPECT_EQ(reconciliation(1), json({{"status", "differs"},
                                     {"expected", expected_january},
                                     {"differences", json::array({{{"kind", "total"}, {"invoiced", "50800.00"},
                                                                  {"expected", "51816.00"}}})}}));
}

TEST_F(invoices_v2, AV2InvoiceWithoutLinesIsNotItemised) {
  given_a_good_january();
  ASSERT_EQ(issue_v2("INV-1", "51816.00", json(json::value_t::discarded), "2026-02-02T00:00:00Z"), "accepted");
  ASSERT_EQ(issue_v2("INV-2", "51816.00", nullptr, "2026-02-02T00:00:00Z"), "accepted"); // null means absent
  EXPECT_EQ(invoice(0)["lines"], nullptr);
  EXPECT_EQ(reconciliation(0)["status"], "matches");
  EXPECT_EQ(invoice(1)["lines"], nullptr);
}

TEST_F(invoices_v2, EveryDecodingErrorNamesItsMember) {
  given_signed_contract();
  struct bad {
    json lines;
    std::string amount;
    std::string pointer;
  };
  const std::vector<bad> cases{
      {json::array(), "1.00", "/data/lines"},
      {json::object(), "1.00", "/data/lines"},
      {"base", "1.00", "/data/lines"},
      {json::array({7}), "1.00", "/data/lines/0"},
      {json::array({line("base", "1.00"), {{"amount", "1.00"}}}), "2.00", "/data/lines/1/kind"},
      {json::array({line("base", "1.00"), line("fees", "1.00")}), "2.00", "/data/lines/1/kind"},
      {json::array({line("base", "1.00"), line("bonus", "1.00"), line("base", "1.00")}), "3.00", "/data/lines/2/kind"},
      {json::array({line("base", "1.505")}), "1.50", "/data/lines/0/amount"},
      {json::array({{{"kind", "base"}, {"amount", 1}}}), "1.00", "/data/lines/0/amount"},
      {json::array({{{"kind", "base"}}}), "1.00", "/data/lines/0/amount"},
      {json::array({line("base", "10.00"), line("credit", "3.00")}), "13.00", "/data/lines"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(issue_v2("INV-X", c.amount, c.lines, "2026-02-02T00:00:00Z"), "invalid_data") << c.lines.dump();
    const auto& why = session().rejections().back().why.detail;
    EXPECT_EQ(why.rfind(c.pointer + ":", 0), 0U) << c.lines.dump() << " -> " << why;
  }
  // Unknown members of a line are ignored; the sum holds with a credit.
  EXPECT_EQ(issue_v2("INV-1", "7.00",
                     json::array({{{"kind", "base"}, {"amount", "10.00"}, {"note", "x"}}, line("credit", "3.00")}),
                     "2026-02-02T00:00:00Z"),
            "accepted");
}

TEST(event_versions, UnlistedVersionsAreUnknownTypes) {
  const std::string v3 = R"({"specversion":"1.0","id":"x","source":"/b","type":"pactum.invoice.issued.v3",)"
                         R"("subject":"C-1","time":"2026-02-01T00:00:00Z","data":{"invoice_id":"I","period":"2026-01","amount":"1.00"}})";
  const auto d = events::decode_structured(v3);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().why.code, events::rejection_code::unknown_type);
}

// Every listed older version upcasts to what the latest decoder reads from the
// same data under the latest type: new versions only add, so an upcast value is
// one the latest version can carry.
TEST(event_versions, EveryOlderVersionUpcastsToAValueOfTheLatest) {
  ASSERT_FALSE(events::older_versions().empty());
  const std::map<std::string_view, json> samples{
      {"pactum.invoice.issued.v1", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "12.34"}}}};
  for (const auto& older : events::older_versions()) {
    ASSERT_TRUE(samples.contains(older.type_name)) << "add a sample for " << older.type_name;
    const std::string data = samples.at(older.type_name).dump();
    const auto as_older = events::decode_structured(
        events::encode_structured({"e1", "/s", older.type_name, "C-1", "2026-02-01T00:00:00Z"}, data));
    const auto as_latest = events::decode_structured(
        events::encode_structured({"e1", "/s", events::to_string(older.latest), "C-1", "2026-02-01T00:00:00Z"}, data));
    ASSERT_TRUE(as_older) << as_older.error().why.detail;
    ASSERT_TRUE(as_latest) << as_latest.error().why.detail;
    EXPECT_EQ(as_older.value().type(), older.latest);
    const auto& a = std::get<events::invoice_issued>(as_older.value().data);
    const auto& b = std::get<events::invoice_issued>(as_latest.value().data);
    EXPECT_EQ(a.invoice_id, b.invoice_id);
    EXPECT_EQ(a.month, b.month);
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.lines, b.lines);
  }
}

} // namespace
} // namespace pactum::testing
