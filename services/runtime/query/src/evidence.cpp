#include "pactum/runtime/evidence.hpp"

#include "pactum/events/decode.hpp"
#include "pactum/statemachine/explain.hpp"
#include "pactum/statemachine/replay.hpp"
#include "pactum/statemachine/view.hpp"

#include <nlohmann/json.hpp>

namespace pactum::runtime {
namespace {

events::decoded decode(const std::string& contract_id, const event_record& r) {
  const auto headers = r.header_views();
  return events::decode_record(headers, r.value, contract_id);
}

std::string_view outcome_name(statemachine::outcome_kind k) {
  switch (k) {
  case statemachine::outcome_kind::accepted: return "accepted";
  case statemachine::outcome_kind::duplicate: return "duplicate";
  case statemachine::outcome_kind::rejected: return "rejected";
  }
  return "rejected";
}

} // namespace

std::vector<timeline_entry> timeline_of(const std::string& contract_id, const std::vector<event_record>& records) {
  std::vector<timeline_entry> out;
  out.reserve(records.size());
  statemachine::replay_session session;
  for (const auto& r : records) {
    timeline_entry entry{r.partition, r.offset, {}, {}, {}, {}, statemachine::outcome_kind::rejected, {}, {}};
    auto decoded = decode(contract_id, r);
    if (decoded) {
      const auto& e = decoded.value();
      entry.id = e.id;
      entry.source = e.source;
      entry.type = std::string(e.type_as_written);
      entry.time = e.time;
    } else {
      entry.id = decoded.error().event_id;
      entry.type = decoded.error().type;
      const auto headers = r.header_views();
      entry.time = events::envelope_time(headers, r.value);
    }
    const auto outcome = session.feed(r.offset, std::move(decoded));
    entry.outcome = outcome.kind;
    entry.why = outcome.why;
    if (outcome.kind == statemachine::outcome_kind::accepted)
      if (const auto* c = session.book().find(contract_id)) entry.version = c->state().version;
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<std::string> view_as_of(const std::string& contract_id, const std::vector<event_record>& records,
                                      events::timestamp at) {
  statemachine::replay_session session;
  for (const auto& r : records) {
    const auto headers = r.header_views();
    const auto time = events::envelope_time(headers, r.value);
    if (!time || *time > at) continue;
    static_cast<void>(session.feed(r.offset, decode(contract_id, r)));
  }
  session.advance_to(at);
  const auto* c = session.book().find(contract_id);
  if (c == nullptr) return std::nullopt;
  return statemachine::render_view(c->state());
}

std::optional<std::string> explain_as_of(const std::string& contract_id, const std::vector<event_record>& records,
                                         const std::optional<events::timestamp>& at) {
  statemachine::explanation_builder builder(contract_id);
  for (const auto& r : records) {
    if (at) {
      const auto headers = r.header_views();
      const auto time = events::envelope_time(headers, r.value);
      if (!time || *time > *at) continue;
    }
    static_cast<void>(builder.feed(r.offset, decode(contract_id, r)));
  }
  if (at) builder.advance_to(*at);
  return builder.render_json(at);
}

std::string render_timeline(const std::string& contract_id, const std::vector<timeline_entry>& entries, std::size_t first,
                            std::size_t count, const std::optional<std::string>& next_cursor) {
  auto opt = [](const std::optional<std::string>& s) { return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json(nullptr); };
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (std::size_t i = first; i < entries.size() && i < first + count; ++i) {
    const auto& e = entries[i];
    nlohmann::ordered_json item{{"partition", e.partition},
                                {"offset", e.offset},
                                {"id", opt(e.id)},
                                {"source", opt(e.source)},
                                {"type", opt(e.type)},
                                {"time", e.time ? nlohmann::ordered_json(events::format_timestamp(*e.time)) : nlohmann::ordered_json(nullptr)},
                                {"outcome", outcome_name(e.outcome)}};
    if (e.version) item["version"] = *e.version;
    if (e.why) {
      item["reason"] = std::string(events::to_string(e.why->code));
      item["detail"] = e.why->detail;
    }
    items.push_back(std::move(item));
  }
  nlohmann::ordered_json body{{"contract_id", contract_id}, {"records", std::move(items)}, {"next_cursor", opt(next_cursor)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace pactum::runtime
