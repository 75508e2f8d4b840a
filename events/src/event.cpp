#include "pactum/events/event.hpp"

#include <algorithm>

namespace pactum::events {

std::string_view to_string(party p) {
  switch (p) {
  case party::client: return "client";
  case party::vendor: return "vendor";
  }
  return "client";
}

std::optional<event_type> parse_event_type(std::string_view name) {
  const auto it = std::find(event_type_names.begin(), event_type_names.end(), name);
  if (it == event_type_names.end()) return std::nullopt;
  return static_cast<event_type>(it - event_type_names.begin());
}

} // namespace pactum::events
