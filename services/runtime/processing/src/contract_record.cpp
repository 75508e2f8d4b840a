#include "pactum/runtime/contract_record.hpp"

#include "pactum/events/terms.hpp"
#include "pactum/statemachine/stored_names.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace pactum::runtime {
namespace {

using namespace statemachine;

// The record format: a format byte, then fields. A field is a tag byte, its
// payload's length (LEB128 varint) and the payload: an integer (zigzag
// varint), a string (its bytes), a boolean (one byte), money (cents as a
// 128-bit zigzag varint), an enum (its stored name,
// stored_names.hpp), or a nested list of fields. A repeated field is the same
// tag again; an optional one is absent when empty. A reader refuses a tag it
// does not know; a field a later build adds is a new tag, and a record
// without it reads with the member's default. The tags of each struct are
// listed by the encoder below (`tag::` enums) and pinned by the golden record.
constexpr char record_format = 5;
__extension__ using uint128 = unsigned __int128;
constexpr char snapshot_format = 5;

namespace contract_tag {
enum : std::uint8_t {
  contract_id = 1, state, version, stream_time, terms, end_date, client_signed, vendor_signed, signed_at, pending,
  terminated, period, breach, invoice, force_majeure, audit, termination_notice_id, data_damages,
  early_termination_fee_owed, deadline, seen, emitted_termination, emitted_liability
};
}
namespace period_tag {
enum : std::uint8_t { month = 1, base, charge, failed, waived, missed_metric, credit, bonus, capped_by };
}
namespace breach_tag {
enum : std::uint8_t { id = 1, kind, by, material, curable, opened_at, cure_deadline, status, closed_at, damages };
}
namespace invoice_tag {
enum : std::uint8_t { id = 1, month, amount, issued_at, due_at, paid, status, lines, reconciliation };
}
namespace line_tag {
enum : std::uint8_t { line = 1, kind = 1, amount = 2 };
}
namespace reconciliation_tag {
enum : std::uint8_t { status = 1, expected, difference };
}
namespace expected_tag {
enum : std::uint8_t { base = 1, contacts, credit, bonus, total };
}
namespace difference_tag {
enum : std::uint8_t { kind = 1, invoiced, expected };
}
namespace fm_tag {
enum : std::uint8_t { id = 1, by, declared_at, ended_at, due, deadline_fired };
}
namespace pending_tag {
enum : std::uint8_t { notice_id = 1, by, ground, served_at, effective_at };
}
namespace terminated_tag {
enum : std::uint8_t { at = 1, by, ground };
}
namespace deadline_tag {
enum : std::uint8_t { due = 1, id, kind, ref };
}
namespace audit_tag {
enum : std::uint8_t { id = 1, passed };
}
namespace snapshot_tag {
enum : std::uint8_t { partition = 1, next_offset, record };
}

class writer {
public:
  explicit writer(std::string& out) : out_(out) {}

  void integer(std::uint8_t tag, std::int64_t v) {
    char buf[10];
    const std::size_t n = varint(buf, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    head(tag, n);
    out_.append(buf, n);
  }
  void unsigned_integer(std::uint8_t tag, std::uint64_t v) {
    char buf[10];
    const std::size_t n = varint(buf, v);
    head(tag, n);
    out_.append(buf, n);
  }
  void text(std::uint8_t tag, std::string_view s) {
    head(tag, s.size());
    out_.append(s);
  }
  void boolean(std::uint8_t tag, bool b) {
    head(tag, 1);
    out_.push_back(b ? '\1' : '\0');
  }
  void money(std::uint8_t tag, cents c) {
    const events::int128 v = c.raw();
    auto z = (static_cast<uint128>(v) << 1) ^ static_cast<uint128>(v >> 127); // zigzag
    char buf[19];
    std::size_t n = 0;
    for (; z >= 0x80; z >>= 7) buf[n++] = static_cast<char>((z & 0x7fU) | 0x80U);
    buf[n++] = static_cast<char>(z);
    head(tag, n);
    out_.append(buf, n);
  }
  void time(std::uint8_t tag, timestamp t) { integer(tag, t.ms); }
  void time(std::uint8_t tag, const std::optional<timestamp>& t) {
    if (t) time(tag, *t);
  }
  template <class Enum>
  void name(std::uint8_t tag, Enum e) {
    text(tag, stored_name(e));
  }
  // A nested list of fields; its length is patched in afterwards (a padded
  // five-byte varint, which every varint reader reads).
  template <class Body>
  void nested(std::uint8_t tag, Body&& body) {
    const char head[6] = {static_cast<char>(tag)};
    out_.append(head, 6);
    const std::size_t at = out_.size() - 5;
    body();
    auto n = static_cast<std::uint32_t>(out_.size() - at - 5);
    for (std::size_t i = 0; i < 5; ++i, n >>= 7)
      out_[at + i] = static_cast<char>((n & 0x7fU) | (i < 4 ? 0x80U : 0U));
  }

private:
  static std::size_t varint(char* buf, std::uint64_t v) {
    std::size_t n = 0;
    for (; v >= 0x80; v >>= 7) buf[n++] = static_cast<char>((v & 0x7fU) | 0x80U);
    buf[n++] = static_cast<char>(v);
    return n;
  }
  void head(std::uint8_t tag, std::size_t n) {
    char buf[11];
    buf[0] = static_cast<char>(tag);
    out_.append(buf, 1 + varint(buf + 1, n));
  }

  std::string& out_;
};

// Thrown inside the decoder, caught at its entry: the bytes are not a record.
struct unreadable {};

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}

