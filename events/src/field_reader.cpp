#include "field_reader.hpp"

#include <array>
#include <charconv>

namespace pactum::events::detail {

using nlohmann::json;

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

std::optional<std::int64_t> scaled_number(const json& v, int scale, bool round_numbers) {
  if (v.is_string()) return parse_scaled_decimal(v.get_ref<const std::string&>(), scale, false);
  if (v.is_number_unsigned()) return parse_scaled_decimal(std::to_string(v.get<std::uint64_t>()), scale, false);
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0) return std::nullopt;
    return parse_scaled_decimal(std::to_string(i), scale, false);
  }
  if (v.is_number_float()) {
    // The shortest decimal that reads back as this double: the digits the producer
    // wrote, for any number written with up to 15 significant digits.
    const double d = v.get<double>();
    if (!(d >= 0)) return std::nullopt;
    std::array<char, 400> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
    if (r.ec != std::errc{}) return std::nullopt;
    return parse_scaled_decimal(std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data())),
                                scale, round_numbers);
  }
  return std::nullopt;
}

std::optional<basis_points> percent_value(const json& v) {
  const auto bp = scaled_number(v, 2, false);
  if (!bp || *bp > 10'000) return std::nullopt;
  return bp;
}

std::optional<millionths> metric_value(const json& v) { return scaled_number(v, 6, true); }

std::optional<std::int64_t> integer_value(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

void field_reader::fail(std::string_view name, std::string_view sentence) {
  if (error_) return;
  error_ = rejection{code_, path(name) + ": " + std::string(sentence)};
}

const json* field_reader::find(std::string_view name) const {
  if (failed()) return nullptr;
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

const json* field_reader::required(std::string_view name) {
  if (failed()) return nullptr;
  const json* v = find(name);
  if (v == nullptr) fail(name, "is required");
  return v;
}

std::string field_reader::id(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return {};
  if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
    fail(name, "must be a non-empty string");
    return {};
  }
  return v->get<std::string>();
}

std::string field_reader::text(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    fail(name, "must be a string");
    return {};
  }
  return v->get<std::string>();
}

std::optional<std::int64_t> field_reader::optional_integer(std::string_view name, std::int64_t min) {
  const json* v = find(name);
  if (v == nullptr) return std::nullopt;
  const auto i = integer_value(*v);
  if (!i || *i < min) {
    fail(name, "must be an integer >= " + std::to_string(min));
    return std::nullopt;
  }
  return i;
}

std::int64_t field_reader::integer(std::string_view name, std::int64_t min) {
  if (required(name) == nullptr) return 0;
  return optional_integer(name, min).value_or(0);
}

std::optional<cents> field_reader::optional_money(std::string_view name) {
  const json* v = find(name);
  if (v == nullptr) return std::nullopt;
  const auto c = v->is_string() ? parse_money(v->get_ref<const std::string&>()) : std::nullopt;
  if (!c) {
    fail(name, "must be a money string like \"1234.50\" (at most 2 decimals, at most 92233720368547758.07)");
    return std::nullopt;
  }
  return c;
}

cents field_reader::money(std::string_view name) {
  if (required(name) == nullptr) return {};
  return optional_money(name).value_or(cents{});
}

std::optional<basis_points> field_reader::optional_percent(std::string_view name) {
  const json* v = find(name);
  if (v == nullptr) return std::nullopt;
  const auto bp = percent_value(*v);
  if (!bp) {
    fail(name, "must be a percentage from 0 to 100 with at most 2 decimals");
    return std::nullopt;
  }
  return bp;
}

basis_points field_reader::percent(std::string_view name) {
  if (required(name) == nullptr) return 0;
  return optional_percent(name).value_or(0);
}

millionths field_reader::metric(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return 0;
  const auto m = metric_value(*v);
  if (!m) {
    fail(name, "must be a number >= 0 (a string has at most 6 decimals)");
    return 0;
  }
  return *m;
}

std::optional<timestamp> field_reader::optional_time(std::string_view name) {
  const json* v = find(name);
  if (v == nullptr) return std::nullopt;
  const auto t = v->is_string() ? parse_timestamp(v->get_ref<const std::string&>()) : std::nullopt;
  if (!t) {
    fail(name, "must be an RFC 3339 timestamp with offset");
    return std::nullopt;
  }
  return t;
}

timestamp field_reader::time(std::string_view name) {
  if (required(name) == nullptr) return {};
  return optional_time(name).value_or(timestamp{});
}

date field_reader::day(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return {};
  const auto d = v->is_string() ? parse_date(v->get_ref<const std::string&>()) : std::nullopt;
  if (!d) {
    fail(name, "must be a date YYYY-MM-DD");
    return {};
  }
  return *d;
}

period field_reader::month(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return {};
  const auto p = v->is_string() ? parse_period(v->get_ref<const std::string&>()) : std::nullopt;
  if (!p) {
    fail(name, "must be a period YYYY-MM");
    return {};
  }
  return *p;
}

party field_reader::who(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return party::client;
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s == "client") return party::client;
    if (s == "vendor") return party::vendor;
  }
  fail(name, "must be \"client\" or \"vendor\"");
  return party::client;
}

severity field_reader::level(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return severity::low;
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s == "low") return severity::low;
    if (s == "high") return severity::high;
    if (s == "critical") return severity::critical;
  }
  fail(name, "must be one of \"low\", \"high\", \"critical\"");
  return severity::low;
}

const json* field_reader::object(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    fail(name, "must be an object");
    return nullptr;
  }
  return v;
}

const json* field_reader::array(std::string_view name) {
  const json* v = required(name);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    fail(name, "must be an array");
    return nullptr;
  }
  return v;
}

} // namespace pactum::events::detail
