// The event catalogue of spec section 6: one typed value per CloudEvents `type`,
// and the decoded envelope that carries it.
#pragma once

#include "pactum/events/terms.hpp"
#include "pactum/events/values.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pactum::events {

enum class party : std::uint8_t { client, vendor };
[[nodiscard]] std::string_view to_string(party p);
[[nodiscard]] constexpr party other(party p) { return p == party::client ? party::vendor : party::client; }

enum class severity : std::uint8_t { low, high, critical };

// One enumerator per alternative of event_data, in the same order (checked below).
enum class event_type : std::uint8_t {
  contract_drafted,
  terms_amended,
  contract_signed,
  contract_withdrawn,
  contract_renewed,
  sla_period_reported,
  incident_reported,
  incident_remediated,
  audit_completed,
  audit_remediated,
  breach_notice_served,
  breach_cured,
  breach_waived,
  invoice_issued,
  invoice_paid,
  force_majeure_declared,
  force_majeure_ended,
  termination_notice_served,
  termination_notice_withdrawn,
  termination_agreed,
  deadline_reached,
};

// Each event's data names its CloudEvents `type` and its enumerator; the name
// table and the checks below are built from them, so the three cannot drift.

// drafted / terms-amended carry the terms object as compact JSON text; it is
// checked by the contract's rules (invalid_terms is a step-8 rule, not a
// decoding failure). The decoder, which has the object parsed, also hands
// over what parse_terms(terms) gives, so the rules need not parse the text
// again; without it (an event built in code), they parse the text.
struct checked_terms {
  std::string terms;
  std::shared_ptr<const result<contract_terms>> checked; // parse_terms(terms), when known

  [[nodiscard]] result<contract_terms> check() const { return checked ? *checked : parse_terms(terms); }
};
struct contract_drafted : checked_terms {
  static constexpr std::string_view type_name = "pactum.contract.drafted.v1";
  static constexpr event_type kind = event_type::contract_drafted;
};
struct terms_amended : checked_terms {
  static constexpr std::string_view type_name = "pactum.contract.terms-amended.v1";
  static constexpr event_type kind = event_type::terms_amended;
};
struct contract_signed {
  static constexpr std::string_view type_name = "pactum.contract.signed.v1";
  static constexpr event_type kind = event_type::contract_signed;
  party by;
  std::string signatory;
};
struct contract_withdrawn {
  static constexpr std::string_view type_name = "pactum.contract.withdrawn.v1";
  static constexpr event_type kind = event_type::contract_withdrawn;
  std::string reason;
};
struct contract_renewed {
  static constexpr std::string_view type_name = "pactum.contract.renewed.v1";
  static constexpr event_type kind = event_type::contract_renewed;
  date end_date;
};
struct sla_period_reported {
  static constexpr std::string_view type_name = "pactum.sla.period-reported.v1";
  static constexpr event_type kind = event_type::sla_period_reported;
  period month;
  std::int64_t contacts_handled;
  std::vector<std::pair<std::string, millionths>> metrics; // sorted by id
};
struct incident_reported {
  static constexpr std::string_view type_name = "pactum.data.incident-reported.v1";
  static constexpr event_type kind = event_type::incident_reported;
  std::string incident_id;
  severity level;
  std::int64_t records_affected;
  timestamp detected_at;
  timestamp client_notified_at;
};
struct incident_remediated {
  static constexpr std::string_view type_name = "pactum.data.incident-remediated.v1";
  static constexpr event_type kind = event_type::incident_remediated;
  std::string incident_id;
};
struct audit_completed {
  static constexpr std::string_view type_name = "pactum.audit.completed.v1";
  static constexpr event_type kind = event_type::audit_completed;
  std::string audit_id;
  bool passed;
  std::int64_t findings;
  std::optional<std::int64_t> remediation_days;
};
struct audit_remediated {
  static constexpr std::string_view type_name = "pactum.audit.remediated.v1";
  static constexpr event_type kind = event_type::audit_remediated;
  std::string audit_id;
};
struct breach_notice_served {
  static constexpr std::string_view type_name = "pactum.breach.notice-served.v1";
  static constexpr event_type kind = event_type::breach_notice_served;
  std::string notice_id;
  party by;
  std::string clause;
  std::string description;
};
struct breach_cured {
  static constexpr std::string_view type_name = "pactum.breach.cured.v1";
  static constexpr event_type kind = event_type::breach_cured;
  std::string breach_id;
};
struct breach_waived {
  static constexpr std::string_view type_name = "pactum.breach.waived.v1";
  static constexpr event_type kind = event_type::breach_waived;
  std::string breach_id;
  party by;
};
// An itemised invoice's line kinds, in the order the read model lists them.
enum class invoice_line_kind : std::uint8_t { base, contacts, credit, bonus, other };
inline constexpr std::array<std::string_view, 5> invoice_line_kind_names{"base", "contacts", "credit", "bonus", "other"};
[[nodiscard]] constexpr std::string_view to_string(invoice_line_kind k) {
  return invoice_line_kind_names[static_cast<std::size_t>(k)];
}
struct invoice_line {
  invoice_line_kind kind;
  cents amount;
  friend bool operator==(const invoice_line&, const invoice_line&) = default;
};
// The latest version (spec section 17); v1 is upcast to it with lines empty.
struct invoice_issued {
  static constexpr std::string_view type_name = "pactum.invoice.issued.v2";
  static constexpr event_type kind = event_type::invoice_issued;
  std::string invoice_id;
  period month;
  cents amount;
  std::optional<std::vector<invoice_line>> lines; // in kind order; empty: not itemised
};
struct invoice_paid {
  static constexpr std::string_view type_name = "pactum.invoice.paid.v1";
  static constexpr event_type kind = event_type::invoice_paid;
  std::string invoice_id;
  cents amount;
};
struct force_majeure_declared {
  static constexpr std::string_view type_name = "pactum.force-majeure.declared.v1";
  static constexpr event_type kind = event_type::force_majeure_declared;
  std::string fm_id;
  party by;
};
struct force_majeure_ended {
  static constexpr std::string_view type_name = "pactum.force-majeure.ended.v1";
  static constexpr event_type kind = event_type::force_majeure_ended;
  std::string fm_id;
};
struct termination_notice_served {
  static constexpr std::string_view type_name = "pactum.termination.notice-served.v1";
  static constexpr event_type kind = event_type::termination_notice_served;
  std::string notice_id;
  party by;
  std::string ground;
  std::optional<timestamp> effective_at;
};
struct termination_notice_withdrawn {
  static constexpr std::string_view type_name = "pactum.termination.notice-withdrawn.v1";
  static constexpr event_type kind = event_type::termination_notice_withdrawn;
  std::string notice_id;
};
struct termination_agreed {
  static constexpr std::string_view type_name = "pactum.termination.agreed.v1";
  static constexpr event_type kind = event_type::termination_agreed;
  timestamp effective_at;
};
struct deadline_reached {
  static constexpr std::string_view type_name = "pactum.deadline.reached.v1";
  static constexpr event_type kind = event_type::deadline_reached;
  std::string deadline_id;
};

