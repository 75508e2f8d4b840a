// The only translation unit that includes Boost.MSM: the lifecycle table of spec
// section 5 and the steps of section 3 that drive it.
#include "pactum/statemachine/contract.hpp"

#include "rules.hpp"

#include "pactum/statemachine/snapshot.hpp"

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/euml/operator.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <boost/core/demangle.hpp>

#include <cstdio>
#include <typeinfo>
#include <cstdlib>

namespace pactum::statemachine {
namespace {

namespace ev = pactum::events;
namespace msmf = boost::msm::front;
using msmf::Row;
using msmf::none;
using boost::msm::front::euml::And_;
using boost::msm::front::euml::Not_;

// An event of the catalogue as the machine sees it: its envelope and its data.
template <class Data>
struct command {
  const ev::event& envelope;
  const Data& data;
};

using terms_amended = command<ev::terms_amended>;
using party_signed = command<ev::contract_signed>;
using withdrawn = command<ev::contract_withdrawn>;
using renewed = command<ev::contract_renewed>;
using period_reported = command<ev::sla_period_reported>;
using incident_reported = command<ev::incident_reported>;
using incident_remediated = command<ev::incident_remediated>;
using audit_completed = command<ev::audit_completed>;
using audit_remediated = command<ev::audit_remediated>;
using breach_notice = command<ev::breach_notice_served>;
using breach_cured = command<ev::breach_cured>;
using breach_waived = command<ev::breach_waived>;
using invoice_issued = command<ev::invoice_issued>;
using invoice_paid = command<ev::invoice_paid>;
using fm_declared = command<ev::force_majeure_declared>;
using fm_ended = command<ev::force_majeure_ended>;
using termination_notice = command<ev::termination_notice_served>;
using notice_withdrawn = command<ev::termination_notice_withdrawn>;
using termination_agreed = command<ev::termination_agreed>;

// What the rules report back to the lifecycle.
struct breach_opened {};
struct breaches_closed {};
struct termination_due { timestamp due; };
struct expiry_due { timestamp due; };
// Re-entering the state a snapshot recorded (in_breach: live, then the open
// breaches move it on).
struct resume_live {};
struct resume_terminated {};

// Each state mirrors itself into the aggregate's data for the read side.
template <lifecycle L>
struct mirrored : msmf::state<> {
  template <class Event, class Fsm>
  void on_entry(const Event&, Fsm& fsm) { fsm.data->state = L; }
};

// The two live states of spec section 5: signed <-> in_breach, as the open
// breaches say. Every live event is written once, on `live` in the outer table.
struct live_ : msmf::state_machine_def<live_> {
  using no_exception_thrown = int;
  using no_message_queue = int;

  contract_state* data = nullptr;

  // Entered from the outer machine: share its data before a sub-state is entered.
  template <class Event, class Fsm>
  void on_entry(const Event&, Fsm& outer) { data = outer.data; }

  struct signed_ : mirrored<lifecycle::signed_> {};
  struct in_breach : mirrored<lifecycle::in_breach> {};
  using initial_state = signed_;

  // clang-format off
  struct transition_table : boost::mpl::vector<
  //     Start       Event                Next         Action  Guard
  Row< signed_    , breach_opened      , in_breach  , none  , none >,
  Row< in_breach  , breaches_closed    , signed_    , none  , none >
  > {};
  // clang-format on

  // Unhandled here means: the outer machine's rows decide (and its
  // no_transition rejects); MSM calls a contained machine's no_transition never.
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {}
};
using live = boost::msm::back::state_machine<live_>;

struct contract_machine_ : msmf::state_machine_def<contract_machine_> {
  using no_exception_thrown = int;
  using no_message_queue = int;

  contract_state* data = nullptr;
  rules::verdict verdict;

  struct draft : mirrored<lifecycle::draft> {};
  struct terminated : mirrored<lifecycle::terminated> {};
  using initial_state = draft;

  // ---- actions ----
  template <auto Rule>
  struct rule {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const { fsm.verdict = Rule(*fsm.data, cmd.envelope, cmd.data); }
  };
  struct record_signature {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const { rules::record_signature(*fsm.data, cmd.envelope, cmd.data); }
  };
  struct complete_signing {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const { rules::complete_signing(*fsm.data, cmd.envelope); }
  };
  struct reject_second_signature {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const {
      fsm.verdict = ev::rejection{ev::rejection_code::already_signed,
                                  "/data/party: the " + std::string(ev::to_string(cmd.data.by)) + " has already signed"};
    }
  };
  struct record_withdrawal {
    template <class Event, class Fsm, class Source, class Target>
    void operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const { rules::withdraw(*fsm.data, cmd.envelope); }
  };
  struct record_termination {
    template <class Fsm, class Source, class Target>
    void operator()(const termination_due& due, Fsm& fsm, Source&, Target&) const { rules::terminate(*fsm.data, due.due); }
  };
  struct record_expiry {
    template <class Fsm, class Source, class Target>
    void operator()(const expiry_due& due, Fsm& fsm, Source&, Target&) const { rules::expire(*fsm.data, due.due); }
  };

