#include "pactum/statemachine/replay.hpp"

#include "pactum/statemachine/view.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <utility>

namespace pactum::statemachine {
namespace {

// Looks a std::string key up by a string_view, building no string.
struct subject_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return boost::hash<std::string_view>()(s); }
};

} // namespace

void record_batch::unmap::operator()(char* at) const { ::munmap(at, size); }

void record_batch::add(std::int64_t offset, std::string_view text) {
  if (blocks_.empty() || blocks_.back().get_deleter().size - used_ < text.size()) {
    // Mapped with room to start on a 2 MiB boundary (huge pages are aligned),
    // the slack either side given back; a text larger than a block gets its own.
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    const std::size_t size = std::max(block_bytes, (text.size() + huge_page - 1) / huge_page * huge_page);
    void* mapped = ::mmap(nullptr, size + huge_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const std::size_t head = (huge_page - reinterpret_cast<std::uintptr_t>(mapped) % huge_page) % huge_page;
    char* at = static_cast<char*>(mapped) + head;
    if (head > 0) ::munmap(mapped, head);
    ::munmap(at + size, huge_page - head);
    ::madvise(at, size, MADV_HUGEPAGE); // a hint: where refused, 4 KiB pages serve
    block owned(at, unmap{size});
    blocks_.push_back(std::move(owned));
    used_ = 0;
  }
  char* at = blocks_.back().get() + used_;
  std::memcpy(at, text.data(), text.size());
  used_ += text.size();
  records_.push_back({offset, std::string_view(at, text.size())});
}

void record_batch::clear() {
  records_.clear();
  blocks_.clear();
  used_ = 0;
}

outcome replay_session::feed(std::int64_t offset, std::string_view record) {
  return feed(offset, events::decode_structured(record));
}

outcome replay_session::feed(std::int64_t offset, events::decoded decoded) {
  const outcome_kind kind = take(offset, decoded);
  if (kind == outcome_kind::rejected) return outcome::rejected(rejections_.back().why);
  return {kind, std::nullopt};
}

outcome_kind replay_session::take(std::int64_t offset, events::decoded& decoded) {
  if (!decoded) {
    auto& f = decoded.error();
    ++stats_.rejected;
    rejections_.push_back({offset, std::move(f.event_id), std::move(f.contract_id), std::move(f.type), std::move(f.why)});
    return outcome_kind::rejected;
  }
  events::event& e = decoded.value();
  outcome result = book_.handle(e);
  switch (result.kind) {
  case outcome_kind::accepted: ++stats_.accepted; break;
  case outcome_kind::duplicate: ++stats_.duplicates; break;
  case outcome_kind::rejected:
    ++stats_.rejected;
    rejections_.push_back({offset, std::move(e.id), std::move(e.subject), std::string(e.type_as_written), std::move(*result.why)});
    break;
  }
  return result.kind;
}

void replay_session::feed(std::span<const offset_record> records) {
  constexpr std::uint32_t none = UINT32_MAX; // records are numbered in 32 bits
  if (records.size() >= none) {
    const std::size_t half = records.size() / 2;
    feed(records.first(half));
    feed(records.subspan(half));
    return;
  }
  // Each record's contract, read off the record without decoding it; a record
  // whose subject the scan cannot tell is decoded here (a failure is counted
  // now: it touches no contract). Contracts are numbered in order of first
  // appearance. The buffers are kept between batches: a fresh batch-sized
  // buffer is fresh pages to fault in.
  auto& early = batch_.early; // the records decoded here
  early.clear();
  auto& early_at = batch_.early_at; // a record's place in `early`, if there
  early_at.assign(records.size(), none);
  auto& contract_of = batch_.contract_of; // none: failed here, in no contract
  contract_of.assign(records.size(), none);
  auto& counts = batch_.counts; // each contract's records in the batch
  counts.clear();
  // Keyed by a copy of the subject, not a view of the first record's text: a
  // lookup compares with the key in the table (a contract id is inline in a
  // std::string), not with a record far off in the batch.
  boost::unordered_flat_map<std::string, std::uint32_t, subject_hash, std::equal_to<>> numbers;
  const std::size_t rejections_before = rejections_.size();
  auto& rejected_at = batch_.rejected_at; // the record of each rejection the batch adds
  rejected_at.clear();
  // Room for a quarter of the batch rejected, made before it is needed: a
  // vector that doubles as it fills moves every entry again and writes twice
  // the memory (fresh pages, each a fault). Reserved pages never written cost
  // nothing; a batch that rejects more grows the vector as before.
  const std::size_t room = rejections_before + records.size() / 4;
  if (rejections_.capacity() < room) rejections_.reserve(std::max(room, 2 * rejections_.capacity()));
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    std::string_view subject;
    if (const auto scanned = events::structured_subject(records[i].record)) {
      subject = *scanned;
    } else {
      auto d = events::decode_structured(records[i].record);
      if (!d) {
        static_cast<void>(take(records[i].offset, d));
        rejected_at.push_back(i);
        continue;
      }
      early_at[i] = static_cast<std::uint32_t>(early.size());
      early.push_back(std::move(d));
      subject = early.back().value().subject;
    }
    auto it = numbers.find(subject);
    if (it == numbers.end()) {
      it = numbers.emplace(std::string(subject), static_cast<std::uint32_t>(counts.size())).first;
      counts.push_back(0);
    }
    contract_of[i] = it->second;
    ++counts[it->second];
  }

  // The batch a contract at a time, each contract's records in log order
  // (a counting sort): applied while the contract's state is in cache. The
  // walk below then reads `order` front to back; only the records' texts are
  // far apart. A record is decoded as its turn comes, into a buffer that
  // stays in cache (decoding the whole batch first made a 75 MB buffer to walk).
  std::uint32_t start = 0;
  for (auto& c : counts) start += std::exchange(c, start); // now where each contract's records start
  auto& order = batch_.order;
  order.resize(start);
  for (std::uint32_t i = 0; i < records.size(); ++i)
    if (contract_of[i] != none) order[counts[contract_of[i]]++] = {records[i], i, early_at[i]};
  // The texts a run of turns at a time: copied in turn order into one small
  // buffer, then decoded from there as each turn comes. Read in place, the
  // texts far apart in the batch stalled decoding (fetched ahead or not: ~40 %
  // more time a record, measured); a loop that only copies keeps many such
  // fetches in flight, and the decoder reads a buffer in cache.
  constexpr std::size_t run_turns = 1024;
  constexpr std::size_t run_bytes = std::size_t{1} << 20;
  constexpr std::size_t ahead = 16; // turns whose texts are fetched ahead of the copy
  constexpr std::size_t cache_line = 64;
  constexpr std::size_t fetched_bytes = 512; // a typical record whole
  auto& texts = batch_.texts; // the run's texts end to end, then the parser's padding
  texts.resize(run_bytes + events::record_padding);
  std::array<std::string_view, run_turns> run; // each turn's text: copied, or in place
  std::array<bool, run_turns> copied{};
  for (std::size_t first = 0; first < order.size(); first += run_turns) {
    const std::size_t n = std::min(run_turns, order.size() - first);
    std::size_t used = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (first + j + ahead < order.size()) {
        const std::string_view upcoming = order[first + j + ahead].record.record;
        for (std::size_t at = 0; at < std::min(upcoming.size(), fetched_bytes); at += cache_line)
          __builtin_prefetch(upcoming.data() + at);
      }
      const auto& [record, at, decoded_at] = order[first + j];
      run[j] = record.record;
      copied[j] = decoded_at == none && record.record.size() <= run_bytes - used;
      if (!copied[j]) continue; // not needed, or read in place
      std::memcpy(texts.data() + used, record.record.data(), record.record.size());
      run[j] = std::string_view(texts.data() + used, record.record.size());
      used += record.record.size();
    }
    // A copied text is followed by the next one's, or by the padding: the
    // parser reads it where it lies.
    for (std::size_t j = 0; j < n; ++j) {
      const auto& [record, at, decoded_at] = order[first + j];
      events::decoded decoded = decoded_at != none ? std::move(early[decoded_at])
                                : copied[j]      ? events::decode_padded_structured(run[j])
                                                 : events::decode_structured(run[j]);
      if (take(record.offset, decoded) == outcome_kind::rejected) rejected_at.push_back(at);
    }
  }
  // The rejections in log order, as feeding one by one leaves them: each
  // record has at most one, so a table by record (early_at's, done with)
  // gives the order with no comparison, and the entries move in place, each
  // once, along the cycles of that permutation.
  auto& rejection_of = early_at;
  std::fill(rejection_of.begin(), rejection_of.end(), none);
  for (std::uint32_t k = 0; k < rejected_at.size(); ++k) rejection_of[rejected_at[k]] = k;
  auto& from = rejected_at; // now: the entry that belongs at each place
  from.clear();
  for (const std::uint32_t k : rejection_of)
    if (k != none) from.push_back(k);
  const auto added = std::span(rejections_).subspan(rejections_before);
  for (std::uint32_t place = 0; place < from.size(); ++place) {
    if (from[place] == place) continue;
    rejection_entry held = std::move(added[place]);
    std::uint32_t at = place;
    while (from[at] != place) {
      added[at] = std::move(added[from[at]]);
      at = std::exchange(from[at], at);
    }
    added[at] = std::move(held);
    from[at] = at;
  }
}

