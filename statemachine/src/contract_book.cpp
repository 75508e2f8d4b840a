#include "pactum/statemachine/contract_book.hpp"

#include <algorithm>

namespace pactum::statemachine {

outcome contract_book::handle(const events::event& e) {
  const auto it = contracts_.find(e.subject);
  if (it != contracts_.end()) return it->second->handle(e);
  if (e.type() != events::event_type::contract_drafted)
    return outcome::rejected(events::rejection{events::rejection_code::unknown_contract,
                                               "/subject: no contract " + e.subject + " has been drafted"});
  auto drafted = contract::draft(e);
  if (!drafted) return outcome::rejected(std::move(drafted.error()));
  contracts_.emplace(e.subject, std::move(drafted.value()));
  return outcome::accepted();
}

void contract_book::advance_to(timestamp now) {
  for (auto& [id, c] : contracts_) c->advance_to(now);
}

const contract* contract_book::find(const std::string& contract_id) const {
  const auto it = contracts_.find(contract_id);
  return it == contracts_.end() ? nullptr : it->second.get();
}

std::vector<const contract*> contract_book::sorted() const {
  std::vector<const contract*> out;
  out.reserve(contracts_.size());
  for (const auto& [id, c] : contracts_) out.push_back(c.get());
  std::sort(out.begin(), out.end(),
            [](const contract* a, const contract* b) { return a->state().contract_id < b->state().contract_id; });
  return out;
}

void contract_book::adopt(std::unique_ptr<contract> c) {
  std::string id = c->state().contract_id;
  contracts_.insert_or_assign(std::move(id), std::move(c));
}

} // namespace pactum::statemachine
