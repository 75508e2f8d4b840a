// The baseline for pactumd's throughput: a bare librdkafka transactional copier
// (consume, produce the same bytes, commit the offsets in the transaction, same
// commit interval), and a lag probe for the benchmark script.
//
//   kafka_copier copy --brokers B --from T --to T2 --group G --txn-id ID [--commit-interval-ms 100] [--commit-max-events 5000]
//                     [--commit-when-dry yes]   also commit when a poll finds nothing (a backlog's end)
//   kafka_copier lag --brokers B --group G --topic T     prints the group's total lag
#include "handles.hpp" // services/runtime/kafka/src: pactum's owners of librdkafka objects

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

std::atomic<bool> stop{false};
extern "C" void on_signal(int) { stop = true; }

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback = "") {
  for (int i = 2; i + 1 < argc; ++i)
    if (name == argv[i]) return argv[i + 1];
  if (fallback.empty()) {
    std::cerr << "kafka_copier: " << name << " is required\n";
    std::exit(2);
  }
  return fallback;
}

std::unique_ptr<RdKafka::Conf> conf(std::initializer_list<std::pair<std::string, std::string>> props) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [k, v] : props)
    if (c->set(k, v, error) != RdKafka::Conf::CONF_OK) {
      std::cerr << k << ": " << error << '\n';
      std::exit(2);
    }
  return c;
}

int lag(int argc, char** argv) {
  const std::string topic = arg(argc, argv, "--topic");
  auto c = conf({{"bootstrap.servers", arg(argc, argv, "--brokers")}, {"group.id", arg(argc, argv, "--group")}});
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(c.get(), error));
  RdKafka::Metadata* raw = nullptr;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, error));
  if (consumer->metadata(false, t.get(), &raw, 5000) != RdKafka::ERR_NO_ERROR) return 2;
  std::unique_ptr<RdKafka::Metadata> md(raw);
  pactum::runtime::kafka::partition_list parts;
  for (const auto* tm : *md->topics())
    for (const auto* p : *tm->partitions()) parts.add(topic, p->id());
  consumer->committed(parts.get(), 5000);
  long long total = 0;
  for (const auto* p : parts) {
    int64_t low = 0;
    int64_t high = 0;
    consumer->query_watermark_offsets(topic, p->partition(), &low, &high, 5000);
    total += high - (p->offset() >= 0 ? p->offset() : low);
  }
  consumer->close();
  std::cout << total << '\n';
  return 0;
}

int copy(int argc, char** argv) {
  const std::string brokers = arg(argc, argv, "--brokers");
  const std::string from = arg(argc, argv, "--from");
  const std::string to = arg(argc, argv, "--to");
  const int interval_ms = std::stoi(arg(argc, argv, "--commit-interval-ms", "100"));
  const std::size_t max_events = std::stoul(arg(argc, argv, "--commit-max-events", "5000"));
  const bool when_dry = arg(argc, argv, "--commit-when-dry", "no") == "yes";
  std::string error;
  auto pc = conf({{"bootstrap.servers", brokers}, {"transactional.id", arg(argc, argv, "--txn-id")}, {"linger.ms", "5"}});
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pc.get(), error));
  auto cc = conf({{"bootstrap.servers", brokers}, {"group.id", arg(argc, argv, "--group")}, {"enable.auto.commit", "false"},
                  {"auto.offset.reset", "earliest"}, {"isolation.level", "read_committed"},
                  {"partition.assignment.strategy", "range"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cc.get(), error));
  if (!producer || !consumer) return 2;
  if (pactum::runtime::kafka::error_ptr(producer->init_transactions(30000)) ||
      pactum::runtime::kafka::error_ptr(producer->begin_transaction()))
    return 3;
  consumer->subscribe({from});
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::map<int32_t, int64_t> positions;
  std::size_t batch = 0;
  auto last = std::chrono::steady_clock::now();
  while (!stop) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(50));
    const bool dry = m->err() == RdKafka::ERR__TIMED_OUT;
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      pactum::runtime::kafka::headers_ptr h;
      if (m->headers() != nullptr) h.reset(RdKafka::Headers::create(m->headers()->get_all()));
      RdKafka::ErrorCode err = RdKafka::ERR__QUEUE_FULL;
      while ((err = producer->produce(to, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, m->payload(),
                                      m->len(), m->key_pointer(), m->key_len(), 0, h.get(), nullptr)) == RdKafka::ERR__QUEUE_FULL)
        producer->poll(10);
      if (err == RdKafka::ERR_NO_ERROR) static_cast<void>(h.release()); // librdkafka owns them now
      positions[m->partition()] = m->offset() + 1;
      ++batch;
    }
    const auto now = std::chrono::steady_clock::now();
    if (batch > 0 && (batch >= max_events || now - last >= std::chrono::milliseconds(interval_ms) || (when_dry && dry))) {
      pactum::runtime::kafka::partition_list offsets;
      for (const auto& [p, o] : positions) offsets.add(from, p, o);
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> g(consumer->groupMetadata());
      pactum::runtime::kafka::error_ptr e(producer->send_offsets_to_transaction(offsets.get(), g.get(), 30000));
      if (!e) e.reset(producer->commit_transaction(30000));
      if (e) {
        std::cerr << "kafka_copier: " << e->str() << '\n';
        return 3;
      }
      if (pactum::runtime::kafka::error_ptr(producer->begin_transaction())) return 3;
      batch = 0;
      // From the commit's end: timed from its start, a commit that takes the
      // interval (~100 ms at first, on a broker just asked) leaves the next
      // transaction one record, and the next, for about a second at start-up.
      last = std::chrono::steady_clock::now();
    }
    producer->poll(0);
  }
  producer->abort_transaction(30000);
  consumer->close();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  const std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "copy") return copy(argc, argv);
  if (verb == "lag") return lag(argc, argv);
  std::cerr << "usage: kafka_copier copy|lag ...\n";
  return 2;
}
