// The lifecycle drawn from the Boost.MSM tables themselves (lifecycle_table()):
// `pactumctl diagram`, docs/state-machine.svg.
#pragma once

#include <cstdint>
#include <string>

namespace pactum::statemachine {

enum class diagram_format : std::uint8_t { dot, mermaid };

// Every row of the tables: a state change as an arrow, an internal
// transition (the state stays) as a loop or, inside a submachine, a line of
// its box; each labelled "event [guard] / action".
[[nodiscard]] std::string lifecycle_diagram(diagram_format format);

} // namespace pactum::statemachine
