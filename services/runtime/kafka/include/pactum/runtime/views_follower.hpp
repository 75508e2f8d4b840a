// Keeps a view_store equal to the compacted views topic (read_committed, every
// partition, from the store's checkpoint or the beginning), so that every
// replica answers for every contract; checkpoints the offsets read into the
// store every second and at the end; and tells the health whether the broker
// answers.
#pragma once

#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/view_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace RdKafka {
class KafkaConsumer;
class Message;
} // namespace RdKafka

namespace pactum::runtime {

struct views_follower_config {
  std::string brokers;
  std::string topic = "contract-views";
  std::string group_id = "pactum-views"; // librdkafka needs one; nothing is committed
  std::vector<std::pair<std::string, std::string>> kafka_properties;
  int probe_interval_ms = 2000;
};

class views_follower {
public:
  views_follower(views_follower_config config, view_store& store, service_health& health);
  ~views_follower(); // stops and joins
  views_follower(const views_follower&) = delete;
  views_follower& operator=(const views_follower&) = delete;

  // Whether every partition has been read up to at least `ends` (partition ->
  // read_committed end offset): the views written before then are in the store.
  [[nodiscard]] bool caught_up(const std::map<std::int32_t, std::int64_t>& ends) const;

private:
  void run();
  void store(const std::vector<std::unique_ptr<RdKafka::Message>>& records, std::size_t& ignored);
  void write_checkpoint();
  [[nodiscard]] std::int64_t behind(RdKafka::KafkaConsumer& consumer, int partitions) const;
  static constexpr std::chrono::seconds checkpoint_interval{1};
  static constexpr std::size_t max_batch = 2000;

  views_follower_config config_;
  view_store& store_;
  service_health& health_;
  std::atomic<bool> stop_{false};
  mutable std::mutex positions_mutex_;
  std::map<std::int32_t, std::int64_t> positions_; // next offset to read, per partition
  std::map<std::int32_t, std::int64_t> checkpointed_; // what the store's checkpoint says (the follower's thread only)
  std::thread thread_;
};

} // namespace pactum::runtime
