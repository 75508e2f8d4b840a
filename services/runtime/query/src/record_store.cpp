#include "pactum/runtime/record_store.hpp"

#include "pactum/runtime/local_db.hpp"

#include <stdexcept>

namespace pactum::runtime {
namespace {

constexpr std::string_view record_prefix = "r/";
// The value: this byte, the header count (4 bytes), per header its key
// (field), 1 if it has a value and the value (field) or 0, then the record's
// value to the end.
constexpr char stored_record_format = 1;

std::string contract_prefix(std::string_view contract_id) {
  std::string key(record_prefix);
  append_field(key, contract_id);
  return key;
}

std::string encode(const event_record_view& r) {
  std::string out(1, stored_record_format);
  append_u32(out, static_cast<std::uint32_t>(r.headers.size()));
  for (const auto& h : r.headers) {
    append_field(out, h.key);
    out.push_back(h.value ? '\1' : '\0');
    if (h.value) append_field(out, *h.value);
  }
  out.append(r.value);
  return out;
}

std::optional<event_record> decode(std::string_view key, std::string_view bytes) {
  event_record r;
  std::uint32_t partition = 0;
  std::uint64_t offset = 0;
  if (key.size() < 12) return std::nullopt;
  key.remove_prefix(key.size() - 12);
  if (!read_u32(key, partition) || !read_u64(key, offset)) return std::nullopt;
  r.partition = static_cast<std::int32_t>(partition);
  r.offset = static_cast<std::int64_t>(offset);
  std::uint32_t headers = 0;
  if (bytes.empty() || bytes.front() != stored_record_format) return std::nullopt;
  bytes.remove_prefix(1);
  if (!read_u32(bytes, headers)) return std::nullopt;
  for (std::uint32_t i = 0; i < headers; ++i) {
    const auto k = read_field(bytes);
    if (!k || bytes.empty()) return std::nullopt;
    const bool has_value = bytes.front() == '\1';
    bytes.remove_prefix(1);
    std::optional<std::string> v;
    if (has_value) {
      const auto field = read_field(bytes);
      if (!field) return std::nullopt;
      v = std::string(*field);
    }
    r.headers.emplace_back(std::string(*k), std::move(v));
  }
  r.value = std::string(bytes);
  return r;
}

} // namespace

std::vector<events::record_header> event_record::header_views() const {
  std::vector<events::record_header> out;
  out.reserve(headers.size());
  for (const auto& [k, v] : headers) out.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
  return out;
}

record_store::record_store(const local_db_options& options) : db_(std::make_unique<local_db>("records store", options)) {}

record_store::~record_store() = default;

std::size_t record_store::put_all(std::span<const event_record_view> records) {
  rocksdb::WriteBatch batch;
  std::size_t kept = 0;
  for (const auto& r : records) {
    if (!r.key) continue;
    std::string key = contract_prefix(*r.key);
    append_u32(key, static_cast<std::uint32_t>(r.partition));
    append_u64(key, static_cast<std::uint64_t>(r.offset));
    batch.Put(key, encode(r));
    ++kept;
  }
  if (kept > 0) db_->write(batch);
  return kept;
}

std::vector<event_record> record_store::of(std::string_view contract_id) const {
  std::vector<event_record> out;
  const std::string prefix = contract_prefix(contract_id);
  const std::unique_ptr<rocksdb::Iterator> it(db_->db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    auto r = decode(as_view(it->key()), as_view(it->value()));
    // Written by this build's put_all: one that does not read is a damaged store.
    if (!r) throw std::runtime_error("records store: a record of " + std::string(contract_id) + " does not read");
    out.push_back(std::move(*r));
  }
  return out;
}

std::map<std::int32_t, std::int64_t> record_store::checkpoint_of(const std::string& topic) const {
  return topic_offsets(*db_, topic);
}

void record_store::checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) {
  rocksdb::WriteBatch batch;
  put_topic_offsets(batch, topic, next);
  db_->write(batch);
}

} // namespace pactum::runtime
