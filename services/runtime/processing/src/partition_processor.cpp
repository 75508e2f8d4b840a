#include "pactum/runtime/partition_processor.hpp"

#include "pactum/events/encode.hpp"

#include "pactum/statemachine/view.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace pactum::runtime {
namespace {

// Restored snapshots go to the store in batches of this many records.
constexpr std::size_t restore_batch = 1024;

// A set's ids in order: what a flush writes does not depend on the hash.
std::vector<const std::string*> in_order(const boost::unordered_flat_set<std::string>& ids) {
  std::vector<const std::string*> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(&id);
  std::sort(out.begin(), out.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  return out;
}

} // namespace

partition_processor::partition_processor(std::string source_topic, std::int32_t partition, processor_options options)
    : source_topic_(std::move(source_topic)), partition_(partition), options_(options) {
  // A snapshot is current as of its own offset, and a restore replays from the
  // newest snapshot's offset: every contract changed after its last snapshot
  // must be snapshotted again before newer snapshots could pass it, even when
  // the change was made by a process that died before snapshotting it.
  if (options_.store != nullptr)
    for (auto& id : options_.store->unsnapshotted(partition_)) unsnapshotted_.insert(std::move(id));
}

const statemachine::contract* partition_processor::find(const std::string& contract_id) {
  load(contract_id);
  return book_.find(contract_id);
}

void partition_processor::load(const std::string& contract_id) {
  const auto it = cached_.find(contract_id);
  if (it != cached_.end()) {
    it->second.used = ++clock_;
    return;
  }
  if (options_.store == nullptr) return;
  const auto bytes = options_.store->get(partition_, contract_id);
  if (!bytes) return; // not drafted (yet)
  auto record = decode_contract_record(*bytes);
  // The store's format is checked when it opens: a record that does not read
  // is a damaged store, and nothing this partition decides can be trusted.
  if (!record) throw std::runtime_error("contract store: the record of " + contract_id + " does not read");
  cached_[contract_id] = {record->emitted, earliest_due(record->state), ++clock_};
  book_.adopt(statemachine::contract::restore(std::move(record->state)));
}

processed partition_processor::process(const input_record& record, std::vector<output_record>& out) {
  auto decoded = events::decode_record(record.headers, record.value, record.key);
  processed result{statemachine::outcome_kind::rejected, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (decoded) {
    const events::event& e = decoded.value();
    result.contract_id = e.subject;
    result.event_id = e.id;
    result.type = e.type();
    load(e.subject);
    const auto outcome = book_.handle(e);
    result.kind = outcome.kind;
    result.why = outcome.why;
    if (outcome.kind == statemachine::outcome_kind::accepted && e.type() == events::event_type::invoice_issued)
      result.reconciliation = book_.find(e.subject)->state().invoices.back().reconciled.status;
    // Any event that reached a contract may have fired deadlines or moved stream time.
    if (book_.find(e.subject) != nullptr) {
      if (const auto [it, added] = cached_.try_emplace(e.subject); added) it->second.used = ++clock_; // drafted now
      touched_.insert(e.subject);
      unsnapshotted_.insert(e.subject);
    }
  } else {
    result.why = decoded.error().why;
    result.contract_id = decoded.error().contract_id;
    result.event_id = decoded.error().event_id;
  }
  if (result.kind == statemachine::outcome_kind::rejected) {
    output_record dead{destination::dead_letters, partition_,
                       record.key ? std::optional<std::string>(*record.key) : std::nullopt, std::string(record.value), {}};
    for (const auto& h : record.headers)
      dead.headers.emplace_back(std::string(h.key), h.value ? std::optional<std::string>(*h.value) : std::nullopt);
    dead.headers.emplace_back("pactum-reason", std::string(events::to_string(result.why->code)));
    dead.headers.emplace_back("pactum-detail", result.why->detail);
    dead.headers.emplace_back("pactum-source-topic", source_topic_);
    dead.headers.emplace_back("pactum-source-partition", std::to_string(partition_));
    dead.headers.emplace_back("pactum-source-offset", std::to_string(record.offset));
    out.push_back(std::move(dead));
  }
  return result;
}

void partition_processor::flush_views(std::vector<output_record>& out) {
  for (const std::string* touched : in_order(touched_)) {
    const std::string& id = *touched;
    const auto& c = book_.find(id)->state();
    const auto parts = statemachine::render_parts(c);
    out.push_back({destination::views, partition_, id, statemachine::render_view(c, parts), {}});
    cached& entry = cached_[id];
    // "Only when it changed": the part, not the version or state line around it.
    const projection_digests now{fnv1a64(parts.termination), fnv1a64(parts.liability)};
    if (now.termination != entry.emitted.termination)
      out.push_back({destination::termination, partition_, id, statemachine::render_projection(c, "termination", parts.termination), {}});
    if (now.liability != entry.emitted.liability)
      out.push_back({destination::liability, partition_, id, statemachine::render_projection(c, "liability", parts.liability), {}});
    entry.emitted = now;
    if (options_.store != nullptr) {
      const auto due = earliest_due(c);
      staged_.push_back({id, encode_contract_record(c, now), entry.indexed_due, due});
      entry.indexed_due = due;
    }
  }
  touched_.clear();
}

void partition_processor::flush_snapshots(std::int64_t next_offset, std::vector<output_record>& out) {
  // The records this transaction encoded for the store are the snapshots too.
  boost::unordered_flat_map<std::string_view, std::string_view> fresh;
  for (const auto& w : staged_) fresh[w.contract_id] = w.record;
  for (const std::string* unsnapshotted : in_order(unsnapshotted_)) {
    const std::string& id = *unsnapshotted;
    const auto it = fresh.find(id);
    const std::string record = it != fresh.end() ? std::string(it->second) : encoded(id);
    out.push_back({destination::snapshots, partition_, id, encode_snapshot_record(partition_, next_offset, record), {}});
    if (options_.store != nullptr) snapshotted_.push_back(id);
  }
  unsnapshotted_.clear();
}

// A contract's current record: from memory, or (evicted, so unchanged since it
// was written) from the store.
std::string partition_processor::encoded(const std::string& contract_id) const {
  if (const auto* c = book_.find(contract_id)) return encode_contract_record(c->state(), cached_.at(contract_id).emitted);
  auto bytes = options_.store != nullptr ? options_.store->get(partition_, contract_id) : std::nullopt;
  if (!bytes) throw std::logic_error("contract " + contract_id + " is neither in memory nor stored");
  return std::move(*bytes);
}

void partition_processor::persist(std::optional<std::int64_t> checkpoint) {
  if (options_.store == nullptr) return;
  options_.store->write(partition_, staged_, snapshotted_, checkpoint);
  staged_.clear();
  snapshotted_.clear();
  if (checkpoint) restored_due_.clear();
  trim_cache();
}

// Down to the bound, least recently used first. Only contracts whose state is
// stored go: nothing touched since the last views is in flight.
void partition_processor::trim_cache() {
  if (cached_.size() <= options_.cache_contracts) return;
  std::vector<std::pair<std::uint64_t, std::string_view>> by_use;
  by_use.reserve(cached_.size());
  for (const auto& [id, entry] : cached_)
    if (!touched_.contains(id)) by_use.emplace_back(entry.used, id);
  const std::size_t excess = std::min(cached_.size() - options_.cache_contracts, by_use.size());
  std::nth_element(by_use.begin(), by_use.begin() + static_cast<std::ptrdiff_t>(excess), by_use.end());
  std::vector<std::string> evicted;
  evicted.reserve(excess);
  for (std::size_t i = 0; i < excess; ++i) evicted.emplace_back(by_use[i].second);
  for (const auto& id : evicted) {
    book_.forget(id);
    cached_.erase(id);
  }
}

std::optional<std::int64_t> partition_processor::restore(std::string_view snapshot_value) {
  auto snapshot = decode_snapshot_record(snapshot_value);
  if (!snapshot) return std::nullopt;
  auto record = decode_contract_record(snapshot->record);
  if (!record) return std::nullopt;
  if (options_.store != nullptr) {
    // Before compaction the topic may hold older snapshots of a contract too:
    // the one read last is the newest, and the index keeps only its deadline.
    auto& indexed = restored_due_[record->state.contract_id];
    const auto due = earliest_due(record->state);
    staged_.push_back({record->state.contract_id, std::move(snapshot->record), indexed, due});
    snapshotted_.push_back(record->state.contract_id); // it comes from its snapshot
    indexed = due;
    if (staged_.size() >= restore_batch) persist(std::nullopt);
    return snapshot->next_offset;
  }
  cached_[record->state.contract_id] = {record->emitted, std::nullopt, ++clock_};
  book_.adopt(statemachine::contract::restore(std::move(record->state)));
  return snapshot->next_offset;
}

void partition_processor::due_deadlines(events::timestamp now, std::vector<output_record>& out) {
  // Stored contracts with a deadline due join the cached ones.
  if (options_.store != nullptr)
    for (const auto& id : options_.store->due_by(partition_, now.ms)) load(id);
  decltype(requested_deadlines_) still_requested;
  book_.for_each([&](const statemachine::contract& c) {
    const auto& s = c.state();
    for (const auto& [key, d] : s.deadlines.pending()) {
      if (key.due > now) break;
      auto request = std::make_pair(s.contract_id, key.id);
      const auto asked = requested_deadlines_.find(request);
      const bool again = asked == requested_deadlines_.end() || asked->second != key.due;
      still_requested.emplace(std::move(request), key.due);
      if (!again) continue;
      // Deterministic id: every instance that asks for this firing asks with the same id.
      const events::envelope e{"deadline:" + key.id + "@" + std::to_string(key.due.ms), "/pactum/deadlines",
                               events::deadline_reached::type_name, s.contract_id,
                               events::format_timestamp(std::max(now, key.due))};
      out.push_back({destination::events, partition_, s.contract_id,
                     events::encode_structured(e, nlohmann::json{{"deadline_id", key.id}}.dump()),
                     {{"content-type", "application/cloudevents+json"}}});
    }
  });
  requested_deadlines_ = std::move(still_requested);
}

} // namespace pactum::runtime