  // The next field; false at the end.
  bool next(std::uint8_t& tag, std::string_view& payload) {
    if (in_.empty()) return false;
    tag = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    const std::uint64_t n = varint(in_);
    if (n > in_.size()) throw unreadable{};
    payload = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }

  static std::uint64_t varint(std::string_view& in) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) throw unreadable{};
      const auto b = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7fU) << shift;
      if ((b & 0x80U) == 0) return v;
    }
    throw unreadable{};
  }

private:
  std::string_view in_;
};

std::uint64_t as_unsigned(std::string_view p) {
  const std::uint64_t v = reader::varint(p);
  if (!p.empty()) throw unreadable{};
  return v;
}
std::int64_t as_integer(std::string_view p) {
  const std::uint64_t z = as_unsigned(p);
  return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
}
bool as_bool(std::string_view p) {
  if (p.size() != 1 || static_cast<unsigned char>(p[0]) > 1) throw unreadable{};
  return p[0] == '\1';
}
cents as_money(std::string_view p) {
  uint128 z = 0;
  int shift = 0;
  for (std::size_t i = 0; i < p.size(); ++i, shift += 7) {
    const auto b = static_cast<unsigned char>(p[i]);
    if (shift > 126) throw unreadable{};
    z |= static_cast<uint128>(b & 0x7fU) << shift;
    if ((b & 0x80U) == 0) {
      if (i + 1 != p.size()) throw unreadable{};
      return cents{static_cast<events::int128>((z >> 1) ^ (~(z & 1) + 1))};
    }
  }
  throw unreadable{};
}
timestamp as_time(std::string_view p) { return timestamp{as_integer(p)}; }
template <class Enum>
Enum as_enum(std::string_view p) {
  const auto e = enum_named<Enum>(p);
  if (!e) throw unreadable{};
  return *e;
}
std::int32_t as_int32(std::string_view p) {
  const std::int64_t v = as_integer(p);
  if (v < INT32_MIN || v > INT32_MAX) throw unreadable{};
  return static_cast<std::int32_t>(v);
}

// Calls on_field(tag, payload) for each field; it returns false for a tag it does not know.
template <class OnField>
void fields(std::string_view bytes, OnField&& on_field) {
  reader r(bytes);
  std::uint8_t tag = 0;
  std::string_view payload;
  while (r.next(tag, payload))
    if (!on_field(tag, payload)) throw unreadable{};
}

