#include "http/tcp_line_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <atomic>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "core/timestamp.h"
#include "core/worker_pool.h"
#include "http/http_server.h"
#include "http/line_protocol.h"

namespace sundial::http {
namespace {

// Received bytes not parsed yet, [data, data + len). recv() writes straight into the free tail,
// so a byte is copied once from the socket and then only parsed.
class RecvBuffer {
 public:
  static constexpr size_t kRead = 64 * 1024;  // bytes asked of one recv()

  char* data() { return data_.get(); }
  size_t size() const { return len_; }
  void clear() { len_ = 0; }
  // The free tail, at least kRead bytes (grown if needed); *room is its size.
  char* Tail(size_t* room) {
    if (cap_ - len_ < kRead) {
      const size_t cap = std::max(cap_ * 2, len_ + 2 * kRead);
      auto grown = std::make_unique_for_overwrite<char[]>(cap);
      if (len_ > 0) std::memcpy(grown.get(), data_.get(), len_);
      data_ = std::move(grown);
      cap_ = cap;
    }
    *room = cap_ - len_;
    return data_.get() + len_;
  }
  void Added(size_t n) { len_ += n; }
  // Drops the first n bytes (parsed lines); what is left is a partial line.
  void Drop(size_t n) {
    if (n < len_) std::memmove(data_.get(), data_.get() + n, len_ - n);
    len_ -= std::min(n, len_);
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
  size_t len_ = 0;
};

struct TcpConn {
  int fd = -1;
  std::string peer;
  RecvBuffer buf;
  int64_t line_no = 0;
  int64_t last_activity_us = 0;
  std::unique_ptr<TcpAuthHandshake> auth;  // set until the handshake succeeds
  bool has_uncommitted_rows = false;        // some of the worker's pending rows came from here
};

std::string PeerName(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "?";
  char ip[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
  return std::string(ip) + ":" + std::to_string(ntohs(a.sin_port));
}

// Sends all of `bytes` on a non-blocking socket without waiting; false if the socket cannot take
// them at once (a few hundred bytes on a new connection always fit).
bool SendNow(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// A key id as received, safe for one log line.
std::string Printable(const std::string& s) {
  std::string out = s.substr(0, 64);
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  }
  return out;
}

}  // namespace

// One ingest thread: its own epoll set, connections, parser and batch. Every worker waits on
// the shared listening socket (EPOLLEXCLUSIVE wakes one) and keeps the connections it accepts,
// so a connection's lines are parsed and committed in order by one thread.
struct TcpWorker {
  cairo::Engine* engine;
  const TcpLineOptions& options;
  std::atomic<int>* connection_count;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::unordered_map<int, std::unique_ptr<TcpConn>> conns;
  std::unique_ptr<IlpBatch> batch;
  LineParser parser;
  IlpLine line;
  int64_t first_pending_us = 0;

  void Commit(const char* why) {
    if (batch->pending_rows() == 0) {
      batch->ReleaseAll();
      return;
    }
    int64_t rows = batch->pending_rows();
    core::Status st = batch->CommitAll();
    batch->ReleaseAll();
    first_pending_us = 0;
    for (auto& [fd, c] : conns) c->has_uncommitted_rows = false;
    if (!st.ok()) {
      core::LogError("line tcp commit failed [rows=" + std::to_string(rows) + ", reason=" + why +
                     ", error=" + st.ToString() + "]");
    } else {
      if (options.metrics != nullptr) {
        options.metrics->AddIngested(IngestPath::kLineTcp, static_cast<uint64_t>(rows));
      }
      core::LogDebug("line tcp commit [rows=" + std::to_string(rows) + ", reason=" + why + "]");
    }
  }

  TcpWorker(cairo::Engine* e, const TcpLineOptions* o, std::atomic<int>* count, int listen)
      : engine(e), options(*o), connection_count(count), listen_fd(listen) {
    IlpIngestOptions io = options.ingest;
    // The writer is leased only when a commit is due: staged rows move in and commit at once.
    io.flush_rows = std::max(io.flush_rows, options.max_uncommitted_rows);
    batch = std::make_unique<IlpBatch>(engine, io);
  }

