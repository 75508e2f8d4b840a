// Contract terms (spec section 4), parsed and checked from the `terms` object of
// contract.drafted / contract.terms-amended.
#pragma once

#include "pactum/events/rejection.hpp"
#include "pactum/events/values.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pactum::events {

enum class metric_unit : std::uint8_t { seconds, percent, count, score };
enum class metric_direction : std::uint8_t { lower_is_better, higher_is_better };

struct sla_tier {
  millionths threshold;
  basis_points pct;
  friend bool operator==(const sla_tier&, const sla_tier&) = default;
};

struct sla_metric {
  std::string id;
  metric_unit unit;
  metric_direction direction;
  millionths target;
  std::vector<sla_tier> credit_tiers;
  std::vector<sla_tier> bonus_tiers;
  friend bool operator==(const sla_metric&, const sla_metric&) = default;
};

struct party_info {
  std::string id;
  std::string name;
  friend bool operator==(const party_info&, const party_info&) = default;
};

struct contract_terms {
  party_info client;
  party_info vendor;
  std::string currency;
  date start_date;
  date end_date;
  cents monthly_base;
  cents per_contact;
  std::int64_t payment_days;
  std::vector<sla_metric> metrics; // in the order written
  basis_points monthly_credit_cap;
  basis_points annual_credit_cap;
  std::optional<basis_points> bonus_cap;
  std::int64_t pf_consecutive;
  std::int64_t pf_window;
  std::int64_t pf_max_failed_in_window;
  std::int64_t cure_days;
  std::int64_t for_cause_notice_days;
  std::int64_t notification_hours;
  cents damages_per_record;
  cents damages_cap;
  std::int64_t material_records_threshold;
  std::int64_t client_convenience_notice_days;
  std::int64_t vendor_convenience_notice_days;
  cents early_termination_fee;
  std::int64_t non_payment_days;
  std::int64_t force_majeure_days;
  friend bool operator==(const contract_terms&, const contract_terms&) = default;
};

// Checks every rule of section 4 on the terms object (JSON text); a failure is
// `invalid_terms` naming the member by JSON pointer from the event root
// (`/data/terms/...`).
[[nodiscard]] result<contract_terms> parse_terms(std::string_view terms_json);

} // namespace pactum::events
