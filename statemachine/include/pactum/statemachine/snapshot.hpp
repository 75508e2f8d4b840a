// Snapshots of a contract's whole state as JSON, so that folding a log's prefix,
// saving, restoring and folding the rest equals folding the whole log. The
// service stores them on a compacted topic; the format is versioned.
#pragma once

#include "pactum/statemachine/contract_state.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace pactum::statemachine {

// 2: the terms as text; 3: duplicate-memory keys that keep (source, id) apart;
// 4: a period's base fee, an invoice's lines and reconciliation (section 17);
// 5: every enum by name (through a table a golden fixture pins), not by number.
// An older snapshot cannot give the reconciliations a replay would: it is not
// used, and pactumd replays that partition from its start instead.
inline constexpr int snapshot_format = 5;

// Deterministic: the same state always gives the same document.
[[nodiscard]] nlohmann::json snapshot_of(const contract_state& c);
// nullopt when the document is not a snapshot of this format.
[[nodiscard]] std::optional<contract_state> state_from_snapshot(const nlohmann::json& doc);

} // namespace pactum::statemachine
