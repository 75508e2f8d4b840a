#include "pactum/runtime/service.hpp"

#include "kafka_conf.hpp"

#include "pactum/runtime/log.hpp"
#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/partition_processor.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

namespace pactum::runtime {
namespace {

using clock_type = std::chrono::steady_clock;
// Each transactional call waits at most this long; a call that times out (the
// broker is unreachable) is retried, so an outage stalls the loop without
// stopping the process (liveness beats between attempts).
constexpr int txn_call_timeout_ms = 5'000;
// How long a stopping instance keeps retrying before it gives up on the open
// transaction (the next owner redoes it).
constexpr auto shutdown_retry_budget = std::chrono::seconds(30);
// Records up to this size (value, key and headers) can be dead-lettered; the
// dead-letter topic must accept them (pactumd creates it so; docs/deploy.md).
constexpr const char* dead_letter_max_bytes = "8388608";

events::timestamp wall_now() {
  return events::timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count()};
}

std::unique_ptr<RdKafka::Conf> make_conf(const kafka_properties& own, const service_config& c) {
  return make_kafka_conf(c.brokers, own, c.kafka_properties);
}

// Creates the topics pactumd writes (and reads) when they are missing.
void ensure_topics(RdKafka::Producer& producer, const service_config& c) {
  struct spec {
    const std::string* name;
    bool compact;
  };
  const std::vector<spec> wanted{{&c.topics.events, false},     {&c.topics.views, true},
                                 {&c.topics.termination, true}, {&c.topics.liability, true},
                                 {&c.topics.dead_letters, false}, {&c.topics.snapshots, true}};
  rd_kafka_t* rk = producer.c_ptr();
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  for (const auto& s : wanted) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(s.name->c_str(), c.partitions, c.replication_factor, err, sizeof err);
    if (t == nullptr) throw std::runtime_error(std::string("topic ") + *s.name + ": " + err);
    if (s.compact) {
      // Compaction only cleans closed segments: roll them hourly or at 64 MiB
      // and clean once a tenth is stale, or a compacted topic never compacts
      // (docs/deploy.md, "Compaction"; the KafkaTopics of deploy/ say the same).
      rd_kafka_NewTopic_set_config(t, "cleanup.policy", "compact");
      rd_kafka_NewTopic_set_config(t, "segment.ms", "3600000");
      rd_kafka_NewTopic_set_config(t, "segment.bytes", "67108864");
      rd_kafka_NewTopic_set_config(t, "min.cleanable.dirty.ratio", "0.1");
    }
    if (s.name == &c.topics.dead_letters) rd_kafka_NewTopic_set_config(t, "max.message.bytes", dead_letter_max_bytes);
    topics.push_back(t);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000);
  if (ev != nullptr) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = res != nullptr ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      const auto code = rd_kafka_topic_result_error(results[i]);
      if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        log_line(log_level::warn, "topic_create_failed", {{"topic", rd_kafka_topic_result_name(results[i])},
                                                 {"error", rd_kafka_err2str(code)}});
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
}

// Counts a scope in a health counter (recovering, waiting on the broker).
class scoped_count {
public:
  explicit scoped_count(std::atomic<int>* counter) : counter_(counter) {
    if (counter_ != nullptr) ++*counter_;
  }
  ~scoped_count() {
    if (counter_ != nullptr) --*counter_;
  }
  scoped_count(const scoped_count&) = delete;
  scoped_count& operator=(const scoped_count&) = delete;
  scoped_count(scoped_count&&) = delete;
  scoped_count& operator=(scoped_count&&) = delete;

private:
  std::atomic<int>* counter_;
};

class kafka_service : public RdKafka::RebalanceCb {
public:
  kafka_service(const service_config& c, service_probes probes) : config_(c), probes_(probes) {}

