#include "pactum/statemachine/view.hpp"

#include "pactum/statemachine/termination.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

namespace pactum::statemachine {
namespace {

// A compact JSON writer: members in the order written, the escaping of
// nlohmann::json::dump (so both render the same bytes).
class writer {
public:
  explicit writer(std::string& out) : out_(out) {}

  writer& begin_object() { return open('{'); }
  writer& end_object() { return close('}'); }
  writer& begin_array() { return open('['); }
  writer& end_array() { return close(']'); }
  writer& key(std::string_view k) {
    separate();
    quote(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  writer& string(std::string_view s) {
    separate();
    quote(s);
    return *this;
  }
  writer& raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
  }
  writer& integer(std::int64_t v) {
    separate();
    std::array<char, 24> b{};
    const auto [end, ec] = std::to_chars(b.data(), b.data() + b.size(), v);
    out_.append(b.data(), end);
    return *this;
  }
  writer& boolean(bool v) { return raw(v ? "true" : "false"); }
  writer& null() { return raw("null"); }
  // The values below need no escaping: they are written straight into the buffer.
  writer& time(timestamp t) { return quoted([t](std::string& out) { events::append_timestamp(out, t); }); }
  writer& time(const std::optional<timestamp>& t) { return t ? time(*t) : null(); }
  writer& date(events::date d) { return quoted([d](std::string& out) { events::append_date(out, d); }); }
  writer& period(events::period p) { return quoted([p](std::string& out) { events::append_period(out, p); }); }
  writer& money(cents c) { return quoted([c](std::string& out) { events::append_money(out, c); }); }

private:
  writer& open(char c) {
    separate();
    out_ += c;
    first_ = true;
    return *this;
  }
  writer& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }
  template <class Append>
  writer& quoted(Append append) {
    separate();
    out_ += '"';
    append(out_);
    out_ += '"';
    return *this;
  }
  static bool plain(char ch) { return ch != '"' && ch != '\\' && static_cast<unsigned char>(ch) >= 0x20; }
  // Runs of characters that need no escaping are appended at once.
  void quote(std::string_view s) {
    out_ += '"';
    while (!s.empty()) {
      const auto run = static_cast<std::size_t>(std::find_if_not(s.begin(), s.end(), plain) - s.begin());
      out_.append(s.data(), run);
      s.remove_prefix(run);
      if (s.empty()) break;
      const char ch = s.front();
      s.remove_prefix(1);
      switch (ch) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default: { // the other control characters
        std::array<char, 7> buf{};
        std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
        out_ += buf.data();
      }
      }
    }
    out_ += '"';
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

std::string_view to_string(credit_cap c) {
  switch (c) {
  case credit_cap::none: return "";
  case credit_cap::monthly: return "monthly";
  case credit_cap::annual: return "annual";
  }
  return "";
}

void write_party(writer& w, const events::party_info& p) {
  w.begin_object().key("id").string(p.id).key("name").string(p.name).end_object();
}

} // namespace

std::string render_termination(const contract_state& c) {
  std::string out;
  out.reserve(512);
  writer w(out);
  w.begin_object().key("grounds").begin_array();
  for (const auto& g : available_grounds(c)) {
    w.begin_object()
        .key("party").string(events::to_string(g.who))
        .key("ground").string(g.ground)
        .key("since").time(g.since)
        .key("notice_days").integer(g.notice_days)
        .key("basis").begin_array();
    for (const auto& b : g.basis) w.string(b);
    w.end_array().end_object();
  }
  w.end_array().key("pending");
  if (c.pending) {
    w.begin_object().key("notice_id");
    if (c.pending->notice_id) w.string(*c.pending->notice_id);
    else w.null();
    w.key("by").string(to_string(c.pending->by))
        .key("ground").string(c.pending->ground)
        .key("served_at").time(c.pending->served_at)
        .key("effective_at").time(c.pending->effective_at)
        .end_object();
  } else {
    w.null();
  }
  w.key("terminated");
  if (c.terminated) {
    w.begin_object().key("at").time(c.terminated->at).key("by");
    if (c.terminated->by) w.string(to_string(*c.terminated->by));
    else w.null();
    w.key("ground").string(c.terminated->ground).end_object();
  } else {
    w.null();
  }
  w.end_object();
  return out;
}

std::string render_liability(const contract_state& c) {
  std::string out;
  out.reserve(4096);
  writer w(out);
  cents credits;
  cents bonuses;
  w.begin_object().key("periods").begin_array();
  for (const auto& p : c.periods) {
    w.begin_object()
        .key("period").period(p.month)
        .key("charge").money(p.charge)
        .key("failed").boolean(p.failed)
        .key("waived").boolean(p.waived)
        .key("missed_metrics").begin_array();
    for (const auto& m : p.missed_metrics) w.string(m);
    w.end_array().key("credit").money(p.credit).key("bonus").money(p.bonus).key("capped_by");
    if (p.capped_by == credit_cap::none) w.null();
    else w.string(to_string(p.capped_by));
    w.end_object();
    credits += p.credit;
    bonuses += p.bonus;
  }
  w.end_array().key("breaches").begin_array();
  for (const auto& b : c.breaches) {
    w.begin_object()
        .key("breach_id").string(b.breach_id)
        .key("kind").string(to_string(b.kind))
        .key("by").string(events::to_string(b.by))
        .key("material").boolean(b.material)
        .key("curable").boolean(b.curable)
        .key("opened_at").time(b.opened_at)
        .key("cure_deadline").time(b.cure_deadline)
        .key("status").string(to_string(b.status))
        .key("closed_at").time(b.closed_at)
        .key("damages").money(b.damages)
        .end_object();
  }
  const cents fee = c.early_termination_fee_owed ? c.terms.early_termination_fee : cents{};
  const cents to_client = credits + c.data_damages;
  const cents to_vendor = bonuses + fee;
  const bool priority = c.periods.size() >= 12 &&
                        std::none_of(c.periods.begin(), c.periods.end(), [](const period_result& p) { return p.counts(); });
  w.end_array()
      .key("totals").begin_object()
      .key("service_credits").money(credits)
      .key("bonuses").money(bonuses)
      .key("data_damages").money(c.data_damages)
      .key("early_termination_fee").money(fee)
      .key("owed_to_client").money(to_client)
      .key("owed_to_vendor").money(to_vendor)
      .key("net_to_client").money(to_client - to_vendor)
      .end_object()
      .key("renewal_priority").boolean(priority)
      .end_object();
  return out;
}

std::string render_settlement(const contract_state& c) {
  std::string out;
  out.reserve(4096);
  writer w(out);
  cents invoiced;
  cents paid;
  cents outstanding;
  std::array<std::int64_t, 3> counts{}; // by reconciliation_status
  w.begin_object().key("invoices").begin_array();
  for (const auto& inv : c.invoices) {
    w.begin_object()
        .key("invoice_id").string(inv.invoice_id)
        .key("period").period(inv.month)
        .key("amount").money(inv.amount)
        .key("issued_at").time(inv.issued_at)
        .key("due_at").time(inv.due_at)
        .key("paid").money(inv.paid)
        .key("status").string(to_string(inv.status))
        .key("lines");
    if (inv.lines) {
      w.begin_array();
      for (const auto& line : *inv.lines)
        w.begin_object().key("kind").string(events::to_string(line.kind)).key("amount").money(line.amount).end_object();
      w.end_array();
    } else {
      w.null();
    }
    const reconciliation& r = inv.reconciled;
    ++counts[static_cast<std::size_t>(r.status)];
    w.key("reconciliation").begin_object().key("status").string(to_string(r.status)).key("expected");
    if (r.expected)
      w.begin_object()
          .key("base").money(r.expected->base)
          .key("contacts").money(r.expected->contacts)
          .key("credit").money(r.expected->credit)
          .key("bonus").money(r.expected->bonus)
          .key("total").money(r.expected->total)
          .end_object();
    else
      w.null();
    w.key("differences").begin_array();
    for (const auto& d : r.differences)
      w.begin_object().key("kind").string(d.kind).key("invoiced").money(d.invoiced).key("expected").money(d.expected).end_object();
    w.end_array().end_object().end_object();
    invoiced += inv.amount;
    paid += inv.paid;
    if (inv.amount > inv.paid) outstanding += inv.amount - inv.paid;
  }
  w.end_array()
      .key("totals").begin_object()
      .key("invoiced").money(invoiced)
      .key("paid").money(paid)
      .key("outstanding").money(outstanding)
      .end_object()
      .key("reconciliation").begin_object()
      .key("matches").integer(counts[0])
      .key("differs").integer(counts[1])
      .key("period_unreported").integer(counts[2])
      .end_object()
      .end_object();
  return out;
}

view_parts render_parts(const contract_state& c) {
  return {render_termination(c), render_liability(c), render_settlement(c)};
}

std::string render_view(const contract_state& c) { return render_view(c, render_parts(c)); }

std::string render_view(const contract_state& c, const view_parts& parts) {
  std::string out;
  // The parts and about a kilobyte around them: a view grown by doubling was
  // copied twice on the way, into fresh pages each time (perf of a drain).
  out.reserve(1024 + parts.termination.size() + parts.liability.size() + parts.settlement.size());
  writer w(out);
  w.begin_object()
      .key("contract_id").string(c.contract_id)
      .key("state").string(to_string(c.state))
      .key("version").integer(c.version)
      .key("stream_time").time(c.stream_time)
      .key("client");
  write_party(w, c.terms.client);
  w.key("vendor");
  write_party(w, c.terms.vendor);
  w.key("currency").string(c.terms.currency)
      .key("start_date").date(c.terms.start_date)
      .key("end_date").date(c.terms.end_date)
      .key("signed_by").begin_array();
  if (c.client_signed) w.string("client");
  if (c.vendor_signed) w.string("vendor");
  w.end_array()
      .key("signed_at").time(c.signed_at)
      .key("termination").raw(parts.termination)
      .key("liability").raw(parts.liability)
      .key("settlement").raw(parts.settlement)
      .end_object();
  return out;
}

std::string render_projection(const contract_state& c, std::string_view part_name, const std::string& part) {
  std::string out;
  out.reserve(256 + c.contract_id.size() + part.size());
  writer w(out);
  w.begin_object()
      .key("contract_id").string(c.contract_id)
      .key("state").string(to_string(c.state))
      .key("version").integer(c.version)
      .key(part_name).raw(part)
      .end_object();
  return out;
}

std::string to_text(const view_json& v) { return v.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace); }

} // namespace pactum::statemachine
