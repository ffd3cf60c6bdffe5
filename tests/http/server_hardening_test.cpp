// Integration tests of the real `sundial` binary against hostile or extreme input: timestamps
// at the ends of LONG, lines of many megabytes, invalid UTF-8, clients that never read, and
// credentials left empty. Every request must be answered, in bounded time, and the server
// must keep serving.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/utf8.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kLongMin = std::numeric_limits<int64_t>::min();
// 9999-12-31T23:59:59.999999Z, the last designated timestamp a partition name can hold.
constexpr int64_t kMaxTs = 253'402'300'799'999'999;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A POST whose sending and answer each give up after `seconds` (a server that stops reading
// must fail the test, not hang it).
HttpResponse PostWithin(int port, const std::string& target, const std::string& body,
                        int seconds) {
  Client c(port, seconds * 1000);
  timeval tv{seconds, 0};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (!c.Send("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body)) {
    return HttpResponse{};
  }
  return c.Read();
}

class HardeningTest : public ::testing::Test {
 protected:
  void StartOrFail() { ASSERT_TRUE(server_.Start()) << server_.Log(); }
  int port() const { return server_.http_port(); }
  bool WaitForExec(const std::string& sql, const std::string& body_part, int timeout_ms = 5000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      HttpResponse r = Exec(port(), sql);
      if (r.status == 200 && r.body.find(body_part) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  Server server_;
};

struct TsCase {
  const char* precision;
  int64_t value;
  const char* refusal;  // nullptr: stored
};

// Timestamps at and past the ends of LONG, of the partition-name range, and where the precision
// multiplication overflows, for every PARTITION BY. Before the fix a far-future timestamp made
// the commit loop over partitions spin forever (the next partition's start overflowed).
TEST_F(HardeningTest, ExtremeTimestampsOnEveryIngestPathAreAnsweredForEveryPartitioning) {
  StartOrFail();
  const std::vector<TsCase> cases = {
      {"u", kLongMax, "after 9999-12-31T23:59:59.999999Z is not allowed"},
      {"u", kLongMax - 1, "after 9999-12-31T23:59:59.999999Z is not allowed"},
      {"u", kMaxTs + 1, "after 9999-12-31T23:59:59.999999Z is not allowed"},
      {"u", kMaxTs, nullptr},
      {"u", kLongMin + 1, "before 1970-01-01 is not allowed"},
      {"u", -1, "before 1970-01-01 is not allowed"},
      {"n", kLongMax, nullptr},  // 2262-04-11
      {"n", kLongMax - 1, nullptr},
      {"n", kLongMin + 1, "before 1970-01-01 is not allowed"},
      {"ms", kLongMax, "timestamp out of range"},
      {"ms", kLongMax / 1000 + 1, "timestamp out of range"},
      {"ms", kMaxTs / 1000 + 1, "after 9999-12-31T23:59:59.999999Z is not allowed"},
      {"ms", kMaxTs / 1000, nullptr},
      {"s", kLongMax, "timestamp out of range"},
      {"s", kLongMax / 1'000'000 + 1, "timestamp out of range"},
      {"s", kMaxTs / 1'000'000 + 1, "after 9999-12-31T23:59:59.999999Z is not allowed"},
      {"s", kMaxTs / 1'000'000, nullptr},
      {"s", kLongMin, "out of range"},
  };
  for (const char* by : {"NONE", "HOUR", "DAY", "WEEK", "MONTH", "YEAR"}) {
    SCOPED_TRACE(by);
    const std::string t = std::string("ff_") + by;
    ASSERT_EQ(Exec(port(), "CREATE TABLE " + t + " (v LONG, timestamp TIMESTAMP) "
                           "TIMESTAMP(timestamp) PARTITION BY " + by).status, 200);
    int stored = 0;
    for (const TsCase& c : cases) {
      SCOPED_TRACE(std::string(c.precision) + " " + std::to_string(c.value));
      auto t0 = Clock::now();
      // The refused line is the second one: nothing of the request may be committed.
      HttpResponse r = Post(port(), std::string("/write?precision=") + c.precision,
                            t + " v=7i 1\n" + t + " v=1i " + std::to_string(c.value) + "\n");
      ASSERT_NE(r.status, 0) << "no answer";
      EXPECT_LT(SecondsSince(t0), 10.0);
      if (c.refusal == nullptr) {
        EXPECT_EQ(r.status, 204) << r.body;
        stored += 2;
      } else {
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_NE(r.body.find(c.refusal), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("\"line\":2"), std::string::npos) << r.body;
      }
    }
    // INSERT: the same limit, an error and nothing written.
    HttpResponse ins = Exec(port(), "INSERT INTO " + t + " VALUES (1, CAST(" +
                                        std::to_string(kLongMax - 1) + " AS TIMESTAMP))");
    ASSERT_NE(ins.status, 0) << "no answer";
    EXPECT_EQ(ins.status, 400) << ins.body;
    EXPECT_NE(ins.body.find("after 9999-12-31T23:59:59.999999Z"), std::string::npos) << ins.body;
    HttpResponse ok_ins = Exec(port(), "INSERT INTO " + t + " VALUES (2, CAST(" +
                                           std::to_string(kMaxTs) + " AS TIMESTAMP))");
    EXPECT_EQ(ok_ins.status, 200) << ok_ins.body;
    ++stored;
    // /imp into the table: the row is refused, the reply comes.
    const std::string csv = "v,timestamp\r\n3," + std::to_string(kLongMax - 1) + "\r\n";
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"x.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n" + csv + "\r\n--XyZ--\r\n";
    HttpResponse imp = Post(port(), "/imp?fmt=json&name=" + t, body,
                            "Content-Type: multipart/form-data; boundary=XyZ\r\n");
    ASSERT_NE(imp.status, 0) << "no answer";
    EXPECT_EQ(imp.body.find("\"rowsImported\":1"), std::string::npos) << imp.body;
    HttpResponse count = Exec(port(), "select count() from " + t);
    EXPECT_NE(count.body.find("[[" + std::to_string(stored) + "]]"), std::string::npos)
        << count.body;
    HttpResponse max = Exec(port(), "select max(timestamp) from " + t);
    EXPECT_NE(max.body.find("9999-12-31T23:59:59.999999Z"), std::string::npos) << max.body;
  }
  // Over TCP (nanoseconds): LONG's maximum is 2262 and is stored; a pre-epoch one closes the
  // connection and the rows before it stay.
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "ff_tcp v=1i " + std::to_string(kLongMax) + "\nff_tcp v=2i " +
                              std::to_string(kLongMax - 1) + "\nff_tcp v=3i " +
                              std::to_string(kLongMin + 1) + "\n"));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1) << "the connection was not closed";
  char b;
  EXPECT_EQ(::recv(fd, &b, 1, 0), 0);
  ::close(fd);
  EXPECT_TRUE(WaitForExec("select count() from ff_tcp", "[[2]]"))
      << Exec(port(), "select count() from ff_tcp").body;
  EXPECT_TRUE(WaitForExec("select max(timestamp) from ff_tcp", "2262-04-11T23:47:16.854775Z"));
  // Still serving, and SIGTERM still stops it.
  EXPECT_EQ(Get(port(), "/ping").status, 204);
  EXPECT_EQ(server_.Stop(), 0);
}