// Alternative order = event_type order.
using event_data =
    std::variant<contract_drafted, terms_amended, contract_signed, contract_withdrawn, contract_renewed,
                 sla_period_reported, incident_reported, incident_remediated, audit_completed,
                 audit_remediated, breach_notice_served, breach_cured, breach_waived, invoice_issued,
                 invoice_paid, force_majeure_declared, force_majeure_ended, termination_notice_served,
                 termination_notice_withdrawn, termination_agreed, deadline_reached>;

inline constexpr std::size_t event_type_count = std::variant_size_v<event_data>;

namespace detail {
template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> type_names(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, event_data>::type_name...};
}
template <std::size_t... I>
constexpr bool kinds_in_order(std::index_sequence<I...>) {
  return ((static_cast<std::size_t>(std::variant_alternative_t<I, event_data>::kind) == I) && ...);
}
} // namespace detail

static_assert(detail::kinds_in_order(std::make_index_sequence<event_type_count>{}),
              "event_type's enumerators and event_data's alternatives must be in the same order");
static_assert(static_cast<std::size_t>(event_type::deadline_reached) + 1 == event_type_count,
              "every event_type has an alternative in event_data");

// The CloudEvents `type` strings, indexed by event_type (from the data types).
inline constexpr std::array<std::string_view, event_type_count> event_type_names =
    detail::type_names(std::make_index_sequence<event_type_count>{});

[[nodiscard]] constexpr std::string_view to_string(event_type t) {
  return event_type_names[static_cast<std::size_t>(t)];
}
[[nodiscard]] std::optional<event_type> parse_event_type(std::string_view name);

// A decoded CloudEvent addressed to one contract (subject = contract id).
struct event {
  std::string id;
  std::string source;
  std::string subject;
  timestamp time;
  std::optional<std::int64_t> expected_version;
  event_data data;
  // The `type` as the record carried it: an older version's name when it was
  // upcast (section 17), for rejections and people; rules look at data only.
  std::string_view type_as_written;

  [[nodiscard]] event_type type() const { return static_cast<event_type>(data.index()); }
};

} // namespace pactum::events
