// http/http_server.h — an HTTP/1.1 server on epoll: one I/O thread reads and parses requests on
// non-blocking sockets (keep-alive, pipelining, Content-Length and chunked bodies, header and
// body limits, idle timeouts, a connection limit) and a worker pool runs the handlers, so a
// slow query or a BACKUP never blocks other connections. Cheap handlers (marked inline) run on
// the I/O thread.
//
// A connection belongs to exactly one thread at a time: the I/O thread, or the worker running
// its request (the socket is out of the epoll set meanwhile). A big response is produced piece
// by piece (ResponseWriter::Continue): a worker produces while the socket takes the bytes, and
// once about kOutHighWater bytes wait for a client that does not read, the connection goes
// back to the I/O thread until the socket is writable again. A slow reader costs one buffer,
// never a worker; one that stays stalled past the idle timeout is closed. (A handler that
// writes in a loop instead blocks its worker on poll(), bounded by the idle timeout.) What is
// left when the handler returns is written by the I/O thread.
//
// A streamed request's body (HttpServerOptions::stream_if) is handed to a worker part by part
// as it arrives; between parts the connection is back with the I/O thread, so a slow sender
// holds no worker.
//
// Stop() stops accepting, lets in-flight requests finish and flushes their responses, then
// closes every connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"
#include "http/http_request.h"

namespace sundial::http {

struct Connection;

// Builds the response of one request. Either Send() once, or BeginChunked() + Write()* +
// Finish(). A response not sent by the handler becomes a 500.
class ResponseWriter {
 public:
  ResponseWriter(Connection* conn, bool is_head, bool keep_alive, bool may_block,
                 int64_t stall_timeout_ms);

  void AddHeader(std::string_view name, std::string_view value);
  // A complete response with Content-Length.
  void Send(int status, std::string_view content_type, std::string_view body);
  // A streamed response (Transfer-Encoding: chunked).
  void BeginChunked(int status, std::string_view content_type);
  // Appends body bytes (framed in chunks); returns false once the client is gone.
  bool Write(std::string_view data);
  // A buffer to append body bytes to directly; call Flush() now and then (Write() does).
  std::string& chunk_buffer() { return chunk_; }
  bool Flush();
  bool Finish();
  // Ends a streamed response without its final chunk (the client sees a truncated body) and
  // closes the connection after what was written so far.
  void Abort();
  // After BeginChunked(): the rest of the body comes from `more`, which the server calls on a
  // worker after the handler returns, again and again while the client takes the bytes. Each
  // call appends a bounded piece (to chunk_buffer(), then Flush()) and returns true, or ends
  // the response (Finish() or Abort()) and returns false. Between calls the connection is with
  // the I/O thread. `more` is destroyed, without further calls, once the response ends, the
  // client goes away or the server stops; it must not refer to the request (copy what it
  // needs). An exception it throws aborts the response. Flush() never blocks after this.
  void Continue(std::function<bool(ResponseWriter&)> more);
  bool continuing() const { return static_cast<bool>(more_); }
  // Calls `more` once (server side); false once the response has ended.
  bool CallMore();

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  bool failed() const { return failed_; }
  int status() const { return status_; }
  // Forces Connection: close on this response.
  void SetClose() { keep_alive_ = false; }
  bool keep_alive() const { return keep_alive_; }

 private:
  void WriteHead(int status, std::string_view content_type, int64_t content_length);
  bool FrameChunk();
  bool FlushSocket(size_t keep_at_most);

  Connection* conn_;
  bool is_head_;
  bool keep_alive_;
  bool may_block_;
  int64_t stall_timeout_ms_;
  std::string extra_headers_;
  std::string chunk_;
  bool started_ = false;
  bool chunked_ = false;
  bool finished_ = false;
  bool failed_ = false;
  int status_ = 0;
  std::function<bool(ResponseWriter&)> more_;
};

std::string_view HttpReason(int status);

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 9000;  // 0: any free port (see port())
  int connection_limit = 1024;
  int64_t idle_timeout_ms = 300'000;
  RequestLimits limits;
  int worker_count = 4;
  // Requests whose bodies the handler takes part by part as they arrive (HttpRequest::streamed),
  // decided at each request's head; a part goes to a worker once `stream_part_bytes` arrived.
  std::function<bool(const HttpRequest&)> stream_if;
  std::function<std::string()> stream_buffer;  // where a streamed body starts (optional)
  size_t stream_part_bytes = 1 << 20;
  // The JSON body of an error the server answers itself (a malformed or oversized request):
  // `req` holds what was parsed of the request (its path once the head was read). Unset:
  // {"error":"<message>"}.
  std::function<std::string(const HttpRequest& req, int status, const std::string& message)>
      error_body;
};

class HttpServer {
 public:
  using Handler = std::function<void(HttpRequest& req, ResponseWriter& resp)>;
  // `is_inline` says whether a request is cheap enough to run on the I/O thread.
  HttpServer(HttpServerOptions options, Handler handler,
             std::function<bool(const HttpRequest&)> is_inline);
  ~HttpServer();

  core::Status Start();
  int port() const { return port_; }
  void Stop();
  size_t connection_count() const { return connection_count_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<size_t> connection_count_{0};
};

// Opens a non-blocking listening TCP socket on host:port (SO_REUSEADDR). Returns the fd and
// sets *bound_port.
core::Result<int> ListenTcp(const std::string& host, int port, int* bound_port);

}  // namespace sundial::http
