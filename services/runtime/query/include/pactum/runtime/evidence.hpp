// Spec section 16 from one contract's records (record_store.hpp): its timeline
// and its view as of an instant, recomputed with the statemachine library on
// demand (a contract has tens to a few hundred records; replaying them is
// microseconds). The same fold as pactumd's and `pactumctl replay`'s.
#pragma once

#include "pactum/events/rejection.hpp"
#include "pactum/events/values.hpp"
#include "pactum/runtime/record_store.hpp"
#include "pactum/statemachine/contract.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pactum::runtime {

// One record of a contract's timeline: where it is, what it says it is (each
// as far as the record could be read) and what the fold made of it.
struct timeline_entry {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> id;
  std::optional<std::string> source;
  std::optional<std::string> type;
  std::optional<events::timestamp> time;
  statemachine::outcome_kind outcome = statemachine::outcome_kind::rejected;
  std::optional<std::int64_t> version; // after it, when accepted
  std::optional<events::rejection> why; // when rejected
};

// Every record of the contract, in order, with its outcome.
[[nodiscard]] std::vector<timeline_entry> timeline_of(const std::string& contract_id, const std::vector<event_record>& records);

// The contract's view (render_view's text) as of `at`: its records whose
// envelope time is at or before `at`, in order, replayed with the clock at
// `at`; empty when the contract did not exist then.
[[nodiscard]] std::optional<std::string> view_as_of(const std::string& contract_id, const std::vector<event_record>& records,
                                                    events::timestamp at);

// The explanation of the contract's view (spec section 16; explain.hpp), as of
// `at` when given; empty when the contract did not exist (then).
[[nodiscard]] std::optional<std::string> explain_as_of(const std::string& contract_id, const std::vector<event_record>& records,
                                                       const std::optional<events::timestamp>& at);

// The timeline as JSON: {"contract_id","records":[...],"next_cursor"}; the
// entries [first, first + count) of `entries`.
[[nodiscard]] std::string render_timeline(const std::string& contract_id, const std::vector<timeline_entry>& entries,
                                          std::size_t first, std::size_t count, const std::optional<std::string>& next_cursor);

} // namespace pactum::runtime
