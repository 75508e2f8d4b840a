// The contract aggregate's data (spec sections 3-11): what the rules decide on
// and what the read model renders. Plain data; the lifecycle is owned by the
// Boost.MSM machine in machine.cpp, which mirrors its state into `state`.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/terms.hpp"
#include "pactum/events/values.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::statemachine {

using events::cents;
using events::party;
using events::period;
using events::timestamp;

enum class lifecycle : std::uint8_t { draft, signed_, in_breach, terminated };
[[nodiscard]] std::string_view to_string(lifecycle s);
[[nodiscard]] constexpr bool is_live(lifecycle s) { return s == lifecycle::signed_ || s == lifecycle::in_breach; }

enum class breach_kind : std::uint8_t { persistent_sla_failure, data_incident, audit_failure, notice, late_payment };
enum class breach_status : std::uint8_t { open, uncured, cured, waived };
[[nodiscard]] std::string_view to_string(breach_kind k);
[[nodiscard]] std::string_view to_string(breach_status s);

struct breach {
  std::string breach_id;
  breach_kind kind;
  party by; // the breaching party
  bool material;
  bool curable;
  timestamp opened_at;
  std::optional<timestamp> cure_deadline;
  breach_status status;
  std::optional<timestamp> closed_at;
  cents damages;

  [[nodiscard]] bool is_active() const { return status == breach_status::open || status == breach_status::uncured; }
};

enum class credit_cap : std::uint8_t { none, monthly, annual };

struct period_result {
  period month;
  cents base; // the monthly_base that made up the charge (reconciliation, section 17)
  cents charge;
  bool failed;
  bool waived;
  std::vector<std::string> missed_metrics; // sorted
  cents credit;
  cents bonus;
  credit_cap capped_by;

  [[nodiscard]] bool counts() const { return failed && !waived; }
};

enum class invoice_status : std::uint8_t { open, overdue, paid };
[[nodiscard]] std::string_view to_string(invoice_status s);

// Spec section 17: an invoice against the period it bills, decided when the
// invoice is accepted and never recomputed.
enum class reconciliation_status : std::uint8_t { matches, differs, period_unreported };
[[nodiscard]] std::string_view to_string(reconciliation_status s);

struct expected_invoice {
  cents base;
  cents contacts;
  cents credit;
  cents bonus;
  cents total;
};

struct invoice_difference {
  std::string_view kind; // a line kind, or "total"
  cents invoiced;
  cents expected;
};

struct reconciliation {
  reconciliation_status status = reconciliation_status::period_unreported;
  std::optional<expected_invoice> expected;
  std::vector<invoice_difference> differences;
};

struct invoice {
  std::string invoice_id;
  period month;
  cents amount;
  timestamp issued_at;
  timestamp due_at;
  cents paid;
  invoice_status status;
  std::optional<std::vector<events::invoice_line>> lines; // empty: not itemised
  reconciliation reconciled;
};

struct force_majeure {
  std::string fm_id;
  party by;
  timestamp declared_at;
  std::optional<timestamp> ended_at;
  timestamp due; // declared_at + force_majeure_days
  bool deadline_fired;
};

// Who ends the contract: a party, or both for a mutual termination.
enum class terminating_party : std::uint8_t { client, vendor, both };
[[nodiscard]] std::string_view to_string(terminating_party p);
[[nodiscard]] constexpr terminating_party terminating(party p) {
  return p == party::client ? terminating_party::client : terminating_party::vendor;
}

struct pending_termination {
  std::optional<std::string> notice_id; // empty for a mutual termination
  terminating_party by;
  std::string ground;
  timestamp served_at;
  timestamp effective_at;
};

struct termination_record {
  timestamp at;
  std::optional<terminating_party> by; // empty for expiry and withdrawal
  std::string ground;
};

enum class deadline_kind : std::uint8_t { cure, invoice_due, force_majeure, termination, expiry };

// Deadlines fire in (due, id) order, ids compared byte-wise.
struct deadline_key {
  timestamp due;
  std::string id;
  friend auto operator<=>(const deadline_key&, const deadline_key&) = default;
};

struct deadline {
  deadline_kind kind;
  std::string ref; // the breach, invoice, fm or notice the deadline belongs to
};

// The contract's pending deadlines, in firing order, with lookup by id. A
// contract has a handful pending: a sorted vector, searched linearly by id,
// costs less than a tree and an index (no node per deadline). Keeps the
// earliest due time at hand: most events find nothing due, and answering that
// must not touch the entries.
class deadline_queue {
public:
  using entry = std::pair<deadline_key, deadline>;
  using entries = std::vector<entry>; // sorted by key: firing order

  void schedule(timestamp due, std::string id, deadline_kind kind, std::string ref);
  void cancel(const std::string& id);
  void clear();
  // The first deadline due at or before `limit`, taken out of the queue.
  [[nodiscard]] std::optional<entry> pop_due(timestamp limit);
  // When the pending deadline `id` is due; empty if it is not pending.
  [[nodiscard]] std::optional<timestamp> due_of(const std::string& id) const;
  [[nodiscard]] const entries& pending() const { return queue_; }

private:
  [[nodiscard]] entries::const_iterator find(const std::string& id) const;
  void refresh_earliest();

  entries queue_;
  timestamp earliest_{INT64_MAX};
};

