#include "pactum/statemachine/snapshot.hpp"

#include "pactum/statemachine/stored_names.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace pactum::statemachine {
namespace {

using nlohmann::json;
using events::format_money;

json time_json(timestamp t) { return t.ms; }
json opt_time(const std::optional<timestamp>& t) { return t ? json(t->ms) : json(nullptr); }
json money_json(cents c) { return format_money(c); }

timestamp time_of(const json& j) { return timestamp{j.get<std::int64_t>()}; }
std::optional<timestamp> opt_time_of(const json& j) {
  return j.is_null() ? std::nullopt : std::optional<timestamp>(time_of(j));
}
cents money_of(const json& j) {
  // Totals may be negative or beyond input range; parse sign and digits exactly.
  std::string text = j.get<std::string>();
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  events::int128 v = 0;
  for (const char ch : text)
    if (ch != '.') v = v * 10 + (ch - '0');
  return cents{negative ? -v : v};
}
party party_of(const json& j) { return j.get<std::string>() == "client" ? party::client : party::vendor; }
json party_json(party p) { return std::string(events::to_string(p)); }

template <class Enum>
Enum enum_of(const json& j) {
  const auto name = j.get<std::string>();
  const auto e = enum_named<Enum>(name);
  if (!e) throw json::other_error::create(501, "unknown name " + name, &j);
  return *e;
}
template <class Enum>
json enum_json(Enum e) { return std::string(stored_name(e)); }

// Section 17's invoice facts, names for enums.
json lines_json(const std::optional<std::vector<events::invoice_line>>& lines) {
  if (!lines) return nullptr;
  json out = json::array();
  for (const auto& l : *lines) out.push_back({std::string(events::to_string(l.kind)), money_json(l.amount)});
  return out;
}

std::optional<std::vector<events::invoice_line>> lines_of(const json& j) {
  if (j.is_null()) return std::nullopt;
  std::vector<events::invoice_line> out;
  for (const auto& l : j) {
    const auto name = l.at(0).get<std::string>();
    const auto k = std::find(events::invoice_line_kind_names.begin(), events::invoice_line_kind_names.end(), name);
    if (k == events::invoice_line_kind_names.end()) throw json::other_error::create(501, "unknown line kind " + name, &l);
    out.push_back({static_cast<events::invoice_line_kind>(k - events::invoice_line_kind_names.begin()), money_of(l.at(1))});
  }
  return out;
}

json reconciliation_json(const reconciliation& r) {
  json expected = nullptr;
  if (r.expected)
    expected = {money_json(r.expected->base), money_json(r.expected->contacts), money_json(r.expected->credit),
                money_json(r.expected->bonus), money_json(r.expected->total)};
  json differences = json::array();
  for (const auto& d : r.differences)
    differences.push_back({std::string(d.kind), money_json(d.invoiced), money_json(d.expected)});
  return {std::string(to_string(r.status)), std::move(expected), std::move(differences)};
}

reconciliation reconciliation_of(const json& j) {
  reconciliation r;
  const auto status = j.at(0).get<std::string>();
  bool known = false;
  for (const auto s : {reconciliation_status::matches, reconciliation_status::differs, reconciliation_status::period_unreported})
    if (status == to_string(s)) {
      r.status = s;
      known = true;
    }
  if (!known) throw json::other_error::create(501, "unknown reconciliation status " + status, &j);
  if (const auto& e = j.at(1); !e.is_null())
    r.expected = expected_invoice{money_of(e.at(0)), money_of(e.at(1)), money_of(e.at(2)), money_of(e.at(3)), money_of(e.at(4))};
  for (const auto& d : j.at(2)) {
    const auto kind = d.at(0).get<std::string>();
    const auto k = std::find(events::invoice_line_kind_names.begin(), events::invoice_line_kind_names.end(), kind);
    const std::string_view name = k != events::invoice_line_kind_names.end() ? *k : std::string_view("total");
    if (k == events::invoice_line_kind_names.end() && kind != "total")
      throw json::other_error::create(501, "unknown difference kind " + kind, &d);
    r.differences.push_back({name, money_of(d.at(1)), money_of(d.at(2))});
  }
  return r;
}

} // namespace

