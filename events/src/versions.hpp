// Internal: the decoders of older event versions, each ending in the upcasts
// to the latest shape (versions.hpp says how to add one).
#pragma once

#include "field_reader.hpp"
#include "pactum/events/versions.hpp"

namespace pactum::events::detail {

struct older_decoder {
  older_version version;
  // Reads the older shape from `/data` and upcasts it to the latest.
  event_data (*decode)(field_reader& data);
};

[[nodiscard]] const older_decoder* find_older_version(std::string_view type_name);

} // namespace pactum::events::detail
