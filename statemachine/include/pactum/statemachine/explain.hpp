// Spec section 16's explanation: every figure of a contract's view with the
// records it came from (by source and id), the terms members it was computed
// from (JSON pointers into the contract's terms) and the computation in one
// sentence.
//
// Provenance by replay: the contract's records are applied one at a time and
// the view's figures (those of its three parts) compared before and after
// each accepted record; a
// record is in a figure's basis when it set or changed the figure (or, for a
// whole breach, ground or invoice, any member of it). Figures that the clock
// moves (`advance_to`, as of an instant) name no record for that change.
#pragma once

#include "pactum/events/decode.hpp"
#include "pactum/statemachine/replay.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pactum::statemachine {

class explanation_builder {
public:
  explicit explanation_builder(std::string contract_id);

  // The contract's next record, in log order (another contract's record
  // changes none of its figures, so it is in no basis).
  outcome feed(std::int64_t offset, events::decoded decoded);
  // The clock (as of an instant, spec section 16).
  void advance_to(timestamp now);

  // The explanation as JSON: {"contract_id","version","as_of","figures":[{"path",
  // "value","basis":[{"source","id","type","time"}],"terms":[pointer...],
  // "because"}]}; empty when the contract does not exist (yet).
  [[nodiscard]] std::optional<std::string> render_json(const std::optional<timestamp>& as_of = std::nullopt) const;
  // The same for a person in a terminal: each figure, its sentence, its records
  // and its terms members with their values.
  [[nodiscard]] std::optional<std::string> render_text(const std::optional<timestamp>& as_of = std::nullopt) const;

private:
  struct record_ref {
    std::string source;
    std::string id;
    std::string type;
    timestamp time;
  };
  void attribute(std::optional<std::size_t> record);

  std::string contract_id_;
  replay_session session_;
  std::vector<record_ref> records_;                          // the accepted ones, in order
  // Per part of the view (termination, liability, settlement): its text and
  // its figures, identity key -> value as JSON text.
  struct part_figures {
    std::string text;
    std::map<std::string, std::string> figures;
  };
  std::array<part_figures, 3> parts_;
  std::map<std::string, std::vector<std::size_t>> basis_;    // identity key -> records that set or changed it
};

} // namespace pactum::statemachine
