#include "pactum/runtime/auth.hpp"

#include "pactum/runtime/log.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pactum::runtime {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_ino) + ':' + std::to_string(st.st_size) + ':' + std::to_string(st.st_mtim.tv_sec) + '.' +
         std::to_string(st.st_mtim.tv_nsec);
}

std::shared_ptr<const token_table> read_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read the tokens file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return std::make_shared<const token_table>(parse_tokens(text.str()));
}

} // namespace

std::vector<token_entry> parse_tokens(std::string_view text) {
  std::vector<token_entry> entries;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t cut = 0;
    while (cut < line.size() && !is_space(line[cut])) ++cut;
    const std::string_view token = line.substr(0, cut);
    const std::string_view role_text = trim(line.substr(cut));
    const auto where = "tokens file line " + std::to_string(line_no) + ": ";
    if (role_text.empty()) throw std::invalid_argument(where + "expected `<token> <role>`");
    if (token.size() < 16) throw std::invalid_argument(where + "a token must be at least 16 characters");
    token_entry entry{std::string(token), {}};
    if (role_text == "admin") {
      entry.granted.admin = true;
    } else if (role_text.starts_with("party:") && role_text.size() > 6 &&
               role_text.find_first_of(" \t") == std::string_view::npos) {
      entry.granted.party = std::string(role_text.substr(6));
    } else {
      throw std::invalid_argument(where + "the role must be `admin` or `party:<id>`");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

bool constant_time_equal(std::string_view presented, std::string_view expected) {
  // Every byte of `presented` is compared with some byte of `expected`, so the
  // time does not reveal how long a matching prefix was, nor the secret's length.
  unsigned diff = presented.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < presented.size(); ++i) {
    const unsigned char e = expected.empty() ? 0 : static_cast<unsigned char>(expected[i % expected.size()]);
    diff |= static_cast<unsigned char>(presented[i]) ^ e;
  }
  return diff == 0 && !expected.empty();
}

token_table::token_table(std::vector<token_entry> entries) : entries_(std::move(entries)) {}

std::optional<role> token_table::authenticate(std::string_view authorization) const {
  authorization = trim(authorization);
  const auto space = authorization.find(' ');
  if (space == std::string_view::npos || !iequals(authorization.substr(0, space), "bearer")) return std::nullopt;
  const std::string_view presented = trim(authorization.substr(space + 1));
  if (presented.empty()) return std::nullopt;
  // No early exit: every token is compared, whichever matches.
  const token_entry* match = nullptr;
  for (const auto& entry : entries_)
    if (constant_time_equal(presented, entry.token) && match == nullptr) match = &entry;
  if (match == nullptr) return std::nullopt;
  return match->granted;
}

token_file::token_file(std::string path, std::chrono::milliseconds recheck)
    : path_(std::move(path)), recheck_(recheck), table_(read_table(path_)), checked_(std::chrono::steady_clock::now()),
      stamp_(file_stamp(path_)) {}

std::shared_ptr<const token_table> token_file::current() {
  const std::lock_guard lock(mutex_);
  reload_if_changed();
  return table_;
}

void token_file::reload_if_changed() {
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_ < recheck_) return;
  checked_ = now;
  std::string stamp = file_stamp(path_);
  if (stamp == stamp_) return;
  try {
    table_ = read_table(path_);
    stamp_ = std::move(stamp);
    log_line(log_level::info, "tokens_reloaded", {{"tokens", std::to_string(table_->size())}});
  } catch (const std::exception& e) {
    stamp_ = std::move(stamp); // do not retry the same broken version every request
    log_line(log_level::error, "tokens_reload_failed", {{"error", e.what()}});
  }
}

} // namespace pactum::runtime
