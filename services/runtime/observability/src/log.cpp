#include "pactum/runtime/log.hpp"

#include "pactum/events/values.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace pactum::runtime {
namespace {

std::atomic<log_level> min_level{log_level::info};

std::string_view name_of(log_level level) {
  switch (level) {
  case log_level::debug: return "debug";
  case log_level::info: return "info";
  case log_level::warn: return "warn";
  case log_level::error: return "error";
  }
  return "error";
}

} // namespace

std::optional<log_level> parse_log_level(std::string_view name) {
  for (const auto level : {log_level::debug, log_level::info, log_level::warn, log_level::error})
    if (name == name_of(level)) return level;
  return std::nullopt;
}

void set_log_level(log_level min) { min_level.store(min); }

bool log_enabled(log_level level) { return level >= min_level.load(std::memory_order_relaxed); }

void log_line(log_level level, std::string_view event,
              std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  if (!log_enabled(level)) return;
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  line["ts"] = events::format_timestamp(events::timestamp{now.count()});
  line["level"] = name_of(level);
  line["event"] = event;
  for (const auto& [k, v] : fields) line[std::string(k)] = v;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void dead_letter_summary::flush_if_due(clock::time_point now) {
  if (now - last_ < interval_) return;
  last_ = now;
  flush();
}

void dead_letter_summary::flush() {
  std::uint64_t total = 0;
  std::string reasons;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    total += counts_[i];
    if (!reasons.empty()) reasons += ' ';
    reasons += std::string(events::to_string(static_cast<events::rejection_code>(i))) + '=' + std::to_string(counts_[i]);
  }
  counts_ = {};
  if (total == 0) return;
  log_line(log_level::info, "dead_letters",
           {{"records", std::to_string(total)}, {"by_reason", reasons},
            {"detail", "rejected records sent to the dead-letter topic since the last summary; per record at --log-level debug"}});
}

} // namespace pactum::runtime
