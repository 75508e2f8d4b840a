#include "pactum/runtime/partition_processor.hpp"

#include "pactum/events/encode.hpp"

#include "pactum/statemachine/snapshot.hpp"
#include "pactum/statemachine/view.hpp"

#include <nlohmann/json.hpp>

#include <functional>

namespace pactum::runtime {
namespace {

std::size_t digest(const std::string& text) { return std::hash<std::string>{}(text); }

} // namespace

partition_processor::partition_processor(std::string source_topic, std::int32_t partition)
    : source_topic_(std::move(source_topic)), partition_(partition) {}

processed partition_processor::process(const input_record& record, std::vector<output_record>& out) {
  auto decoded = events::decode_record(record.headers, record.value, record.key);
  processed result{statemachine::outcome_kind::rejected, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (decoded) {
    const events::event& e = decoded.value();
    result.contract_id = e.subject;
    result.event_id = e.id;
    result.type = e.type();
    const auto outcome = book_.handle(e);
    result.kind = outcome.kind;
    result.why = outcome.why;
    if (outcome.kind == statemachine::outcome_kind::accepted && e.type() == events::event_type::invoice_issued)
      result.reconciliation = book_.find(e.subject)->state().invoices.back().reconciled.status;
    // Any event that reached a contract may have fired deadlines or moved stream time.
    if (book_.find(e.subject) != nullptr) {
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
  for (const std::string& id : touched_) {
    const auto& c = book_.find(id)->state();
    const auto parts = statemachine::render_parts(c);
    out.push_back({destination::views, partition_, id, statemachine::render_view(c, parts), {}});
    emitted& last = emitted_[id];
    // "Only when it changed": the part, not the version or state line around it.
    const std::string& termination = parts.termination;
    const std::string& liability = parts.liability;
    const std::size_t t = digest(termination);
    const std::size_t l = digest(liability);
    if (t != last.termination)
      out.push_back({destination::termination, partition_, id, statemachine::render_projection(c, "termination", termination), {}});
    if (l != last.liability)
      out.push_back({destination::liability, partition_, id, statemachine::render_projection(c, "liability", liability), {}});
    last = {t, l};
  }
  touched_.clear();
}

void partition_processor::flush_snapshots(std::int64_t next_offset, std::vector<output_record>& out) {
  for (const std::string& id : unsnapshotted_) {
    const emitted& last = emitted_[id];
    nlohmann::json snap = nlohmann::json::object();
    snap["partition"] = partition_;
    snap["next_offset"] = next_offset;
    snap["emitted"] = {last.termination, last.liability};
    snap["contract"] = statemachine::snapshot_of(book_.find(id)->state());
    out.push_back({destination::snapshots, partition_, id, snap.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}});
  }
  unsnapshotted_.clear();
}

std::optional<std::int64_t> partition_processor::restore(std::string_view snapshot_value) {
  const auto doc = nlohmann::json::parse(snapshot_value, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("contract") || !doc.contains("emitted") ||
      !doc.contains("next_offset"))
    return std::nullopt;
  auto state = statemachine::state_from_snapshot(doc["contract"]);
  if (!state) return std::nullopt;
  const std::string id = state->contract_id;
  emitted_[id] = {doc["emitted"][0].get<std::size_t>(), doc["emitted"][1].get<std::size_t>()};
  book_.adopt(statemachine::contract::restore(std::move(*state)));
  return doc["next_offset"].get<std::int64_t>();
}

void partition_processor::due_deadlines(events::timestamp now, std::vector<output_record>& out) {
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