// One line of 1.1, 10 and 100 MB (a string field, a tag value, a measurement name; with and
// without its newline) is answered within seconds. Before the fix a line longer than a streamed
// part (1 MiB) was handed to a worker again and again without reading more of the body: no
// answer, a core burnt.
TEST_F(HardeningTest, LinesOfManyMegabytesAreAnsweredInLinearTime) {
  StartOrFail();
  for (size_t n : {1'100'000, 10'000'000, 100'000'000}) {
    const double mb = static_cast<double>(n) / 1e6;
    struct Shape {
      const char* name;
      std::string body;
      int status;
    };
    std::vector<Shape> shapes;
    shapes.push_back({"string", "big_s,k=a s=\"" + std::string(n, 'x') + "\",v=1i 1\n", 204});
    shapes.push_back({"string without newline",
                      "big_s,k=b s=\"" + std::string(n, 'y') + "\",v=2i 2", 204});
    shapes.push_back({"tag", "big_t,k=" + std::string(n, 'z') + " v=3i 3\n", 204});
    shapes.push_back({"name", std::string(n, 'm') + " v=4i 4\n", 400});
    shapes.push_back({"name without newline", std::string(n, 'm'), 400});
    for (Shape& sh : shapes) {
      SCOPED_TRACE(std::to_string(mb) + " MB " + sh.name);
      auto t0 = Clock::now();
      HttpResponse r = PostWithin(port(), "/write", sh.body, 150);
      const double secs = SecondsSince(t0);
      ASSERT_NE(r.status, 0) << "no answer";
      EXPECT_EQ(r.status, sh.status) << r.body.substr(0, 300);
      // Linear, and generous for ASan on a loaded machine (an idle one needs ~0.03 s per MB);
      // the old code never answered.
      EXPECT_LT(secs, 10.0 + 0.8 * mb);
      std::fprintf(stderr, "[ figures  ] %.1f MB %s line answered in %.2f s\n", mb, sh.name, secs);
    }
  }
  HttpResponse len = Exec(port(), "select k, length(s) from big_s order by k");
  EXPECT_NE(len.body.find("[\"a\",100000000]"), std::string::npos) << len.body.substr(0, 300);
  EXPECT_NE(len.body.find("[\"b\",100000000]"), std::string::npos) << len.body.substr(0, 300);
  EXPECT_EQ(Get(port(), "/ping").status, 204);
}