  int run(const std::atomic<bool>& stop) {
    stop_ = &stop;
    std::string error;
    auto pconf = make_conf({{"transactional.id", config_.transactional_id},
                                           {"enable.idempotence", "true"},
                                           {"linger.ms", "5"},
                                           // a dead letter is the rejected record whole, however large
                                           {"message.max.bytes", dead_letter_max_bytes},
                                           {"transaction.timeout.ms", "60000"}},
                                          config_);
    producer_.reset(RdKafka::Producer::create(pconf.get(), error));
    if (!producer_) throw std::runtime_error("producer: " + error);
    if (config_.create_topics) ensure_topics(*producer_, config_);

    auto cconf = make_conf({{"group.id", config_.group_id},
                                           {"enable.auto.commit", "false"},
                                           {"auto.offset.reset", "earliest"},
                                           {"isolation.level", "read_committed"},
                                           // eager: cooperative-sticky close/rebalance fixes came after 2.0.2
                                           {"partition.assignment.strategy", "range"},
                                           // a killed instance's partitions move on within 10 s
                                           {"session.timeout.ms", "10000"},
                                           {"heartbeat.interval.ms", "1000"},
                                           {"enable.partition.eof", "false"}},
                                          config_);
    if (cconf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), error) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(error);
    consumer_.reset(RdKafka::KafkaConsumer::create(cconf.get(), error));
    if (!consumer_) throw std::runtime_error("consumer: " + error);

    if (auto* e = retrying("init_transactions", [&] { return producer_->init_transactions(txn_call_timeout_ms); }))
      return fatal("init_transactions", e);
    if (auto* e = producer_->begin_transaction()) return fatal("begin_transaction", e);
    if (const auto err = consumer_->subscribe({config_.topics.events}); err != RdKafka::ERR_NO_ERROR)
      throw std::runtime_error("subscribe: " + RdKafka::err2str(err));
    log_line(log_level::info, "started", {{"brokers", config_.brokers}, {"group", config_.group_id},
                                 {"transactional_id", config_.transactional_id}});
    if (probes_.health != nullptr) probes_.health->started.store(true);

    auto last_commit = clock_type::now();
    auto last_deadlines = clock_type::now();
    auto last_lag = clock_type::now();
    RdKafka::ErrorCode last_consume_error = RdKafka::ERR_NO_ERROR;
    auto last_consume_log = clock_type::time_point{};
    while (!stop.load() && exit_code_ == 0) {
      beat();
      std::unique_ptr<RdKafka::Message> msg(consumer_->consume(50));
      if (msg->err() == RdKafka::ERR_NO_ERROR) {
        on_message(*msg);
      } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
        // Once per distinct error and at most every 10 s: an outage repeats it.
        if (msg->err() != last_consume_error || clock_type::now() - last_consume_log >= std::chrono::seconds(10)) {
          log_line(log_level::warn, "consume_error", {{"error", msg->errstr()}});
          last_consume_error = msg->err();
          last_consume_log = clock_type::now();
        }
      }
      const auto now = clock_type::now();
      if (now - last_deadlines >= std::chrono::milliseconds(config_.deadline_poll_ms)) {
        last_deadlines = now;
        for (auto& [p, proc] : processors_) {
          if (catching_up(p)) continue; // its own events will fire or move its deadlines
          const std::size_t before = outputs_.size();
          proc->due_deadlines(wall_now(), outputs_);
          if (outputs_.size() != before) dirty_.insert(p);
        }
      }
      dead_letters_.flush_if_due(now);
      if (probes_.metrics != nullptr && now - last_lag >= std::chrono::seconds(1)) {
        last_lag = now;
        report_lag();
      }
      if (!dirty_.empty() && (batch_ >= static_cast<std::size_t>(config_.commit_max_events) ||
                              now - last_commit >= std::chrono::milliseconds(config_.commit_interval_ms))) {
        commit();
        last_commit = clock_type::now();
      }
      producer_->poll(0);
    }
    if (exit_code_ == 0) {
      // Commit what was consumed, with snapshots, then leave the group; the
      // revoke that close() triggers has nothing left to commit.
      if (!positions_.empty()) commit(true);
      closing_ = true;
      consumer_->close();
      delete producer_->abort_transaction(txn_call_timeout_ms); // the empty one begun after the commit
      producer_->flush(10'000);
      dead_letters_.flush();
      log_line(log_level::info, "stopped", {});
    }
    return exit_code_;
  }

  // Eager rebalance: commit what we have before giving partitions away; recover
  // from snapshots before taking partitions on.
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (probes_.metrics != nullptr) probes_.metrics->record_rebalance(err == RdKafka::ERR__ASSIGN_PARTITIONS);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      {
        // Not ready from the first partition to the last, never in between.
        const scoped_count recovering(probes_.health != nullptr ? &probes_.health->recovering : nullptr);
        for (auto* tp : partitions) recover(tp->partition());
      }
      consumer->assign(partitions);
      if (probes_.health != nullptr) probes_.health->assigned_once.store(true);
      log_line(log_level::info, "assigned", {{"partitions", std::to_string(partitions.size())}});
    } else {
      // Whoever takes these partitions over starts from fresh snapshots.
      if (!closing_ && exit_code_ == 0 && !positions_.empty()) commit(true);
      for (auto* tp : partitions) {
        processors_.erase(tp->partition());
        positions_.erase(tp->partition());
        last_record_time_.erase(tp->partition());
        if (probes_.metrics != nullptr) probes_.metrics->forget_partition(tp->partition());
      }
      consumer->unassign();
      log_line(log_level::info, "revoked", {{"partitions", std::to_string(partitions.size())}});
    }
  }

