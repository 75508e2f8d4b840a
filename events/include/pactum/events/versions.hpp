// Spec section 17: the versions of each event type the decoder accepts. The
// latest version of a type is its data type's `type_name` (event.hpp); every
// older version is listed here and upcast to the latest before any rule sees
// it, so rules, snapshots and the read model know one shape only.
//
// Adding a version N+1 of a type: the data type in event.hpp becomes the new
// shape with the new `type_name`; its decoder changes in decode.cpp; the old
// shape moves to versions.cpp with its decoder and one upcaster to N+1, and
// every older entry's chain gains that upcaster. An upcaster, once written,
// never changes: old logs must replay to what they always did.
#pragma once

#include "pactum/events/event.hpp"

#include <span>
#include <string_view>

namespace pactum::events {

struct older_version {
  std::string_view type_name; // e.g. "pactum.invoice.issued.v1"
  event_type latest;          // what it is upcast to
};

[[nodiscard]] std::span<const older_version> older_versions();

} // namespace pactum::events
