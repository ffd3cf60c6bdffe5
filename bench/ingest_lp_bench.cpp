// bench/ingest_lp_bench.cpp — line-protocol ingest throughput against a running server, and
// in-process (parse + append + commit, no sockets). Built and run by bench/ingest.sh.
//
//   ingest_lp_bench http <port> <connections> <file.lp>...   POST /write, one file per request
//   ingest_lp_bench tcp  <port> <connections> <file.lp>...   stream over TCP (port 9009 style)
//   ingest_lp_bench inproc <dir> <file.lp>...                Engine + IlpBatch in this process
//
// Files are read into memory first; the clock starts when the first byte is sent. Prints rows
// sent, seconds and rows/s until the last acknowledgement (http: the last 204; tcp: the last
// byte handed to the kernel) and, with VISIBLE_HTTP_PORT=<port> in the environment, until
// `select count() from cpu` on that port answers the number of rows sent ("visible").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef SUNDIAL_INPROC
#include "cairo/engine.h"
#include "http/ilp_ingest.h"
#include "http/line_protocol.h"
#endif

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

size_t CountLines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads one HTTP response head (+ Content-Length body); returns the status.
int ReadResponse(int fd, std::string* buf) {
  for (;;) {
    size_t e = buf->find("\r\n\r\n");
    if (e != std::string::npos) {
      int status = std::atoi(buf->c_str() + 9);
      size_t cl = 0;
      size_t p = buf->find("Content-Length: ");
      if (p != std::string::npos && p < e) cl = std::strtoul(buf->c_str() + p + 16, nullptr, 10);
      while (buf->size() < e + 4 + cl) {
        char tmp[4096];
        ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0) return -1;
        buf->append(tmp, static_cast<size_t>(n));
      }
      if (status != 204) std::fprintf(stderr, "response: %s\n", buf->substr(0, e + 4 + cl).c_str());
      buf->erase(0, e + 4 + cl);
      return status;
    }
    char tmp[4096];
    ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf->append(tmp, static_cast<size_t>(n));
  }
}

