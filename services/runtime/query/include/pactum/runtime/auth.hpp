// Who may ask the query API what: bearer tokens from a file (a mounted
// Kubernetes Secret), each mapped to a role. Tokens are compared in constant
// time and never logged.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pactum::runtime {

// `admin` sees every contract; a party sees only contracts where its id is the
// client or the vendor.
struct role {
  bool admin = false;
  std::string party; // when not admin

  [[nodiscard]] bool may_see(std::string_view client_id, std::string_view vendor_id) const {
    return admin || party == client_id || party == vendor_id;
  }
};

struct token_entry {
  std::string token;
  role granted;
};

// The tokens file: one `<token> <role>` per line, role `admin` or
// `party:<id>`; blank lines and lines starting with `#` are ignored. A line that
// does not parse grants nothing; `errors` names each such line (never the token).
struct parsed_tokens {
  std::vector<token_entry> entries;
  std::vector<std::string> errors;
};
[[nodiscard]] parsed_tokens parse_tokens(std::string_view text);

// Equal in time that depends only on the length of `presented`.
[[nodiscard]] bool constant_time_equal(std::string_view presented, std::string_view expected);

class token_table {
public:
  explicit token_table(std::vector<token_entry> entries);

  // The role of the `Authorization` header's bearer token, if any matches.
  [[nodiscard]] std::optional<role> authenticate(std::string_view authorization) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

private:
  std::vector<token_entry> entries_;
};

// A token table that follows its file (a mounted Secret), failing closed: the
// table served is always exactly what the file's current version grants. It is
// checked at most once per `recheck`; a changed file is re-read; a line that
// does not parse grants nothing; a deleted file grants nothing; a file that
// cannot be read (e.g. no file descriptors left) grants nothing and is read
// again at the next check until it is read. Each problem is logged (never the
// token) and reported to `on_error` (the metrics' counter).
class token_file {
public:
  using error_sink = std::function<void()>;

  // Throws std::runtime_error when the file cannot be read at start.
  explicit token_file(std::string path, error_sink on_error = {},
                      std::chrono::milliseconds recheck = std::chrono::seconds(1));

  [[nodiscard]] std::shared_ptr<const token_table> current();

private:
  // Reads the file; false (and an empty table) when it cannot be read.
  bool load();
  void reload_if_changed();
  void report(std::string_view event, const std::string& detail);

  std::string path_;
  error_sink on_error_;
  std::chrono::milliseconds recheck_;
  std::mutex mutex_;
  std::shared_ptr<const token_table> table_;
  std::chrono::steady_clock::time_point checked_{};
  std::string stamp_; // the version the table was read from (inode, size, mtime); empty: none
  std::string last_problem_; // logged once until it changes
};

} // namespace pactum::runtime
