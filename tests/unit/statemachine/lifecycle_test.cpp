// Spec sections 3, 5 and 12: the lifecycle, the processing order, duplicates,
// versions, deadlines and the lifecycle rejection codes, as stories.
#include "../common/story.hpp"

namespace pactum::testing {
namespace {

using lifecycle = story;

TEST_F(lifecycle, DraftedThenSignedByBothBecomesSignedWithAnExpiryDeadline) {
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z"), "accepted");
  EXPECT_EQ(state(), "draft");
  EXPECT_EQ(view()["version"], 1);
  EXPECT_EQ(send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2025-12-02T09:00:00Z"), "accepted");
  EXPECT_EQ(state(), "draft");
  EXPECT_EQ(view()["signed_by"], json::array({"vendor"}));
  EXPECT_EQ(view()["signed_at"], nullptr);
  EXPECT_EQ(send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T09:00:00.250Z"), "accepted");
  const json v = view();
  EXPECT_EQ(v["state"], "signed");
  EXPECT_EQ(v["version"], 3);
  EXPECT_EQ(v["signed_by"], json::array({"client", "vendor"}));
  EXPECT_EQ(v["signed_at"], "2025-12-03T09:00:00.250Z");
  EXPECT_EQ(v["client"], json({{"id", "acme"}, {"name", "ACME Retail"}}));
  advance_to("2028-01-01T00:00:00Z"); // expiry = end_date + 1 day, 00:00Z
  EXPECT_EQ(state(), "terminated");
  EXPECT_EQ(view()["termination"]["terminated"], json({{"at", "2028-01-01T00:00:00Z"}, {"by", nullptr}, {"ground", "expired"}}));
}

TEST_F(lifecycle, ASecondSignatureBySamePartyIsAlreadySigned) {
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T09:00:00Z");
  EXPECT_EQ(send("contract.signed", {{"party", "client"}, {"signatory", "C2"}}, "2025-12-03T09:00:00Z"), "already_signed");
  EXPECT_EQ(view()["version"], 2);
}

TEST_F(lifecycle, AmendingTermsInDraftResetsSignatures) {
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-02T09:00:00Z");
  json terms = spec_terms();
  terms["currency"] = "USD";
  EXPECT_EQ(send("contract.terms-amended", {{"terms", terms}}, "2025-12-03T09:00:00Z"), "accepted");
  EXPECT_EQ(view()["signed_by"], json::array());
  EXPECT_EQ(view()["currency"], "USD");
  send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2025-12-04T09:00:00Z");
  EXPECT_EQ(state(), "draft"); // the client's earlier signature no longer counts
}

TEST_F(lifecycle, InvalidTermsNameTheMemberByPointer) {
  json terms = spec_terms();
  terms["sla"]["metrics"][1]["unit"] = "hours";
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z"), "invalid_terms");
  EXPECT_EQ(session().rejections().back().why.detail.rfind("/data/terms/sla/metrics/1/unit", 0), 0U)
      << session().rejections().back().why.detail;
  EXPECT_EQ(view(), nullptr); // never drafted: not in the read model
}

TEST_F(lifecycle, EveryTermsCheck) {
  auto rejects = [this](const std::function<void(json&)>& mutate, const std::string& pointer) {
    json terms = spec_terms();
    mutate(terms);
    const std::string code = send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, "T-1");
    EXPECT_EQ(code, "invalid_terms") << pointer;
    if (code == "invalid_terms") {
      EXPECT_EQ(session().rejections().back().why.detail.rfind(pointer, 0), 0U) << session().rejections().back().why.detail;
    }
  };
  rejects([](json& t) { t["start_date"] = "2028-01-01"; }, "/data/terms/end_date");
  rejects([](json& t) { t["currency"] = "eur"; }, "/data/terms/currency");
  rejects([](json& t) { t["client"]["name"] = ""; }, "/data/terms/client/name");
  rejects([](json& t) { t["sla"]["metrics"] = json::array(); }, "/data/terms/sla/metrics");
  rejects([](json& t) { t["sla"]["metrics"][1]["id"] = "first_response_p90"; }, "/data/terms/sla/metrics/1/id");
  rejects([](json& t) { t["sla"]["metrics"][0]["id"] = "First"; }, "/data/terms/sla/metrics/0/id");
  rejects([](json& t) { t["sla"]["metrics"][0]["direction"] = "up"; }, "/data/terms/sla/metrics/0/direction");
  rejects([](json& t) { t["sla"]["metrics"][1]["target"] = 101; }, "/data/terms/sla/metrics/1/target");
  rejects([](json& t) { t["sla"]["metrics"][1]["credit_tiers"][0]["threshold"] = 100.5; }, "/data/terms/sla/metrics/1/credit_tiers/0/threshold");
  rejects([](json& t) { t["sla"]["metrics"][0].erase("credit_tiers"); }, "/data/terms/sla/metrics/0/credit_tiers");
  rejects([](json& t) { t["sla"]["metrics"][0]["credit_tiers"][0]["credit_pct"] = 100.01; }, "/data/terms/sla/metrics/0/credit_tiers/0/credit_pct");
  rejects([](json& t) { t["sla"]["metrics"][1] = 5; }, "/data/terms/sla/metrics/1: must be an object");
  rejects([](json& t) { t["sla"]["metrics"][0]["credit_tiers"][1] = "x"; }, "/data/terms/sla/metrics/0/credit_tiers/1: must be an object");
  rejects([](json& t) { t["sla"]["metrics"][0]["bonus_tiers"] = json::object(); }, "/data/terms/sla/metrics/0/bonus_tiers: must be an array");
  rejects([](json& t) { t["sla"]["metrics"][1]["bonus_tiers"] = json::array({{{"threshold", 1}}}); }, "/data/terms/sla/metrics/1/bonus_tiers/0/bonus_pct: is required");
  rejects([](json& t) { t["sla"]["monthly_credit_cap_pct"] = 2.555; }, "/data/terms/sla/monthly_credit_cap_pct");
  rejects([](json& t) { t["sla"]["persistent_failure"]["max_failed_in_window"] = 7; }, "/data/terms/sla/persistent_failure/max_failed_in_window");
  rejects([](json& t) { t["fees"]["payment_days"] = 0; }, "/data/terms/fees/payment_days");
  rejects([](json& t) { t["fees"]["monthly_base"] = 50000; }, "/data/terms/fees/monthly_base");
  rejects([](json& t) { t["breach"]["for_cause_notice_days"] = -1; }, "/data/terms/breach/for_cause_notice_days");
  rejects([](json& t) { t["data_protection"]["material_records_threshold"] = 0; }, "/data/terms/data_protection/material_records_threshold");
  rejects([](json& t) { t["termination"]["force_majeure_days"] = 1.0; }, "/data/terms/termination/force_majeure_days");
  rejects([](json& t) { t["termination"].erase("early_termination_fee"); }, "/data/terms/termination/early_termination_fee");

  // The optional members take their defaults, also when null.
  json terms = spec_terms();
  terms["fees"]["per_contact"] = nullptr;
  terms["sla"].erase("bonus_cap_pct");
  terms["sla"]["metrics"][0].erase("bonus_tiers");
  terms["sla"]["metrics"][1]["credit_tiers"] = json::array();
  terms["breach"]["for_cause_notice_days"] = 0;
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z", std::nullopt, "T-2"), "accepted");
}

TEST_F(lifecycle, UnknownContractAndContractExists) {
  EXPECT_EQ(send("invoice.paid", {{"invoice_id", "I"}, {"amount", "1.00"}}, "2026-01-01T00:00:00Z", std::nullopt, "C-404"), "unknown_contract");
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-02T09:00:00Z"), "contract_exists");
  EXPECT_EQ(view()["version"], 1);
}

TEST_F(lifecycle, InvalidStateForEventsTheStateDoesNotTake) {
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  EXPECT_EQ(send("invoice.issued", {{"invoice_id", "I"}, {"period", "2026-01"}, {"amount", "1.00"}}, "2025-12-02T00:00:00Z"), "invalid_state");
  EXPECT_EQ(send("contract.renewed", {{"end_date", "2029-01-01"}}, "2025-12-02T00:00:00Z"), "invalid_state");
  send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T09:00:00Z");
  send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2025-12-04T09:00:00Z");
  EXPECT_EQ(send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-05T09:00:00Z"), "invalid_state");
  EXPECT_EQ(send("contract.terms-amended", {{"terms", spec_terms()}}, "2025-12-05T09:00:00Z"), "invalid_state");
  EXPECT_EQ(send("contract.withdrawn", {{"reason", "late"}}, "2025-12-05T09:00:00Z"), "invalid_state");
  EXPECT_EQ(state(), "signed");
}

TEST_F(lifecycle, WithdrawnDraftIsTerminatedAndEverythingAfterIsContractTerminated) {
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  EXPECT_EQ(send("contract.withdrawn", {{"reason", "no budget"}}, "2025-12-02T09:00:00Z"), "accepted");
  const json v = view();
  EXPECT_EQ(v["state"], "terminated");
  EXPECT_EQ(v["termination"]["terminated"], json({{"at", "2025-12-02T09:00:00Z"}, {"by", nullptr}, {"ground", "withdrawn"}}));
  EXPECT_EQ(v["termination"]["grounds"], json::array());
  EXPECT_EQ(send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T09:00:00Z"), "contract_terminated");
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-03T09:00:00Z"), "contract_terminated");
}

TEST_F(lifecycle, VersionConflictIsNotRememberedSoACorrectedRetryIsProcessed) {
  given_signed_contract();
  json e = cloud_event("invoice.issued", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "100.00"}},
                       "2026-02-01T00:00:00Z", "retry-me");
  e["expectedversion"] = 7;
  EXPECT_EQ(send_raw(e.dump()), "version_conflict");
  e["expectedversion"] = 3;
  EXPECT_EQ(send_raw(e.dump()), "accepted");
  EXPECT_EQ(view()["version"], 4);
  EXPECT_EQ(resend(), "duplicate");
}

TEST_F(lifecycle, ExpectedVersionOnANewContractIsComparedWithZero) {
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z", 1), "version_conflict");
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z", 0), "accepted");
}

TEST_F(lifecycle, DuplicatesByIdAndSourceAreIgnoredWhateverTheirOutcome) {
  EXPECT_EQ(send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z"), "accepted");
  EXPECT_EQ(resend(), "duplicate"); // the accepted drafted is remembered too
  EXPECT_EQ(send("invoice.issued", {{"invoice_id", "I"}, {"period", "2026-01"}, {"amount", "1.00"}}, "2025-12-02T00:00:00Z"), "invalid_state");
  EXPECT_EQ(resend(), "duplicate");
  // The same id from another source is another event.
  json other = cloud_event("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T00:00:00Z", "e1", "C-1", "/elsewhere");
  EXPECT_EQ(send_raw(other.dump()), "accepted");
  const auto& s = session().stats();
  EXPECT_EQ(s.accepted, 2);
  EXPECT_EQ(s.rejected, 1);
  EXPECT_EQ(s.duplicates, 2);
  EXPECT_EQ(s.events(), 5);
  EXPECT_EQ(view()["version"], 2);
}

TEST_F(lifecycle, EventsForANeverDraftedContractAreNotRemembered) {
  json terms = spec_terms();
  terms["currency"] = "euro";
  EXPECT_EQ(send("contract.drafted", {{"terms", terms}}, "2025-12-01T09:00:00Z"), "invalid_terms");
  EXPECT_EQ(resend(), "invalid_terms"); // not a duplicate: the contract never existed
}

TEST_F(lifecycle, DeadlineReachedIsIgnoredOrDeadlineNotDue) {
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z");
  EXPECT_EQ(send("deadline.reached", {{"deadline_id", "expiry"}}, "2025-12-02T00:00:00Z"), "duplicate"); // draft
  send("contract.signed", {{"party", "client"}, {"signatory", "C"}}, "2025-12-03T09:00:00Z");
  send("contract.signed", {{"party", "vendor"}, {"signatory", "V"}}, "2026-01-01T00:00:00Z");
  send("invoice.issued", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "100.00"}}, "2026-02-01T00:00:00Z");
  EXPECT_EQ(send("deadline.reached", {{"deadline_id", "invoice-due:INV-1"}}, "2026-02-10T00:00:00Z"), "deadline_not_due");
  EXPECT_EQ(send("deadline.reached", {{"deadline_id", "no-such-deadline"}}, "2026-02-10T00:00:00Z"), "duplicate");
  // Due by this event's time: fired in step 1, so the event itself is a duplicate.
  EXPECT_EQ(send("deadline.reached", {{"deadline_id", "invoice-due:INV-1"}}, "2026-03-03T00:00:00Z"), "duplicate");
  EXPECT_EQ(view()["settlement"]["invoices"][0]["status"], "overdue");
  EXPECT_EQ(view()["version"], 4); // deadline events never change it
}

TEST_F(lifecycle, StreamTimeNeverGoesBackAndLateEventsStillApply) {
  given_signed_contract();
  send("invoice.issued", {{"invoice_id", "INV-2"}, {"period", "2026-02"}, {"amount", "1.00"}}, "2026-03-01T00:00:00Z");
  EXPECT_EQ(send("invoice.issued", {{"invoice_id", "INV-1"}, {"period", "2026-01"}, {"amount", "1.00"}}, "2026-02-01T00:00:00Z"), "accepted");
  EXPECT_EQ(view()["stream_time"], "2026-03-01T00:00:00Z");
}

TEST_F(lifecycle, ADeadlineTheEventCreatesMayAlreadyBeDue) {
  given_signed_contract(); // for_cause_notice_days = 0
  send("breach.notice-served", {{"notice_id", "N1"}, {"by", "client"}, {"clause", "4"}, {"description", "x"}}, "2026-02-01T00:00:00Z");
  advance_to("2026-03-03T00:00:00Z"); // cure deadline: uncured
  EXPECT_EQ(grounds("client"), json::array({"convenience", "uncured_breach"}));
  EXPECT_EQ(send("termination.notice-served", {{"notice_id", "T1"}, {"by", "client"}, {"ground", "uncured_breach"}}, "2026-03-10T00:00:00Z"), "accepted");
  // effective_at = e.time + 0 days: fired in step 5 of the same event.
  EXPECT_EQ(state(), "terminated");
  EXPECT_EQ(view()["termination"]["terminated"], json({{"at", "2026-03-10T00:00:00Z"}, {"by", "client"}, {"ground", "uncured_breach"}}));
}

TEST_F(lifecycle, NowFiresDeadlinesOfEveryContractAndMovesStreamTime) {
  given_signed_contract();
  send("contract.drafted", {{"terms", spec_terms()}}, "2025-12-01T09:00:00Z", std::nullopt, "C-2");
  advance_to("2030-01-01T00:00:00Z");
  EXPECT_EQ(state("C-1"), "terminated");
  EXPECT_EQ(view("C-1")["stream_time"], "2030-01-01T00:00:00Z");
  EXPECT_EQ(state("C-2"), "draft");
  EXPECT_EQ(view("C-2")["stream_time"], "2030-01-01T00:00:00Z");
}

TEST_F(lifecycle, RenewalMovesTheExpiry) {
  given_signed_contract();
  EXPECT_EQ(send("contract.renewed", {{"end_date", "2027-12-31"}}, "2026-06-01T00:00:00Z"), "invalid_data");
  EXPECT_EQ(send("contract.renewed", {{"end_date", "2028-12-31"}}, "2026-06-01T00:00:00Z"), "accepted");
  EXPECT_EQ(view()["end_date"], "2028-12-31");
  advance_to("2028-06-01T00:00:00Z");
  EXPECT_EQ(state(), "signed");
  advance_to("2029-01-01T00:00:00Z");
  EXPECT_EQ(view()["termination"]["terminated"]["at"], "2029-01-01T00:00:00Z");
}

TEST_F(lifecycle, RejectionsCarryOffsetIdentityAndDetail) {
  send_raw("not json");
  send("invoice.paid", {{"invoice_id", "I"}, {"amount", "1.00"}}, "2026-01-01T00:00:00Z", std::nullopt, "C-404");
  const auto& r = session().rejections();
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].offset, 0);
  EXPECT_FALSE(r[0].event_id);
  EXPECT_EQ(r[1].offset, 1);
  EXPECT_EQ(r[1].event_id, "e1");
  EXPECT_EQ(r[1].contract_id, "C-404");
  EXPECT_EQ(r[1].type, "pactum.invoice.paid.v1");
  const json doc = json::parse(session().render());
  EXPECT_EQ(doc["rejections"][0], json({{"offset", 0}, {"event_id", nullptr}, {"contract_id", nullptr}, {"type", nullptr},
                                        {"reason", "malformed_json"}, {"detail", r[0].why.detail}}));
  EXPECT_EQ(doc["stats"], json({{"events", 2}, {"accepted", 0}, {"rejected", 2}, {"duplicates", 0}}));
}

} // namespace
} // namespace pactum::testing
