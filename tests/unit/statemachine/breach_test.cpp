// Spec sections 8-10: data incidents, audits, breach notices, cures and waivers,
// invoices and late payment, force majeure.
#include "../common/story.hpp"

namespace pactum::testing {
namespace {

using breaches = story;

json incident(const std::string& id, const std::string& severity, std::int64_t records, const std::string& detected,
              const std::string& notified) {
  return {{"incident_id", id}, {"severity", severity}, {"records_affected", records}, {"detected_at", detected},
          {"client_notified_at", notified}};
}

TEST_F(breaches, AMinorIncidentIsCurableAndBecomesUncuredAtItsCureDeadline) {
  given_signed_contract();
  EXPECT_EQ(send("data.incident-reported", incident("I1", "low", 5000, "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
                 "2026-03-02T12:00:00Z"), "accepted");
  EXPECT_EQ(state(), "in_breach");
  EXPECT_EQ(breach("incident:I1"), json({{"breach_id", "incident:I1"}, {"kind", "data_incident"}, {"by", "vendor"},
                                         {"material", false}, {"curable", true}, {"opened_at", "2026-03-02T12:00:00Z"},
                                         {"cure_deadline", "2026-04-01T12:00:00Z"}, {"status", "open"},
                                         {"closed_at", nullptr}, {"damages", "10000.00"}}));
  EXPECT_EQ(grounds("client"), json::array({"convenience"})); // not material, not uncured
  advance_to("2026-04-01T12:00:00Z");
  EXPECT_EQ(breach("incident:I1")["status"], "uncured");
  const json g = view()["termination"]["grounds"][1];
  EXPECT_EQ(g, json({{"party", "client"}, {"ground", "uncured_breach"}, {"since", "2026-04-01T12:00:00Z"},
                     {"notice_days", 0}, {"basis", {"incident:I1"}}}));
  EXPECT_EQ(send("data.incident-remediated", {{"incident_id", "I1"}}, "2026-04-05T00:00:00Z"), "accepted");
  EXPECT_EQ(breach("incident:I1")["status"], "cured");
  EXPECT_EQ(breach("incident:I1")["closed_at"], "2026-04-05T00:00:00Z");
  EXPECT_EQ(state(), "signed");
  EXPECT_EQ(view()["liability"]["totals"]["data_damages"], "10000.00"); // fixed at report time
  EXPECT_EQ(send("data.incident-remediated", {{"incident_id", "I1"}}, "2026-04-06T00:00:00Z"), "already_closed");
  EXPECT_EQ(send("data.incident-remediated", {{"incident_id", "I9"}}, "2026-04-06T00:00:00Z"), "unknown_reference");
}

TEST_F(breaches, MaterialityByLateNotificationSeverityOrRecords) {
  given_signed_contract();
  // 72 h exactly is on time; one millisecond more is late.
  send("data.incident-reported", incident("ontime", "high", 1, "2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"), "2026-03-05T00:00:00Z");
  send("data.incident-reported", incident("late", "low", 1, "2026-03-01T00:00:00Z", "2026-03-04T00:00:00.001Z"), "2026-03-05T00:00:00Z");
  send("data.incident-reported", incident("critical", "critical", 1, "2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"), "2026-03-05T00:00:00Z");
  send("data.incident-reported", incident("many", "low", 10000, "2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"), "2026-03-05T00:00:00Z");
  EXPECT_EQ(breach("incident:ontime")["material"], false);
  EXPECT_EQ(breach("incident:late")["material"], true);
  EXPECT_EQ(breach("incident:late")["curable"], false);
  EXPECT_EQ(breach("incident:late")["cure_deadline"], nullptr);
  EXPECT_EQ(breach("incident:critical")["material"], true);
  EXPECT_EQ(breach("incident:many")["material"], true);
  const json g = view()["termination"]["grounds"][1];
  EXPECT_EQ(g["ground"], "material_data_incident");
  EXPECT_EQ(g["since"], "2026-03-05T00:00:00Z");
  EXPECT_EQ(g["basis"], json::array({"incident:critical", "incident:late", "incident:many"}));
  // Remediation cures a material incident too.
  EXPECT_EQ(send("data.incident-remediated", {{"incident_id", "late"}}, "2026-03-06T00:00:00Z"), "accepted");
  EXPECT_EQ(breach("incident:late")["status"], "cured");
}

TEST_F(breaches, IncidentDamagesAreCappedAcrossIncidents) {
  given_signed_contract();
  send("data.incident-reported", incident("A", "low", 100000, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  send("data.incident-reported", incident("B", "low", 100000, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  send("data.incident-reported", incident("C", "low", 1, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  EXPECT_EQ(breach("incident:A")["damages"], "200000.00");
  EXPECT_EQ(breach("incident:B")["damages"], "50000.00");
  EXPECT_EQ(breach("incident:C")["damages"], "0.00");
  EXPECT_EQ(view()["liability"]["totals"]["data_damages"], "250000.00");
  EXPECT_EQ(view()["liability"]["totals"]["owed_to_client"], "250000.00");
}

TEST_F(breaches, IncidentReferenceAndDataChecks) {
  given_signed_contract();
  send("data.incident-reported", incident("A", "low", 1, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  EXPECT_EQ(send("data.incident-reported", incident("A", "low", 1, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z"),
            "duplicate_reference");
  EXPECT_EQ(send("data.incident-reported", incident("B", "low", 1, "2026-03-01T00:00:00Z", "2026-02-28T23:59:59Z"), "2026-03-02T00:00:00Z"),
            "invalid_data");
}

TEST_F(breaches, FailedAuditsOpenACurableBreachWithTheirRemediationDays) {
  given_signed_contract();
  send("audit.completed", {{"audit_id", "Q1"}, {"result", "failed"}, {"findings", 3}, {"remediation_days", 14}}, "2026-04-01T00:00:00Z");
  send("audit.completed", {{"audit_id", "Q2"}, {"result", "failed"}, {"findings", 1}}, "2026-04-01T00:00:00Z");
  send("audit.completed", {{"audit_id", "Q3"}, {"result", "passed"}, {"findings", 0}}, "2026-04-01T00:00:00Z");
  EXPECT_EQ(breach("audit:Q1")["cure_deadline"], "2026-04-15T00:00:00Z");
  EXPECT_EQ(breach("audit:Q1")["material"], false);
  EXPECT_EQ(breach("audit:Q2")["cure_deadline"], "2026-05-01T00:00:00Z");
  EXPECT_EQ(breach("audit:Q3"), nullptr);
  EXPECT_EQ(send("audit.completed", {{"audit_id", "Q3"}, {"result", "passed"}, {"findings", 0}}, "2026-04-02T00:00:00Z"), "duplicate_reference");
  EXPECT_EQ(send("audit.remediated", {{"audit_id", "Q3"}}, "2026-04-02T00:00:00Z"), "unknown_reference"); // passed
  EXPECT_EQ(send("audit.remediated", {{"audit_id", "Q9"}}, "2026-04-02T00:00:00Z"), "unknown_reference");
  EXPECT_EQ(send("audit.remediated", {{"audit_id", "Q1"}}, "2026-04-03T00:00:00Z"), "accepted");
  EXPECT_EQ(breach("audit:Q1")["status"], "cured");
  EXPECT_EQ(send("breach.cured", {{"breach_id", "audit:Q2"}}, "2026-04-04T00:00:00Z"), "accepted");
  EXPECT_EQ(state(), "signed");
}

TEST_F(breaches, BreachNoticesBreachTheOtherPartyAndFollowTheCureRules) {
  given_signed_contract();
  send("breach.notice-served", {{"notice_id", "N1"}, {"by", "vendor"}, {"clause", "9.1"}, {"description", "late data"}}, "2026-02-01T00:00:00Z");
  EXPECT_EQ(breach("notice:N1")["by"], "client");
  EXPECT_EQ(breach("notice:N1")["cure_deadline"], "2026-03-03T00:00:00Z");
  EXPECT_EQ(send("breach.notice-served", {{"notice_id", "N1"}, {"by", "client"}, {"clause", "1"}, {"description", ""}}, "2026-02-02T00:00:00Z"),
            "duplicate_reference");
  EXPECT_EQ(send("breach.waived", {{"breach_id", "notice:N1"}, {"by", "client"}}, "2026-02-03T00:00:00Z"), "not_permitted"); // the breaching party
  advance_to("2026-03-03T00:00:00Z");
  EXPECT_EQ(breach("notice:N1")["status"], "uncured");
  EXPECT_EQ(grounds("vendor"), json::array({"convenience", "uncured_breach"}));
  EXPECT_EQ(send("breach.waived", {{"breach_id", "notice:N1"}, {"by", "vendor"}}, "2026-03-04T00:00:00Z"), "accepted");
  EXPECT_EQ(breach("notice:N1")["status"], "waived");
  EXPECT_EQ(breach("notice:N1")["closed_at"], "2026-03-04T00:00:00Z");
  EXPECT_EQ(send("breach.cured", {{"breach_id", "notice:N1"}}, "2026-03-05T00:00:00Z"), "already_closed");
  EXPECT_EQ(send("breach.cured", {{"breach_id", "notice:N7"}}, "2026-03-05T00:00:00Z"), "unknown_reference");
  EXPECT_EQ(state(), "signed");
}

TEST_F(breaches, ANonCurableBreachCannotBeCuredOnlyWaived) {
  given_signed_contract();
  send("data.incident-reported", incident("X", "critical", 1, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  EXPECT_EQ(send("breach.cured", {{"breach_id", "incident:X"}}, "2026-03-03T00:00:00Z"), "not_permitted");
  EXPECT_EQ(send("breach.waived", {{"breach_id", "incident:X"}, {"by", "client"}}, "2026-03-03T00:00:00Z"), "accepted");
}

json issue(const std::string& id, const std::string& amount) {
  return {{"invoice_id", id}, {"period", "2026-01"}, {"amount", amount}};
}

TEST_F(breaches, AnInvoiceUnpaidAtItsDueDateIsOverdueAndOpensALatePaymentBreach) {
  given_signed_contract();
  EXPECT_EQ(send("invoice.issued", issue("INV-1", "50000.00"), "2026-02-01T00:00:00Z"), "accepted");
  json inv = view()["settlement"]["invoices"][0];
  EXPECT_EQ(inv, json({{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "50000.00"}, {"issued_at", "2026-02-01T00:00:00Z"},
                       {"due_at", "2026-03-03T00:00:00Z"}, {"paid", "0.00"}, {"status", "open"}, {"lines", nullptr},
                       {"reconciliation", {{"status", "period_unreported"}, {"expected", nullptr}, {"differences", json::array()}}}}));
  send("invoice.paid", {{"invoice_id", "INV-1"}, {"amount", "20000.00"}}, "2026-03-01T00:00:00Z");
  advance_to("2026-03-03T00:00:00Z");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "overdue");
  EXPECT_EQ(state(), "in_breach");
  EXPECT_EQ(breach("invoice:INV-1"), json({{"breach_id", "invoice:INV-1"}, {"kind", "late_payment"}, {"by", "client"},
                                           {"material", false}, {"curable", true}, {"opened_at", "2026-03-03T00:00:00Z"},
                                           {"cure_deadline", "2026-05-02T00:00:00Z"}, {"status", "open"},
                                           {"closed_at", nullptr}, {"damages", "0.00"}}));
  EXPECT_EQ(send("breach.cured", {{"breach_id", "invoice:INV-1"}}, "2026-03-05T00:00:00Z"), "not_permitted"); // only by payment
  advance_to("2026-05-02T00:00:00Z");
  EXPECT_EQ(breach("invoice:INV-1")["status"], "uncured");
  const json g = view()["termination"]["grounds"][2];
  EXPECT_EQ(g, json({{"party", "vendor"}, {"ground", "non_payment"}, {"since", "2026-05-02T00:00:00Z"}, {"notice_days", 0},
                     {"basis", {"invoice:INV-1"}}}));
  send("invoice.paid", {{"invoice_id", "INV-1"}, {"amount", "40000.00"}}, "2026-05-10T00:00:00Z"); // overpaid by 10000
  inv = view()["settlement"]["invoices"][0];
  EXPECT_EQ(inv["status"], "paid");
  EXPECT_EQ(inv["paid"], "60000.00");
  EXPECT_EQ(breach("invoice:INV-1")["status"], "cured");
  EXPECT_EQ(breach("invoice:INV-1")["closed_at"], "2026-05-10T00:00:00Z");
  EXPECT_EQ(view()["settlement"]["totals"], json({{"invoiced", "50000.00"}, {"paid", "60000.00"}, {"outstanding", "0.00"}}));
  EXPECT_EQ(state(), "signed");
}

TEST_F(breaches, APaidInvoiceKeepsItsDeadlineWhichFiresWithNoEffect) {
  given_signed_contract();
  send("invoice.issued", issue("INV-1", "100.00"), "2026-02-01T00:00:00Z");
  send("invoice.issued", issue("INV-2", "300.00"), "2026-02-01T00:00:00Z");
  send("invoice.paid", {{"invoice_id", "INV-1"}, {"amount", "100.00"}}, "2026-02-02T00:00:00Z");
  advance_to("2026-04-01T00:00:00Z");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "paid");
  EXPECT_EQ(view()["settlement"]["invoices"][1]["status"], "overdue");
  EXPECT_EQ(view()["settlement"]["totals"]["outstanding"], "300.00");
  EXPECT_EQ(view()["liability"]["breaches"].size(), 1U);
}

TEST_F(breaches, LatePaymentWaivedByTheVendorLeavesTheInvoiceOverdue) {
  given_signed_contract();
  send("invoice.issued", issue("INV-1", "100.00"), "2026-02-01T00:00:00Z");
  advance_to("2026-03-10T00:00:00Z");
  EXPECT_EQ(send("breach.waived", {{"breach_id", "invoice:INV-1"}, {"by", "vendor"}}, "2026-03-11T00:00:00Z"), "accepted");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "overdue");
  EXPECT_EQ(state(), "signed");
}

TEST_F(breaches, InvoiceReferenceAndAmountChecks) {
  given_signed_contract();
  send("invoice.issued", issue("INV-1", "100.00"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(send("invoice.issued", issue("INV-1", "100.00"), "2026-02-01T00:00:00Z"), "duplicate_reference");
  EXPECT_EQ(send("invoice.paid", {{"invoice_id", "INV-9"}, {"amount", "0.00"}}, "2026-02-02T00:00:00Z"), "unknown_reference");
  EXPECT_EQ(send("invoice.paid", {{"invoice_id", "INV-1"}, {"amount", "0.00"}}, "2026-02-02T00:00:00Z"), "invalid_data");
}

TEST_F(breaches, ForceMajeureGivesBothPartiesAGroundOnceItsDeadlineHasFired) {
  given_signed_contract();
  send("force-majeure.declared", {{"fm_id", "FLOOD"}, {"by", "vendor"}}, "2026-03-01T00:00:00Z");
  EXPECT_EQ(send("force-majeure.declared", {{"fm_id", "FLOOD"}, {"by", "vendor"}}, "2026-03-02T00:00:00Z"), "duplicate_reference");
  advance_to("2026-05-29T23:59:59Z");
  EXPECT_EQ(grounds("vendor"), json::array({"convenience"}));
  advance_to("2026-05-30T00:00:00Z"); // 90 days
  EXPECT_EQ(grounds("client"), json::array({"convenience", "force_majeure"}));
  EXPECT_EQ(grounds("vendor"), json::array({"convenience", "force_majeure"}));
  EXPECT_EQ(view()["termination"]["grounds"][1]["basis"], json::array({"fm:FLOOD"}));
  EXPECT_EQ(view()["termination"]["grounds"][1]["since"], "2026-05-30T00:00:00Z");
  EXPECT_EQ(state(), "signed"); // force majeure never opens a breach
  EXPECT_EQ(send("force-majeure.ended", {{"fm_id", "FLOOD"}}, "2026-06-01T00:00:00Z"), "accepted");
  EXPECT_EQ(grounds("client"), json::array({"convenience"}));
  EXPECT_EQ(send("force-majeure.ended", {{"fm_id", "FLOOD"}}, "2026-06-02T00:00:00Z"), "already_closed");
  EXPECT_EQ(send("force-majeure.ended", {{"fm_id", "FIRE"}}, "2026-06-02T00:00:00Z"), "unknown_reference");
}

TEST_F(breaches, EndingForceMajeureCancelsItsDeadline) {
  given_signed_contract();
  send("force-majeure.declared", {{"fm_id", "F"}, {"by", "client"}}, "2026-03-01T00:00:00Z");
  send("force-majeure.ended", {{"fm_id", "F"}}, "2026-03-05T00:00:00Z");
  advance_to("2026-12-01T00:00:00Z");
  EXPECT_EQ(grounds("client"), json::array({"convenience"}));
}

} // namespace
} // namespace pactum::testing
