// The compact text of a terms object (detail::append_compact) is the bytes
// simdjson::minify writes for the same DOM: snapshots and the store keep it,
// and the decoder wrote minify's text before.
#include "field_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using pactum::events::detail::append_compact;

std::string compact(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) throw std::runtime_error("not JSON: " + json);
  std::string ours;
  append_compact(doc, ours);
  EXPECT_EQ(ours, simdjson::minify(doc)) << json;
  return ours;
}

TEST(CompactText, WritesWhatMinifyWrites) {
  EXPECT_EQ(compact(R"( { "a" : [ 1 , -2 , 3.5 , 1e2 , 0.1 , -0.0 , 18446744073709551615 , -9223372036854775808 ] } )"),
            R"({"a":[1,-2,3.5,100.0,0.1,-0.0,18446744073709551615,-9223372036854775808]})");
  EXPECT_EQ(compact(R"({"s":"tab\t nl\n cr\r bs\b ff\f quote\" slash\\ solidus\/ bell\u0007 us\u001f e\u00e9 del\u007f"})"),
            "{\"s\":\"tab\\t nl\\n cr\\r bs\\b ff\\f quote\\\" slash\\\\ solidus/ bell\\u0007 us\\u001f e\xc3\xa9 del\x7f\"}");
  EXPECT_EQ(compact(R"({"k\"ey":{},"empty":[],"t":true,"f":false,"n":null,"nested":[[[]],{"x":{"y":[{}]}}]})"),
            R"({"k\"ey":{},"empty":[],"t":true,"f":false,"n":null,"nested":[[[]],{"x":{"y":[{}]}}]})");
  EXPECT_EQ(compact(R"("")"), R"("")");
  EXPECT_EQ(compact("123456789012345678"), "123456789012345678");
}

// Documents of random shape: objects, arrays, every byte in strings (as
// escapes), integers at the edges and doubles of every exponent.
std::string random_value(std::mt19937_64& rng, int depth) {
  const auto pick = [&](std::uint64_t n) { return rng() % n; };
  switch (depth > 4 ? 2 + pick(5) : pick(7)) {
  case 0: {
    std::string out = "{";
    for (std::uint64_t i = 0, n = pick(4); i < n; ++i)
      out += std::string(i > 0 ? "," : "") + "\"k" + std::to_string(i) + "\":" + random_value(rng, depth + 1);
    return out + "}";
  }
  case 1: {
    std::string out = "[";
    for (std::uint64_t i = 0, n = pick(4); i < n; ++i) out += (i > 0 ? " , " : "") + random_value(rng, depth + 1);
    return out + "]";
  }
  case 2: {
    std::string out = "\"";
    for (std::uint64_t i = 0, n = pick(12); i < n; ++i) {
      const auto c = static_cast<unsigned>(pick(128));
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += c >= 0x20 && c != '"' && c != '\\' && pick(2) == 0 ? std::string(1, static_cast<char>(c)) : std::string(escaped);
    }
    return out + "\"";
  }
  case 3: return std::to_string(static_cast<std::int64_t>(rng()));
  case 4: return std::to_string(rng());
  case 5: {
    char number[40];
    std::snprintf(number, sizeof number, "%.*g", static_cast<int>(1 + pick(17)),
                  static_cast<double>(static_cast<std::int64_t>(rng())) * std::pow(10.0, static_cast<double>(pick(40)) - 30));
    return number;
  }
  default: return pick(3) == 0 ? "true" : pick(2) == 0 ? "false" : "null";
  }
}

TEST(CompactText, WritesWhatMinifyWritesForRandomDocuments) {
  std::mt19937_64 rng(20261203);
  for (int i = 0; i < 2000; ++i) compact(random_value(rng, 0));
}

} // namespace
