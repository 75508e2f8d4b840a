// A RocksDB database in a local directory, opened the way pactumd's stores
// want it (docs/decisions.md, "The local state"): a bounded block cache that
// also holds the index and filter blocks, LZ4, writes without the write-ahead
// log (everything in it is rebuilt from Kafka; a crash loses a suffix of the
// writes, never a write while keeping a later one), flushed when closed.
#pragma once

#include "pactum/runtime/local_db_options.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

namespace pactum::runtime {

class local_db {
public:
  // `name` says what it holds, in errors ("views store"); throws std::runtime_error.
  local_db(std::string name, const local_db_options& options);
  ~local_db();
  local_db(const local_db&) = delete;
  local_db& operator=(const local_db&) = delete;

  [[nodiscard]] rocksdb::DB& db() const { return *db_; }
  // Applies the batch atomically; throws std::runtime_error when it cannot.
  void write(rocksdb::WriteBatch& batch) const;

private:
  std::string name_;
  std::filesystem::path directory_;
  bool owned_directory_ = false;
  std::unique_ptr<rocksdb::DB> db_;
};

// Keys: 4- and 8-byte big-endian integers sort as numbers.
void append_u32(std::string& out, std::uint32_t v);
void append_u64(std::string& out, std::uint64_t v);
[[nodiscard]] bool read_u32(std::string_view& in, std::uint32_t& v);
[[nodiscard]] bool read_u64(std::string_view& in, std::uint64_t& v);
[[nodiscard]] bool starts_with(const rocksdb::Slice& key, std::string_view prefix);
[[nodiscard]] inline std::string_view as_view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
// A length-prefixed field (4-byte big-endian length); read is empty when `in`
// is too short.
void append_field(std::string& out, std::string_view field);
[[nodiscard]] std::optional<std::string_view> read_field(std::string_view& in);

// A follower's checkpoint: the offsets of `topic` a store reflects
// (partition -> next offset to read), under k/<len><topic><partition> with the
// offset in decimal; empty for a new store. Written in the same batch as, or
// after, what it covers.
[[nodiscard]] std::map<std::int32_t, std::int64_t> topic_offsets(const local_db& db, std::string_view topic);
void put_topic_offsets(rocksdb::WriteBatch& batch, std::string_view topic, const std::map<std::int32_t, std::int64_t>& next);

} // namespace pactum::runtime
