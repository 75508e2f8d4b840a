#include "pactum/events/terms.hpp"

#include "field_reader.hpp"

#include <algorithm>
#include <set>

namespace pactum::events {
namespace {

using detail::element;
using detail::field_reader;

bool valid_currency(const std::string& c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

bool valid_metric_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

party_info read_party(field_reader& r, std::string_view name) {
  const auto obj = r.object(name);
  if (!obj) return {};
  field_reader p = r.member(*obj, name);
  party_info info;
  info.id = p.id("id");
  info.name = p.id("name");
  return info;
}

// `list` reads the tiers' array, found as `tiers`.
std::vector<sla_tier> read_tiers(field_reader& list, element tiers, std::string_view pct_name, bool percent_unit) {
  std::vector<sla_tier> out;
  std::size_t i = 0;
  const simdjson::dom::array items = tiers.get_array().value_unsafe();
  for (const element tier_element : items) {
    if (list.failed()) break;
    const std::size_t index = i++;
    if (!tier_element.is_object()) {
      list.fail(index, "must be an object");
      break;
    }
    field_reader t = list.item(tier_element, index);
    sla_tier tier{t.metric("threshold"), t.percent(pct_name)};
    if (!t.failed() && percent_unit && tier.threshold > 100'000'000)
      t.fail("threshold", "must be at most 100 for a percent metric");
    out.push_back(tier);
  }
  return out;
}

std::optional<metric_unit> parse_unit(const std::optional<element>& v) {
  const auto s = v ? detail::string_value(*v) : std::nullopt;
  if (!s) return std::nullopt;
  if (*s == "seconds") return metric_unit::seconds;
  if (*s == "percent") return metric_unit::percent;
  if (*s == "count") return metric_unit::count;
  if (*s == "score") return metric_unit::score;
  return std::nullopt;
}

std::optional<metric_direction> parse_direction(const std::optional<element>& v) {
  const auto s = v ? detail::string_value(*v) : std::nullopt;
  if (!s) return std::nullopt;
  if (*s == "lower_is_better") return metric_direction::lower_is_better;
  if (*s == "higher_is_better") return metric_direction::higher_is_better;
  return std::nullopt;
}

void read_metrics(field_reader& sla, contract_terms& t) {
  const auto metrics = sla.array("metrics");
  if (!metrics) return;
  const simdjson::dom::array list = metrics->get_array().value_unsafe();
  if (list.size() == 0) {
    sla.fail("metrics", "must list at least one metric");
    return;
  }
  std::set<std::string> seen;
  std::size_t i = 0;
  field_reader items = sla.member(*metrics, "metrics");
  for (const element m : list) {
    if (sla.failed()) return;
    const std::size_t index = i++;
    if (!m.is_object()) {
      items.fail(index, "must be an object");
      return;
    }
    field_reader r = items.item(m, index);
    sla_metric metric;
    metric.id = r.id("id");
    if (!r.failed() && !valid_metric_id(metric.id)) r.fail("id", "must match ^[a-z][a-z0-9_]{0,63}$");
    if (!r.failed() && !seen.insert(metric.id).second) r.fail("id", "duplicates another metric id");
    const auto unit = parse_unit(r.find("unit"));
    if (!r.failed() && !unit) r.fail("unit", "must be one of seconds, percent, count, score");
    const auto direction = parse_direction(r.find("direction"));
    if (!r.failed() && !direction) r.fail("direction", "must be lower_is_better or higher_is_better");
    if (r.failed()) return;
    metric.unit = *unit;
    metric.direction = *direction;
    const bool percent_unit = metric.unit == metric_unit::percent;
    metric.target = r.metric("target");
    if (!r.failed() && percent_unit && metric.target > 100'000'000)
      r.fail("target", "must be at most 100 for a percent metric");
    if (const auto credit = r.array("credit_tiers")) {
      field_reader tiers = r.member(*credit, "credit_tiers");
      metric.credit_tiers = read_tiers(tiers, *credit, "credit_pct", percent_unit);
    }
    if (const auto bonus = r.find("bonus_tiers")) {
      if (!bonus->is_array()) {
        r.fail("bonus_tiers", "must be an array");
      } else {
        field_reader tiers = r.member(*bonus, "bonus_tiers");
        metric.bonus_tiers = read_tiers(tiers, *bonus, "bonus_pct", percent_unit);
      }
    }
    t.metrics.push_back(std::move(metric));
  }
}

} // namespace

result<contract_terms> parse_terms(std::string_view terms_json) {
  // A parser of its own: the decoder's may hold the event being decoded.
  thread_local simdjson::dom::parser parser;
  element terms;
  if (parser.parse(terms_json.data(), terms_json.size()).get(terms) != simdjson::SUCCESS)
    return rejection{rejection_code::invalid_terms, "/data/terms: must be a JSON object"};
  return detail::read_terms(terms);
}

result<contract_terms> detail::read_terms(element terms) {
  if (!terms.is_object()) return rejection{rejection_code::invalid_terms, "/data/terms: must be a JSON object"};
  std::optional<rejection> error;
  field_reader r(terms, "/data/terms", rejection_code::invalid_terms, error);
  contract_terms t{};
  t.client = read_party(r, "client");
  t.vendor = read_party(r, "vendor");
  t.currency = r.text("currency");
  if (!r.failed() && !valid_currency(t.currency)) r.fail("currency", "must match ^[A-Z]{3}$");
  t.start_date = r.day("start_date");
  t.end_date = r.day("end_date");
  if (!r.failed() && t.start_date > t.end_date) r.fail("end_date", "must not be before start_date");

  if (const auto fees = r.object("fees")) {
    field_reader f = r.member(*fees, "fees");
    t.monthly_base = f.money("monthly_base");
    t.per_contact = f.optional_money("per_contact").value_or(cents{});
    t.payment_days = f.integer("payment_days", 1, detail::max_days);
  }
  if (const auto sla = r.object("sla")) {
    field_reader s = r.member(*sla, "sla");
    read_metrics(s, t);
    t.monthly_credit_cap = s.percent("monthly_credit_cap_pct");
    t.annual_credit_cap = s.percent("annual_credit_cap_pct");
    t.bonus_cap = s.optional_percent("bonus_cap_pct");
    if (const auto pf = s.object("persistent_failure")) {
      field_reader p = s.member(*pf, "persistent_failure");
      t.pf_consecutive = p.integer("consecutive", 1);
      t.pf_window = p.integer("window", 1);
      t.pf_max_failed_in_window = p.integer("max_failed_in_window", 1);
      if (!p.failed() && t.pf_max_failed_in_window > t.pf_window)
        p.fail("max_failed_in_window", "must not exceed window");
    }
  }
  if (const auto breach = r.object("breach")) {
    field_reader b = r.member(*breach, "breach");
    t.cure_days = b.integer("cure_days", 1, detail::max_days);
    t.for_cause_notice_days = b.integer("for_cause_notice_days", 0, detail::max_days);
  }
  if (const auto dp = r.object("data_protection")) {
    field_reader d = r.member(*dp, "data_protection");
    t.notification_hours = d.integer("notification_hours", 1, detail::max_notification_hours);
    t.damages_per_record = d.money("damages_per_record");
    t.damages_cap = d.money("damages_cap");
    t.material_records_threshold = d.integer("material_records_threshold", 1);
  }
  if (const auto term = r.object("termination")) {
    field_reader x = r.member(*term, "termination");
    t.client_convenience_notice_days = x.integer("client_convenience_notice_days", 1, detail::max_days);
    t.vendor_convenience_notice_days = x.integer("vendor_convenience_notice_days", 1, detail::max_days);
    t.early_termination_fee = x.money("early_termination_fee");
    t.non_payment_days = x.integer("non_payment_days", 1, detail::max_days);
    t.force_majeure_days = x.integer("force_majeure_days", 1, detail::max_days);
  }
  if (error) return std::move(*error);
  return t;
}

} // namespace pactum::events
