#include "transaction.hpp"

#include "topics.hpp"

#include "kafka_conf.hpp"

#include "pactum/runtime/log.hpp"

#include <chrono>

namespace pactum::runtime::kafka {
namespace {

using clock_type = std::chrono::steady_clock;

// How long a stopping instance keeps retrying before it gives up on the open
// transaction (the next owner redoes it).
constexpr auto shutdown_retry_budget = std::chrono::seconds(30);

} // namespace

transaction::transaction(const service_config& config, service_probes probes, const std::atomic<bool>& stop)
    : config_(config), probes_(std::move(probes)), live_(probes_.health), stop_(stop) {}

std::optional<std::string> transaction::start() {
  auto conf = make_kafka_conf(config_.brokers,
                              {{"transactional.id", config_.transactional_id},
                               {"enable.idempotence", "true"},
                               {"linger.ms", "5"},
                               // views are JSON: zstd at its fastest level stores a batch of
                               // them in about a ninth, lz4 in a fifth (docs/decisions.md)
                               {"compression.type", "zstd"},
                               {"compression.level", "1"},
                               // a dead letter is the rejected record whole, however large
                               {"message.max.bytes", dead_letter_max_bytes},
                               {"transaction.timeout.ms", "60000"}},
                              config_.kafka_properties);
  std::string error;
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!producer_) return "producer: " + error;
  if (config_.create_topics) ensure_topics(*producer_, config_);
  learn_topics();
  if (auto e = retrying("init_transactions", [&] { return producer_->init_transactions(config_.transaction_call_timeout_ms); }))
    return "init_transactions: " + e->str();
  return begin();
}

