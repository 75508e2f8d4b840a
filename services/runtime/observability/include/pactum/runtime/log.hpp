// Structured logs: one JSON object per line on stderr. Event-path lines carry
// the contract id; never personal data or credentials.
#pragma once

#include "pactum/events/rejection.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pactum::runtime {

enum class log_level : std::uint8_t { debug, info, warn, error };

[[nodiscard]] std::optional<log_level> parse_log_level(std::string_view name);
// Lines below this level are not written (default: info).
void set_log_level(log_level min);
[[nodiscard]] bool log_enabled(log_level level);

void log_line(log_level level, std::string_view event,
              std::initializer_list<std::pair<std::string_view, std::string>> fields);

// Dead letters as an operator wants them: one info line per interval with the
// counts by reason (a stream with a tenth of bad records would otherwise write
// a line per record); the per-record line is at debug.
class dead_letter_summary {
public:
  using clock = std::chrono::steady_clock;

  explicit dead_letter_summary(std::chrono::milliseconds interval = std::chrono::seconds(5)) : interval_(interval) {}

  void count(events::rejection_code reason) { ++counts_[static_cast<std::size_t>(reason)]; }
  // Writes the line when the interval has passed and anything was counted; resets.
  void flush_if_due(clock::time_point now);
  void flush();

private:
  static constexpr std::size_t code_count = static_cast<std::size_t>(events::rejection_code::deadline_not_due) + 1;
  std::chrono::milliseconds interval_;
  clock::time_point last_{clock::now()};
  std::array<std::uint64_t, code_count> counts_{};
};

} // namespace pactum::runtime
