#include "restorer.hpp"

#include "handles.hpp"
#include "partitions.hpp"

#include "kafka_conf.hpp"

#include "pactum/runtime/log.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <thread>

namespace pactum::runtime::kafka {
namespace {

using clock_type = std::chrono::steady_clock;

// A phase that reads nothing for this long fails (the broker is gone, or a
// partition's end cannot be reached); the loop retries it.
constexpr auto no_progress_limit = std::chrono::seconds(120);
// A store checkpoint at most this many records behind the committed offset is
// replayed from; further behind, the snapshots (at most a snapshot interval
// old) are the shorter way.
constexpr std::int64_t warm_tail_limit = 200'000;

class restorer {
public:
  restorer(const service_config& config, contract_store& store, const liveness& live, const std::atomic<bool>& stop)
      : config_(config), store_(store), live_(live), stop_(stop) {}

  std::variant<restored_partitions, restore_failure> run(const std::map<std::int32_t, std::int64_t>& committed) {
    auto conf = make_kafka_conf(config_.brokers,
                                {{"group.id", config_.group_id + "-snapshot-reader"},
                                 {"enable.auto.commit", "false"},
                                 {"isolation.level", "read_committed"},
                                 // the end of a partition is known only when a fetch comes back
                                 // empty: do not let the broker hold it (default 500 ms)
                                 {"fetch.wait.max.ms", "10"}},
                                config_.kafka_properties);
    std::string error;
    reader_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!reader_) return restore_failure{"snapshot reader: " + error};
    auto result = restore(committed);
    reader_->close();
    return result;
  }

private:
  std::variant<restored_partitions, restore_failure> restore(const std::map<std::int32_t, std::int64_t>& committed) {
    restored_partitions processors;
    // Where each partition's replay of the events starts: its store checkpoint
    // (warm) or its snapshots' offset (cold).
    std::map<std::int32_t, std::int64_t> replay_from;
    std::map<std::int32_t, std::int64_t> cold; // partition -> committed offset
    const auto fresh_processor = [&](std::int32_t p) {
      return std::make_unique<partition_processor>(config_.topics.events, p, processor_options{&store_, config_.cache_contracts});
    };
    for (const auto& [p, offset] : committed) {
      const std::int64_t next = std::max<std::int64_t>(offset, 0);
      const auto checkpoint = store_.checkpoint(p);
      if (checkpoint && *checkpoint <= next && next - *checkpoint <= warm_tail_limit) {
        replay_from[p] = *checkpoint;
        from_store_.insert(p);
      } else {
        // No checkpoint (a new or wiped store), one past the committed offset
        // (the topic was recreated), or one far behind (the partition was
        // elsewhere for long): the snapshots are nearer.
        store_.wipe(p);
        cold[p] = offset;
      }
      processors[p] = fresh_processor(p); // after the wipe: it reads what the store holds
    }

    // 1. Cold partitions: the newest snapshot of each contract, up to the
    // snapshots' end offsets now, into the store.
    std::map<std::int32_t, std::int64_t> ends;
    for (const auto& [p, offset] : cold) {
      const auto end = end_offset(config_.topics.snapshots, p);
      if (!end) return restore_failure{"cannot read the end offset of " + config_.topics.snapshots + " partition " +
                                       std::to_string(p)};
      ends[p] = *end;
    }
    std::map<std::int32_t, std::int64_t> points;
    std::map<std::int32_t, std::size_t> refused;
    if (auto failed = read_until(config_.topics.snapshots, {}, ends, [&](const RdKafka::Message& m) {
          if (m.key() == nullptr) return;
          const auto at = processors[m.partition()]->restore({static_cast<const char*>(m.payload()), m.len()});
          if (at) {
            ++restored_counts_[m.partition()];
            points[m.partition()] = std::max(points[m.partition()], *at);
          } else {
            ++refused[m.partition()];
          }
        }))
      return *failed;
    for (const auto& [p, offset] : cold) {
      if (refused[p] > 0) {
        // A snapshot this build cannot read (an older format, after an upgrade):
        // its contract can only be rebuilt from its events, so the partition is
        // replayed from its start (the events topic is kept whole).
        log_line(log_level::warn, "snapshots_refused",
                 {{"partition", std::to_string(p)}, {"refused", std::to_string(refused[p])},
                  {"detail", "replaying the partition from its start"}});
        store_.wipe(p);
        processors[p] = fresh_processor(p);
        restored_counts_[p] = 0;
        points[p] = 0;
      }
      // The store now holds the partition as of its snapshots' offset (each
      // contract's newest snapshot: none changed after its own and before it).
      processors[p]->persist(points[p]);
      replay_from[p] = points[p];
    }

    // 2. The tail: events after each starting point that the committed offset
    // already covers. Their outputs were committed; apply them again without writing.
    std::map<std::int32_t, std::int64_t> tail_ends;
    for (const auto& [p, offset] : committed)
      if (offset > replay_from[p]) tail_ends[p] = offset;
    std::map<std::int32_t, std::size_t> replayed;
    std::vector<output_record> discarded;
    if (auto failed = read_until(config_.topics.events, replay_from, tail_ends, [&](const RdKafka::Message& m) {
          process_message(*processors[m.partition()], m, discarded);
          discarded.clear();
          ++replayed[m.partition()];
        }))
      return *failed;
    for (auto& [p, processor] : processors) {
      processor->flush_views(discarded); // what was emitted, so "changed" compares right
      discarded.clear();
      processor->persist(std::max<std::int64_t>(committed.at(p), 0));
      log_line(log_level::info, "recovered", {{"partition", std::to_string(p)},
                                              {"from", from_store_.contains(p) ? "local_store" : "snapshots"},
                                              {"replayed_from", std::to_string(replay_from[p])},
                                              {"snapshots", std::to_string(restored_counts_[p])},
                                              {"tail_events", std::to_string(replayed[p])}});
    }
    return processors;
  }

