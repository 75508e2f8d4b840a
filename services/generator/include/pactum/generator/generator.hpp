// A deterministic generator of realistic contract event logs (structured-mode
// JSON lines): every event type and rule, plus about 10 % bad or edge records.
// Tests, benchmarks and the demo stream use it.
#pragma once

#include "pactum/events/values.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace pactum::generator {

struct options {
  std::uint64_t seed = 1;
  int contracts = 10;
  int bad_per_mille = 100; // share of extra bad / edge records, per 1000 good ones
  // Share of invoices issued as pactum.invoice.issued.v2 (itemised, billing
  // their period; a few with deliberate differences, plus some that do not
  // decode), per 1000. 0 gives exactly the v1-only logs of earlier versions.
  int v2_per_mille = 300;
  // Contracts start in one of the 12 months from this one (months since
  // 0000-01; default 2026-01) and run 12 to 24 months.
  std::int32_t first_month = 2026 * 12;
  // Only the records up to this instant (the history as of then); none: all.
  std::optional<events::timestamp> until;
};

// Calls `emit` once per line (without the newline), in stream order: by time,
// ties by contract then by the contract's own order. Same options, same lines.
void generate(const options& opts, const std::function<void(std::string_view)>& emit);

} // namespace pactum::generator
