// Where a local RocksDB database lives and how much memory it may take
// (local_db.hpp opens it).
#pragma once

#include <cstddef>
#include <string>

namespace pactum::runtime {

struct local_db_options {
  // Where the database lives; empty: a fresh private directory, removed when
  // the database is closed (nothing survives a restart).
  std::string directory;
  std::size_t cache_mb = 128; // the block cache; the memtables take a quarter of it more
};

} // namespace pactum::runtime
