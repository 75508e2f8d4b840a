// Offline replay: records in, the section 13 document out. Decodes each record,
// applies it to the contract book, and keeps the rejections and the counts.
#pragma once

#include "pactum/events/decode.hpp"
#include "pactum/statemachine/contract_book.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pactum::statemachine {

struct rejection_entry {
  std::int64_t offset;
  std::optional<std::string> event_id;
  std::optional<std::string> contract_id;
  std::optional<std::string> type;
  events::rejection why;
};

struct replay_stats {
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
  std::int64_t duplicates = 0;
  [[nodiscard]] std::int64_t events() const { return accepted + rejected + duplicates; }
};

class replay_session {
public:
  // One structured-mode record (a line of a .jsonl file) at `offset`.
  outcome feed(std::int64_t offset, std::string_view record);
  // An already decoded event, or a decoding failure, at `offset`.
  outcome feed(std::int64_t offset, events::decoded decoded);
  void advance_to(timestamp now) { book_.advance_to(now); }

  [[nodiscard]] const contract_book& book() const { return book_; }
  [[nodiscard]] const std::vector<rejection_entry>& rejections() const { return rejections_; }
  [[nodiscard]] const replay_stats& stats() const { return stats_; }

  // The section 13 document, compact; `only` keeps one contract and its rejections.
  [[nodiscard]] std::string render(const std::optional<std::string>& only = std::nullopt) const;

private:
  contract_book book_;
  std::vector<rejection_entry> rejections_;
  replay_stats stats_;
};

} // namespace pactum::statemachine