json snapshot_of(const contract_state& c) {
  json periods = json::array();
  for (const auto& p : c.periods)
    periods.push_back({p.month.months, money_json(p.charge), p.failed, p.waived, p.missed_metrics,
                       money_json(p.credit), money_json(p.bonus), enum_json(p.capped_by), money_json(p.base)});
  json breaches = json::array();
  for (const auto& b : c.breaches)
    breaches.push_back({b.breach_id, enum_json(b.kind), party_json(b.by), b.material, b.curable, time_json(b.opened_at),
                        opt_time(b.cure_deadline), enum_json(b.status), opt_time(b.closed_at), money_json(b.damages)});
  json invoices = json::array();
  for (const auto& i : c.invoices)
    invoices.push_back({i.invoice_id, i.month.months, money_json(i.amount), time_json(i.issued_at), time_json(i.due_at),
                        money_json(i.paid), enum_json(i.status), lines_json(i.lines), reconciliation_json(i.reconciled)});
  json fms = json::array();
  for (const auto& f : c.force_majeures)
    fms.push_back({f.fm_id, party_json(f.by), time_json(f.declared_at), opt_time(f.ended_at), time_json(f.due), f.deadline_fired});
  json deadlines = json::array();
  for (const auto& [key, d] : c.deadlines.pending()) deadlines.push_back({key.due.ms, key.id, enum_json(d.kind), d.ref});
  json seen = json::array();
  for (const auto key : c.seen.sorted_keys()) seen.push_back(std::string(key));
  json pending = nullptr;
  if (c.pending)
    pending = {c.pending->notice_id ? json(*c.pending->notice_id) : json(nullptr), enum_json(c.pending->by),
               c.pending->ground, time_json(c.pending->served_at), time_json(c.pending->effective_at)};
  json terminated = nullptr;
  if (c.terminated)
    terminated = {time_json(c.terminated->at), c.terminated->by ? enum_json(*c.terminated->by) : json(nullptr),
                  c.terminated->ground};

  json doc = json::object();
  doc["format"] = snapshot_format;
  doc["contract_id"] = c.contract_id;
  doc["state"] = enum_json(c.state);
  doc["version"] = c.version;
  doc["stream_time"] = time_json(c.stream_time);
  // The terms as the producer wrote them (text): a DOM round trip would keep
  // the last of duplicate member names where the decoder keeps the first.
  doc["terms"] = c.terms_json;
  doc["end_date"] = c.terms.end_date.days;
  doc["signed"] = {c.client_signed, c.vendor_signed};
  doc["signed_at"] = opt_time(c.signed_at);
  doc["pending"] = std::move(pending);
  doc["terminated"] = std::move(terminated);
  doc["periods"] = std::move(periods);
  doc["breaches"] = std::move(breaches);
  doc["invoices"] = std::move(invoices);
  doc["force_majeures"] = std::move(fms);
  doc["audits"] = c.audits;
  doc["termination_notice_ids"] = c.termination_notice_ids;
  doc["data_damages"] = money_json(c.data_damages);
  doc["early_termination_fee_owed"] = c.early_termination_fee_owed;
  doc["deadlines"] = std::move(deadlines);
  doc["seen"] = std::move(seen);
  return doc;
}

