// Structured logs: one JSON object per line on stderr. Event-path lines carry
// the contract id; never personal data or credentials.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pactum::runtime {

void log_line(std::string_view level, std::string_view event,
              std::initializer_list<std::pair<std::string_view, std::string>> fields);

} // namespace pactum::runtime