std::string replay_session::render(const std::optional<std::string>& only) const {
  auto opt = [](const std::optional<std::string>& s) { return s ? view_json(*s) : view_json(nullptr); };
  std::string out = "{\"contracts\":[";
  bool first = true;
  for (const contract* c : book_.sorted()) {
    if (only && c->state().contract_id != *only) continue;
    if (!first) out += ',';
    first = false;
    out += render_view(c->state());
  }
  out += "],\"rejections\":[";
  first = true;
  for (const auto& r : rejections_) {
    if (only && r.contract_id != *only) continue;
    view_json item = view_json::object();
    item["offset"] = r.offset;
    item["event_id"] = opt(r.event_id);
    item["contract_id"] = opt(r.contract_id);
    item["type"] = opt(r.type);
    item["reason"] = std::string(events::to_string(r.why.code));
    item["detail"] = r.why.detail;
    if (!first) out += ',';
    first = false;
    out += to_text(item);
  }
  view_json stats = view_json::object();
  stats["events"] = stats_.events();
  stats["accepted"] = stats_.accepted;
  stats["rejected"] = stats_.rejected;
  stats["duplicates"] = stats_.duplicates;
  out += "],\"stats\":" + to_text(stats) + "}";
  return out;
}

} // namespace pactum::statemachine
