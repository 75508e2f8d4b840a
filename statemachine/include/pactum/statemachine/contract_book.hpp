// All contracts of a stream (or of a partition) by id, and the routing of an
// event to its contract: check 2 (unknown_contract) and the first `drafted`.
#pragma once

#include "pactum/statemachine/contract.hpp"

#include <memory>
#include <string>
#include <boost/unordered/unordered_flat_map.hpp>

#include <vector>

namespace pactum::statemachine {

class contract_book {
public:
  // Routes the event to its contract and has it handled (decided, then folded).
  outcome handle(const events::event& e);
  // `--now`: every contract fires its deadlines due at or before `now`.
  void advance_to(timestamp now);

  [[nodiscard]] const contract* find(const std::string& contract_id) const;
  [[nodiscard]] std::vector<const contract*> sorted() const; // by contract id
  [[nodiscard]] std::size_t size() const { return contracts_.size(); }
  // Calls fn(const contract&) for every contract, in no particular order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [id, c] : contracts_) fn(*c);
  }
  // Takes over a contract restored from a snapshot (replacing one with its id).
  void adopt(std::unique_ptr<contract> c);
  // Lets go of a contract (a cache evicting it: its state is stored elsewhere).
  void forget(const std::string& contract_id) { contracts_.erase(contract_id); }

private:
  boost::unordered_flat_map<std::string, std::unique_ptr<contract>> contracts_;
};

} // namespace pactum::statemachine
