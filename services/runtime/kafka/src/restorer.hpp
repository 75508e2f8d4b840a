// Internal: rebuilds newly assigned partitions as the last committed
// transaction left them (Kafka Streams' StoreChangelogReader): from the local
// contract store when its checkpoint is usable, else from the newest snapshot
// of each contract (into the store); then the committed tail of events after
// that point. The store's checkpoint ends at the committed offset.
// All partitions at once with one reader; each phase ends when every position
// reaches the end offset read when it began.
#pragma once

#include "liveness.hpp"

#include "pactum/runtime/partition_processor.hpp"
#include "pactum/runtime/service.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

namespace pactum::runtime::kafka {

using restored_partitions = std::map<std::int32_t, std::unique_ptr<partition_processor>>;

struct restore_failure {
  std::string what;
};

// `committed`: each partition's committed next offset in the events topic
// (negative when the group never committed there). A failure is returned,
// never thrown: the loop decides to retry or to exit.
std::variant<restored_partitions, restore_failure> restore_partitions(const service_config& config,
                                                                      const std::map<std::int32_t, std::int64_t>& committed,
                                                                      contract_store& store, const liveness& live,
                                                                      const std::atomic<bool>& stop);

} // namespace pactum::runtime::kafka
