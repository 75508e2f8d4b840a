#include "pactum/runtime/view_store.hpp"

#include <nlohmann/json.hpp>
#include "pactum/runtime/local_db.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <set>
#include <stdexcept>

namespace pactum::runtime {
namespace {

// Collects state, version, client.id and vendor.id from the top of a view and
// stops there: the rest of the text is not needed to index it.
class header_reader : public nlohmann::json_sax<nlohmann::json> {
public:
  view_header header;

  [[nodiscard]] bool complete() const { return found_ == all; }

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t v) override {
    if (depth_ == 1 && key_ == "version") {
      header.version = v;
      found_ |= version_bit;
    }
    return scalar();
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (depth_ == 1 && key_ == "version" && v <= static_cast<number_unsigned_t>(INT64_MAX)) {
      header.version = static_cast<std::int64_t>(v);
      found_ |= version_bit;
    }
    return scalar();
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && key_ == "state") {
      header.state = v;
      found_ |= state_bit;
    } else if (depth_ == 2 && key_ == "id" && (outer_ == "client" || outer_ == "vendor")) {
      (outer_ == "client" ? header.client_id : header.vendor_id) = v;
      found_ |= outer_ == "client" ? client_bit : vendor_bit;
    }
    return scalar();
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    if (depth_ == 1) outer_ = key_;
    ++depth_;
    return true;
  }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override {
    --depth_;
    return !complete(); // stop as soon as the header is known
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
  static constexpr unsigned state_bit = 1, version_bit = 2, client_bit = 4, vendor_bit = 8;
  static constexpr unsigned all = state_bit | version_bit | client_bit | vendor_bit;

  bool scalar() { return !complete(); }

  int depth_ = 0;
  std::string key_;
  std::string outer_;
  unsigned found_ = 0;
};

} // namespace

std::optional<view_header> read_view_header(std::string_view view_text) {
  header_reader reader;
  nlohmann::json::sax_parse(view_text.begin(), view_text.end(), &reader);
  if (!reader.complete()) return std::nullopt;
  return std::move(reader.header);
}

namespace {

// Keys (one column family, prefixes): v/<id> the view; p/<len><party><id> the
// party index; s/<len><state><id> the state index; c/<state> a count by state; k/<len><topic><partition> the
// follower's checkpoint. Lengths and partitions are 4-byte big-endian.
constexpr std::string_view view_prefix = "v/";
constexpr std::string_view party_prefix = "p/";
constexpr std::string_view state_prefix = "s/";
constexpr std::string_view count_prefix = "c/";
constexpr std::string_view checkpoint_prefix = "k/";
constexpr char stored_view_format = 1;

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

std::string view_key(std::string_view id) { return std::string(view_prefix).append(id); }

std::string party_key_prefix(std::string_view party) {
  std::string key(party_prefix);
  append_field(key, party);
  return key;
}

std::string state_key_prefix(std::string_view state) {
  std::string key(state_prefix);
  append_field(key, state);
  return key;
}

std::string checkpoint_key_prefix(std::string_view topic) {
  std::string key(checkpoint_prefix);
  append_field(key, topic);
  return key;
}

std::string count_key(std::string_view state) { return std::string(count_prefix).append(state); }

} // namespace

std::string encode_stored_view(const view_header& header, std::string_view text) {
  std::string out(1, stored_view_format);
  append_field(out, header.state);
  append_field(out, std::to_string(header.version));
  append_field(out, header.client_id);
  append_field(out, header.vendor_id);
  append_field(out, text);
  return out;
}

