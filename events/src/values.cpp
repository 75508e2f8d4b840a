#include "pactum/events/values.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace pactum::events {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Howard Hinnant's civil-from-days / days-from-civil, exact over the proleptic
// Gregorian calendar.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly n digits at text[pos..].
std::optional<unsigned> fixed_digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return v;
}

// "YYYY-MM-DD" at the start of text, validated.
std::optional<std::int64_t> date_prefix(std::string_view text) {
  const auto y = fixed_digits(text, 0, 4);
  const auto m = fixed_digits(text, 5, 2);
  const auto d = fixed_digits(text, 8, 2);
  if (!y || !m || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return std::nullopt;
  return days_from_civil(*y, *m, *d);
}

void append_digits(std::string& out, unsigned v, int width) {
  std::array<char, 10> b{};
  for (int i = width - 1; i >= 0; --i, v /= 10) b[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  out.append(b.data(), static_cast<std::size_t>(width));
}

// "%02u" of v % 100.
void append_two(std::string& out, unsigned v) { append_digits(out, v % 100, 2); }

// "%04lld": four digits for the years of real contracts, printf beyond them.
void append_year(std::string& out, std::int64_t y) {
  if (y >= 0 && y <= 9999) {
    append_digits(out, static_cast<unsigned>(y), 4);
    return;
  }
  std::array<char, 24> b{};
  const int n = std::snprintf(b.data(), b.size(), "%04lld", static_cast<long long>(y));
  out.append(b.data(), static_cast<std::size_t>(n));
}

void append_civil(std::string& out, const civil& c) {
  append_year(out, c.year);
  out += '-';
  append_two(out, c.month);
  out += '-';
  append_two(out, c.day);
}

} // namespace

cents pct_of(cents amount, basis_points bp) {
  const int128 product = amount.raw() * bp + 5000;
  // floor division, also for a negative product
  int128 q = product / 10000;
  if (product % 10000 != 0 && product < 0) --q;
  return cents{q};
}

timestamp add_ms(timestamp t, std::int64_t ms) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(t.ms, ms, &out)) return timestamp{ms > 0 ? INT64_MAX : INT64_MIN};
  return timestamp{out};
}