  // The end offset a read_committed reader sees (the last stable offset). A
  // topic created a moment ago may not have a leader yet: retried for a while.
  std::optional<std::int64_t> end_offset(const std::string& topic, std::int32_t partition) {
    for (int attempt = 0; attempt < 30 && !stop_.load(); ++attempt) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      const auto err = reader_->query_watermark_offsets(topic, partition, &low, &high, 5'000);
      live_.beat();
      if (err == RdKafka::ERR_NO_ERROR) return high;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return std::nullopt;
  }

  // Reads `topic` from `starts` (default: the beginning) until each partition
  // of `ends` is consumed up to its end (records at or past it are not handed
  // on). An end is reached by a record just before it or by the position
  // (which passes transaction markers).
  std::optional<restore_failure> read_until(const std::string& topic, const std::map<std::int32_t, std::int64_t>& starts,
                                            const std::map<std::int32_t, std::int64_t>& ends,
                                            const std::function<void(const RdKafka::Message&)>& handle) {
    std::map<std::int32_t, std::int64_t> remaining;
    partition_list assignment;
    for (const auto& [p, end] : ends) {
      const auto start = starts.find(p);
      const std::int64_t from = start != starts.end() ? start->second : 0;
      if (end <= from) continue;
      remaining[p] = end;
      assignment.add(topic, p, start != starts.end() ? from : RdKafka::Topic::OFFSET_BEGINNING);
    }
    if (remaining.empty()) return std::nullopt;
    if (const auto err = reader_->assign(assignment.get()); err != RdKafka::ERR_NO_ERROR)
      return restore_failure{"assign " + topic + ": " + RdKafka::err2str(err)};
    auto last_progress = clock_type::now();
    const auto finish = [&](std::int32_t p) {
      remaining.erase(p);
      partition_list done;
      done.add(topic, p);
      reader_->pause(done.get()); // its end is reached: stop fetching it
    };
    while (!remaining.empty()) {
      if (stop_.load()) {
        reader_->unassign();
        return restore_failure{"stopping"};
      }
      const message_ptr m(reader_->consume(100));
      live_.beat();
      if (m->err() == RdKafka::ERR_NO_ERROR) {
        last_progress = clock_type::now();
        const auto it = remaining.find(m->partition());
        if (it == remaining.end() || m->offset() >= it->second) continue;
        handle(*m);
        if (m->offset() + 1 >= it->second) finish(m->partition());
        continue;
      }
      // Nothing came: past the last record there may be only transaction markers.
      partition_list positions;
      for (const auto& [p, end] : remaining) positions.add(topic, p);
      reader_->position(positions.get());
      for (const auto* tp : positions)
        if (tp->offset() >= 0 && tp->offset() >= remaining[tp->partition()]) {
          last_progress = clock_type::now();
          finish(tp->partition());
        }
      if (clock_type::now() - last_progress > no_progress_limit) {
        reader_->unassign();
        return restore_failure{"no progress reading " + topic + " for " +
                               std::to_string(std::chrono::seconds(no_progress_limit).count()) + " s"};
      }
    }
    reader_->unassign();
    return std::nullopt;
  }

  const service_config& config_;
  contract_store& store_;
  const liveness& live_;
  const std::atomic<bool>& stop_;
  consumer_ptr reader_;
  std::map<std::int32_t, std::size_t> restored_counts_;
  std::set<std::int32_t> from_store_;
};

} // namespace

std::variant<restored_partitions, restore_failure> restore_partitions(const service_config& config,
                                                                      const std::map<std::int32_t, std::int64_t>& committed,
                                                                      contract_store& store, const liveness& live,
                                                                      const std::atomic<bool>& stop) {
  try {
    return restorer(config, store, live, stop).run(committed);
  } catch (const std::exception& e) { // a bad configuration property, memory
    return restore_failure{e.what()};
  }
}

} // namespace pactum::runtime::kafka
