// The one CloudEvents writer: an envelope and its data (JSON text) as a
// structured-mode record value, or as binary-mode headers and value, with the
// attribute names the decoder reads (spec section 1). Used by pactumd's
// deadline events, the generator, `pactumctl produce --binary` and the tests.
#pragma once

#include "pactum/events/event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::events {

struct envelope {
  std::string id;
  std::string source;
  std::string_view type; // e.g. deadline_reached::type_name
  std::string subject;
  std::string time; // as written; format_timestamp() of a timestamp
  std::optional<std::int64_t> expected_version = std::nullopt;
};

// The binary-mode header of a CloudEvents attribute: `content-type` for
// `datacontenttype`, else `ce_<name>` (the decoder's table, decode.cpp).
[[nodiscard]] std::string binary_header_name(std::string_view attribute);

// {"specversion":"1.0","id":..,"source":..,"type":..,"subject":..,"time":..[,"expectedversion":..],"data":<data>}
[[nodiscard]] std::string encode_structured(const envelope& e, std::string_view data_json);

struct binary_record {
  std::vector<std::pair<std::string, std::string>> headers; // ce_* and content-type
  std::string value;                                        // the data
};
[[nodiscard]] binary_record encode_binary(const envelope& e, std::string_view data_json);

// A structured-mode record (a JSON object) in binary mode: every attribute a
// header (strings as they are, other JSON values as their text), `data` the
// value. Empty when the text is not a JSON object with `data`.
[[nodiscard]] std::optional<binary_record> structured_to_binary(std::string_view structured_json);

} // namespace pactum::events
