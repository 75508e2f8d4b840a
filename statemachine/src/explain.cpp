#include "pactum/statemachine/explain.hpp"

#include "pactum/statemachine/view.hpp"

#include <array>
#include <cstdio>
#include <set>

namespace pactum::statemachine {
namespace {

using pointer = view_json::json_pointer;

// An array element's identity, so that a figure keeps its key when elements
// are inserted before it: invoices, breaches and periods by their id, grounds
// by party and ground, differences by kind; anything else by position.
std::string element_key(const view_json& e, std::size_t index) {
  if (e.is_object()) {
    for (const char* member : {"invoice_id", "breach_id", "period"})
      if (const auto it = e.find(member); it != e.end() && it->is_string()) return it->get<std::string>();
    if (const auto party = e.find("party"), ground = e.find("ground");
        party != e.end() && ground != e.end() && party->is_string() && ground->is_string())
      return party->get<std::string>() + ":" + ground->get<std::string>();
    if (const auto kind = e.find("kind"); kind != e.end() && kind->is_string()) return kind->get<std::string>();
  }
  return std::to_string(index);
}

// Every scalar of a part of the view under its identity key.
void flatten(const view_json& v, const std::string& key, std::map<std::string, std::string>& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [k, x] : v.items()) flatten(x, key + "/" + k, out);
  } else if (v.is_array() && !v.empty()) {
    for (std::size_t i = 0; i < v.size(); ++i) flatten(v[i], key + "/" + element_key(v[i], i), out);
  } else {
    out[key] = v.dump();
  }
}

long double amount(const view_json& money) {
  return money.is_string() ? std::strtold(money.get<std::string>().c_str(), nullptr) : 0.0L;
}

std::string percent_of(const view_json& part, const view_json& whole) {
  const long double w = amount(whole);
  if (w == 0) return "0";
  char text[32];
  std::snprintf(text, sizeof text, "%.2Lf", amount(part) * 100 / w);
  return text;
}

std::string str(const view_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// One explained figure.
struct figure {
  std::string path;     // JSON pointer into the view
  std::string key;      // its identity key
  bool whole = false;   // an object: every member's changes count
  std::vector<std::string> terms;
  std::string because;
};

class figure_list {
public:
  explicit figure_list(const view_json& terms) : terms_(terms) {}

  void add(std::string path, std::string key, bool whole, std::vector<std::string> terms, std::string because) {
    std::vector<std::string> resolved;
    for (auto& t : terms)
      if (terms_.contains(pointer(t))) resolved.push_back(std::move(t)); // optional members may be absent
    figures_.push_back({std::move(path), std::move(key), whole, std::move(resolved), std::move(because)});
  }
  [[nodiscard]] const std::vector<figure>& figures() const { return figures_; }

  // The terms' metrics whose ids are in `ids` (all when empty), as pointers to `member`.
  [[nodiscard]] std::vector<std::string> metric_pointers(const view_json& ids, std::string_view member) const {
    std::vector<std::string> out;
    const auto metrics = terms_.find("sla") != terms_.end() ? terms_["sla"].value("metrics", view_json::array()) : view_json::array();
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const bool wanted = ids.is_null() || std::find(ids.begin(), ids.end(), metrics[i].value("id", "")) != ids.end();
      if (wanted) out.push_back("/sla/metrics/" + std::to_string(i) + "/" + std::string(member));
    }
    return out;
  }

private:
  const view_json& terms_;
  std::vector<figure> figures_;
};

std::string notice_pointer(std::string_view party, std::string_view ground) {
  if (ground == "convenience") return "/termination/" + std::string(party) + "_convenience_notice_days";
  return "/breach/for_cause_notice_days";
}

