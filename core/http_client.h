// core/http_client.h — a small blocking HTTP/1.1 client over POSIX sockets, for object stores
// (core/object_store.h) and for anything else that talks to a plain `http://host:port` server.
// No TLS: an https store is reached through a local TLS proxy (stunnel) or in-cluster over http.
//
// A request carries its body as bytes in memory or as a range of a File streamed from disk in
// 64 KiB pieces (never held whole). A response's status and headers are parsed; its body
// (Content-Length, chunked, or up to the close of the connection) is collected into a string
// or, for a 2xx answer when a sink is given, handed to the sink piece by piece.
//
// Failures (Status, never an exception): the transport's are kUnavailable, so callers may retry
// them — "http connection refused", "http connection reset by peer", "http request timed out
// after N ms", "http connection closed before the response was complete", each with
// [host=.., port=..]. A response that is not HTTP is kIOError ("malformed http response"); a
// collected body over `max_body_bytes` is kResourceExhausted; a sink's error is returned as is.
// A body file that is shorter than its range is kIOError. When the server answers before it has
// read the whole body (a 403 to a large upload) and closes, the answer is returned, not the
// send error.
//
// Keep-alive: with `keep_alive` the connection is reused while the server allows it; a request
// on a reused connection that fails before any byte of the answer came back (the server closed
// the idle connection) is sent once more on a new connection.
//
// Thread safety: one HttpClient is one connection; use it from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"

namespace sundial::core {

// "http://host[:port][/path]"; port 80 when absent. "https://" is kUnsupported (no TLS in the
// process), anything else kInvalidArgument. The message names the URL (it holds no secret).
struct HttpUrl {
  std::string host;  // a name, an IPv4 address or a bracketed IPv6 address without brackets
  int port = 80;
  std::string path;  // "" or starting with '/'
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpClientOptions {
  int connect_timeout_ms = 10'000;
  int io_timeout_ms = 60'000;  // longest wait for the peer to accept or send a byte
  bool keep_alive = true;
  size_t max_body_bytes = 64u << 20;  // a body collected into HttpResponse::body
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // "/path?query", already percent-encoded
  // Sent as given; "Host" is added when absent, "Content-Length" always (never pass it).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;      // the body when body_file is null (must outlive Send)
  File* body_file = nullptr;  // else the body is [body_offset, body_offset + body_length)
  uint64_t body_offset = 0;
  uint64_t body_length = 0;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;  // empty when the body went to a sink
  // The first value of header `lower_name`, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

// Receives a 2xx response body in order; a non-OK Status stops the transfer and is returned.
using HttpBodySink = std::function<Status(std::string_view chunk)>;

class HttpClient {
 public:
  HttpClient(std::string host, int port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole answer. With `sink`, a 2xx body goes to the sink and
  // HttpResponse::body stays empty; other bodies (error documents) are collected.
  Result<HttpResponse> Send(const HttpRequest& request, const HttpBodySink& sink = nullptr);
  // Closes the connection (the next Send opens a new one).
  void Close();

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  Status Connect();
  Result<HttpResponse> SendOnce(const HttpRequest& request, const HttpBodySink& sink,
                                bool* answer_started);
  Status SendBody(const HttpRequest& request);
  Status WriteAll(const char* data, size_t n);
  // Reads more bytes into rbuf_; kUnavailable on EOF (with `eof` set), reset or timeout.
  Status Fill(bool* eof);
  Result<HttpResponse> ReadResponse(const HttpRequest& request, const HttpBodySink& sink,
                                    bool* answer_started);
  Status ReadHead(HttpResponse* response, bool* answer_started);
  Status ReadBody(const HttpRequest& request, HttpResponse* response, const HttpBodySink& sink,
                  bool* reusable);
  Status ReadChunked(HttpResponse* response, const HttpBodySink* to);
  // The next line without its CRLF (a view into rbuf_, valid until the next read).
  Status ReadLine(std::string_view* line);
  Status ReadExactly(uint64_t n, HttpResponse* response, const HttpBodySink* to);
  Status Deliver(std::string_view piece, HttpResponse* response, const HttpBodySink* sink);
  Status TransportError(std::string_view what) const;

  std::string host_;
  int port_;
  HttpClientOptions options_;
  int fd_ = -1;
  std::string rbuf_;  // received, not yet consumed
  size_t rpos_ = 0;
};

}  // namespace sundial::core
