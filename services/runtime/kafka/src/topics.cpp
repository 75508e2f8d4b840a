#include "topics.hpp"

#include "handles.hpp"

#include "pactum/runtime/log.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace pactum::runtime::kafka {

void ensure_topics(RdKafka::Handle& client, const service_config& c) {
  struct spec {
    const std::string* name;
    bool compact;
  };
  const std::vector<spec> wanted{{&c.topics.events, false},     {&c.topics.views, true},
                                 {&c.topics.termination, true}, {&c.topics.liability, true},
                                 {&c.topics.dead_letters, false}, {&c.topics.snapshots, true}};
  std::vector<new_topic_ptr> owned;
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[512];
  for (const auto& s : wanted) {
    new_topic_ptr t(rd_kafka_NewTopic_new(s.name->c_str(), c.partitions, c.replication_factor, err, sizeof err));
    if (!t) throw std::runtime_error(std::string("topic ") + *s.name + ": " + err);
    if (s.compact) {
      // Compaction only cleans closed segments: roll them hourly or at 16 MiB
      // and clean once a tenth is stale, or a compacted topic never compacts
      // (docs/deploy.md, "Compaction"; the KafkaTopics of deploy/ say the same).
      // At 64 MiB a 1M-event drain closed no segment of the views or snapshots
      // topics, and a new replica read every view and snapshot ever written.
      rd_kafka_NewTopic_set_config(t.get(), "cleanup.policy", "compact");
      rd_kafka_NewTopic_set_config(t.get(), "segment.ms", "3600000");
      rd_kafka_NewTopic_set_config(t.get(), "segment.bytes", "16777216");
      rd_kafka_NewTopic_set_config(t.get(), "min.cleanable.dirty.ratio", "0.1");
    }
    if (s.name == &c.topics.dead_letters) rd_kafka_NewTopic_set_config(t.get(), "max.message.bytes", dead_letter_max_bytes);
    topics.push_back(t.get());
    owned.push_back(std::move(t));
  }
  rd_kafka_t* rk = client.c_ptr();
  const queue_ptr queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), nullptr, queue.get());
  const event_ptr ev(rd_kafka_queue_poll(queue.get(), 30'000));
  if (!ev) {
    log_line(log_level::warn, "topic_create_failed", {{"error", "no answer within 30 s"}});
    return;
  }
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const rd_kafka_topic_result_t** results = res != nullptr ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
  for (size_t i = 0; i < n; ++i) {
    const auto code = rd_kafka_topic_result_error(results[i]);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      log_line(log_level::warn, "topic_create_failed",
               {{"topic", rd_kafka_topic_result_name(results[i])}, {"error", rd_kafka_err2str(code)}});
  }
}

} // namespace pactum::runtime::kafka
