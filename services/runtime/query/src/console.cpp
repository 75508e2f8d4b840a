#include "pactum/runtime/console.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace pactum::runtime {
namespace {

constexpr std::string_view prefix = "/ui/";

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> content_types{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
}};

// Nothing from another origin, nothing inline: the page's script and style are
// files of this listener, and it talks to this listener's API only.
constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string_view content_type_of(std::string_view name) {
  for (const auto& [suffix, type] : content_types)
    if (name.ends_with(suffix)) return type;
  return "application/octet-stream";
}

void secure(http_response& r) {
  r.headers.emplace_back("Content-Security-Policy", content_security_policy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  // The files change with the binary: revalidate rather than serve a stale page.
  r.headers.emplace_back("Cache-Control", "no-cache");
}

} // namespace

http_response console_response(std::string_view path) {
  if (path == "/ui") {
    http_response r;
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "/ui/\n";
    r.headers.emplace_back("Location", std::string(prefix));
    secure(r);
    return r;
  }
  std::string_view name = path.starts_with(prefix) ? path.substr(prefix.size()) : std::string_view{};
  if (path == prefix) name = "index.html";
  const auto assets = console_assets();
  const auto it = std::find_if(assets.begin(), assets.end(), [&](const console_asset& a) { return a.name == name; });
  if (name.empty() || it == assets.end())
    return problem(404, "not-found", "Not Found", "no console page or file at this path", path);
  http_response r;
  r.content_type = content_type_of(name);
  r.body = it->body;
  secure(r);
  return r;
}

} // namespace pactum::runtime
