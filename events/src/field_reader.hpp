// Reads typed members out of a JSON object (a simdjson DOM element), recording
// the first failure as a rejection that names the member by JSON pointer.
// Shared by the envelope's data decoding (invalid_data) and the terms check
// (invalid_terms).
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/rejection.hpp"
#include "pactum/events/terms.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pactum::events::detail {

using element = simdjson::dom::element;

std::string pointer_token(std::string_view name);

// A JSON number or decimal string as an exact scaled integer (see values.hpp).
std::optional<std::int64_t> scaled_number(element v, int scale, bool round_numbers);
std::optional<basis_points> percent_value(element v);
std::optional<millionths> metric_value(element v);
// A JSON integer (not 1.0, not a boolean) up to 2^63-1.
std::optional<std::int64_t> integer_value(element v);
std::optional<std::string_view> string_value(element v);

// parse_terms of an object already parsed (its text: simdjson::minify(terms)).
result<contract_terms> read_terms(element terms);

// Every day count in the terms and in data, and notification_hours (spec 15).
inline constexpr std::int64_t max_days = 36'500;
inline constexpr std::int64_t max_notification_hours = 876'000;

// A reader knows where it stands as its parent reader and its own step (a
// member name or an array index), and spells the JSON pointer only when a
// failure names it: most records fail nowhere. A nested reader refers to the
// reader it was made from, which must outlive it (a named local, not a
// temporary of a longer expression).
class field_reader {
public:
  // The reader of the object at `pointer` (a literal: "/data", "/data/terms").
  field_reader(element object, std::string_view pointer, rejection_code code, std::optional<rejection>& error)
      : object_(object), root_(pointer), code_(code), error_(error) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  // Fails at this reader's member `name`, or at the item `index` of this
  // reader's array.
  void fail(std::string_view name, std::string_view sentence);
  void fail(std::size_t index, std::string_view sentence) { fail(std::to_string(index), sentence); }

  // Empty when absent or null (null means absent, spec 15), or after a failure.
  [[nodiscard]] std::optional<element> find(std::string_view name) const;

  std::string id(std::string_view name);   // required non-empty string
  std::string text(std::string_view name); // required string, may be empty
  std::int64_t integer(std::string_view name, std::int64_t min, std::int64_t max = INT64_MAX);
  std::optional<std::int64_t> optional_integer(std::string_view name, std::int64_t min, std::int64_t max = INT64_MAX);
  cents money(std::string_view name);
  std::optional<cents> optional_money(std::string_view name);
  basis_points percent(std::string_view name);
  std::optional<basis_points> optional_percent(std::string_view name);
  millionths metric(std::string_view name);
  timestamp time(std::string_view name);
  std::optional<timestamp> optional_time(std::string_view name);
  date day(std::string_view name);
  period month(std::string_view name);
  party who(std::string_view name);
  severity level(std::string_view name);
  // A required member that must be an object / array; empty (and failed) otherwise.
  std::optional<element> object(std::string_view name);
  std::optional<element> array(std::string_view name);
  // A reader of `object`, found as this reader's member `name`; of `value`,
  // found as the item `index` of this reader's array.
  [[nodiscard]] field_reader member(element object, std::string_view name) const { return {*this, object, name}; }
  [[nodiscard]] field_reader item(element value, std::size_t index) const { return {*this, value, index}; }

private:
  std::optional<element> required(std::string_view name);
  std::optional<std::string_view> required_string(std::string_view name, std::string_view sentence);
  // The member `name` found as `v`, checked: each required and optional
  // reader looks its member up once.
  std::optional<std::int64_t> integer_in(std::string_view name, element v, std::int64_t min, std::int64_t max);
  std::optional<cents> money_in(std::string_view name, element v);
  std::optional<basis_points> percent_in(std::string_view name, element v);
  std::optional<timestamp> time_in(std::string_view name, element v);

  field_reader(const field_reader& parent, element object, std::string_view name)
      : object_(object), parent_(&parent), name_(name), code_(parent.code_), error_(parent.error_) {}
  field_reader(const field_reader& parent, element value, std::size_t index)
      : object_(value), parent_(&parent), index_(index), code_(parent.code_), error_(parent.error_) {}
  void append_pointer(std::string& out) const;
  // The JSON pointer of this reader's member `name`.
  [[nodiscard]] std::string path(std::string_view name) const;

  element object_;
  const field_reader* parent_ = nullptr; // none: the root, at root_
  std::string_view root_;
  std::string_view name_; // this reader's member name in its parent's object,
  std::optional<std::size_t> index_; // or its index in its parent's array
  rejection_code code_;
  std::optional<rejection>& error_;
};

} // namespace pactum::events::detail