// Line protocol text must be UTF-8 (as QuestDB): a 400 naming the line, nothing committed.
TEST_F(HardeningTest, InvalidUtf8OnWriteIsRefusedWithTheLine) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write", "u8,t=caf\xc3\xa9 s=\"\xe2\x82\xac \xf0\x9f\x98\x80\" 1000\n").status,
            204);
  const std::vector<std::string> bad = {
      "u8 s=\"ab\xff\" 2000\n",           // invalid byte in a string
      "u8,t=\xc3\x28 s=\"x\" 2000\n",      // bad continuation in a tag
      "u8 s=\"\xed\xa0\x80\" 2000\n",       // a surrogate
      "u8 s=\"\xc0\xaf\" 2000\n",           // overlong
      "u8 s=\"\xe2\x82\" 2000\n",           // truncated
      "u8,t=a s=\"x\",\xfe=1i 2000\n",      // in a column name
      "u\x80 s=\"x\" 2000\n",              // in the table name
  };
  for (const std::string& line : bad) {
    HttpResponse r = Post(port(), "/write", "u8 s=\"ok\" 1500\n" + line);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("invalid UTF-8"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"line\":2"), std::string::npos) << r.body;
    EXPECT_TRUE(core::IsValidUtf8(r.body)) << r.body;
  }
  HttpResponse q = Exec(port(), "select t, s from u8");
  EXPECT_EQ(q.status, 200);
  EXPECT_NE(q.body.find("\"count\":1"), std::string::npos) << q.body;
  EXPECT_NE(q.body.find("[\"caf\xc3\xa9\",\"\xe2\x82\xac \xf0\x9f\x98\x80\"]"), std::string::npos)
      << q.body;
  // Bytes that reached a table another way (a CSV import) still leave as valid JSON.
  const std::string csv = "s,n\r\nok,1\r\nab\xff\xfe,2\r\n";
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"raw.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" + csv + "\r\n--XyZ--\r\n";
  HttpResponse imp = Post(port(), "/imp?fmt=json&name=raw", body,
                          "Content-Type: multipart/form-data; boundary=XyZ\r\n");
  ASSERT_EQ(imp.status, 200) << imp.body;
  HttpResponse raw = Exec(port(), "select s from raw order by n");
  EXPECT_EQ(raw.status, 200);
  EXPECT_TRUE(core::IsValidUtf8(raw.body)) << raw.body;
  EXPECT_NE(raw.body.find("\"ab\\ufffd\\ufffd\""), std::string::npos) << raw.body;
}