  void Close(TcpConn* c) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    conns.erase(c->fd);
    connection_count->fetch_sub(1);
  }

  // Parses the complete lines in c->buf. Returns false if the connection must be closed.
  // A line that closes its connection is one refused row.
  void CountRefusedLine() {
    if (options.metrics != nullptr) options.metrics->AddRejected(IngestPath::kLineTcp, 1);
  }

  bool Consume(TcpConn* c, bool at_eof) {
    char* begin = c->buf.data();
    char* p = begin;
    char* end = begin + c->buf.size();
    const int64_t now_us = core::RealtimeMicros();
    while (p < end) {
      char* next = end;
      core::Status fast;
      if (batch->AppendLikeLast(p, end, IlpPrecision::kNanos, now_us, &next, &fast)) {
        ++c->line_no;
        p = next;
        if (!fast.ok()) {
          core::LogError("line tcp write error, closing connection [peer=" + c->peer +
                         ", line=" + std::to_string(c->line_no) + ", error=" + fast.ToString() +
                         "]");
          c->buf.clear();
          CountRefusedLine();
          return false;
        }
        c->has_uncommitted_rows = true;
      if (first_pending_us == 0) first_pending_us = core::MonotonicMicros();
        if (batch->pending_rows() >= options.max_uncommitted_rows) Commit("max uncommitted rows");
        continue;
      }
      auto o = parser.Parse(p, end, at_eof, &line, &next);
      if (o == LineParser::Outcome::kIncomplete) break;
      ++c->line_no;
      if (o == LineParser::Outcome::kError) {
        core::LogError("line tcp parse error, closing connection [peer=" + c->peer +
                       ", line=" + std::to_string(c->line_no) + ", error=" + parser.error() + "]");
        c->buf.clear();
        CountRefusedLine();
        return false;
      }
      p = next;
      if (o != LineParser::Outcome::kLine) continue;
      int64_t ts_us = now_us;
      if (line.has_timestamp && !IlpTimestampToMicros(line.timestamp, IlpPrecision::kNanos, &ts_us)) {
        core::LogError("line tcp timestamp out of range, closing connection [peer=" + c->peer +
                       ", line=" + std::to_string(c->line_no) + "]");
        c->buf.clear();
        CountRefusedLine();
        return false;
      }
      core::Status st = batch->Append(line, ts_us);
      if (!st.ok()) {
        core::LogError("line tcp write error, closing connection [peer=" + c->peer +
                       ", line=" + std::to_string(c->line_no) + ", error=" + st.ToString() + "]");
        c->buf.clear();
        CountRefusedLine();
        return false;
      }
      c->has_uncommitted_rows = true;
      if (first_pending_us == 0) first_pending_us = core::MonotonicMicros();
      if (batch->pending_rows() >= options.max_uncommitted_rows) Commit("max uncommitted rows");
    }
    c->buf.Drop(static_cast<size_t>(p - begin));
    if (static_cast<int64_t>(c->buf.size()) > options.max_line_bytes) {
      core::LogError("line tcp line too long, closing connection [peer=" + c->peer +
                     ", line=" + std::to_string(c->line_no + 1) +
                     ", limit=" + std::to_string(options.max_line_bytes) + "]");
      CountRefusedLine();
      return false;
    }
    return true;
  }

  // Runs the authentication handshake over c->buf. Returns false if the connection must close.
  bool Authenticate(TcpConn* c) {
    for (;;) {
      size_t used = 0;
      TcpAuthHandshake::Step step = c->auth->Feed(c->buf.data(), c->buf.size(), &used);
      c->buf.Drop(used);
      switch (step) {
        case TcpAuthHandshake::Step::kNeedMore:
          return true;
        case TcpAuthHandshake::Step::kSend:
          if (!SendNow(c->fd, c->auth->reply())) {
            core::LogWarn("line tcp authentication failed, closing connection [peer=" + c->peer +
                          ", reason=challenge could not be sent]");
            return false;
          }
          continue;
        case TcpAuthHandshake::Step::kDone:
          core::LogInfo("line tcp connection authenticated [peer=" + c->peer + ", key_id=" +
                        Printable(c->auth->key_id()) + "]");
          c->auth.reset();
          return true;
        case TcpAuthHandshake::Step::kFailed:
          core::LogWarn("line tcp authentication failed, closing connection [peer=" + c->peer +
                        ", key_id=" + Printable(c->auth->key_id()) + ", reason=" +
                        c->auth->error() + "]");
          return false;
      }
    }
  }

