// Helpers for tests that read as stories: given these events, when this one
// arrives, then this state / rejection / figure. Events go through the real
// decoder and the real contract book (a replay session).
#pragma once

#include "pactum/events/encode.hpp"
#include "pactum/statemachine/replay.hpp"
#include "pactum/statemachine/view.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace pactum::testing {

using nlohmann::json;

// The terms of spec section 4, verbatim.
inline json spec_terms() {
  return json::parse(R"({
  "client": {"id": "acme", "name": "ACME Retail"},
  "vendor": {"id": "callpro", "name": "CallPro BPO"},
  "currency": "EUR",
  "start_date": "2026-01-01",
  "end_date": "2027-12-31",
  "fees": {"monthly_base": "50000.00", "per_contact": "0.80", "payment_days": 30},
  "sla": {
    "metrics": [
      {"id": "first_response_p90", "unit": "seconds", "direction": "lower_is_better",
       "target": 60,
       "credit_tiers": [{"threshold": 60, "credit_pct": 2}, {"threshold": 120, "credit_pct": 5}],
       "bonus_tiers":  [{"threshold": 30, "bonus_pct": 1}]},
      {"id": "resolution_rate", "unit": "percent", "direction": "higher_is_better",
       "target": 85,
       "credit_tiers": [{"threshold": 85, "credit_pct": 3}],
       "bonus_tiers":  [{"threshold": 95, "bonus_pct": 1.5}]}
    ],
    "monthly_credit_cap_pct": 10,
    "annual_credit_cap_pct": 8,
    "bonus_cap_pct": 2,
    "persistent_failure": {"consecutive": 3, "window": 6, "max_failed_in_window": 4}
  },
  "breach": {"cure_days": 30, "for_cause_notice_days": 0},
  "data_protection": {"notification_hours": 72, "damages_per_record": "2.00",
                      "damages_cap": "250000.00", "material_records_threshold": 10000},
  "termination": {"client_convenience_notice_days": 90, "vendor_convenience_notice_days": 180,
                  "early_termination_fee": "150000.00", "non_payment_days": 60,
                  "force_majeure_days": 90}
})");
}

inline json cloud_event(const std::string& type, json data, const std::string& time, const std::string& id,
                        const std::string& subject = "C-1", const std::string& source = "/test") {
  return json{{"specversion", "1.0"}, {"id", id},     {"source", source}, {"type", "pactum." + type + ".v1"},
              {"subject", subject},   {"time", time}, {"data", std::move(data)}};
}

class story : public ::testing::Test {
protected:
  // Sends one event; returns its rejection code, "accepted" or "duplicate".
  std::string send(const std::string& type, json data, const std::string& time,
                   std::optional<std::int64_t> expected_version = std::nullopt, const std::string& subject = "C-1") {
    const std::string type_name = "pactum." + type + ".v1";
    const events::envelope e{"e" + std::to_string(++seq_), "/test", type_name, subject, time, expected_version};
    return send_raw(events::encode_structured(e, data.dump()));
  }
  std::string send_raw(const std::string& record) {
    last_record_ = record;
    return verdict(session_.feed(offset_++, record));
  }
  // The same record again, byte for byte.
  std::string resend() { return send_raw(last_record_); }

  static std::string verdict(const statemachine::outcome& o) {
    switch (o.kind) {
    case statemachine::outcome_kind::accepted: return "accepted";
    case statemachine::outcome_kind::duplicate: return "duplicate";
    case statemachine::outcome_kind::rejected: return std::string(events::to_string(o.why->code));
    }
    return "?";
  }

  // A contract on the spec's terms, drafted and signed by both on 2026-01-01 (version 3).
  void given_signed_contract(json terms = spec_terms(), const std::string& subject = "C-1") {
    ASSERT_EQ(send("contract.drafted", {{"terms", std::move(terms)}}, "2025-12-01T09:00:00Z", std::nullopt, subject), "accepted");
    ASSERT_EQ(send("contract.signed", {{"party", "client"}, {"signatory", "C. Lient"}}, "2025-12-15T10:00:00Z", std::nullopt, subject), "accepted");
    ASSERT_EQ(send("contract.signed", {{"party", "vendor"}, {"signatory", "V. Endor"}}, "2026-01-01T00:00:00Z", std::nullopt, subject), "accepted");
  }

  json view(const std::string& subject = "C-1") const {
    const auto* c = session_.book().find(subject);
    if (c == nullptr) return nullptr;
    return json::parse(statemachine::render_view(c->state()));
  }
  std::string state(const std::string& subject = "C-1") const { return view(subject)["state"]; }
  json breach(const std::string& id) const {
    const json v = view();
    for (const auto& b : v["liability"]["breaches"])
      if (b["breach_id"] == id) return b;
    return nullptr;
  }
  json grounds(const std::string& party) const {
    json out = json::array();
    const json v = view();
    for (const auto& g : v["termination"]["grounds"])
      if (g["party"] == party) out.push_back(g["ground"]);
    return out;
  }
  json period_report(const std::string& period, json first_response, json resolution, std::int64_t contacts = 0) {
    return {{"period", period}, {"contacts_handled", contacts},
            {"metrics", {{"first_response_p90", std::move(first_response)}, {"resolution_rate", std::move(resolution)}}}};
  }
  const statemachine::replay_session& session() const { return session_; }
  void advance_to(const std::string& now) { session_.advance_to(*events::parse_timestamp(now)); }

private:
  statemachine::replay_session session_;
  std::int64_t offset_ = 0;
  int seq_ = 0;
  std::string last_record_;
};

} // namespace pactum::testing
