// The lifecycle as the Boost.MSM tables say it, by name, and drawn whole.
#include "pactum/statemachine/contract.hpp"
#include "pactum/statemachine/diagram.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pactum::statemachine {
namespace {

bool has_row(const std::vector<lifecycle_row>& rows, const lifecycle_row& want) {
  return std::any_of(rows.begin(), rows.end(), [&](const lifecycle_row& r) {
    return r.machine == want.machine && r.source == want.source && r.event == want.event && r.target == want.target &&
           r.action == want.action && r.guard == want.guard;
  });
}

TEST(Lifecycle, TheTableIsReadFromTheMachineByName) {
  const auto rows = lifecycle_table();
  EXPECT_EQ(rows.size(), 27U); // 25 rows in the outer table, 2 in live's: a new row shows here and in docs/
  EXPECT_TRUE(has_row(rows, {"contract", "draft", "contract.withdrawn", "terminated", "record_withdrawal", ""}));
  EXPECT_TRUE(has_row(rows, {"contract", "draft", "contract.signed", "live", "record_signature, complete_signing",
                             "!already_signed && completes_signing"}));
  EXPECT_TRUE(has_row(rows, {"contract", "live", "invoice.issued", "", "issue_invoice", ""}));
  EXPECT_TRUE(has_row(rows, {"contract", "live", "expiry_due", "terminated", "record_expiry", ""}));
  EXPECT_TRUE(has_row(rows, {"live", "signed", "breach_opened", "in_breach", "", ""}));
  EXPECT_TRUE(has_row(rows, {"live", "in_breach", "breaches_closed", "signed", "", ""}));
}

TEST(Lifecycle, EveryRowIsDrawnInBothFormats) {
  const std::string dot = lifecycle_diagram(diagram_format::dot);
  const std::string mermaid = lifecycle_diagram(diagram_format::mermaid);
  for (const auto& r : lifecycle_table()) {
    std::string label = r.event;
    if (!r.guard.empty()) label += " [" + r.guard + "]";
    if (!r.action.empty()) label += " / " + r.action;
    EXPECT_NE(dot.find(label), std::string::npos) << label;
    EXPECT_NE(mermaid.find(r.source + " --> " + (r.target.empty() ? r.source : r.target) + " : " + label), std::string::npos)
        << label;
  }
  EXPECT_NE(dot.find("subgraph cluster_live"), std::string::npos);
  EXPECT_NE(mermaid.find("state live {"), std::string::npos);
}

} // namespace
} // namespace pactum::statemachine
