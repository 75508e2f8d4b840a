#include "pactum/statemachine/sla.hpp"

#include <algorithm>
#include <array>

namespace pactum::statemachine {
namespace {

bool worse(const events::sla_metric& m, events::millionths value, events::millionths bound) {
  return m.direction == events::metric_direction::lower_is_better ? value > bound : value < bound;
}

bool better(const events::sla_metric& m, events::millionths value, events::millionths bound) {
  return m.direction == events::metric_direction::lower_is_better ? value < bound : value > bound;
}

} // namespace

period_result score_period(const events::contract_terms& t, period month, cents charge,
                           std::span<const events::millionths> values, const period_history& before) {
  period_result p{month, t.monthly_base, charge, false, before.waived, {}, {}, {}, credit_cap::none};
  events::basis_points credit_bp = 0;
  events::basis_points bonus_bp = 0;
  for (std::size_t i = 0; i < t.metrics.size(); ++i) {
    const auto& m = t.metrics[i];
    const auto v = values[i];
    if (worse(m, v, m.target)) p.missed_metrics.push_back(m.id);
    events::basis_points credit = 0;
    for (const auto& tier : m.credit_tiers)
      if (worse(m, v, tier.threshold)) credit = std::max(credit, tier.pct);
    events::basis_points bonus = 0;
    for (const auto& tier : m.bonus_tiers)
      if (better(m, v, tier.threshold)) bonus = std::max(bonus, tier.pct);
    credit_bp += credit;
    bonus_bp += bonus;
  }
  std::sort(p.missed_metrics.begin(), p.missed_metrics.end());
  p.failed = !p.missed_metrics.empty();
  if (p.waived) return p;
  const cents c0 = events::pct_of(charge, credit_bp);
  const cents c1 = std::min(c0, events::pct_of(charge, t.monthly_credit_cap));
  const cents annual_room = events::pct_of(before.prior_charges + charge, t.annual_credit_cap) - before.prior_credits;
  const cents c2 = std::max(cents{}, std::min(c1, annual_room));
  p.credit = c2;
  p.capped_by = c2 < c1 ? credit_cap::annual : (c1 < c0 ? credit_cap::monthly : credit_cap::none);
  if (!p.failed) {
    p.bonus = events::pct_of(charge, bonus_bp);
    if (t.bonus_cap) p.bonus = std::min(p.bonus, events::pct_of(charge, *t.bonus_cap));
  }
  return p;
}

bool triggers_persistent_failure(const events::contract_terms& t, std::span<const period_result> before, period month) {
  std::int64_t run = 1;
  std::int64_t in_window = 1;
  period expected{month.months - 1};
  bool run_open = true;
  for (auto it = before.rbegin(); it != before.rend(); ++it) {
    if (run_open) {
      if (it->month == expected && it->counts()) {
        ++run;
        expected.months -= 1;
      } else {
        run_open = false;
      }
    }
    if (it->month.months > month.months - t.pf_window && it->counts()) ++in_window;
  }
  return run >= t.pf_consecutive || in_window >= t.pf_max_failed_in_window;
}

reconciliation reconcile(cents amount, const std::optional<std::vector<events::invoice_line>>& lines,
                         const period_result* billed) {
  reconciliation r;
  if (billed == nullptr) return r; // period_unreported, expected null, no differences
  const expected_invoice e{billed->base, billed->charge - billed->base, billed->credit, billed->bonus,
                           billed->charge - billed->credit + billed->bonus};
  r.expected = e;
  if (lines) {
    using events::invoice_line_kind;
    const std::array<std::pair<invoice_line_kind, cents>, 5> wanted{{{invoice_line_kind::base, e.base},
                                                                     {invoice_line_kind::contacts, e.contacts},
                                                                     {invoice_line_kind::credit, e.credit},
                                                                     {invoice_line_kind::bonus, e.bonus},
                                                                     {invoice_line_kind::other, cents{}}}};
    for (const auto& [kind, expected] : wanted) {
      const auto line = std::find_if(lines->begin(), lines->end(), [k = kind](const auto& l) { return l.kind == k; });
      const cents invoiced = line == lines->end() ? cents{} : line->amount;
      if (invoiced != expected) r.differences.push_back({events::to_string(kind), invoiced, expected});
    }
  } else if (amount != e.total) {
    r.differences.push_back({"total", amount, e.total});
  }
  r.status = r.differences.empty() ? reconciliation_status::matches : reconciliation_status::differs;
  return r;
}

} // namespace pactum::statemachine
