// libFuzzer target: replay of short event sequences (decode, apply, render),
// with two oracles: folding the first half, restoring every contract from its
// snapshot text and folding the rest must render the same views as folding
// everything; and a replay session fed the records as one batch (grouped by
// contract, decoded in its turn) must render the document feeding them one
// by one does. Input: records separated by LF.
#include "pactum/events/decode.hpp"
#include "pactum/statemachine/contract_book.hpp"
#include "pactum/statemachine/replay.hpp"
#include "pactum/statemachine/snapshot.hpp"
#include "pactum/statemachine/view.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::vector<pactum::events::event> decode_lines(std::string_view input) {
  std::vector<pactum::events::event> out;
  while (!input.empty() && out.size() < 64) {
    const auto eol = input.find('\n');
    auto decoded = pactum::events::decode_structured(input.substr(0, eol));
    input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
    if (decoded) out.push_back(std::move(decoded.value()));
  }
  return out;
}

// The first 256 lines, fed one by one and as one batch.
void batch_against_one_by_one(std::string_view input) {
  namespace sm = pactum::statemachine;
  std::vector<sm::offset_record> records;
  sm::replay_session one_by_one;
  while (!input.empty() && records.size() < 256) {
    const auto eol = input.find('\n');
    const auto line = input.substr(0, eol);
    input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
    records.push_back({static_cast<std::int64_t>(records.size()), line});
    (void)one_by_one.feed(records.back().offset, line);
  }
  sm::replay_session batched;
  batched.feed(records);
  const std::string expected = one_by_one.render();
  const std::string actual = batched.render();
  if (expected != actual) {
    std::fprintf(stderr, "one by one:\n%s\nas a batch:\n%s\n", expected.c_str(), actual.c_str());
    std::abort();
  }
}

std::string render_all(const pactum::statemachine::contract_book& book) {
  std::string text;
  for (const auto* c : book.sorted()) text += pactum::statemachine::render_view(c->state()) + '\n';
  return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sm = pactum::statemachine;
  batch_against_one_by_one(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto events = decode_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  if (events.empty()) return 0;

  sm::contract_book whole;
  for (const auto& e : events) (void)whole.handle(e);

  const std::size_t half = events.size() / 2;
  sm::contract_book first;
  for (std::size_t i = 0; i < half; ++i) (void)first.handle(events[i]);
  sm::contract_book resumed;
  for (const auto* c : first.sorted()) {
    const std::string text = sm::snapshot_of(c->state()).dump();
    auto state = sm::state_from_snapshot(nlohmann::json::parse(text));
    if (!state) std::abort(); // our own snapshot must restore
    auto restored = sm::contract::restore(std::move(*state));
    if (!restored) std::abort();
    resumed.adopt(std::move(restored));
  }
  for (std::size_t i = half; i < events.size(); ++i) (void)resumed.handle(events[i]);
  const std::string expected = render_all(whole);
  const std::string actual = render_all(resumed);
  if (expected != actual) { // snapshot + rest != whole
    std::fprintf(stderr, "whole:\n%s\nresumed from snapshots after %zu of %zu events:\n%s\n", expected.c_str(), half,
                 events.size(), actual.c_str());
    std::abort();
  }
  return 0;
}
