#include "pactum/runtime/metrics.hpp"


#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace pactum::runtime {
namespace {

constexpr std::array<std::string_view, 3> outcome_names{"accepted", "rejected", "duplicate"};

std::size_t outcome_index(statemachine::outcome_kind k) {
  switch (k) {
  case statemachine::outcome_kind::accepted: return 0;
  case statemachine::outcome_kind::rejected: return 1;
  case statemachine::outcome_kind::duplicate: return 2;
  }
  return 1;
}

} // namespace

service_metrics::service_metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  using namespace prometheus;
  auto& events = BuildCounter()
                     .Name("pactum_events_total")
                     .Help("Records consumed from the events topic, by CloudEvents type and outcome "
                           "(type \"undecodable\" when the record did not decode)")
                     .Register(*registry_);
  for (std::size_t t = 0; t <= events::event_type_count; ++t) {
    const std::string type = t < events::event_type_count ? std::string(events::event_type_names[t]) : "undecodable";
    for (std::size_t o = 0; o < outcome_names.size(); ++o)
      events_[t][o] = &events.Add({{"type", type}, {"outcome", std::string(outcome_names[o])}});
  }
  auto& rejections = BuildCounter()
                         .Name("pactum_rejections_total")
                         .Help("Records sent to the dead-letter topic, by rejection reason")
                         .Register(*registry_);
  for (std::size_t r = 0; r < rejection_code_count; ++r)
    rejections_[r] = &rejections.Add({{"reason", std::string(events::to_string(static_cast<events::rejection_code>(r)))}});
  auto& transactions = BuildCounter()
                           .Name("pactum_transactions_total")
                           .Help("Kafka transactions ended, by result")
                           .Register(*registry_);
  committed_ = &transactions.Add({{"result", "committed"}});
  aborted_ = &transactions.Add({{"result", "aborted"}});
  auto& rebalances =
      BuildCounter().Name("pactum_rebalances_total").Help("Consumer group rebalance callbacks, by kind").Register(*registry_);
  assigned_ = &rebalances.Add({{"kind", "assigned"}});
  revoked_ = &rebalances.Add({{"kind", "revoked"}});
  apply_seconds_ = &BuildHistogram()
                        .Name("pactum_apply_duration_seconds")
                        .Help("Time to decode and apply one record")
                        .Register(*registry_)
                        .Add({}, Histogram::BucketBoundaries{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
                                                             1e-3, 1e-2, 1e-1});
  lag_ = &BuildGauge()
              .Name("pactum_consumer_lag")
              .Help("Records of an assigned events partition not yet consumed (high watermark - position)")
              .Register(*registry_);
  contracts_ = &BuildGauge()
                    .Name("pactum_contracts")
                    .Help("Contracts by state in this replica's view store (every partition: use max, not sum, across replicas)")
                    .Register(*registry_);
  views_behind_ = &BuildGauge()
                       .Name("pactum_views_behind_records")
                       .Help("Records of the views topic not yet in this replica's view store (read_committed end - "
                             "position, every partition; -1 until the follower has read each partition's end once): "
                             "how far the query side trails what was committed")
                       .Register(*registry_)
                       .Add({});
  http_ = &BuildCounter().Name("pactum_http_requests_total").Help("HTTP requests answered, by status code").Register(*registry_);
  token_errors_ = &BuildCounter()
                       .Name("pactum_token_reload_errors_total")
                       .Help("Problems reading the API tokens file: unreadable or missing (each failed read), "
                             "or a line that does not parse (once per version of the file)")
                       .Register(*registry_)
                       .Add({});
  auto& reconciliations = BuildCounter()
                              .Name("pactum_invoice_reconciliation_total")
                              .Help("Invoices accepted, by their reconciliation with the period they bill (spec section 17)")
                              .Register(*registry_);
  for (const auto status : {statemachine::reconciliation_status::matches, statemachine::reconciliation_status::differs,
                            statemachine::reconciliation_status::period_unreported})
    reconciliations_[static_cast<std::size_t>(status)] = &reconciliations.Add({{"status", std::string(to_string(status))}});
}

service_metrics::~service_metrics() = default;

void service_metrics::record_event(std::optional<events::event_type> type, statemachine::outcome_kind outcome,
                                   std::optional<events::rejection_code> reason, double apply_seconds) {
  const std::size_t t = type ? static_cast<std::size_t>(*type) : events::event_type_count;
  events_[t][outcome_index(outcome)]->Increment();
  if (reason) rejections_[static_cast<std::size_t>(*reason)]->Increment();
  apply_seconds_->Observe(apply_seconds);
}

void service_metrics::record_transaction(bool committed) { (committed ? committed_ : aborted_)->Increment(); }

void service_metrics::record_rebalance(bool assigned) { (assigned ? assigned_ : revoked_)->Increment(); }

void service_metrics::set_consumer_lag(std::int32_t partition, std::int64_t lag) {
  const std::lock_guard lock(lag_mutex_);
  auto& gauge = lag_by_partition_[partition];
  if (gauge == nullptr) gauge = &lag_->Add({{"partition", std::to_string(partition)}});
  gauge->Set(static_cast<double>(lag));
}

void service_metrics::forget_partition(std::int32_t partition) {
  const std::lock_guard lock(lag_mutex_);
  const auto it = lag_by_partition_.find(partition);
  if (it == lag_by_partition_.end()) return;
  lag_->Remove(it->second);
  lag_by_partition_.erase(it);
}

void service_metrics::record_token_reload_error() { token_errors_->Increment(); }

void service_metrics::record_reconciliation(statemachine::reconciliation_status status) {
  reconciliations_[static_cast<std::size_t>(status)]->Increment();
}

void service_metrics::record_http_request(unsigned status) { http_->Add({{"code", std::to_string(status)}}).Increment(); }

std::string service_metrics::render(const std::map<std::string, std::size_t>& contracts_by_state,
                                    std::int64_t views_behind) {
  for (const auto& [state, count] : contracts_by_state) contracts_->Add({{"state", state}}).Set(static_cast<double>(count));
  views_behind_->Set(static_cast<double>(views_behind));
  return prometheus::TextSerializer{}.Serialize(registry_->Collect());
}

} // namespace pactum::runtime
