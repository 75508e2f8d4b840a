#include "partitions.hpp"

#include "pactum/runtime/log.hpp"
#include "pactum/runtime/metrics.hpp"

#include <chrono>
#include <string>

namespace pactum::runtime::kafka {

processed process_message(partition_processor& processor, const RdKafka::Message& message,
                          std::vector<output_record>& out) {
  // Header::key() returns a copy: keep the copies alive while the views are used.
  std::vector<RdKafka::Headers::Header> owned;
  if (const RdKafka::Headers* h = const_cast<RdKafka::Message&>(message).headers()) owned = h->get_all();
  std::vector<std::string> keys;
  keys.reserve(owned.size());
  for (const auto& h : owned) keys.push_back(h.key());
  std::vector<events::record_header> headers;
  headers.reserve(owned.size());
  for (std::size_t i = 0; i < owned.size(); ++i) {
    const auto& h = owned[i];
    if (h.value() != nullptr) headers.push_back({keys[i], std::string_view(static_cast<const char*>(h.value()), h.value_size())});
    else headers.push_back({keys[i], std::nullopt});
  }
  std::optional<std::string_view> key;
  if (message.key_pointer() != nullptr) key = std::string_view(static_cast<const char*>(message.key_pointer()), message.key_len());
  const std::string_view value(static_cast<const char*>(message.payload()), message.len());
  return processor.process({key, value, headers, message.offset()}, out);
}

void partition_set::install(std::int32_t partition, std::unique_ptr<partition_processor> processor) {
  processors_[partition] = std::move(processor);
  positions_.erase(partition);
}

void partition_set::drop(std::int32_t partition) {
  if (const auto it = processors_.find(partition); it != processors_.end())
    changed_contracts_ -= it->second->changed_contracts();
  processors_.erase(partition);
  positions_.erase(partition);
  last_record_time_.erase(partition);
  dirty_.erase(partition);
  if (probes_.metrics != nullptr) probes_.metrics->forget_partition(partition);
}

void partition_set::drop_all() {
  for (const std::int32_t p : owned()) drop(p);
  pending_.clear();
  batch_ = 0;
  changed_contracts_ = 0;
}

std::vector<std::int32_t> partition_set::owned() const {
  std::vector<std::int32_t> out;
  out.reserve(processors_.size());
  for (const auto& [p, processor] : processors_) out.push_back(p);
  return out;
}

void partition_set::on_message(const RdKafka::Message& message) {
  using clock_type = std::chrono::steady_clock;
  const std::int32_t p = message.partition();
  const auto it = processors_.find(p);
  if (it == processors_.end()) return; // not ours (any more)
  const auto started = clock_type::now();
  const std::size_t changed_before = it->second->changed_contracts();
  const auto result = process_message(*it->second, message, pending_);
  changed_contracts_ += it->second->changed_contracts() - changed_before;
  if (probes_.metrics != nullptr) {
    probes_.metrics->record_event(result.type, result.kind, result.why ? std::optional(result.why->code) : std::nullopt,
                                  std::chrono::duration<double>(clock_type::now() - started).count());
    if (result.reconciliation) probes_.metrics->record_reconciliation(*result.reconciliation);
  }
  if (result.kind == statemachine::outcome_kind::rejected) dead_letters_.count(result.why->code);
  if (result.kind == statemachine::outcome_kind::rejected && log_enabled(log_level::debug))
    log_line(log_level::debug, "rejected", {{"contract_id", result.contract_id.value_or("")},
                                            {"event_id", result.event_id.value_or("")},
                                            {"offset", std::to_string(message.offset())},
                                            {"reason", std::string(events::to_string(result.why->code))}});
  positions_[p] = message.offset() + 1;
  if (const auto ts = message.timestamp(); ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE)
    last_record_time_[p] = events::timestamp{ts.timestamp};
  dirty_.insert(p);
  ++batch_;
}

void partition_set::due_deadlines(events::timestamp now, const std::function<bool(std::int32_t)>& skip) {
  for (auto& [p, processor] : processors_) {
    if (skip(p)) continue;
    const std::size_t before = pending_.size();
    processor->due_deadlines(now, pending_);
    if (pending_.size() != before) dirty_.insert(p);
  }
}

void partition_set::persist(const std::map<std::int32_t, std::int64_t>& next) {
  for (const auto& [p, offset] : next) {
    const auto processor = processors_.find(p);
    if (processor != processors_.end()) processor->second->persist(offset);
  }
}

std::optional<events::timestamp> partition_set::last_record_time(std::int32_t partition) const {
  const auto it = last_record_time_.find(partition);
  if (it == last_record_time_.end()) return std::nullopt;
  return it->second;
}

std::vector<output_record> partition_set::take_outputs(const std::map<std::int32_t, std::int64_t>& next, bool snapshots) {
  std::vector<output_record> out = std::move(pending_);
  pending_.clear();
  for (const std::int32_t p : dirty_) {
    const auto processor = processors_.find(p);
    if (processor != processors_.end()) processor->second->flush_views(out);
  }
  if (snapshots)
    for (const auto& [p, offset] : next) {
      const auto processor = processors_.find(p);
      if (processor != processors_.end()) processor->second->flush_snapshots(offset, out);
    }
  dirty_.clear();
  batch_ = 0;
  changed_contracts_ = 0;
  return out;
}

} // namespace pactum::runtime::kafka