void write_state(writer& w, const contract_state& c, projection_digests emitted) {
  using namespace contract_tag;
  w.text(contract_id, c.contract_id);
  w.name(state, c.state);
  w.integer(version, c.version);
  w.time(stream_time, c.stream_time);
  w.text(terms, c.terms_json);
  w.integer(end_date, c.terms.end_date.days);
  w.boolean(client_signed, c.client_signed);
  w.boolean(vendor_signed, c.vendor_signed);
  w.time(signed_at, c.signed_at);
  if (c.pending)
    w.nested(pending, [&] {
      using namespace pending_tag;
      if (c.pending->notice_id) w.text(notice_id, *c.pending->notice_id);
      w.name(by, c.pending->by);
      w.text(ground, c.pending->ground);
      w.time(served_at, c.pending->served_at);
      w.time(effective_at, c.pending->effective_at);
    });
  if (c.terminated)
    w.nested(terminated, [&] {
      using namespace terminated_tag;
      w.time(at, c.terminated->at);
      if (c.terminated->by) w.name(by, *c.terminated->by);
      w.text(ground, c.terminated->ground);
    });
  for (const auto& p : c.periods)
    w.nested(period, [&] {
      using namespace period_tag;
      w.integer(month, p.month.months);
      w.money(base, p.base);
      w.money(charge, p.charge);
      w.boolean(failed, p.failed);
      w.boolean(waived, p.waived);
      for (const auto& m : p.missed_metrics) w.text(missed_metric, m);
      w.money(credit, p.credit);
      w.money(bonus, p.bonus);
      w.name(capped_by, p.capped_by);
    });
  for (const auto& b : c.breaches)
    w.nested(breach, [&] {
      using namespace breach_tag;
      w.text(id, b.breach_id);
      w.name(kind, b.kind);
      w.name(by, b.by);
      w.boolean(material, b.material);
      w.boolean(curable, b.curable);
      w.time(opened_at, b.opened_at);
      w.time(cure_deadline, b.cure_deadline);
      w.name(status, b.status);
      w.time(closed_at, b.closed_at);
      w.money(damages, b.damages);
    });
  for (const auto& i : c.invoices)
    w.nested(invoice, [&] {
      using namespace invoice_tag;
      w.text(id, i.invoice_id);
      w.integer(month, i.month.months);
      w.money(amount, i.amount);
      w.time(issued_at, i.issued_at);
      w.time(due_at, i.due_at);
      w.money(paid, i.paid);
      w.name(status, i.status);
      if (i.lines)
        w.nested(lines, [&] {
          for (const auto& l : *i.lines)
            w.nested(line_tag::line, [&] {
              w.name(line_tag::kind, l.kind);
              w.money(line_tag::amount, l.amount);
            });
        });
      w.nested(reconciliation, [&] {
        const auto& r = i.reconciled;
        w.name(reconciliation_tag::status, r.status);
        if (r.expected)
          w.nested(reconciliation_tag::expected, [&] {
            using namespace expected_tag;
            w.money(base, r.expected->base);
            w.money(contacts, r.expected->contacts);
            w.money(credit, r.expected->credit);
            w.money(bonus, r.expected->bonus);
            w.money(total, r.expected->total);
          });
        for (const auto& d : r.differences)
          w.nested(reconciliation_tag::difference, [&] {
            w.text(difference_tag::kind, d.kind);
            w.money(difference_tag::invoiced, d.invoiced);
            w.money(difference_tag::expected, d.expected);
          });
      });
    });
  for (const auto& f : c.force_majeures)
    w.nested(force_majeure, [&] {
      using namespace fm_tag;
      w.text(id, f.fm_id);
      w.name(by, f.by);
      w.time(declared_at, f.declared_at);
      w.time(ended_at, f.ended_at);
      w.time(due, f.due);
      w.boolean(deadline_fired, f.deadline_fired);
    });
  // (No structured bindings captured below: clang 14, the tidy build's, cannot.)
  for (const auto& a : c.audits)
    w.nested(audit, [&] {
      w.text(audit_tag::id, a.first);
      w.boolean(audit_tag::passed, a.second);
    });
  for (const auto& id : c.termination_notice_ids) w.text(termination_notice_id, id);
  w.money(data_damages, c.data_damages);
  w.boolean(early_termination_fee_owed, c.early_termination_fee_owed);
  for (const auto& entry : c.deadlines.pending())
    w.nested(deadline, [&] {
      using namespace deadline_tag;
      w.time(due, entry.first.due);
      w.text(id, entry.first.id);
      w.name(kind, entry.second.kind);
      w.text(ref, entry.second.ref);
    });
  // Sorted: the same state gives the same bytes.
  for (const auto k : c.seen.sorted_keys()) w.text(seen, k);
  w.unsigned_integer(emitted_termination, emitted.termination);
  w.unsigned_integer(emitted_liability, emitted.liability);
}

// The static name a difference's kind points to (a line kind, or "total").
std::string_view difference_kind(std::string_view p) {
  if (p == "total") return "total";
  return stored_name(as_enum<events::invoice_line_kind>(p));
}

