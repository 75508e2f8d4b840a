// Decoding of CloudEvents 1.0 records (spec sections 1 and 15) in both Kafka
// content modes, with the decode-stage rejection codes.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/rejection.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pactum::events {

inline constexpr std::size_t max_record_bytes = 65'536;

// One Kafka record header; a header without a value has no value.
struct record_header {
  std::string_view key;
  std::optional<std::string_view> value;
};

// Why a record could not be decoded, and what of its identity could be read
// (each is set only where the record carried it as a string).
struct decode_failure {
  rejection why;
  std::optional<std::string> event_id;
  std::optional<std::string> contract_id;
  std::optional<std::string> type;
};

using decoded = result<event, decode_failure>;

// Structured mode: the value is the whole CloudEvent as a JSON object.
[[nodiscard]] decoded decode_structured(std::string_view value,
                                        std::optional<std::string_view> key = std::nullopt);

// How many readable bytes, of any content, decode_padded_structured needs past
// a value's end: the parser reads up to that far ahead of what it parses.
inline constexpr std::size_t record_padding = 64;

// decode_structured of a value followed in memory by record_padding readable
// bytes: the parser reads the value where it lies, where decode_structured
// first copies it into a padded buffer of its own. The same result.
[[nodiscard]] decoded decode_padded_structured(std::string_view value);

// Binary mode: `ce_*` headers carry the attributes, the value is `data`.
[[nodiscard]] decoded decode_binary(std::span<const record_header> headers, std::string_view value,
                                    std::optional<std::string_view> key = std::nullopt);

// Either mode, chosen from the headers as the Kafka protocol binding says.
[[nodiscard]] decoded decode_record(std::span<const record_header> headers, std::string_view value,
                                    std::optional<std::string_view> key = std::nullopt);

// A structured-mode record's `subject`, read without decoding the record: the
// first member of the top-level object named "subject" (written without
// escapes) when its value is a string written without escapes. Empty when the
// scan cannot tell: escapes, another top level, a record that is not JSON.
// For a record that decodes, a subject given here is the decoded subject
// (a repeated "subject" does not decode). Replay groups a batch by it.
[[nodiscard]] std::optional<std::string_view> structured_subject(std::string_view value);

// The envelope's `time`, when the record has a readable one (a timestamp
// string), in the mode decode_record would read it; the rest of the record
// need not be valid. Spec section 16: the log as of T keeps the records whose
// time is at or before T.
[[nodiscard]] std::optional<timestamp> envelope_time(std::span<const record_header> headers, std::string_view value);

[[nodiscard]] bool valid_contract_id(std::string_view id);

} // namespace pactum::events
