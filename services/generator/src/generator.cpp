#include "pactum/generator/generator.hpp"

#include "pactum/events/encode.hpp"
#include "pactum/events/terms.hpp"
#include "pactum/events/values.hpp"
#include "pactum/statemachine/sla.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <queue>
#include <vector>

namespace pactum::generator {
namespace {

using nlohmann::ordered_json;
using events::timestamp;

// SplitMix64: tiny, and the same numbers on every platform (std distributions are not).
class rng {
public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int per_mille) { return below(1000) < per_mille; }

private:
  std::uint64_t state_;
};

struct line {
  timestamp at;
  std::string text;
};

std::string money(std::int64_t cents) { return events::format_money(events::cents{cents}); }

// One contract's life, good events first, then bad / edge records sprinkled in.
class contract_story {
public:
  contract_story(const options& opts, int index)
      : r_(opts.seed * 1'000'003ULL + static_cast<std::uint64_t>(index)), opts_(opts),
        id_("C-" + std::to_string(100000 + index)) {}

  std::vector<line> tell() {
    const std::int64_t start_month = std::int64_t{opts_.first_month} + r_.below(12);
    const int months = 12 + static_cast<int>(r_.below(13));
    start_ = events::start_of(events::period{static_cast<std::int32_t>(start_month)});
    const events::period first{static_cast<std::int32_t>(start_month)};
    const events::period last{static_cast<std::int32_t>(start_month + months - 1)};
    end_date_ = events::format_date(events::date{static_cast<std::int32_t>(
                    events::start_of(events::next_period(last)).ms / events::ms_per_day - 1)});
    timestamp t = add(start_, -20 * events::ms_per_day + r_.below(events::ms_per_day));
    emit(t, "/legal", "pactum.contract.drafted.v1", {{"terms", terms(events::format_date(events::date{
                                                                 static_cast<std::int32_t>(start_.ms / events::ms_per_day)}))}});
    if (r_.chance(200)) {
      t = add(t, r_.below(3 * events::ms_per_day));
      emit(t, "/legal", "pactum.contract.terms-amended.v1",
           {{"terms", terms(events::format_date(events::date{static_cast<std::int32_t>(start_.ms / events::ms_per_day)}))}});
    }
    if (r_.chance(60)) {
      emit(add(t, events::ms_per_day), "/legal", "pactum.contract.withdrawn.v1", {{"reason", "client chose another vendor"}});
      return finish();
    }
    const bool vendor_first = r_.chance(500);
    t = add(t, r_.below(5 * events::ms_per_day) + 1000);
    emit(t, "/legal", "pactum.contract.signed.v1", {{"party", vendor_first ? "vendor" : "client"}, {"signatory", "A. Signer"}});
    t = add(t, r_.below(5 * events::ms_per_day) + 1000);
    emit(t, "/legal", "pactum.contract.signed.v1", {{"party", vendor_first ? "client" : "vendor"}, {"signatory", "B. Signer"}});

    const bool terminates = r_.chance(200);
    const int stop_after = terminates ? 3 + static_cast<int>(r_.below(months - 3)) : months;
    for (int m = 0; m < months && m < stop_after; ++m) month(events::period{first.months + m}, m);
    if (terminates) terminate(events::start_of(events::period{first.months + stop_after}));
    else if (r_.chance(200))
      emit(add(events::start_of(events::period{first.months + months - 1}), 5 * events::ms_per_day), "/legal",
           "pactum.contract.renewed.v1",
           {{"end_date", events::format_date(events::date{static_cast<std::int32_t>(
                             events::start_of(events::period{last.months + 13}).ms / events::ms_per_day - 1)})}});
    return finish();
  }

private:
  static timestamp add(timestamp t, std::int64_t ms) { return events::add_ms(t, ms); }

