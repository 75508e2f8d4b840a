// Spec section 11: grounds, notices, withdrawal, mutual termination, the early
// termination fee, and what termination freezes.
#include "../common/story.hpp"

namespace pactum::testing {
namespace {

using termination = story;

json notice(const std::string& id, const std::string& by, const std::string& ground) {
  return {{"notice_id", id}, {"by", by}, {"ground", ground}};
}

TEST_F(termination, ConvenienceGroundsAreAvailableWhileLive) {
  given_signed_contract();
  EXPECT_EQ(view()["termination"]["grounds"],
            json::parse(R"([{"party":"client","ground":"convenience","since":"2026-01-01T00:00:00Z","notice_days":90,"basis":[]},
                            {"party":"vendor","ground":"convenience","since":"2026-01-01T00:00:00Z","notice_days":180,"basis":[]}])"));
  EXPECT_EQ(view()["termination"]["pending"], nullptr);
  EXPECT_EQ(view()["termination"]["terminated"], nullptr);
}

TEST_F(termination, ClientConvenienceNoticeTerminatesAfterItsNoticeAndOwesTheEarlyTerminationFee) {
  given_signed_contract();
  EXPECT_EQ(send("termination.notice-served", notice("T1", "client", "convenience"), "2026-03-01T00:00:00Z"), "accepted");
  EXPECT_EQ(view()["termination"]["pending"],
            json({{"notice_id", "T1"}, {"by", "client"}, {"ground", "convenience"}, {"served_at", "2026-03-01T00:00:00Z"},
                  {"effective_at", "2026-05-30T00:00:00Z"}}));
  EXPECT_EQ(state(), "signed");
  send("invoice.issued", {{"invoice_id", "INV-9"}, {"period", "2026-05"}, {"amount", "10.00"}}, "2026-05-20T00:00:00Z");
  advance_to("2026-05-30T00:00:00Z");
  const json v = view();
  EXPECT_EQ(v["state"], "terminated");
  EXPECT_EQ(v["termination"]["terminated"], json({{"at", "2026-05-30T00:00:00Z"}, {"by", "client"}, {"ground", "convenience"}}));
  EXPECT_EQ(v["termination"]["pending"], nullptr);
  EXPECT_EQ(v["termination"]["grounds"], json::array());
  EXPECT_EQ(v["liability"]["totals"]["early_termination_fee"], "150000.00");
  EXPECT_EQ(v["liability"]["totals"]["owed_to_vendor"], "150000.00");
  EXPECT_EQ(v["liability"]["totals"]["net_to_client"], "-150000.00");
  // Termination freezes invoices: the unpaid one stays open and cannot be paid any more.
  advance_to("2026-07-01T00:00:00Z");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "open");
  EXPECT_EQ(send("invoice.paid", {{"invoice_id", "INV-9"}, {"amount", "10.00"}}, "2026-07-02T00:00:00Z"), "contract_terminated");
}

TEST_F(termination, EffectiveAtIsTheLaterOfTheRequestedDateAndTheNoticePeriod) {
  given_signed_contract();
  json n = notice("T1", "vendor", "convenience");
  n["effective_at"] = "2026-01-02T00:00:00Z"; // earlier than 180 days' notice
  send("termination.notice-served", n, "2026-01-10T00:00:00Z");
  EXPECT_EQ(view()["termination"]["pending"]["effective_at"], "2026-07-09T00:00:00Z");
  send("termination.notice-withdrawn", {{"notice_id", "T1"}}, "2026-01-11T00:00:00Z");
  n = notice("T2", "vendor", "convenience");
  n["effective_at"] = "2027-01-01T00:00:00+01:00";
  send("termination.notice-served", n, "2026-01-12T00:00:00Z");
  EXPECT_EQ(view()["termination"]["pending"]["effective_at"], "2026-12-31T23:00:00Z");
  advance_to("2027-01-01T00:00:00Z");
  EXPECT_EQ(view()["termination"]["terminated"]["by"], "vendor");
  EXPECT_EQ(view()["liability"]["totals"]["early_termination_fee"], "0.00"); // only the client's convenience owes it
}

TEST_F(termination, NoFeeWhenTheClientsNoticeRunsToTheEndOfTheTerm) {
  given_signed_contract();
  json n = notice("T1", "client", "convenience");
  n["effective_at"] = "2028-01-01T00:00:00Z";
  send("termination.notice-served", n, "2027-06-01T00:00:00Z");
  advance_to("2028-01-02T00:00:00Z");
  // expiry and termination are both due at 2028-01-01: "expiry" < "termination:T1" byte-wise.
  EXPECT_EQ(view()["termination"]["terminated"], json({{"at", "2028-01-01T00:00:00Z"}, {"by", nullptr}, {"ground", "expired"}}));
  EXPECT_EQ(view()["liability"]["totals"]["early_termination_fee"], "0.00");
}

TEST_F(termination, TheFeeIsDecidedAgainstTheEndDateCurrentWhenItFires) {
  given_signed_contract();
  json n = notice("T1", "client", "convenience");
  n["effective_at"] = "2028-06-01T00:00:00Z"; // after the original end date
  send("termination.notice-served", n, "2027-06-01T00:00:00Z");
  EXPECT_EQ(send("contract.renewed", {{"end_date", "2028-12-31"}}, "2027-06-02T00:00:00Z"), "accepted");
  advance_to("2028-06-01T00:00:00Z");
  EXPECT_EQ(view()["termination"]["terminated"]["ground"], "convenience");
  EXPECT_EQ(view()["liability"]["totals"]["early_termination_fee"], "150000.00"); // before 2029-01-01
}

TEST_F(termination, OnePendingTerminationAtATime) {
  given_signed_contract();
  send("termination.notice-served", notice("T1", "client", "convenience"), "2026-03-01T00:00:00Z");
  EXPECT_EQ(send("termination.notice-served", notice("T2", "vendor", "convenience"), "2026-03-02T00:00:00Z"), "termination_pending");
  EXPECT_EQ(send("termination.agreed", {{"effective_at", "2026-04-01T00:00:00Z"}}, "2026-03-02T00:00:00Z"), "termination_pending");
  EXPECT_EQ(send("termination.notice-served", notice("T1", "vendor", "convenience"), "2026-03-02T00:00:00Z"), "duplicate_reference");
}

TEST_F(termination, GroundNotAvailable) {
  given_signed_contract();
  EXPECT_EQ(send("termination.notice-served", notice("T1", "vendor", "non_payment"), "2026-03-01T00:00:00Z"), "ground_not_available");
  EXPECT_EQ(send("termination.notice-served", notice("T2", "client", "boredom"), "2026-03-01T00:00:00Z"), "ground_not_available");
  EXPECT_EQ(view()["termination"]["pending"], nullptr);
}

TEST_F(termination, WithdrawingANoticeCancelsItsDeadline) {
  given_signed_contract();
  send("termination.notice-served", notice("T1", "client", "convenience"), "2026-03-01T00:00:00Z");
  EXPECT_EQ(send("termination.notice-withdrawn", {{"notice_id", "T9"}}, "2026-03-02T00:00:00Z"), "unknown_reference");
  EXPECT_EQ(send("termination.notice-withdrawn", {{"notice_id", "T1"}}, "2026-03-02T00:00:00Z"), "accepted");
  EXPECT_EQ(view()["termination"]["pending"], nullptr);
  advance_to("2026-12-01T00:00:00Z");
  EXPECT_EQ(state(), "signed");
  EXPECT_EQ(send("termination.notice-withdrawn", {{"notice_id", "T1"}}, "2026-12-02T00:00:00Z"), "unknown_reference");
  EXPECT_EQ(send("termination.notice-served", notice("T1", "client", "convenience"), "2026-12-02T00:00:00Z"), "duplicate_reference");
}

TEST_F(termination, MutualTermination) {
  given_signed_contract();
  EXPECT_EQ(send("termination.agreed", {{"effective_at", "2026-02-01T00:00:00Z"}}, "2026-03-01T00:00:00Z"), "accepted");
  // effective_at in the past: max(effective_at, e.time); fires in step 5 at once.
  EXPECT_EQ(view()["termination"]["terminated"], json({{"at", "2026-03-01T00:00:00Z"}, {"by", "both"}, {"ground", "mutual"}}));
}

TEST_F(termination, AMutualTerminationCannotBeWithdrawnByNotice) {
  given_signed_contract();
  send("termination.agreed", {{"effective_at", "2026-06-01T00:00:00Z"}}, "2026-03-01T00:00:00Z");
  EXPECT_EQ(view()["termination"]["pending"],
            json({{"notice_id", nullptr}, {"by", "both"}, {"ground", "mutual"}, {"served_at", "2026-03-01T00:00:00Z"},
                  {"effective_at", "2026-06-01T00:00:00Z"}}));
  EXPECT_EQ(send("termination.notice-withdrawn", {{"notice_id", "mutual"}}, "2026-03-02T00:00:00Z"), "unknown_reference");
}

TEST_F(termination, APendingNoticeTerminatesEvenIfItsGroundHasGone) {
  json terms = spec_terms();
  terms["breach"]["for_cause_notice_days"] = 10;
  given_signed_contract(terms);
  send("breach.notice-served", {{"notice_id", "N1"}, {"by", "client"}, {"clause", "4"}, {"description", "x"}}, "2026-02-01T00:00:00Z");
  advance_to("2026-03-03T00:00:00Z");
  send("termination.notice-served", notice("T1", "client", "uncured_breach"), "2026-03-04T00:00:00Z");
  EXPECT_EQ(view()["termination"]["pending"]["effective_at"], "2026-03-14T00:00:00Z");
  send("breach.cured", {{"breach_id", "notice:N1"}}, "2026-03-05T00:00:00Z");
  EXPECT_EQ(grounds("client"), json::array({"convenience"}));
  advance_to("2026-03-14T00:00:00Z");
  EXPECT_EQ(view()["termination"]["terminated"]["ground"], "uncured_breach");
}

TEST_F(termination, TerminationCancelsEveryOtherDeadline) {
  given_signed_contract();
  send("breach.notice-served", {{"notice_id", "N1"}, {"by", "client"}, {"clause", "4"}, {"description", "x"}}, "2026-02-01T00:00:00Z");
  send("termination.agreed", {{"effective_at", "2026-02-10T00:00:00Z"}}, "2026-02-02T00:00:00Z");
  advance_to("2026-12-01T00:00:00Z");
  EXPECT_EQ(breach("notice:N1")["status"], "open"); // its cure deadline never fired
  EXPECT_EQ(state(), "terminated");
}

} // namespace
} // namespace pactum::testing
