// Spec section 7: an SLA period's figures as a pure function of the terms, the
// period's report and what came before it, so the arithmetic can be tested
// (and explained) apart from the rule that checks and records a report.
#pragma once

#include "pactum/events/terms.hpp"
#include "pactum/statemachine/contract_state.hpp"

#include <span>

namespace pactum::statemachine {

// What the figures of a period depend on besides its own report.
struct period_history {
  bool waived = false; // a force majeure accepted before the report overlaps the month
  cents prior_charges; // of the reported periods among the 11 calendar months before
  cents prior_credits; // likewise
};

// The period's charge, failure, credit (tiers, monthly and annual caps),
// bonus (tiers, cap) and `capped_by`. `values` are the reported metric values
// in the order of `terms.metrics`; `charge` is monthly_base + per_contact *
// contacts_handled, checked by the caller to be within range.
[[nodiscard]] period_result score_period(const events::contract_terms& terms, period month, cents charge,
                                         std::span<const events::millionths> values, const period_history& before);

// The persistent-failure trigger of section 7 for a period that counts, given
// the periods reported before it (in period order).
[[nodiscard]] bool triggers_persistent_failure(const events::contract_terms& terms, std::span<const period_result> before,
                                               period month);

// Section 17: an invoice reconciled against `billed`, the reported period it
// bills (nullptr when that period was not reported before the invoice).
[[nodiscard]] reconciliation reconcile(cents amount, const std::optional<std::vector<events::invoice_line>>& lines,
                                       const period_result* billed);

} // namespace pactum::statemachine
