// librdkafka properties from a Java properties file and from the environment:
// the ways to give pactumd a secret without a command line.
#include "pactum/runtime/kafka_properties.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pactum::runtime {
namespace {

using props = kafka_properties;

TEST(KafkaConfigFile, JavaPropertiesSyntax) {
  const std::string text =
      "# a comment\n"
      "! another\n"
      "\n"
      "security.protocol=SASL_SSL\n"
      "  sasl.mechanism : SCRAM-SHA-512\n"
      "sasl.username user-1\n"
      "sasl.password=p\\=ss:w\\\\rd#not-a-comment\r\n"
      "ssl.ca.location = /etc/ca/\\\n"
      "    ca.crt\n"
      "client.id=caf\\u00e9\n"
      "empty.value=\n";
  EXPECT_EQ(parse_java_properties(text, "f"), (props{{"security.protocol", "SASL_SSL"},
                                                     {"sasl.mechanism", "SCRAM-SHA-512"},
                                                     {"sasl.username", "user-1"},
                                                     {"sasl.password", "p=ss:w\\rd#not-a-comment"},
                                                     {"ssl.ca.location", "/etc/ca/ca.crt"},
                                                     {"client.id", "caf\xc3\xa9"},
                                                     {"empty.value", ""}}));
}

TEST(KafkaConfigFile, ErrorsNameTheFileAndNeverAValue) {
  try {
    (void)parse_java_properties("a=1\n=secret-value\n", "/etc/kafka.properties");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/etc/kafka.properties"), std::string::npos) << what;
    EXPECT_EQ(what.find("secret-value"), std::string::npos) << what;
  }
  EXPECT_THROW((void)read_kafka_config_file("/nonexistent/kafka.properties"), std::runtime_error);
}

TEST(KafkaConfigFile, ReadsAFile) {
  const auto path = std::filesystem::temp_directory_path() / ("pactum-kafka-" + std::to_string(::getpid()));
  std::ofstream(path) << "sasl.password=s3cret\n";
  EXPECT_EQ(read_kafka_config_file(path.string()), (props{{"sasl.password", "s3cret"}}));
  std::filesystem::remove(path);
}

TEST(KafkaEnvironment, PactumKafkaVariablesAreProperties) {
  std::string a = "PACTUM_KAFKA_SASL_PASSWORD=s3cret=with=equals";
  std::string b = "PACTUM_KAFKA_SECURITY_PROTOCOL=SASL_SSL";
  std::string c = "PACTUM_BROKERS=elsewhere:9092";
  std::string d = "PACTUM_KAFKA_=nothing";
  std::string e = "PATH=/usr/bin";
  char* env[] = {a.data(), b.data(), c.data(), d.data(), e.data(), nullptr};
  EXPECT_EQ(kafka_properties_from_environment(env),
            (props{{"sasl.password", "s3cret=with=equals"}, {"security.protocol", "SASL_SSL"}}));
  EXPECT_TRUE(kafka_properties_from_environment(nullptr).empty());
}

} // namespace
} // namespace pactum::runtime
