// The contract aggregate: one contract's state, driven through its lifecycle by
// a Boost.MSM machine and its rules (spec sections 3-11). No I/O, no clock:
// given the same events it reaches the same state.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/rejection.hpp"
#include "pactum/statemachine/contract_state.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pactum::statemachine {

enum class outcome_kind : std::uint8_t { accepted, rejected, duplicate };

struct outcome {
  outcome_kind kind;
  std::optional<events::rejection> why; // set when rejected

  static outcome accepted() { return {outcome_kind::accepted, std::nullopt}; }
  static outcome duplicate() { return {outcome_kind::duplicate, std::nullopt}; }
  static outcome rejected(events::rejection r) { return {outcome_kind::rejected, std::move(r)}; }
};

class contract {
public:
  // A new contract from its `drafted` event; rejects version_conflict or invalid_terms.
  [[nodiscard]] static events::result<std::unique_ptr<contract>> draft(const events::event& e);
  // A contract as a snapshot left it (see snapshot.hpp); nullptr if the snapshot is unusable.
  [[nodiscard]] static std::unique_ptr<contract> restore(contract_state data);

  contract(const contract&) = delete;
  contract& operator=(const contract&) = delete;
  ~contract();

  // Steps 1-5 of spec section 3 for an event addressed to this contract: the
  // machine and the rules decide, and only an accepted event's facts are
  // applied (folded into the state; applying cannot fail).
  outcome handle(const events::event& e);
  // Fires every deadline due at or before `now` and moves stream time there (`--now`).
  void advance_to(timestamp now);

  [[nodiscard]] const contract_state& state() const { return data_; }

private:
  struct machine;
  explicit contract(contract_state data);

  // `identity`: the event's (source, id) in the duplicate memory's terms.
  outcome decide(const events::event& e, const seen_events::key& identity);
  void fire_due(timestamp limit);
  void follow_breaches();

  contract_state data_;
  std::unique_ptr<machine> machine_;
};

// One row of the lifecycle's Boost.MSM transition tables, by name, as the
// table itself says (read from its types at compile time, not kept by hand):
// the machine ("contract", or "live" for the signed <-> in_breach submachine),
// the source state, the event, the target ("" for an internal transition:
// the state stays), the action and the guard ("" for none).
struct lifecycle_row {
  std::string machine;
  std::string source;
  std::string event;
  std::string target;
  std::string action;
  std::string guard;
};

// Every row of both tables, in the tables' order (the outer machine first).
[[nodiscard]] std::vector<lifecycle_row> lifecycle_table();

} // namespace pactum::statemachine
