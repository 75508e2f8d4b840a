// The adapter tier: pactumd's Kafka collaborators (the loop, the transaction,
// the partitions, the restorer) against librdkafka's mock cluster, with errors
// injected into the client's requests (librdkafka's tests/0105-transactions_mock.c
// does the same). What each test checks is the control flow: an abortable error
// aborts and rewinds, a fatal one exits 3, a retriable one is retried, a revoke
// commits first. Exactly-once itself is proven on the real broker
// (tests/integration, tests/chaos): the mock shows aborted records to
// read_committed readers and drops offsets sent with a transaction, so these
// tests look at what the committed transactions carried (service_probes::on_commit).
#include "pactum/generator/generator.hpp"
#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/partition_processor.hpp"
#include "pactum/runtime/service.hpp"
#include "pactum/runtime/tools.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

namespace pactum::runtime {
namespace {

using namespace std::chrono_literals;

// Kafka protocol API keys and error codes (librdkafka's rdkafka_protocol.h, rdkafka.h).
constexpr std::int16_t api_produce = 0;
constexpr std::int16_t api_end_txn = 26;
constexpr std::int16_t api_txn_offset_commit = 28;
constexpr int err_unknown_producer_id = 59;      // EndTxn: abortable
constexpr int err_producer_fenced = 90;          // EndTxn: fatal (fenced)
constexpr int err_group_authorization_failed = 30; // TxnOffsetCommit: abortable
constexpr int err_topic_authorization_failed = 29; // Produce: the record fails, the transaction must abort

// What a set of outputs says in the end: each key's last view and projections,
// and every dead letter (key and value; the headers name partition and offset).
struct outcome {
  std::map<std::pair<destination, std::string>, std::string> last;
  std::multiset<std::pair<std::string, std::string>> dead_letters;

  void add(const std::vector<output_record>& records) {
    for (const auto& r : records) {
      if (r.to == destination::dead_letters) dead_letters.emplace(r.key.value_or("<none>"), r.value);
      else if (r.to != destination::snapshots && r.key) last[{r.to, *r.key}] = r.value;
    }
  }
  bool operator==(const outcome&) const = default;
};

// Another member of the group, until `leave`: its joining revokes the
// partitions of the members before it.
void join_group(const std::string& brokers, const std::string& group, const std::string& topic, const std::atomic<bool>& leave) {
  std::string error;
  const std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, error);
  conf->set("group.id", group, error);
  conf->set("enable.auto.commit", "false", error);
  conf->set("partition.assignment.strategy", "range", error);
  conf->set("log_level", "3", error);
  const std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  ASSERT_TRUE(consumer) << error;
  consumer->subscribe({topic});
  while (!leave.load()) const std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
  consumer->close();
}

class adapter : public ::testing::Test {
protected:
  void SetUp() override {
    generator::options g;
    g.seed = 7;
    g.contracts = 12;
    generator::generate(g, [&](std::string_view line) { lines_.emplace_back(line); });
    // What the outputs must come to: the same records folded offline.
    partition_processor offline(config_.topics.events, 0);
    std::vector<output_record> out;
    std::int64_t offset = 0;
    for (const auto& line : lines_) {
      const auto doc = nlohmann::json::parse(line, nullptr, false);
      std::optional<std::string> key;
      if (doc.is_object() && doc.contains("subject") && doc["subject"].is_string()) key = doc["subject"].get<std::string>();
      const std::vector<events::record_header> headers{{"content-type", std::string_view("application/cloudevents+json")}};
      offline.process({key ? std::optional<std::string_view>(*key) : std::nullopt, line, headers, offset++}, out);
    }
    offline.flush_views(out);
    expected_.add(out);
    ASSERT_FALSE(expected_.dead_letters.empty());

    const auto& t = config_.topics;
    cluster_ = std::make_unique<embedded_cluster>(
        4, std::vector<std::string>{t.events, t.views, t.termination, t.liability, t.dead_letters, t.snapshots});
    config_.brokers = cluster_->bootstrap();
    config_.create_topics = false;
    config_.deadline_poll_ms = 3'600'000;    // no wall-clock deadline events: outputs are the fold's alone
    config_.snapshot_interval_ms = 3'600'000; // snapshots only on revoke and shutdown
    config_.transaction_call_timeout_ms = 1'000;
    // One transaction holds all the records: an abort loses them all unless
    // the loop rewinds, and nothing is committed before the fault.
    config_.commit_interval_ms = 3'600'000;
    config_.commit_max_events = static_cast<int>(lines_.size());
    config_.backlog_commit_interval_ms = config_.commit_interval_ms;
    config_.backlog_commit_max_events = config_.commit_max_events;
    config_.kafka_properties = {{"log_level", "3"}};
    produce_options p;
    p.brokers = config_.brokers;
    p.topic = t.events;
    // A record a batch: a fetch can then end at any record (see the prefetch test).
    p.properties = {{"batch.num.messages", "1"}};
    std::size_t next = 0;
    ASSERT_EQ(produce_records(p, [&](std::string& line) {
                if (next == lines_.size()) return false;
                line = lines_[next++];
                return true;
              }),
              static_cast<long long>(lines_.size()));
  }