std::optional<contract_state> state_from_snapshot(const json& doc) try {
  if (!doc.is_object() || doc.value("format", 0) != snapshot_format) return std::nullopt;
  std::string terms_json = doc.at("terms").get<std::string>();
  auto terms = events::parse_terms(terms_json);
  if (!terms) return std::nullopt;
  contract_state c;
  c.contract_id = doc.at("contract_id").get<std::string>();
  c.state = enum_of<lifecycle>(doc.at("state"));
  c.version = doc.at("version").get<std::int64_t>();
  c.stream_time = time_of(doc.at("stream_time"));
  c.terms = std::move(terms.value());
  c.terms_json = std::move(terms_json);
  c.terms.end_date = events::date{doc.at("end_date").get<std::int32_t>()};
  c.client_signed = doc.at("signed").at(0).get<bool>();
  c.vendor_signed = doc.at("signed").at(1).get<bool>();
  c.signed_at = opt_time_of(doc.at("signed_at"));
  if (const auto& p = doc.at("pending"); !p.is_null())
    c.pending = pending_termination{p.at(0).is_null() ? std::nullopt : std::optional<std::string>(p.at(0).get<std::string>()),
                                    enum_of<terminating_party>(p.at(1)), p.at(2).get<std::string>(), time_of(p.at(3)),
                                    time_of(p.at(4))};
  if (const auto& t = doc.at("terminated"); !t.is_null())
    c.terminated = termination_record{time_of(t.at(0)),
                                      t.at(1).is_null() ? std::nullopt
                                                        : std::optional<terminating_party>(enum_of<terminating_party>(t.at(1))),
                                      t.at(2).get<std::string>()};
  for (const auto& p : doc.at("periods"))
    c.periods.push_back(period_result{period{p.at(0).get<std::int32_t>()}, money_of(p.at(8)), money_of(p.at(1)),
                                      p.at(2).get<bool>(), p.at(3).get<bool>(), p.at(4).get<std::vector<std::string>>(),
                                      money_of(p.at(5)), money_of(p.at(6)), enum_of<credit_cap>(p.at(7))});
  for (const auto& b : doc.at("breaches")) {
    c.breach_index.emplace(b.at(0).get<std::string>(), c.breaches.size());
    c.breaches.push_back(breach{b.at(0).get<std::string>(), enum_of<breach_kind>(b.at(1)), party_of(b.at(2)),
                                b.at(3).get<bool>(), b.at(4).get<bool>(), time_of(b.at(5)), opt_time_of(b.at(6)),
                                enum_of<breach_status>(b.at(7)), opt_time_of(b.at(8)), money_of(b.at(9))});
  }
  for (const auto& i : doc.at("invoices")) {
    c.invoice_index.emplace(i.at(0).get<std::string>(), c.invoices.size());
    c.invoices.push_back(invoice{i.at(0).get<std::string>(), period{i.at(1).get<std::int32_t>()}, money_of(i.at(2)),
                                 time_of(i.at(3)), time_of(i.at(4)), money_of(i.at(5)), enum_of<invoice_status>(i.at(6)),
                                 lines_of(i.at(7)), reconciliation_of(i.at(8))});
  }
  for (const auto& f : doc.at("force_majeures")) {
    c.fm_index.emplace(f.at(0).get<std::string>(), c.force_majeures.size());
    c.force_majeures.push_back(force_majeure{f.at(0).get<std::string>(), party_of(f.at(1)), time_of(f.at(2)),
                                             opt_time_of(f.at(3)), time_of(f.at(4)), f.at(5).get<bool>()});
  }
  c.audits = doc.at("audits").get<std::map<std::string, bool>>();
  c.termination_notice_ids = doc.at("termination_notice_ids").get<std::set<std::string>>();
  c.data_damages = money_of(doc.at("data_damages"));
  c.early_termination_fee_owed = doc.at("early_termination_fee_owed").get<bool>();
  for (const auto& d : doc.at("deadlines")) {
    const timestamp due{d.at(0).get<std::int64_t>()};
    c.deadlines.schedule(due, d.at(1).get<std::string>(), enum_of<deadline_kind>(d.at(2)), d.at(3).get<std::string>());
  }
  for (const auto& s : doc.at("seen")) c.seen.insert(s.get<std::string>());
  return c;
} catch (const nlohmann::json::exception&) {
  // A snapshot this build cannot read is not used; the caller replays instead.
  return std::nullopt;
}

} // namespace pactum::statemachine
