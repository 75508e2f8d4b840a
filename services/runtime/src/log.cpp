#include "pactum/runtime/log.hpp"

#include "pactum/events/values.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace pactum::runtime {

void log_line(std::string_view level, std::string_view event,
              std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  line["ts"] = events::format_timestamp(events::timestamp{now.count()});
  line["level"] = level;
  line["event"] = event;
  for (const auto& [k, v] : fields) line[std::string(k)] = v;
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

} // namespace pactum::runtime
