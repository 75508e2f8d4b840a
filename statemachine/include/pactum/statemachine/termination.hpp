// Termination grounds available now (spec section 11 and the `since` rules of 15).
#pragma once

#include "pactum/statemachine/contract_state.hpp"

#include <string>
#include <vector>

namespace pactum::statemachine {

struct termination_ground {
  party who;
  std::string ground;
  timestamp since;
  std::int64_t notice_days;
  std::vector<std::string> basis; // sorted breach ids or fm:<fm_id>
};

// Sorted by party, then ground; empty unless the contract is live.
[[nodiscard]] std::vector<termination_ground> available_grounds(const contract_state& c);

} // namespace pactum::statemachine
