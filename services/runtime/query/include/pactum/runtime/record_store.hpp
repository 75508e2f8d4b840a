// The evidence: every record of the events topic, kept per contract in log
// order (spec section 16), as read by a follower (read_committed, every
// partition) into a local RocksDB database with the offsets it reflects. The
// timeline, the as-of views and the explanations replay one contract's records
// from here on demand. Thread-safe (one writer, HTTP workers reading).
//
// Keys: r/<len><contract id><partition><offset> (4-byte length and partition,
// 8-byte offset, big-endian: a contract's records in (partition, offset)
// order, and no id is a prefix of another's key); k/... the checkpoint
// (local_db.hpp, topic_offsets). A record is filed under its Kafka key, which
// is its contract id (spec section 1); a record without a key has no contract
// and is not kept (its dead letter says why).
#pragma once

#include "pactum/events/decode.hpp"
#include "pactum/runtime/local_db_options.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::runtime {

// A record of the events topic as read (views into the consumer's buffers).
struct event_record_view {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string_view> key;
  std::string_view value;
  std::span<const events::record_header> headers;
};

// A stored record, owning its bytes.
struct event_record {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;

  // The headers as decode_record takes them (views into this record).
  [[nodiscard]] std::vector<events::record_header> header_views() const;
};

class local_db;

class record_store {
public:
  explicit record_store(const local_db_options& options = {}); // throws std::runtime_error when it cannot open
  ~record_store();
  record_store(const record_store&) = delete;
  record_store& operator=(const record_store&) = delete;

  // Records in the order read, in one write; those without a key are skipped.
  // Returns how many were kept.
  std::size_t put_all(std::span<const event_record_view> records);
  // The contract's records in (partition, offset) order.
  [[nodiscard]] std::vector<event_record> of(std::string_view contract_id) const;

  [[nodiscard]] std::map<std::int32_t, std::int64_t> checkpoint_of(const std::string& topic) const;
  void checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next);

private:
  std::unique_ptr<local_db> db_;
};

} // namespace pactum::runtime