std::optional<stored_view> decode_stored_view(std::string contract_id, std::string_view bytes) {
  if (bytes.empty() || bytes.front() != stored_view_format) return std::nullopt;
  bytes.remove_prefix(1);
  const auto state = read_field(bytes);
  const auto version = read_field(bytes);
  const auto client = read_field(bytes);
  const auto vendor = read_field(bytes);
  const auto text = read_field(bytes);
  if (!text || !bytes.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(version->data(), version->data() + version->size(), v);
  if (ec != std::errc() || end != version->data() + version->size()) return std::nullopt;
  return stored_view{std::move(contract_id), view_header{std::string(*state), v, std::string(*client), std::string(*vendor)},
                     std::string(*text)};
}

struct view_store::impl {
  explicit impl(const view_store_options& options) : db("views store", options) {}

  local_db db;
  std::mutex write_mutex; // put() reads, then writes
  mutable std::mutex counts_mutex;
  std::map<std::string, std::size_t> counts;

  [[nodiscard]] std::optional<stored_view> get(const std::string& id) const {
    std::string bytes;
    if (!db.db().Get(rocksdb::ReadOptions(), view_key(id), &bytes).ok()) return std::nullopt;
    return decode_stored_view(id, bytes);
  }

  void write(rocksdb::WriteBatch& batch) const { db.write(batch); }
};

view_store::view_store(const view_store_options& options) : impl_(std::make_unique<impl>(options)) {
  for (const auto state : contract_states) impl_->counts[std::string(state)] = 0;
  const std::unique_ptr<rocksdb::Iterator> it(impl_->db.db().NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(count_prefix); it->Valid() && starts_with(it->key(), count_prefix); it->Next()) {
    std::size_t n = 0;
    const auto value = as_view(it->value());
    std::from_chars(value.data(), value.data() + value.size(), n);
    impl_->counts[std::string(as_view(it->key()).substr(count_prefix.size()))] = n;
  }
}

view_store::~view_store() = default;

bool view_store::put(const std::string& contract_id, std::string_view value) {
  std::optional<view_header> header;
  if (!value.empty()) {
    header = read_view_header(value);
    if (!header) return false;
  }
  const std::lock_guard lock(impl_->write_mutex);
  const auto old = impl_->get(contract_id);
  if (old && header && old->header.version > header->version) return true; // an older record read late
  if (!old && !header) return true;                                           // a tombstone of nothing
  rocksdb::WriteBatch batch;
  std::map<std::string, std::size_t> counts;
  {
    const std::lock_guard counts_lock(impl_->counts_mutex);
    counts = impl_->counts;
  }
  std::set<std::string> changed;
  if (old) {
    batch.Delete(party_key_prefix(old->header.client_id) + contract_id);
    batch.Delete(party_key_prefix(old->header.vendor_id) + contract_id);
    batch.Delete(state_key_prefix(old->header.state) + contract_id);
    --counts[old->header.state];
    changed.insert(old->header.state);
  }
  if (header) {
    batch.Put(view_key(contract_id), encode_stored_view(*header, value));
    batch.Put(party_key_prefix(header->client_id) + contract_id, "");
    batch.Put(party_key_prefix(header->vendor_id) + contract_id, "");
    batch.Put(state_key_prefix(header->state) + contract_id, "");
    ++counts[header->state];
    changed.insert(header->state);
  } else {
    batch.Delete(view_key(contract_id));
  }
  for (const auto& state : changed) batch.Put(count_key(state), std::to_string(counts[state]));
  impl_->write(batch);
  const std::lock_guard counts_lock(impl_->counts_mutex);
  impl_->counts = std::move(counts);
  return true;
}

std::shared_ptr<const stored_view> view_store::find(const std::string& contract_id) const {
  auto view = impl_->get(contract_id);
  return view ? std::make_shared<const stored_view>(std::move(*view)) : nullptr;
}

view_page view_store::list(const view_filter& filter) const {
  view_page page;
  // Takes a view if it passes the filter; false once the page is full and
  // another view follows.
  const auto take = [&](stored_view&& view) {
    if (filter.state && view.header.state != *filter.state) return true;
    for (const auto& party : filter.parties)
      if (view.header.client_id != party && view.header.vendor_id != party) return true;
    if (page.views.size() == filter.limit) {
      if (!page.views.empty()) page.next_after = page.views.back()->contract_id;
      return false;
    }
    page.views.push_back(std::make_shared<const stored_view>(std::move(view)));
    return true;
  };
  // Keys in byte order: the index of the first party, else of the state, else
  // the views themselves.
  const bool all = filter.parties.empty() && !filter.state;
  const std::string prefix = !filter.parties.empty() ? party_key_prefix(filter.parties.front())
                             : filter.state         ? state_key_prefix(*filter.state)
                                                    : std::string(view_prefix);
  const std::unique_ptr<rocksdb::Iterator> it(impl_->db.db().NewIterator(rocksdb::ReadOptions()));
  it->Seek(filter.after ? prefix + *filter.after : prefix);
  for (; it->Valid() && starts_with(it->key(), prefix); it->Next()) {
    std::string id(as_view(it->key()).substr(prefix.size()));
    if (filter.after && id == *filter.after) continue; // exclusive
    std::optional<stored_view> view = all ? decode_stored_view(id, as_view(it->value())) : impl_->get(id);
    if (view && !take(std::move(*view))) break;
  }
  return page;
}

std::map<std::string, std::size_t> view_store::count_by_state() const {
  const std::lock_guard lock(impl_->counts_mutex);
  return impl_->counts;
}

std::size_t view_store::size() const {
  const std::lock_guard lock(impl_->counts_mutex);
  std::size_t n = 0;
  for (const auto& [state, count] : impl_->counts) n += count;
  return n;
}

std::map<std::int32_t, std::int64_t> view_store::checkpoint_of(const std::string& topic) const {
  std::map<std::int32_t, std::int64_t> out;
  const std::string prefix = checkpoint_key_prefix(topic);
  const std::unique_ptr<rocksdb::Iterator> it(impl_->db.db().NewIterator(rocksdb::ReadOptions()));
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

void view_store::checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) {
  rocksdb::WriteBatch batch;
  for (const auto& [partition, offset] : next) {
    std::string key = checkpoint_key_prefix(topic);
    append_u32(key, static_cast<std::uint32_t>(partition));
    batch.Put(key, std::to_string(offset));
  }
  impl_->write(batch);
}

} // namespace pactum::runtime
