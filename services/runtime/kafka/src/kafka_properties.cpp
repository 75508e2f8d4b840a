#include "pactum/runtime/kafka_properties.hpp"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pactum::runtime {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The logical lines: comments and blank lines dropped, continuations joined
// (the next line's leading blanks removed), as java.util.Properties does.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  bool continuing = false;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (!continuing && (line.empty() || line.front() == '#' || line.front() == '!')) continue;
    std::size_t backslashes = 0;
    while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
    const bool continues = backslashes % 2 == 1;
    current.append(line.substr(0, continues ? line.size() - 1 : line.size()));
    continuing = continues;
    if (!continues) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (continuing) out.push_back(std::move(current));
  return out;
}

// Unescapes key or value text; `stop_at_separator` ends at an unescaped `=`,
// `:` or blank (the key). Returns the position after what was read.
std::size_t unescape(std::string_view line, std::size_t i, bool stop_at_separator, std::string& out) {
  while (i < line.size()) {
    const char c = line[i];
    if (stop_at_separator && (c == '=' || c == ':' || is_blank(c))) return i;
    if (c != '\\' || i + 1 == line.size()) {
      out += c;
      ++i;
      continue;
    }
    const char e = line[i + 1];
    i += 2;
    switch (e) {
    case 't': out += '\t'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    case 'f': out += '\f'; break;
    case 'u': {
      unsigned cp = 0;
      std::size_t digits = 0;
      for (; digits < 4 && i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])); ++digits, ++i)
        cp = cp * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(line[i]))
                                                 ? line[i] - '0'
                                                 : std::tolower(static_cast<unsigned char>(line[i])) - 'a' + 10);
      if (digits != 4) throw std::invalid_argument("a \\u escape needs four hex digits");
      append_utf8(out, cp);
      break;
    }
    default: out += e; break; // \\ \= \: \# \! and an escaped blank stand for themselves
    }
  }
  return i;
}

} // namespace

kafka_properties parse_java_properties(std::string_view text, std::string_view source) {
  kafka_properties out;
  std::size_t n = 0;
  for (const std::string& line : logical_lines(text)) {
    ++n;
    std::string key;
    std::string value;
    try {
      std::size_t i = unescape(line, 0, true, key);
      while (i < line.size() && is_blank(line[i])) ++i;
      if (i < line.size() && (line[i] == '=' || line[i] == ':')) ++i;
      while (i < line.size() && is_blank(line[i])) ++i;
      unescape(line, i, false, value);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string(source) + ": property " + std::to_string(n) + ": " + e.what());
    }
    if (key.empty()) throw std::runtime_error(std::string(source) + ": property " + std::to_string(n) + " has no key");
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

kafka_properties read_kafka_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the Kafka config file " + path + " (--kafka-config)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_java_properties(text.str(), path);
}

kafka_properties kafka_properties_from_environment(char** environment) {
  static constexpr std::string_view prefix = "PACTUM_KAFKA_";
  kafka_properties out;
  for (char** e = environment; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (!entry.starts_with(prefix) || eq == std::string_view::npos || eq == prefix.size()) continue;
    std::string key(entry.substr(prefix.size(), eq - prefix.size()));
    for (char& c : key) c = c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(std::move(key), std::string(entry.substr(eq + 1)));
  }
  return out;
}

} // namespace pactum::runtime
