#include "rules.hpp"

#include "pactum/statemachine/sla.hpp"
#include "pactum/statemachine/termination.hpp"

#include <algorithm>
#include <map>

namespace pactum::statemachine::rules {
namespace {

using events::rejection;
using events::rejection_code;

rejection reject(rejection_code code, std::string detail) { return rejection{code, std::move(detail)}; }

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

void cancel_all(contract_state& c) {
  c.deadlines.clear();
  c.pending.reset();
}

void open_breach(contract_state& c, breach b, std::int64_t cure_days) {
  if (b.curable) {
    b.cure_deadline = events::add_days(b.opened_at, cure_days);
    c.deadlines.schedule(*b.cure_deadline, "cure:" + b.breach_id, deadline_kind::cure, b.breach_id);
  }
  c.breach_index.emplace(b.breach_id, c.breaches.size());
  c.breaches.push_back(std::move(b));
}

void close_breach(breach& b, breach_status status, timestamp at) {
  b.status = status;
  b.closed_at = at;
}

// A contract bills and reports a month at a time: its first invoice or period
// makes room for the term's months (at most three years), where growing by
// doubling moved each entry a few times and left up to half the room unused.
template <class Monthly>
void reserve_term(std::vector<Monthly>& entries, const events::contract_terms& t) {
  constexpr std::int32_t most = 36;
  if (entries.capacity() > 0) return;
  const std::int32_t months = events::period_of(t.end_date).months - events::period_of(t.start_date).months + 1;
  entries.reserve(static_cast<std::size_t>(std::clamp(months, 1, most)));
}

timestamp expiry_time(const contract_state& c) { return events::start_of(events::next_day(c.terms.end_date)); }

// Reference checks shared by the rules that close a breach (section 8).
verdict closable(const breach* b, std::string_view member, const std::string& id) {
  if (b == nullptr) return reject(rejection_code::unknown_reference, "/data/" + std::string(member) + ": no breach " + in_quotes(id));
  if (!b->is_active())
    return reject(rejection_code::already_closed, "/data/" + std::string(member) + ": breach " + in_quotes(b->breach_id) + " is already " +
                                                      std::string(to_string(b->status)));
  return std::nullopt;
}

// FM interval [declared, ended or +inf) overlaps [from, to) with non-zero length.
bool overlaps(const force_majeure& fm, timestamp from, timestamp to) {
  const timestamp start = std::max(fm.declared_at, from);
  const timestamp end = fm.ended_at ? std::min(*fm.ended_at, to) : to;
  return start < end;
}

} // namespace

verdict amend_terms(contract_state& c, const ev::event&, const ev::terms_amended& d) {
  auto terms = d.check();
  if (!terms) return std::move(terms.error());
  c.terms = std::move(terms.value());
  c.terms_json = d.terms;
  c.client_signed = false;
  c.vendor_signed = false;
  return std::nullopt;
}

void record_signature(contract_state& c, const ev::event&, const ev::contract_signed& d) {
  (d.by == party::client ? c.client_signed : c.vendor_signed) = true;
}

void complete_signing(contract_state& c, const ev::event& e) {
  c.signed_at = e.time;
  c.deadlines.schedule(expiry_time(c), "expiry", deadline_kind::expiry, {});
}

void withdraw(contract_state& c, const ev::event& e) {
  cancel_all(c);
  c.terminated = termination_record{e.time, std::nullopt, "withdrawn"};
}

verdict renew(contract_state& c, const ev::event&, const ev::contract_renewed& d) {
  if (d.end_date <= c.terms.end_date)
    return reject(rejection_code::invalid_data,
                  "/data/end_date: must be later than the current end_date " + events::format_date(c.terms.end_date));
  c.terms.end_date = d.end_date;
  c.deadlines.schedule(expiry_time(c), "expiry", deadline_kind::expiry, {}); // replaces the old expiry
  return std::nullopt;
}

// Section 7, decided on a const state: every check in the spec's order, then
// the period's figures and the breach it opens, if any.
events::result<period_facts> check_period_report(const contract_state& c, const ev::event& e,
                                                 const ev::sla_period_reported& d) {
  const auto& t = c.terms;
  if (d.month < events::period_of(t.start_date) || d.month > events::period_of(t.end_date))
    return reject(rejection_code::period_outside_term, "/data/period: " + events::format_period(d.month) +
                                                           " is outside the term " + events::format_date(t.start_date) +
                                                           " .. " + events::format_date(t.end_date));
  if (!c.periods.empty() && d.month <= c.periods.back().month)
    return reject(rejection_code::period_out_of_order, "/data/period: " + events::format_period(d.month) +
                                                           " is not later than the last reported period " +
                                                           events::format_period(c.periods.back().month));
  // d.metrics is sorted by id; look each terms metric up, then look for extras.
  std::vector<events::millionths> values;
  values.reserve(t.metrics.size());
  for (const auto& m : t.metrics) {
    const auto it = std::lower_bound(d.metrics.begin(), d.metrics.end(), m.id,
                                     [](const auto& entry, const std::string& id) { return entry.first < id; });
    if (it == d.metrics.end() || it->first != m.id)
      return reject(rejection_code::missing_metric, "/data/metrics: no value for metric " + in_quotes(m.id));
    values.push_back(it->second);
  }
  for (const auto& reported : d.metrics) {
    const std::string& id = reported.first;
    const bool known = std::any_of(t.metrics.begin(), t.metrics.end(), [&](const auto& m) { return m.id == id; });
    if (!known) return reject(rejection_code::unknown_metric, "/data/metrics/" + id + ": not a metric of the terms");
  }
  for (std::size_t i = 0; i < t.metrics.size(); ++i) {
    if (t.metrics[i].unit == events::metric_unit::percent && values[i] > 100'000'000)
      return reject(rejection_code::invalid_data, "/data/metrics/" + t.metrics[i].id + ": a percent value above 100");
  }
  const events::int128 charge =
      t.monthly_base.raw() + t.per_contact.raw() * static_cast<events::int128>(d.contacts_handled);
  if (charge > events::max_input_cents)
    return reject(rejection_code::invalid_data, "/data/contacts_handled: the period's charge exceeds 92233720368547758.07");

  period_history before;
  const timestamp from = events::start_of(d.month);
  const timestamp to = events::start_of(events::next_period(d.month));
  before.waived = std::any_of(c.force_majeures.begin(), c.force_majeures.end(),
                              [&](const force_majeure& fm) { return overlaps(fm, from, to); });
  for (const auto& earlier : c.periods) {
    if (earlier.month.months >= d.month.months - 11) {
      before.prior_charges += earlier.charge;
      before.prior_credits += earlier.credit;
    }
  }
  period_facts facts{score_period(t, d.month, cents{charge}, values, before), std::nullopt};
  const bool open_already = std::any_of(c.breaches.begin(), c.breaches.end(), [](const breach& b) {
    return b.kind == breach_kind::persistent_sla_failure && b.status == breach_status::open;
  });
  if (facts.period.counts() && !open_already && triggers_persistent_failure(t, c.periods, d.month))
    facts.opens = breach{"sla:" + events::format_period(d.month), breach_kind::persistent_sla_failure, party::vendor,
                         true, false, e.time, std::nullopt, breach_status::open, std::nullopt, cents{}};
  return facts;
}

void record_period(contract_state& c, period_facts facts) {
  reserve_term(c.periods, c.terms);
  c.periods.push_back(std::move(facts.period));
  if (facts.opens) open_breach(c, std::move(*facts.opens), 0);
}

verdict report_period(contract_state& c, const ev::event& e, const ev::sla_period_reported& d) {
  auto facts = check_period_report(c, e, d);
  if (!facts) return std::move(facts.error());
  record_period(c, std::move(facts.value()));
  return std::nullopt;
}

verdict report_incident(contract_state& c, const ev::event& e, const ev::incident_reported& d) {
  const std::string id = "incident:" + d.incident_id;
  if (c.find_breach(id) != nullptr)
    return reject(rejection_code::duplicate_reference, "/data/incident_id: incident " + in_quotes(d.incident_id) + " was already reported");
  if (d.client_notified_at < d.detected_at)
    return reject(rejection_code::invalid_data, "/data/client_notified_at: is before detected_at");
  const auto& t = c.terms;
  const bool late = events::add_ms(d.detected_at, t.notification_hours > INT64_MAX / events::ms_per_hour
                                                      ? INT64_MAX
                                                      : t.notification_hours * events::ms_per_hour) <
                    d.client_notified_at;
  const bool material =
      d.level == events::severity::critical || d.records_affected >= t.material_records_threshold || late;
  const cents damages = std::min(cents{static_cast<events::int128>(d.records_affected) * t.damages_per_record.raw()},
                                 t.damages_cap - c.data_damages);
  c.data_damages += damages;
  open_breach(c,
              breach{id, breach_kind::data_incident, party::vendor, material, !material, e.time, std::nullopt,
                     breach_status::open, std::nullopt, damages},
              t.cure_days);
  return std::nullopt;
}

verdict remediate_incident(contract_state& c, const ev::event& e, const ev::incident_remediated& d) {
  breach* b = c.find_breach("incident:" + d.incident_id);
  if (b == nullptr) return reject(rejection_code::unknown_reference, "/data/incident_id: no incident " + in_quotes(d.incident_id));
  if (auto why = closable(b, "incident_id", d.incident_id)) return why;
  close_breach(*b, breach_status::cured, e.time);
  return std::nullopt;
}

verdict complete_audit(contract_state& c, const ev::event& e, const ev::audit_completed& d) {
  if (c.audits.contains(d.audit_id))
    return reject(rejection_code::duplicate_reference, "/data/audit_id: audit " + in_quotes(d.audit_id) + " was already completed");
  c.audits.emplace(d.audit_id, d.passed);
  if (!d.passed)
    open_breach(c,
                breach{"audit:" + d.audit_id, breach_kind::audit_failure, party::vendor, false, true, e.time,
                       std::nullopt, breach_status::open, std::nullopt, cents{}},
                d.remediation_days.value_or(c.terms.cure_days));
  return std::nullopt;
}

verdict remediate_audit(contract_state& c, const ev::event& e, const ev::audit_remediated& d) {
  const auto audit = c.audits.find(d.audit_id);
  if (audit == c.audits.end() || audit->second)
    return reject(rejection_code::unknown_reference, "/data/audit_id: no failed audit " + in_quotes(d.audit_id));
  breach* b = c.find_breach("audit:" + d.audit_id);
  if (auto why = closable(b, "audit_id", d.audit_id)) return why;
  close_breach(*b, breach_status::cured, e.time);
  return std::nullopt;
}

verdict serve_breach_notice(contract_state& c, const ev::event& e, const ev::breach_notice_served& d) {
  const std::string id = "notice:" + d.notice_id;
  if (c.find_breach(id) != nullptr)
    return reject(rejection_code::duplicate_reference, "/data/notice_id: breach notice " + in_quotes(d.notice_id) + " was already served");
  open_breach(c,
              breach{id, breach_kind::notice, events::other(d.by), false, true, e.time, std::nullopt,
                     breach_status::open, std::nullopt, cents{}},
              c.terms.cure_days);
  return std::nullopt;
}

verdict cure_breach(contract_state& c, const ev::event& e, const ev::breach_cured& d) {
  breach* b = c.find_breach(d.breach_id);
  if (auto why = closable(b, "breach_id", d.breach_id)) return why;
  if (!b->curable || b->kind == breach_kind::late_payment)
    return reject(rejection_code::not_permitted, "/data/breach_id: breach " + in_quotes(d.breach_id) +
                                                     (b->curable ? " is cured only by paying the invoice in full"
                                                                 : " is not curable"));
  close_breach(*b, breach_status::cured, e.time);
  return std::nullopt;
}

verdict waive_breach(contract_state& c, const ev::event& e, const ev::breach_waived& d) {
  breach* b = c.find_breach(d.breach_id);
  if (auto why = closable(b, "breach_id", d.breach_id)) return why;
  if (d.by == b->by)
    return reject(rejection_code::not_permitted,
                  "/data/by: only the harmed party (" + std::string(to_string(events::other(b->by))) + ") may waive a breach");
  close_breach(*b, breach_status::waived, e.time);
  return std::nullopt;
}

verdict issue_invoice(contract_state& c, const ev::event& e, const ev::invoice_issued& d) {
  if (c.find_invoice(d.invoice_id) != nullptr)
    return reject(rejection_code::duplicate_reference, "/data/invoice_id: invoice " + in_quotes(d.invoice_id) + " was already issued");
  const timestamp due = events::add_days(e.time, c.terms.payment_days);
  // An invoice for nothing is settled the moment it is issued (docs/decisions.md).
  const auto status = d.amount == cents{} ? invoice_status::paid : invoice_status::open;
  const auto billed = std::find_if(c.periods.begin(), c.periods.end(), [&](const period_result& p) { return p.month == d.month; });
  reserve_term(c.invoices, c.terms);
  c.invoice_index.emplace(d.invoice_id, c.invoices.size());
  c.invoices.push_back(invoice{d.invoice_id, d.month, d.amount, e.time, due, cents{}, status, d.lines,
                               reconcile(d.amount, d.lines, billed == c.periods.end() ? nullptr : &*billed)});
  c.deadlines.schedule(due, "invoice-due:" + d.invoice_id, deadline_kind::invoice_due, d.invoice_id);
  return std::nullopt;
}

verdict pay_invoice(contract_state& c, const ev::event& e, const ev::invoice_paid& d) {
  invoice* inv = c.find_invoice(d.invoice_id);
  if (inv == nullptr) return reject(rejection_code::unknown_reference, "/data/invoice_id: no invoice " + in_quotes(d.invoice_id));
  if (d.amount == cents{}) return reject(rejection_code::invalid_data, "/data/amount: must be greater than 0");
  inv->paid += d.amount;
  if (inv->paid >= inv->amount) {
    inv->status = invoice_status::paid;
    if (breach* b = c.find_breach("invoice:" + d.invoice_id); b != nullptr && b->is_active())
      close_breach(*b, breach_status::cured, e.time);
  }
  return std::nullopt;
}

verdict declare_force_majeure(contract_state& c, const ev::event& e, const ev::force_majeure_declared& d) {
  if (c.find_fm(d.fm_id) != nullptr)
    return reject(rejection_code::duplicate_reference, "/data/fm_id: force majeure " + in_quotes(d.fm_id) + " was already declared");
  const timestamp due = events::add_days(e.time, c.terms.force_majeure_days);
  c.fm_index.emplace(d.fm_id, c.force_majeures.size());
  c.force_majeures.push_back(force_majeure{d.fm_id, d.by, e.time, std::nullopt, due, false});
  c.deadlines.schedule(due, "fm:" + d.fm_id, deadline_kind::force_majeure, d.fm_id);
  return std::nullopt;
}

verdict end_force_majeure(contract_state& c, const ev::event& e, const ev::force_majeure_ended& d) {
  force_majeure* fm = c.find_fm(d.fm_id);
  if (fm == nullptr) return reject(rejection_code::unknown_reference, "/data/fm_id: no force majeure " + in_quotes(d.fm_id));
  if (fm->ended_at) return reject(rejection_code::already_closed, "/data/fm_id: force majeure " + in_quotes(d.fm_id) + " has already ended");
  fm->ended_at = e.time;
  c.deadlines.cancel("fm:" + d.fm_id);
  return std::nullopt;
}

verdict serve_termination_notice(contract_state& c, const ev::event& e, const ev::termination_notice_served& d) {
  if (c.termination_notice_ids.contains(d.notice_id))
    return reject(rejection_code::duplicate_reference, "/data/notice_id: termination notice " + in_quotes(d.notice_id) + " was already served");
  if (c.pending)
    return reject(rejection_code::termination_pending, "a termination is already pending (effective " +
                                                           events::format_timestamp(c.pending->effective_at) + ")");
  const auto grounds = available_grounds(c);
  const auto ground = std::find_if(grounds.begin(), grounds.end(),
                                   [&](const termination_ground& g) { return g.who == d.by && g.ground == d.ground; });
  if (ground == grounds.end())
    return reject(rejection_code::ground_not_available, "/data/ground: " + in_quotes(d.ground) + " is not available to the " +
                                                            std::string(to_string(d.by)) + " now");
  const timestamp effective = std::max(d.effective_at.value_or(e.time), events::add_days(e.time, ground->notice_days));
  c.termination_notice_ids.insert(d.notice_id);
  c.pending = pending_termination{d.notice_id, terminating(d.by), d.ground, e.time, effective};
  c.deadlines.schedule(effective, "termination:" + d.notice_id, deadline_kind::termination, d.notice_id);
  return std::nullopt;
}

verdict withdraw_termination_notice(contract_state& c, const ev::event&, const ev::termination_notice_withdrawn& d) {
  if (!c.pending || c.pending->notice_id != d.notice_id)
    return reject(rejection_code::unknown_reference, "/data/notice_id: " + in_quotes(d.notice_id) + " is not the pending termination notice");
  c.deadlines.cancel("termination:" + d.notice_id);
  c.pending.reset();
  return std::nullopt;
}

verdict agree_termination(contract_state& c, const ev::event& e, const ev::termination_agreed& d) {
  if (c.pending)
    return reject(rejection_code::termination_pending, "a termination is already pending (effective " +
                                                           events::format_timestamp(c.pending->effective_at) + ")");
  const timestamp effective = std::max(d.effective_at, e.time);
  c.pending = pending_termination{std::nullopt, terminating_party::both, "mutual", e.time, effective};
  c.deadlines.schedule(effective, "termination:mutual", deadline_kind::termination, {});
  return std::nullopt;
}

void fire(contract_state& c, const deadline_key& key, const deadline& d) {
  switch (d.kind) {
  case deadline_kind::cure:
    if (breach* b = c.find_breach(d.ref); b != nullptr && b->status == breach_status::open) b->status = breach_status::uncured;
    return;
  case deadline_kind::invoice_due: {
    invoice* inv = c.find_invoice(d.ref);
    if (inv == nullptr || inv->paid >= inv->amount) return;
    inv->status = invoice_status::overdue;
    open_breach(c,
                breach{"invoice:" + d.ref, breach_kind::late_payment, party::client, false, true, key.due, std::nullopt,
                       breach_status::open, std::nullopt, cents{}},
                c.terms.non_payment_days);
    return;
  }
  case deadline_kind::force_majeure:
    if (force_majeure* fm = c.find_fm(d.ref)) fm->deadline_fired = true;
    return;
  case deadline_kind::termination:
  case deadline_kind::expiry:
    return; // these end the contract and go through the machine
  }
}

void terminate(contract_state& c, timestamp due) {
  const pending_termination p = *c.pending;
  c.early_termination_fee_owed = p.by == terminating_party::client && p.ground == "convenience" && p.effective_at < expiry_time(c);
  c.terminated = termination_record{due, p.by, p.ground};
  cancel_all(c);
}

void expire(contract_state& c, timestamp due) {
  c.terminated = termination_record{due, std::nullopt, "expired"};
  cancel_all(c);
}

} // namespace pactum::statemachine::rules
