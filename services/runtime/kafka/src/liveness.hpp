// Internal: what the Kafka collaborators tell the probes while they work (a
// loop beat, a blocking call to the broker in progress).
#pragma once

#include "pactum/runtime/metrics.hpp"

#include <atomic>

namespace pactum::runtime::kafka {

// Counts a scope in a health counter.
class scoped_count {
public:
  explicit scoped_count(std::atomic<int>* counter) : counter_(counter) {
    if (counter_ != nullptr) ++*counter_;
  }
  ~scoped_count() {
    if (counter_ != nullptr) --*counter_;
  }
  scoped_count(const scoped_count&) = delete;
  scoped_count& operator=(const scoped_count&) = delete;
  scoped_count(scoped_count&&) = delete;
  scoped_count& operator=(scoped_count&&) = delete;

private:
  std::atomic<int>* counter_;
};

class liveness {
public:
  explicit liveness(service_health* health) : health_(health) {}

  // The loop (or a long step of it) made progress.
  void beat() const {
    if (health_ != nullptr) health_->beat();
  }
  // Marks a blocking call to the broker (service_health::live).
  [[nodiscard]] scoped_count waiting_on_broker() const {
    return scoped_count(health_ != nullptr ? &health_->waiting_on_broker : nullptr);
  }

private:
  service_health* health_;
};

} // namespace pactum::runtime::kafka
