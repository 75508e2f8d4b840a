// The loop: consume, process, commit every interval; restore what the group
// assigns; fire wall-clock deadlines. The work itself is done by the
// collaborators in kafka/ (handles, topics, transaction, partitions, restorer).
#include "pactum/runtime/service.hpp"

#include "handles.hpp"
#include "liveness.hpp"
#include "partitions.hpp"
#include "restorer.hpp"
#include "transaction.hpp"
#include "kafka_conf.hpp"

#include "pactum/runtime/log.hpp"
#include "pactum/runtime/metrics.hpp"
#include "pactum/statemachine/snapshot.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace pactum::runtime {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace kafka;

// A restoration that fails this many times in a row while the broker answers
// ends the process (exit 3): the orchestrator restarts it, and the partitions
// may go elsewhere. During an outage it is retried for as long as it lasts.
constexpr int restore_attempts = 5;
// A partition whose last record was written this long before now, with records
// still to read, is catching up on a backlog.
constexpr std::int64_t backlog_age_ms = 10'000;
// A transaction that holds the loop longer than this is logged with its phases.
constexpr std::chrono::milliseconds slow_transaction{250};

events::timestamp wall_now() {
  return events::timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count()};
}

class kafka_service : public RdKafka::RebalanceCb {
public:
  kafka_service(const service_config& c, const service_probes& probes, const std::atomic<bool>& stop)
      : config_(c), probes_(probes), live_(probes.health), stop_(stop), txn_(c, probes, stop), partitions_(probes) {}

  int run() {
    try {
      // Records of another format, events topic or group are not this
      // instance's state: such a store is wiped when opened.
      store_ = std::make_unique<contract_store>(config_.state, std::to_string(statemachine::snapshot_format) + "/" +
                                                                   config_.topics.events + "/" + config_.group_id);
    } catch (const std::exception& e) {
      return fatal(std::string("local state: ") + e.what());
    }
    if (auto e = txn_.start()) return fatal(*e);
    auto conf = make_kafka_conf(config_.brokers,
                                {{"group.id", config_.group_id},
                                 {"enable.auto.commit", "false"},
                                 {"auto.offset.reset", "earliest"},
                                 {"isolation.level", "read_committed"},
                                 // eager: cooperative-sticky close/rebalance fixes came after 2.0.2
                                 {"partition.assignment.strategy", "range"},
                                 // a killed instance's partitions move on within 10 s
                                 {"session.timeout.ms", "10000"},
                                 {"heartbeat.interval.ms", "1000"},
                                 {"enable.partition.eof", "false"},
                                 // librdkafka 2.0.2 fetches again up to a second after its prefetch
                                 // queue was full (see topic_follower.cpp): the queue must outlast
                                 // a backlog transaction's commit, ~1 s (16 MiB lasted ~0.5 s)
                                 {"queued.max.messages.kbytes", "65536"}},
                                config_.kafka_properties);
    std::string error;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), error) != RdKafka::Conf::CONF_OK)
      return fatal("rebalance_cb: " + error);
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer_) return fatal("consumer: " + error);
    if (const auto err = consumer_->subscribe({config_.topics.events}); err != RdKafka::ERR_NO_ERROR)
      return fatal("subscribe: " + RdKafka::err2str(err));
    log_line(log_level::info, "started", {{"brokers", config_.brokers}, {"group", config_.group_id},
                                          {"transactional_id", config_.transactional_id}});
    if (probes_.health != nullptr) probes_.health->started.store(true);

    while (!stop_.load() && exit_code_ == 0) step();
    if (exit_code_ == 0) shut_down();
    return exit_code_;
  }

  // Only records what the group decided: restoring runs in the loop. Nothing
  // may throw through librdkafka's frames.
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) noexcept override {
    try {
      if (probes_.metrics != nullptr) probes_.metrics->record_rebalance(err == RdKafka::ERR__ASSIGN_PARTITIONS);
      if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
        // Not fetched until restored: the loop restores them and then
        // assigns them at the restored offsets. Nothing is paused, resumed or
        // sought: in librdkafka 2.0.2 each of those raises the partition's op
        // version from this thread, and a fetch start the group thread made
        // just before is then discarded as outdated: the partition is never
        // read (seen in CI).
        consumer->assign(std::vector<RdKafka::TopicPartition*>{});
        for (const auto* tp : partitions) to_restore_.insert(tp->partition());
        set_recovering();
        log_line(log_level::info, "assigned", {{"partitions", std::to_string(partitions.size())}});
      } else {
        // Eager rebalance: commit what we have before giving the partitions
        // away; whoever takes them over starts from fresh snapshots.
        if (!closing_ && exit_code_ == 0 && !partitions_.positions().empty()) commit(true);
        for (const auto* tp : partitions) {
          partitions_.drop(tp->partition());
          to_restore_.erase(tp->partition());
          resumed_at_.erase(tp->partition());
        }
        set_recovering();
        consumer->unassign();
        log_line(log_level::info, "revoked", {{"partitions", std::to_string(partitions.size())}});
      }
    } catch (const std::exception& e) {
      log_line(log_level::error, "rebalance_failed", {{"error", e.what()}});
      exit_code_ = 3;
    }
  }

