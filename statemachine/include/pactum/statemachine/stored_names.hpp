// Enums are stored by name (snapshots, the local store's records), through
// these tables, pinned by the golden fixture in tests/fixtures/state:
// reordering or extending an enum cannot change what a stored name means.
// Each table lists every value of its enum, in order.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/statemachine/contract_state.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace pactum::statemachine {

template <class Enum>
struct stored_names;
template <>
struct stored_names<lifecycle> {
  static constexpr std::array<std::string_view, 4> names{"draft", "signed", "in_breach", "terminated"};
};
template <>
struct stored_names<breach_kind> {
  static constexpr std::array<std::string_view, 5> names{"persistent_sla_failure", "data_incident", "audit_failure",
                                                         "notice", "late_payment"};
};
template <>
struct stored_names<breach_status> {
  static constexpr std::array<std::string_view, 4> names{"open", "uncured", "cured", "waived"};
};
template <>
struct stored_names<credit_cap> {
  static constexpr std::array<std::string_view, 3> names{"none", "monthly", "annual"};
};
template <>
struct stored_names<invoice_status> {
  static constexpr std::array<std::string_view, 3> names{"open", "overdue", "paid"};
};
template <>
struct stored_names<terminating_party> {
  static constexpr std::array<std::string_view, 3> names{"client", "vendor", "both"};
};
template <>
struct stored_names<deadline_kind> {
  static constexpr std::array<std::string_view, 5> names{"cure", "invoice_due", "force_majeure", "termination", "expiry"};
};

template <>
struct stored_names<party> {
  static constexpr std::array<std::string_view, 2> names{"client", "vendor"};
};
template <>
struct stored_names<reconciliation_status> {
  static constexpr std::array<std::string_view, 3> names{"matches", "differs", "period_unreported"};
};
template <>
struct stored_names<events::invoice_line_kind> {
  static constexpr std::array<std::string_view, 5> names{"base", "contacts", "credit", "bonus", "other"};
};

template <class Enum>
[[nodiscard]] constexpr std::string_view stored_name(Enum e) {
  return stored_names<Enum>::names.at(static_cast<std::size_t>(e));
}

template <class Enum>
[[nodiscard]] constexpr std::optional<Enum> enum_named(std::string_view name) {
  const auto& names = stored_names<Enum>::names;
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<Enum>(it - names.begin());
}

} // namespace pactum::statemachine
