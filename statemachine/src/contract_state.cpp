#include "pactum/statemachine/contract_state.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace pactum::statemachine {

std::string_view to_string(lifecycle s) {
  switch (s) {
  case lifecycle::draft: return "draft";
  case lifecycle::signed_: return "signed";
  case lifecycle::in_breach: return "in_breach";
  case lifecycle::terminated: return "terminated";
  }
  return "draft";
}

std::string_view to_string(breach_kind k) {
  switch (k) {
  case breach_kind::persistent_sla_failure: return "persistent_sla_failure";
  case breach_kind::data_incident: return "data_incident";
  case breach_kind::audit_failure: return "audit_failure";
  case breach_kind::notice: return "notice";
  case breach_kind::late_payment: return "late_payment";
  }
  return "notice";
}

std::string_view to_string(breach_status s) {
  switch (s) {
  case breach_status::open: return "open";
  case breach_status::uncured: return "uncured";
  case breach_status::cured: return "cured";
  case breach_status::waived: return "waived";
  }
  return "open";
}

std::string_view to_string(invoice_status s) {
  switch (s) {
  case invoice_status::open: return "open";
  case invoice_status::overdue: return "overdue";
  case invoice_status::paid: return "paid";
  }
  return "open";
}

std::string_view to_string(terminating_party p) {
  switch (p) {
  case terminating_party::client: return "client";
  case terminating_party::vendor: return "vendor";
  case terminating_party::both: return "both";
  }
  return "both";
}

void deadline_queue::schedule(timestamp due, std::string id, deadline_kind kind, std::string ref) {
  cancel(id);
  deadline_key key{due, std::move(id)};
  const auto at = std::upper_bound(queue_.begin(), queue_.end(), key, [](const deadline_key& k, const entry& e) { return k < e.first; });
  queue_.emplace(at, std::move(key), deadline{kind, std::move(ref)});
  earliest_ = std::min(earliest_, due);
}

deadline_queue::entries::const_iterator deadline_queue::find(const std::string& id) const {
  return std::find_if(queue_.begin(), queue_.end(), [&id](const entry& e) { return e.first.id == id; });
}

void deadline_queue::cancel(const std::string& id) {
  const auto it = find(id);
  if (it == queue_.end()) return;
  queue_.erase(it);
  refresh_earliest();
}

void deadline_queue::clear() {
  queue_.clear();
  refresh_earliest();
}

std::optional<deadline_queue::entry> deadline_queue::pop_due(timestamp limit) {
  if (earliest_ > limit) return std::nullopt;
  entry first = std::move(queue_.front());
  queue_.erase(queue_.begin());
  refresh_earliest();
  return first;
}

std::optional<timestamp> deadline_queue::due_of(const std::string& id) const {
  const auto it = find(id);
  if (it == queue_.end()) return std::nullopt;
  return it->first.due;
}

void deadline_queue::refresh_earliest() {
  earliest_ = queue_.empty() ? timestamp{INT64_MAX} : queue_.front().first.due;
}

void id_index::emplace(std::string_view id, std::size_t position) {
  const entry e{hash(id), static_cast<std::uint32_t>(position)};
  entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), e,
                                   [](const entry& a, const entry& b) { return a.hash < b.hash; }),
                  e);
}

breach* contract_state::find_breach(const std::string& id) {
  const auto at = breach_index.find(id, [&](std::size_t i) -> const std::string& { return breaches[i].breach_id; });
  return at ? &breaches[*at] : nullptr;
}

invoice* contract_state::find_invoice(const std::string& id) {
  const auto at = invoice_index.find(id, [&](std::size_t i) -> const std::string& { return invoices[i].invoice_id; });
  return at ? &invoices[*at] : nullptr;
}

force_majeure* contract_state::find_fm(const std::string& id) {
  const auto at = fm_index.find(id, [&](std::size_t i) -> const std::string& { return force_majeures[i].fm_id; });
  return at ? &force_majeures[*at] : nullptr;
}

bool contract_state::has_active_breach() const {
  return std::any_of(breaches.begin(), breaches.end(), [](const breach& b) { return b.is_active(); });
}

std::string_view to_string(reconciliation_status s) {
  switch (s) {
  case reconciliation_status::matches: return "matches";
  case reconciliation_status::differs: return "differs";
  case reconciliation_status::period_unreported: return "period_unreported";
  }
  return "period_unreported";
}

std::string seen_key(std::string_view source, std::string_view id) {
  // The source's length first: no two different pairs make the same key, whatever
  // bytes (NUL included) the members hold (spec section 15).
  std::string key = std::to_string(source.size());
  key.reserve(key.size() + 1 + source.size() + id.size());
  key.push_back(':');
  key.append(source).append(id);
  return key;
}

std::string seen_key(const events::event& e) { return seen_key(e.source, e.id); }

// A key as its parts: seen_key's text is the decimal length of the source,
// ':', the source, the id; a key given whole is one part.
seen_events::key::key(const seen_events& memory, std::string_view whole)
    : parts_{whole, {}, {}, {}}, hash_(memory.hash_(parts_)) {}

seen_events::key::key(const seen_events& memory, std::string_view source, std::string_view id) {
  const auto end = std::to_chars(length_.data(), length_.data() + length_.size() - 1, source.size()).ptr;
  *end = ':';
  parts_ = {std::string_view(length_.data(), static_cast<std::size_t>(end - length_.data()) + 1), source, id, {}};
  hash_ = memory.hash_(parts_);
}

std::size_t seen_events::key::size() const {
  std::size_t n = 0;
  for (const auto part : parts_) n += part.size();
  return n;
}

bool seen_events::key::equals(std::string_view text) const {
  if (text.size() != size()) return false;
  for (const auto part : parts_) {
    if (text.substr(0, part.size()) != part) return false;
    text.remove_prefix(part.size());
  }
  return true;
}

void seen_events::key::append_to(std::string& out) const {
  for (const auto part : parts_) out.append(part);
}

std::string seen_events::key::whole() const {
  std::string out;
  out.reserve(size());
  append_to(out);
  return out;
}

// FNV-1a over the key's bytes: the same for a key whole or in pieces.
std::uint64_t seen_events::fnv1a(std::span<const std::string_view> pieces) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const auto piece : pieces)
    for (const char c : piece) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

bool seen_events::contains(const key& k) const {
  const auto it = by_hash_.find(k.hash_);
  if (it != by_hash_.end() && k.equals(text_of(it->second))) return true;
  return !collided_.empty() && collided_.contains(k.whole());
}

void seen_events::insert(const key& k) {
  if (text_.size() + k.size() > UINT32_MAX) { // beyond what a table entry can point at
    if (!contains(k)) collided_.insert(k.whole());
    return;
  }
  const auto [it, fresh] =
      by_hash_.try_emplace(k.hash_, stored{static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(k.size())});
  if (fresh) k.append_to(text_);
  else if (!k.equals(text_of(it->second))) collided_.insert(k.whole());
}

std::vector<std::string_view> seen_events::sorted_keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(size());
  for (const auto& [hash, s] : by_hash_) keys.push_back(text_of(s));
  for (const auto& whole : collided_) keys.push_back(whole);
  std::sort(keys.begin(), keys.end());
  return keys;
}

} // namespace pactum::statemachine