contract_record read_state(std::string_view bytes) {
  contract_record out;
  contract_state& c = out.state;
  bool has_terms = false;
  fields(bytes, [&](std::uint8_t tag, std::string_view p) {
    using namespace contract_tag;
    switch (tag) {
    case contract_id: c.contract_id = p; break;
    case state: c.state = as_enum<lifecycle>(p); break;
    case version: c.version = as_integer(p); break;
    case stream_time: c.stream_time = as_time(p); break;
    case terms: {
      auto parsed = events::parse_terms(p);
      if (!parsed) throw unreadable{};
      const auto end = c.terms.end_date; // an end_date field may have come first
      c.terms = std::move(parsed.value());
      if (has_terms) throw unreadable{};
      if (end.days != 0) c.terms.end_date = end;
      c.terms_json = p;
      has_terms = true;
      break;
    }
    case end_date: c.terms.end_date = events::date{as_int32(p)}; break;
    case client_signed: c.client_signed = as_bool(p); break;
    case vendor_signed: c.vendor_signed = as_bool(p); break;
    case signed_at: c.signed_at = as_time(p); break;
    case pending: {
      pending_termination t{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace pending_tag;
        switch (f) {
        case notice_id: t.notice_id = std::string(v); return true;
        case by: t.by = as_enum<terminating_party>(v); return true;
        case ground: t.ground = v; return true;
        case served_at: t.served_at = as_time(v); return true;
        case effective_at: t.effective_at = as_time(v); return true;
        default: return false;
        }
      });
      c.pending = std::move(t);
      break;
    }
    case terminated: {
      termination_record t{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace terminated_tag;
        switch (f) {
        case at: t.at = as_time(v); return true;
        case by: t.by = as_enum<terminating_party>(v); return true;
        case ground: t.ground = v; return true;
        default: return false;
        }
      });
      c.terminated = std::move(t);
      break;
    }
    case period: {
      period_result r{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace period_tag;
        switch (f) {
        case month: r.month = events::period{as_int32(v)}; return true;
        case base: r.base = as_money(v); return true;
        case charge: r.charge = as_money(v); return true;
        case failed: r.failed = as_bool(v); return true;
        case waived: r.waived = as_bool(v); return true;
        case missed_metric: r.missed_metrics.emplace_back(v); return true;
        case credit: r.credit = as_money(v); return true;
        case bonus: r.bonus = as_money(v); return true;
        case capped_by: r.capped_by = as_enum<credit_cap>(v); return true;
        default: return false;
        }
      });
      c.periods.push_back(std::move(r));
      break;
    }
    case breach: {
      statemachine::breach b{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace breach_tag;
        switch (f) {
        case id: b.breach_id = v; return true;
        case kind: b.kind = as_enum<breach_kind>(v); return true;
        case by: b.by = as_enum<party>(v); return true;
        case material: b.material = as_bool(v); return true;
        case curable: b.curable = as_bool(v); return true;
        case opened_at: b.opened_at = as_time(v); return true;
        case cure_deadline: b.cure_deadline = as_time(v); return true;
        case status: b.status = as_enum<breach_status>(v); return true;
        case closed_at: b.closed_at = as_time(v); return true;
        case damages: b.damages = as_money(v); return true;
        default: return false;
        }
      });
      c.breach_index.emplace(b.breach_id, c.breaches.size());
      c.breaches.push_back(std::move(b));
      break;
    }
    case invoice: {
      statemachine::invoice i{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace invoice_tag;
        switch (f) {
        case id: i.invoice_id = v; return true;
        case month: i.month = events::period{as_int32(v)}; return true;
        case amount: i.amount = as_money(v); return true;
        case issued_at: i.issued_at = as_time(v); return true;
        case due_at: i.due_at = as_time(v); return true;
        case paid: i.paid = as_money(v); return true;
        case status: i.status = as_enum<invoice_status>(v); return true;
        case lines:
          i.lines.emplace();
          fields(v, [&](std::uint8_t lt, std::string_view lv) {
            if (lt != line_tag::line) return false;
            events::invoice_line l{};
            fields(lv, [&](std::uint8_t ft, std::string_view fv) {
              if (ft == line_tag::kind) l.kind = as_enum<events::invoice_line_kind>(fv);
              else if (ft == line_tag::amount) l.amount = as_money(fv);
              else return false;
              return true;
            });
            i.lines->push_back(l);
            return true;
          });
          return true;
        case reconciliation:
          fields(v, [&](std::uint8_t rt, std::string_view rv) {
            auto& r = i.reconciled;
            switch (rt) {
            case reconciliation_tag::status: r.status = as_enum<reconciliation_status>(rv); return true;
            case reconciliation_tag::expected:
              r.expected.emplace();
              fields(rv, [&](std::uint8_t et, std::string_view ev) {
                using namespace expected_tag;
                switch (et) {
                case base: r.expected->base = as_money(ev); return true;
                case contacts: r.expected->contacts = as_money(ev); return true;
                case credit: r.expected->credit = as_money(ev); return true;
                case bonus: r.expected->bonus = as_money(ev); return true;
                case total: r.expected->total = as_money(ev); return true;
                default: return false;
                }
              });
              return true;
            case reconciliation_tag::difference: {
              invoice_difference d{};
              fields(rv, [&](std::uint8_t dt, std::string_view dv) {
                switch (dt) {
                case difference_tag::kind: d.kind = difference_kind(dv); return true;
                case difference_tag::invoiced: d.invoiced = as_money(dv); return true;
                case difference_tag::expected: d.expected = as_money(dv); return true;
                default: return false;
                }
              });
              r.differences.push_back(d);
              return true;
            }
            default: return false;
            }
          });
          return true;
        default: return false;
        }
      });
      c.invoice_index.emplace(i.invoice_id, c.invoices.size());
      c.invoices.push_back(std::move(i));
      break;
    }
    case force_majeure: {
      statemachine::force_majeure m{};
      fields(p, [&](std::uint8_t f, std::string_view v) {
        using namespace fm_tag;
        switch (f) {
        case id: m.fm_id = v; return true;
        case by: m.by = as_enum<party>(v); return true;
        case declared_at: m.declared_at = as_time(v); return true;
        case ended_at: m.ended_at = as_time(v); return true;
        case due: m.due = as_time(v); return true;
        case deadline_fired: m.deadline_fired = as_bool(v); return true;
        default: return false;
        }
      });
      c.fm_index.emplace(m.fm_id, c.force_majeures.size());
      c.force_majeures.push_back(std::move(m));
      break;
    }
    case audit: {
      std::string id;
      bool passed = false;
      fields(p, [&](std::uint8_t f, std::string_view v) {
        if (f == audit_tag::id) id = v;
        else if (f == audit_tag::passed) passed = as_bool(v);
        else return false;
        return true;
      });
      c.audits.emplace(std::move(id), passed);
      break;
    }
    case termination_notice_id: c.termination_notice_ids.emplace(p); break;
    case data_damages: c.data_damages = as_money(p); break;
    case early_termination_fee_owed: c.early_termination_fee_owed = as_bool(p); break;
    case deadline: {
      timestamp due{};
      std::string id;
      deadline_kind kind{};
      std::string ref;
      fields(p, [&](std::uint8_t f, std::string_view v) {
        switch (f) {
        case deadline_tag::due: due = as_time(v); return true;
        case deadline_tag::id: id = v; return true;
        case deadline_tag::kind: kind = as_enum<deadline_kind>(v); return true;
        case deadline_tag::ref: ref = v; return true;
        default: return false;
        }
      });
      c.deadlines.schedule(due, std::move(id), kind, std::move(ref));
      break;
    }
    case seen: c.seen.insert(p); break;
    case emitted_termination: out.emitted.termination = as_unsigned(p); break;
    case emitted_liability: out.emitted.liability = as_unsigned(p); break;
    default: return false;
    }
    return true;
  });
  if (c.contract_id.empty() || !has_terms) throw unreadable{};
  return out;
}

} // namespace