void explain_liability(const view_json& view, figure_list& out) {
  const auto& liability = view["liability"];
  const std::string currency = view.value("currency", "");
  const auto& periods = liability["periods"];
  for (std::size_t i = 0; i < periods.size(); ++i) {
    const auto& p = periods[i];
    const std::string at = "/liability/periods/" + std::to_string(i);
    const std::string key = "/liability/periods/" + element_key(p, i);
    const std::string period = str(p["period"]);
    out.add(at + "/charge", key + "/charge", false, {"/fees/monthly_base", "/fees/per_contact"},
            "the charge for " + period + ": the monthly base plus the per-contact fee for the contacts the period's SLA report "
            "counts = " + str(p["charge"]) + " " + currency);
    std::string credit;
    if (p.value("waived", false)) credit = "no credit for " + period + ": a force majeure was active during it (waived)";
    else if (p["missed_metrics"].empty()) credit = "no credit for " + period + ": every metric met its target";
    else {
      credit = "metrics that missed their targets in " + period + ": " + p["missed_metrics"].dump() + "; the credit tiers they " +
               "reached give " + str(p["credit"]) + " " + currency + " (" + percent_of(p["credit"], p["charge"]) +
               " % of the charge " + str(p["charge"]) + ")";
      if (p["capped_by"] == "monthly") credit += ", bound by the monthly credit cap";
      else if (p["capped_by"] == "annual") credit += ", bound by the annual credit cap over the rolling year";
    }
    auto credit_terms = out.metric_pointers(p["missed_metrics"], "credit_tiers");
    credit_terms.insert(credit_terms.end(), {"/sla/monthly_credit_cap_pct", "/sla/annual_credit_cap_pct"});
    out.add(at + "/credit", key + "/credit", false, std::move(credit_terms), std::move(credit));
    std::string bonus;
    if (p.value("waived", false)) bonus = "no bonus for " + period + ": waived by a force majeure";
    else if (p.value("failed", false)) bonus = "no bonus for " + period + ": the period failed";
    else if (amount(p["bonus"]) == 0) bonus = "no bonus for " + period + ": no metric beat a bonus tier";
    else
      bonus = "bonus tiers beaten in " + period + " give " + str(p["bonus"]) + " " + currency + " (" +
              percent_of(p["bonus"], p["charge"]) + " % of the charge), at most the bonus cap";
    auto bonus_terms = out.metric_pointers(nullptr, "bonus_tiers");
    bonus_terms.emplace_back("/sla/bonus_cap_pct");
    out.add(at + "/bonus", key + "/bonus", false, std::move(bonus_terms), std::move(bonus));
  }
  const auto& breaches = liability["breaches"];
  for (std::size_t i = 0; i < breaches.size(); ++i) {
    const auto& b = breaches[i];
    const std::string at = "/liability/breaches/" + std::to_string(i);
    const std::string key = "/liability/breaches/" + element_key(b, i);
    const std::string kind = str(b["kind"]);
    std::vector<std::string> terms;
    if (kind == "persistent_sla_failure") terms = {"/sla/persistent_failure"};
    else if (kind == "data_incident")
      terms = {"/data_protection/notification_hours", "/data_protection/material_records_threshold", "/breach/cure_days"};
    else if (kind == "late_payment") terms = {"/fees/payment_days", "/termination/non_payment_days"};
    else terms = {"/breach/cure_days"};
    std::string because = kind + " breach " + str(b["breach_id"]) + " by the " + str(b["by"]) + ", opened " + str(b["opened_at"]) +
                          (b.value("material", false) ? ", material" : ", not material") + "; status " + str(b["status"]);
    if (b["cure_deadline"].is_string()) because += ", cure deadline " + str(b["cure_deadline"]);
    if (b["closed_at"].is_string()) because += ", closed " + str(b["closed_at"]);
    out.add(at, key, true, std::move(terms), std::move(because));
    if (kind == "data_incident")
      out.add(at + "/damages", key + "/damages", false, {"/data_protection/damages_per_record", "/data_protection/damages_cap"},
              "damages of " + str(b["breach_id"]) + ": the records affected times the damages per record, within what the " +
                  "damages cap leaves after earlier incidents = " + str(b["damages"]) + " " + currency);
    else
      out.add(at + "/damages", key + "/damages", false, {}, "a " + kind + " breach carries no damages (only data incidents do)");
  }
  const auto& totals = liability["totals"];
  const std::map<std::string, std::pair<std::string, std::vector<std::string>>> sums{
      {"service_credits", {"the sum of the periods' credits", {}}},
      {"bonuses", {"the sum of the periods' bonuses", {}}},
      {"data_damages", {"the sum of the data incidents' damages", {"/data_protection/damages_cap"}}},
      {"early_termination_fee",
       {totals.value("early_termination_fee", "0.00") == "0.00"
            ? "not owed: the client has not terminated for convenience before the end date"
            : "owed to the vendor: the client terminated for convenience before the end date",
        {"/termination/early_termination_fee", "/end_date"}}},
      {"owed_to_client", {"what the vendor owes the client: service credits plus data damages", {}}},
      {"owed_to_vendor", {"what the client owes the vendor: bonuses plus the early termination fee", {}}},
      {"net_to_client", {"owed to the client less owed to the vendor", {}}},
  };
  for (const auto& [name, value] : totals.items()) {
    const auto it = sums.find(name);
    if (it == sums.end()) continue;
    // A total moves with every figure it sums: its basis is every record that moved it.
    out.add("/liability/totals/" + name, "/liability/totals/" + name, false, it->second.second,
            it->second.first + " = " + str(value) + " " + currency);
  }
}

