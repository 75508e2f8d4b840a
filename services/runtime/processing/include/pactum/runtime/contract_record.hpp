// How one contract is stored: in the local contract store (contract_store.hpp)
// and, wrapped with its partition and offset, on the snapshots topic; one
// encoding for both. Tagged fields (contract_record.cpp): a field cannot shift
// when the state gains one, enums are stored by name (stored_names.hpp), and
// the format byte says which version it is. tests/fixtures/state holds a
// golden record of each version this build reads (docs/decisions.md,
// "Snapshots").
#pragma once

#include "pactum/statemachine/contract_state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pactum::runtime {

// FNV-1a, 64 bits (a specified hash: the same digest on every build and
// platform, unlike std::hash), of a projection's text: whether it changed.
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The digests of the termination and liability projections last emitted.
struct projection_digests {
  std::uint64_t termination = 0;
  std::uint64_t liability = 0;
  friend bool operator==(const projection_digests&, const projection_digests&) = default;
};

struct contract_record {
  statemachine::contract_state state;
  projection_digests emitted;
};

[[nodiscard]] std::string encode_contract_record(const statemachine::contract_state& state, projection_digests emitted);
// Empty when the bytes are not a record of this build's format.
[[nodiscard]] std::optional<contract_record> decode_contract_record(std::string_view bytes);

// A snapshots-topic record: a contract record as of `next_offset` of its
// events partition.
struct snapshot_record {
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;
  std::string record; // encode_contract_record's bytes
};

[[nodiscard]] std::string encode_snapshot_record(std::int32_t partition, std::int64_t next_offset, std::string_view record);
[[nodiscard]] std::optional<snapshot_record> decode_snapshot_record(std::string_view bytes);

// When a contract's earliest pending deadline is due (the store's index).
[[nodiscard]] std::optional<std::int64_t> earliest_due(const statemachine::contract_state& state);

} // namespace pactum::runtime
