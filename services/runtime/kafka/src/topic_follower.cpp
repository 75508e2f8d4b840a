#include "pactum/runtime/topic_follower.hpp"

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

class views_sink_impl final : public follower_sink {
public:
  explicit views_sink_impl(view_store& store) : store_(store) {}
  std::size_t put_all(std::span<const event_record_view> records) override {
    std::vector<view_record> batch;
    batch.reserve(records.size());
    for (const auto& r : records) batch.push_back({r.key.value_or(std::string_view()), r.value});
    return store_.put_all(batch);
  }
  [[nodiscard]] std::map<std::int32_t, std::int64_t> checkpoint_of(const std::string& topic) const override {
    return store_.checkpoint_of(topic);
  }
  void checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) override {
    store_.checkpoint(topic, next);
  }
  [[nodiscard]] std::string loaded_detail() const override { return std::to_string(store_.size()) + " contracts"; }

private:
  view_store& store_;
};

class records_sink_impl final : public follower_sink {
public:
  explicit records_sink_impl(record_store& store) : store_(store) {}
  std::size_t put_all(std::span<const event_record_view> records) override {
    const std::size_t kept = store_.put_all(records);
    kept_ += kept;
    return records.size() - kept;
  }
  [[nodiscard]] std::map<std::int32_t, std::int64_t> checkpoint_of(const std::string& topic) const override {
    return store_.checkpoint_of(topic);
  }
  void checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) override {
    store_.checkpoint(topic, next);
  }
  [[nodiscard]] std::string loaded_detail() const override { return std::to_string(kept_) + " records kept since the start"; }

private:
  record_store& store_;
  std::size_t kept_ = 0;
};

} // namespace

std::unique_ptr<follower_sink> views_sink(view_store& store) { return std::make_unique<views_sink_impl>(store); }
std::unique_ptr<follower_sink> records_sink(record_store& store) { return std::make_unique<records_sink_impl>(store); }

topic_follower::topic_follower(follower_config config, std::unique_ptr<follower_sink> sink, service_health* health)
    : config_(std::move(config)), sink_(std::move(sink)), health_(health), thread_([this] { run(); }) {}

topic_follower::~topic_follower() {
  stop_.store(true);
  thread_.join();
}

