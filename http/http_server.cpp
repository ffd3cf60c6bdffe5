#include "http/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <unordered_map>

#include "core/json.h"
#include "core/log.h"
#include "core/timestamp.h"
#include "core/worker_pool.h"

namespace sundial::http {

struct Connection {
  int fd = -1;
  RequestParser parser;
  std::string in;       // bytes read but not yet fed to the parser
  size_t in_off = 0;
  std::string out;      // response bytes not yet written
  size_t out_off = 0;
  int64_t last_activity_us = 0;
  int64_t request_start_us = 0;  // when the current request's first byte arrived
  bool busy = false;    // a worker owns it
  bool part_task = false;  // the worker is to take a part of a streamed body, not respond
  // A response the handler left to be produced piece by piece (ResponseWriter::Continue);
  // while set, the connection's next work is producing more of it once `out` drained.
  std::unique_ptr<ResponseWriter> writer;
  bool answered = false;   // a streamed request was answered before its body ended
  // The next part of a streamed body goes to a worker once the body holds this many bytes
  // (0: HttpServerOptions::stream_part_bytes). A part that took nothing (one line longer than
  // what arrived) doubles it, so a long line is rescanned O(log n) times, not once per read.
  size_t next_part_bytes = 0;
  bool close_after_write = false;
  bool dead = false;    // socket error: close as soon as the I/O thread has it
  uint32_t armed = 0;   // events registered with epoll (0: not registered)
  explicit Connection(RequestLimits limits) : parser(limits) {}
};

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kChunkFrameBytes = 64 * 1024;
constexpr size_t kOutHighWater = 256 * 1024;
// Pieces one worker produces for a connection before it goes back in the queue (fairness
// towards other connections when a client reads as fast as it is sent).
constexpr int kProduceSlice = 32;

// Writes as much of conn->out as the socket takes. Returns false on a socket error.
bool WriteSome(Connection* c) {
  while (c->out_off < c->out.size()) {
    ssize_t n = ::send(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off,
                       MSG_NOSIGNAL);
    if (n > 0) {
      c->out_off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  c->out.clear();
  c->out_off = 0;
  return true;
}

}  // namespace

std::string_view HttpReason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
  }
}

ResponseWriter::ResponseWriter(Connection* conn, bool is_head, bool keep_alive, bool may_block,
                               int64_t stall_timeout_ms)
    : conn_(conn),
      is_head_(is_head),
      keep_alive_(keep_alive),
      may_block_(may_block),
      stall_timeout_ms_(stall_timeout_ms) {}

void ResponseWriter::AddHeader(std::string_view name, std::string_view value) {
  extra_headers_.append(name);
  extra_headers_.append(": ");
  extra_headers_.append(value);
  extra_headers_.append("\r\n");
}

void ResponseWriter::WriteHead(int status, std::string_view content_type,
                               int64_t content_length) {
  status_ = status;
  started_ = true;
  std::string& o = conn_->out;
  o.append("HTTP/1.1 ");
  o.append(std::to_string(status));
  o.push_back(' ');
  o.append(HttpReason(status));
  o.append("\r\nServer: sundial\r\n");
  if (!content_type.empty()) {
    o.append("Content-Type: ");
    o.append(content_type);
    o.append("\r\n");
  }
  if (content_length >= 0) {
    if (status != 204 && status != 304) {
      o.append("Content-Length: ");
      o.append(std::to_string(content_length));
      o.append("\r\n");
    }
  } else {
    o.append("Transfer-Encoding: chunked\r\n");
  }
  o.append(keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  o.append(extra_headers_);
  o.append("\r\n");
}

void ResponseWriter::Send(int status, std::string_view content_type, std::string_view body) {
  if (started_) return;
  WriteHead(status, content_type, static_cast<int64_t>(body.size()));
  if (!is_head_ && status != 204) conn_->out.append(body);
  finished_ = true;
}

void ResponseWriter::BeginChunked(int status, std::string_view content_type) {
  if (started_) return;
  chunked_ = true;
  WriteHead(status, content_type, -1);
}

bool ResponseWriter::FrameChunk() {
  if (chunk_.empty()) return true;
  if (!is_head_) {
    char hex[24];
    int n = std::snprintf(hex, sizeof(hex), "%zx\r\n", chunk_.size());
    conn_->out.append(hex, static_cast<size_t>(n));
    conn_->out.append(chunk_);
    conn_->out.append("\r\n");
  }
  chunk_.clear();
  return true;
}

bool ResponseWriter::FlushSocket(size_t keep_at_most) {
  // Blocking flush from a worker: wait for the socket with the stall timeout.
  Connection* c = conn_;
  while (c->out.size() - c->out_off > keep_at_most) {
    if (!WriteSome(c)) {
      failed_ = true;
      return false;
    }
    if (c->out.size() - c->out_off <= keep_at_most) break;
    pollfd p{c->fd, POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(stall_timeout_ms_, INT32_MAX)));
    if (r == 0 || (r < 0 && errno != EINTR) || (r > 0 && (p.revents & (POLLERR | POLLHUP)))) {
      failed_ = true;
      return false;
    }
  }
  if (c->out_off > (1 << 20)) {
    c->out.erase(0, c->out_off);
    c->out_off = 0;
  }
  return true;
}