void explain_settlement(const view_json& view, figure_list& out) {
  const auto& settlement = view["settlement"];
  const std::string currency = view.value("currency", "");
  const auto& invoices = settlement["invoices"];
  for (std::size_t i = 0; i < invoices.size(); ++i) {
    const auto& inv = invoices[i];
    const std::string at = "/settlement/invoices/" + std::to_string(i);
    const std::string key = "/settlement/invoices/" + element_key(inv, i);
    const std::string id = str(inv["invoice_id"]);
    out.add(at, key, true, {"/fees/payment_days"},
            "invoice " + id + " for " + str(inv["period"]) + ", issued " + str(inv["issued_at"]) + ", due " + str(inv["due_at"]) +
                " (issue + payment days); status " + str(inv["status"]));
    out.add(at + "/amount", key + "/amount", false, {}, "the amount invoice " + id + " states: " + str(inv["amount"]) + " " + currency);
    out.add(at + "/paid", key + "/paid", false, {},
            "the payments recorded for invoice " + id + ", summed: " + str(inv["paid"]) + " " + currency);
  }
  const std::map<std::string, std::string> sums{{"invoiced", "the sum of the invoices' amounts"},
                                                {"paid", "the sum of the payments recorded"},
                                                {"outstanding", "the sum over invoices of what is unpaid (never below zero)"}};
  for (const auto& [name, value] : settlement["totals"].items())
    if (const auto it = sums.find(name); it != sums.end())
      out.add("/settlement/totals/" + name, "/settlement/totals/" + name, false, {},
              it->second + " = " + str(value) + " " + currency);
}

void explain_termination(const view_json& view, figure_list& out) {
  const auto& termination = view["termination"];
  const auto& grounds = termination["grounds"];
  for (std::size_t i = 0; i < grounds.size(); ++i) {
    const auto& g = grounds[i];
    const std::string party = str(g["party"]);
    const std::string ground = str(g["ground"]);
    std::vector<std::string> terms{notice_pointer(party == "both" ? "client" : party, ground)};
    if (ground == "force_majeure") terms.emplace_back("/termination/force_majeure_days");
    std::string because = "the " + party + " may terminate for " + ground + " since " + str(g["since"]) + " with " +
                          str(g["notice_days"]) + " days' notice";
    if (!g["basis"].empty()) because += ", on " + g["basis"].dump();
    else if (ground == "convenience") because += " (the contract is live)";
    out.add("/termination/grounds/" + std::to_string(i), "/termination/grounds/" + element_key(g, i), true, std::move(terms),
            std::move(because));
  }
  if (const auto& p = termination["pending"]; p.is_object()) {
    const std::string ground = str(p["ground"]);
    std::vector<std::string> terms;
    if (ground != "mutual") terms.push_back(notice_pointer(str(p["by"]), ground));
    out.add("/termination/pending", "/termination/pending", true, std::move(terms),
            "termination by " + str(p["by"]) + " for " + ground + " served " + str(p["served_at"]) + ", effective " +
                str(p["effective_at"]) + " (the later of the date asked for and the notice period)");
  }
  if (const auto& t = termination["terminated"]; t.is_object()) {
    const std::string ground = str(t["ground"]);
    std::vector<std::string> terms;
    if (ground == "expired") terms.emplace_back("/end_date");
    else if (ground != "withdrawn" && ground != "mutual" && t["by"].is_string()) terms.push_back(notice_pointer(str(t["by"]), ground));
    out.add("/termination/terminated", "/termination/terminated", true, std::move(terms),
            "terminated " + str(t["at"]) + (t["by"].is_string() ? " by the " + str(t["by"]) : std::string()) + " (" + ground + ")");
  }
}

} // namespace

explanation_builder::explanation_builder(std::string contract_id) : contract_id_(std::move(contract_id)) {}