// A client that stays stalled past the idle timeout is closed: its response ends cut short
// (no final chunk) and the connection's buffer and query go.
TEST_F(HardeningTest, AReaderStalledPastTheIdleTimeoutIsClosed) {
  server_.SetConf("http.net.connection.timeout", "1000");
  StartOrFail();
  int fd = ConnectTcp(port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /exec?query=" + UrlEncode("select x from long_sequence(3000000)") +
                              " HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(3s);  // stalled past the timeout
  std::string got;
  auto deadline = Clock::now() + 20s;
  bool eof = false;
  while (!eof && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof = true;
    } else {
      got.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  EXPECT_TRUE(eof) << "the stalled connection was not closed";
  EXPECT_TRUE(got.rfind("HTTP/1.1 200", 0) == 0) << got.substr(0, 100);
  EXPECT_EQ(got.find("\r\n0\r\n\r\n"), std::string::npos) << "the whole response came";
  EXPECT_LT(got.size(), 20u << 20);
  EXPECT_EQ(Get(port(), "/ping").status, 204);
}

// Credential keys present but empty turn authentication off: the log says so at start.
TEST(HardeningConfigTest, EmptyCredentialsWarnAtStart) {
  {
    Server s;
    s.SetConf("http.user", "");
    s.SetConf("http.password", "");
    ASSERT_TRUE(s.Start()) << s.Log();
    EXPECT_NE(s.Log().find("http authentication is disabled although a credential key is set"),
              std::string::npos) << s.Log();
    EXPECT_EQ(s.Stop(), 0);
  }
  {
    Server s;
    s.SetConf("pg.user", "admin");  // pg.* count only in pairs
    ASSERT_TRUE(s.Start()) << s.Log();
    EXPECT_NE(s.Log().find("http authentication is disabled although a credential key is set; "
                           "set both http.user and http.password to non-empty values "
                           "[key=pg.user]"), std::string::npos) << s.Log();
    EXPECT_EQ(s.Stop(), 0);
  }
  {
    Server s;  // only one of the pair: refused at start, naming the keys
    s.SetConf("http.user", "admin");
    EXPECT_EQ(s.RunExpectExit(), 1);
    EXPECT_NE(s.Log().find("'http.user' and 'http.password' must be set together"),
              std::string::npos) << s.Log();
  }
  {
    Server s;  // both set: no warning
    s.SetConf("http.user", "admin");
    s.SetConf("http.password", "quest");
    ASSERT_TRUE(s.Start()) << s.Log();
    EXPECT_EQ(s.Log().find("authentication is disabled"), std::string::npos) << s.Log();
    EXPECT_EQ(s.Stop(), 0);
  }
}


// Fifty clients ask for a large result and never read it. Before the fix each held a worker
// (blocked on its socket for up to the idle timeout), so four of them stopped every other
// query; now a stalled response waits in its connection's buffer and the workers serve others.
TEST_F(HardeningTest, ClientsThatNeverReadDoNotDelayOthers) {
  server_.SetConf("http.worker.count", "4");
  StartOrFail();
  const std::string big_query =
      "/exec?query=" + UrlEncode("select x, x * 2 as y, 'some text to make rows longer' as s "
                                 "from long_sequence(1000000)");
  std::vector<int> stalled;
  for (int i = 0; i < 50; ++i) {
    int fd = ConnectTcp(port());
    ASSERT_GE(fd, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    const std::string req = "GET " + big_query + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(SendAll(fd, req));
    stalled.push_back(fd);
  }
  // Let the server fill those sockets and park them.
  Client good(port(), 10'000);
  ASSERT_TRUE(good.connected());
  const std::string q = "GET /exec?query=" + UrlEncode("select count() from long_sequence(10)") +
                        " HTTP/1.1\r\nHost: x\r\n\r\n";
  auto warm_until = Clock::now() + 3s;
  while (Clock::now() < warm_until) {
    ASSERT_TRUE(good.Send(q));
    HttpResponse r = good.Read();
    ASSERT_EQ(r.status, 200) << "a well-behaved client got no answer";
  }
  std::vector<double> ms;
  for (int i = 0; i < 300; ++i) {
    auto t0 = Clock::now();
    ASSERT_TRUE(good.Send(q));
    HttpResponse r = good.Read();
    ASSERT_EQ(r.status, 200) << "a well-behaved client got no answer";
    ASSERT_NE(r.body.find("[[10]]"), std::string::npos) << r.body;
    ms.push_back(SecondsSince(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2], p99 = ms[ms.size() * 99 / 100];
  std::fprintf(stderr, "[ figures  ] 50 stalled readers: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               p50, p99, ms.back());
  EXPECT_LT(p99, 50.0);
  // The stalled ones are still open (parked, not dropped), each with its response waiting.
  int open = 0;
  for (int fd : stalled) {
    char buf[1];
    ssize_t n = ::recv(fd, buf, 1, MSG_DONTWAIT | MSG_PEEK);
    if (n > 0) ++open;
  }
  EXPECT_EQ(open, 50);
  for (int fd : stalled) ::close(fd);
  // A reader that does read gets the whole large result.
  HttpResponse all = Get(port(), big_query);
  EXPECT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("\"count\":1000000}"), std::string::npos) << all.body.substr(all.body.size() - 200);
  EXPECT_EQ(server_.Stop(), 0);
}

}  // namespace
}  // namespace sundial::testing
