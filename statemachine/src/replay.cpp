#include "pactum/statemachine/replay.hpp"

#include "pactum/statemachine/view.hpp"

namespace pactum::statemachine {

outcome replay_session::feed(std::int64_t offset, std::string_view record) {
  return feed(offset, events::decode_structured(record));
}

outcome replay_session::feed(std::int64_t offset, events::decoded decoded) {
  if (!decoded) {
    auto& f = decoded.error();
    ++stats_.rejected;
    rejections_.push_back({offset, std::move(f.event_id), std::move(f.contract_id), std::move(f.type), f.why});
    return outcome::rejected(std::move(f.why));
  }
  const events::event& e = decoded.value();
  outcome result = book_.handle(e);
  switch (result.kind) {
  case outcome_kind::accepted: ++stats_.accepted; break;
  case outcome_kind::duplicate: ++stats_.duplicates; break;
  case outcome_kind::rejected:
    ++stats_.rejected;
    rejections_.push_back({offset, e.id, e.subject, std::string(e.type_as_written), *result.why});
    break;
  }
  return result;
}

std::string replay_session::render(const std::optional<std::string>& only) const {
  auto opt = [](const std::optional<std::string>& s) { return s ? view_json(*s) : view_json(nullptr); };
  std::string out = "{\"contracts\":[";
  bool first = true;
  for (const contract* c : book_.sorted()) {
    if (only && c->state().contract_id != *only) continue;
    if (!first) out += ',';
    first = false;
    out += render_view(c->state());
  }
  out += "],\"rejections\":[";
  first = true;
  for (const auto& r : rejections_) {
    if (only && r.contract_id != *only) continue;
    view_json item = view_json::object();
    item["offset"] = r.offset;
    item["event_id"] = opt(r.event_id);
    item["contract_id"] = opt(r.contract_id);
    item["type"] = opt(r.type);
    item["reason"] = std::string(events::to_string(r.why.code));
    item["detail"] = r.why.detail;
    if (!first) out += ',';
    first = false;
    out += to_text(item);
  }
  view_json stats = view_json::object();
  stats["events"] = stats_.events();
  stats["accepted"] = stats_.accepted;
  stats["rejected"] = stats_.rejected;
  stats["duplicates"] = stats_.duplicates;
  out += "],\"stats\":" + to_text(stats) + "}";
  return out;
}

} // namespace pactum::statemachine
