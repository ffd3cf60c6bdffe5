// http/http_request.h — an incremental HTTP/1.1 request parser. Bytes are fed as they arrive
// (any split); the parser copies the head and the (de-chunked) body into the request, bounded
// by the limits, and reports an HTTP status for malformed or oversized input. It never reads
// outside what it was given and never asserts on input. Not thread-safe; one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sundial::http {

struct HttpRequest {
  std::string method;  // upper-case as sent
  std::string target;  // raw request target ("/exec?query=...")
  std::string path;    // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> params;   // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  int version_minor = 1;  // HTTP/1.x
  bool keep_alive = true;

  // First value of a query parameter / header (header name lower-case), or nullptr.
  const std::string* Param(std::string_view name) const;
  const std::string* Header(std::string_view name) const;
};

struct RequestLimits {
  size_t max_header_bytes = 64 * 1024;   // request line + headers; beyond → 431
  size_t max_body_bytes = 100 << 20;     // beyond → 413
};

class RequestParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit RequestParser(RequestLimits limits) : limits_(limits) {}

  // Consumes bytes from [data, data+len) and sets *consumed. Stops right after a complete
  // request (the rest belongs to the next, pipelined one). On kError, error_status() and
  // error_message() say why (400, 413, 431, 501, 505).
  State Feed(const char* data, size_t len, size_t* consumed);
  // Starts over for the next request on the same connection.
  void Reset();

  HttpRequest& request() { return req_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // True once the head is parsed and the client asked for "Expect: 100-continue" with a body
  // still to come; the server answers "100 Continue" once (see MarkContinueSent()).
  bool wants_continue() const { return expects_continue_ && !continue_sent_ && phase_ != Phase::kHead && phase_ != Phase::kDone; }
  void MarkContinueSent() { continue_sent_ = true; }
  bool head_complete() const { return phase_ != Phase::kHead; }
  bool started() const { return !head_.empty() || phase_ != Phase::kHead; }

 private:
  enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailer, kDone };
  State Fail(int status, std::string message);
  State ParseHead();

  RequestLimits limits_;
  HttpRequest req_;
  Phase phase_ = Phase::kHead;
  std::string head_;
  std::string line_;  // chunk-size / trailer line being assembled
  size_t body_remaining_ = 0;
  bool expects_continue_ = false;
  bool continue_sent_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

// Percent-decoding ('+' becomes space when `plus_is_space`). Invalid escapes are kept as is.
std::string PercentDecode(std::string_view s, bool plus_is_space);
// Parses "a=1&b=2" into decoded pairs.
void ParseQueryString(std::string_view qs, std::vector<std::pair<std::string, std::string>>* out);

}  // namespace sundial::http