private:
  static processed on_record(partition_processor& proc, RdKafka::Message& msg, std::vector<output_record>& out) {
    // Header::key() returns a copy: keep the copies alive while the views are used.
    std::vector<RdKafka::Headers::Header> owned;
    if (const RdKafka::Headers* h = msg.headers()) owned = h->get_all();
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
    if (msg.key_pointer() != nullptr) key = std::string_view(static_cast<const char*>(msg.key_pointer()), msg.key_len());
    const std::string_view value(static_cast<const char*>(msg.payload()), msg.len());
    return proc.process({key, value, headers, msg.offset()}, out);
  }

  void on_message(RdKafka::Message& msg) {
    const std::int32_t p = msg.partition();
    const auto it = processors_.find(p);
    if (it == processors_.end()) return; // not ours (any more)
    const auto started = clock_type::now();
    const auto result = on_record(*it->second, msg, outputs_);
    if (probes_.metrics != nullptr)
      probes_.metrics->record_event(result.type, result.kind,
                                    result.why ? std::optional(result.why->code) : std::nullopt,
                                    std::chrono::duration<double>(clock_type::now() - started).count());
    if (probes_.metrics != nullptr && result.reconciliation) probes_.metrics->record_reconciliation(*result.reconciliation);
    if (result.kind == statemachine::outcome_kind::rejected) {
      dead_letters_.count(result.why->code);
      if (log_enabled(log_level::debug))
        log_line(log_level::debug, "rejected", {{"contract_id", result.contract_id.value_or("")},
                                                {"event_id", result.event_id.value_or("")},
                                                {"offset", std::to_string(msg.offset())},
                                                {"reason", std::string(events::to_string(result.why->code))}});
    }
    positions_[p] = msg.offset() + 1;
    if (const auto ts = msg.timestamp(); ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE)
      last_record_time_[p] = events::timestamp{ts.timestamp};
    dirty_.insert(p);
    ++batch_;
  }

  const std::string& topic_of(destination d) const {
    switch (d) {
    case destination::views: return config_.topics.views;
    case destination::termination: return config_.topics.termination;
    case destination::liability: return config_.topics.liability;
    case destination::dead_letters: return config_.topics.dead_letters;
    case destination::snapshots: return config_.topics.snapshots;
    case destination::events: return config_.topics.events;
    }
    return config_.topics.dead_letters;
  }

  void produce(const output_record& r) {
    RdKafka::Headers* headers = nullptr;
    if (!r.headers.empty()) {
      headers = RdKafka::Headers::create();
      for (const auto& [k, v] : r.headers) {
        if (v) headers->add(k, *v);
        else headers->add(k, nullptr, 0); // no value, not an empty one
      }
    }
    // Snapshots and deadline events stay on the partition they belong to.
    const bool pinned = r.to == destination::snapshots || r.to == destination::events;
    for (;;) {
      const auto err = producer_->produce(topic_of(r.to), pinned ? r.partition : RdKafka::Topic::PARTITION_UA,
                                          RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(r.value.data()), r.value.size(),
                                          r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return;
      if (err != RdKafka::ERR__QUEUE_FULL) {
        delete headers;
        log_line(log_level::error, "produce_failed", {{"topic", topic_of(r.to)}, {"error", RdKafka::err2str(err)}});
        produce_failed_ = true;
        return;
      }
      producer_->poll(10);
    }
  }

  // Everything since the last commit, then the offsets, in one transaction.
  // Snapshots ride along every snapshot interval, and always when `snapshots`.
  void commit(bool snapshots = false) {
    // The consumer's positions, not last offset + 1: past transaction markers
    // (pactumd appends deadline events transactionally), as librdkafka's
    // transactions example does.
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [p, next] : positions_) offsets.push_back(RdKafka::TopicPartition::create(config_.topics.events, p, next));
    consumer_->position(offsets);
    for (auto* tp : offsets)
      if (tp->offset() < positions_[tp->partition()]) tp->set_offset(positions_[tp->partition()]);
    const auto now = clock_type::now();
    snapshots = snapshots || now - last_snapshots_ >= std::chrono::milliseconds(config_.snapshot_interval_ms);
    std::vector<output_record> flushed;
    for (const std::int32_t p : dirty_) {
      const auto proc = processors_.find(p);
      if (proc != processors_.end()) proc->second->flush_views(flushed);
    }
    if (snapshots) {
      last_snapshots_ = now;
      for (auto* tp : offsets) {
        const auto proc = processors_.find(tp->partition());
        if (proc != processors_.end()) proc->second->flush_snapshots(tp->offset(), flushed);
      }
    }
    for (const auto& r : outputs_) produce(r);
    for (const auto& r : flushed) produce(r);
    RdKafka::Error* error = nullptr;
    if (!produce_failed_) {
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer_->groupMetadata());
      if (!offsets.empty())
        error = retrying("send_offsets_to_transaction", [&] {
          return producer_->send_offsets_to_transaction(offsets, group.get(), txn_call_timeout_ms);
        });
      if (error == nullptr)
        error = retrying("commit_transaction", [&] { return producer_->commit_transaction(txn_call_timeout_ms); });
    }
    std::vector<std::pair<std::int32_t, std::int64_t>> covered;
    covered.reserve(offsets.size());
    for (const auto* tp : offsets) covered.emplace_back(tp->partition(), tp->offset());
    RdKafka::TopicPartition::destroy(offsets);
    const std::size_t events = batch_;
    outputs_.clear();
    dirty_.clear();
    batch_ = 0;
    if (produce_failed_) {
      produce_failed_ = false;
      abort_and_rewind("a record could not be produced");
    } else if (error == nullptr) {
      ++committed_;
      if (probes_.metrics != nullptr) probes_.metrics->record_transaction(true);
      if (probes_.health != nullptr)
        for (const auto& [partition, next] : covered) probes_.health->record_committed(partition, next);
      if (committed_ % 100 == 1)
        log_line(log_level::info, "committed", {{"transactions", std::to_string(committed_)}, {"events", std::to_string(events)}});
    } else {
      handle_transaction_error(error);
    }
    if (exit_code_ == 0) {
      if (auto* e = producer_->begin_transaction()) fatal("begin_transaction", e);
    }
  }

  // Abortable: abort, forget the uncommitted state and start again from the
  // committed offsets and snapshots. Fatal (or fenced): exit non-zero.
  void handle_transaction_error(RdKafka::Error* error) {
    const std::string what = error->str();
    const bool abortable = error->txn_requires_abort();
    const bool fatal_error = error->is_fatal();
    delete error;
    if (fatal_error || !abortable) {
      log_line(log_level::error, "transaction_fatal", {{"error", what}});
      exit_code_ = 3;
      return;
    }
    abort_and_rewind(what);
  }

  void abort_and_rewind(const std::string& what) {
    log_line(log_level::warn, "transaction_aborted", {{"error", what}});
    if (probes_.metrics != nullptr) probes_.metrics->record_transaction(false);
    if (auto* e = retrying("abort_transaction", [&] { return producer_->abort_transaction(txn_call_timeout_ms); })) {
      fatal("abort_transaction", e);
      return;
    }
    rewind();
  }

  void rewind() {
    std::vector<RdKafka::TopicPartition*> parts;
    for (const auto& [p, proc] : processors_) parts.push_back(RdKafka::TopicPartition::create(config_.topics.events, p));
    committed_offsets(parts);
    for (auto* tp : parts) {
      recover(tp->partition());
      if (tp->offset() < 0) tp->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      consumer_->seek(*tp, 10'000);
    }
    RdKafka::TopicPartition::destroy(parts);
    positions_.clear();
  }

  // A partition's contracts as the last committed transaction left them.
  void recover(std::int32_t partition) {
    // Recovery can take a while: it counts as progress for liveness, and the
    // instance is not ready until it is done.
    const scoped_count recovering(probes_.health != nullptr ? &probes_.health->recovering : nullptr);
    auto proc = std::make_unique<partition_processor>(config_.topics.events, partition);
    std::string error;
    auto conf = make_conf({{"group.id", config_.group_id + "-snapshot-reader"},
                           {"enable.auto.commit", "false"},
                           {"isolation.level", "read_committed"},
                           {"enable.partition.eof", "true"},
                           // the end of a partition is known only when a fetch comes back
                           // empty: do not let the broker hold it (default 500 ms)
                           {"fetch.wait.max.ms", "10"}},
                          config_);
    std::unique_ptr<RdKafka::KafkaConsumer> reader(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!reader) throw std::runtime_error("snapshot reader: " + error);
    std::vector<RdKafka::TopicPartition*> tp{
        RdKafka::TopicPartition::create(config_.topics.snapshots, partition, RdKafka::Topic::OFFSET_BEGINNING)};
    reader->assign(tp);
    std::map<std::string, std::string> latest;
    std::int64_t low = 0;
    std::int64_t high = 0;
    // A topic created a moment ago may not have a leader yet: retry for a while.
    for (int attempt = 0;; ++attempt) {
      const auto err = reader->query_watermark_offsets(config_.topics.snapshots, partition, &low, &high, 5'000);
      if (err == RdKafka::ERR_NO_ERROR) break;
      if (attempt == 30)
        throw std::runtime_error("snapshot reader: cannot read the watermarks of " + config_.topics.snapshots + ": " +
                                 RdKafka::err2str(err));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    // Read to the end: the partition-EOF event (read_committed stops at the last
    // stable offset) or the last offset itself.
    const auto deadline = clock_type::now() + std::chrono::seconds(60);
    while (high > low && clock_type::now() < deadline) {
      std::unique_ptr<RdKafka::Message> m(reader->consume(200));
      beat();
      if (m->err() == RdKafka::ERR__PARTITION_EOF) break;
      if (m->err() != RdKafka::ERR_NO_ERROR) continue;
      if (m->key() != nullptr) latest[*m->key()] = std::string(static_cast<const char*>(m->payload()), m->len());
      if (m->offset() >= high - 1) break;
    }
    std::size_t restored = 0;
    std::size_t refused = 0;
    std::int64_t snapshot_point = 0; // the offset the newest snapshots are current at
    for (const auto& [key, value] : latest) {
      if (const auto at = proc->restore(value)) {
        ++restored;
        snapshot_point = std::max(snapshot_point, *at);
      } else {
        ++refused;
      }
    }
    if (refused > 0) {
      // A snapshot this build cannot read (an older format, after an upgrade):
      // its contract can only be rebuilt from its events, so the partition is
      // replayed from its start (the events topic is kept whole).
      log_line(log_level::warn, "snapshots_refused",
               {{"partition", std::to_string(partition)}, {"refused", std::to_string(refused)},
                {"detail", "replaying the partition from its start"}});
      proc = std::make_unique<partition_processor>(config_.topics.events, partition);
      restored = 0;
      snapshot_point = 0;
    }
    reader->unassign();
    // The tail: events after the snapshot point that the committed offset already
    // covers. Their outputs were committed; apply them again without writing.
    std::vector<RdKafka::TopicPartition*> committed{RdKafka::TopicPartition::create(config_.topics.events, partition)};
    committed_offsets(committed);
    const std::int64_t resume = committed[0]->offset();
    RdKafka::TopicPartition::destroy(committed);
    std::size_t replayed = 0;
    if (resume > snapshot_point) {
      std::vector<RdKafka::TopicPartition*> tail{RdKafka::TopicPartition::create(config_.topics.events, partition, snapshot_point)};
      reader->assign(tail);
      RdKafka::TopicPartition::destroy(tail);
      std::vector<output_record> discarded;
      // Bounded by progress, not by length: a long tail (a replay from the
      // start) goes on while records come; 120 s without one ends it.
      auto tail_deadline = clock_type::now() + std::chrono::seconds(120);
      while (clock_type::now() < tail_deadline) {
        std::unique_ptr<RdKafka::Message> m(reader->consume(200));
        beat();
        if (m->err() == RdKafka::ERR__PARTITION_EOF) break;
        if (m->err() != RdKafka::ERR_NO_ERROR) continue;
        tail_deadline = clock_type::now() + std::chrono::seconds(120);
        if (m->offset() >= resume) break;
        on_record(*proc, *m, discarded);
        discarded.clear();
        ++replayed;
        if (m->offset() + 1 >= resume) break;
      }
      proc->flush_views(discarded); // what was emitted, so "changed" compares right
      reader->unassign();
    }
    reader->close();
    RdKafka::TopicPartition::destroy(tp);
    processors_[partition] = std::move(proc);
    log_line(log_level::info, "recovered", {{"partition", std::to_string(partition)}, {"contracts", std::to_string(restored)},
                                   {"tail_events", std::to_string(replayed)}});
  }

  // Calls `call` again while it fails with a retriable error (a timeout while
  // the broker is unreachable); when stopping, only within the retry budget.
  // Marks a blocking call to the broker for liveness (service_health::live).
  [[nodiscard]] scoped_count waiting_on_broker() const {
    return scoped_count(probes_.health != nullptr ? &probes_.health->waiting_on_broker : nullptr);
  }

  template <class Call>
  RdKafka::Error* retrying(const char* step, Call&& call) {
    const auto started = clock_type::now();
    for (int attempt = 1;; ++attempt) {
      RdKafka::Error* e = nullptr;
      {
        const auto waiting = waiting_on_broker();
        e = call();
      }
      if (e == nullptr || !e->is_retriable()) return e;
      if (stop_ != nullptr && stop_->load() && clock_type::now() - started >= shutdown_retry_budget) return e;
      if (attempt == 1 || attempt % 10 == 0)
        log_line(log_level::warn, "transaction_retry", {{"step", step}, {"attempt", std::to_string(attempt)}, {"error", e->str()}});
      delete e;
      beat();
    }
  }

  // The group's committed offsets for `parts`; retried until the coordinator
  // answers: guessing would replay or skip events.
  void committed_offsets(std::vector<RdKafka::TopicPartition*>& parts) {
    for (int attempt = 1;; ++attempt) {
      RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
      {
        const auto waiting = waiting_on_broker();
        err = consumer_->committed(parts, 10'000);
      }
      if (err == RdKafka::ERR_NO_ERROR) return;
      if (attempt == 1 || attempt % 10 == 0)
        log_line(log_level::warn, "committed_offsets_retry", {{"attempt", std::to_string(attempt)}, {"error", RdKafka::err2str(err)}});
      beat();
    }
  }

  void beat() {
    if (probes_.health != nullptr) probes_.health->beat();
  }

  // Lag from the watermarks the fetches brought back (no extra request).
  // A partition is catching up on a backlog when records wait to be read and
  // the last one read was written well before now: its wall-clock deadlines
  // would only duplicate what its own events do (a drain of a long history
  // would otherwise append a deadline event for nearly every contract).
  bool catching_up(std::int32_t p) {
    const auto last = last_record_time_.find(p);
    if (last == last_record_time_.end() || wall_now().ms - last->second.ms < backlog_age_ms) return false;
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (consumer_->get_watermark_offsets(config_.topics.events, p, &low, &high) != RdKafka::ERR_NO_ERROR || high < 0)
      return false;
    std::vector<RdKafka::TopicPartition*> at{RdKafka::TopicPartition::create(config_.topics.events, p)};
    consumer_->position(at);
    const std::int64_t position = at[0]->offset();
    RdKafka::TopicPartition::destroy(at);
    return position >= 0 && high > position;
  }

  void report_lag() {
    for (const auto& [p, next] : positions_) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (consumer_->get_watermark_offsets(config_.topics.events, p, &low, &high) == RdKafka::ERR_NO_ERROR && high >= 0)
        probes_.metrics->set_consumer_lag(p, std::max<std::int64_t>(0, high - next));
    }
  }

  int fatal(const char* what, RdKafka::Error* e) {
    log_line(log_level::error, "fatal", {{"step", what}, {"error", e->str()}});
    delete e;
    exit_code_ = 3;
    return exit_code_;
  }

  const service_config& config_;
  service_probes probes_;
  const std::atomic<bool>* stop_ = nullptr;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<std::int32_t, std::unique_ptr<partition_processor>> processors_;
  std::map<std::int32_t, std::int64_t> positions_; // next offset to consume, per partition
  std::set<std::int32_t> dirty_;
  std::vector<output_record> outputs_;
  std::size_t batch_ = 0;
  dead_letter_summary dead_letters_;
  std::map<std::int32_t, events::timestamp> last_record_time_; // the producer's time of the last record read
  static constexpr std::int64_t backlog_age_ms = 10'000;
  std::size_t committed_ = 0;
  clock_type::time_point last_snapshots_ = clock_type::now();
  bool produce_failed_ = false;
  int exit_code_ = 0;
  bool closing_ = false;
};

} // namespace

int run_service(const service_config& config, const std::atomic<bool>& stop, service_probes probes) {
  kafka_service service(config, probes);
  return service.run(stop);
}

} // namespace pactum::runtime
