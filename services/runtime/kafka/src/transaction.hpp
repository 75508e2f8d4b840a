// Internal: the transactional producer and its error policy. One Kafka
// transaction at a time is open; commit() sends the consumed offsets with it,
// commits, and begins the next (librdkafka's examples/transactions.c, one
// function per step). What a failed call means is decided in settle() alone.
#pragma once

#include "handles.hpp"
#include "liveness.hpp"

#include "pactum/runtime/partition_processor.hpp"
#include "pactum/runtime/service.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pactum::runtime::kafka {

enum class txn_outcome : std::uint8_t {
  committed, // the outputs and offsets are in
  aborted,   // nothing is in: the caller rewinds to the committed offsets
  fatal,     // fenced, or the producer cannot go on: exit non-zero
};

struct txn_result {
  txn_outcome outcome;
  std::string error; // why, unless committed
};

class transaction {
public:
  transaction(const service_config& config, service_probes probes, const std::atomic<bool>& stop);

  // Creates the producer (and the topics, when configured), fences any zombie
  // with the same transactional.id and begins the first transaction. Empty on
  // success, else why it cannot (fatal).
  std::optional<std::string> start();

  // Queues one output in the open transaction. A record librdkafka refuses
  // fails the transaction: the next commit() aborts it.
  void produce(const output_record& record);

  // Sends `offsets` (the events topic's next offsets) with the transaction,
  // commits it and begins the next one.
  txn_result commit(partition_list& offsets, RdKafka::KafkaConsumer& consumer);

  // At shutdown, after the last commit: aborts the empty transaction begun
  // after it and delivers what is queued.
  void close();

  // Serves delivery reports (call from the loop).
  void poll() { producer_->poll(0); }

private:
  const std::string& topic_of(destination d) const;
  txn_result settle(error_ptr error);
  txn_result settle_abort(const std::string& why);
  std::optional<std::string> begin();
  void learn_topics();
  template <class Call> error_ptr retrying(const char* step, Call&& call);

  const service_config& config_;
  service_probes probes_;
  liveness live_;
  const std::atomic<bool>& stop_;
  producer_ptr producer_;
  std::vector<std::unique_ptr<RdKafka::Topic>> topics_; // the output topics, their partitions known (learn_topics)
  std::optional<std::string> produce_failed_;
  std::vector<output_record> sent_; // kept only for probes.on_commit
};

} // namespace pactum::runtime::kafka
