// Where librdkafka properties come from besides -X, so that secrets (SASL
// passwords, TLS keys) never stand on a process's command line: a Java
// properties file (e.g. a mounted Secret) and PACTUM_KAFKA_<PROPERTY>
// environment variables. Precedence, lowest first: file, environment, -X.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pactum::runtime {

using kafka_properties = std::vector<std::pair<std::string, std::string>>;

// Java properties syntax: `key=value`, `key: value` or `key value`; `#` and `!`
// comments; a trailing backslash continues the line; \t \n \r \f \\ \uXXXX and
// an escaped separator. Throws std::runtime_error naming the file (never a
// value) when it cannot be read or a line has no key.
[[nodiscard]] kafka_properties parse_java_properties(std::string_view text, std::string_view source);
[[nodiscard]] kafka_properties read_kafka_config_file(const std::string& path);

// PACTUM_KAFKA_SASL_PASSWORD=... is sasl.password: the rest of the name in
// lower case, `_` read as `.` (a property whose name has a `_` goes in the file).
[[nodiscard]] kafka_properties kafka_properties_from_environment(char** environment);

} // namespace pactum::runtime
