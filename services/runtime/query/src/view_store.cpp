#include "pactum/runtime/view_store.hpp"

#include <nlohmann/json.hpp>
#include "pactum/runtime/local_db.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
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
constexpr char stored_view_format = 1;

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

std::string count_key(std::string_view state) { return std::string(count_prefix).append(state); }

} // namespace

std::string encode_stored_view(const view_header& header, std::string_view text) {
  std::string out(1, stored_view_format);
  out.reserve(1 + 5 * 4 + 20 + header.state.size() + header.client_id.size() + header.vendor_id.size() + text.size());
  append_field(out, header.state);
  append_field(out, std::to_string(header.version));
  append_field(out, header.client_id);
  append_field(out, header.vendor_id);
  append_field(out, text);
  return out;
}

std::optional<stored_view> decode_stored_view(std::string contract_id, std::string_view bytes, bool with_text) {
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
                     with_text ? std::string(*text) : std::string()};
}

namespace {

// A record of the views topic, its header read: nullopt for a tombstone.
struct read_record {
  std::string_view contract_id;
  std::optional<view_header> header;
  std::string_view text;
};

// What put() keeps of two records of one contract read in this order: the
// later one, unless both are views and the earlier is newer.
bool supersedes(const read_record& later, const read_record& earlier) {
  return !(later.header && earlier.header && earlier.header->version > later.header->version);
}

// The writes of one batch, and the counts by state after them.
struct staged {
  rocksdb::WriteBatch batch;
  std::map<std::string, std::size_t> counts;
  std::set<std::string> changed;
};

} // namespace

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

  // The stored view's header, without copying its text.
  [[nodiscard]] std::optional<view_header> header_of(const std::string& id) const {
    rocksdb::PinnableSlice bytes;
    if (!db.db().Get(rocksdb::ReadOptions(), db.db().DefaultColumnFamily(), view_key(id), &bytes).ok())
      return std::nullopt;
    auto view = decode_stored_view(id, as_view(bytes), false);
    if (!view) return std::nullopt;
    return std::move(view->header);
  }

  void write(rocksdb::WriteBatch& batch) const { db.write(batch); }

  // `reserve_bytes`: what the batch will hold, about (a batch grown by
  // doubling copied itself over and over: a fifth of the follower's time).
  [[nodiscard]] staged begin_staging(std::size_t reserve_bytes = 0) const {
    staged s{rocksdb::WriteBatch(reserve_bytes), {}, {}};
    const std::lock_guard counts_lock(counts_mutex);
    s.counts = counts;
    return s;
  }

  // Stages what writing `r` over what the store holds does (nothing for an
  // older view read late, or a tombstone of nothing).
  void stage(const read_record& r, staged& s) const {
    const std::string id(r.contract_id);
    const auto old = header_of(id);
    if (old && r.header && old->version > r.header->version) return; // an older record read late
    if (!old && !r.header) return;                                   // a tombstone of nothing
    if (old) {
      s.batch.Delete(party_key_prefix(old->client_id) + id);
      s.batch.Delete(party_key_prefix(old->vendor_id) + id);
      s.batch.Delete(state_key_prefix(old->state) + id);
      --s.counts[old->state];
      s.changed.insert(old->state);
    }
    if (r.header) {
      s.batch.Put(view_key(id), encode_stored_view(*r.header, r.text));
      s.batch.Put(party_key_prefix(r.header->client_id) + id, "");
      s.batch.Put(party_key_prefix(r.header->vendor_id) + id, "");
      s.batch.Put(state_key_prefix(r.header->state) + id, "");
      ++s.counts[r.header->state];
      s.changed.insert(r.header->state);
    } else {
      s.batch.Delete(view_key(id));
    }
  }

  void commit(staged& s) {
    for (const auto& state : s.changed) s.batch.Put(count_key(state), std::to_string(s.counts[state]));
    write(s.batch);
    const std::lock_guard counts_lock(counts_mutex);
    counts = std::move(s.counts);
  }
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
  return put_all(std::span<const view_record>(std::array{view_record{contract_id, value}})) == 0;
}

// Equal to put() of each record in turn: per contract, the record put() would
// keep last is staged over what the store holds. A tombstone among a
// contract's records is applied in its turn (a view after it is new again),
// so that contract's records go one write each.
std::size_t view_store::put_all(std::span<const view_record> records) {
  std::vector<read_record> read;
  read.reserve(records.size());
  std::size_t ignored = 0;
  for (const auto& r : records) {
    std::optional<view_header> header;
    if (!r.value.empty() && !(header = read_view_header(r.value))) {
      ++ignored;
      continue;
    }
    read.push_back({r.contract_id, std::move(header), r.value});
  }
  // Per contract, in order of first appearance: its records' indexes.
  std::vector<std::string_view> order;
  boost::unordered_flat_map<std::string_view, std::vector<std::size_t>> by_contract;
  for (std::size_t i = 0; i < read.size(); ++i) {
    auto& indexes = by_contract[read[i].contract_id];
    if (indexes.empty()) order.push_back(read[i].contract_id);
    indexes.push_back(i);
  }
  // A view's text, then its keys (the view, two parties, the state, and the
  // deletes of the old ones), each with a prefix and the entry's lengths.
  std::size_t bytes = 64;
  for (const auto& r : read) bytes += r.text.size() + 8 * (r.contract_id.size() + 48);
  const std::lock_guard lock(impl_->write_mutex);
  staged batch = impl_->begin_staging(bytes);
  for (const auto id : order) {
    const auto& indexes = by_contract[id];
    const bool tombstone = std::any_of(indexes.begin(), indexes.end(), [&](std::size_t i) { return !read[i].header; });
    if (!tombstone) {
      std::size_t kept = indexes.front();
      for (const std::size_t i : indexes)
        if (supersedes(read[i], read[kept])) kept = i;
      impl_->stage(read[kept], batch);
      continue;
    }
    impl_->commit(batch); // what this contract's records are staged over must be written
    for (const std::size_t i : indexes) {
      staged one = impl_->begin_staging();
      impl_->stage(read[i], one);
      impl_->commit(one);
    }
    batch = impl_->begin_staging();
  }
  impl_->commit(batch);
  return ignored;
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
  return topic_offsets(impl_->db, topic);
}

void view_store::checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next) {
  rocksdb::WriteBatch batch;
  put_topic_offsets(batch, topic, next);
  impl_->write(batch);
}

} // namespace pactum::runtime