bool ResponseWriter::Flush() {
  if (failed_) return false;
  if (!chunked_) return true;
  if (chunk_.size() >= kChunkFrameBytes) FrameChunk();
  if (may_block_ && conn_->out.size() - conn_->out_off > kOutHighWater) {
    return FlushSocket(0);
  }
  return !failed_;
}

bool ResponseWriter::Write(std::string_view data) {
  if (failed_) return false;
  chunk_.append(data);
  return Flush();
}

bool ResponseWriter::Finish() {
  if (finished_) return !failed_;
  if (!started_) {
    Send(200, "text/plain", "");
    return true;
  }
  FrameChunk();
  if (!is_head_) conn_->out.append("0\r\n\r\n");
  finished_ = true;
  return !failed_;
}

void ResponseWriter::Continue(std::function<bool(ResponseWriter&)> more) {
  if (!chunked_ || finished_) return;
  may_block_ = false;
  more_ = std::move(more);
}

bool ResponseWriter::CallMore() {
  if (finished_ || !more_) return false;
  if (failed_ || !more_(*this)) {
    if (!finished_) Abort();
    return false;
  }
  return !finished_;
}

void ResponseWriter::Abort() {
  if (finished_) return;
  FrameChunk();
  keep_alive_ = false;
  finished_ = true;
}

