#include "pactum/runtime/views_follower.hpp"

#include "handles.hpp"
#include "kafka_conf.hpp"

#include "pactum/runtime/log.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace pactum::runtime {
namespace {

using clock_type = std::chrono::steady_clock;

// The topic's partition count, or 0 when the broker does not answer or the
// topic does not exist (yet).
int partition_count(RdKafka::KafkaConsumer& consumer, const std::string& topic, int timeout_ms) {
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(&consumer, topic, nullptr, error));
  if (!handle) return 0;
  RdKafka::Metadata* raw = nullptr;
  if (consumer.metadata(false, handle.get(), &raw, timeout_ms) != RdKafka::ERR_NO_ERROR) return -1;
  const std::unique_ptr<RdKafka::Metadata> md(raw);
  for (const auto* t : *md->topics())
    if (t->topic() == topic && t->err() == RdKafka::ERR_NO_ERROR) return static_cast<int>(t->partitions()->size());
  return 0;
}

} // namespace

views_follower::views_follower(views_follower_config config, view_store& store, service_health& health)
    : config_(std::move(config)), store_(store), health_(health), thread_([this] { run(); }) {}

views_follower::~views_follower() {
  stop_.store(true);
  thread_.join();
}

void views_follower::run() {
  kafka::consumer_ptr consumer;
  try {
    auto conf = make_kafka_conf(config_.brokers,
                                {{"group.id", config_.group_id},
                                 {"enable.auto.commit", "false"},
                                 {"isolation.level", "read_committed"},
                                 {"enable.partition.eof", "true"},
                                 // prefetch 16 MiB, not 64: views are large, and a drain kept the queue full
                                 {"queued.max.messages.kbytes", "16384"}},
                                config_.kafka_properties);
    std::string error;
    consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer) throw std::runtime_error(error);
  } catch (const std::exception& e) {
    log_line(log_level::error, "views_follower_failed", {{"error", e.what()}});
    return;
  }
  int partitions = 0;
  std::set<std::int32_t> at_end; // partitions read to their end at least once
  auto next_probe = clock_type::now();
  auto next_checkpoint = clock_type::now();
  std::size_t ignored = 0;
  while (!stop_.load()) {
    if (clock_type::now() >= next_probe) {
      // A metadata request is the reachability probe (the broker must answer),
      // and tells when the topic appears or grows.
      next_probe = clock_type::now() + std::chrono::milliseconds(config_.probe_interval_ms);
      const int count = partition_count(*consumer, config_.topic, 2000);
      health_.broker_reachable.store(count >= 0);
      if (count > partitions) {
        // From where the store's checkpoint says it is (a warm restart reads
        // only the tail), or from the beginning.
        const auto checkpoint = store_.checkpoint_of(config_.topic);
        kafka::partition_list added;
        for (int p = partitions; p < count; ++p) {
          const auto at = checkpoint.find(p);
          added.add(config_.topic, p, at != checkpoint.end() ? at->second : RdKafka::Topic::OFFSET_BEGINNING);
        }
        if (const kafka::error_ptr e{consumer->incremental_assign(added.get())}) {
          log_line(log_level::warn, "views_assign_failed", {{"error", e->str()}}); // tried again at the next probe
        } else {
          log_line(log_level::info, "views_following", {{"topic", config_.topic}, {"partitions", std::to_string(count)}});
          partitions = count;
        }
      }
    }
    if (partitions == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (clock_type::now() >= next_checkpoint) {
      next_checkpoint = clock_type::now() + checkpoint_interval;
      write_checkpoint();
    }
    const kafka::message_ptr m(consumer->consume(200));
    if (m->err() == RdKafka::ERR__PARTITION_EOF || m->err() == RdKafka::ERR_NO_ERROR) {
      // At the end, the offset is the end offset (past any transaction marker).
      const std::int64_t next = m->err() == RdKafka::ERR__PARTITION_EOF ? m->offset() : m->offset() + 1;
      const std::lock_guard lock(positions_mutex_);
      positions_[m->partition()] = next;
    }
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end.insert(m->partition());
      if (!health_.views_loaded.load() && static_cast<int>(at_end.size()) >= partitions) {
        health_.views_loaded.store(true);
        log_line(log_level::info, "views_loaded", {{"contracts", std::to_string(store_.size())}});
      }
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    const std::string key = m->key() != nullptr ? *m->key() : std::string();
    if (!store_.put(key, std::string_view(static_cast<const char*>(m->payload()), m->len())) && ++ignored % 1000 == 1)
      log_line(log_level::warn, "views_record_ignored", {{"contract_id", key}, {"offset", std::to_string(m->offset())}});
  }
  write_checkpoint();
  consumer->close();
}

void views_follower::write_checkpoint() {
  std::map<std::int32_t, std::int64_t> positions;
  {
    const std::lock_guard lock(positions_mutex_);
    positions = positions_;
  }
  if (positions.empty() || positions == checkpointed_) return;
  try {
    store_.checkpoint(config_.topic, positions); // after the views it covers
    checkpointed_ = std::move(positions);
  } catch (const std::exception& e) {
    log_line(log_level::warn, "views_checkpoint_failed", {{"error", e.what()}});
  }
}

bool views_follower::caught_up(const std::map<std::int32_t, std::int64_t>& ends) const {
  const std::lock_guard lock(positions_mutex_);
  return std::all_of(ends.begin(), ends.end(), [this](const auto& end) {
    if (end.second == 0) return true;
    const auto it = positions_.find(end.first);
    return it != positions_.end() && it->second >= end.second;
  });
}

} // namespace pactum::runtime
