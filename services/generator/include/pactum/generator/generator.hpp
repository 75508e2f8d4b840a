// A deterministic generator of realistic contract event logs (structured-mode
// JSON lines): every event type and rule, plus about 10 % bad or edge records.
// Tests, benchmarks and the demo stream use it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pactum::generator {

struct options {
  std::uint64_t seed = 1;
  int contracts = 10;
  int bad_per_mille = 100; // share of extra bad / edge records, per 1000 good ones
};

// Calls `emit` once per line (without the newline), in stream order: by time,
// ties by contract then by the contract's own order. Same options, same lines.
void generate(const options& opts, const std::function<void(std::string_view)>& emit);

} // namespace pactum::generator
