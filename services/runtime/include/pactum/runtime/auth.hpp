// Who may ask the query API what: bearer tokens from a file (a mounted
// Kubernetes Secret), each mapped to a role. Tokens are compared in constant
// time and never logged.
#pragma once

#include <chrono>
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
// `party:<id>`; blank lines and lines starting with `#` are ignored.
// Throws std::invalid_argument naming the line (never the token) when malformed.
[[nodiscard]] std::vector<token_entry> parse_tokens(std::string_view text);

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

// A token table that follows its file: re-read when the file changes (a
// Secret's rotation), checked at most once per `recheck`. A file that no
// longer parses keeps the previous table (and is logged, without its contents).
class token_file {
public:
  explicit token_file(std::string path, std::chrono::milliseconds recheck = std::chrono::seconds(2));

  [[nodiscard]] std::shared_ptr<const token_table> current();

private:
  void reload_if_changed();

  std::string path_;
  std::chrono::milliseconds recheck_;
  std::mutex mutex_;
  std::shared_ptr<const token_table> table_;
  std::chrono::steady_clock::time_point checked_{};
  std::string stamp_; // what identifies the file's version (inode, size, mtime)
};

} // namespace pactum::runtime