  // ---- guards ----
  struct already_signed {
    template <class Event, class Fsm, class Source, class Target>
    bool operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const {
      return cmd.data.by == party::client ? fsm.data->client_signed : fsm.data->vendor_signed;
    }
  };
  struct completes_signing {
    template <class Event, class Fsm, class Source, class Target>
    bool operator()(const Event& cmd, Fsm& fsm, Source&, Target&) const {
      return cmd.data.by == party::client ? fsm.data->vendor_signed : fsm.data->client_signed;
    }
  };

  using sign = msmf::ActionSequence_<boost::mpl::vector<record_signature, complete_signing>>;
  using first_signature = And_<Not_<already_signed>, Not_<completes_signing>>;
  using last_signature = And_<Not_<already_signed>, completes_signing>;

  // clang-format off
  struct transition_table : boost::mpl::vector<
  //     Start       Event                Next         Action                                        Guard
  Row< draft      , terms_amended      , none       , rule<&rules::amend_terms>                   , none             >,
  Row< draft      , party_signed       , none       , reject_second_signature                     , already_signed   >,
  Row< draft      , party_signed       , none       , record_signature                            , first_signature  >,
  Row< draft      , party_signed       , live       , sign                                        , last_signature   >,
  Row< draft      , withdrawn          , terminated , record_withdrawal                           , none             >,
  Row< draft      , resume_live        , live       , none                                        , none             >,
  Row< draft      , resume_terminated  , terminated , none                                        , none             >,

  Row< live       , termination_due    , terminated , record_termination                          , none             >,
  Row< live       , expiry_due         , terminated , record_expiry                               , none             >,
  Row< live       , renewed            , none       , rule<&rules::renew>                         , none             >,
  Row< live       , period_reported    , none       , rule<&rules::report_period>                 , none             >,
  Row< live       , incident_reported  , none       , rule<&rules::report_incident>               , none             >,
  Row< live       , incident_remediated, none       , rule<&rules::remediate_incident>            , none             >,
  Row< live       , audit_completed    , none       , rule<&rules::complete_audit>                , none             >,
  Row< live       , audit_remediated   , none       , rule<&rules::remediate_audit>               , none             >,
  Row< live       , breach_notice      , none       , rule<&rules::serve_breach_notice>           , none             >,
  Row< live       , breach_cured       , none       , rule<&rules::cure_breach>                   , none             >,
  Row< live       , breach_waived      , none       , rule<&rules::waive_breach>                  , none             >,
  Row< live       , invoice_issued     , none       , rule<&rules::issue_invoice>                 , none             >,
  Row< live       , invoice_paid       , none       , rule<&rules::pay_invoice>                   , none             >,
  Row< live       , fm_declared        , none       , rule<&rules::declare_force_majeure>         , none             >,
  Row< live       , fm_ended           , none       , rule<&rules::end_force_majeure>             , none             >,
  Row< live       , termination_notice , none       , rule<&rules::serve_termination_notice>      , none             >,
  Row< live       , notice_withdrawn   , none       , rule<&rules::withdraw_termination_notice>   , none             >,
  Row< live       , termination_agreed , none       , rule<&rules::agree_termination>             , none             >
  > {};
  // clang-format on

  // Any other (state, event) pair: a typed rejection, never an assert.
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm& fsm, int) {
    fsm.verdict = fsm.data->state == lifecycle::terminated
                      ? ev::rejection{ev::rejection_code::contract_terminated, "the contract is terminated"}
                      : ev::rejection{ev::rejection_code::invalid_state,
                                      "not allowed while the contract is " + std::string(to_string(fsm.data->state))};
  }
};

#if PACTUM_CHECK_INVARIANTS
// Everything a snapshot keeps: the whole state, deterministically.
std::string state_fingerprint(const contract_state& c) { return snapshot_of(c).dump(); }
#endif

} // namespace

