// Spec section 7's arithmetic alone: score_period and the persistent-failure
// trigger as pure functions of the terms, the values and the history.
#include "pactum/statemachine/sla.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace pactum::statemachine {
namespace {

using events::millionths;

// Section 14: one metric `availability` (percent, higher_is_better, target
// 99.8, tiers 99.8 -> 2 %, 98.0 -> 3 %), caps 10 % / 10 %, base 10.00.
events::contract_terms availability_terms(events::basis_points second_tier = 300) {
  events::contract_terms t{};
  events::sla_metric m;
  m.id = "availability";
  m.unit = events::metric_unit::percent;
  m.direction = events::metric_direction::higher_is_better;
  m.target = 99'800'000;
  m.credit_tiers = {{99'800'000, 200}, {98'000'000, second_tier}};
  t.metrics = {m};
  t.monthly_credit_cap = 1'000;
  t.annual_credit_cap = 1'000;
  return t;
}

period_result score(const events::contract_terms& t, millionths value, period_history before = {}) {
  const std::vector<millionths> values{value};
  return score_period(t, period{2026 * 12}, cents{1'000}, values, before);
}

TEST(score_period, TheWorkedExampleOfSection14) {
  const auto t = availability_terms();
  EXPECT_EQ(score(t, 100'000'000).credit, cents{0});
  EXPECT_EQ(score(t, 99'700'000).credit, cents{20});
  EXPECT_EQ(score(t, 97'000'000).credit, cents{30});
  EXPECT_EQ(score(t, 98'000'000).credit, cents{20});
  EXPECT_EQ(score(t, 99'800'000).credit, cents{0});
  const auto capped = score(availability_terms(1'100), 97'000'000);
  EXPECT_EQ(capped.credit, cents{100});
  EXPECT_EQ(capped.capped_by, credit_cap::monthly);
}

TEST(score_period, TheAnnualCapBindsOnTheRollingYear) {
  const auto t = availability_terms();
  // 10 % of (9 000 + 1 000) = 1 000, of which 990 were already credited.
  const auto p = score(t, 97'000'000, {false, cents{9'000}, cents{990}});
  EXPECT_EQ(p.credit, cents{10});
  EXPECT_EQ(p.capped_by, credit_cap::annual);
  const auto none_left = score(t, 97'000'000, {false, cents{9'000}, cents{1'200}});
  EXPECT_EQ(none_left.credit, cents{0}); // never negative
}

TEST(score_period, AWaivedPeriodHasNoCreditNoBonusAndNoCap) {
  auto t = availability_terms();
  t.metrics[0].bonus_tiers = {{99'900'000, 100}};
  const auto p = score(t, 90'000'000, {true, {}, {}});
  EXPECT_TRUE(p.failed);
  EXPECT_TRUE(p.waived);
  EXPECT_FALSE(p.counts());
  EXPECT_EQ(p.credit, cents{0});
  EXPECT_EQ(p.capped_by, credit_cap::none);
  EXPECT_EQ(score(t, 100'000'000, {true, {}, {}}).bonus, cents{0});
  EXPECT_EQ(score(t, 100'000'000).bonus, cents{10});
}

TEST(triggers_persistent_failure, ARunOrAWindowReachesItsLimit) {
  events::contract_terms t{};
  t.pf_consecutive = 3;
  t.pf_window = 6;
  t.pf_max_failed_in_window = 4;
  auto counting = [](std::int32_t month) {
    period_result p{};
    p.month = period{month};
    p.failed = true;
    return p;
  };
  const std::int32_t m = 2026 * 12;
  const std::vector<period_result> two_before{counting(m - 2), counting(m - 1)};
  EXPECT_TRUE(triggers_persistent_failure(t, two_before, period{m})); // a run of 3
  const std::vector<period_result> gap{counting(m - 3), counting(m - 1)};
  EXPECT_FALSE(triggers_persistent_failure(t, gap, period{m}));
  const std::vector<period_result> window{counting(m - 5), counting(m - 3), counting(m - 1)};
  EXPECT_TRUE(triggers_persistent_failure(t, window, period{m})); // 4 within 6 months
  const std::vector<period_result> outside{counting(m - 6), counting(m - 3), counting(m - 1)};
  EXPECT_FALSE(triggers_persistent_failure(t, outside, period{m}));
}

} // namespace
} // namespace pactum::statemachine