void topic_follower::run() {
  kafka::consumer_ptr consumer;
  try {
    auto conf = make_kafka_conf(config_.brokers,
                                {{"group.id", config_.group_id},
                                 {"enable.auto.commit", "false"},
                                 {"isolation.level", "read_committed"},
                                 {"enable.partition.eof", "true"},
                                 // librdkafka 2.0.2 stops fetching when the prefetch queue is
                                 // full and looks again only up to a second later (2.3.0 made
                                 // that fetch.queue.backoff.ms): the queue must hold more than
                                 // a second of reading, or catching up idles. 16 MiB of views
                                 // lasted 0.4 s (a wiped restart: 31 s, idle 40 %; 64 MiB: 12 s)
                                 {"queued.max.messages.kbytes", "65536"}},
                                config_.kafka_properties);
    std::string error;
    consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer) throw std::runtime_error(error);
  } catch (const std::exception& e) {
    log_line(log_level::error, "follower_failed", {{"topic", config_.topic}, {"error", e.what()}});
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
      if (health_ != nullptr) health_->broker_reachable.store(count >= 0);
      if (count > partitions) {
        // From where the store's checkpoint says it is (a warm restart reads
        // only the tail), or from the beginning.
        const auto checkpoint = sink_->checkpoint_of(config_.topic);
        kafka::partition_list added;
        for (int p = partitions; p < count; ++p) {
          const auto at = checkpoint.find(p);
          added.add(config_.topic, p, at != checkpoint.end() ? at->second : RdKafka::Topic::OFFSET_BEGINNING);
        }
        if (const kafka::error_ptr e{consumer->incremental_assign(added.get())}) {
          log_line(log_level::warn, "follower_assign_failed", {{"topic", config_.topic}, {"error", e->str()}}); // tried again at the next probe
        } else {
          log_line(log_level::info, "following", {{"topic", config_.topic}, {"partitions", std::to_string(count)}});
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
      if (health_ != nullptr && static_cast<int>(at_end.size()) >= partitions)
        health_->views_behind.store(behind(*consumer, partitions));
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
    const bool was_loaded = static_cast<int>(at_end.size()) >= partitions;
    at_end.insert(ending->partition());
    if (!was_loaded && static_cast<int>(at_end.size()) >= partitions) {
      if (health_ != nullptr) health_->views_loaded.store(true);
      log_line(log_level::info, "topic_loaded", {{"topic", config_.topic}, {"holds", sink_->loaded_detail()}});
    }
  }
  write_checkpoint();
  consumer->close();
}

// The read_committed end each partition's last fetch reported (librdkafka's
// cached watermark: no request) less the position read into the store.
std::int64_t topic_follower::behind(RdKafka::KafkaConsumer& consumer, int partitions) const {
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
void topic_follower::store(const std::vector<kafka::message_ptr>& records, std::size_t& ignored) {
  // Header::key() returns a copy: the copies live as long as the batch.
  std::vector<std::vector<RdKafka::Headers::Header>> owned(records.size());
  std::vector<std::vector<std::string>> keys(records.size());
  std::vector<std::vector<events::record_header>> headers(records.size());
  std::vector<event_record_view> batch;
  batch.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& m = *records[i];
    if (const RdKafka::Headers* h = const_cast<RdKafka::Message&>(m).headers(); h != nullptr && h->size() > 0) {
      owned[i] = h->get_all();
      for (const auto& header : owned[i]) keys[i].push_back(header.key());
      for (std::size_t j = 0; j < owned[i].size(); ++j) {
        const auto& header = owned[i][j];
        headers[i].push_back({keys[i][j], header.value() != nullptr ? std::optional<std::string_view>(std::string_view(
                                                                          static_cast<const char*>(header.value()), header.value_size()))
                                                                    : std::nullopt});
      }
    }
    batch.push_back({m.partition(), m.offset(),
                     m.key_pointer() != nullptr ? std::optional<std::string_view>(std::string_view(
                                                      static_cast<const char*>(m.key_pointer()), m.key_len()))
                                                : std::nullopt,
                     std::string_view(static_cast<const char*>(m.payload()), m.len()), headers[i]});
  }
  const std::size_t skipped = sink_->put_all(batch);
  if (skipped > 0 && (ignored == 0 || ignored / 1000 != (ignored + skipped) / 1000))
    log_line(log_level::warn, "followed_records_ignored",
             {{"topic", config_.topic}, {"records", std::to_string(skipped)}, {"so_far", std::to_string(ignored + skipped)},
              {"partition", std::to_string(records.back()->partition())}, {"up_to_offset", std::to_string(records.back()->offset())}});
  ignored += skipped;
  const std::lock_guard lock(positions_mutex_);
  for (const auto& m : records) positions_[m->partition()] = m->offset() + 1;
}

void topic_follower::write_checkpoint() {
  std::map<std::int32_t, std::int64_t> positions;
  {
    const std::lock_guard lock(positions_mutex_);
    positions = positions_;
  }
  if (positions.empty() || positions == checkpointed_) return;
  try {
    sink_->checkpoint(config_.topic, positions); // after the records it covers
    checkpointed_ = std::move(positions);
  } catch (const std::exception& e) {
    log_line(log_level::warn, "follower_checkpoint_failed", {{"topic", config_.topic}, {"error", e.what()}});
  }
}

bool topic_follower::caught_up(const std::map<std::int32_t, std::int64_t>& ends) const {
  const std::lock_guard lock(positions_mutex_);
  return std::all_of(ends.begin(), ends.end(), [this](const auto& end) {
    if (end.second == 0) return true;
    const auto it = positions_.find(end.first);
    return it != positions_.end() && it->second >= end.second;
  });
}

} // namespace pactum::runtime