// The table's shape, checked at compile time: every event is listed under one
// source state only (the live events once, on `live`), so a rule is never
// written twice.
namespace table_check {

namespace mp = boost::mp11;

template <class... Rows>
mp::mp_list<Rows...> rows_of(const boost::mpl::vector<Rows...>*);
template <class Table>
using rows = mp::mp_remove<decltype(rows_of(static_cast<const Table*>(nullptr))), boost::mpl::na>;

template <class R>
struct parts;
template <class Source, class Event, class Target, class Action, class Guard>
struct parts<Row<Source, Event, Target, Action, Guard>> {
  using source = Source;
  using event = Event;
  using target = Target;
  using action = Action;
  using guard = Guard;
};
template <class R>
using source_of = typename parts<R>::source;
template <class R>
using event_of = typename parts<R>::event;

template <class Table>
struct one_source_per_event {
  template <class Event>
  struct listed_for {
    template <class R>
    using fn = std::is_same<event_of<R>, Event>;
  };
  template <class Event>
  using sources = mp::mp_unique<mp::mp_transform<source_of, mp::mp_copy_if_q<rows<Table>, listed_for<Event>>>>;
  template <class Event>
  using once = mp::mp_bool<mp::mp_size<sources<Event>>::value == 1>;
  static constexpr bool value = mp::mp_all_of<mp::mp_unique<mp::mp_transform<event_of, rows<Table>>>, once>::value;
};

static_assert(one_source_per_event<contract_machine_::transition_table>::value,
              "an event is listed under two source states: write it once (a live event on `live`)");
static_assert(one_source_per_event<live_::transition_table>::value);

} // namespace table_check

// The tables by name (lifecycle_table(), `pactumctl diagram`): each part of a
// row named from its type.
namespace table_names {

namespace mp = boost::mp11;

// The unqualified name of a type: "...::contract_machine_::record_signature"
// -> "record_signature"; a trailing underscore (signed_) dropped.
std::string leaf(const std::type_info& type) {
  std::string name = boost::core::demangle(type.name());
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '<') ++depth;
    else if (name[i] == '>') --depth;
    else if (depth == 0 && name.compare(i, 2, "::") == 0) start = i + 2;
  }
  name.erase(0, start);
  if (name.size() > 1 && name.back() == '_') name.pop_back();
  return name;
}

template <class T>
struct name {
  static std::string get() { return leaf(typeid(T)); }
};
template <>
struct name<none> {
  static std::string get() { return {}; }
};
template <>
struct name<live> {
  static std::string get() { return "live"; }
};
// A catalogue event by its CloudEvents type without "pactum." and the version.
template <class Data>
struct name<command<Data>> {
  static std::string get() {
    std::string_view type = Data::type_name;
    type.remove_prefix(std::string_view("pactum.").size());
    return std::string(type.substr(0, type.rfind('.')));
  }
};
template <class A, class B>
struct name<And_<A, B>> {
  static std::string get() { return name<A>::get() + " && " + name<B>::get(); }
};
template <class A>
struct name<Not_<A>> {
  static std::string get() { return "!" + name<A>::get(); }
};
template <class Sequence>
struct name<msmf::ActionSequence_<Sequence>> {
  static std::string get() {
    std::string out;
    mp::mp_for_each<mp::mp_transform<mp::mp_identity, table_check::rows<Sequence>>>([&](auto step) {
      out += (out.empty() ? "" : ", ") + name<typename decltype(step)::type>::get();
    });
    return out;
  }
};
// A rule by the function it calls: rule<&rules::renew> -> "renew".
template <auto Rule>
struct name<contract_machine_::rule<Rule>> {
  static std::string get() {
    const std::string text = boost::core::demangle(typeid(contract_machine_::rule<Rule>).name());
    const std::size_t close = text.rfind('>');
    const std::size_t start = text.rfind("::", close) + 2;
    return text.substr(start, close - start);
  }
};

template <class Table>
void append(const std::string& machine, std::vector<lifecycle_row>& out) {
  mp::mp_for_each<mp::mp_transform<mp::mp_identity, table_check::rows<Table>>>([&](auto row) {
    using r = table_check::parts<typename decltype(row)::type>;
    out.push_back({machine, name<typename r::source>::get(), name<typename r::event>::get(), name<typename r::target>::get(),
                   name<typename r::action>::get(), name<typename r::guard>::get()});
  });
}

} // namespace table_names

std::vector<lifecycle_row> lifecycle_table() {
  std::vector<lifecycle_row> rows;
  table_names::append<contract_machine_::transition_table>("contract", rows);
  table_names::append<live_::transition_table>("live", rows);
  return rows;
}

struct contract::machine : boost::msm::back::state_machine<contract_machine_> {};

contract::contract(contract_state data) : data_(std::move(data)), machine_(std::make_unique<machine>()) {
  machine_->data = &data_;
}

contract::~contract() = default;

events::result<std::unique_ptr<contract>> contract::draft(const events::event& e) {
  if (e.expected_version && *e.expected_version != 0)
    return events::rejection{events::rejection_code::version_conflict,
                             "expectedversion " + std::to_string(*e.expected_version) + " but the contract does not exist (version 0)"};
  const auto& drafted = std::get<events::contract_drafted>(e.data);
  auto terms = drafted.check();
  if (!terms) return std::move(terms.error());
  contract_state data;
  data.contract_id = e.subject;
  data.version = 1;
  data.stream_time = e.time;
  data.terms = std::move(terms.value());
  data.terms_json = drafted.terms;
  data.seen.insert(e.source, e.id);
  std::unique_ptr<contract> c(new contract(std::move(data)));
  c->machine_->start();
  return c;
}

