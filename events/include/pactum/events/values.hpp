// Exact value types of the domain (spec section 2): money in cents, percentages
// in basis points, metric values in millionths, UTC millisecond timestamps,
// dates and periods. No floating point touches money.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pactum::events {

__extension__ using int128 = __int128;

// Money in cents. Wide enough that totals over any number of events stay exact.
// Kept as two 64-bit halves: 8-byte aligned, where an int128 member is 16-byte
// aligned and pads the structs that hold money (an invoice took 288 bytes, now
// 248). Compared as (high, low), signed then unsigned: the int128's order.
class cents {
public:
  constexpr cents() = default;
  constexpr explicit cents(int128 value)
      : high_(static_cast<std::int64_t>(value >> 64)), low_(static_cast<std::uint64_t>(value)) {}
  [[nodiscard]] constexpr int128 raw() const { return static_cast<int128>(high_) * two_to_64 + low_; }
  friend constexpr auto operator<=>(cents, cents) = default;
  friend constexpr cents operator+(cents a, cents b) { return cents{a.raw() + b.raw()}; }
  friend constexpr cents operator-(cents a, cents b) { return cents{a.raw() - b.raw()}; }
  constexpr cents& operator+=(cents o) { return *this = *this + o; }

private:
  static constexpr int128 two_to_64 = static_cast<int128>(1) << 64;
  std::int64_t high_ = 0;
  std::uint64_t low_ = 0;
};
static_assert(sizeof(cents) == 16 && alignof(cents) == 8);

// The largest money amount an input may carry: 2^63-1 cents, the spec's integer bound.
inline constexpr int128 max_input_cents = INT64_MAX;

using basis_points = std::int64_t; // 1 % = 100 bp
using millionths = std::int64_t;   // metric values: 1.5 = 1'500'000

// pct_of(amount, bp) = floor((amount * bp + 5000) / 10000): half-up to the cent.
[[nodiscard]] cents pct_of(cents amount, basis_points bp);

// A UTC instant in milliseconds since the Unix epoch.
struct timestamp {
  std::int64_t ms = 0;
  friend constexpr auto operator<=>(timestamp, timestamp) = default;
};
inline constexpr std::int64_t ms_per_day = 86'400'000;
inline constexpr std::int64_t ms_per_hour = 3'600'000;

// Saturating: a far-future deadline never wraps round into the past.
[[nodiscard]] timestamp add_ms(timestamp t, std::int64_t ms);
[[nodiscard]] inline timestamp add_days(timestamp t, std::int64_t days) {
  return add_ms(t, days > INT64_MAX / ms_per_day ? INT64_MAX : days * ms_per_day);
}

// A calendar date, as days since 1970-01-01.
struct date {
  std::int32_t days = 0;
  friend constexpr auto operator<=>(date, date) = default;
};

// A calendar month, as months since 0000-01.
struct period {
  std::int32_t months = 0;
  friend constexpr auto operator<=>(period, period) = default;
};

// format_X returns what append_X appends (the renderers write into one buffer).
[[nodiscard]] std::optional<cents> parse_money(std::string_view text);
[[nodiscard]] std::string format_money(cents amount);
void append_money(std::string& out, cents amount);

[[nodiscard]] std::optional<timestamp> parse_timestamp(std::string_view text);
[[nodiscard]] std::string format_timestamp(timestamp t);
void append_timestamp(std::string& out, timestamp t);

[[nodiscard]] std::optional<date> parse_date(std::string_view text);
[[nodiscard]] std::string format_date(date d);
void append_date(std::string& out, date d);
[[nodiscard]] constexpr timestamp start_of(date d) { return timestamp{std::int64_t{d.days} * ms_per_day}; }
[[nodiscard]] constexpr date next_day(date d) { return date{d.days + 1}; }

[[nodiscard]] std::optional<period> parse_period(std::string_view text);
[[nodiscard]] std::string format_period(period p);
void append_period(std::string& out, period p);
[[nodiscard]] period period_of(date d);
[[nodiscard]] timestamp start_of(period p);
[[nodiscard]] constexpr period next_period(period p) { return period{p.months + 1}; }

// A decimal written as digits with an optional fraction ("12", "99.75"), scaled
// to an integer with `scale` decimals. Too many decimals: nullopt, or rounded
// half-up when `round` is set. Values that do not fit an int64: nullopt.
[[nodiscard]] std::optional<std::int64_t> parse_scaled_decimal(std::string_view text, int scale,
                                                               bool round);

} // namespace pactum::events
