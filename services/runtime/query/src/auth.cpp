#include "pactum/runtime/auth.hpp"

#include "pactum/runtime/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <optional>
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

std::string stamp_of(const struct stat& st) {
  return std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) + ':' + std::to_string(st.st_size) + ':' +
         std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec);
}

// The current version's stamp; empty when the file is not there (or cannot be stat'ed).
std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return stamp_of(st);
}

// The file's text and the stamp of the version read; empty when it cannot be read.
std::optional<std::pair<std::string, std::string>> read_file(const std::string& path, int& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno;
    return std::nullopt;
  }
  struct stat st {};
  std::string text;
  bool ok = ::fstat(fd, &st) == 0;
  if (!ok) error = errno;
  char buffer[4096];
  while (ok) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      ok = false;
      break;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  return std::make_pair(std::move(text), stamp_of(st));
}

} // namespace

parsed_tokens parse_tokens(std::string_view text) {
  parsed_tokens out;
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
    token_entry entry{std::string(token), {}};
    if (role_text.empty()) {
      out.errors.push_back(where + "expected `<token> <role>`");
    } else if (token.size() < 16) {
      out.errors.push_back(where + "a token must be at least 16 characters");
    } else if (role_text == "admin") {
      entry.granted.admin = true;
      out.entries.push_back(std::move(entry));
    } else if (role_text.starts_with("party:") && role_text.size() > 6 &&
               role_text.find_first_of(" \t") == std::string_view::npos) {
      entry.granted.party = std::string(role_text.substr(6));
      out.entries.push_back(std::move(entry));
    } else {
      out.errors.push_back(where + "the role must be `admin` or `party:<id>`");
    }
  }
  return out;
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

token_file::token_file(std::string path, error_sink on_error, std::chrono::milliseconds recheck)
    : path_(std::move(path)), on_error_(std::move(on_error)), recheck_(recheck), checked_(std::chrono::steady_clock::now()) {
  if (!load()) throw std::runtime_error("cannot read the tokens file " + path_ + " (--api-tokens)");
}

std::shared_ptr<const token_table> token_file::current() {
  const std::lock_guard lock(mutex_);
  reload_if_changed();
  return table_;
}

void token_file::report(std::string_view event, const std::string& detail) {
  // Every failure counts; the log says each problem once, not at every retry.
  if (on_error_) on_error_();
  if (detail == last_problem_) return;
  last_problem_ = detail;
  log_line(log_level::error, event, {{"path", path_}, {"detail", detail}});
}

bool token_file::load() {
  int error = 0;
  auto text = read_file(path_, error);
  if (!text) {
    // Fail closed: what the file grants now is unknown, so nothing is granted
    // until it is read; stamp_ stays empty, so the next check reads again.
    table_ = std::make_shared<const token_table>(std::vector<token_entry>{});
    stamp_.clear();
    report(error == ENOENT ? "tokens_file_missing" : "tokens_reload_failed",
           "cannot read the tokens file (" + std::string(std::strerror(error)) + "); no token is accepted until it is read");
    return false;
  }
  parsed_tokens parsed = parse_tokens(text->first);
  for (const auto& line_error : parsed.errors) report("tokens_line_refused", line_error + "; the line grants nothing");
  if (parsed.errors.empty()) last_problem_.clear();
  table_ = std::make_shared<const token_table>(std::move(parsed.entries));
  stamp_ = std::move(text->second);
  log_line(log_level::info, "tokens_loaded", {{"tokens", std::to_string(table_->size())}});
  return true;
}

void token_file::reload_if_changed() {
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_ < recheck_) return;
  checked_ = now;
  if (!stamp_.empty() && file_stamp(path_) == stamp_) return;
  (void)load();
}

} // namespace pactum::runtime