// The identities (source, id) of the events a contract remembers for
// duplicate detection (spec section 15), as seen_key writes them. Most lookups
// are misses: a miss is one probe of a table of 64-bit hashes, with no key
// built and no text touched. The keys' text lives end to end in one string
// (no allocation per key); a key whose hash an earlier, different key has is
// kept whole on the side, so a collision never makes two identities one.
class seen_events {
public:
  // A hash of a key's bytes, given in pieces (tests give one that collides).
  using hash_function = std::uint64_t (*)(std::span<const std::string_view> pieces);
  [[nodiscard]] static std::uint64_t fnv1a(std::span<const std::string_view> pieces);

  explicit seen_events(hash_function hash = &fnv1a) : hash_(hash) {}

  // A key to look up, whole (seen_key's form: what snapshots and the store
  // keep) or as (source, id), hashed once: for a lookup and the insert that
  // may follow it, in the memory it was made for (whose hash it carries).
  // It views the texts it is made from.
  class key {
  public:
    key(const seen_events& memory, std::string_view whole);
    key(const seen_events& memory, std::string_view source, std::string_view id);
    key(const key&) = delete; // its parts may point into `length_`
    key& operator=(const key&) = delete;
    ~key() = default;

  private:
    friend class seen_events;
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] bool equals(std::string_view text) const;
    void append_to(std::string& out) const;
    [[nodiscard]] std::string whole() const;

    std::array<char, 24> length_{};
    std::array<std::string_view, 4> parts_;
    std::uint64_t hash_ = 0;
  };
  [[nodiscard]] bool contains(const key& k) const;
  void insert(const key& k);
  [[nodiscard]] bool contains(std::string_view source, std::string_view id) const { return contains(key(*this, source, id)); }
  void insert(std::string_view source, std::string_view id) { insert(key(*this, source, id)); }
  [[nodiscard]] bool contains(std::string_view whole) const { return contains(key(*this, whole)); }
  void insert(std::string_view whole) { insert(key(*this, whole)); }

  [[nodiscard]] bool empty() const { return by_hash_.empty(); }
  [[nodiscard]] std::size_t size() const { return by_hash_.size() + collided_.size(); }
  // Every key, in byte order: the same memory gives the same bytes.
  [[nodiscard]] std::vector<std::string_view> sorted_keys() const;

private:
  // 8 bytes a table entry beside its hash: a contract's keys past 4 GiB of
  // text (none in practice) are kept whole on the side, like a collision.
  struct stored {
    std::uint32_t at;
    std::uint32_t size;
  };
  [[nodiscard]] std::string_view text_of(stored s) const { return std::string_view(text_).substr(s.at, s.size); }

  hash_function hash_;
  std::string text_; // every key of by_hash_, end to end
  boost::unordered_flat_map<std::uint64_t, stored> by_hash_;
  boost::unordered_flat_set<std::string> collided_;
};

// Positions in a vector by the id of the element there (a contract's
// invoices, breaches, force majeures): the 64-bit FNV-1a hash of each id,
// sorted, with its position. A lookup compares the ids of the entries with the
// hash it looks for, so a collision never makes two ids one. A contract has
// tens of each: 16 bytes an entry, where a map keyed by the id's string took
// about 2 KB a contract over the three (the 1M history, measured).
class id_index {
public:
  // Tests give a hash that collides (seen_events::hash_function).
  explicit id_index(seen_events::hash_function hash_of = &seen_events::fnv1a) : hash_(hash_of) {}

  // Indexes `position` under `id`; an id indexed twice finds its first position.
  void emplace(std::string_view id, std::size_t position);
  // The position of `id`, where `id_at(position)` is the id of the element there.
  template <class IdAt>
  [[nodiscard]] std::optional<std::size_t> find(std::string_view id, IdAt&& id_at) const {
    const std::uint64_t h = hash(id);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), h, [](const entry& e, std::uint64_t v) { return e.hash < v; });
    for (; it != entries_.end() && it->hash == h; ++it)
      if (std::string_view(id_at(it->position)) == id) return it->position;
    return std::nullopt;
  }

private:
  struct entry {
    std::uint64_t hash;
    std::uint32_t position;
  };
  [[nodiscard]] std::uint64_t hash(std::string_view id) const { return hash_(std::span<const std::string_view>(&id, 1)); }

  seen_events::hash_function hash_;
  std::vector<entry> entries_; // by hash, then in order of emplace
};

struct contract_state {
  std::string contract_id;
  lifecycle state = lifecycle::draft;
  std::int64_t version = 0;
  timestamp stream_time;
  events::contract_terms terms; // end_date moves with renewals
  std::string terms_json; // the terms as written (compact JSON), for snapshots
  bool client_signed = false;
  bool vendor_signed = false;
  std::optional<timestamp> signed_at;
  std::optional<pending_termination> pending;
  std::optional<termination_record> terminated;

  std::vector<period_result> periods; // in period order
  std::vector<breach> breaches;       // in opening order
  id_index breach_index;
  std::vector<invoice> invoices; // in issue order
  id_index invoice_index;
  std::vector<force_majeure> force_majeures; // in declaration order
  id_index fm_index;
  std::map<std::string, bool> audits; // audit_id -> passed
  std::set<std::string> termination_notice_ids;
  cents data_damages;
  bool early_termination_fee_owed = false;

  deadline_queue deadlines;

  seen_events seen;

  [[nodiscard]] breach* find_breach(const std::string& id);
  [[nodiscard]] invoice* find_invoice(const std::string& id);
  [[nodiscard]] force_majeure* find_fm(const std::string& id);
  [[nodiscard]] bool has_active_breach() const;
};

// The duplicate-memory key of the event identity (source, id): injective.
[[nodiscard]] std::string seen_key(std::string_view source, std::string_view id);
[[nodiscard]] std::string seen_key(const events::event& e);

} // namespace pactum::statemachine
