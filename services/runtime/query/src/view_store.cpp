#include "pactum/runtime/view_store.hpp"

#include <nlohmann/json.hpp>

#include <mutex>

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

bool view_store::put(const std::string& contract_id, std::string_view value) {
  if (value.empty()) {
    const std::unique_lock lock(mutex_);
    if (const auto it = views_.find(contract_id); it != views_.end()) {
      unindex(contract_id, it->second->header);
      views_.erase(it);
    }
    return true;
  }
  auto header = read_view_header(value);
  if (!header) return false;
  auto view = std::make_shared<const stored_view>(stored_view{contract_id, std::move(*header), std::string(value)});
  const std::unique_lock lock(mutex_);
  auto& slot = views_[contract_id];
  if (slot) {
    if (slot->header.version > view->header.version) return true; // an older record read late
    unindex(contract_id, slot->header);
  }
  index(contract_id, view->header);
  slot = std::move(view);
  return true;
}

void view_store::index(const std::string& id, const view_header& h) {
  by_party_[h.client_id].insert(id);
  by_party_[h.vendor_id].insert(id);
}

void view_store::unindex(const std::string& id, const view_header& h) {
  for (const std::string* party : {&h.client_id, &h.vendor_id}) {
    const auto it = by_party_.find(*party);
    if (it == by_party_.end()) continue;
    it->second.erase(id);
    if (it->second.empty()) by_party_.erase(it);
  }
}

std::shared_ptr<const stored_view> view_store::find(const std::string& contract_id) const {
  const std::shared_lock lock(mutex_);
  const auto it = views_.find(contract_id);
  return it == views_.end() ? nullptr : it->second;
}

view_page view_store::list(const view_filter& filter) const {
  view_page page;
  // Takes a view if it passes the filter; false once the page is full and
  // another view follows.
  const auto take = [&](const std::shared_ptr<const stored_view>& view) {
    if (filter.state && view->header.state != *filter.state) return true;
    for (const auto& party : filter.parties)
      if (view->header.client_id != party && view->header.vendor_id != party) return true;
    if (page.views.size() == filter.limit) {
      if (!page.views.empty()) page.next_after = page.views.back()->contract_id;
      return false;
    }
    page.views.push_back(view);
    return true;
  };
  const std::shared_lock lock(mutex_);
  if (!filter.parties.empty()) {
    const auto ids = by_party_.find(filter.parties.front());
    if (ids == by_party_.end()) return page;
    for (auto it = filter.after ? ids->second.upper_bound(*filter.after) : ids->second.begin(); it != ids->second.end(); ++it)
      if (!take(views_.at(*it))) break;
  } else {
    for (auto it = filter.after ? views_.upper_bound(*filter.after) : views_.begin(); it != views_.end(); ++it)
      if (!take(it->second)) break;
  }
  return page;
}

std::map<std::string, std::size_t> view_store::count_by_state() const {
  std::map<std::string, std::size_t> counts;
  for (const auto state : contract_states) counts[std::string(state)] = 0;
  const std::shared_lock lock(mutex_);
  for (const auto& [id, view] : views_) ++counts[view->header.state];
  return counts;
}

std::size_t view_store::size() const {
  const std::shared_lock lock(mutex_);
  return views_.size();
}

} // namespace pactum::runtime
