// The contract's rules (spec sections 4-11). Each rule first checks everything
// that can reject the event, in the spec's order, and only then records its
// facts: a rule that returns a rejection has changed nothing. The lifecycle
// (which event is legal in which state) is not decided here but by the machine.
#pragma once

#include "pactum/events/event.hpp"
#include "pactum/events/rejection.hpp"
#include "pactum/statemachine/contract_state.hpp"

#include <optional>

namespace pactum::statemachine::rules {

using verdict = std::optional<events::rejection>; // empty = applied
namespace ev = pactum::events;

verdict amend_terms(contract_state& c, const ev::event& e, const ev::terms_amended& d);
void record_signature(contract_state& c, const ev::event& e, const ev::contract_signed& d);
void complete_signing(contract_state& c, const ev::event& e);
void withdraw(contract_state& c, const ev::event& e);
verdict renew(contract_state& c, const ev::event& e, const ev::contract_renewed& d);
// A period report, decided then recorded: the check reads a const state and
// yields the facts; recording them cannot fail.
struct period_facts {
  period_result period;
  std::optional<breach> opens; // a persistent_sla_failure breach
};
events::result<period_facts> check_period_report(const contract_state& c, const ev::event& e,
                                                 const ev::sla_period_reported& d);
void record_period(contract_state& c, period_facts facts);
verdict report_period(contract_state& c, const ev::event& e, const ev::sla_period_reported& d);
verdict report_incident(contract_state& c, const ev::event& e, const ev::incident_reported& d);
verdict remediate_incident(contract_state& c, const ev::event& e, const ev::incident_remediated& d);
verdict complete_audit(contract_state& c, const ev::event& e, const ev::audit_completed& d);
verdict remediate_audit(contract_state& c, const ev::event& e, const ev::audit_remediated& d);
verdict serve_breach_notice(contract_state& c, const ev::event& e, const ev::breach_notice_served& d);
verdict cure_breach(contract_state& c, const ev::event& e, const ev::breach_cured& d);
verdict waive_breach(contract_state& c, const ev::event& e, const ev::breach_waived& d);
verdict issue_invoice(contract_state& c, const ev::event& e, const ev::invoice_issued& d);
verdict pay_invoice(contract_state& c, const ev::event& e, const ev::invoice_paid& d);
verdict declare_force_majeure(contract_state& c, const ev::event& e, const ev::force_majeure_declared& d);
verdict end_force_majeure(contract_state& c, const ev::event& e, const ev::force_majeure_ended& d);
verdict serve_termination_notice(contract_state& c, const ev::event& e, const ev::termination_notice_served& d);
verdict withdraw_termination_notice(contract_state& c, const ev::event& e,
                                    const ev::termination_notice_withdrawn& d);
verdict agree_termination(contract_state& c, const ev::event& e, const ev::termination_agreed& d);

// Deadline effects that do not end the contract (cure, invoice-due, fm).
void fire(contract_state& c, const deadline_key& key, const deadline& d);
// A termination or expiry deadline firing: the contract ends at `due`.
void terminate(contract_state& c, timestamp due);
void expire(contract_state& c, timestamp due);

} // namespace pactum::statemachine::rules
