// pactumd's Prometheus metrics (prometheus-cpp's registry and text format) and
// the health the probes read. Counters are lock-free to bump from the service
// loop; /metrics renders them from the HTTP workers.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/rejection.hpp"
#include "pactum/statemachine/contract.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T> class Family;
} // namespace prometheus

namespace pactum::runtime {

inline constexpr std::size_t rejection_code_count = static_cast<std::size_t>(events::rejection_code::deadline_not_due) + 1;

class service_metrics {
public:
  service_metrics();
  ~service_metrics();
  service_metrics(const service_metrics&) = delete;
  service_metrics& operator=(const service_metrics&) = delete;

  // One consumed record: its type (empty when it did not decode), what became
  // of it, and how long decoding and applying it took.
  void record_event(std::optional<events::event_type> type, statemachine::outcome_kind outcome,
                    std::optional<events::rejection_code> reason, double apply_seconds);
  void record_transaction(bool committed);
  void record_rebalance(bool assigned);
  void set_consumer_lag(std::int32_t partition, std::int64_t lag);
  void forget_partition(std::int32_t partition);
  void record_http_request(unsigned status);
  void record_token_reload_error();
  void record_reconciliation(statemachine::reconciliation_status status);

  // The text exposition format, with the number of contracts in each state and
  // the records of the views topic the view store has not read.
  [[nodiscard]] std::string render(const std::map<std::string, std::size_t>& contracts_by_state, std::int64_t views_behind);

private:
  std::shared_ptr<prometheus::Registry> registry_;
  // Children resolved once, so the event path does no label lookups.
  std::array<std::array<prometheus::Counter*, 3>, events::event_type_count + 1> events_{};
  std::array<prometheus::Counter*, rejection_code_count> rejections_{};
  prometheus::Counter* committed_ = nullptr;
  prometheus::Counter* aborted_ = nullptr;
  prometheus::Counter* assigned_ = nullptr;
  prometheus::Counter* revoked_ = nullptr;
  prometheus::Histogram* apply_seconds_ = nullptr;
  prometheus::Family<prometheus::Gauge>* lag_ = nullptr;
  prometheus::Family<prometheus::Gauge>* contracts_ = nullptr;
  prometheus::Gauge* views_behind_ = nullptr;
  prometheus::Family<prometheus::Counter>* http_ = nullptr;
  prometheus::Counter* token_errors_ = nullptr;
  std::array<prometheus::Counter*, 3> reconciliations_{}; // by reconciliation_status
  std::mutex lag_mutex_;
  std::map<std::int32_t, prometheus::Gauge*> lag_by_partition_;
};

// What /healthz and /readyz report. Written by the service loop and the view
// reader, read by the HTTP workers.
class service_health {
public:
  using clock = std::chrono::steady_clock;

  explicit service_health(std::chrono::milliseconds liveness_window = std::chrono::seconds(30))
      : window_(liveness_window) {}

  void beat() { last_beat_.store(clock::now().time_since_epoch().count()); }
  // Alive when the loop ran within the window, or when it is blocked in a
  // Kafka call while the broker is unreachable: an outage is not a reason to
  // restart (librdkafka 2.0.2's transactional calls can outlast their timeout
  // while the coordinator is down). Blocked with the broker back is a hang.
  [[nodiscard]] bool live() const {
    const bool recent = clock::now().time_since_epoch().count() - last_beat_.load() <=
                        std::chrono::duration_cast<clock::duration>(window_).count();
    return recent || (waiting_on_broker.load() > 0 && !broker_reachable.load());
  }

  std::atomic<int> waiting_on_broker{0}; // blocking Kafka calls in progress

  std::atomic<bool> started{false};         // transactions initialised, subscribed
  std::atomic<bool> assigned_once{false};   // the first assignment has been recovered
  std::atomic<int> recovering{0};           // partitions being recovered now
  std::atomic<bool> broker_reachable{false};
  std::atomic<bool> views_loaded{false};    // the views topic read to its end once
  std::atomic<std::int64_t> views_behind{-1}; // records of the views topic not in the view store yet (-1: unknown)
  // `pactumd --demo`: false until the demo stream is consumed and its views loaded.
  std::atomic<bool> demo_consumed{true};

  // The next offset of each events partition that the last committed
  // transaction covered (written by the service loop).
  void record_committed(std::int32_t partition, std::int64_t next) {
    const std::lock_guard lock(committed_mutex_);
    committed_[partition] = next;
  }
  // Whether the committed offsets reach `ends` (partition -> end offset).
  [[nodiscard]] bool committed_up_to(const std::map<std::int32_t, std::int64_t>& ends) const {
    const std::lock_guard lock(committed_mutex_);
    for (const auto& [partition, end] : ends) {
      const auto it = committed_.find(partition);
      if (end > 0 && (it == committed_.end() || it->second < end)) return false;
    }
    return true;
  }

  [[nodiscard]] bool ready() const {
    return started.load() && assigned_once.load() && recovering.load() == 0 && broker_reachable.load() &&
           views_loaded.load() && demo_consumed.load();
  }

private:
  std::chrono::milliseconds window_;
  mutable std::mutex committed_mutex_;
  std::map<std::int32_t, std::int64_t> committed_;
  std::atomic<clock::rep> last_beat_{clock::now().time_since_epoch().count()};
};

} // namespace pactum::runtime
