// Internal: the topics pactumd writes (and reads), created when missing.
#pragma once

#include "pactum/runtime/service.hpp"

#include <librdkafka/rdkafkacpp.h>

namespace pactum::runtime::kafka {

// Records up to this size (value, key and headers) can be dead-lettered; the
// dead-letter topic must accept them (pactumd creates it so; docs/deploy.md).
inline constexpr const char* dead_letter_max_bytes = "8388608";

// Creates the missing ones with `client` (any handle will do); a topic that
// cannot be created is logged, not fatal (it may exist under other settings).
void ensure_topics(RdKafka::Handle& client, const service_config& config);

} // namespace pactum::runtime::kafka
