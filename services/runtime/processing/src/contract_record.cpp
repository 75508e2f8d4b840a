#include "pactum/runtime/contract_record.hpp"

#include "pactum/statemachine/snapshot.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace pactum::runtime {

using nlohmann::json;

std::string encode_contract_record(const statemachine::contract_state& state, projection_digests emitted) {
  json doc = json::object();
  doc["format"] = statemachine::snapshot_format;
  doc["emitted"] = {{"termination", emitted.termination}, {"liability", emitted.liability}};
  doc["contract"] = statemachine::snapshot_of(state);
  std::string out;
  json::to_msgpack(doc, nlohmann::detail::output_adapter<char>(out));
  return out;
}

std::optional<contract_record> decode_contract_record(std::string_view bytes) try {
  const json doc = json::from_msgpack(bytes.begin(), bytes.end());
  if (!doc.is_object() || doc.value("format", 0) != statemachine::snapshot_format) return std::nullopt;
  auto state = statemachine::state_from_snapshot(doc.at("contract"));
  if (!state) return std::nullopt;
  const auto& emitted = doc.at("emitted");
  return contract_record{std::move(*state), {emitted.at("termination").get<std::uint64_t>(),
                                             emitted.at("liability").get<std::uint64_t>()}};
} catch (const json::exception&) {
  return std::nullopt;
}

std::string encode_snapshot_record(std::int32_t partition, std::int64_t next_offset, std::string_view record) {
  json doc = json::object();
  doc["format"] = statemachine::snapshot_format;
  doc["partition"] = partition;
  doc["next_offset"] = next_offset;
  doc["record"] = json::binary(std::vector<std::uint8_t>(record.begin(), record.end()));
  std::string out;
  json::to_msgpack(doc, nlohmann::detail::output_adapter<char>(out));
  return out;
}

std::optional<snapshot_record> decode_snapshot_record(std::string_view bytes) try {
  const json doc = json::from_msgpack(bytes.begin(), bytes.end());
  if (!doc.is_object() || doc.value("format", 0) != statemachine::snapshot_format) return std::nullopt;
  const auto& record = doc.at("record").get_binary();
  return snapshot_record{doc.at("partition").get<std::int32_t>(), doc.at("next_offset").get<std::int64_t>(),
                         std::string(record.begin(), record.end())};
} catch (const json::exception&) {
  return std::nullopt;
}

std::optional<std::int64_t> earliest_due(const statemachine::contract_state& state) {
  const auto& pending = state.deadlines.pending();
  if (pending.empty()) return std::nullopt;
  return pending.begin()->first.due.ms;
}

} // namespace pactum::runtime
