#include "pactum/runtime/local_db.hpp"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <stdlib.h> // mkdtemp

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace pactum::runtime {

local_db::local_db(std::string name, const local_db_options& options) : name_(std::move(name)) {
  if (options.directory.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "pactum-state-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(name_ + ": cannot create a temporary directory");
    directory_ = pattern;
    owned_directory_ = true;
  } else {
    directory_ = options.directory;
    std::filesystem::create_directories(directory_);
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(std::max<std::size_t>(options.cache_mb, 8) << 20);
  table.cache_index_and_filter_blocks = true; // their memory counts in the cache too
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db_options.write_buffer_size = std::max<std::size_t>(options.cache_mb << 20 >> 3, 4 << 20);
  db_options.max_write_buffer_number = 2;
  // Both stores overwrite random keys at every commit, so each compaction of
  // level 0 rewrites all of level 1. Compressing those two levels took a
  // quarter of a drain's CPU (LZ4 in the compaction thread, measured with
  // perf); level 1 holds up to 256 MiB, the deeper levels are compressed.
  // More level-0 files per compaction: level 1 is rewritten less often, and a
  // contract written by several transactions since the last compaction is
  // written to level 1 once. 32 files of 8 MiB (a backlog transaction that
  // meets 17,000 contracts writes ~100 MiB of records, ~170 MiB of views): the
  // compaction thread's share of a 1M drain's CPU 11 % at 8 files; reads
  // check the level-0 files' Bloom filters first (docs/decisions.md).
  db_options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression};
  db_options.level0_file_num_compaction_trigger = 32;
  db_options.level0_slowdown_writes_trigger = 48;
  db_options.level0_stop_writes_trigger = 64;
  db_options.max_open_files = 512;
  db_options.keep_log_file_num = 2;
  rocksdb::DB* db = nullptr;
  const auto status = rocksdb::DB::Open(db_options, directory_.string(), &db);
  if (!status.ok()) throw std::runtime_error(name_ + " at " + directory_.string() + ": " + status.ToString());
  db_.reset(db);
}

local_db::~local_db() {
  if (!owned_directory_) static_cast<void>(db_->Flush(rocksdb::FlushOptions())); // what the log would have kept
  db_.reset();
  if (owned_directory_) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

// Without the write-ahead log: the store is rebuilt from Kafka, and one
// column family's memtables reach the disk in order, so a crash loses a
// suffix of the writes (never a write while keeping a checkpoint after it).
// Writing everything twice (log and table) made the views follower the
// drain's bottleneck.
void local_db::write(rocksdb::WriteBatch& batch) const {
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  const auto status = db_->Write(options, &batch);
  if (!status.ok()) throw std::runtime_error(name_ + ": " + status.ToString());
}

void append_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffU));
}

void append_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffU));
}

bool read_u32(std::string_view& in, std::uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(4);
  return true;
}

bool read_u64(std::string_view& in, std::uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(8);
  return true;
}

bool starts_with(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

void append_field(std::string& out, std::string_view field) {
  append_u32(out, static_cast<std::uint32_t>(field.size()));
  out.append(field);
}

std::optional<std::string_view> read_field(std::string_view& in) {
  std::uint32_t n = 0;
  if (!read_u32(in, n) || in.size() < n) return std::nullopt;
  const std::string_view field = in.substr(0, n);
  in.remove_prefix(n);
  return field;
}

namespace {

std::string topic_offsets_prefix(std::string_view topic) {
  std::string key("k/");
  append_field(key, topic);
  return key;
}

} // namespace

std::map<std::int32_t, std::int64_t> topic_offsets(const local_db& db, std::string_view topic) {
  std::map<std::int32_t, std::int64_t> out;
  const std::string prefix = topic_offsets_prefix(topic);
  const std::unique_ptr<rocksdb::Iterator> it(db.db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    std::string_view rest = as_view(it->key()).substr(prefix.size());
    std::uint32_t partition = 0;
    std::int64_t offset = 0;
    const auto value = as_view(it->value());
    if (read_u32(rest, partition) && rest.empty() &&
        std::from_chars(value.data(), value.data() + value.size(), offset).ec == std::errc())
      out[static_cast<std::int32_t>(partition)] = offset;
  }
  return out;
}

void put_topic_offsets(rocksdb::WriteBatch& batch, std::string_view topic, const std::map<std::int32_t, std::int64_t>& next) {
  for (const auto& [partition, offset] : next) {
    std::string key = topic_offsets_prefix(topic);
    append_u32(key, static_cast<std::uint32_t>(partition));
    batch.Put(key, std::to_string(offset));
  }
}

} // namespace pactum::runtime