  ordered_json terms(const std::string& start_date) {
    const bool two_metrics = r_.chance(600);
    ordered_json metrics = ordered_json::array();
    metrics.push_back({{"id", "first_response_p90"}, {"unit", "seconds"}, {"direction", "lower_is_better"}, {"target", 60},
                       {"credit_tiers", {{{"threshold", 60}, {"credit_pct", 2}}, {{"threshold", 120}, {"credit_pct", 5}}}},
                       {"bonus_tiers", {{{"threshold", 30}, {"bonus_pct", 1}}}}});
    if (two_metrics)
      metrics.push_back({{"id", "resolution_rate"}, {"unit", "percent"}, {"direction", "higher_is_better"}, {"target", 85},
                         {"credit_tiers", {{{"threshold", 85}, {"credit_pct", 3}}}},
                         {"bonus_tiers", {{{"threshold", 95}, {"bonus_pct", 1.5}}}}});
    metrics_ = two_metrics ? 2 : 1;
    ordered_json doc = {{"client", {{"id", "client-" + std::to_string(r_.below(50))}, {"name", "Client Co"}}},
            {"vendor", {{"id", "vendor-" + std::to_string(r_.below(20))}, {"name", "Vendor BPO"}}},
            {"currency", r_.chance(500) ? "EUR" : "USD"},
            {"start_date", start_date},
            {"end_date", end_date_},
            {"fees", {{"monthly_base", money(1'000'000 + r_.below(5'000'000))}, {"per_contact", "0.80"}, {"payment_days", 30}}},
            {"sla", {{"metrics", metrics}, {"monthly_credit_cap_pct", 10}, {"annual_credit_cap_pct", 8}, {"bonus_cap_pct", 2},
                     {"persistent_failure", {{"consecutive", 3}, {"window", 6}, {"max_failed_in_window", 4}}}}},
            {"breach", {{"cure_days", 30}, {"for_cause_notice_days", r_.chance(500) ? 0 : 30}}},
            {"data_protection", {{"notification_hours", 72}, {"damages_per_record", "2.00"}, {"damages_cap", "250000.00"},
                                 {"material_records_threshold", 10000}}},
            {"termination", {{"client_convenience_notice_days", 90}, {"vendor_convenience_notice_days", 180},
                             {"early_termination_fee", "150000.00"}, {"non_payment_days", 60}, {"force_majeure_days", 90}}}};
    terms_ = events::parse_terms(doc.dump()).value(); // the terms in force, to bill v2 invoices right
    return doc;
  }

