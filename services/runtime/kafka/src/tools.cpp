#include "pactum/runtime/tools.hpp"

#include "handles.hpp"
#include "kafka_conf.hpp"

#include "pactum/events/encode.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> // after rdkafka.h, as it requires
#include <librdkafka/rdkafkacpp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <chrono>
#include <stdexcept>
#include <iostream>
#include <unistd.h>

namespace pactum::runtime {
namespace {

class delivery_counter : public RdKafka::DeliveryReportCb {
public:
  void dr_cb(RdKafka::Message& m) noexcept override { // never throws through librdkafka
    if (m.err() == RdKafka::ERR_NO_ERROR) ++ok;
    else ++failed;
  }
  std::atomic<long long> ok{0};
  std::atomic<long long> failed{0};
};

constexpr std::string_view base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16U) | (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                   static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(base64_alphabet[(n >> shift) & 63U]);
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16U;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8U;
    out.push_back(base64_alphabet[(n >> 18U) & 63U]);
    out.push_back(base64_alphabet[(n >> 12U) & 63U]);
    out.push_back(i + 1 < bytes.size() ? base64_alphabet[(n >> 6U) & 63U] : '=');
    out.push_back('=');
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const auto at = base64_alphabet.find(c);
    if (at == std::string_view::npos) throw std::invalid_argument("value_base64 is not base64");
    acc = (acc << 6U) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFU));
    }
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// A `--raw` line: {"key": string|null, "value": string | "value_base64": string,
// "headers": {name: string|null}} (what `tail` prints), taken byte for byte.
void raw_record(const std::string& line, std::optional<std::string>& key, std::string& value, RdKafka::Headers& headers) {
  const auto doc = nlohmann::json::parse(line);
  if (doc.contains("key") && doc["key"].is_string()) key = doc["key"].get<std::string>();
  value = doc.contains("value_base64") ? base64_decode(doc["value_base64"].get<std::string>())
                                       : doc.value("value", std::string());
  if (doc.contains("headers"))
    for (const auto& [name, v] : doc["headers"].items()) {
      if (v.is_string()) headers.add(name, v.get<std::string>());
      else if (v.is_null()) headers.add(name, nullptr, 0); // a header without a value
    }
}

// The topic's partition ids; empty when the topic does not exist or the broker
// does not answer.
std::vector<std::int32_t> partitions_of(RdKafka::KafkaConsumer& consumer, const std::string& name) {
  std::string error;
  const std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(&consumer, name, nullptr, error));
  RdKafka::Metadata* raw = nullptr;
  if (!topic || consumer.metadata(false, topic.get(), &raw, 10'000) != RdKafka::ERR_NO_ERROR) return {};
  const std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::vector<std::int32_t> ids;
  for (const auto* t : *metadata->topics())
    if (t->topic() == name && t->err() == RdKafka::ERR_NO_ERROR)
      for (const auto* p : *t->partitions()) ids.push_back(p->id());
  return ids;
}

} // namespace

