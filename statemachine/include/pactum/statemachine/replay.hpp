// Offline replay: records in, the section 13 document out. Decodes each record,
// applies it to the contract book, and keeps the rejections and the counts.
#pragma once

#include "pactum/events/decode.hpp"
#include "pactum/statemachine/contract_book.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// A record of a log and where it stands in it.
struct offset_record {
  std::int64_t offset;
  std::string_view record;
};

// A batch of records read from a log, their texts end to end in large blocks
// that the kernel is asked to back with huge pages (transparent huge pages,
// where enabled). The batched feed reads the texts a contract at a time, far
// apart in the log: on 4 KiB pages nearly every record cost a TLB miss, and
// each text in its own allocation scattered them further (docs/benchmarks.md).
class record_batch {
public:
  record_batch() = default;
  record_batch(const record_batch&) = delete;
  record_batch& operator=(const record_batch&) = delete;
  record_batch(record_batch&&) noexcept = default;
  record_batch& operator=(record_batch&&) noexcept = default;
  ~record_batch() = default;

  // Copies `text` in; the views records() gives stay valid until clear().
  void add(std::int64_t offset, std::string_view text);
  void clear();
  [[nodiscard]] std::span<const offset_record> records() const { return records_; }
  [[nodiscard]] std::size_t size() const { return records_.size(); }

private:
  struct unmap {
    std::size_t size;
    void operator()(char* at) const;
  };
  using block = std::unique_ptr<char, unmap>;
  static constexpr std::size_t block_bytes = std::size_t{64} << 20;

  std::vector<block> blocks_;
  std::size_t used_ = 0; // of the last block
  std::vector<offset_record> records_;
};

class replay_session {
public:
  // How many records a reader of a whole log hands feed() at once: the
  // larger, the more of a contract's records meet while its state is in
  // cache (measured in docs/benchmarks.md, "Replay throughput").
  static constexpr std::size_t batch_records = 1 << 20;

  // One structured-mode record (a line of a .jsonl file) at `offset`.
  outcome feed(std::int64_t offset, std::string_view record);
  // An already decoded event, or a decoding failure, at `offset`.
  outcome feed(std::int64_t offset, events::decoded decoded);
  // Structured-mode records in log order (offsets increasing): the same state,
  // rejections and counts as feeding them one by one, faster. Each contract
  // sees its own records in log order and nothing of another's, so the batch
  // is applied a contract at a time, while that contract's state is in cache.
  void feed(std::span<const offset_record> records);
  void advance_to(timestamp now) { book_.advance_to(now); }

  [[nodiscard]] const contract_book& book() const { return book_; }
  [[nodiscard]] const std::vector<rejection_entry>& rejections() const { return rejections_; }
  [[nodiscard]] const replay_stats& stats() const { return stats_; }

  // The section 13 document, compact; `only` keeps one contract and its rejections.
  [[nodiscard]] std::string render(const std::optional<std::string>& only = std::nullopt) const;

private:
  // Applies `decoded` and counts what came of it; a rejection is kept with
  // what it names, moved out of `decoded`.
  outcome_kind take(std::int64_t offset, events::decoded& decoded);

  contract_book book_;
  std::vector<rejection_entry> rejections_;
  replay_stats stats_;
  struct batch_buffers {
    struct turn {
      offset_record record;
      std::uint32_t at;       // its place in the batch
      std::uint32_t early_at; // its place in `early`, if decoded there
    };
    std::vector<events::decoded> early;     // the records whose subject needed their decoding
    std::vector<std::uint32_t> early_at;    // a record's place in `early`, if there
    std::vector<std::uint32_t> rejected_at; // the record of each rejection the batch adds
    std::vector<std::uint32_t> contract_of; // a record's contract, numbered in the batch
    std::vector<std::uint32_t> counts;      // each contract's records, then where they start
    std::vector<turn> order;                // the records a contract at a time
    std::vector<char> texts;                // a run of turns' texts, copied in turn order
  } batch_;
};

} // namespace pactum::statemachine