core::Result<int> ListenTcp(const std::string& host, int port, int* bound_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::Status::FromErrno(errno, "could not create socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string h = host.empty() ? "0.0.0.0" : host;
  if (h == "localhost") h = "127.0.0.1";
  if (::inet_pton(AF_INET, h.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return core::Status::InvalidArgument("invalid bind address [host=" + host + "]");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd);
    return core::Status::FromErrno(e, "could not bind [address=" + h + ":" +
                                          std::to_string(port) + "]");
  }
  if (::listen(fd, 1024) != 0) {
    int e = errno;
    ::close(fd);
    return core::Status::FromErrno(e, "could not listen");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

// ---------------------------------------------------------------------------------------------

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  std::function<bool(const HttpRequest&)> is_inline;
  std::atomic<size_t>* connection_count = nullptr;

  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread io_thread;
  std::atomic<bool> stop_requested{false};
  bool running = false;

  std::unordered_map<int, std::unique_ptr<Connection>> conns;

  // Workers: a task per dispatched connection; a failure outside the handler (which
  // RunHandler answers itself) drops the connection, never the process.
  std::unique_ptr<core::WorkerPool> workers;
  std::mutex mu;
  std::vector<Connection*> returned;       // guarded by mu: workers hand connections back
  std::vector<Connection*> taking;         // I/O thread only: what TakeReturned works through
  size_t busy_count = 0;                   // I/O thread only
  int64_t last_limit_log_us = 0;

  void Wake() {
    uint64_t one = 1;
    ssize_t r = ::write(wake_fd, &one, sizeof(one));
    (void)r;
  }

  void Arm(Connection* c, uint32_t events) {
    if (c->armed == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = c;
    if (events == 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    } else if (c->armed == 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev);
    } else {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
    }
    c->armed = events;
  }

  void Close(Connection* c) {
    Arm(c, 0);
    ::close(c->fd);
    conns.erase(c->fd);  // destroys c
    connection_count->store(conns.size());
  }

  // Runs the handler on the connection's request. `part`: a part of a streamed body, which the
  // handler may leave unanswered; if it answers, the request is over and the rest of its body
  // is dropped as it arrives.
  void RunHandler(Connection* c, bool may_block, bool part = false) {
    HttpRequest& req = c->parser.request();
    auto writer = std::make_unique<ResponseWriter>(
        c, req.method == "HEAD", req.keep_alive && !stop_requested.load(), may_block,
        options.idle_timeout_ms);
    ResponseWriter& w = *writer;
    // Any exception of the handler (std::bad_alloc included) becomes a 500 for this request.
    const core::Status failure = core::RunGuarded("http", [&] { handler(req, w); });
    if (!failure.ok() || part || !may_block) w.Continue(nullptr);  // nothing to continue
    if (w.continuing() && !w.finished()) {
      c->writer = std::move(writer);
      Produce(c);
      return;
    }
    const bool threw = !failure.ok();
    if (threw && !w.started()) {
      w.SetClose();
      std::string body = "{\"error\":";
      core::JsonAppendString(&body, failure.message());
      body += "}";
      w.Send(500, "application/json; charset=utf-8", body);
    } else if (threw) {
      c->dead = !w.finished();  // a streamed response cut short
    } else if (!part && !w.started()) {
      w.Send(500, "application/json", "{\"error\":\"no response\"}");
    }
    if (!threw && w.started()) w.Finish();
    if (w.failed()) c->dead = true;
    if (part && !w.started()) {  // the request goes on with its next part
      c->next_part_bytes = std::max(options.stream_part_bytes, 2 * req.body.size());
      return;
    }
    c->next_part_bytes = 0;
    EndResponse(c, w);
    if (part) {
      c->answered = true;
      req.discard_body = true;
      req.body.clear();
      req.body.shrink_to_fit();
      req.state.reset();
      return;
    }
    c->parser.Reset();
  }

  void EndResponse(Connection* c, const ResponseWriter& w) {
    if (w.failed()) c->dead = true;
    if (!w.keep_alive()) c->close_after_write = true;
  }

  // Produces more of the connection's continued response (on a worker) until the client stops
  // taking bytes (the I/O thread then waits for the socket), the response ends, or a slice is
  // used up.
  void Produce(Connection* c) {
    ResponseWriter& w = *c->writer;
    for (int piece = 0;; ++piece) {
      if (c->out.size() - c->out_off >= kOutHighWater) {
        if (!WriteSome(c)) {
          c->dead = true;
          break;
        }
        if (c->out_off >= kOutHighWater) {  // what was written goes; the buffer stays one buffer
          c->out.erase(0, c->out_off);
          c->out_off = 0;
        }
        if (c->out.size() - c->out_off >= kOutHighWater) return;  // stalled: wait for the socket
      }
      if (piece >= kProduceSlice) return;
      bool more = false;
      const core::Status failure = core::RunGuarded("http", [&] { more = w.CallMore(); });
      if (!failure.ok()) {
        w.Abort();
        c->dead = true;  // the body is cut short: the client must see the connection end
        break;
      }
      if (!more) break;
    }
    EndResponse(c, w);
    c->writer.reset();  // the producer (and what it holds, such as a query) goes now
    c->parser.Reset();
  }

  // Whether enough of a streamed body waits to go to the handler as a part.
  bool PartDue(Connection* c) const {
    const HttpRequest& r = c->parser.request();
    return r.streamed && !r.discard_body && !c->answered && !c->parser.done() &&
           r.body.size() >= std::max(options.stream_part_bytes, c->next_part_bytes);
  }

  void Dispatch(Connection* c, bool part) {
    c->busy = true;
    c->part_task = part;
    ++busy_count;
    Arm(c, 0);
    const core::Status queued = core::RunGuarded("http", [&] {
      workers->Submit(
          [this, c] {
            if (c->writer) {
              Produce(c);
            } else {
              RunHandler(c, /*may_block=*/true, /*part=*/c->part_task);
            }
            GiveBack(c);
          },
          [this, c](const core::Status&) {  // RunGuarded logged it; the connection cannot go on
            c->dead = true;
            GiveBack(c);
          });
    });
    if (!queued.ok()) {  // out of memory on the I/O thread: drop this connection, not the server
      c->busy = false;
      --busy_count;
      Close(c);  // every caller returns right after Dispatch
    }
  }

  // A worker hands its connection back to the I/O thread.
  void GiveBack(Connection* c) {
    {
      std::lock_guard lock(mu);
      returned.push_back(c);
    }
    Wake();
  }

  void SendError(Connection* c, int status, const std::string& message) {
    ResponseWriter w(c, false, false, false, 0);
    std::string body;
    if (options.error_body) {
      body = options.error_body(c->parser.request(), status, message);
    } else {
      body = "{\"error\":";
      core::JsonAppendString(&body, message);
      body += "}";
    }
    w.Send(status, "application/json; charset=utf-8", body);
    c->close_after_write = true;
  }

  // Processes buffered input and output until the connection waits for the socket or a worker.
  void Drive(Connection* c) {
    for (;;) {
      if (c->busy) return;
      if (c->dead) {
        Close(c);
        return;
      }
      if (c->out_off < c->out.size()) {
        if (!WriteSome(c)) {
          Close(c);
          return;
        }
        if (c->out_off < c->out.size()) {
          Arm(c, EPOLLOUT);
          return;
        }
      }
      if (c->writer) {  // a continued response: the socket took what was buffered, make more
        Dispatch(c, /*part=*/false);
        return;
      }
      if (c->close_after_write) {
        Close(c);
        return;
      }
      if (c->in_off >= c->in.size()) {
        c->in.clear();
        c->in_off = 0;
        if (!c->parser.done()) {  // else: a body completed by FeedBody, reported by Feed below
          if (PartDue(c)) {
            Dispatch(c, /*part=*/true);
            return;
          }
          if (stop_requested.load() && !c->parser.started()) {
            Close(c);
            return;
          }
          Arm(c, EPOLLIN);
          return;
        }
      }
      size_t consumed = 0;
      auto st = c->parser.Feed(c->in.data() + c->in_off, c->in.size() - c->in_off, &consumed);
      c->in_off += consumed;
      if (st == RequestParser::State::kError) {
        if (c->answered) {  // the request has its response; the connection cannot go on
          c->close_after_write = true;
          continue;
        }
        SendError(c, c->parser.error_status(), c->parser.error_message());
        c->in.clear();
        c->in_off = 0;
        continue;
      }
      if (st == RequestParser::State::kNeedMore) {
        if (c->parser.wants_continue() && !c->answered) {
          c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
          c->parser.MarkContinueSent();
        }
        if (PartDue(c)) {
          Dispatch(c, /*part=*/true);
          return;
        }
        continue;
      }
      // A complete request.
      if (c->answered) {  // a streamed request answered early: its body is now read
        c->answered = false;
        c->parser.Reset();
        continue;
      }
      if (stop_requested.load()) {
        SendError(c, 503, "server is shutting down");
        continue;
      }
      if (is_inline && is_inline(c->parser.request())) {
        RunHandler(c, /*may_block=*/false);
        continue;
      }
      Dispatch(c, /*part=*/false);
      return;
    }
  }

  void OnReadable(Connection* c) {
    char buf[kReadChunk];
    ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
    if (n == 0) {
      Close(c);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Close(c);
      return;
    }
    c->last_activity_us = core::MonotonicMicros();
    if (!c->parser.started()) c->request_start_us = c->last_activity_us;
    size_t taken = 0;
    if (c->in_off >= c->in.size()) {  // nothing buffered: body bytes go straight to the request
      taken = c->parser.FeedBody(buf, static_cast<size_t>(n));
    }
    c->in.append(buf + taken, static_cast<size_t>(n) - taken);
    Drive(c);
  }

  void Accept() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        if (errno == EMFILE || errno == ENFILE) {
          core::LogWarn("could not accept connection, out of file descriptors");
        }
        return;
      }
      if (static_cast<int>(conns.size()) >= options.connection_limit) {
        int64_t now = core::MonotonicMicros();
        if (now - last_limit_log_us > 5'000'000) {
          core::LogWarn("http connection refused, limit reached [limit=" +
                        std::to_string(options.connection_limit) + "]");
          last_limit_log_us = now;
        }
        static const char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
            "Retry-After: 1\r\n\r\n";
        ssize_t r = ::send(fd, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL);
        (void)r;
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      auto c = std::make_unique<Connection>(options.limits);
      if (options.stream_if) c->parser.set_stream_if(options.stream_if, options.stream_buffer);
      c->fd = fd;
      c->last_activity_us = core::MonotonicMicros();
      Connection* raw = c.get();
      conns[fd] = std::move(c);
      connection_count->store(conns.size());
      Arm(raw, EPOLLIN);
    }
  }

  void CheckIdle() {
    int64_t now = core::MonotonicMicros();
    std::vector<Connection*> expired;
    for (auto& [fd, c] : conns) {
      if (c->busy) continue;
      // Idle, or trickling a request head (slowloris): the head must complete within the
      // idle timeout however slowly its bytes arrive.
      bool head_too_slow = c->parser.started() && !c->parser.head_complete() &&
                           now - c->request_start_us > options.idle_timeout_ms * 1000;
      if (head_too_slow || now - c->last_activity_us > options.idle_timeout_ms * 1000) {
        expired.push_back(c.get());
      }
    }
    for (Connection* c : expired) Close(c);
  }

  void TakeReturned() {
    {
      std::lock_guard lock(mu);
      taking.swap(returned);  // both keep their capacity
    }
    for (Connection* c : taking) {
      c->busy = false;
      --busy_count;
      c->last_activity_us = core::MonotonicMicros();
      Drive(c);
    }
    taking.clear();
  }

  void IoLoop() {
    epoll_event events[256];
    int64_t last_idle_check = core::MonotonicMicros();
    int64_t stop_deadline = 0;
    for (;;) {
      bool stopping = stop_requested.load();
      if (stopping && listen_fd >= 0) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
        ::close(listen_fd);
        listen_fd = -1;
        stop_deadline = core::MonotonicMicros() + 5'000'000;
        // Idle keep-alive connections go now; busy ones finish their request first.
        std::vector<Connection*> idle;
        for (auto& [fd, c] : conns) {
          if (!c->busy && !c->parser.started() && c->out_off >= c->out.size()) {
            idle.push_back(c.get());
          }
        }
        for (Connection* c : idle) Close(c);
      }
      if (stopping) {
        bool pending_out = false;
        for (auto& [fd, c] : conns) pending_out = pending_out || c->busy || c->out_off < c->out.size();
        if (!pending_out || core::MonotonicMicros() > stop_deadline) break;
      }
      int n = ::epoll_wait(epoll_fd, events, 256, stopping ? 50 : 500);
      for (int i = 0; i < n; ++i) {
        void* ptr = events[i].data.ptr;
        if (ptr == nullptr) {
          uint64_t v;
          ssize_t r = ::read(wake_fd, &v, sizeof(v));
          (void)r;
          continue;
        }
        if (ptr == this) {
          Accept();
          continue;
        }
        Connection* c = static_cast<Connection*>(ptr);
        if (c->busy) continue;
        if (events[i].events & (EPOLLERR)) {
          Close(c);
          continue;
        }
        if (events[i].events & EPOLLOUT) {
          c->last_activity_us = core::MonotonicMicros();
          Drive(c);
          continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP)) OnReadable(c);
      }
      TakeReturned();
      int64_t now = core::MonotonicMicros();
      if (now - last_idle_check > 250'000) {
        CheckIdle();
        last_idle_check = now;
      }
    }
    // Close what is left.
    std::vector<Connection*> all;
    for (auto& [fd, c] : conns) {
      if (!c->busy) all.push_back(c.get());
    }
    for (Connection* c : all) Close(c);
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler,
                       std::function<bool(const HttpRequest&)> is_inline)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->is_inline = std::move(is_inline);
  impl_->connection_count = &connection_count_;
}

