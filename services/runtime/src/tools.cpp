#include "pactum/runtime/tools.hpp"

#include "kafka_conf.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> // after rdkafka.h, as it requires
#include <librdkafka/rdkafkacpp.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <iostream>
#include <unistd.h>

namespace pactum::runtime {
namespace {

class delivery_counter : public RdKafka::DeliveryReportCb {
public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) ++ok;
    else ++failed;
  }
  std::atomic<long long> ok{0};
  std::atomic<long long> failed{0};
};

} // namespace

long long produce_records(const produce_options& options, const std::function<bool(std::string&)>& next) {
  delivery_counter counter;
  auto conf = make_kafka_conf(options.brokers, {{"enable.idempotence", "true"}, {"linger.ms", "20"}}, options.properties);
  std::string error;
  conf->set("dr_cb", &counter, error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("producer: " + error);
  std::string line;
  long long sent = 0;
  const auto started = std::chrono::steady_clock::now();
  while (next(line)) {
    if (options.rate > 0) { // a steady stream, for latency measurements
      const auto due = started + std::chrono::microseconds(sent * 1'000'000 / options.rate);
      while (std::chrono::steady_clock::now() < due) producer->poll(1);
    }
    std::string key;
    std::string value = line;
    RdKafka::Headers* headers = RdKafka::Headers::create();
    const auto doc = nlohmann::json::parse(line, nullptr, false);
    const bool object = !doc.is_discarded() && doc.is_object();
    if (object && doc.contains("subject") && doc["subject"].is_string()) key = doc["subject"].get<std::string>();
    if (options.binary && object && doc.contains("data")) {
      for (const auto& [name, v] : doc.items()) {
        if (name == "data") continue;
        const std::string header = name == "datacontenttype" ? "content-type" : "ce_" + name;
        headers->add(header, v.is_string() ? v.get<std::string>() : v.dump());
      }
      value = doc["data"].dump();
    } else {
      headers->add("content-type", "application/cloudevents+json");
    }
    for (;;) {
      const auto err = producer->produce(options.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                         value.data(), value.size(), key.empty() ? nullptr : key.data(), key.size(), 0,
                                         headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) break;
      if (err != RdKafka::ERR__QUEUE_FULL) {
        delete headers;
        throw std::runtime_error("produce: " + RdKafka::err2str(err));
      }
      producer->poll(50);
    }
    ++sent;
    producer->poll(0);
  }
  producer->flush(120'000);
  return counter.failed == 0 && counter.ok == sent ? sent : -1;
}

int tail_topic(const tail_options& options, std::ostream& out) {
  auto conf = make_kafka_conf(options.brokers,
                      {{"group.id", "pactumctl-tail-" + std::to_string(::getpid())},
                       {"enable.auto.commit", "false"},
                       {"isolation.level", "read_committed"},
                       {"enable.partition.eof", "true"}},
                      options.properties);
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error("consumer: " + error);
  RdKafka::Metadata* raw = nullptr;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(consumer.get(), options.topic, nullptr, error));
  if (consumer->metadata(false, topic.get(), &raw, 10'000) != RdKafka::ERR_NO_ERROR) return 2;
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* t : *metadata->topics())
    if (t->topic() == options.topic && t->err() == RdKafka::ERR_NO_ERROR)
      for (const auto* p : *t->partitions())
        parts.push_back(RdKafka::TopicPartition::create(options.topic, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
  if (parts.empty()) {
    std::cerr << "pactumctl tail: no topic " << options.topic << '\n';
    return 2;
  }
  consumer->assign(parts);
  std::size_t at_end = 0;
  const std::size_t partitions = parts.size();
  RdKafka::TopicPartition::destroy(parts);
  while (options.follow || at_end < partitions) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(500));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      ++at_end;
      continue;
    }
    if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      std::cerr << "pactumctl tail: " << m->errstr() << '\n';
      return 2;
    }
    nlohmann::json line = nlohmann::json::object();
    line["partition"] = m->partition();
    line["offset"] = m->offset();
    line["timestamp"] = m->timestamp().timestamp;
    line["key"] = m->key() != nullptr ? nlohmann::json(*m->key()) : nlohmann::json(nullptr);
    line["value"] = std::string(static_cast<const char*>(m->payload()), m->len());
    nlohmann::json headers = nlohmann::json::object();
    if (const RdKafka::Headers* h = m->headers())
      for (const auto& header : h->get_all())
        headers[header.key()] = header.value() != nullptr
                                    ? nlohmann::json(std::string(static_cast<const char*>(header.value()), header.value_size()))
                                    : nlohmann::json(nullptr);
    line["headers"] = std::move(headers);
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  consumer->close();
  return 0;
}

struct embedded_cluster::impl {
  rd_kafka_t* handle = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
};

embedded_cluster::embedded_cluster(int partitions, const std::vector<std::string>& topics) : impl_(std::make_unique<impl>()) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // This handle only hosts the mock cluster; it never connects anywhere.
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  impl_->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (impl_->handle == nullptr) throw std::runtime_error(std::string("embedded cluster: ") + error);
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->handle, 1);
  if (impl_->cluster == nullptr) throw std::runtime_error("embedded cluster: could not start");
  for (const auto& t : topics) rd_kafka_mock_topic_create(impl_->cluster, t.c_str(), partitions, 1);
}

embedded_cluster::~embedded_cluster() {
  if (impl_->cluster != nullptr) rd_kafka_mock_cluster_destroy(impl_->cluster);
  if (impl_->handle != nullptr) rd_kafka_destroy(impl_->handle);
}

std::string embedded_cluster::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(impl_->cluster); }

} // namespace pactum::runtime
