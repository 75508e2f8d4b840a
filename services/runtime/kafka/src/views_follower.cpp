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
      if (static_cast<int>(at_end.size()) >= partitions) health_.views_behind.store(behind(*consumer, partitions));
    }
    // What is already fetched is taken together (up to max_batch records): one
    // write for all, and per contract only the view that stays.
    std::vector<kafka::message_ptr> records;
    kafka::message_ptr ending; // what ended the batch: the end of a partition, a timeout or an error
    for (kafka::message_ptr m(consumer->consume(200));; m.reset(consumer->consume(0))) {
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        ending = std::move(m);
        break;
      }
      records.push_back(std::move(m));
      if (records.size() == max_batch) break;
    }
    if (!records.empty()) store(records, ignored);
    if (!ending || ending->err() != RdKafka::ERR__PARTITION_EOF) continue;
    // At the end, the offset is the end offset (past any transaction marker).
    {
      const std::lock_guard lock(positions_mutex_);
      positions_[ending->partition()] = ending->offset();
    }
    at_end.insert(ending->partition());
    if (!health_.views_loaded.load() && static_cast<int>(at_end.size()) >= partitions) {
      health_.views_loaded.store(true);
      log_line(log_level::info, "views_loaded", {{"contracts", std::to_string(store_.size())}});
    }
  }
  write_checkpoint();
  consumer->close();
}

// The read_committed end each partition's last fetch reported (librdkafka's
// cached watermark: no request) less the position read into the store.
std::int64_t views_follower::behind(RdKafka::KafkaConsumer& consumer, int partitions) const {
  std::int64_t total = 0;
  const std::lock_guard lock(positions_mutex_);
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (consumer.get_watermark_offsets(config_.topic, p, &low, &high) != RdKafka::ERR_NO_ERROR) return -1;
    const auto at = positions_.find(p);
    total += std::max<std::int64_t>(0, high - (at != positions_.end() ? at->second : low));
  }
  return total;
}

// Into the store first, then the positions: caught_up() and the checkpoint
// never cover a view the store does not hold.
void views_follower::store(const std::vector<kafka::message_ptr>& records, std::size_t& ignored) {
  std::vector<view_record> batch;
  batch.reserve(records.size());
  for (const auto& m : records)
    batch.push_back({m->key() != nullptr ? std::string_view(*m->key()) : std::string_view(),
                     std::string_view(static_cast<const char*>(m->payload()), m->len())});
  const std::size_t not_views = store_.put_all(batch);
  if (not_views > 0 && (ignored == 0 || ignored / 1000 != (ignored + not_views) / 1000))
    log_line(log_level::warn, "views_records_ignored",
             {{"records", std::to_string(not_views)}, {"so_far", std::to_string(ignored + not_views)},
              {"partition", std::to_string(records.back()->partition())}, {"up_to_offset", std::to_string(records.back()->offset())}});
  ignored += not_views;
  const std::lock_guard lock(positions_mutex_);
  for (const auto& m : records) positions_[m->partition()] = m->offset() + 1;
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