long long produce_records(const produce_options& options, const std::function<bool(std::string&)>& next) {
  delivery_counter counter;
  auto conf = make_kafka_conf(options.brokers, {{"enable.idempotence", "true"}, {"linger.ms", "20"}}, options.properties);
  std::string error;
  conf->set("dr_cb", &counter, error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("producer: " + error);
  if (options.rate > 0) {
    // A steady stream starts once the producer can send: a record's timestamp
    // is taken when it is produced, so records produced while the client is
    // still connecting and fetching metadata would carry its start-up as
    // latency (the first second of every latency run did, the copier's too).
    std::string topic_error;
    const std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer.get(), options.topic, nullptr, topic_error));
    RdKafka::Metadata* raw = nullptr;
    if (topic && producer->metadata(false, topic.get(), &raw, 10'000) == RdKafka::ERR_NO_ERROR)
      static_cast<void>(std::unique_ptr<RdKafka::Metadata>(raw));
  }
  std::string line;
  long long sent = 0;
  const auto started = std::chrono::steady_clock::now();
  while (next(line)) {
    if (options.rate > 0) { // a steady stream, for latency measurements
      const auto due = started + std::chrono::microseconds(sent * 1'000'000 / options.rate);
      while (std::chrono::steady_clock::now() < due) producer->poll(1);
    }
    std::optional<std::string> key;
    std::string value = line;
    kafka::headers_ptr headers(RdKafka::Headers::create());
    const auto doc = options.raw ? nlohmann::json() : nlohmann::json::parse(line, nullptr, false);
    const bool object = !doc.is_discarded() && doc.is_object();
    if (object && doc.contains("subject") && doc["subject"].is_string()) key = doc["subject"].get<std::string>();
    if (options.raw) {
      try {
        raw_record(line, key, value, *headers);
      } catch (const std::exception& e) {
        throw std::runtime_error("a --raw line is not {key, value|value_base64, headers}: " + std::string(e.what()));
      }
    } else if (auto binary = options.binary && object ? events::structured_to_binary(line) : std::nullopt) {
      for (const auto& [name, v] : binary->headers) headers->add(name, v);
      value = std::move(binary->value);
    } else {
      headers->add("content-type", "application/cloudevents+json");
    }
    for (;;) {
      const auto err = producer->produce(options.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                         value.data(), value.size(), key ? key->data() : nullptr, key ? key->size() : 0, 0,
                                         headers.get(), nullptr);
      if (err == RdKafka::ERR_NO_ERROR) {
        // librdkafka owns the headers once produce() succeeds; on failure they stay ours.
        static_cast<void>(headers.release());
        break;
      }
      if (err != RdKafka::ERR__QUEUE_FULL) {
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

std::optional<std::vector<partition_offsets>> read_end_offsets(const tail_options& options) {
  // One consumer per isolation level: ListOffsets answers the last stable
  // offset to a read_committed client and the high watermark otherwise.
  std::map<std::int32_t, partition_offsets> ends;
  for (const bool committed : {true, false}) {
    auto conf = make_kafka_conf(options.brokers,
                                {{"group.id", "pactumctl-offsets-" + std::to_string(::getpid())},
                                 {"isolation.level", committed ? "read_committed" : "read_uncommitted"}},
                                options.properties);
    std::string error;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer) throw std::runtime_error("consumer: " + error);
    for (const std::int32_t p : partitions_of(*consumer, options.topic)) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (consumer->query_watermark_offsets(options.topic, p, &low, &high, 10'000) != RdKafka::ERR_NO_ERROR)
        return std::nullopt;
      ends[p].partition = p;
      (committed ? ends[p].read_committed_end : ends[p].read_uncommitted_end) = high;
    }
    consumer->close();
  }
  // The group's committed offsets (an OffsetFetch; it does not join the group).
  if (!options.group.empty() && !ends.empty()) {
    auto conf = make_kafka_conf(options.brokers, {{"group.id", options.group}, {"enable.auto.commit", "false"}},
                                options.properties);
    std::string error;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer) throw std::runtime_error("consumer: " + error);
    kafka::partition_list parts;
    for (const auto& [partition, end] : ends) parts.add(options.topic, partition);
    const auto err = consumer->committed(parts.get(), 10'000);
    // A negative offset (librdkafka's OFFSET_INVALID, -1001) means the group
    // never committed on that partition.
    for (const auto* tp : parts)
      if (tp->offset() >= 0) ends[tp->partition()].committed = tp->offset();
    consumer->close();
    if (err != RdKafka::ERR_NO_ERROR) return std::nullopt;
  }
  std::vector<partition_offsets> out;
  out.reserve(ends.size());
  for (auto& [partition, end] : ends) out.push_back(end);
  return out;
}

int end_offsets(const tail_options& options, std::ostream& out) {
  const auto ends = read_end_offsets(options);
  if (!ends) {
    std::cerr << "pactumctl end-offsets: the broker did not answer\n";
    return 2;
  }
  if (ends->empty()) {
    std::cerr << "pactumctl end-offsets: no topic " << options.topic << '\n';
    return 2;
  }
  for (const auto& end : *ends) {
    nlohmann::json line{{"partition", end.partition},
                        {"read_committed_end", end.read_committed_end},
                        {"read_uncommitted_end", end.read_uncommitted_end}};
    if (!options.group.empty()) line["committed"] = end.committed ? nlohmann::json(*end.committed) : nlohmann::json("none");
    out << line.dump() << '\n';
  }
  return 0;
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
  kafka::partition_list parts;
  for (const std::int32_t p : partitions_of(*consumer, options.topic)) parts.add(options.topic, p, RdKafka::Topic::OFFSET_BEGINNING);
  if (parts.empty()) {
    std::cerr << "pactumctl tail: no topic " << options.topic << '\n';
    return 2;
  }
  consumer->assign(parts.get());
  std::size_t at_end = 0;
  const std::size_t partitions = parts.get().size();
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
    const std::string value(static_cast<const char*>(m->payload()), m->len());
    line["value"] = value; // invalid UTF-8 is replaced in the text: value_base64 holds the bytes
    if (!valid_utf8(value)) line["value_base64"] = base64_encode(value);
    nlohmann::json headers = nlohmann::json::object();
    if (const RdKafka::Headers* h = m->headers())
      for (const auto& header : h->get_all())
        headers[header.key()] = header.value() != nullptr
                                    ? nlohmann::json(std::string(static_cast<const char*>(header.value()), header.value_size()))
                                    : nlohmann::json(nullptr);
    line["headers"] = std::move(headers);
    if (options.received)
      line["received"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (options.follow) out.flush(); // a reader of the pipe sees each record as it comes
  }
  consumer->close();
  return 0;
}

struct embedded_cluster::impl {
  // Declared in this order so the cluster goes before the handle hosting it.
  kafka::client_ptr handle;
  kafka::mock_cluster_ptr cluster;
};

embedded_cluster::embedded_cluster(int partitions, const std::vector<std::string>& topics) : impl_(std::make_unique<impl>()) {
  char error[512];
  kafka::conf_ptr conf(rd_kafka_conf_new());
  // This handle only hosts the mock cluster; it never connects anywhere.
  rd_kafka_conf_set(conf.get(), "log_level", "3", error, sizeof error);
  impl_->handle.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error));
  if (!impl_->handle) throw std::runtime_error(std::string("embedded cluster: ") + error);
  static_cast<void>(conf.release()); // rd_kafka_new() owns the configuration once it succeeds
  impl_->cluster.reset(rd_kafka_mock_cluster_new(impl_->handle.get(), 1));
  if (!impl_->cluster) throw std::runtime_error("embedded cluster: could not start");
  for (const auto& t : topics) rd_kafka_mock_topic_create(impl_->cluster.get(), t.c_str(), partitions, 1);
}

embedded_cluster::~embedded_cluster() = default;

std::string embedded_cluster::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(impl_->cluster.get()); }

void embedded_cluster::push_request_errors(std::int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (const int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(impl_->cluster.get(), api_key, codes.size(), codes.data());
}

void embedded_cluster::delay_requests(std::int16_t api_key, int count, int delay_ms) {
  for (int i = 0; i < count; ++i)
    rd_kafka_mock_broker_push_request_error_rtts(impl_->cluster.get(), 1, api_key, 1, RD_KAFKA_RESP_ERR_NO_ERROR, delay_ms);
}

} // namespace pactum::runtime