// Polls `select count() from cpu` on the HTTP port until it answers `rows`; false after 600 s.
bool WaitVisible(int port, size_t rows) {
  const std::string want = "\"dataset\":[[" + std::to_string(rows) + "]]";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = Connect(port);
    std::string req = "GET /exec?query=select%20count()%20from%20cpu HTTP/1.1\r\nHost: localhost\r\n\r\n";
    std::string buf;
    bool ok = SendAll(fd, req.data(), req.size());
    for (int i = 0; ok && i < 1000 && buf.find(want) == std::string::npos; ++i) {
      char tmp[4096];
      ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
      if (n <= 0) break;
      buf.append(tmp, static_cast<size_t>(n));
      if (buf.find("\r\n\r\n") != std::string::npos && buf.find("\"count\"") != std::string::npos) break;
    }
    ::close(fd);
    if (buf.find(want) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

std::atomic<int64_t> max_request_us{0};  // slowest POST /write, send to 204

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s http|tcp <port> <connections> files... | inproc <dir> files...\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  std::vector<std::string> files;
  int first_file = mode == "inproc" ? 3 : 4;
  for (int i = first_file; i < argc; ++i) files.push_back(argv[i]);
  // Load everything first: the clock measures ingest, not the client's disk.
  std::vector<std::string> bodies;
  size_t rows = 0, bytes = 0;
  for (const auto& f : files) {
    bodies.push_back(ReadFile(f));
    rows += CountLines(bodies.back());
    bytes += bodies.back().size();
  }
  auto t0 = std::chrono::steady_clock::now();
  if (mode == "inproc") {
#ifdef SUNDIAL_INPROC
    using namespace sundial;
    cairo::EngineOptions eo;
    eo.db_root = std::string(argv[2]) + "/db";
    auto engine = cairo::Engine::Open(core::NewPosixFileSystem(), eo);
    if (!engine.ok()) {
      std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
      return 1;
    }
    {
      // Parse-only pass over a copy, to split the time between parsing and appending.
      std::vector<std::string> copy = bodies;
      auto p0 = std::chrono::steady_clock::now();
      http::LineParser parser;
      http::IlpLine line;
      size_t lines = 0;
      for (auto& body : copy) {
        char* p = body.data();
        char* end = p + body.size();
        while (p < end) {
          char* next = end;
          if (parser.Parse(p, end, true, &line, &next) == http::LineParser::Outcome::kLine) ++lines;
          p = next;
        }
      }
      double ps = std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
      std::printf("parse only: lines=%zu seconds=%.3f lines_per_s=%.0f\n", lines, ps, lines / ps);
    }
    t0 = std::chrono::steady_clock::now();
    double commit_s = 0;
    http::IlpBatch batch(engine->get(), {});
    http::LineParser parser;
    http::IlpLine line;
    for (auto& body : bodies) {
      char* p = body.data();
      char* end = p + body.size();
      while (p < end) {
        char* next = end;
        core::Status fast;
        if (batch.AppendLikeLast(p, end, http::IlpPrecision::kNanos, 0, &next, &fast)) {
          if (!fast.ok()) {
            std::fprintf(stderr, "append: %s\n", fast.ToString().c_str());
            return 1;
          }
          p = next;
          continue;
        }
        auto o = parser.Parse(p, end, true, &line, &next);
        if (o == http::LineParser::Outcome::kError) {
          std::fprintf(stderr, "parse error: %s\n", parser.error().c_str());
          return 1;
        }
        p = next;
        if (o != http::LineParser::Outcome::kLine) continue;
        int64_t ts;
        http::IlpTimestampToMicros(line.timestamp, http::IlpPrecision::kNanos, &ts);
        auto st = batch.Append(line, ts);
        if (!st.ok()) {
          std::fprintf(stderr, "append: %s\n", st.ToString().c_str());
          return 1;
        }
      }
      auto c0 = std::chrono::steady_clock::now();
      auto st = batch.CommitAll();
      commit_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
      if (!st.ok()) {
        std::fprintf(stderr, "commit: %s\n", st.ToString().c_str());
        return 1;
      }
    }
    batch.ReleaseAll();
    std::printf("commit time: seconds=%.3f\n", commit_s);
#else
    std::fprintf(stderr, "built without SUNDIAL_INPROC\n");
    return 2;
#endif
  } else {
    int port = std::atoi(argv[2]);
    int conns = std::max(1, std::atoi(argv[3]));
    std::atomic<size_t> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < conns; ++c) {
      threads.emplace_back([&] {
        int fd = Connect(port);
        std::string buf;
        for (;;) {
          size_t i = next.fetch_add(1);
          if (i >= bodies.size()) break;
          const std::string& b = bodies[i];
          if (mode == "http") {
            std::string head = "POST /write HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                               std::to_string(b.size()) + "\r\n\r\n";
            auto r0 = std::chrono::steady_clock::now();
            if (!SendAll(fd, head.data(), head.size()) || !SendAll(fd, b.data(), b.size()) ||
                ReadResponse(fd, &buf) != 204) {
              failures.fetch_add(1);
            }
            int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - r0).count();
            int64_t seen = max_request_us.load();
            while (us > seen && !max_request_us.compare_exchange_weak(seen, us)) {
            }
          } else {
            if (!SendAll(fd, b.data(), b.size())) failures.fetch_add(1);
          }
        }
        ::close(fd);
      });
    }
    for (auto& t : threads) t.join();
    if (failures.load() != 0) {
      std::fprintf(stderr, "%d failed requests\n", failures.load());
      return 1;
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("mode=%s rows=%zu bytes=%zu seconds=%.3f rows_per_s=%.0f MB_per_s=%.1f",
              mode.c_str(), rows, bytes, s, rows / s, bytes / s / 1e6);
  if (mode == "http") std::printf(" max_request_ms=%.1f", max_request_us.load() / 1000.0);
  std::printf("\n");
  if (const char* vp = std::getenv("VISIBLE_HTTP_PORT"); vp != nullptr && mode != "inproc") {
    if (!WaitVisible(std::atoi(vp), rows)) {
      std::fprintf(stderr, "rows did not become visible\n");
      return 1;
    }
    double v = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("visible: mode=%s rows=%zu seconds=%.3f rows_per_s=%.0f\n", mode.c_str(), rows,
                v, rows / v);
  }
  return 0;
}
