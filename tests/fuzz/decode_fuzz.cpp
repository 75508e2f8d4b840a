// libFuzzer target: the envelope and data decoder, in both content modes, and
// the subject read before decoding (structured_subject) against the decoded one.
// Input: a structured-mode record, or (when it contains a blank line) binary
// mode: `name: value` header lines, a blank line, then the value. The first
// line of a structured record may also be `key: <key>` to exercise the key rule.
#include "pactum/events/decode.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::optional<std::string_view> key;
  std::vector<pactum::events::record_header> headers;
  std::string_view value = input;
  if (const auto blank = input.find("\n\n"); blank != std::string_view::npos) {
    std::string_view block = input.substr(0, blank);
    value = input.substr(blank + 2);
    while (!block.empty()) {
      const auto eol = block.find('\n');
      const std::string_view line = block.substr(0, eol);
      block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 1);
      const auto colon = line.find(": ");
      if (colon == std::string_view::npos) {
        headers.push_back({line, std::nullopt}); // a header without a value
      } else if (line.substr(0, colon) == "key") {
        key = line.substr(colon + 2);
      } else {
        headers.push_back({line.substr(0, colon), line.substr(colon + 2)});
      }
    }
  }
  (void)pactum::events::decode_record(headers, value, key);
  // Replay groups records by the subject read before decoding: wherever it
  // names one and the record decodes, it must be the decoded subject.
  const auto subject = pactum::events::structured_subject(input);
  const auto decoded = pactum::events::decode_structured(input);
  if (subject && decoded && *subject != decoded.value().subject) __builtin_trap();
  return 0;
}
