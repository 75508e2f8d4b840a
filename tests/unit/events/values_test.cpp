// Spec section 2: exact value types.
#include "pactum/events/values.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace pactum::events {
namespace {

TEST(Money, ParsesCentsAndRoundTrips) {
  EXPECT_EQ(parse_money("50000.00")->raw(), 5'000'000);
  EXPECT_EQ(parse_money("0.8")->raw(), 80);
  EXPECT_EQ(parse_money("12")->raw(), 1200);
  EXPECT_EQ(format_money(*parse_money("0.8")), "0.80");
  EXPECT_EQ(format_money(*parse_money("12")), "12.00");
  EXPECT_EQ(format_money(*parse_money("92233720368547758.07")), "92233720368547758.07");
}

TEST(Money, RejectsEverythingOutsideTheGrammar) {
  for (const char* bad : {"", ".5", "1.", "1.234", "-1.00", "+1", "1e3", "1,00", " 1", "1 ", "92233720368547758.08"})
    EXPECT_FALSE(parse_money(bad)) << bad;
}

TEST(Money, NegativeOutputHasAMinusPrefix) {
  EXPECT_EQ(format_money(cents{-5}), "-0.05");
  EXPECT_EQ(format_money(cents{-123456}), "-1234.56");
  EXPECT_EQ(format_money(cents{0}), "0.00");
}

TEST(Money, SumsBeyondSixtyFourBitsKeepEveryDigit) {
  const int128 big = int128{INT64_MAX} * 1000 + 7; // a total of many maximal amounts
  EXPECT_EQ(format_money(cents{big}), "92233720368547758070.07");
  EXPECT_EQ(format_money(cents{-big}), "-92233720368547758070.07");
  EXPECT_EQ(format_money(cents{int128{UINT64_MAX} + 1}), "184467440737095516.16");
}

// cents keeps its value as two 64-bit halves: every value across the halves'
// edges reads back, and orders and adds as the 128-bit integer does.
TEST(Money, TheHalvesKeepTheValueAndItsOrder) {
  const int128 two_to_64 = static_cast<int128>(1) << 64;
  const int128 max128 = (two_to_64 / 2 - 1) * two_to_64 + (two_to_64 - 1); // 2^127 - 1
  const std::vector<int128> values{-max128 - 1, -max128, -two_to_64 - 1, -two_to_64, -two_to_64 + 1,
                                   -static_cast<int128>(INT64_MAX) - 1, -1, 0, 1, INT64_MAX,
                                   static_cast<int128>(UINT64_MAX), two_to_64, two_to_64 + 1, max128};
  for (const int128 a : values) {
    EXPECT_EQ(cents{a}.raw(), a);
    for (const int128 b : values) {
      EXPECT_EQ(cents{a} < cents{b}, a < b);
      EXPECT_EQ(cents{a} == cents{b}, a == b);
      const bool representable = b >= 0 ? a <= max128 - b : a >= -max128 - 1 - b;
      if (representable) {
        EXPECT_EQ((cents{a} + cents{b}).raw(), a + b);
      }
    }
  }
}

TEST(Formatting, AppendsToWhatTheBufferHolds) {
  std::string out = "x";
  append_money(out, cents{7});
  append_timestamp(out, timestamp{1});
  append_date(out, date{0});
  append_period(out, period{2026 * 12});
  EXPECT_EQ(out, "x0.071970-01-01T00:00:00.001Z1970-01-012026-01");
}

TEST(Formatting, YearsBeyondFourDigitsAsPrintfWritesThem) {
  EXPECT_EQ(format_date(date{-719529}), "-001-12-31"); // the day before 0000-01-01
  EXPECT_EQ(format_period(period{10000 * 12 + 1}), "10000-02");
  EXPECT_EQ(format_timestamp(timestamp{-1}), "1969-12-31T23:59:59.999Z");
}

TEST(PctOf, RoundsHalfUpToTheCent) {
  EXPECT_EQ(pct_of(cents{1000}, 200).raw(), 20);    // 2 % of 10.00
  EXPECT_EQ(pct_of(cents{25}, 200).raw(), 1);       // 0.5 cent rounds up
  EXPECT_EQ(pct_of(cents{24}, 200).raw(), 0);       // 0.48 cent rounds down
  EXPECT_EQ(pct_of(cents{1}, 5000).raw(), 1);       // exactly half: up
  EXPECT_EQ(pct_of(cents{1}, 4999).raw(), 0);
  EXPECT_EQ(pct_of(cents{INT64_MAX}, 10'000).raw(), INT64_MAX); // no overflow
}

TEST(Decimal, PercentTakesTwoDecimalsAndMetricsSix) {
  EXPECT_EQ(parse_scaled_decimal("1.5", 2, false), 150);
  EXPECT_EQ(parse_scaled_decimal("1.25", 2, false), 125);
  EXPECT_FALSE(parse_scaled_decimal("1.255", 2, false));
  EXPECT_EQ(parse_scaled_decimal("99.8", 6, false), 99'800'000);
  EXPECT_EQ(parse_scaled_decimal("0.123456", 6, false), 123'456);
  EXPECT_FALSE(parse_scaled_decimal("0.1234567", 6, false));
  EXPECT_EQ(parse_scaled_decimal("0.1234565", 6, true), 123'457); // half-up
  EXPECT_EQ(parse_scaled_decimal("0.1234564", 6, true), 123'456);
  EXPECT_FALSE(parse_scaled_decimal("-1", 6, true));
  EXPECT_FALSE(parse_scaled_decimal("1e5", 6, true));
  EXPECT_FALSE(parse_scaled_decimal("99999999999999999999", 6, true));
}

TEST(Timestamp, KeepsUtcMillisecondsAndPrintsTheSpecFormat) {
  const auto t = parse_timestamp("2026-03-01T12:30:45Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_timestamp(*t), "2026-03-01T12:30:45Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-03-01T12:30:45.120Z")), "2026-03-01T12:30:45.120Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-03-01T12:30:45.000Z")), "2026-03-01T12:30:45Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("1970-01-01T00:00:00.001Z")), "1970-01-01T00:00:00.001Z");
}

TEST(Timestamp, ConvertsOffsetsToUtc) {
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-03-01T01:30:00+02:00")), "2026-02-28T23:30:00Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-12-31T23:00:00-01:30")), "2027-01-01T00:30:00Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2024-02-29T00:00:00+23:59")), "2024-02-28T00:01:00Z");
}

TEST(Timestamp, TruncatesExtraFractionDigitsAndIgnoresCaseOfTAndZ) {
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-01-01t00:00:00.123999z")), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(format_timestamp(*parse_timestamp("2026-01-01T00:00:00.5Z")), "2026-01-01T00:00:00.500Z");
}

TEST(Timestamp, RejectsImpossibleValues) {
  for (const char* bad : {"2026-01-01T00:00:60Z", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
                          "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+00:60", "2026-01-01T00:00:00",
                          "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00Z", "", "2026-01-01T00:00:00ZZ"})
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
}

TEST(Dates, DaysAndPeriods) {
  const auto d = parse_date("2027-12-31");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_date(next_day(*d)), "2028-01-01");
  EXPECT_EQ(format_timestamp(start_of(next_day(*d))), "2028-01-01T00:00:00Z");
  EXPECT_FALSE(parse_date("2027-02-29"));
  EXPECT_TRUE(parse_date("2028-02-29"));
  const auto p = parse_period("2026-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(format_period(next_period(*p)), "2027-01");
  EXPECT_EQ(format_timestamp(start_of(*p)), "2026-12-01T00:00:00Z");
  EXPECT_EQ(format_period(period_of(*d)), "2027-12");
  EXPECT_FALSE(parse_period("2026-00"));
  EXPECT_FALSE(parse_period("2026-1"));
}

TEST(Timestamp, DayArithmeticIsExactAndSaturates) {
  const auto t = *parse_timestamp("2026-01-31T10:00:00Z");
  EXPECT_EQ(format_timestamp(add_days(t, 30)), "2026-03-02T10:00:00Z");
  EXPECT_EQ(add_days(t, INT64_MAX).ms, INT64_MAX);
}

} // namespace
} // namespace pactum::events
