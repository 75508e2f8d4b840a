#include "pactum/statemachine/contract_state.hpp"

#include <algorithm>

namespace pactum::statemachine {

std::string_view to_string(lifecycle s) {
  switch (s) {
  case lifecycle::draft: return "draft";
  case lifecycle::signed_: return "signed";
  case lifecycle::in_breach: return "in_breach";
  case lifecycle::terminated: return "terminated";
  }
  return "draft";
}

std::string_view to_string(breach_kind k) {
  switch (k) {
  case breach_kind::persistent_sla_failure: return "persistent_sla_failure";
  case breach_kind::data_incident: return "data_incident";
  case breach_kind::audit_failure: return "audit_failure";
  case breach_kind::notice: return "notice";
  case breach_kind::late_payment: return "late_payment";
  }
  return "notice";
}

std::string_view to_string(breach_status s) {
  switch (s) {
  case breach_status::open: return "open";
  case breach_status::uncured: return "uncured";
  case breach_status::cured: return "cured";
  case breach_status::waived: return "waived";
  }
  return "open";
}

std::string_view to_string(invoice_status s) {
  switch (s) {
  case invoice_status::open: return "open";
  case invoice_status::overdue: return "overdue";
  case invoice_status::paid: return "paid";
  }
  return "open";
}

std::string_view to_string(terminating_party p) {
  switch (p) {
  case terminating_party::client: return "client";
  case terminating_party::vendor: return "vendor";
  case terminating_party::both: return "both";
  }
  return "both";
}

void deadline_queue::schedule(timestamp due, std::string id, deadline_kind kind, std::string ref) {
  cancel(id);
  due_by_id_.emplace(id, due);
  queue_.emplace(deadline_key{due, std::move(id)}, deadline{kind, std::move(ref)});
  earliest_ = std::min(earliest_, due);
}

void deadline_queue::cancel(const std::string& id) {
  const auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) return;
  queue_.erase(deadline_key{it->second, id});
  due_by_id_.erase(it);
  refresh_earliest();
}

void deadline_queue::clear() {
  queue_.clear();
  due_by_id_.clear();
  refresh_earliest();
}

std::optional<deadline_queue::entries::node_type> deadline_queue::pop_due(timestamp limit) {
  if (earliest_ > limit) return std::nullopt;
  auto node = queue_.extract(queue_.begin());
  due_by_id_.erase(node.key().id);
  refresh_earliest();
  return node;
}

std::optional<timestamp> deadline_queue::due_of(const std::string& id) const {
  const auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) return std::nullopt;
  return it->second;
}

void deadline_queue::refresh_earliest() {
  earliest_ = queue_.empty() ? timestamp{INT64_MAX} : queue_.begin()->first.due;
}

breach* contract_state::find_breach(const std::string& id) {
  const auto it = breach_index.find(id);
  return it == breach_index.end() ? nullptr : &breaches[it->second];
}

invoice* contract_state::find_invoice(const std::string& id) {
  const auto it = invoice_index.find(id);
  return it == invoice_index.end() ? nullptr : &invoices[it->second];
}

force_majeure* contract_state::find_fm(const std::string& id) {
  const auto it = fm_index.find(id);
  return it == fm_index.end() ? nullptr : &force_majeures[it->second];
}

bool contract_state::has_active_breach() const {
  return std::any_of(breaches.begin(), breaches.end(), [](const breach& b) { return b.is_active(); });
}

std::string_view to_string(reconciliation_status s) {
  switch (s) {
  case reconciliation_status::matches: return "matches";
  case reconciliation_status::differs: return "differs";
  case reconciliation_status::period_unreported: return "period_unreported";
  }
  return "period_unreported";
}

std::string seen_key(std::string_view source, std::string_view id) {
  // The source's length first: no two different pairs make the same key, whatever
  // bytes (NUL included) the members hold (spec section 15).
  std::string key = std::to_string(source.size());
  key.reserve(key.size() + 1 + source.size() + id.size());
  key.push_back(':');
  key.append(source).append(id);
  return key;
}

std::string seen_key(const events::event& e) { return seen_key(e.source, e.id); }

} // namespace pactum::statemachine
