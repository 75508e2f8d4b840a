// Internal: librdkafka configurations built the same way everywhere in the runtime.
#pragma once

#include "pactum/runtime/kafka_properties.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pactum::runtime {

// bootstrap.servers, then the component's own properties, then the operator's
// (-X), so an operator can override anything; a bad property fails loudly at start-up.
inline std::unique_ptr<RdKafka::Conf> make_kafka_conf(const std::string& brokers, const kafka_properties& own,
                                                      const kafka_properties& extra) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  const auto set = [&](const std::string& k, const std::string& v) {
    if (conf->set(k, v, error) != RdKafka::Conf::CONF_OK) throw std::runtime_error("kafka property " + k + ": " + error);
  };
  set("bootstrap.servers", brokers);
  for (const auto& [k, v] : own) set(k, v);
  for (const auto& [k, v] : extra) set(k, v);
  return conf;
}

} // namespace pactum::runtime
