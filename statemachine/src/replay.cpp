#include "pactum/statemachine/replay.hpp"

#include "pactum/statemachine/view.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>

namespace pactum::statemachine {
namespace {

// Looks a std::string key up by a string_view, building no string.
struct subject_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return boost::hash<std::string_view>()(s); }
};

} // namespace

outcome replay_session::feed(std::int64_t offset, std::string_view record) {
  return feed(offset, events::decode_structured(record));
}

outcome replay_session::feed(std::int64_t offset, events::decoded decoded) {
  if (!decoded) {
    auto& f = decoded.error();
    ++stats_.rejected;
    rejections_.push_back({offset, std::move(f.event_id), std::move(f.contract_id), std::move(f.type), f.why});
    return outcome::rejected(std::move(f.why));
  }
  const events::event& e = decoded.value();
  outcome result = book_.handle(e);
  count(offset, e, result);
  return result;
}

void replay_session::feed(std::span<const offset_record> records) {
  constexpr std::uint32_t end_of_chain = UINT32_MAX; // events are numbered in 32 bits
  if (records.size() >= end_of_chain) {
    const std::size_t half = records.size() / 2;
    feed(records.first(half));
    feed(records.subspan(half));
    return;
  }
  // Each record's contract, read off the record without decoding it; a record
  // whose subject the scan cannot tell is decoded here (a failure is counted
  // now: it touches no contract). Kept between batches: a fresh batch-sized
  // buffer is fresh pages to fault in.
  auto& subjects = batch_.subjects;
  subjects.assign(records.size(), std::string_view());
  auto& early = batch_.early; // the records decoded here, by position
  early.clear();
  auto& early_at = batch_.early_at;
  early_at.assign(records.size(), end_of_chain);
  auto& skip = batch_.skip; // failed here: in no chain
  skip.assign(records.size(), false);
  const std::size_t rejections_before = rejections_.size();
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    if (const auto subject = events::structured_subject(records[i].record)) {
      subjects[i] = *subject;
      continue;
    }
    auto d = events::decode_structured(records[i].record);
    if (!d) {
      static_cast<void>(feed(records[i].offset, std::move(d)));
      skip[i] = true;
      continue;
    }
    early_at[i] = static_cast<std::uint32_t>(early.size());
    early.push_back(std::move(d));
  }
  for (std::uint32_t i = 0; i < records.size(); ++i)
    if (early_at[i] != end_of_chain) subjects[i] = early[early_at[i]].value().subject;

  // Each contract's records chained in log order, the chains in order of
  // first appearance: applied a contract at a time, while its state is in
  // cache. A record is decoded as its turn comes, into a buffer that stays
  // in cache (decoding the whole batch first made a 75 MB buffer to walk).
  struct chain {
    std::uint32_t first;
    std::uint32_t last;
  };
  auto& next = batch_.next;
  next.assign(records.size(), end_of_chain);
  auto& firsts = batch_.firsts;
  firsts.clear();
  // Keyed by a copy of the subject, not a view of the first record's text: a
  // lookup compares with the key in the table (a contract id is inline in a
  // std::string), not with a record far off in the batch.
  boost::unordered_flat_map<std::string, chain, subject_hash, std::equal_to<>> chains;
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    if (skip[i]) continue;
    if (const auto it = chains.find(subjects[i]); it != chains.end()) {
      next[it->second.last] = i;
      it->second.last = i;
    } else {
      chains.emplace(std::string(subjects[i]), chain{i, i});
      firsts.push_back(i);
    }
  }
  auto& order = batch_.order;
  order.clear();
  for (const std::uint32_t first : firsts)
    for (std::uint32_t i = first; i != end_of_chain; i = next[i]) order.push_back(i);
  // The chains jump through the batch: fetch the records a few steps ahead.
  constexpr std::size_t ahead = 8;
  constexpr std::size_t cache_line = 64;
  constexpr std::size_t fetched_bytes = 512; // a typical record whole
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k + 2 * ahead < order.size()) __builtin_prefetch(&records[order[k + 2 * ahead]]);
    if (k + ahead < order.size()) {
      const std::string_view upcoming = records[order[k + ahead]].record;
      for (std::size_t at = 0; at < std::min(upcoming.size(), fetched_bytes); at += cache_line)
        __builtin_prefetch(upcoming.data() + at);
    }
    const std::uint32_t i = order[k];
    static_cast<void>(feed(records[i].offset, early_at[i] != end_of_chain ? std::move(early[early_at[i]])
                                                                          : events::decode_structured(records[i].record)));
  }
  // The rejections in log order, as feeding one by one leaves them.
  std::sort(rejections_.begin() + static_cast<std::ptrdiff_t>(rejections_before), rejections_.end(),
            [](const rejection_entry& a, const rejection_entry& b) { return a.offset < b.offset; });
}

void replay_session::count(std::int64_t offset, const events::event& e, const outcome& result) {
  switch (result.kind) {
  case outcome_kind::accepted: ++stats_.accepted; break;
  case outcome_kind::duplicate: ++stats_.duplicates; break;
  case outcome_kind::rejected:
    ++stats_.rejected;
    rejections_.push_back({offset, e.id, e.subject, std::string(e.type_as_written), *result.why});
    break;
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