std::string encode_contract_record(const statemachine::contract_state& state, projection_digests emitted) {
  std::string out(1, record_format);
  out.reserve(4096);
  writer w(out);
  write_state(w, state, emitted);
  return out;
}

std::optional<contract_record> decode_contract_record(std::string_view bytes) try {
  if (bytes.empty() || bytes.front() != record_format) return std::nullopt;
  return read_state(bytes.substr(1));
} catch (const unreadable&) {
  return std::nullopt;
}

std::string encode_snapshot_record(std::int32_t partition, std::int64_t next_offset, std::string_view record) {
  std::string out(1, snapshot_format);
  out.reserve(record.size() + 32);
  writer w(out);
  w.integer(snapshot_tag::partition, partition);
  w.integer(snapshot_tag::next_offset, next_offset);
  w.text(snapshot_tag::record, record);
  return out;
}

std::optional<snapshot_record> decode_snapshot_record(std::string_view bytes) try {
  if (bytes.empty() || bytes.front() != snapshot_format) return std::nullopt;
  snapshot_record out;
  bool has_record = false;
  fields(bytes.substr(1), [&](std::uint8_t tag, std::string_view p) {
    switch (tag) {
    case snapshot_tag::partition: out.partition = as_int32(p); return true;
    case snapshot_tag::next_offset: out.next_offset = as_integer(p); return true;
    case snapshot_tag::record:
      out.record = p;
      has_record = true;
      return true;
    default: return false;
    }
  });
  if (!has_record) return std::nullopt;
  return out;
} catch (const unreadable&) {
  return std::nullopt;
}

std::optional<std::int64_t> earliest_due(const statemachine::contract_state& state) {
  const auto& pending = state.deadlines.pending();
  if (pending.empty()) return std::nullopt;
  return pending.begin()->first.due.ms;
}

} // namespace pactum::runtime
