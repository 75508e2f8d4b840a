// Replay throughput on one core, beside parse-only baselines measured in the
// same run: the same lines through nlohmann::json::parse alone, and through
// simdjson's DOM parse alone (decode's parser: what decoding adds to it). Usage:
//   replay_bench FILE.jsonl [--repeat N]
// Prints one line per stage with events/s (best of N) and the ratio to the baseline.
// REPLAY_BENCH_BATCH=N feeds the batched stages N records at a time (default:
// replay_session::batch_records); REPLAY_BENCH_APPLY_ONLY / REPLAY_BENCH_REPLAY_ONLY
// run one stage once, for profilers; REPLAY_BENCH_STAGES=decode,replay times
// only the stages named (for A/B runs; the baseline's column then reads 0).
#include "pactum/events/decode.hpp"
#include "pactum/statemachine/replay.hpp"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// Best of `repeat` runs of `body`, which returns what it built: that is destroyed
// after the clock stops (a running service keeps its state; teardown is not ingest).
template <class Body>
double best_seconds(int repeat, Body&& body) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto start = clock_type::now();
    [[maybe_unused]] auto built = body();
    best = std::min(best, std::chrono::duration<double>(clock_type::now() - start).count());
  }
  return best;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: replay_bench FILE.jsonl [--repeat N]\n";
    return 2;
  }
  const int repeat = argc >= 4 && std::string(argv[2]) == "--repeat" ? std::stoi(argv[3]) : 3;
  const std::size_t batch = std::getenv("REPLAY_BENCH_BATCH") != nullptr
                                ? std::stoul(std::getenv("REPLAY_BENCH_BATCH"))
                                : pactum::statemachine::replay_session::batch_records;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  if (lines.empty()) {
    std::cerr << "replay_bench: no records in " << argv[1] << '\n';
    return 2;
  }
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size() + 1;
  const auto n = static_cast<double>(lines.size());

  std::size_t sink = 0;
  // What `pactumctl replay` does: the log in batches of replay_session::batch_records.
  pactum::statemachine::record_batch held;
  for (std::size_t i = 0; i < lines.size(); ++i) held.add(static_cast<std::int64_t>(i), lines[i]);
  auto replay_all = [&] {
    auto session = std::make_unique<pactum::statemachine::replay_session>();
    const std::span<const pactum::statemachine::offset_record> all = held.records();
    for (std::size_t at = 0; at < all.size(); at += batch)
      session->feed(all.subspan(at, std::min(batch, all.size() - at)));
    return session;
  };
  if (std::getenv("REPLAY_BENCH_REPLAY_ONLY") != nullptr) { // for profilers
    // Left for the process's exit to free: a profile of ingest, not of teardown.
    const auto* session = replay_all().release();
    sink += static_cast<std::size_t>(session->stats().accepted);
    return static_cast<int>(sink % 2);
  }
  const char* stages = std::getenv("REPLAY_BENCH_STAGES");
  auto wanted = [&](std::string_view stage) {
    if (stages == nullptr) return true;
    for (std::string_view rest = stages; !rest.empty();) {
      const auto comma = rest.find(',');
      if (rest.substr(0, comma) == stage) return true;
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
    return false;
  };
  auto timed = [&](std::string_view stage, auto&& body) { return wanted(stage) ? best_seconds(repeat, body) : 0.0; };
  const bool apply_only = std::getenv("REPLAY_BENCH_APPLY_ONLY") != nullptr;
  std::vector<pactum::events::decoded> decoded; // what "apply" folds
  if (apply_only || wanted("apply")) {
    decoded.reserve(lines.size());
    for (const auto& l : lines) decoded.push_back(pactum::events::decode_structured(l));
  }
  if (apply_only) { // for profilers
    auto book = std::make_unique<pactum::statemachine::contract_book>();
    for (const auto& d : decoded)
      if (d) book->handle(d.value());
    return 0;
  }
  const double parse = timed("parse", [&] {
    for (const auto& l : lines) {
      const auto doc = nlohmann::json::parse(l, nullptr, false);
      sink += doc.is_discarded() ? 0 : doc.size();
    }
    return 0;
  });
  const double simdjson_parse = timed("simdjson", [&] {
    simdjson::dom::parser parser;
    for (const auto& l : lines) {
      simdjson::dom::element doc;
      sink += parser.parse(l).get(doc) == simdjson::SUCCESS ? 1 : 0;
    }
    return 0;
  });
  const double decode = timed("decode", [&] {
    for (const auto& l : lines) sink += pactum::events::decode_structured(l) ? 1 : 0;
    return 0;
  });
  const double apply = timed("apply", [&] {
    auto book = std::make_unique<pactum::statemachine::contract_book>();
    for (const auto& d : decoded)
      if (d) sink += book->handle(d.value()).kind == pactum::statemachine::outcome_kind::accepted ? 1 : 0;
    return book;
  });
  const double replay_one_by_one = timed("one-by-one", [&] {
    auto session = std::make_unique<pactum::statemachine::replay_session>();
    std::int64_t offset = 0;
    for (const auto& l : lines) session->feed(offset++, l);
    sink += static_cast<std::size_t>(session->stats().accepted);
    return session;
  });
  const double replay = timed("replay", [&] {
    auto session = replay_all();
    sink += static_cast<std::size_t>(session->stats().accepted);
    return session;
  });
  std::string rendered;
  const double replay_render = timed("render", [&] {
    auto session = replay_all();
    rendered = session->render();
    return session;
  });

  std::printf("records %zu, %.1f MiB, best of %d (sink %zu)\n", lines.size(), static_cast<double>(bytes) / 1048576.0, repeat, sink % 10);
  std::printf("%-32s %12s %10s %10s\n", "stage", "events/s", "MiB/s", "x parse");
  auto row = [&](const char* name, double secs) {
    if (secs == 0.0) return;
    std::printf("%-32s %12.0f %10.1f %10.2f\n", name, n / secs, static_cast<double>(bytes) / 1048576.0 / secs, parse / secs);
  };
  row("baseline: json::parse only", parse);
  row("simdjson DOM parse only", simdjson_parse);
  row("decode (envelope + data)", decode);
  row("apply only (pre-decoded)", apply);
  row("replay, a record at a time", replay_one_by_one);
  row("replay (decode + apply)", replay);
  row("replay + render document", replay_render);
  return 0;
}
