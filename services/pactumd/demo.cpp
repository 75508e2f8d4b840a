#include "demo.hpp"

#include "pactum/generator/generator.hpp"
#include "pactum/runtime/log.hpp"
#include "pactum/runtime/tools.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace pactum::pactumd {
namespace {

using namespace std::chrono_literals;

std::string random_token() {
  std::random_device device; // /dev/urandom
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string token = "demo-";
  for (int i = 0; i < 8; ++i) {
    const std::uint32_t word = device();
    for (int nibble = 0; nibble < 8; ++nibble) token += hex[(word >> (4 * nibble)) & 0xFU];
  }
  return token;
}

events::timestamp wall_now() {
  return events::timestamp{
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

// Seconds of patience for the demo to be consumed before the summary says so.
constexpr auto consume_patience = 120s;

} // namespace

demo_token_file::demo_token_file() : token_(random_token()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "pactumd-demo-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "cannot create a private directory for the demo token");
  dir_ = pattern;
  file_ = dir_ / "tokens";
  const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    std::filesystem::remove(dir_);
    throw std::system_error(error, std::generic_category(), "cannot create the demo token file " + file_.string());
  }
  const std::string line = token_ + " admin\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) {
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("cannot write the demo token file " + file_.string());
  }
}

demo_token_file::~demo_token_file() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

demo_feeder::demo_feeder(const runtime::service_config& config, demo_options options, const runtime::view_store& views,
                         const runtime::topic_follower& follower, runtime::service_health& health,
                         const std::atomic<bool>& stop)
    : config_(config), options_(std::move(options)), views_(views), follower_(follower), health_(health), stop_(stop) {
  health_.demo_consumed.store(false);
  thread_ = std::thread([this] { run(); });
}

demo_feeder::~demo_feeder() {
  quit_.store(true);
  if (thread_.joinable()) thread_.join();
}

void demo_feeder::run() {
  // Contracts that start in the 12 months from 10 months ago and run 12 to 24
  // months, their history cut at today: signed, in breach, terminated, today.
  const events::timestamp now = wall_now();
  const events::period this_month = events::period_of(events::date{static_cast<std::int32_t>(now.ms / events::ms_per_day)});
  generator::options gen;
  gen.seed = 42;
  gen.contracts = options_.contracts;
  gen.first_month = this_month.months - 10;
  gen.until = now;
  std::vector<std::string> lines;
  generator::generate(gen, [&](std::string_view l) { lines.emplace_back(l); });
  std::size_t i = 0;
  const long long sent = runtime::produce_records({config_.brokers, config_.topics.events, false, 0, false, {}},
                                                  [&](std::string& out) {
                                                    if (i == lines.size() || stopping()) return false;
                                                    out = lines[i++];
                                                    return true;
                                                  });
  if (sent < 0) {
    runtime::log_line(runtime::log_level::error, "demo_failed", {{"detail", "the demo stream could not be produced"}});
    return;
  }

  // Consumed: this instance has committed every record (and the deadline
  // events it appended), then the views written until then are in the store.
  // (The service's own record of its commits: the mock cluster of --embedded
  // does not keep offsets sent with a transaction.)
  runtime::tail_options events_topic{config_.brokers, config_.topics.events, false, {}, {}};
  runtime::tail_options views_topic{config_.brokers, config_.topics.views, false, {}, {}};
  auto ends_of = [](const runtime::tail_options& topic) -> std::optional<std::map<std::int32_t, std::int64_t>> {
    const auto ends = runtime::read_end_offsets(topic);
    if (!ends || ends->empty()) return std::nullopt;
    std::map<std::int32_t, std::int64_t> out;
    for (const auto& p : *ends) out[p.partition] = p.read_committed_end;
    return out;
  };
  const auto give_up = std::chrono::steady_clock::now() + consume_patience;
  bool consumed = false;
  while (!consumed && !stopping() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(250ms);
    const auto events_end = ends_of(events_topic);
    if (!events_end || !health_.committed_up_to(*events_end)) continue;
    const auto views_end = ends_of(views_topic);
    consumed = views_end && follower_.caught_up(*views_end);
  }
  if (stopping()) return;
  health_.demo_consumed.store(true);

  std::ostringstream states;
  for (const auto& [state, count] : views_.count_by_state()) states << ' ' << state << '=' << count;
  const std::string url = "http://127.0.0.1:" + std::to_string(options_.http_port);
  const auto first = views_.list({.state = {}, .parties = {}, .after = {}, .limit = 1});
  const std::string sample = first.views.empty() ? "C-100000" : first.views.front()->contract_id;
  std::ostringstream summary;
  summary << "\n== pactumd demo ==\n"
          << "  Produced " << sent << " events (about a tenth deliberately bad) for " << options_.contracts
          << " contracts to " << config_.topics.events << ".\n"
          << (consumed ? "  Consumed: every record committed and its views loaded; /readyz is 200.\n"
                       : "  Not yet consumed after 120 s; the API may show a partial demo.\n")
          << "  Contracts by state:" << states.str() << "\n"
          << "  Views:        build/bin/pactumctl tail " << config_.topics.views << " --brokers " << config_.brokers << "\n"
          << "  Dead letters: build/bin/pactumctl tail " << config_.topics.dead_letters << " --brokers " << config_.brokers
          << "\n"
          << "  API (an admin token made for this run):\n                curl -H 'Authorization: Bearer " << options_.token << "' '" << url
          << "/v1/contracts?state=in_breach&limit=5'\n"
          << "  Evidence (same token): " << url << "/v1/contracts/" << sample << "/timeline, .../" << sample
          << "/explain, and ?as_of=2026-06-30T23:59:59Z on any contract resource\n"
          << "  Console:      " << url << "/ui/ in a browser (paste the same token)\n"
          << "  Readiness:    curl 'http://127.0.0.1:" << options_.admin_port << "/readyz'\n"
          << "  Stop with Ctrl-C.\n";
  std::cout << summary.str() << std::flush;
}

} // namespace pactum::pactumd
