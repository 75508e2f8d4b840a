#include "pactum/events/rejection.hpp"

namespace pactum::events {

std::string_view to_string(rejection_code code) {
  switch (code) {
  case rejection_code::too_large: return "too_large";
  case rejection_code::malformed_json: return "malformed_json";
  case rejection_code::invalid_envelope: return "invalid_envelope";
  case rejection_code::unknown_type: return "unknown_type";
  case rejection_code::key_mismatch: return "key_mismatch";
  case rejection_code::invalid_data: return "invalid_data";
  case rejection_code::unknown_contract: return "unknown_contract";
  case rejection_code::contract_exists: return "contract_exists";
  case rejection_code::contract_terminated: return "contract_terminated";
  case rejection_code::invalid_state: return "invalid_state";
  case rejection_code::invalid_terms: return "invalid_terms";
  case rejection_code::version_conflict: return "version_conflict";
  case rejection_code::already_signed: return "already_signed";
  case rejection_code::period_outside_term: return "period_outside_term";
  case rejection_code::period_out_of_order: return "period_out_of_order";
  case rejection_code::missing_metric: return "missing_metric";
  case rejection_code::unknown_metric: return "unknown_metric";
  case rejection_code::duplicate_reference: return "duplicate_reference";
  case rejection_code::unknown_reference: return "unknown_reference";
  case rejection_code::already_closed: return "already_closed";
  case rejection_code::not_permitted: return "not_permitted";
  case rejection_code::termination_pending: return "termination_pending";
  case rejection_code::ground_not_available: return "ground_not_available";
  case rejection_code::deadline_not_due: return "deadline_not_due";
  }
  return "unknown";
}

} // namespace pactum::events
