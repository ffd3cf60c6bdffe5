#include "http/console.h"

#include <cstddef>

namespace sundial::http {

// Defined in the .cpp that http/CMakeLists.txt generates from http/console/index.html.
extern const unsigned char kConsolePage[];
extern const size_t kConsolePageSize;
extern const char kConsolePageEtag[];

namespace {

// Inline script and style only; requests to this origin only; no frames around the page.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 13.1.2).
bool MatchesEtag(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

std::string_view ConsolePage() {
  return {reinterpret_cast<const char*>(kConsolePage), kConsolePageSize};
}

std::string_view ConsolePageEtag() { return kConsolePageEtag; }

bool IsConsolePath(std::string_view path) { return path == "/" || path == "/index.html"; }

void HandleConsole(const HttpRequest& req, ResponseWriter& resp) {
  if (req.method != "GET" && req.method != "HEAD") {
    resp.AddHeader("Allow", "GET, HEAD");
    resp.Send(405, "text/plain", "Method Not Allowed");
    return;
  }
  resp.AddHeader("ETag", ConsolePageEtag());
  resp.AddHeader("Cache-Control", "no-cache");
  if (const std::string* inm = req.Header("if-none-match");
      inm != nullptr && MatchesEtag(*inm, ConsolePageEtag())) {
    resp.Send(304, "", "");
    return;
  }
  resp.AddHeader("Content-Security-Policy", kContentSecurityPolicy);
  resp.AddHeader("X-Content-Type-Options", "nosniff");
  resp.AddHeader("Referrer-Policy", "no-referrer");
  resp.Send(200, "text/html; charset=utf-8", ConsolePage());
}

}  // namespace sundial::http
