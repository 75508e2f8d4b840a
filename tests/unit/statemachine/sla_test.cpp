// Spec section 7 and the worked example of section 14: SLA periods, credits,
// caps, bonuses, the force-majeure waiver, persistent failure, renewal priority.
#include "../common/story.hpp"

namespace pactum::testing {
namespace {

using sla = story;

json period_entry(const json& v, std::size_t i) { return v["liability"]["periods"][i]; }

TEST_F(sla, AGoodPeriodEarnsBonusesCappedByTheBonusCap) {
  given_signed_contract();
  EXPECT_EQ(send("sla.period-reported", period_report("2026-01", 25, 96, 1000), "2026-02-01T08:00:00Z"), "accepted");
  const json p = period_entry(view(), 0);
  EXPECT_EQ(p["charge"], "50800.00"); // 50000.00 + 0.80 * 1000
  EXPECT_EQ(p["failed"], false);
  EXPECT_EQ(p["missed_metrics"], json::array());
  EXPECT_EQ(p["credit"], "0.00");
  EXPECT_EQ(p["bonus"], "1016.00"); // 1 % + 1.5 % = 2.5 %, capped at 2 %
  EXPECT_EQ(p["capped_by"], nullptr);
  EXPECT_EQ(view()["liability"]["totals"]["bonuses"], "1016.00");
  EXPECT_EQ(view()["liability"]["totals"]["owed_to_vendor"], "1016.00");
  EXPECT_EQ(view()["liability"]["totals"]["net_to_client"], "-1016.00");
}

TEST_F(sla, AFailedPeriodPaysTheLargestTierOfEachMetricAndNoBonus) {
  given_signed_contract();
  send("sla.period-reported", period_report("2026-01", 90, 80), "2026-02-01T08:00:00Z");
  const json p = period_entry(view(), 0);
  EXPECT_EQ(p["failed"], true);
  EXPECT_EQ(p["missed_metrics"], json::array({"first_response_p90", "resolution_rate"}));
  EXPECT_EQ(p["credit"], "2500.00"); // 2 % + 3 % of 50000.00
  EXPECT_EQ(p["bonus"], "0.00");
  send("sla.period-reported", period_report("2026-02", 150, 90), "2026-03-01T08:00:00Z");
  EXPECT_EQ(period_entry(view(), 1)["credit"], "2500.00"); // only the 120 -> 5 % tier counts, not 2 + 5
  EXPECT_EQ(view()["liability"]["totals"]["service_credits"], "5000.00");
}

TEST_F(sla, TiersAreStrictAndCreditsComeFromTiersEvenWhenTheTargetIsMet) {
  json terms = spec_terms();
  terms["sla"]["metrics"][0]["target"] = 200; // the target is met at 150, a tier is not
  given_signed_contract(terms);
  send("sla.period-reported", period_report("2026-01", 60, 85), "2026-02-01T08:00:00Z");
  EXPECT_EQ(period_entry(view(), 0)["credit"], "0.00"); // exactly at thresholds: not worse
  EXPECT_EQ(period_entry(view(), 0)["failed"], false);
  send("sla.period-reported", period_report("2026-02", 150, 85), "2026-03-01T08:00:00Z");
  EXPECT_EQ(period_entry(view(), 1)["failed"], false);
  EXPECT_EQ(period_entry(view(), 1)["credit"], "2500.00");
}

TEST_F(sla, MonthlyCap) {
  json terms = spec_terms();
  terms["sla"]["monthly_credit_cap_pct"] = 5;
  given_signed_contract(terms);
  send("sla.period-reported", period_report("2026-01", 150, 80), "2026-02-01T08:00:00Z"); // 5 % + 3 %
  EXPECT_EQ(period_entry(view(), 0)["credit"], "2500.00");
  EXPECT_EQ(period_entry(view(), 0)["capped_by"], "monthly");
}

TEST_F(sla, RollingAnnualCapOverTheElevenMonthsBefore) {
  json terms = spec_terms();
  terms["sla"]["annual_credit_cap_pct"] = 5;
  given_signed_contract(terms);
  send("sla.period-reported", period_report("2026-01", 150, 80), "2026-02-01T08:00:00Z"); // 8 % = 4000.00
  EXPECT_EQ(period_entry(view(), 0)["credit"], "2500.00"); // 5 % of 50000.00
  EXPECT_EQ(period_entry(view(), 0)["capped_by"], "annual");
  send("sla.period-reported", period_report("2026-02", 150, 80), "2026-03-01T08:00:00Z");
  // 5 % of 100000.00 = 5000.00, less 2500.00 already credited
  EXPECT_EQ(period_entry(view(), 1)["credit"], "2500.00");
  // A year later the January period has left the window.
  send("sla.period-reported", period_report("2027-01", 150, 80), "2027-02-01T08:00:00Z");
  EXPECT_EQ(period_entry(view(), 2)["credit"], "2500.00"); // prior: Feb only -> 5000 - 2500
  send("sla.period-reported", period_report("2027-02", 25, 96), "2027-03-01T08:00:00Z");
  EXPECT_EQ(period_entry(view(), 3)["capped_by"], nullptr);
}

TEST_F(sla, AnnualCapSubtractsTheCreditsAlreadyGiven) {
  json terms = spec_terms();
  terms["sla"]["annual_credit_cap_pct"] = 1;
  terms["fees"]["per_contact"] = "1.00";
  given_signed_contract(terms);
  send("sla.period-reported", period_report("2026-01", 150, 80, 100000), "2026-02-01T08:00:00Z"); // charge 150000
  EXPECT_EQ(period_entry(view(), 0)["credit"], "1500.00");
  send("sla.period-reported", period_report("2026-02", 150, 80, 0), "2026-03-01T08:00:00Z"); // 1 % of 200000 - 1500 = 500
  EXPECT_EQ(period_entry(view(), 1)["credit"], "500.00");
  send("sla.period-reported", period_report("2026-03", 150, 80, 0), "2026-04-01T08:00:00Z"); // 2500 - 2000 = 500
  EXPECT_EQ(period_entry(view(), 2)["credit"], "500.00");
}

TEST_F(sla, ForceMajeureWaivesOverlappingPeriods) {
  given_signed_contract();
  send("force-majeure.declared", {{"fm_id", "FM1"}, {"by", "vendor"}}, "2026-01-20T00:00:00Z");
  send("force-majeure.ended", {{"fm_id", "FM1"}}, "2026-02-01T00:00:00Z");
  send("sla.period-reported", period_report("2026-01", 150, 80), "2026-02-02T08:00:00Z");
  send("sla.period-reported", period_report("2026-02", 150, 80), "2026-03-01T08:00:00Z");
  const json v = view();
  EXPECT_EQ(period_entry(v, 0)["waived"], true);
  EXPECT_EQ(period_entry(v, 0)["failed"], true);
  EXPECT_EQ(period_entry(v, 0)["credit"], "0.00");
  EXPECT_EQ(period_entry(v, 0)["capped_by"], nullptr);
  EXPECT_EQ(period_entry(v, 1)["waived"], false); // ended exactly at 1 Feb 00:00Z: no overlap
  EXPECT_EQ(period_entry(v, 1)["credit"], "4000.00");
}

TEST_F(sla, PersistentFailureOnConsecutiveCountingPeriods) {
  given_signed_contract();
  send("sla.period-reported", period_report("2026-01", 90, 90), "2026-02-01T08:00:00Z");
  send("sla.period-reported", period_report("2026-02", 90, 90), "2026-03-01T08:00:00Z");
  EXPECT_EQ(state(), "signed");
  send("sla.period-reported", period_report("2026-03", 90, 90), "2026-04-01T08:00:00Z");
  EXPECT_EQ(state(), "in_breach");
  const json b = breach("sla:2026-03");
  EXPECT_EQ(b, json({{"breach_id", "sla:2026-03"}, {"kind", "persistent_sla_failure"}, {"by", "vendor"}, {"material", true},
                     {"curable", false}, {"opened_at", "2026-04-01T08:00:00Z"}, {"cure_deadline", nullptr},
                     {"status", "open"}, {"closed_at", nullptr}, {"damages", "0.00"}}));
  EXPECT_EQ(grounds("client"), json::array({"convenience", "persistent_sla_failure"}));
  // A fourth counting period keeps the run at the limit, but one breach is open already.
  send("sla.period-reported", period_report("2026-04", 90, 90), "2026-05-01T08:00:00Z");
  EXPECT_EQ(view()["liability"]["breaches"].size(), 1U);
  // Waived by the client (the harmed party), the next counting period opens a new one.
  EXPECT_EQ(send("breach.waived", {{"breach_id", "sla:2026-03"}, {"by", "client"}}, "2026-05-02T00:00:00Z"), "accepted");
  EXPECT_EQ(state(), "signed");
  send("sla.period-reported", period_report("2026-05", 90, 90), "2026-06-01T08:00:00Z");
  EXPECT_EQ(breach("sla:2026-05")["status"], "open");
  EXPECT_EQ(state(), "in_breach");
}

TEST_F(sla, PersistentFailureOnTheWindow) {
  given_signed_contract();
  const char* months[] = {"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"};
  const bool fails[] = {true, false, true, false, true, true};
  for (int i = 0; i < 6; ++i) {
    send("sla.period-reported", period_report(months[i], fails[i] ? 90 : 50, 90),
         std::string("2026-0") + std::to_string(i + 2) + "-01T08:00:00Z");
    if (i < 5) {
      EXPECT_EQ(view()["liability"]["breaches"].size(), 0U) << months[i];
    }
  }
  EXPECT_EQ(breach("sla:2026-06")["kind"], "persistent_sla_failure"); // 4 counting periods in 6 months
}

TEST_F(sla, MissingMonthsBreakTheRunAndWaivedPeriodsDoNotCount) {
  given_signed_contract();
  send("sla.period-reported", period_report("2026-01", 90, 90), "2026-02-01T08:00:00Z");
  send("sla.period-reported", period_report("2026-02", 90, 90), "2026-03-01T08:00:00Z");
  send("sla.period-reported", period_report("2026-04", 90, 90), "2026-05-01T08:00:00Z"); // March not reported
  EXPECT_EQ(view()["liability"]["breaches"].size(), 0U);
  send("force-majeure.declared", {{"fm_id", "F"}, {"by", "vendor"}}, "2026-05-10T00:00:00Z");
  send("sla.period-reported", period_report("2026-05", 90, 90), "2026-06-01T08:00:00Z"); // waived: does not count
  EXPECT_EQ(view()["liability"]["breaches"].size(), 0U);
}

TEST_F(sla, RenewalPriorityAfterTwelveCleanPeriods) {
  given_signed_contract();
  for (int m = 1; m <= 12; ++m) {
    const std::string period = "2026-" + std::string(m < 10 ? "0" : "") + std::to_string(m);
    const std::string next = m < 12 ? "2026-" + std::string(m + 1 < 10 ? "0" : "") + std::to_string(m + 1) : "2027-01";
    send("sla.period-reported", period_report(period, 50, 90), next + "-01T08:00:00Z");
    EXPECT_EQ(view()["liability"]["renewal_priority"], m == 12) << period;
  }
}

TEST_F(sla, PeriodChecksInOrder) {
  given_signed_contract();
  EXPECT_EQ(send("sla.period-reported", period_report("2025-12", 50, 90), "2026-01-05T00:00:00Z"), "period_outside_term");
  EXPECT_EQ(send("sla.period-reported", period_report("2028-01", 50, 90), "2026-01-05T00:00:00Z"), "period_outside_term");
  send("sla.period-reported", period_report("2026-03", 50, 90), "2026-04-01T00:00:00Z");
  EXPECT_EQ(send("sla.period-reported", period_report("2026-03", 50, 90), "2026-04-02T00:00:00Z"), "period_out_of_order");
  EXPECT_EQ(send("sla.period-reported", period_report("2026-02", 50, 90), "2026-04-02T00:00:00Z"), "period_out_of_order");
  EXPECT_EQ(send("sla.period-reported", {{"period", "2026-04"}, {"contacts_handled", 1}, {"metrics", {{"first_response_p90", 5}}}},
                 "2026-05-01T00:00:00Z"), "missing_metric");
  json extra = period_report("2026-04", 50, 90);
  extra["metrics"]["csat"] = 4.5;
  EXPECT_EQ(send("sla.period-reported", extra, "2026-05-01T00:00:00Z"), "unknown_metric");
  EXPECT_EQ(send("sla.period-reported", period_report("2026-04", 50, 100.5), "2026-05-01T00:00:00Z"), "invalid_data");
  EXPECT_EQ(send("sla.period-reported", period_report("2026-04", 50, 100), "2026-05-01T00:00:00Z"), "accepted");
}

// Spec section 14, verbatim.
class worked_example : public story {
protected:
  void given_availability_contract(json tier_98_pct) {
    json terms = spec_terms();
    terms["fees"]["monthly_base"] = "10.00";
    terms["sla"]["metrics"] = json::array({{{"id", "availability"}, {"unit", "percent"}, {"direction", "higher_is_better"},
                                            {"target", 99.8},
                                            {"credit_tiers", {{{"threshold", 99.8}, {"credit_pct", 2}},
                                                              {{"threshold", 98.0}, {"credit_pct", std::move(tier_98_pct)}}}}}});
    terms["sla"]["monthly_credit_cap_pct"] = 10;
    terms["sla"]["annual_credit_cap_pct"] = 10;
    given_signed_contract(terms, "X-" + std::to_string(++n_));
  }
  json credit_at(json availability) {
    send("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 0}, {"metrics", {{"availability", std::move(availability)}}}},
         "2026-02-01T00:00:00Z", std::nullopt, "X-" + std::to_string(n_));
    const json p = view("X-" + std::to_string(n_))["liability"]["periods"][0];
    return {p["credit"], p["capped_by"]};
  }
  int n_ = 0;
};

TEST_F(worked_example, AvailabilityWithTwoCreditTiers) {
  given_availability_contract(3);
  EXPECT_EQ(credit_at(100), json({"0.00", nullptr}));
  given_availability_contract(3);
  EXPECT_EQ(credit_at(99.7), json({"0.20", nullptr}));
  given_availability_contract(3);
  EXPECT_EQ(credit_at(97), json({"0.30", nullptr}));
  given_availability_contract(3);
  EXPECT_EQ(credit_at(98.0), json({"0.20", nullptr}));
  given_availability_contract(3);
  EXPECT_EQ(credit_at(99.8), json({"0.00", nullptr}));
  given_availability_contract(11);
  EXPECT_EQ(credit_at(97), json({"1.00", "monthly"}));
}

} // namespace
} // namespace pactum::testing
