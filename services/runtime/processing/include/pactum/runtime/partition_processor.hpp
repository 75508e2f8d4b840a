// One events-topic partition's share of the domain, without Kafka types: it
// decodes records, folds them into the partition's contracts, and says what to
// write — projections, dead letters, snapshots, deadline events. The Kafka
// adapter (service.hpp) moves these records in and out in transactions.
//
// With a contract store, memory holds a bounded cache of the contracts: one is
// loaded from the store when an event or a due deadline needs it, and the
// contracts each transaction changed are written back, with the partition's
// checkpoint, once it has committed (persist()).
#pragma once

#include "pactum/events/decode.hpp"
#include "pactum/runtime/contract_record.hpp"
#include "pactum/runtime/contract_store.hpp"
#include "pactum/statemachine/contract_book.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::runtime {

// Where an output record goes; the service maps each to a topic.
enum class destination : std::uint8_t { views, termination, liability, dead_letters, snapshots, events };

struct output_record {
  destination to;
  std::int32_t partition; // the events partition it came from (snapshots and deadline events stay on it)
  // Empty: no key (a dead letter of a record that had none), not an empty one.
  std::optional<std::string> key;
  std::string value;
  // A header without a value keeps no value (dead letters are byte for byte).
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct input_record {
  std::optional<std::string_view> key;
  std::string_view value;
  std::span<const events::record_header> headers;
  std::int64_t offset;
};

struct processed {
  statemachine::outcome_kind kind;
  std::optional<events::rejection> why;
  std::optional<std::string> contract_id;
  std::optional<std::string> event_id;
  std::optional<events::event_type> type;
  // An accepted invoice.issued: how it reconciled with its period (section 17).
  std::optional<statemachine::reconciliation_status> reconciliation;
};

struct processor_options {
  // Empty: every contract stays in memory (pactumctl, unit tests).
  contract_store* store = nullptr;
  // With a store: how many contracts stay in memory between transactions.
  std::size_t cache_contracts = 4096;
};

class partition_processor {
public:
  // With a store, the contracts it marks as changed since their last snapshot
  // are the first the next snapshots carry.
  partition_processor(std::string source_topic, std::int32_t partition, processor_options options = {});

  // Decodes and applies one record; a rejected record is appended to `out` as a
  // dead letter (value, key and headers unchanged, plus the reason headers).
  processed process(const input_record& record, std::vector<output_record>& out);

  // What every transaction commits besides the offsets: for every contract
  // touched since the last call, its view and its projections where they
  // changed. With a store, their records are encoded for persist().
  void flush_views(std::vector<output_record>& out);

  // What a transaction commits now and then: the snapshot of every contract
  // changed since the last call, as of `next_offset` (the offset committed with it).
  void flush_snapshots(std::int64_t next_offset, std::vector<output_record>& out);

  // After the transaction with the last flush_views() committed: writes the
  // records it encoded and `checkpoint` (the committed next offset; empty: no
  // checkpoint) to the store in one batch, then trims the cache to its bound.
  // Without a store: nothing to do.
  void persist(std::optional<std::int64_t> checkpoint);

  // Takes a snapshot record written by flush_snapshots() (latest per key wins);
  // returns the offset it is current at, or empty if unusable. With a store the
  // contract goes to the store (by persist(), every so many), not to memory.
  std::optional<std::int64_t> restore(std::string_view snapshot_value);

  // Deadline events for every pending deadline due at or before `now` (spec 3),
  // once per (deadline, due time): a deadline that moves (a renewal moves
  // `expiry`) is asked for again at its new time.
  void due_deadlines(events::timestamp now, std::vector<output_record>& out);

  // The contracts in memory (with a store: the cache), loaded if needed.
  [[nodiscard]] const statemachine::contract* find(const std::string& contract_id);
  [[nodiscard]] const statemachine::contract_book& book() const { return book_; }
  // The contracts changed since the last flush_views(): they stay in memory until it.
  [[nodiscard]] std::size_t changed_contracts() const { return touched_.size(); }
  [[nodiscard]] std::int32_t partition() const { return partition_; }

private:
  // What the processor keeps beside each contract in memory.
  struct cached {
    projection_digests emitted;
    std::optional<std::int64_t> indexed_due; // what the store's deadline index holds
    std::uint64_t used = 0;                  // when an event or deadline last needed it
  };

  // With a store: brings the contract into memory if the store has it.
  void load(const std::string& contract_id);
  [[nodiscard]] std::string encoded(const std::string& contract_id) const;
  void trim_cache();

  std::string source_topic_;
  std::int32_t partition_;
  processor_options options_;
  statemachine::contract_book book_;
  boost::unordered_flat_map<std::string, cached> cached_;
  std::uint64_t clock_ = 0;
  // Hashed, not ordered: a transaction adds to both at every event, and a
  // tree of thousands of ids cost ~15 string compares an event. The flushes
  // write them in id order.
  boost::unordered_flat_set<std::string> touched_;       // since the last views
  boost::unordered_flat_set<std::string> unsnapshotted_; // since the last snapshots
  std::vector<contract_write> staged_;  // encoded for the next persist()
  std::vector<std::string> snapshotted_; // by the transaction of the next persist()
  // Restoring into the store: the deadline indexed for each contract so far.
  boost::unordered_flat_map<std::string, std::optional<std::int64_t>> restored_due_;
  // (contract, deadline id) -> the due time asked for; only deadlines still
  // pending and due are kept, so the map stays as small as what is in flight.
  std::map<std::pair<std::string, std::string>, events::timestamp> requested_deadlines_;
};

} // namespace pactum::runtime
