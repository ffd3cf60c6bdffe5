// Allocation-failure injection: this binary replaces the global operator new with one that
// throws std::bad_alloc at the N-th allocation after a thread arms it (thread-local, so only the
// thread under test fails). A failure anywhere on an HTTP worker or an ILP parsing thread must
// become an error for that request (a 500 with a JSON message, or a refused /write) and never
// end the process.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <latch>
#include <memory>
#include <new>
#include <string>

#include "core/worker_pool.h"
#include "http/http_server.h"
#include "http/ilp_write.h"
#include "http/tcp_line_server.h"
#include "sql/sql_engine.h"
#include "tests/http/engine_fixture.h"
#include "tests/http/server_harness.h"
#include "tests/testutil/temp_dir.h"

namespace {

// -1: disarmed; N >= 0: the N-th allocation from now on this thread throws (once).
thread_local long g_fail_in = -1;
// The same for every thread but those marked exempt, for threads a test has no hook into (the
// TCP ingest thread): -1 disarmed, N >= 0 the N-th allocation of another thread throws (once).
std::atomic<long> g_fail_others_in{-1};
thread_local bool t_exempt_from_others = false;

bool FailNow() {
  if (g_fail_in >= 0 && g_fail_in-- == 0) return true;
  return !t_exempt_from_others && g_fail_others_in.load(std::memory_order_relaxed) >= 0 &&
         g_fail_others_in.fetch_sub(1) == 0;
}

void* Allocate(size_t n) {
  if (FailNow()) throw std::bad_alloc();
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// Every form is replaced, so no allocation is made by one allocator and freed by another (a
// mismatch AddressSanitizer reports).
void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t a) {
  if (FailNow()) throw std::bad_alloc();
  const size_t al = static_cast<size_t>(a);
  void* p = std::aligned_alloc(al, (n + al - 1) / al * al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace sundial::http {
namespace {

using testing::Get;
using testing::HttpResponse;

// Sweeps the failing allocation over a handler's own work, the response it leaves behind and
// what the worker does after it. Each request is answered (200, or 500 with a JSON message) or
// its connection closed; the server answers the next requests either way.
TEST(FaultInjectionTest, AllocationFailureOnAnHttpWorkerFailsTheRequestNotTheServer) {
  HttpServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.worker_count = 2;
  HttpServer server(
      o,
      [](HttpRequest& req, ResponseWriter& resp) {
        if (req.path == "/alloc") {
          g_fail_in = std::strtol(req.Param("n")->c_str(), nullptr, 10);
          std::string body = "{\"parts\":[";
          for (int i = 0; i < 20; ++i) body += std::string(100, 'a' + i % 26) + ",";
          body += "0]}";
          resp.Send(200, "application/json", body);
          return;
        }
        g_fail_in = -1;
        resp.Send(200, "text/plain", "ok");
      },
      nullptr);
  ASSERT_TRUE(server.Start().ok());
  int answered = 0, failed = 0, closed = 0;
  for (int n = 0; n < 120; ++n) {
    SCOPED_TRACE(n);
    HttpResponse r = Get(server.port(), "/alloc?n=" + std::to_string(n));
    if (r.status == 200) {
      ++answered;
    } else if (r.status == 500) {
      ++failed;
      EXPECT_NE(r.body.find("{\"error\":\"out of memory\"}"), std::string::npos) << r.body;
    } else {
      EXPECT_EQ(r.status, 0);
      ++closed;
    }
    // The failure may still be armed on that worker; a request after it gets its answer.
    bool ok = false;
    for (int attempt = 0; attempt < 6 && !ok; ++attempt) ok = Get(server.port(), "/ok").status == 200;
    EXPECT_TRUE(ok);
  }
  EXPECT_GT(failed, 0);
  EXPECT_GT(answered, 0);
  std::fprintf(stderr, "[ figures  ] http: 200=%d 500=%d closed=%d\n", answered, failed, closed);
  server.Stop();
}

class IlpFaultTest : public EngineFixture {};

// A parse that runs out of memory refuses its request with an Internal error (a 500), on the
// calling thread (the body's last part) and on the pool; the next request commits.
TEST_F(IlpFaultTest, AllocationFailureWhileParsingRefusesTheRequestOnly) {
  BufferPool buffers(4, 4096, 1 << 20);
  core::WorkerPool pool("ilp", 1);  // one thread, so a task can arm the one that parses
  std::string lines;
  for (int i = 0; i < 50; ++i) {
    lines += "f,k=k" + std::to_string(i % 7) + " s=\"v" + std::to_string(i) + "\",x=" +
             std::to_string(i) + "i " + std::to_string(1000 + i) + "\n";
  }
  int refused = 0;
  int64_t committed_rows = 0;
  for (bool on_pool : {false, true}) {
    for (long n = 0; n < 400; n += 3) {
      SCOPED_TRACE(std::to_string(on_pool) + " " + std::to_string(n));
      IlpWriteRequest req(engine_.get(), &pool, &buffers, IlpWriteOptions{});
      std::string body = lines;
      if (on_pool) {
        pool.Submit([n] { g_fail_in = n; });
        req.Take(&body, /*at_eof=*/false);
        body.clear();
      } else {
        g_fail_in = n;
      }
      // A throw from Take's own bookkeeping (not the parse) reaches the HTTP worker's guard,
      // which answers 500; here it must leave the request able to finish.
      core::Status took = core::RunGuarded("test", [&] { req.Take(&body, /*at_eof=*/true); });
      g_fail_in = -1;
      IlpWriteRequest::Outcome out = req.Finish();
      pool.Submit([] { g_fail_in = -1; });
      if (!took.ok()) {
        ++refused;
        continue;
      }
      if (out.error.ok()) {
        committed_rows += 50;
      } else {
        ++refused;
        EXPECT_EQ(out.error.code(), core::StatusCode::kInternal) << out.error.ToString();
        EXPECT_EQ(out.error.message(), "out of memory");
      }
    }
  }
  EXPECT_GT(refused, 0);
  IlpWriteRequest req(engine_.get(), &pool, &buffers, IlpWriteOptions{});
  std::string body = lines;
  req.Take(&body, true);
  EXPECT_TRUE(req.Finish().error.ok());
  committed_rows += 50;
  auto v = engine_->Pin("f");
  ASSERT_TRUE(v.ok());
  int64_t rows = 0;
  for (const auto& p : v->partitions()) rows += p.row_count;
  EXPECT_EQ(rows, committed_rows);  // a refused request left nothing
}


// Per-query aggregation runs on the shared compute pool: an allocation failure in any of its
// parts (on the querying thread or a pool thread) fails that query with an error; the next
// query gets the right answer. Before, the parts ran on std::threads of their own, where a
// throw ended the process, and the querying thread's part threw out of the query.
TEST_F(IlpFaultTest, AllocationFailureInAParallelAggregationFailsTheQueryOnly) {
  BufferPool buffers(4, 4096, 1 << 20);
  core::WorkerPool pool("ilp", 1);
  std::string lines;
  for (int day = 0; day < 40; ++day) {  // 40 DAY partitions: parts for every thread
    for (int i = 0; i < 100; ++i) {
      lines += "agg v=" + std::to_string(i) + ".5 " +
               std::to_string((int64_t{day} * 86'400'000'000LL + i) * 1000) + "\n";
    }
  }
  {
    IlpWriteRequest req(engine_.get(), &pool, &buffers, IlpWriteOptions{});
    req.Take(&lines, true);
    ASSERT_TRUE(req.Finish().error.ok());
  }
  sql::SqlOptions so;
  so.worker_threads = 4;
  sql::SqlEngine sql(engine_.get(), nullptr, so);
  auto run = [&]() -> core::Result<double> {
    auto r = sql.Execute("select sum(v) from agg");
    if (!r.ok()) return r.status();
    sql::ResultBlock b;
    auto n = r->rows->Next(&b, 16);
    if (!n.ok()) return n.status();
    return b.columns.at(0).doubles.at(0);
  };
  const double expected = 40 * (100 * 99 / 2 + 50.0);
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(*run(), expected);
  core::WorkerPool* compute = core::WorkerPool::Compute();
  int failed = 0;
  for (long n = 0; n < 60; ++n) {
    SCOPED_TRACE(n);
    // Arm every compute thread (each takes one arming task, held at the latch until all have
    // one) and the querying thread.
    // Shared: a pool thread may still be inside arrive_and_wait() when the test goes on.
    auto armed = std::make_shared<std::latch>(compute->size());
    for (int t = 0; t < compute->size(); ++t) {
      compute->Submit([n, armed] {
        g_fail_in = n;
        armed->arrive_and_wait();
      });
    }
    armed->wait();
    core::Result<double> got = 0.0;
    core::Status threw = core::RunGuarded("test", [&] {
      g_fail_in = n;
      got = run();
      g_fail_in = -1;
    });
    g_fail_in = -1;
    auto disarmed = std::make_shared<std::latch>(compute->size());
    for (int t = 0; t < compute->size(); ++t) {
      compute->Submit([disarmed] {
        g_fail_in = -1;
        disarmed->arrive_and_wait();
      });
    }
    disarmed->wait();
    // A throw outside the aggregation (parsing, planning) reaches the HTTP worker's guard.
    if (!threw.ok() || !got.ok()) {
      ++failed;
      if (threw.ok()) {
        EXPECT_NE(got.status().message().find("out of memory"), std::string::npos)
            << got.status().ToString();
      }
      continue;
    }
    EXPECT_EQ(*got, expected);
  }
  EXPECT_GT(failed, 0);
  auto after = run();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, expected);
}


// The TCP ingest thread: an allocation failure anywhere in accepting, parsing, staging or
// committing drops that thread's uncommitted rows and closes the connections they came from;
// the thread and the process go on. Each connection sends 30 rows and closes its side, so the
// disconnect commits them all or, after a failure, none: never a part of a row or of the batch.
int64_t TableRows(cairo::Engine* engine, const std::string& table) {
  auto v = engine->Pin(table);
  if (!v.ok()) return 0;
  int64_t rows = 0;
  for (const auto& p : v->partitions()) rows += p.row_count;
  return rows;
}

// Sends `lines` on a new connection to `port`, closes the sending side and waits (5 s at most)
// for the server to close its side. False if the server did not close in time.
bool SendAndWaitForClose(int port, const std::string& lines) {
  int fd = testing::ConnectTcp(port);
  if (fd < 0) return false;
  size_t off = 0;
  while (off < lines.size()) {
    ssize_t n = ::send(fd, lines.data() + off, lines.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may already have closed after a failure
    off += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    closed = n <= 0;
  }
  ::close(fd);
  return closed;
}

TEST(TcpFaultTest, AllocationFailureOnTheIngestThreadClosesItsConnectionsNotTheServer) {
  t_exempt_from_others = true;  // only the server's threads fail
  testutil::TempDir dir("sundial-tcp-fault");
  cairo::EngineOptions eo;
  eo.db_root = dir.Sub("db");
  eo.purge_interval_ms = 0;  // no background thread to take the armed failure
  auto engine = cairo::Engine::Open(core::NewPosixFileSystem(), eo);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  TcpLineOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.worker_count = 1;
  o.ingest.writer_wait_ms = 200;  // a table left leased by a failure shows quickly
  TcpLineServer server(engine->get(), o);
  ASSERT_TRUE(server.Start().ok());
  std::string lines;
  for (int i = 0; i < 30; ++i) {
    lines += "tf,k=k" + std::to_string(i % 4) + " s=\"v" + std::to_string(i) + "\",x=" +
             std::to_string(i) + "i " + std::to_string((1000 + i) * 1000LL) + "\n";
  }
  ASSERT_TRUE(SendAndWaitForClose(server.port(), lines));
  int64_t rows = TableRows(engine->get(), "tf");
  ASSERT_EQ(rows, 30);
  int dropped = 0;
  for (long n = 0; n < 400; n += 4) {
    SCOPED_TRACE(n);
    g_fail_others_in = n;
    bool closed = SendAndWaitForClose(server.port(), lines);
    g_fail_others_in = -1;
    EXPECT_TRUE(closed);
    const int64_t now = TableRows(engine->get(), "tf");
    EXPECT_TRUE(now == rows || now == rows + 30) << "rows before " << rows << ", after " << now;
    if (now == rows) ++dropped;
    rows = now;
  }
  EXPECT_GT(dropped, 0);
  ASSERT_TRUE(SendAndWaitForClose(server.port(), lines));
  EXPECT_EQ(TableRows(engine->get(), "tf"), rows + 30);  // the thread still ingests
  server.Stop();
}

}  // namespace
}  // namespace sundial::http
