#include "versions.hpp"

#include <algorithm>
#include <array>

namespace pactum::events {
namespace detail {
namespace {

// ---- pactum.invoice.issued.v1: {invoice_id, period, amount} ----
struct invoice_issued_v1 {
  std::string invoice_id;
  period month;
  cents amount;
};

invoice_issued_v1 decode_invoice_issued_v1(field_reader& r) {
  invoice_issued_v1 v{};
  v.invoice_id = r.id("invoice_id");
  v.month = r.month("period");
  v.amount = r.money("amount");
  return v;
}

// v1 -> v2: not itemised (spec section 17). Fixed once written.
invoice_issued upcast(invoice_issued_v1 v1) { return {std::move(v1.invoice_id), v1.month, v1.amount, std::nullopt}; }

const std::array<older_decoder, 1> table{{
    {{"pactum.invoice.issued.v1", event_type::invoice_issued},
     [](field_reader& r) -> event_data { return upcast(decode_invoice_issued_v1(r)); }},
}};

} // namespace

const older_decoder* find_older_version(std::string_view type_name) {
  const auto it = std::find_if(table.begin(), table.end(), [&](const older_decoder& d) { return d.version.type_name == type_name; });
  return it == table.end() ? nullptr : &*it;
}

} // namespace detail

std::span<const older_version> older_versions() {
  static const auto versions = [] {
    std::array<older_version, detail::table.size()> out{};
    std::transform(detail::table.begin(), detail::table.end(), out.begin(), [](const auto& d) { return d.version; });
    return out;
  }();
  return versions;
}

} // namespace pactum::events
