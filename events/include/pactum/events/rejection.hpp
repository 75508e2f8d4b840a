// Rejection codes of spec section 12 and the small result type the event path
// returns instead of throwing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pactum::events {

enum class rejection_code : std::uint8_t {
  too_large,
  malformed_json,
  invalid_envelope,
  unknown_type,
  key_mismatch,
  invalid_data,
  unknown_contract,
  contract_exists,
  contract_terminated,
  invalid_state,
  invalid_terms,
  version_conflict,
  already_signed,
  period_outside_term,
  period_out_of_order,
  missing_metric,
  unknown_metric,
  duplicate_reference,
  unknown_reference,
  already_closed,
  not_permitted,
  termination_pending,
  ground_not_available,
  deadline_not_due,
};

[[nodiscard]] std::string_view to_string(rejection_code code);

// A code and a human sentence that names the field (as a JSON pointer) or the rule.
struct rejection {
  rejection_code code;
  std::string detail;
};

// Either a value or an error; the event path's return type (no exceptions there).
template <class T, class E = rejection>
class result {
public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  result(E error) : v_(std::in_place_index<1>, std::move(error)) {}      // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] T& value() { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const { return std::get<0>(v_); }
  [[nodiscard]] E& error() { return std::get<1>(v_); }
  [[nodiscard]] const E& error() const { return std::get<1>(v_); }

private:
  std::variant<T, E> v_;
};

} // namespace pactum::events
