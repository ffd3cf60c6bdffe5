// http/http_request.h — an incremental HTTP/1.1 request parser. Bytes are fed as they arrive
// (any split); the parser copies the head and the (de-chunked) body into the request, bounded
// by the limits, and reports an HTTP status for malformed or oversized input. It never reads
// outside what it was given and never asserts on input. Not thread-safe; one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sundial::http {

// What a handler keeps between the calls of one streamed request (see HttpRequest::streamed).
struct RequestState {
  virtual ~RequestState() = default;
};

struct HttpRequest {
  std::string method;  // upper-case as sent
  std::string target;  // raw request target ("/exec?query=...")
  std::string path;    // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> params;   // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  int version_minor = 1;  // HTTP/1.x
  bool keep_alive = true;

  // A streamed request (the server decides at its head, see RequestParser::set_stream_if) is
  // handed to its handler part by part while the body arrives: `body_complete` is false on
  // those calls and `body` holds what arrived since, after what the handler left in it; the
  // handler erases what it has taken. The last call (body_complete) must respond. A handler
  // that responds on an earlier call ends the request: the rest of the body is read and
  // dropped, and the handler is not called again. `discard_body` drops the rest of the body
  // without ending the request (the last call still comes).
  bool streamed = false;
  bool body_complete = true;
  bool discard_body = false;
  std::unique_ptr<RequestState> state;  // the handler's, across the calls of one request

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
  // Decides, once a request's head is parsed, whether its body is streamed (see HttpRequest);
  // a streamed body starts in a buffer from `buffer` (when set), whose capacity is reused.
  void set_stream_if(std::function<bool(const HttpRequest&)> f,
                     std::function<std::string()> buffer = nullptr) {
    stream_if_ = std::move(f);
    stream_buffer_ = std::move(buffer);
  }

  HttpRequest& request() { return req_; }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // True once the head is parsed and the client asked for "Expect: 100-continue" with a body
  // still to come; the server answers "100 Continue" once (see MarkContinueSent()).
  bool wants_continue() const { return expects_continue_ && !continue_sent_ && phase_ != Phase::kHead && phase_ != Phase::kDone; }
  void MarkContinueSent() { continue_sent_ = true; }
  bool head_complete() const { return phase_ != Phase::kHead; }
  bool done() const { return phase_ == Phase::kDone; }
  // Takes bytes of a Content-Length body straight from the socket's read (the caller feeds
  // nothing else first); returns how many belong to the body (0 outside such a body). Once
  // the body is complete, done() is true and Feed() reports the request.
  size_t FeedBody(const char* data, size_t len);
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
  size_t body_total_ = 0;  // body bytes received so far (a streamed body is taken in parts)
  std::function<bool(const HttpRequest&)> stream_if_;
  std::function<std::string()> stream_buffer_;
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
