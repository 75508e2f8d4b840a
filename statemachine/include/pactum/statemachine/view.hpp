// The read model of spec section 13: a contract's view and its parts, rendered
// exactly (names, formats, nulls never omitted) as compact JSON text.
#pragma once

#include "pactum/statemachine/contract_state.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace pactum::statemachine {

// Written directly as text, not through a JSON DOM: the service renders a view
// per touched contract per transaction, and that is its hottest path.
[[nodiscard]] std::string render_view(const contract_state& c);
[[nodiscard]] std::string render_termination(const contract_state& c);
[[nodiscard]] std::string render_liability(const contract_state& c);
[[nodiscard]] std::string render_settlement(const contract_state& c);

// The three parts of a view, rendered once when the caller needs them on their
// own too (the service's projections).
struct view_parts {
  std::string termination;
  std::string liability;
  std::string settlement;
};
[[nodiscard]] view_parts render_parts(const contract_state& c);
[[nodiscard]] std::string render_view(const contract_state& c, const view_parts& parts);

// {"contract_id","state","version",<part_name>: part}: the projections' shape.
[[nodiscard]] std::string render_projection(const contract_state& c, std::string_view part_name, const std::string& part);

using view_json = nlohmann::ordered_json;
// Compact JSON text of other documents (rejections, stats); invalid UTF-8 is replaced.
[[nodiscard]] std::string to_text(const view_json& v);

} // namespace pactum::statemachine