std::optional<std::int64_t> parse_scaled_decimal(std::string_view text, int scale, bool round) {
  std::size_t i = 0;
  int128 value = 0;
  while (i < text.size() && is_digit(text[i])) {
    value = value * 10 + (text[i] - '0');
    if (value > INT64_MAX) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  int decimals = 0;
  bool round_up = false;
  if (i < text.size()) {
    if (text[i] != '.' || i + 1 == text.size()) return std::nullopt;
    ++i;
    for (; i < text.size(); ++i) {
      if (!is_digit(text[i])) return std::nullopt;
      const int digit = text[i] - '0';
      if (decimals < scale) {
        value = value * 10 + digit;
        ++decimals;
      } else if (decimals == scale) {
        if (!round && digit != 0) return std::nullopt;
        round_up = round && digit >= 5;
        ++decimals; // further digits never change a half-up decision once made
      } else if (!round && digit != 0) {
        return std::nullopt;
      }
    }
  }
  for (; decimals < scale; ++decimals) value *= 10;
  if (round_up) ++value;
  if (value > INT64_MAX) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

std::optional<cents> parse_money(std::string_view text) {
  // ^\d+(\.\d{1,2})?$
  const auto dot = text.find('.');
  if (dot != std::string_view::npos && (text.size() - dot - 1 < 1 || text.size() - dot - 1 > 2))
    return std::nullopt;
  const auto v = parse_scaled_decimal(text, 2, false);
  if (!v) return std::nullopt;
  return cents{*v};
}

void append_money(std::string& out, cents amount) {
  int128 v = amount.raw();
  const bool negative = v < 0;
  if (negative) v = -v;
  std::array<char, 48> b{}; // 39 digits, the point and the sign
  char* const end = b.data() + b.size();
  char* p = end;
  int n = 0;
  // Digits from the last, the point before the last two, at least "0.0d".
  auto put = [&](unsigned digit) {
    if (n == 2) *--p = '.';
    *--p = static_cast<char>('0' + digit);
    ++n;
  };
  for (; v > int128{UINT64_MAX}; v /= 10) put(static_cast<unsigned>(v % 10));
  auto small = static_cast<std::uint64_t>(v);
  do {
    put(static_cast<unsigned>(small % 10));
    small /= 10;
  } while (small != 0 || n < 3);
  if (negative) *--p = '-';
  out.append(p, end);
}

std::string format_money(cents amount) {
  std::string out;
  append_money(out, amount);
  return out;
}

std::optional<timestamp> parse_timestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); T and Z case-insensitive.
  if (text.size() < 20) return std::nullopt;
  const auto day = date_prefix(text);
  if (!day || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
  const auto hh = fixed_digits(text, 11, 2);
  const auto mm = fixed_digits(text, 14, 2);
  const auto ss = fixed_digits(text, 17, 2);
  if (!hh || !mm || !ss || text[13] != ':' || text[16] != ':') return std::nullopt;
  if (*hh > 23 || *mm > 59 || *ss > 59) return std::nullopt;
  std::size_t i = 19;
  std::int64_t millis = 0;
  if (text[i] == '.') {
    ++i;
    const std::size_t first = i;
    int taken = 0;
    while (i < text.size() && is_digit(text[i])) {
      if (taken < 3) {
        millis = millis * 10 + (text[i] - '0');
        ++taken;
      }
      ++i;
    }
    if (i == first) return std::nullopt;
    for (; taken < 3; ++taken) millis *= 10;
  }
  if (i >= text.size()) return std::nullopt;
  std::int64_t offset_minutes = 0;
  if (text[i] == 'Z' || text[i] == 'z') {
    ++i;
  } else if (text[i] == '+' || text[i] == '-') {
    const auto oh = fixed_digits(text, i + 1, 2);
    const auto om = fixed_digits(text, i + 4, 2);
    if (!oh || !om || text[i + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = static_cast<std::int64_t>(*oh * 60 + *om) * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  const std::int64_t seconds = *day * 86400 + std::int64_t{*hh} * 3600 + std::int64_t{*mm} * 60 + *ss - offset_minutes * 60;
  return timestamp{seconds * 1000 + millis};
}

void append_timestamp(std::string& out, timestamp t) {
  std::int64_t days = t.ms / ms_per_day;
  std::int64_t rem = t.ms % ms_per_day;
  if (rem < 0) {
    rem += ms_per_day;
    --days;
  }
  append_civil(out, civil_from_days(days));
  const auto secs = static_cast<unsigned>(rem / 1000);
  const auto millis = static_cast<unsigned>(rem % 1000);
  out += 'T';
  append_two(out, secs / 3600);
  out += ':';
  append_two(out, secs / 60 % 60);
  out += ':';
  append_two(out, secs % 60);
  if (millis != 0) {
    out += '.';
    append_digits(out, millis, 3);
  }
  out += 'Z';
}

std::string format_timestamp(timestamp t) {
  std::string out;
  append_timestamp(out, t);
  return out;
}

std::optional<date> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  const auto d = date_prefix(text);
  if (!d) return std::nullopt;
  return date{static_cast<std::int32_t>(*d)};
}

void append_date(std::string& out, date d) { append_civil(out, civil_from_days(d.days)); }

std::string format_date(date d) {
  std::string out;
  append_date(out, d);
  return out;
}

std::optional<period> parse_period(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  const auto y = fixed_digits(text, 0, 4);
  const auto m = fixed_digits(text, 5, 2);
  if (!y || !m || *m < 1 || *m > 12) return std::nullopt;
  return period{static_cast<std::int32_t>(*y * 12 + *m - 1)};
}

void append_period(std::string& out, period p) {
  append_year(out, p.months / 12);
  out += '-';
  append_two(out, static_cast<unsigned>(p.months % 12 + 1));
}

std::string format_period(period p) {
  std::string out;
  append_period(out, p);
  return out;
}

period period_of(date d) {
  const civil c = civil_from_days(d.days);
  return period{static_cast<std::int32_t>(c.year * 12 + c.month - 1)};
}

timestamp start_of(period p) {
  return timestamp{days_from_civil(p.months / 12, static_cast<unsigned>(p.months % 12 + 1), 1) *
                   ms_per_day};
}

} // namespace pactum::events
