// Keeps a local store equal to a topic (read_committed, every partition, from
// the store's checkpoint or the beginning) and checkpoints the offsets read
// into it every second and at the end. Two are followed: the compacted views
// topic into the view_store (every replica answers for every contract; that
// follower also tells the health whether the broker answers and whether the
// views are loaded), and the events topic into the record_store (the
// evidence: timelines and as-of views).
#pragma once

#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/record_store.hpp"
#include "pactum/runtime/view_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace RdKafka {
class KafkaConsumer;
class Message;
} // namespace RdKafka

namespace pactum::runtime {

struct follower_config {
  std::string brokers;
  std::string topic = "contract-views";
  std::string group_id = "pactum-views"; // librdkafka needs one; nothing is committed
  std::vector<std::pair<std::string, std::string>> kafka_properties;
  int probe_interval_ms = 2000;
};

// Where a follower puts what it reads: a batch in one write, and the offsets
// it reflects.
class follower_sink {
public:
  virtual ~follower_sink() = default;
  // Records in the order read; returns how many it ignored (not its kind).
  virtual std::size_t put_all(std::span<const event_record_view> records) = 0;
  [[nodiscard]] virtual std::map<std::int32_t, std::int64_t> checkpoint_of(const std::string& topic) const = 0;
  virtual void checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) = 0;
  // What the store holds, for the log line once the topic has been read to its end.
  [[nodiscard]] virtual std::string loaded_detail() const = 0;
};

[[nodiscard]] std::unique_ptr<follower_sink> views_sink(view_store& store);
[[nodiscard]] std::unique_ptr<follower_sink> records_sink(record_store& store);

class topic_follower {
public:
  // With `health`, it is the views follower: it probes the broker and reports
  // views_loaded and views_behind there.
  topic_follower(follower_config config, std::unique_ptr<follower_sink> sink, service_health* health);
  ~topic_follower(); // stops and joins
  topic_follower(const topic_follower&) = delete;
  topic_follower& operator=(const topic_follower&) = delete;

  // Whether every partition has been read up to at least `ends` (partition ->
  // read_committed end offset): the records written before then are in the store.
  [[nodiscard]] bool caught_up(const std::map<std::int32_t, std::int64_t>& ends) const;

private:
  void run();
  void store(const std::vector<std::unique_ptr<RdKafka::Message>>& records, std::size_t& ignored);
  void write_checkpoint();
  [[nodiscard]] std::int64_t behind(RdKafka::KafkaConsumer& consumer, int partitions) const;
  static constexpr std::chrono::seconds checkpoint_interval{1};
  static constexpr std::size_t max_batch = 2000;

  follower_config config_;
  std::unique_ptr<follower_sink> sink_;
  service_health* health_;
  std::atomic<bool> stop_{false};
  mutable std::mutex positions_mutex_;
  std::map<std::int32_t, std::int64_t> positions_; // next offset to read, per partition
  std::map<std::int32_t, std::int64_t> checkpointed_; // what the store's checkpoint says (the follower's thread only)
  std::thread thread_;
};

} // namespace pactum::runtime