  void OnReadable(TcpConn* c) {
    for (int i = 0; i < 16; ++i) {
      size_t room = 0;
      char* tail = c->buf.Tail(&room);
      ssize_t n = ::recv(c->fd, tail, room, 0);
      if (n > 0) {
        c->last_activity_us = core::MonotonicMicros();
        c->buf.Added(static_cast<size_t>(n));
        if (c->auth != nullptr && !Authenticate(c)) {
          Close(c);
          return;
        }
        if (c->auth != nullptr) continue;  // handshake not finished: nothing to parse yet
        if (!Consume(c, false)) {
          Commit("connection error");
          Close(c);
          return;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (c->auth != nullptr) {
        core::LogInfo("line tcp connection closed before authentication [peer=" + c->peer + "]");
        Close(c);
        return;
      }
      // EOF or error: a last line without '\n' still counts.
      bool ok = Consume(c, true);
      (void)ok;
      Commit("disconnect");
      Close(c);
      return;
    }
  }

  void Accept() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (connection_count->fetch_add(1) >= options.connection_limit) {
        connection_count->fetch_sub(1);
        core::LogWarn("line tcp connection refused, limit reached [limit=" +
                      std::to_string(options.connection_limit) + "]");
        ::close(fd);
        continue;
      }
      // Until the connection is in `conns`, a throw (out of memory) closes the socket here.
      struct Pending {
        int fd;
        std::atomic<int>* count;
        ~Pending() {
          if (fd < 0) return;
          ::close(fd);
          count->fetch_sub(1);
        }
      } pending{fd, connection_count};
      auto c = std::make_unique<TcpConn>();
      c->fd = fd;
      c->peer = PeerName(fd);
      c->last_activity_us = core::MonotonicMicros();
      if (options.auth_keys) c->auth = std::make_unique<TcpAuthHandshake>(options.auth_keys.get());
      TcpConn* raw = c.get();
      conns[fd] = std::move(c);
      pending.fd = -1;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = raw;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  // Runs `fn` for the connection `fd` (-1: none). Anything it throws (std::bad_alloc included)
  // ends no thread and no process: the worker's uncommitted rows are dropped, since a row
  // appended in part cannot be committed, and the connection `fd` and every connection that
  // sent some of those rows are closed, so their clients see the failure instead of a silent
  // loss (line protocol over TCP has no other way to say so).
  template <typename Fn>
  void Guarded(int fd, Fn&& fn) {
    if (core::RunGuarded("line tcp worker", fn).ok()) return;
    (void)core::RunGuarded("line tcp worker recovery", [&] {
      batch->ReleaseAll();
      first_pending_us = 0;
      std::vector<TcpConn*> doomed;
      for (auto& [cfd, c] : conns) {
        if (cfd == fd || c->has_uncommitted_rows) doomed.push_back(c.get());
      }
      for (TcpConn* c : doomed) {
        core::LogError("line tcp uncommitted rows dropped after an internal error, closing "
                       "connection [peer=" + c->peer + "]");
        Close(c);
      }
    });
  }

  void Loop() {
    epoll_event events[128];
    int64_t last_check = core::MonotonicMicros();
    while (!stop.load()) {
      int timeout_ms = static_cast<int>(std::min<int64_t>(
          std::max<int64_t>(1, std::min(options.maintenance_interval_ms, options.commit_interval_ms)),
          250));
      int n = ::epoll_wait(epoll_fd, events, 128, timeout_ms);
      for (int i = 0; i < n; ++i) {
        void* ptr = events[i].data.ptr;
        if (ptr == nullptr) {
          uint64_t v;
          ssize_t r = ::read(wake_fd, &v, sizeof(v));
          (void)r;
          continue;
        }
        if (ptr == this) {
          Guarded(-1, [&] { Accept(); });
          continue;
        }
        TcpConn* c = static_cast<TcpConn*>(ptr);
        Guarded(c->fd, [&] { OnReadable(c); });
      }
      int64_t now = core::MonotonicMicros();
      if (first_pending_us != 0 && now - first_pending_us >= options.commit_interval_ms * 1000) {
        Guarded(-1, [&] { Commit("commit interval"); });
      }
      if (now - last_check > 1'000'000) {
        last_check = now;
        Guarded(-1, [&] {
          std::vector<TcpConn*> idle;
          for (auto& [fd, c] : conns) {
            if (now - c->last_activity_us > options.idle_timeout_ms * 1000) idle.push_back(c.get());
          }
          for (TcpConn* c : idle) {
            core::LogInfo("line tcp idle connection closed [peer=" + c->peer + "]");
            Close(c);
          }
        });
      }
    }
    // Shutdown: take what is already in the socket buffers, commit, close.
    Guarded(-1, [&] {
      for (auto& [fd, c] : conns) {
        if (c->auth != nullptr) continue;  // not authenticated: nothing of it is written
        for (int i = 0; i < 64; ++i) {
          size_t room = 0;
          char* tail = c->buf.Tail(&room);
          ssize_t n = ::recv(c->fd, tail, room, 0);
          if (n <= 0) break;
          c->buf.Added(static_cast<size_t>(n));
          if (!Consume(c.get(), false)) break;
        }
      }
      Commit("shutdown");
    });
    while (!conns.empty()) Close(conns.begin()->second.get());
  }
};

struct TcpLineServer::Impl {
  cairo::Engine* engine;
  TcpLineOptions options;
  int listen_fd = -1;
  std::atomic<int> connection_count{0};
  std::vector<std::unique_ptr<TcpWorker>> workers;
  bool running = false;
};

TcpLineServer::TcpLineServer(cairo::Engine* engine, TcpLineOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->engine = engine;
  impl_->options = std::move(options);
  if (impl_->options.worker_count <= 0) {
    impl_->options.worker_count =
        static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  }
}

TcpLineServer::~TcpLineServer() { Stop(); }

size_t TcpLineServer::connection_count() const {
  return static_cast<size_t>(std::max(0, impl_->connection_count.load()));
}

core::Status TcpLineServer::Start() {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(m.listen_fd, ListenTcp(m.options.host, m.options.port, &port_));
  for (int i = 0; i < m.options.worker_count; ++i) {
    auto w = std::make_unique<TcpWorker>(m.engine, &m.options, &m.connection_count, m.listen_fd);
    w->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->epoll_fd < 0 || w->wake_fd < 0) {
      core::Status st = core::Status::FromErrno(errno, "epoll setup");
      if (w->epoll_fd >= 0) ::close(w->epoll_fd);
      if (w->wake_fd >= 0) ::close(w->wake_fd);
      m.running = true;
      Stop();
      return st;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = w.get();
    ::epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, m.listen_fd, &ev);
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    ::epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev);
    m.workers.push_back(std::move(w));
  }
  for (auto& w : m.workers) {
    TcpWorker* p = w.get();
    p->thread = std::thread([p] { p->Loop(); });
  }
  m.running = true;
  return core::Status::Ok();
}

void TcpLineServer::Stop() {
  Impl& m = *impl_;
  if (!m.running) return;
  m.running = false;
  for (auto& w : m.workers) ::epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, m.listen_fd, nullptr);
  ::close(m.listen_fd);
  m.listen_fd = -1;
  for (auto& w : m.workers) {
    w->stop.store(true);
    uint64_t one = 1;
    ssize_t r = ::write(w->wake_fd, &one, sizeof(one));
    (void)r;
  }
  for (auto& w : m.workers) {
    if (w->thread.joinable()) w->thread.join();
    w->batch->ReleaseAll();
    ::close(w->epoll_fd);
    ::close(w->wake_fd);
  }
  m.workers.clear();
}

}  // namespace sundial::http