  // A month of service: its SLA report, its invoice and payment, and what else happens.
  void month(events::period p, int m) {
    const timestamp next = events::start_of(events::next_period(p));
    timestamp t = add(next, r_.below(2 * events::ms_per_day) + 3'600'000);
    ordered_json values = ordered_json::object();
    const std::int64_t first_response = 20 + r_.below(130);
    values["first_response_p90"] = first_response;
    std::vector<events::millionths> scored{first_response * 1'000'000};
    if (metrics_ == 2) {
      const std::int64_t tenths = 800 + r_.below(200);
      values["resolution_rate"] = static_cast<double>(tenths) / 10.0;
      scored.push_back(tenths * 100'000);
    }
    const std::int64_t contacts = 1000 + r_.below(20000);
    emit(t, "/ticketing", "pactum.sla.period-reported.v1",
         {{"period", events::format_period(p)}, {"contacts_handled", contacts}, {"metrics", values}});
    const statemachine::period_result billed = score(p, t, contacts, scored);
    const std::string invoice = "INV-" + std::to_string(m + 1);
    t = add(t, r_.below(events::ms_per_day));
    if (opts_.v2_per_mille > 0 && r_.chance(opts_.v2_per_mille)) {
      emit(t, "/billing", "pactum.invoice.issued.v2", itemised_invoice(invoice, billed));
    } else {
      emit(t, "/billing", "pactum.invoice.issued.v1",
           {{"invoice_id", invoice}, {"period", events::format_period(p)}, {"amount", money(1'000'000 + r_.below(3'000'000))}});
    }
    const std::int64_t pay_delay = r_.chance(800) ? r_.below(28 * events::ms_per_day) : (31 + r_.below(70)) * events::ms_per_day;
    if (!r_.chance(50)) emit(add(t, pay_delay), "/billing", "pactum.invoice.paid.v1", {{"invoice_id", invoice}, {"amount", "999999.00"}});
    else emit(add(t, 40 * events::ms_per_day), "/ticketing", "pactum.deadline.reached.v1", {{"deadline_id", "invoice-due:" + invoice}});

    if (r_.chance(40)) {
      const std::string id = "INC-" + std::to_string(m);
      const timestamp detected = add(next, 5 * events::ms_per_day);
      const std::int64_t delay_h = r_.chance(800) ? r_.below(72) : 72 + r_.below(100);
      emit(add(detected, 3 * events::ms_per_hour), "/security", "pactum.data.incident-reported.v1",
           {{"incident_id", id}, {"severity", r_.chance(100) ? "critical" : (r_.chance(500) ? "high" : "low")},
            {"records_affected", r_.below(20000)}, {"detected_at", events::format_timestamp(detected)},
            {"client_notified_at", events::format_timestamp(add(detected, delay_h * events::ms_per_hour))}});
      if (r_.chance(700))
        emit(add(detected, r_.below(40) * events::ms_per_day), "/security", "pactum.data.incident-remediated.v1", {{"incident_id", id}});
    }
    if (m % 6 == 5) {
      const std::string id = "AUD-" + std::to_string(m);
      const bool failed = r_.chance(300);
      ordered_json d = {{"audit_id", id}, {"result", failed ? "failed" : "passed"}, {"findings", failed ? 1 + r_.below(9) : 0}};
      if (failed && r_.chance(500)) d["remediation_days"] = 14;
      emit(add(next, 10 * events::ms_per_day), "/audit", "pactum.audit.completed.v1", d);
      if (failed && r_.chance(700))
        emit(add(next, (11 + r_.below(30)) * events::ms_per_day), "/audit", "pactum.audit.remediated.v1", {{"audit_id", id}});
    }
    if (r_.chance(30)) {
      const std::string id = "BN-" + std::to_string(m);
      const bool by_client = r_.chance(700);
      emit(add(next, 12 * events::ms_per_day), "/legal", "pactum.breach.notice-served.v1",
           {{"notice_id", id}, {"by", by_client ? "client" : "vendor"}, {"clause", "7.2"}, {"description", "staffing below plan"}});
      const timestamp later = add(next, (13 + r_.below(40)) * events::ms_per_day);
      if (r_.chance(500)) emit(later, "/legal", "pactum.breach.cured.v1", {{"breach_id", "notice:" + id}});
      else if (r_.chance(500))
        emit(later, "/legal", "pactum.breach.waived.v1", {{"breach_id", "notice:" + id}, {"by", by_client ? "client" : "vendor"}});
    }
    if (r_.chance(15)) {
      const std::string id = "FM-" + std::to_string(m);
      const timestamp declared = add(next, 15 * events::ms_per_day);
      emit(declared, "/legal", "pactum.force-majeure.declared.v1", {{"fm_id", id}, {"by", r_.chance(500) ? "client" : "vendor"}});
      const timestamp ended = add(next, (16 + r_.below(120)) * events::ms_per_day);
      emit(ended, "/legal", "pactum.force-majeure.ended.v1", {{"fm_id", id}});
      force_majeures_.emplace_back(declared, ended);
    }
  }

  // The period's figures as pactum will compute them (the FMs declared
  // before the report, the credits of the 11 months before), so that a v2
  // invoice can bill them.
  statemachine::period_result score(events::period p, timestamp reported, std::int64_t contacts,
                                    const std::vector<events::millionths>& values) {
    statemachine::period_history before;
    const timestamp from = events::start_of(p);
    const timestamp to = events::start_of(events::next_period(p));
    for (const auto& [declared, ended] : force_majeures_)
      if (declared < reported && std::max(declared, from) < std::min(ended, to)) before.waived = true;
    for (const auto& earlier : periods_)
      if (earlier.month.months >= p.months - 11) {
        before.prior_charges += earlier.charge;
        before.prior_credits += earlier.credit;
      }
    const events::cents charge = terms_.monthly_base + events::cents{terms_.per_contact.raw() * contacts};
    periods_.push_back(statemachine::score_period(terms_, p, charge, values, before));
    return periods_.back();
  }

  // An itemised invoice that bills the period; now and then with a deliberate
  // difference (a credit left out, a fee of the vendor's own).
  ordered_json itemised_invoice(const std::string& id, const statemachine::period_result& billed) {
    events::cents credit = billed.credit;
    events::cents other;
    if (r_.chance(150)) credit = events::cents{};
    else if (r_.chance(100)) other = events::cents{2'500};
    ordered_json lines = ordered_json::array();
    auto line = [&lines](std::string_view kind, events::cents amount) {
      if (amount != events::cents{}) lines.push_back({{"kind", kind}, {"amount", events::format_money(amount)}});
    };
    line("base", billed.base);
    line("contacts", billed.charge - billed.base);
    line("credit", credit);
    line("bonus", billed.bonus);
    line("other", other);
    const events::cents amount = billed.charge - credit + billed.bonus + other;
    return {{"invoice_id", id}, {"period", events::format_period(billed.month)}, {"amount", events::format_money(amount)},
            {"lines", std::move(lines)}};
  }

  void terminate(timestamp t) {
    const auto kind = r_.below(4);
    if (kind == 0) {
      emit(t, "/legal", "pactum.termination.agreed.v1",
           {{"effective_at", events::format_timestamp(add(t, 30 * events::ms_per_day))}});
      return;
    }
    const bool by_client = kind != 3;
    emit(t, "/legal", "pactum.termination.notice-served.v1",
         {{"notice_id", "TN-1"}, {"by", by_client ? "client" : "vendor"}, {"ground", r_.chance(800) ? "convenience" : "uncured_breach"}});
    if (r_.chance(400)) {
      emit(add(t, events::ms_per_day), "/legal", "pactum.termination.notice-withdrawn.v1", {{"notice_id", "TN-1"}});
      emit(add(t, 2 * events::ms_per_day), "/legal", "pactum.termination.notice-served.v1",
           {{"notice_id", "TN-2"}, {"by", "client"}, {"ground", "convenience"}});
    }
    // Something after the end: rejected contract_terminated once the notice has run.
    emit(add(t, 400 * events::ms_per_day), "/billing", "pactum.invoice.issued.v1",
         {{"invoice_id", "INV-LATE"}, {"period", events::format_period(events::period_of(events::date{static_cast<std::int32_t>(t.ms / events::ms_per_day)}))},
          {"amount", "100.00"}});
  }

  void emit(timestamp t, std::string_view source, std::string_view type, const ordered_json& data,
            std::optional<std::int64_t> expected_version = std::nullopt) {
    const events::envelope e{id_ + "-" + std::to_string(++seq_), std::string(source), type, id_,
                             events::format_timestamp(t), expected_version};
    lines_.push_back({t, events::encode_structured(e, data.dump())});
  }

  // Bad and edge records next to good ones: about bad_per_mille of them.
  std::vector<line> finish() {
    const std::size_t good = lines_.size();
    for (std::size_t i = 0; i < good; ++i) {
      if (!r_.chance(opts_.bad_per_mille)) continue;
      const line source = lines_[i];
      const timestamp t = add(source.at, 1);
      switch (r_.below(9)) {
      case 0: lines_.push_back({t, source.text.substr(0, source.text.size() / 2)}); break; // truncated JSON
      case 1: lines_.push_back({t, source.text}); break;                                      // resent: duplicate
      case 2: emit(t, "/billing", "pactum.invoice.paid.v1", {{"invoice_id", "INV-404"}, {"amount", "10.00"}}); break;
      case 3: emit(t, "/billing", "pactum.invoice.issued.v1",
                   {{"invoice_id", "INV-V" + std::to_string(i)}, {"period", "2026-05"}, {"amount", "10.00"}}, 987654); break;
      case 4: emit(t, "/ticketing", "pactum.sla.period-reported.v1",
                   {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"first_response_p90", 1}}}}); break;
      case 5: emit(t, "/billing", "pactum.invoice.issued.v1", {{"invoice_id", "INV-X"}, {"period", "2026-13"}, {"amount", "1"}}); break;
      case 6: emit(t, "/legal", "pactum.contract.gossip.v1", {{"text", "unknown type"}}); break;
      case 7: {
        std::string text = source.text;
        const std::string subject = "\"subject\":\"" + id_ + "\"";
        const auto at = text.find(subject);
        if (at != std::string::npos) text.replace(at, subject.size(), "\"subject\":\"GHOST-" + id_ + "\""); // never drafted
        lines_.push_back({t, text});
        break;
      }
      default: emit(t, "/legal", "pactum.breach.cured.v1", {{"breach_id", "notice:none"}}); break;
      }
      if (opts_.v2_per_mille > 0 && r_.chance(100)) {
        // A v2 invoice that does not decode: its lines do not add up, or a kind twice.
        ordered_json lines = r_.chance(500) ? ordered_json::array({{{"kind", "base"}, {"amount", "10.00"}}})
                                            : ordered_json::array({{{"kind", "base"}, {"amount", "5.00"}},
                                                                   {{"kind", "base"}, {"amount", "5.00"}}});
        emit(t, "/billing", "pactum.invoice.issued.v2",
             {{"invoice_id", "INV-BAD-" + std::to_string(i)}, {"period", "2026-05"}, {"amount", "11.00"}, {"lines", lines}});
      }
    }
    std::stable_sort(lines_.begin(), lines_.end(), [](const line& a, const line& b) { return a.at < b.at; });
    return std::move(lines_);
  }

