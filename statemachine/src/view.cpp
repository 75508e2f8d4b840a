#include "pactum/statemachine/view.hpp"

#include "pactum/statemachine/termination.hpp"

namespace pactum::statemachine {
namespace {

using events::format_money;
using events::format_timestamp;

view_json time_or_null(const std::optional<timestamp>& t) {
  return t ? view_json(format_timestamp(*t)) : view_json(nullptr);
}

view_json party_or_null(const std::optional<terminating_party>& p) {
  return p ? view_json(std::string(to_string(*p))) : view_json(nullptr);
}

view_json party_view(const events::party_info& p) {
  view_json out = view_json::object();
  out["id"] = p.id;
  out["name"] = p.name;
  return out;
}

std::string_view to_string(credit_cap c) {
  switch (c) {
  case credit_cap::none: return "";
  case credit_cap::monthly: return "monthly";
  case credit_cap::annual: return "annual";
  }
  return "";
}

} // namespace

view_json render_termination(const contract_state& c) {
  view_json grounds = view_json::array();
  for (const auto& g : available_grounds(c)) {
    view_json item = view_json::object();
    item["party"] = std::string(events::to_string(g.who));
    item["ground"] = g.ground;
    item["since"] = format_timestamp(g.since);
    item["notice_days"] = g.notice_days;
    item["basis"] = g.basis;
    grounds.push_back(std::move(item));
  }
  view_json out = view_json::object();
  out["grounds"] = std::move(grounds);
  if (c.pending) {
    view_json p = view_json::object();
    p["notice_id"] = c.pending->notice_id ? view_json(*c.pending->notice_id) : view_json(nullptr);
    p["by"] = std::string(to_string(c.pending->by));
    p["ground"] = c.pending->ground;
    p["served_at"] = format_timestamp(c.pending->served_at);
    p["effective_at"] = format_timestamp(c.pending->effective_at);
    out["pending"] = std::move(p);
  } else {
    out["pending"] = nullptr;
  }
  if (c.terminated) {
    view_json t = view_json::object();
    t["at"] = format_timestamp(c.terminated->at);
    t["by"] = party_or_null(c.terminated->by);
    t["ground"] = c.terminated->ground;
    out["terminated"] = std::move(t);
  } else {
    out["terminated"] = nullptr;
  }
  return out;
}

view_json render_liability(const contract_state& c) {
  cents credits;
  cents bonuses;
  view_json periods = view_json::array();
  for (const auto& p : c.periods) {
    view_json item = view_json::object();
    item["period"] = events::format_period(p.month);
    item["charge"] = format_money(p.charge);
    item["failed"] = p.failed;
    item["waived"] = p.waived;
    item["missed_metrics"] = p.missed_metrics;
    item["credit"] = format_money(p.credit);
    item["bonus"] = format_money(p.bonus);
    item["capped_by"] = p.capped_by == credit_cap::none ? view_json(nullptr) : view_json(std::string(to_string(p.capped_by)));
    periods.push_back(std::move(item));
    credits += p.credit;
    bonuses += p.bonus;
  }
  view_json breaches = view_json::array();
  for (const auto& b : c.breaches) {
    view_json item = view_json::object();
    item["breach_id"] = b.breach_id;
    item["kind"] = std::string(to_string(b.kind));
    item["by"] = std::string(events::to_string(b.by));
    item["material"] = b.material;
    item["curable"] = b.curable;
    item["opened_at"] = format_timestamp(b.opened_at);
    item["cure_deadline"] = time_or_null(b.cure_deadline);
    item["status"] = std::string(to_string(b.status));
    item["closed_at"] = time_or_null(b.closed_at);
    item["damages"] = format_money(b.damages);
    breaches.push_back(std::move(item));
  }
  const cents fee = c.early_termination_fee_owed ? c.terms.early_termination_fee : cents{};
  const cents to_client = credits + c.data_damages;
  const cents to_vendor = bonuses + fee;
  view_json totals = view_json::object();
  totals["service_credits"] = format_money(credits);
  totals["bonuses"] = format_money(bonuses);
  totals["data_damages"] = format_money(c.data_damages);
  totals["early_termination_fee"] = format_money(fee);
  totals["owed_to_client"] = format_money(to_client);
  totals["owed_to_vendor"] = format_money(to_vendor);
  totals["net_to_client"] = format_money(to_client - to_vendor);
  const bool priority = c.periods.size() >= 12 &&
                        std::none_of(c.periods.begin(), c.periods.end(), [](const period_result& p) { return p.counts(); });
  view_json out = view_json::object();
  out["periods"] = std::move(periods);
  out["breaches"] = std::move(breaches);
  out["totals"] = std::move(totals);
  out["renewal_priority"] = priority;
  return out;
}

view_json render_settlement(const contract_state& c) {
  cents invoiced;
  cents paid;
  cents outstanding;
  view_json invoices = view_json::array();
  for (const auto& inv : c.invoices) {
    view_json item = view_json::object();
    item["invoice_id"] = inv.invoice_id;
    item["period"] = events::format_period(inv.month);
    item["amount"] = format_money(inv.amount);
    item["issued_at"] = format_timestamp(inv.issued_at);
    item["due_at"] = format_timestamp(inv.due_at);
    item["paid"] = format_money(inv.paid);
    item["status"] = std::string(to_string(inv.status));
    invoices.push_back(std::move(item));
    invoiced += inv.amount;
    paid += inv.paid;
    if (inv.amount > inv.paid) outstanding += inv.amount - inv.paid;
  }
  view_json totals = view_json::object();
  totals["invoiced"] = format_money(invoiced);
  totals["paid"] = format_money(paid);
  totals["outstanding"] = format_money(outstanding);
  view_json out = view_json::object();
  out["invoices"] = std::move(invoices);
  out["totals"] = std::move(totals);
  return out;
}

view_json render_view(const contract_state& c) {
  view_json v = view_json::object();
  v["contract_id"] = c.contract_id;
  v["state"] = std::string(to_string(c.state));
  v["version"] = c.version;
  v["stream_time"] = format_timestamp(c.stream_time);
  v["client"] = party_view(c.terms.client);
  v["vendor"] = party_view(c.terms.vendor);
  v["currency"] = c.terms.currency;
  v["start_date"] = events::format_date(c.terms.start_date);
  v["end_date"] = events::format_date(c.terms.end_date);
  view_json signed_by = view_json::array();
  if (c.client_signed) signed_by.push_back("client");
  if (c.vendor_signed) signed_by.push_back("vendor");
  v["signed_by"] = std::move(signed_by);
  v["signed_at"] = time_or_null(c.signed_at);
  v["termination"] = render_termination(c);
  v["liability"] = render_liability(c);
  v["settlement"] = render_settlement(c);
  return v;
}

std::string to_text(const view_json& v) { return v.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace); }

} // namespace pactum::statemachine
