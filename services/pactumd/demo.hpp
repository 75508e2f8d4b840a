// `pactumd --embedded --demo`: a generated stream of contracts whose lives are
// under way today, a throw-away admin token, and a summary printed once the
// stream has been consumed, so a newcomer's first curl sees the whole demo.
#pragma once

#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/service.hpp"
#include "pactum/runtime/view_store.hpp"
#include "pactum/runtime/topic_follower.hpp"

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

namespace pactum::pactumd {

// A fresh random admin token in a file of its own: a new private directory
// (mkdtemp, 0700), the file created O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600.
// Both are removed when this goes out of scope.
class demo_token_file {
public:
  demo_token_file();
  ~demo_token_file();
  demo_token_file(const demo_token_file&) = delete;
  demo_token_file& operator=(const demo_token_file&) = delete;

  [[nodiscard]] const std::string& token() const { return token_; }
  [[nodiscard]] std::string path() const { return file_.string(); }

private:
  std::filesystem::path dir_;
  std::filesystem::path file_;
  std::string token_;
};

struct demo_options {
  int contracts = 50;
  std::string token;
  unsigned http_port = 0;
  unsigned admin_port = 0;
};

// Produces the demo stream from a thread of its own, waits until the group has
// committed all of it and the views are loaded, then marks the health
// `demo_consumed` and prints the summary. Joins on destruction.
class demo_feeder {
public:
  demo_feeder(const runtime::service_config& config, demo_options options, const runtime::view_store& views,
              const runtime::topic_follower& follower, runtime::service_health& health, const std::atomic<bool>& stop);
  ~demo_feeder();
  demo_feeder(const demo_feeder&) = delete;
  demo_feeder& operator=(const demo_feeder&) = delete;

private:
  void run();
  [[nodiscard]] bool stopping() const { return stop_.load() || quit_.load(); }

  const runtime::service_config& config_;
  demo_options options_;
  const runtime::view_store& views_;
  const runtime::topic_follower& follower_;
  runtime::service_health& health_;
  const std::atomic<bool>& stop_;
  std::atomic<bool> quit_{false}; // set on destruction
  std::thread thread_;
};

} // namespace pactum::pactumd
