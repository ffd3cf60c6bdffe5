// http/http_fetch.h — a minimal HTTP/1.1 client for `sundial restore http://...`: one GET, the
// response body read as a stream (Content-Length, chunked, or until the server closes).
//
// Plain HTTP only (no TLS library is linked): for https, fetch with curl and pipe into
// `sundial restore -`. Credentials come from the URL (`http://user:pass@host:9000/backup`) and
// go as HTTP Basic. Errors: InvalidArgument for a URL this client cannot use; IOError for
// connect/read failures and for a body that ends before its declared end (a cut stream: a
// missing final chunk or fewer bytes than Content-Length); a status other than 200 is an
// error naming it with the start of the body. Reads block, each for at most `timeout_ms`.
// Not thread-safe: one reader per response.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace sundial::http {

class HttpBodyReader {
 public:
  virtual ~HttpBodyReader() = default;
  // Up to n bytes of the body; 0 at its end.
  virtual core::Result<size_t> Read(char* buf, size_t n) = 0;
};

core::Result<std::unique_ptr<HttpBodyReader>> HttpGet(const std::string& url,
                                                      int64_t timeout_ms = 300'000);

}  // namespace sundial::http
