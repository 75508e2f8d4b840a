#include "pactum/statemachine/termination.hpp"

#include <algorithm>
#include <map>

namespace pactum::statemachine {

std::vector<termination_ground> available_grounds(const contract_state& c) {
  if (!is_live(c.state)) return {};
  const auto& t = c.terms;
  std::map<std::pair<party, std::string>, termination_ground> grounds;
  auto add = [&](party who, const std::string& ground, timestamp since, std::int64_t days, const std::string& basis) {
    auto [it, fresh] = grounds.try_emplace({who, ground}, termination_ground{who, ground, since, days, {}});
    if (!fresh) it->second.since = std::min(it->second.since, since);
    if (!basis.empty()) it->second.basis.push_back(basis);
  };
  const timestamp signed_at = c.signed_at.value_or(timestamp{});
  add(party::client, "convenience", signed_at, t.client_convenience_notice_days, {});
  add(party::vendor, "convenience", signed_at, t.vendor_convenience_notice_days, {});
  const std::int64_t for_cause = t.for_cause_notice_days;
  for (const breach& b : c.breaches) {
    if (b.status == breach_status::open) {
      if (b.kind == breach_kind::persistent_sla_failure)
        add(party::client, "persistent_sla_failure", b.opened_at, for_cause, b.breach_id);
      if (b.kind == breach_kind::data_incident && b.material)
        add(party::client, "material_data_incident", b.opened_at, for_cause, b.breach_id);
    }
    if (b.status == breach_status::uncured) {
      const timestamp since = b.cure_deadline.value_or(b.opened_at);
      if (b.by == party::vendor) add(party::client, "uncured_breach", since, for_cause, b.breach_id);
      if (b.kind == breach_kind::late_payment) add(party::vendor, "non_payment", since, for_cause, b.breach_id);
      if (b.kind == breach_kind::notice && b.by == party::client) add(party::vendor, "uncured_breach", since, for_cause, b.breach_id);
    }
  }
  for (const force_majeure& fm : c.force_majeures) {
    if (fm.ended_at || !fm.deadline_fired) continue;
    add(party::client, "force_majeure", fm.due, for_cause, "fm:" + fm.fm_id);
    add(party::vendor, "force_majeure", fm.due, for_cause, "fm:" + fm.fm_id);
  }
  std::vector<termination_ground> out;
  out.reserve(grounds.size());
  for (auto& [key, g] : grounds) {
    std::sort(g.basis.begin(), g.basis.end());
    out.push_back(std::move(g));
  }
  return out;
}

} // namespace pactum::statemachine