outcome explanation_builder::feed(std::int64_t offset, events::decoded decoded) {
  std::optional<record_ref> ref;
  if (decoded) {
    const auto& e = decoded.value();
    ref = record_ref{e.source, e.id, std::string(e.type_as_written), e.time};
  }
  auto result = session_.feed(offset, std::move(decoded));
  if (result.kind == outcome_kind::accepted && ref) {
    records_.push_back(std::move(*ref));
    attribute(records_.size() - 1);
  } else {
    // Not accepted, yet its time may have fired deadlines: the clock, no record.
    attribute(std::nullopt);
  }
  return result;
}

void explanation_builder::advance_to(timestamp now) {
  session_.advance_to(now);
  attribute(std::nullopt);
}

// Only the three parts hold figures. A part whose text did not change is
// not parsed again (most records change one or two of them).
void explanation_builder::attribute(std::optional<std::size_t> record) {
  const auto* c = session_.book().find(contract_id_);
  if (c == nullptr) return;
  auto parts = render_parts(c->state());
  const std::array<std::pair<std::string_view, std::string*>, 3> texts{
      {{"/termination", &parts.termination}, {"/liability", &parts.liability}, {"/settlement", &parts.settlement}}};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto& [prefix, text] = texts[i];
    auto& part = parts_[i];
    if (part.text == *text) continue;
    std::map<std::string, std::string> now;
    flatten(view_json::parse(*text), std::string(prefix), now);
    for (const auto& [key, value] : now) {
      const auto before = part.figures.find(key);
      if (before != part.figures.end() && before->second == value) continue;
      if (record) basis_[key].push_back(*record);
    }
    // A member that is gone (null became an object, an element left a list)
    // is no evidence for what is there now.
    for (const auto& [key, value] : part.figures)
      if (!now.contains(key)) basis_.erase(key);
    part.figures = std::move(now);
    part.text = std::move(*text);
  }
}

std::optional<std::string> explanation_builder::render_json(const std::optional<timestamp>& as_of) const {
  const auto* c = session_.book().find(contract_id_);
  if (c == nullptr) return std::nullopt;
  const auto view = view_json::parse(render_view(c->state()));
  const auto terms = view_json::parse(c->state().terms_json);
  figure_list list(terms);
  explain_termination(view, list);
  explain_liability(view, list);
  explain_settlement(view, list);
  view_json figures = view_json::array();
  for (const auto& f : list.figures()) {
    std::set<std::size_t> basis;
    for (auto it = basis_.lower_bound(f.key); it != basis_.end() && it->first.starts_with(f.key); ++it)
      if (it->first.size() == f.key.size() || (f.whole && it->first[f.key.size()] == '/'))
        basis.insert(it->second.begin(), it->second.end());
    view_json refs = view_json::array();
    for (const auto i : basis) {
      const auto& r = records_[i];
      refs.push_back({{"source", r.source}, {"id", r.id}, {"type", r.type}, {"time", events::format_timestamp(r.time)}});
    }
    figures.push_back({{"path", f.path}, {"value", view.at(pointer(f.path))}, {"basis", std::move(refs)},
                       {"terms", f.terms}, {"because", f.because}});
  }
  view_json out{{"contract_id", contract_id_},
                {"version", view["version"]},
                {"as_of", as_of ? view_json(events::format_timestamp(*as_of)) : view_json(nullptr)},
                {"figures", std::move(figures)}};
  return to_text(out);
}

std::optional<std::string> explanation_builder::render_text(const std::optional<timestamp>& as_of) const {
  const auto json = render_json(as_of);
  if (!json) return std::nullopt;
  const auto doc = view_json::parse(*json);
  const auto* c = session_.book().find(contract_id_);
  const auto terms = view_json::parse(c->state().terms_json);
  std::string out = "Contract " + contract_id_ + ", version " + doc["version"].dump() +
                    (as_of ? ", as of " + events::format_timestamp(*as_of) : std::string()) + "\n";
  for (const auto& f : doc["figures"]) {
    out += "\n" + f["path"].get<std::string>() + " = " + f["value"].dump() + "\n";
    out += "  because " + f["because"].get<std::string>() + "\n";
    if (f["basis"].empty()) out += "  record  none: set by the clock (a deadline fired), not by a record\n";
    for (const auto& r : f["basis"])
      out += "  record  " + r["time"].get<std::string>() + "  " + r["type"].get<std::string>() + "  " + r["source"].get<std::string>() +
             " " + r["id"].get<std::string>() + "\n";
    for (const auto& t : f["terms"])
      out += "  terms   " + t.get<std::string>() + " = " + terms.at(pointer(t.get<std::string>())).dump() + "\n";
  }
  return out;
}

} // namespace pactum::statemachine
