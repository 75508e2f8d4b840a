// The write side's local state: every contract of the partitions this
// instance has owned, as its stored record (contract_record.hpp), with an
// index of each contract's earliest pending deadline and, per partition, the
// events offset the records reflect (the checkpoint). Kafka stays the source
// of truth: the store only ever holds what a committed transaction produced,
// so a checkpoint below the committed offset means "replay from here", never
// "something here was aborted" (docs/decisions.md, "The local state").
// Keys (one column family, prefixes; partitions 4-byte, times 8-byte big-endian):
//   a/<partition><contract id>            the record
//   d/<partition><due ms + 2^63><contract id>  the deadline index (empty value)
//   u/<partition><contract id>            changed since its last snapshot (empty value)
//   k/<partition>                         the checkpoint (decimal next offset)
//   f                                     the records' format
#pragma once

#include "pactum/runtime/local_db_options.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pactum::runtime {

// One contract's new record and where its earliest deadline moved.
struct contract_write {
  std::string contract_id;
  std::string record;
  std::optional<std::int64_t> old_due; // what the index holds (empty: nothing)
  std::optional<std::int64_t> new_due; // what it should hold
};

class local_db;

class contract_store {
public:
  // `format` names the records' encoding: a store written in another format is
  // wiped when opened (its records could not be read).
  explicit contract_store(const local_db_options& options = {}, std::string_view format = "");
  ~contract_store();
  contract_store(const contract_store&) = delete;
  contract_store& operator=(const contract_store&) = delete;

  [[nodiscard]] std::optional<std::string> get(std::int32_t partition, std::string_view contract_id) const;
  // The contracts whose indexed earliest deadline is at or before `due_ms`, in
  // (due, id) order.
  [[nodiscard]] std::vector<std::string> due_by(std::int32_t partition, std::int64_t due_ms) const;
  [[nodiscard]] std::optional<std::int64_t> checkpoint(std::int32_t partition) const;
  [[nodiscard]] std::size_t count(std::int32_t partition) const;
  // The contracts written since the snapshots topic last received them: what
  // the next snapshots must carry, whichever process writes them.
  [[nodiscard]] std::vector<std::string> unsnapshotted(std::int32_t partition) const;

  // Atomically: the records (each marked unsnapshotted) and their index
  // entries, then the marks of the contracts `snapshotted` clears (their
  // snapshots were committed), then (when given) the checkpoint.
  void write(std::int32_t partition, const std::vector<contract_write>& contracts,
             const std::vector<std::string>& snapshotted, std::optional<std::int64_t> checkpoint);
  // Forgets everything of the partition, its checkpoint first.
  void wipe(std::int32_t partition);

private:
  std::unique_ptr<local_db> db_;
};

} // namespace pactum::runtime
