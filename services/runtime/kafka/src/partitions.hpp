// Internal: the events partitions this instance owns, between two commits:
// their processors, how far each was consumed, which have something to write,
// and the outputs waiting for the transaction (Kafka Streams' TaskManager and
// RecordCollector in one small class).
#pragma once

#include "pactum/runtime/log.hpp"
#include "pactum/runtime/partition_processor.hpp"
#include "pactum/runtime/service.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace pactum::runtime::kafka {

// Hands one consumed record to `processor` (outputs appended to `out`).
processed process_message(partition_processor& processor, const RdKafka::Message& message,
                          std::vector<output_record>& out);

class partition_set {
public:
  explicit partition_set(service_probes probes) : probes_(std::move(probes)) {}

  void install(std::int32_t partition, std::unique_ptr<partition_processor> processor);
  void drop(std::int32_t partition);
  // After an aborted transaction: everything since the last commit is gone
  // (the caller restores the partitions again).
  void drop_all();

  [[nodiscard]] bool owns(std::int32_t partition) const { return processors_.contains(partition); }
  [[nodiscard]] std::vector<std::int32_t> owned() const;

  // One record of an owned partition (others are ignored).
  void on_message(const RdKafka::Message& message);

  // Wall-clock deadlines of every partition `skip` does not exclude.
  void due_deadlines(events::timestamp now, const std::function<bool(std::int32_t)>& skip);

  // Whether anything waits for a commit, and how many records since the last.
  [[nodiscard]] bool dirty() const { return !dirty_.empty(); }
  [[nodiscard]] std::size_t batch() const { return batch_; }
  // The contracts those records changed, over every partition.
  [[nodiscard]] std::size_t changed_contracts() const { return changed_contracts_; }
  // Next offset to consume, per partition consumed since it was installed.
  [[nodiscard]] const std::map<std::int32_t, std::int64_t>& positions() const { return positions_; }
  // The producer's time of the last record read from `partition`.
  [[nodiscard]] std::optional<events::timestamp> last_record_time(std::int32_t partition) const;

  // What the next transaction writes: the pending outputs, then every dirty
  // partition's views, then (when `snapshots`) the snapshots as of `next`
  // (partition -> the offset committed with them). Clears the dirty set.
  std::vector<output_record> take_outputs(const std::map<std::int32_t, std::int64_t>& next, bool snapshots);

  // After the transaction with those outputs committed: each partition's
  // changed contracts and its checkpoint (`next`) go to the local store.
  void persist(const std::map<std::int32_t, std::int64_t>& next);

  // Rejections counted for the periodic log line.
  dead_letter_summary& dead_letters() { return dead_letters_; }

private:
  service_probes probes_;
  std::map<std::int32_t, std::unique_ptr<partition_processor>> processors_;
  std::map<std::int32_t, std::int64_t> positions_;
  std::map<std::int32_t, events::timestamp> last_record_time_;
  std::set<std::int32_t> dirty_;
  std::vector<output_record> pending_;
  std::size_t batch_ = 0;
  std::size_t changed_contracts_ = 0;
  dead_letter_summary dead_letters_;
};

} // namespace pactum::runtime::kafka
