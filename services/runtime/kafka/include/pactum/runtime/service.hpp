// pactumd's Kafka adapter: consumes the events topic in a consumer group and,
// in one Kafka transaction with the consumed offsets, writes projections, dead
// letters, snapshots and deadline events. Part of the kafka target, the only
// one that links librdkafka (its collaborators: kafka/src, docs/decisions.md).
#pragma once

#include "pactum/runtime/local_db_options.hpp"
#include "pactum/runtime/partition_processor.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pactum::runtime {

struct topic_names {
  std::string events = "contract-events";
  std::string views = "contract-views";
  std::string termination = "contract-termination-conditions";
  std::string liability = "contract-breach-liability";
  std::string dead_letters = "contract-events-dlq";
  std::string snapshots = "pactum-snapshots";
};

struct service_config {
  std::string brokers = "127.0.0.1:9092";
  topic_names topics;
  std::string group_id = "pactum";
  // Stable per instance (e.g. the pod name): a restarted instance fences its zombie.
  std::string transactional_id = "pactum-0";
  int commit_interval_ms = 100;
  int commit_max_events = 5000;
  // On a backlog (since the last commit, no poll came back empty with at most
  // commit_max_events records left to read), a transaction spans this long or
  // this many events instead: the views, store writes and commit round trips
  // of a contract that several of its events reach in that time are paid
  // once. A caught-up stream keeps the interval above.
  int backlog_commit_interval_ms = 10'000;
  int backlog_commit_max_events = 400'000;
  // Any transaction also commits once it changed this many contracts: each
  // stays in memory, with its rendered views and encoded record, until the
  // transaction commits, so this bounds a transaction's memory.
  int commit_max_contracts = 20'000;
  int deadline_poll_ms = 1000;
  // Snapshots are written with the commit at most this often (and on revoke and
  // shutdown); a recovering instance replays the events after them.
  int snapshot_interval_ms = 5000;
  // Each transactional call (init, send offsets, commit, abort) waits at most
  // this long; one that times out (the broker is unreachable) is retried, so an
  // outage stalls the loop without stopping the process.
  int transaction_call_timeout_ms = 5000;
  // The write side's local state, the contract store (docs/decisions.md, "The
  // local state"). An empty directory: a private temporary one, removed at
  // exit, so every start restores from the snapshots.
  local_db_options state;
  // Contracts each owned partition keeps in memory between transactions; the
  // others are read from the store when an event or a deadline needs them.
  std::size_t cache_contracts = 128;
  bool create_topics = true;
  int partitions = 4;         // for topics pactumd creates
  int replication_factor = 1; // for topics pactumd creates
  // Passed to librdkafka as they are (TLS, SASL, tuning), after pactumd's own.
  std::vector<std::pair<std::string, std::string>> kafka_properties;
};

class service_health;
class service_metrics;

// What the service reports as it goes (each optional).
struct service_probes {
  service_health* health = nullptr;
  service_metrics* metrics = nullptr;
  // Called after each committed transaction with the records it wrote, in
  // order (tests: what the transactions made visible).
  std::function<void(const std::vector<output_record>&)> on_commit;
  // Called while the events are caught up (a poll found no record waiting):
  // 100 ms after the last call if a transaction committed since, else a second
  // after. pactumd hands the allocator's freed pages back to the system then,
  // not during a backlog, which reuses them (docs/decisions.md).
  std::function<void()> on_idle;
};

// Runs until `stop` is set (then commits or aborts the open transaction, leaves
// the group and returns 0) or until a fatal error (returns non-zero, so the
// orchestrator restarts the process).
int run_service(const service_config& config, const std::atomic<bool>& stop, const service_probes& probes = {});

} // namespace pactum::runtime
