// The query side: the latest view of every contract, as read from the
// compacted views topic, so that any replica answers for any contract. Shared
// between the topic reader (writes) and the HTTP workers (reads); thread-safe.
#pragma once

#include "pactum/runtime/local_db_options.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// The views, their party index and counts by state, in a local RocksDB
// database (docs/decisions.md, "The views store"): memory is RocksDB's bounded
// block cache and memtables, not the number of contracts. With the views
// topic's offsets it reflects (the follower's checkpoint), a restart reads
// only the topic's tail.
using view_store_options = local_db_options;

// A record of the views topic: its key and value (empty: a tombstone).
struct view_record {
  std::string_view contract_id;
  std::string_view value;
};

class view_store {
public:
  view_store() : view_store(view_store_options{}) {}
  explicit view_store(const view_store_options& options); // throws std::runtime_error when it cannot open
  ~view_store();
  view_store(const view_store&) = delete;
  view_store& operator=(const view_store&) = delete;

  // A record of the views topic: a view (kept when its version is not older
  // than the one held) or a tombstone (empty value: forgets the contract).
  // Returns false when the value is not a view (it is ignored).
  bool put(const std::string& contract_id, std::string_view value);
  // Records of the views topic in the order read, in one write, leaving the
  // store as put() of each in turn would. Returns how many were not views.
  std::size_t put_all(std::span<const view_record> records);

  [[nodiscard]] std::shared_ptr<const stored_view> find(const std::string& contract_id) const;
  [[nodiscard]] view_page list(const view_filter& filter) const;
  [[nodiscard]] std::map<std::string, std::size_t> count_by_state() const;
  [[nodiscard]] std::size_t size() const;

  // The offsets of `topic` the store reflects (partition -> next offset to
  // read), as the last checkpoint() left them; empty for a new store.
  [[nodiscard]] std::map<std::int32_t, std::int64_t> checkpoint_of(const std::string& topic) const;
  // Records them, after the views they cover (durable in the same order).
  void checkpoint(const std::string& topic, const std::map<std::int32_t, std::int64_t>& next);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The stored form of a view (exposed for the golden-fixture test): a format
// byte, then length-prefixed fields; the state by name.
[[nodiscard]] std::string encode_stored_view(const view_header& header, std::string_view text);
[[nodiscard]] std::optional<stored_view> decode_stored_view(std::string contract_id, std::string_view bytes,
                                                          bool with_text = true);

} // namespace pactum::runtime
