// The read model of spec section 13: a contract's view and its parts, rendered
// exactly (names, formats, nulls never omitted).
#pragma once

#include "pactum/statemachine/contract_state.hpp"

#include <nlohmann/json.hpp>

namespace pactum::statemachine {

using view_json = nlohmann::ordered_json;

[[nodiscard]] view_json render_view(const contract_state& c);
[[nodiscard]] view_json render_termination(const contract_state& c);
[[nodiscard]] view_json render_liability(const contract_state& c);
[[nodiscard]] view_json render_settlement(const contract_state& c);

// Compact JSON text; invalid UTF-8 (only possible in echoed input) is replaced.
[[nodiscard]] std::string to_text(const view_json& v);

} // namespace pactum::statemachine
