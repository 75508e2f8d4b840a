// Internal: every librdkafka object the runtime creates is owned here, by a
// smart pointer with the right deleter (modern-cpp-kafka's RdKafkaHelper.h does
// the same). No other file deletes or destroys a librdkafka object.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pactum::runtime::kafka {

template <auto Destroy> struct c_deleter {
  template <class T> void operator()(T* handle) const noexcept {
    if (handle != nullptr) Destroy(handle);
  }
};

// The C API's handles (admin requests and the embedded mock cluster).
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, c_deleter<rd_kafka_conf_destroy>>;
using client_ptr = std::unique_ptr<rd_kafka_t, c_deleter<rd_kafka_destroy>>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, c_deleter<rd_kafka_queue_destroy>>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, c_deleter<rd_kafka_event_destroy>>;
using new_topic_ptr = std::unique_ptr<rd_kafka_NewTopic_t, c_deleter<rd_kafka_NewTopic_destroy>>;
using mock_cluster_ptr = std::unique_ptr<rd_kafka_mock_cluster_t, c_deleter<rd_kafka_mock_cluster_destroy>>;

// The C++ API's objects are plain heap objects the caller owns.
using error_ptr = std::unique_ptr<RdKafka::Error>;
using message_ptr = std::unique_ptr<RdKafka::Message>;
using headers_ptr = std::unique_ptr<RdKafka::Headers>;
using producer_ptr = std::unique_ptr<RdKafka::Producer>;
using consumer_ptr = std::unique_ptr<RdKafka::KafkaConsumer>;
using group_metadata_ptr = std::unique_ptr<RdKafka::ConsumerGroupMetadata>;

// A list of topic partitions as the C++ API takes it (a vector of raw
// pointers), destroyed with the list.
class partition_list {
public:
  partition_list() = default;
  ~partition_list() { RdKafka::TopicPartition::destroy(parts_); }
  partition_list(const partition_list&) = delete;
  partition_list& operator=(const partition_list&) = delete;
  partition_list(partition_list&& other) noexcept : parts_(std::move(other.parts_)) { other.parts_.clear(); }
  partition_list& operator=(partition_list&&) = delete;

  RdKafka::TopicPartition& add(const std::string& topic, std::int32_t partition,
                               std::int64_t offset = RdKafka::Topic::OFFSET_INVALID) {
    parts_.push_back(RdKafka::TopicPartition::create(topic, partition, offset));
    return *parts_.back();
  }
  // What the C++ API's calls take (they fill in offsets and errors in place).
  std::vector<RdKafka::TopicPartition*>& get() { return parts_; }
  [[nodiscard]] const std::vector<RdKafka::TopicPartition*>& get() const { return parts_; }
  [[nodiscard]] bool empty() const { return parts_.empty(); }
  [[nodiscard]] auto begin() const { return parts_.begin(); }
  [[nodiscard]] auto end() const { return parts_.end(); }

private:
  std::vector<RdKafka::TopicPartition*> parts_;
};

} // namespace pactum::runtime::kafka
