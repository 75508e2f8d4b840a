// Kafka tools for people and tests (pactumctl produce / tail) and the embedded
// broker of `pactumd --embedded`.
#pragma once

#include "pactum/runtime/kafka_properties.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::runtime {

struct produce_options {
  std::string brokers;
  std::string topic = "contract-events";
  bool binary = false; // CloudEvents binary mode: ce_* headers, data as value
  long long rate = 0;  // records per second; 0 = as fast as possible
  bool raw = false;    // lines are {key, value|value_base64, headers}, sent as they are
  kafka_properties properties;
};

// Produces each record `next` yields (idempotent producer, key = subject where
// the record has one) and waits for all to be acknowledged. Returns how many
// were acknowledged, or -1 on failure.
long long produce_records(const produce_options& options, const std::function<bool(std::string&)>& next);

struct tail_options {
  std::string brokers;
  std::string topic;
  bool follow = false; // keep reading after the end of every partition
  std::string group;   // end-offsets: also print this group's committed offsets
  kafka_properties properties;
  bool received = false; // print when each record was received (ms since the epoch)
};

// Prints every committed record of the topic (read_committed) as one JSON
// object per line: partition, offset, timestamp, key, value, headers, and
// value_base64 when the value is not UTF-8, and `received` (this machine's
// clock, ms since the epoch) when asked. Following, each line is flushed as
// it is printed. Returns 0 or 2.
int tail_topic(const tail_options& options, std::ostream& out);

struct partition_offsets {
  std::int32_t partition = 0;
  std::int64_t read_committed_end = 0;   // the last stable offset
  std::int64_t read_uncommitted_end = 0; // the high watermark
  std::optional<std::int64_t> committed; // the group's next offset; empty: it never committed here
};

// Per partition, the end offset a read_committed reader sees (the last stable
// offset) and the one a read_uncommitted reader sees (the high watermark): they
// differ while a transaction is open; with `options.group`, that group's
// committed offset. Empty when the broker does not answer.
std::optional<std::vector<partition_offsets>> read_end_offsets(const tail_options& options);

// The same as one JSON object per line; `committed` is "none" where the group
// never committed (nothing consumed there yet, or an empty partition). Returns 0 or 2.
int end_offsets(const tail_options& options, std::ostream& out);

// An in-process mock Kafka cluster (librdkafka's rdkafka_mock): for the demo
// and client-error injection only, never as evidence of exactly-once.
class embedded_cluster {
public:
  embedded_cluster(int partitions, const std::vector<std::string>& topics);
  ~embedded_cluster();
  embedded_cluster(const embedded_cluster&) = delete;
  embedded_cluster& operator=(const embedded_cluster&) = delete;
  [[nodiscard]] std::string bootstrap() const;

  // Client-error injection (librdkafka's rd_kafka_mock_push_request_errors):
  // the next requests of `api_key` (Kafka protocol API keys: Produce 0,
  // TxnOffsetCommit 28, EndTxn 26, ...) answer these error codes, in order.
  void push_request_errors(std::int16_t api_key, const std::vector<int>& errors);
  // The next `count` requests of `api_key` are answered after `delay_ms`.
  void delay_requests(std::int16_t api_key, int count, int delay_ms);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace pactum::runtime