  rng r_;
  const options& opts_;
  std::string id_;
  std::string end_date_;
  timestamp start_;
  int metrics_ = 1;
  events::contract_terms terms_{};
  std::vector<statemachine::period_result> periods_;
  std::vector<std::pair<timestamp, timestamp>> force_majeures_; // declared, ended
  int seq_ = 0;
  std::vector<line> lines_;
};

} // namespace

void generate(const options& opts, const std::function<void(std::string_view)>& emit) {
  std::vector<std::vector<line>> stories;
  stories.reserve(static_cast<std::size_t>(opts.contracts));
  for (int i = 0; i < opts.contracts; ++i) stories.push_back(contract_story(opts, i).tell());
  // k-way merge by (time, contract index, position): one stream, in time order.
  using cursor = std::tuple<timestamp, std::size_t, std::size_t>;
  std::priority_queue<cursor, std::vector<cursor>, std::greater<>> heads;
  for (std::size_t i = 0; i < stories.size(); ++i)
    if (!stories[i].empty()) heads.emplace(stories[i][0].at, i, 0);
  while (!heads.empty()) {
    const auto [at, story, pos] = heads.top();
    if (opts.until && at > *opts.until) break;
    heads.pop();
    emit(stories[story][pos].text);
    if (pos + 1 < stories[story].size()) heads.emplace(stories[story][pos + 1].at, story, pos + 1);
  }
}

} // namespace pactum::generator
