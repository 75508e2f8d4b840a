#include "field_reader.hpp"

#include <array>
#include <charconv>

namespace pactum::events::detail {

using simdjson::dom::element_type;

std::string pointer_token(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::optional<std::string_view> string_value(element v) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<std::int64_t> integer_value(element v) {
  switch (v.type()) {
  case element_type::INT64: return v.get_int64().value_unsafe();
  case element_type::UINT64: {
    const std::uint64_t u = v.get_uint64().value_unsafe();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
    return std::nullopt;
  }
  case element_type::ARRAY:
  case element_type::OBJECT:
  case element_type::DOUBLE:
  case element_type::STRING:
  case element_type::BOOL:
  case element_type::NULL_VALUE: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> scaled_number(element v, int scale, bool round_numbers) {
  switch (v.type()) {
  case element_type::STRING: return parse_scaled_decimal(v.get_string().value_unsafe(), scale, false);
  case element_type::INT64:
  case element_type::UINT64: {
    // What its decimal digits read as: the integer and `scale` zeros, within int64.
    const auto i = integer_value(v);
    if (!i || *i < 0) return std::nullopt;
    int128 scaled = *i;
    for (int k = 0; k < scale; ++k) scaled *= 10;
    if (scaled > INT64_MAX) return std::nullopt;
    return static_cast<std::int64_t>(scaled);
  }
  case element_type::DOUBLE: {
    // The shortest decimal that reads back as this double: the digits the producer
    // wrote, for any number written with up to 15 significant digits.
    double d = v.get_double().value_unsafe();
    if (!(d >= 0)) return std::nullopt;
    d = d == 0 ? 0.0 : d; // -0.0 (and -0e0) is zero (spec section 15), not "-0"
    std::array<char, 400> buf; // to_chars writes what is read
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
    if (r.ec != std::errc{}) return std::nullopt;
    return parse_scaled_decimal(std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data())), scale,
                                round_numbers);
  }
  case element_type::ARRAY:
  case element_type::OBJECT:
  case element_type::BOOL:
  case element_type::NULL_VALUE: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<basis_points> percent_value(element v) {
  const auto bp = scaled_number(v, 2, false);
  if (!bp || *bp > 10'000) return std::nullopt;
  return bp;
}

std::optional<millionths> metric_value(element v) { return scaled_number(v, 6, true); }

void field_reader::append_pointer(std::string& out) const {
  if (parent_ == nullptr) {
    out += root_;
    return;
  }
  parent_->append_pointer(out);
  out += '/';
  out += index_ ? std::to_string(*index_) : pointer_token(name_);
}

std::string field_reader::path(std::string_view name) const {
  std::string out;
  append_pointer(out);
  out += '/';
  out += pointer_token(name);
  return out;
}

void field_reader::fail(std::string_view name, std::string_view sentence) {
  if (error_) return;
  error_ = rejection{code_, path(name) + ": " + std::string(sentence)};
}

std::optional<element> field_reader::find(std::string_view name) const {
  if (failed()) return std::nullopt;
  element v;
  if (object_.at_key(name).get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

std::optional<element> field_reader::required(std::string_view name) {
  if (failed()) return std::nullopt;
  auto v = find(name);
  if (!v) fail(name, "is required");
  return v;
}

std::optional<std::string_view> field_reader::required_string(std::string_view name, std::string_view sentence) {
  const auto v = required(name);
  if (!v) return std::nullopt;
  const auto s = string_value(*v);
  if (!s) fail(name, sentence);
  return s;
}

std::string field_reader::id(std::string_view name) {
  const auto s = required_string(name, "must be a non-empty string");
  if (!s) return {};
  if (s->empty()) fail(name, "must be a non-empty string");
  return std::string(*s);
}

std::string field_reader::text(std::string_view name) {
  const auto s = required_string(name, "must be a string");
  return s ? std::string(*s) : std::string();
}

std::optional<std::int64_t> field_reader::integer_in(std::string_view name, element v, std::int64_t min, std::int64_t max) {
  const auto i = integer_value(v);
  if (!i || *i < min || *i > max) {
    fail(name, max == INT64_MAX ? "must be an integer >= " + std::to_string(min)
                                : "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return i;
}

std::optional<std::int64_t> field_reader::optional_integer(std::string_view name, std::int64_t min, std::int64_t max) {
  const auto v = find(name);
  return v ? integer_in(name, *v, min, max) : std::nullopt;
}

std::int64_t field_reader::integer(std::string_view name, std::int64_t min, std::int64_t max) {
  const auto v = required(name);
  return v ? integer_in(name, *v, min, max).value_or(0) : 0;
}

std::optional<cents> field_reader::money_in(std::string_view name, element v) {
  const auto s = string_value(v);
  const auto c = s ? parse_money(*s) : std::nullopt;
  if (!c) fail(name, "must be a money string like \"1234.50\" (at most 2 decimals, at most 92233720368547758.07)");
  return c;
}

std::optional<cents> field_reader::optional_money(std::string_view name) {
  const auto v = find(name);
  return v ? money_in(name, *v) : std::nullopt;
}

cents field_reader::money(std::string_view name) {
  const auto v = required(name);
  return v ? money_in(name, *v).value_or(cents{}) : cents{};
}

std::optional<basis_points> field_reader::percent_in(std::string_view name, element v) {
  const auto bp = percent_value(v);
  if (!bp) fail(name, "must be a percentage from 0 to 100 with at most 2 decimals");
  return bp;
}

std::optional<basis_points> field_reader::optional_percent(std::string_view name) {
  const auto v = find(name);
  return v ? percent_in(name, *v) : std::nullopt;
}

basis_points field_reader::percent(std::string_view name) {
  const auto v = required(name);
  return v ? percent_in(name, *v).value_or(0) : 0;
}

millionths field_reader::metric(std::string_view name) {
  const auto v = required(name);
  if (!v) return 0;
  const auto m = metric_value(*v);
  if (!m) fail(name, "must be a number >= 0 (a string has at most 6 decimals)");
  return m.value_or(0);
}

std::optional<timestamp> field_reader::time_in(std::string_view name, element v) {
  const auto s = string_value(v);
  const auto t = s ? parse_timestamp(*s) : std::nullopt;
  if (!t) fail(name, "must be an RFC 3339 timestamp with offset");
  return t;
}

std::optional<timestamp> field_reader::optional_time(std::string_view name) {
  const auto v = find(name);
  return v ? time_in(name, *v) : std::nullopt;
}

timestamp field_reader::time(std::string_view name) {
  const auto v = required(name);
  return v ? time_in(name, *v).value_or(timestamp{}) : timestamp{};
}

date field_reader::day(std::string_view name) {
  const auto s = required_string(name, "must be a date YYYY-MM-DD");
  if (!s) return {};
  const auto d = parse_date(*s);
  if (!d) fail(name, "must be a date YYYY-MM-DD");
  return d.value_or(date{});
}

period field_reader::month(std::string_view name) {
  const auto s = required_string(name, "must be a period YYYY-MM");
  if (!s) return {};
  const auto p = parse_period(*s);
  if (!p) fail(name, "must be a period YYYY-MM");
  return p.value_or(period{});
}

party field_reader::who(std::string_view name) {
  const auto s = required_string(name, "must be \"client\" or \"vendor\"");
  if (!s) return party::client;
  if (*s == "client") return party::client;
  if (*s == "vendor") return party::vendor;
  fail(name, "must be \"client\" or \"vendor\"");
  return party::client;
}

severity field_reader::level(std::string_view name) {
  const auto s = required_string(name, "must be one of \"low\", \"high\", \"critical\"");
  if (!s) return severity::low;
  if (*s == "low") return severity::low;
  if (*s == "high") return severity::high;
  if (*s == "critical") return severity::critical;
  fail(name, "must be one of \"low\", \"high\", \"critical\"");
  return severity::low;
}

std::optional<element> field_reader::object(std::string_view name) {
  auto v = required(name);
  if (v && !v->is_object()) {
    fail(name, "must be an object");
    return std::nullopt;
  }
  return v;
}

std::optional<element> field_reader::array(std::string_view name) {
  auto v = required(name);
  if (v && !v->is_array()) {
    fail(name, "must be an array");
    return std::nullopt;
  }
  return v;
}

} // namespace pactum::events::detail