std::unique_ptr<contract> contract::restore(contract_state data) {
  const lifecycle at = data.state;
  std::unique_ptr<contract> c(new contract(std::move(data)));
  c->machine_->start();
  switch (at) {
  case lifecycle::draft: break;
  case lifecycle::signed_:
  case lifecycle::in_breach:
    c->machine_->process_event(resume_live{});
    c->follow_breaches(); // in_breach exactly while a breach is open or uncured
    break;
  case lifecycle::terminated: c->machine_->process_event(resume_terminated{}); break;
  }
  return c;
}

outcome contract::handle(const events::event& e) {
  fire_due(e.time); // step 1
  data_.stream_time = std::max(data_.stream_time, e.time);
  const seen_events::key identity(data_.seen, e.source, e.id); // hashed once
  outcome result = data_.seen.contains(identity) ? outcome::duplicate() : decide(e, identity); // steps 2-4
  fire_due(data_.stream_time); // step 5
  return result;
}

outcome contract::decide(const events::event& e, const seen_events::key& identity) {
  using events::rejection;
  using events::rejection_code;
  if (const auto* reached = std::get_if<events::deadline_reached>(&e.data)) {
    // Skips checks 4-7: its deadline has fired in step 1 if it was due (section 15).
    data_.seen.insert(identity);
    const auto due = data_.deadlines.due_of(reached->deadline_id);
    if (!is_live(data_.state) || !due) return outcome::duplicate();
    return outcome::rejected(rejection{rejection_code::deadline_not_due,
                                       "/data/deadline_id: " + reached->deadline_id + " is due at " +
                                           events::format_timestamp(*due) + ", after the stream time " +
                                           events::format_timestamp(data_.stream_time)});
  }
  if (data_.state == lifecycle::terminated) {
    data_.seen.insert(identity);
    return outcome::rejected(rejection{rejection_code::contract_terminated, "the contract is terminated"});
  }
  if (e.expected_version && *e.expected_version != data_.version)
    return outcome::rejected(rejection{rejection_code::version_conflict,
                                       "/expectedversion: " + std::to_string(*e.expected_version) +
                                           " but the contract is at version " + std::to_string(data_.version)});
  data_.seen.insert(identity);
  if (e.type() == events::event_type::contract_drafted)
    return outcome::rejected(rejection{rejection_code::contract_exists, "/subject: contract " + data_.contract_id + " already exists"});

  machine_->verdict.reset();
#if PACTUM_CHECK_INVARIANTS
  const std::string before = state_fingerprint(data_);
#endif
  std::visit(
      [this, &e](const auto& data) {
        using data_type = std::decay_t<decltype(data)>;
        if constexpr (!std::is_same_v<data_type, events::contract_drafted> &&
                      !std::is_same_v<data_type, events::deadline_reached>)
          machine_->process_event(command<data_type>{e, data});
      },
      e.data);
  if (machine_->verdict) {
#if PACTUM_CHECK_INVARIANTS
    // A rejected event changes nothing (its identity is remembered before the
    // machine sees it): a bug if it did, so stop here, loudly.
    if (state_fingerprint(data_) != before) {
      std::fprintf(stderr, "pactum invariant broken: the rejected event %s (%s) of %s changed the contract's state\n",
                   e.id.c_str(), std::string(events::to_string(machine_->verdict->code)).c_str(), data_.contract_id.c_str());
      std::abort();
    }
#endif
    return outcome::rejected(std::move(*machine_->verdict));
  }
  ++data_.version;
  follow_breaches();
  return outcome::accepted();
}

// signed <-> in_breach follows whether any breach is open or uncured.
void contract::follow_breaches() {
  const bool active = data_.has_active_breach();
  if (data_.state == lifecycle::signed_ && active) machine_->process_event(breach_opened{});
  else if (data_.state == lifecycle::in_breach && !active) machine_->process_event(breaches_closed{});
}

void contract::fire_due(timestamp limit) {
  // Each firing applies before the next is chosen; firings may add deadlines.
  while (auto node = data_.deadlines.pop_due(limit)) {
    const auto& [key, d] = *node;
    switch (d.kind) {
    case deadline_kind::termination: machine_->process_event(termination_due{key.due}); break;
    case deadline_kind::expiry: machine_->process_event(expiry_due{key.due}); break;
    case deadline_kind::cure:
    case deadline_kind::invoice_due:
    case deadline_kind::force_majeure: rules::fire(data_, key, d); break;
    }
    follow_breaches();
  }
}

void contract::advance_to(timestamp now) {
  fire_due(now);
  data_.stream_time = std::max(data_.stream_time, now);
}

} // namespace pactum::statemachine
