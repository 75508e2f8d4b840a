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

std::string seen_key(const events::event& e) {
  std::string key;
  key.reserve(e.source.size() + 1 + e.id.size());
  key.append(e.source).push_back('\0');
  key.append(e.id);
  return key;
}

} // namespace pactum::statemachine
