#include "pactum/runtime/contract_store.hpp"

#include "pactum/runtime/local_db.hpp"

#include <charconv>
#include <memory>

namespace pactum::runtime {
namespace {

constexpr std::string_view record_prefix = "a/";
constexpr std::string_view due_prefix = "d/";
constexpr std::string_view unsnapshotted_prefix = "u/";
constexpr std::string_view checkpoint_prefix = "k/";
constexpr std::string_view format_key = "f";
// A WriteBatch entry beyond its id and value: its tag, lengths, key prefix,
// partition and due time (an estimate for sizing a batch, not a limit).
constexpr std::size_t batch_entry_overhead = 32;

std::string partition_prefix(std::string_view prefix, std::int32_t partition) {
  std::string key(prefix);
  append_u32(key, static_cast<std::uint32_t>(partition));
  return key;
}

std::string record_key(std::int32_t partition, std::string_view id) {
  return partition_prefix(record_prefix, partition).append(id);
}

// Biased so that negative times sort before positive ones.
std::string due_key(std::int32_t partition, std::int64_t due_ms, std::string_view id) {
  std::string key = partition_prefix(due_prefix, partition);
  append_u64(key, static_cast<std::uint64_t>(due_ms) ^ (std::uint64_t{1} << 63));
  return key.append(id);
}

} // namespace

contract_store::contract_store(const local_db_options& options, std::string_view format)
    : db_(std::make_unique<local_db>("contract store", options)) {
  std::string stored;
  const bool has = db_->db().Get(rocksdb::ReadOptions(), format_key, &stored).ok();
  if (has && stored == format) return;
  rocksdb::WriteBatch batch;
  if (has) batch.DeleteRange(std::string(1, '\0'), std::string(1, '\x7f')); // every key is ASCII-prefixed
  batch.Put(format_key, format);
  db_->write(batch);
}

contract_store::~contract_store() = default;

std::optional<std::string> contract_store::get(std::int32_t partition, std::string_view contract_id) const {
  std::string bytes;
  if (!db_->db().Get(rocksdb::ReadOptions(), record_key(partition, contract_id), &bytes).ok()) return std::nullopt;
  return bytes;
}

std::vector<std::string> contract_store::due_by(std::int32_t partition, std::int64_t due_ms) const {
  std::vector<std::string> out;
  const std::string prefix = partition_prefix(due_prefix, partition);
  const std::string end = due_key(partition, due_ms, "");
  const std::unique_ptr<rocksdb::Iterator> it(db_->db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    std::string_view rest = as_view(it->key()).substr(prefix.size());
    if (rest.substr(0, 8) > std::string_view(end).substr(prefix.size(), 8)) break;
    out.emplace_back(rest.substr(8));
  }
  return out;
}

std::optional<std::int64_t> contract_store::checkpoint(std::int32_t partition) const {
  std::string value;
  if (!db_->db().Get(rocksdb::ReadOptions(), partition_prefix(checkpoint_prefix, partition), &value).ok())
    return std::nullopt;
  std::int64_t offset = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), offset);
  if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return offset;
}

std::size_t contract_store::count(std::int32_t partition) const {
  std::size_t n = 0;
  const std::string prefix = partition_prefix(record_prefix, partition);
  const std::unique_ptr<rocksdb::Iterator> it(db_->db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next()) ++n;
  return n;
}

std::vector<std::string> contract_store::unsnapshotted(std::int32_t partition) const {
  std::vector<std::string> out;
  const std::string prefix = partition_prefix(unsnapshotted_prefix, partition);
  const std::unique_ptr<rocksdb::Iterator> it(db_->db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && starts_with(it->key(), prefix); it->Next())
    out.emplace_back(as_view(it->key()).substr(prefix.size()));
  return out;
}

void contract_store::write(std::int32_t partition, const std::vector<contract_write>& contracts,
                           const std::vector<std::string>& snapshotted, std::optional<std::int64_t> checkpoint) {
  // Sized up front: a batch of thousands of records grown by doubling copied
  // itself over and over (perf of a drain: a fifth of the loop's memmove).
  std::size_t bytes = 64;
  for (const auto& c : contracts) bytes += c.record.size() + 4 * (c.contract_id.size() + batch_entry_overhead);
  for (const auto& id : snapshotted) bytes += id.size() + batch_entry_overhead;
  rocksdb::WriteBatch batch(bytes);
  for (const auto& c : contracts) {
    batch.Put(record_key(partition, c.contract_id), c.record);
    batch.Put(partition_prefix(unsnapshotted_prefix, partition).append(c.contract_id), "");
    if (c.old_due == c.new_due) continue;
    if (c.old_due) batch.Delete(due_key(partition, *c.old_due, c.contract_id));
    if (c.new_due) batch.Put(due_key(partition, *c.new_due, c.contract_id), "");
  }
  for (const auto& id : snapshotted) batch.Delete(partition_prefix(unsnapshotted_prefix, partition).append(id));
  if (checkpoint) batch.Put(partition_prefix(checkpoint_prefix, partition), std::to_string(*checkpoint));
  db_->write(batch);
}

void contract_store::wipe(std::int32_t partition) {
  rocksdb::WriteBatch batch;
  batch.Delete(partition_prefix(checkpoint_prefix, partition));
  for (const auto prefix : {record_prefix, due_prefix, unsnapshotted_prefix}) {
    const std::string begin = partition_prefix(prefix, partition);
    batch.DeleteRange(begin, partition_prefix(prefix, partition + 1));
  }
  db_->write(batch);
}

} // namespace pactum::runtime