  // Runs pactumd's loop until `done` holds (or 60 s pass, or it ends by
  // itself), then stops it; returns its exit code.
  int run(const std::function<bool()>& done) {
    service_probes probes{.health = &health_, .metrics = &metrics_, .on_commit = [this](const std::vector<output_record>& r) {
                            const std::lock_guard lock(mutex_);
                            committed_.add(r);
                            ++commits_;
                            const auto views = std::count_if(r.begin(), r.end(), [](const output_record& o) {
                              return o.to == destination::views;
                            });
                            most_views_ = std::max(most_views_, static_cast<int>(views));
                          },
                          .on_idle = [this] {
                            const double now = consumed();
                            const std::lock_guard lock(mutex_);
                            idle_at_.push_back(now);
                          }};
    int code = -1;
    std::atomic<bool> ended{false};
    std::thread loop([&] {
      code = run_service(config_, stop_, probes);
      ended.store(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && !ended.load() && !done()) std::this_thread::sleep_for(50ms);
    stop_.store(true);
    loop.join();
    return code;
  }

  bool all_committed() {
    const std::lock_guard lock(mutex_);
    return committed_ == expected_;
  }
  int commits() {
    const std::lock_guard lock(mutex_);
    return commits_;
  }
  // The most views one committed transaction carried (one per contract it changed).
  int most_views() {
    const std::lock_guard lock(mutex_);
    return most_views_;
  }
  // At each call of the idle hook: how many records the loop had consumed.
  std::vector<double> idle_at() {
    const std::lock_guard lock(mutex_);
    return idle_at_;
  }
  outcome committed() {
    const std::lock_guard lock(mutex_);
    return committed_;
  }
  // Records the loop has consumed (and processed), from pactum_events_total.
  double consumed() {
    const std::string text = metrics_.render({}, -1);
    const std::regex line("pactum_events_total\\{[^}]*\\} ([0-9.e+]+)");
    double total = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it)
      total += std::stod((*it)[1]);
    return total;
  }
  double transactions(const std::string& result) {
    const std::string text = metrics_.render({}, -1);
    std::smatch m;
    const std::regex line("pactum_transactions_total\\{result=\"" + result + "\"\\} ([0-9.e+]+)");
    return std::regex_search(text, m, line) ? std::stod(m[1]) : -1;
  }

  std::vector<std::string> lines_;
  outcome expected_;
  std::unique_ptr<embedded_cluster> cluster_;
  service_config config_;
  service_health health_;
  service_metrics metrics_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  outcome committed_;
  int commits_ = 0;
  int most_views_ = 0;
  std::vector<double> idle_at_;
};

TEST_F(adapter, WithoutFaultsTheCommittedOutputsAreTheFold) {
  EXPECT_EQ(run([&] { return all_committed(); }), 0);
  EXPECT_EQ(committed(), expected_);
  EXPECT_EQ(transactions("aborted"), 0);
}

// The first transaction (all the records) fails; the rewind goes back to the
// start, and every output must be committed exactly once: none lost with the
// aborted transaction, no dead letter twice.
TEST_F(adapter, AnAbortableEndTxnErrorAbortsAndRewinds) {
  cluster_->push_request_errors(api_end_txn, {err_unknown_producer_id});
  EXPECT_EQ(run([&] { return all_committed() && transactions("aborted") >= 1; }), 0);
  EXPECT_EQ(transactions("aborted"), 1);
  EXPECT_EQ(committed(), expected_);
}

// librdkafka 2.0.2 may fail the next transaction's offsets too ("broker
// (none): Local: Erroneous state", its group coordinator not yet known again
// after the error): more than one transaction may abort.
TEST_F(adapter, AnAbortableTxnOffsetCommitErrorAbortsAndRewinds) {
  cluster_->push_request_errors(api_txn_offset_commit, {err_group_authorization_failed});
  EXPECT_EQ(run([&] { return all_committed() && transactions("aborted") >= 1; }), 0);
  EXPECT_GE(transactions("aborted"), 1);
  EXPECT_EQ(committed(), expected_);
}

// librdkafka keeps failing the topic's records for a moment after the error:
// more than one transaction may abort.
TEST_F(adapter, AFailedProduceAbortsAndRewinds) {
  cluster_->push_request_errors(api_produce, {err_topic_authorization_failed});
  EXPECT_EQ(run([&] { return all_committed() && transactions("aborted") >= 1; }), 0);
  EXPECT_GE(transactions("aborted"), 1);
  EXPECT_EQ(committed(), expected_);
}

TEST_F(adapter, AFencedProducerExitsThree) {
  cluster_->push_request_errors(api_end_txn, {err_producer_fenced});
  // The loop ends by itself: `done` never holds.
  EXPECT_EQ(run([] { return false; }), 3);
  EXPECT_EQ(commits(), 0);
  EXPECT_EQ(transactions("aborted"), 0);
}

// EndTxn answered after twice the call timeout: commit_transaction() times
// out (retriable) and is called again until the answer comes; nothing aborts.
TEST_F(adapter, ARetriableTimeoutIsRetried) {
  cluster_->delay_requests(api_end_txn, 1, 2 * config_.transaction_call_timeout_ms);
  EXPECT_EQ(run([&] { return all_committed(); }), 0);
  EXPECT_EQ(transactions("aborted"), 0);
  EXPECT_EQ(committed(), expected_);
}

// A backlog is drained in transactions of the backlog's size, not the
// caught-up stream's: every poll finds a record waiting, so a contract many of
// the backlog's events reach gets one view per transaction. Once the consumer
// has nothing to read, the rest is committed at the short interval.
TEST_F(adapter, ABacklogIsCommittedInLargeTransactions) {
  config_.commit_interval_ms = 1;
  config_.commit_max_events = 10;
  config_.backlog_commit_interval_ms = 3'600'000;
  config_.backlog_commit_max_events = static_cast<int>(lines_.size()) / 4;
  // A projection is written only when its part changed (with the version of
  // that moment): the views and the dead letters are what small and large
  // transactions must agree on.
  const auto views_and_dead_letters = [](outcome o) {
    std::erase_if(o.last, [](const auto& entry) { return entry.first.first != destination::views; });
    return o;
  };
  EXPECT_EQ(run([&] { return views_and_dead_letters(committed()) == views_and_dead_letters(expected_); }), 0);
  EXPECT_EQ(views_and_dead_letters(committed()), views_and_dead_letters(expected_));
  // At the caught-up stream's 10 events, the backlog would take every one of
  // its 10-event transactions; on a backlog only the first transaction (before
  // the fetches fill the queue) and the partitions' ends can be short.
  const auto small = static_cast<int>(lines_.size()) / config_.commit_max_events;
  EXPECT_LE(commits(), 20) << "commits, of " << small << " at the caught-up stream's size";
}

// An empty prefetch queue is not a caught-up stream: librdkafka 2.0.2 fetches
// again up to a second after its queue was full, so a loop faster than its
// fetches finds the queue empty while the partitions' high watermarks say
// records wait (on the 1M history most 100,000-event transactions ended at
// 50,000-80,000 that way). Such a backlog keeps its long transactions, and the
// loop calls itself idle (pactumd hands freed memory back) only once caught up.
TEST_F(adapter, AnEmptyPrefetchQueueWithRecordsWaitingIsStillABacklog) {
  config_.commit_interval_ms = 1;
  config_.commit_max_events = 10;
  config_.backlog_commit_interval_ms = 3'600'000;
  config_.backlog_commit_max_events = static_cast<int>(lines_.size()) / 4;
  // Fetches of a few records (1 KiB), each answered 20 ms late: the loop
  // empties the prefetch queue before the next fetch arrives, over and over.
  config_.kafka_properties.emplace_back("max.partition.fetch.bytes", "1024");
  cluster_->delay_requests(1 /* Fetch */, 100'000, 20);
  const auto views_and_dead_letters = [](outcome o) {
    std::erase_if(o.last, [](const auto& entry) { return entry.first.first != destination::views; });
    return o;
  };
  const auto records = static_cast<double>(lines_.size());
  const auto caught_up = [&](double consumed_then) { return consumed_then >= records - config_.commit_max_events; };
  EXPECT_EQ(run([&] {
              const auto idle = idle_at();
              return views_and_dead_letters(committed()) == views_and_dead_letters(expected_) && !idle.empty() &&
                     caught_up(idle.back());
            }),
            0);
  EXPECT_EQ(views_and_dead_letters(committed()), views_and_dead_letters(expected_));
  const auto small = static_cast<int>(lines_.size()) / config_.commit_max_events;
  // Before the first fetches answer no high watermark is known, and the
  // partitions' ends are short (measured: 14-16 commits; 154-155 when an
  // empty queue ended the backlog).
  EXPECT_LE(commits(), small / 2) << "commits, of " << small << " at the caught-up stream's size";
  // Idle before the first fetch (nothing known to wait) or once caught up.
  for (const double consumed_then : idle_at())
    EXPECT_TRUE(consumed_then == 0 || caught_up(consumed_then)) << "idle with " << records - consumed_then << " records waiting";
}

// A transaction commits once it changed --commit-max-contracts contracts,
// however long its interval and however many events it may take: the
// contracts it changed stay in memory until it commits.
TEST_F(adapter, ATransactionCommitsOnceItChangedSoManyContracts) {
  config_.commit_interval_ms = 1; // the caught-up rest, at once
  config_.commit_max_events = 1'000'000;
  config_.backlog_commit_interval_ms = 3'600'000;
  config_.backlog_commit_max_events = 1'000'000;
  config_.commit_max_contracts = 3;
  const auto views_and_dead_letters = [](outcome o) {
    std::erase_if(o.last, [](const auto& entry) { return entry.first.first != destination::views; });
    return o;
  };
  EXPECT_EQ(run([&] { return views_and_dead_letters(committed()) == views_and_dead_letters(expected_); }), 0);
  EXPECT_EQ(views_and_dead_letters(committed()), views_and_dead_letters(expected_));
  EXPECT_LE(most_views(), 3);
  // 12 contracts, each changed by some transaction, at most 3 to one.
  EXPECT_GE(commits(), 4);
}

// A steady stream is not a backlog, even when its next record arrives before
// the poll would time out: the loop asks for a waiting record without
// waiting, so each record is committed at the short interval while the stream
// runs, not once it stops (a 2,000/s stream once waited for the backlog
// interval: p99 1.2 s).
TEST_F(adapter, AStreamFasterThanThePollTimeoutIsNotABacklog) {
  config_.commit_interval_ms = 1;
  config_.commit_max_events = 1;
  config_.backlog_commit_interval_ms = 3'600'000;
  config_.backlog_commit_max_events = 1'000'000;
  constexpr std::size_t streamed = 100; // at 100 a second: one every 10 ms, within the poll's 50 ms
  // Fetched as they come (the broker holds an empty fetch 500 ms by default:
  // the records would arrive in a few bursts, each rightly one transaction).
  config_.kafka_properties.emplace_back("fetch.wait.max.ms", "1");
  std::atomic<int> commits_while_streaming{-1};
  std::unique_ptr<std::thread> feeder;
  const int code = run([&] {
    if (!feeder && all_committed())
      feeder = std::make_unique<std::thread>([&] {
        const int before = commits();
        produce_options p;
        p.brokers = config_.brokers;
        p.topic = config_.topics.events;
        p.rate = 100;
        std::size_t next = 0; // the log's first records again: duplicates and dead letters, each a transaction
        produce_records(p, [&](std::string& line) {
          if (next == streamed) return false;
          line = lines_[next++];
          return true;
        });
        commits_while_streaming.store(commits() - before);
      });
    return commits_while_streaming.load() >= 0;
  });
  if (feeder) feeder->join();
  EXPECT_EQ(code, 0);
  EXPECT_GE(commits_while_streaming.load(), 10) << "transactions committed while " << streamed << " records streamed";
}

// A second member joins the group: the eager rebalance revokes every partition
// first, and what was consumed is committed before they are given away, long
// before the commit interval.
TEST_F(adapter, ARevokeMidTransactionCommitsFirst) {
  config_.commit_max_events = 1'000'000;
  config_.backlog_commit_max_events = 1'000'000;
  std::unique_ptr<std::thread> joiner;
  std::atomic<bool> leave{false};
  std::optional<outcome> at_revoke; // what was committed when the first commit came
  const int code = run([&] {
    if (!joiner && consumed() >= static_cast<double>(lines_.size())) { // all consumed, none committed
      joiner = std::make_unique<std::thread>([&] { join_group(config_.brokers, config_.group_id, config_.topics.events, leave); });
    }
    if (commits() == 0) return false;
    at_revoke = committed();
    return true;
  });
  leave.store(true);
  if (joiner) joiner->join();
  EXPECT_EQ(code, 0);
  ASSERT_TRUE(at_revoke.has_value()) << "no commit before the stop";
  EXPECT_EQ(*at_revoke, expected_) << "the revoke committed everything consumed";
}

} // namespace
} // namespace pactum::runtime