// The output topics' partitions, known before the first record goes to them.
// librdkafka holds a record for a topic it has no metadata for in the topic's
// unassigned queue until its once-a-second topic scan: the first transaction
// to reach each topic (the views, and later the first dead letter, snapshot or
// deadline event) waited up to a second to flush (`debug=eos,msg` showed the
// gap; it was the latency benchmark's p99). Kept open, the handles keep what
// they learned; a topic that does not answer in time is learned on first use.
void transaction::learn_topics() {
  for (const auto d : {destination::views, destination::termination, destination::liability, destination::dead_letters,
                       destination::snapshots, destination::events}) {
    std::string error;
    if (std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer_.get(), topic_of(d), nullptr, error)); topic)
      topics_.push_back(std::move(topic));
  }
  // One request for the topics this client knows (these); init_transactions
  // waits for an unreachable broker anyway, this does not.
  RdKafka::Metadata* raw = nullptr;
  if (producer_->metadata(false, nullptr, &raw, 2'000) == RdKafka::ERR_NO_ERROR)
    static_cast<void>(std::unique_ptr<RdKafka::Metadata>(raw));
}

std::optional<std::string> transaction::begin() {
  if (const error_ptr e{producer_->begin_transaction()}) return "begin_transaction: " + e->str();
  return std::nullopt;
}

const std::string& transaction::topic_of(destination d) const {
  switch (d) {
  case destination::views: return config_.topics.views;
  case destination::termination: return config_.topics.termination;
  case destination::liability: return config_.topics.liability;
  case destination::dead_letters: return config_.topics.dead_letters;
  case destination::snapshots: return config_.topics.snapshots;
  case destination::events: return config_.topics.events;
  }
  return config_.topics.dead_letters;
}

void transaction::produce(const output_record& r) {
  if (produce_failed_) return; // the transaction aborts anyway
  headers_ptr headers;
  if (!r.headers.empty()) {
    headers.reset(RdKafka::Headers::create());
    for (const auto& [k, v] : r.headers) {
      if (v) headers->add(k, *v);
      else headers->add(k, nullptr, 0); // no value, not an empty one
    }
  }
  // Snapshots and deadline events stay on the partition they belong to.
  const bool pinned = r.to == destination::snapshots || r.to == destination::events;
  for (;;) {
    const auto err = producer_->produce(topic_of(r.to), pinned ? r.partition : RdKafka::Topic::PARTITION_UA,
                                        RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(r.value.data()), r.value.size(),
                                        r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, 0, headers.get(), nullptr);
    if (err == RdKafka::ERR_NO_ERROR) {
      // librdkafka owns the headers once produce() succeeds (rdkafkacpp.h,
      // Producer::produce with headers); on failure they stay ours.
      static_cast<void>(headers.release());
      if (probes_.on_commit) sent_.push_back(r);
      return;
    }
    if (err != RdKafka::ERR__QUEUE_FULL) {
      log_line(log_level::error, "produce_failed", {{"topic", topic_of(r.to)}, {"error", RdKafka::err2str(err)}});
      produce_failed_ = "a record could not be produced: " + RdKafka::err2str(err);
      return;
    }
    producer_->poll(10);
  }
}

txn_result transaction::commit(partition_list& offsets, RdKafka::KafkaConsumer& consumer) {
  error_ptr error;
  if (!produce_failed_) {
    if (!offsets.empty()) {
      const group_metadata_ptr group(consumer.groupMetadata());
      error = retrying("send_offsets_to_transaction", [&] {
        return producer_->send_offsets_to_transaction(offsets.get(), group.get(), config_.transaction_call_timeout_ms);
      });
    }
    if (!error)
      error = retrying("commit_transaction", [&] { return producer_->commit_transaction(config_.transaction_call_timeout_ms); });
  }
  txn_result result = produce_failed_ ? settle_abort(*produce_failed_) : settle(std::move(error));
  produce_failed_.reset();
  if (result.outcome == txn_outcome::committed && probes_.on_commit) probes_.on_commit(sent_);
  sent_.clear();
  if (result.outcome != txn_outcome::fatal)
    if (auto e = begin()) return {txn_outcome::fatal, *e};
  return result;
}

// The error policy: nothing went wrong -> committed; the transaction can be
// aborted -> abort it (the caller rewinds); anything else (fatal, fenced, a
// retriable error past the shutdown budget) -> fatal.
txn_result transaction::settle(error_ptr error) {
  if (!error) {
    if (probes_.metrics != nullptr) probes_.metrics->record_transaction(true);
    return {txn_outcome::committed, {}};
  }
  if (error->is_fatal() || !error->txn_requires_abort()) {
    log_line(log_level::error, "transaction_fatal", {{"error", error->str()}});
    return {txn_outcome::fatal, error->str()};
  }
  return settle_abort(error->str());
}

txn_result transaction::settle_abort(const std::string& why) {
  log_line(log_level::warn, "transaction_aborted", {{"error", why}});
  if (probes_.metrics != nullptr) probes_.metrics->record_transaction(false);
  if (auto e = retrying("abort_transaction", [&] { return producer_->abort_transaction(config_.transaction_call_timeout_ms); })) {
    log_line(log_level::error, "transaction_fatal", {{"step", "abort_transaction"}, {"error", e->str()}});
    return {txn_outcome::fatal, "abort_transaction: " + e->str()};
  }
  return {txn_outcome::aborted, why};
}

void transaction::close() {
  if (const error_ptr e{producer_->abort_transaction(config_.transaction_call_timeout_ms)})
    log_line(log_level::warn, "abort_on_close", {{"error", e->str()}});
  producer_->flush(10'000);
}

// Calls `call` again while it fails with a retriable error (a timeout while
// the broker is unreachable); when stopping, only within the retry budget.
template <class Call> error_ptr transaction::retrying(const char* step, Call&& call) {
  const auto started = clock_type::now();
  for (int attempt = 1;; ++attempt) {
    error_ptr e;
    {
      const auto waiting = live_.waiting_on_broker();
      e.reset(call());
    }
    if (!e || !e->is_retriable()) return e;
    if (stop_.load() && clock_type::now() - started >= shutdown_retry_budget) return e;
    if (attempt == 1 || attempt % 10 == 0)
      log_line(log_level::warn, "transaction_retry", {{"step", step}, {"attempt", std::to_string(attempt)}, {"error", e->str()}});
    live_.beat();
  }
}

} // namespace pactum::runtime::kafka
