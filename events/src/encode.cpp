#include "pactum/events/encode.hpp"

#include <nlohmann/json.hpp>

namespace pactum::events {
namespace {

std::string json_string(std::string_view s) { return nlohmann::json(s).dump(); }

} // namespace

std::string binary_header_name(std::string_view attribute) {
  return attribute == "datacontenttype" ? std::string("content-type") : "ce_" + std::string(attribute);
}

std::string encode_structured(const envelope& e, std::string_view data_json) {
  std::string out = R"({"specversion":"1.0","id":)";
  out += json_string(e.id);
  out += R"(,"source":)";
  out += json_string(e.source);
  out += R"(,"type":)";
  out += json_string(e.type);
  out += R"(,"subject":)";
  out += json_string(e.subject);
  out += R"(,"time":)";
  out += json_string(e.time);
  if (e.expected_version) out += R"(,"expectedversion":)" + std::to_string(*e.expected_version);
  out += R"(,"data":)";
  out += data_json;
  out += '}';
  return out;
}

binary_record encode_binary(const envelope& e, std::string_view data_json) {
  binary_record r;
  r.headers = {{binary_header_name("specversion"), "1.0"}, {binary_header_name("id"), e.id},
               {binary_header_name("source"), e.source},   {binary_header_name("type"), std::string(e.type)},
               {binary_header_name("subject"), e.subject}, {binary_header_name("time"), e.time}};
  if (e.expected_version) r.headers.emplace_back(binary_header_name("expectedversion"), std::to_string(*e.expected_version));
  r.headers.emplace_back(binary_header_name("datacontenttype"), "application/json");
  r.value = std::string(data_json);
  return r;
}

std::optional<binary_record> structured_to_binary(std::string_view structured_json) {
  const auto doc = nlohmann::ordered_json::parse(structured_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("data")) return std::nullopt;
  binary_record r;
  for (const auto& [name, v] : doc.items()) {
    if (name == "data") continue;
    r.headers.emplace_back(binary_header_name(name), v.is_string() ? v.get<std::string>() : v.dump());
  }
  r.value = doc["data"].dump();
  return r;
}

} // namespace pactum::events