HttpServer::~HttpServer() { Stop(); }

core::Status HttpServer::Start() {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(m.listen_fd, ListenTcp(m.options.host, m.options.port, &port_));
  m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  m.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (m.epoll_fd < 0 || m.wake_fd < 0) return core::Status::FromErrno(errno, "epoll setup");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &m;
  ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.listen_fd, &ev);
  ev.data.ptr = nullptr;
  ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.wake_fd, &ev);
  // Room for every connection in `returned`, so a worker's GiveBack never allocates.
  m.returned.reserve(static_cast<size_t>(std::max(1, m.options.connection_limit)) + 1);
  m.taking.reserve(m.returned.capacity());
  m.workers = std::make_unique<core::WorkerPool>("http", std::max(1, m.options.worker_count));
  m.io_thread = std::thread([&m] { m.IoLoop(); });
  m.running = true;
  return core::Status::Ok();
}

void HttpServer::Stop() {
  Impl& m = *impl_;
  if (!m.running) return;
  m.running = false;
  m.stop_requested.store(true);
  m.Wake();
  m.io_thread.join();
  m.workers.reset();  // runs what is queued, then joins
  // Connections still owned by a worker at the deadline were returned by now.
  for (auto& [fd, c] : m.conns) ::close(fd);
  m.conns.clear();
  if (m.listen_fd >= 0) ::close(m.listen_fd);
  ::close(m.epoll_fd);
  ::close(m.wake_fd);
  m.listen_fd = m.epoll_fd = m.wake_fd = -1;
}

}  // namespace sundial::http