private:
  void step() {
    live_.beat();
    if (!to_restore_.empty()) {
      restore_assigned();
      return;
    }
    // Whether a record was waiting, without waiting: a steady stream's next
    // record usually arrives within the poll's timeout, so a poll that had to
    // wait says the stream is caught up as much as one that timed out. An
    // empty queue with many records left is a fetcher behind the loop.
    message_ptr msg(consumer_->consume(0));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) {
      if (!records_waiting()) {
        ran_dry_ = true;
        idle();
      }
      if (const int timeout = poll_timeout_ms(); timeout > 0) msg.reset(consumer_->consume(timeout));
    }
    if (msg->err() == RdKafka::ERR_NO_ERROR) partitions_.on_message(*msg);
    else if (msg->err() != RdKafka::ERR__TIMED_OUT) log_consume_error(*msg);
    const auto now = clock_type::now();
    if (now - last_deadlines_ >= std::chrono::milliseconds(config_.deadline_poll_ms)) {
      last_deadlines_ = now;
      // A partition catching up: its own events will fire or move its deadlines.
      partitions_.due_deadlines(wall_now(), [this](std::int32_t p) { return catching_up(p); });
    }
    partitions_.dead_letters().flush_if_due(now);
    if (probes_.metrics != nullptr && now - last_lag_ >= std::chrono::seconds(1)) {
      last_lag_ = now;
      report_lag();
    }
    if (partitions_.dirty() && (partitions_.batch() >= commit_max_events() ||
                                partitions_.changed_contracts() >= static_cast<std::size_t>(config_.commit_max_contracts) ||
                                now >= commit_due())) {
      // The interval runs from one commit's start to the next's: an event that
      // arrives while a transaction commits waits for the rest of the interval,
      // not for a whole interval after the commit (docs/decisions.md).
      last_commit_ = clock_type::now();
      commit();
      ran_dry_ = false;
    }
    txn_.poll();
  }

  // More than a steady transaction's events are still to be read: an empty
  // prefetch queue says only that the fetcher is behind the loop.
  [[nodiscard]] bool records_waiting() {
    std::int64_t waiting = 0;
    for (const auto& [p, behind] : lag()) waiting += behind;
    return waiting > config_.commit_max_events;
  }

  // Caught up: what was freed goes back to the system (the hook), 100 ms after
  // the last time if a transaction committed since, else a second after (the
  // followers free what they read too).
  void idle() {
    if (!probes_.on_idle) return;
    const auto now = clock_type::now();
    const auto wait = committed_ != committed_at_idle_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
    if (now - last_idle_ < wait) return;
    last_idle_ = now;
    committed_at_idle_ = committed_;
    probes_.on_idle();
  }

  // A transaction is committed every commit interval, or after so many events.
  // On a backlog (no poll since the last commit came back empty with at most
  // --commit-max-events records left to read), every backlog interval instead: a contract that many events reach in that time
  // gets one view, one store write and one round of commit calls, not one per
  // 100 ms (docs/decisions.md, "Transactions on a backlog").
  [[nodiscard]] bool on_backlog() const { return !ran_dry_; }
  [[nodiscard]] clock_type::time_point commit_due() const {
    return last_commit_ + std::chrono::milliseconds(on_backlog() ? config_.backlog_commit_interval_ms : config_.commit_interval_ms);
  }
  [[nodiscard]] std::size_t commit_max_events() const {
    return static_cast<std::size_t>(on_backlog() ? config_.backlog_commit_max_events : config_.commit_max_events);
  }

  // At most 50 ms, and no later than the next commit is due: a transaction
  // waiting to commit does not wait for the poll too.
  [[nodiscard]] int poll_timeout_ms() const {
    if (!partitions_.dirty()) return 50;
    const auto due = commit_due() - clock_type::now();
    return static_cast<int>(std::clamp<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(due).count(), 0, 50));
  }

  // Everything since the last commit, then the offsets, in one transaction.
  // Snapshots ride along every snapshot interval, and always when `snapshots`.
  void commit(bool snapshots = false) {
    // The consumer's positions, not last offset + 1: past transaction markers
    // (pactumd appends deadline events transactionally), as librdkafka's
    // transactions example does.
    partition_list offsets;
    for (const auto& [p, next] : partitions_.positions()) offsets.add(config_.topics.events, p, next);
    consumer_->position(offsets.get());
    std::map<std::int32_t, std::int64_t> next;
    for (auto* tp : offsets) {
      const std::int64_t consumed = partitions_.positions().at(tp->partition());
      if (tp->offset() < consumed) tp->set_offset(consumed);
      next[tp->partition()] = tp->offset();
    }
    const auto now = clock_type::now();
    snapshots = snapshots || now - last_snapshots_ >= std::chrono::milliseconds(config_.snapshot_interval_ms);
    if (snapshots) last_snapshots_ = now;
    const std::size_t events = partitions_.batch();
    const auto outputs = partitions_.take_outputs(next, snapshots);
    for (const auto& r : outputs) txn_.produce(r);
    const auto produced = clock_type::now();
    const auto result = txn_.commit(offsets, *consumer_);
    const auto committed = clock_type::now();
    switch (result.outcome) {
    case txn_outcome::committed:
      ++committed_;
      partitions_.persist(next);
      log_if_slow(now, produced, committed, events, outputs.size(), snapshots);
      if (probes_.health != nullptr)
        for (const auto& [partition, offset] : next) probes_.health->record_committed(partition, offset);
      if (committed_ % 100 == 1)
        log_line(log_level::info, "committed", {{"transactions", std::to_string(committed_)}, {"events", std::to_string(events)}});
      break;
    case txn_outcome::aborted: rewind(); break;
    case txn_outcome::fatal: exit_code_ = 3; break;
    }
  }

  // A transaction that held the loop for longer than a latency budget: its
  // phases, so that a stall in the latency benchmark has a cause in the log.
  void log_if_slow(clock_type::time_point began, clock_type::time_point produced, clock_type::time_point committed,
                   std::size_t events, std::size_t outputs, bool snapshots) const {
    const auto ms = [](clock_type::duration d) { return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); };
    const auto persisted = clock_type::now();
    if (persisted - began < slow_transaction) return;
    log_line(log_level::info, "slow_transaction",
             {{"ms", ms(persisted - began)}, {"outputs_ms", ms(produced - began)}, {"commit_ms", ms(committed - produced)},
              {"persist_ms", ms(persisted - committed)}, {"events", std::to_string(events)},
              {"records", std::to_string(outputs)}, {"snapshots", snapshots ? "true" : "false"}});
  }

  // After an abort: forget everything since the last commit and restore every
  // owned partition again (from the loop, before the next record).
  void rewind() {
    for (const std::int32_t p : partitions_.owned()) to_restore_.insert(p);
    partitions_.drop_all();
    resumed_at_.clear();
    // Stops the fetchers; what they fetched is discarded (see rebalance_cb).
    consumer_->assign(std::vector<RdKafka::TopicPartition*>{});
    set_recovering();
  }

  // Restores the partitions assigned (or rewound) since the last call, then
  // assigns them at their committed offsets and lets them be consumed.
  void restore_assigned() {
    partition_list parts;
    for (const std::int32_t p : to_restore_) parts.add(config_.topics.events, p);
    std::variant<restored_partitions, restore_failure> result = restore_failure{"the group coordinator did not answer"};
    {
      const auto waiting = live_.waiting_on_broker();
      if (consumer_->committed(parts.get(), 10'000) == RdKafka::ERR_NO_ERROR) {
        std::map<std::int32_t, std::int64_t> committed;
        for (const auto* tp : parts) committed[tp->partition()] = tp->offset();
        result = restore_partitions(config_, committed, *store_, live_, stop_);
      }
    }
    if (auto* failed = std::get_if<restore_failure>(&result)) {
      if (stop_.load()) return;
      // An outage is not a reason to restart (service_health::live): only
      // failures with the broker answering count towards the exit.
      const bool reachable = probes_.health == nullptr || probes_.health->broker_reachable.load();
      if (reachable) ++restore_failures_;
      log_line(log_level::warn, "restore_failed", {{"counted", std::to_string(restore_failures_)},
                                                   {"broker_reachable", reachable ? "true" : "false"},
                                                   {"error", failed->what}});
      if (restore_failures_ >= restore_attempts) {
        log_line(log_level::error, "fatal", {{"step", "restore"}, {"error", failed->what}});
        exit_code_ = 3;
      } else {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      return;
    }
    restore_failures_ = 0;
    for (auto& [p, processor] : std::get<restored_partitions>(result)) partitions_.install(p, std::move(processor));
    // The consumer continues exactly where the restored state ends: the
    // partitions are assigned at those offsets, which starts their fetchers
    // there. Eager rebalancing and rewind() put every owned partition in
    // to_restore_, so `parts` is the whole assignment.
    for (auto* tp : parts) {
      if (tp->offset() < 0) tp->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      resumed_at_[tp->partition()] = tp->offset();
    }
    if (const auto err = consumer_->assign(parts.get()); err != RdKafka::ERR_NO_ERROR) {
      log_line(log_level::error, "fatal", {{"step", "assign"}, {"error", RdKafka::err2str(err)}});
      exit_code_ = 3;
      return;
    }
    to_restore_.clear();
    set_recovering();
    if (probes_.health != nullptr) probes_.health->assigned_once.store(true);
  }

  void shut_down() {
    // Commit what was consumed, with snapshots, then leave the group; the
    // revoke that close() triggers has nothing left to commit.
    if (!partitions_.positions().empty()) commit(true);
    closing_ = true;
    consumer_->close();
    txn_.close();
    partitions_.dead_letters().flush();
    log_line(log_level::info, "stopped", {});
  }

  // Not ready while any assigned partition waits to be restored.
  void set_recovering() {
    if (probes_.health != nullptr) probes_.health->recovering.store(static_cast<int>(to_restore_.size()));
  }

  // Once per distinct error and at most every 10 s: an outage repeats it.
  void log_consume_error(const RdKafka::Message& msg) {
    if (msg.err() != last_consume_error_ || clock_type::now() - last_consume_log_ >= std::chrono::seconds(10)) {
      log_line(log_level::warn, "consume_error", {{"error", msg.errstr()}});
      last_consume_error_ = msg.err();
      last_consume_log_ = clock_type::now();
    }
  }

  // A partition is catching up on a backlog when records wait to be read and
  // the last one read was written well before now: its wall-clock deadlines
  // would only duplicate what its own events do (a drain of a long history
  // would otherwise append a deadline event for nearly every contract).
  bool catching_up(std::int32_t p) {
    const auto last = partitions_.last_record_time(p);
    if (!last || wall_now().ms - last->ms < backlog_age_ms) return false;
    const auto behind = lag();
    const auto it = behind.find(p);
    return it != behind.end() && it->second > 0;
  }

  // Each owned partition's lag, from the watermarks its fetches brought back
  // (no extra request). One with nothing consumed since it was restored is
  // where it was resumed (librdkafka 2.0.2's position() knows only consumed
  // records): at the committed offset, or, with none, at the low watermark.
  // A partition whose watermarks are not known yet is left out.
  [[nodiscard]] std::map<std::int32_t, std::int64_t> lag() {
    std::map<std::int32_t, std::int64_t> behind;
    for (const auto& [p, resumed] : resumed_at_) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (consumer_->get_watermark_offsets(config_.topics.events, p, &low, &high) != RdKafka::ERR_NO_ERROR || high < 0)
        continue;
      const auto consumed = partitions_.positions().find(p);
      const std::int64_t next = consumed != partitions_.positions().end() ? consumed->second : std::max(resumed, low);
      behind[p] = std::max<std::int64_t>(0, high - next);
    }
    return behind;
  }

  void report_lag() {
    for (const auto& [p, behind] : lag()) probes_.metrics->set_consumer_lag(p, behind);
  }

  int fatal(const std::string& what) {
    log_line(log_level::error, "fatal", {{"error", what}});
    exit_code_ = 3;
    return exit_code_;
  }

  const service_config& config_;
  service_probes probes_;
  liveness live_;
  const std::atomic<bool>& stop_;
  transaction txn_;
  std::unique_ptr<contract_store> store_;
  partition_set partitions_;
  consumer_ptr consumer_;
  std::set<std::int32_t> to_restore_; // assigned (or rewound), not yet restored
  // Restored and owned: the offset each was resumed at (OFFSET_BEGINNING: none committed).
  std::map<std::int32_t, std::int64_t> resumed_at_;
  int restore_failures_ = 0;
  std::size_t committed_ = 0;
  clock_type::time_point last_commit_ = clock_type::now();
  bool ran_dry_ = false; // a poll since the last commit was empty with few records left (records_waiting())
  clock_type::time_point last_deadlines_ = clock_type::now();
  clock_type::time_point last_lag_ = clock_type::now();
  clock_type::time_point last_idle_ = clock_type::now();
  std::size_t committed_at_idle_ = 0; // transactions committed at the last idle()
  clock_type::time_point last_snapshots_ = clock_type::now();
  RdKafka::ErrorCode last_consume_error_ = RdKafka::ERR_NO_ERROR;
  clock_type::time_point last_consume_log_{};
  int exit_code_ = 0;
  bool closing_ = false;
};

} // namespace

int run_service(const service_config& config, const std::atomic<bool>& stop, const service_probes& probes) {
  kafka_service service(config, probes, stop);
  return service.run();
}

} // namespace pactum::runtime
