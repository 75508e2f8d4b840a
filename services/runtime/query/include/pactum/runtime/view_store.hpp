// The query side: the latest view of every contract, as read from the
// compacted views topic, so that any replica answers for any contract. Shared
// between the topic reader (writes) and the HTTP workers (reads).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pactum::runtime {

// What a view says about itself that the API filters and authorises on.
struct view_header {
  std::string state;
  std::int64_t version = 0;
  std::string client_id;
  std::string vendor_id;
};

// Reads the header from a view's text (a streaming parse that stops once it has
// what it needs); empty if the text is not a view.
[[nodiscard]] std::optional<view_header> read_view_header(std::string_view view_text);

struct stored_view {
  std::string contract_id;
  view_header header;
  std::string text; // the view exactly as the projection carried it
};

struct view_page {
  std::vector<std::shared_ptr<const stored_view>> views; // by contract id, byte order
  std::optional<std::string> next_after;                  // the last id returned when more follow
};

struct view_filter {
  std::optional<std::string> state;
  std::vector<std::string> parties; // each must be the client or the vendor
  std::optional<std::string> after; // exclusive lower bound of the contract id
  std::size_t limit = 50;
};

inline constexpr std::array<std::string_view, 4> contract_states{"draft", "signed", "in_breach", "terminated"};

class view_store {
public:
  // A record of the views topic: a view (kept when its version is not older
  // than the one held) or a tombstone (empty value: forgets the contract).
  // Returns false when the value is not a view (it is ignored).
  bool put(const std::string& contract_id, std::string_view value);

  [[nodiscard]] std::shared_ptr<const stored_view> find(const std::string& contract_id) const;
  [[nodiscard]] view_page list(const view_filter& filter) const;
  [[nodiscard]] std::map<std::string, std::size_t> count_by_state() const;
  [[nodiscard]] std::size_t size() const;

private:
  void unindex(const std::string& id, const view_header& h);
  void index(const std::string& id, const view_header& h);

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const stored_view>> views_;
  std::unordered_map<std::string, std::set<std::string>> by_party_;
};

} // namespace pactum::runtime
