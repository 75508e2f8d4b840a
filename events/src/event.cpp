#include "pactum/events/event.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace pactum::events {

std::string_view to_string(party p) {
  switch (p) {
  case party::client: return "client";
  case party::vendor: return "vendor";
  }
  return "client";
}

namespace {

// The catalogue's names in a table of 64 slots, placed by a cheap hash of
// their length and two of their letters and probed linearly: a lookup costs
// one comparison of text (a search of the list cost one per name before it).
// Any name hashes somewhere; only the comparison decides.
constexpr std::size_t name_slots = 64;
constexpr std::size_t shortest_name = 8; // "pactum." and more

constexpr std::size_t slot_of(std::string_view name) {
  const auto letter = [&](std::size_t at) { return static_cast<std::size_t>(static_cast<unsigned char>(name[at])); };
  return (name.size() * 9 + letter(name.size() / 2) + letter(name.size() - 6) * 4) % name_slots;
}

constexpr std::uint8_t empty_slot = UINT8_MAX;

constexpr std::array<std::uint8_t, name_slots> name_table() {
  std::array<std::uint8_t, name_slots> slots{};
  slots.fill(empty_slot);
  for (std::size_t t = 0; t < event_type_count; ++t) {
    std::size_t at = slot_of(event_type_names[t]);
    while (slots[at] != empty_slot) at = (at + 1) % name_slots;
    slots[at] = static_cast<std::uint8_t>(t);
  }
  return slots;
}

static_assert(event_type_count < name_slots / 2, "the name table stays at most half full");
static_assert(std::ranges::all_of(event_type_names, [](std::string_view n) { return n.size() >= shortest_name; }));
constexpr std::array<std::uint8_t, name_slots> type_by_name = name_table();

} // namespace

std::optional<event_type> parse_event_type(std::string_view name) {
  if (name.size() < shortest_name) return std::nullopt;
  for (std::size_t at = slot_of(name); type_by_name[at] != empty_slot; at = (at + 1) % name_slots)
    if (event_type_names[type_by_name[at]] == name) return static_cast<event_type>(type_by_name[at]);
  return std::nullopt;
}

} // namespace pactum::events
