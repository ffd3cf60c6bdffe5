// http/console.h — the web console: `GET /` (and `/index.html`) answers one self-contained page
// (http/console/index.html: HTML, CSS and JavaScript in one file, no external resources),
// embedded into the binary at build time by http/CMakeLists.txt. The page talks to the server
// through /exec and /settings only, so it sees exactly what any client sees (Basic auth,
// read-only mode, row limits).
//
// The page is public (it holds no data; its requests to /exec carry the credentials the user
// types in). Responses: 200 with a strong ETag (the SHA-256 of the page, so it changes with
// every build that changes the page) and `Cache-Control: no-cache` (browsers revalidate);
// 304 when If-None-Match names that ETag; 405 for methods other than GET and HEAD. A
// Content-Security-Policy keeps the page from loading anything or talking to any other origin.
// Thread-safe (the page is constant).
#pragma once

#include <string_view>

#include "http/http_server.h"

namespace sundial::http {

// True for the paths the console answers.
bool IsConsolePath(std::string_view path);
void HandleConsole(const HttpRequest& req, ResponseWriter& resp);

// The embedded page and its ETag (quoted), for tests.
std::string_view ConsolePage();
std::string_view ConsolePageEtag();

}  // namespace sundial::http
