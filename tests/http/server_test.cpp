// Integration tests: the real `sundial` binary over sockets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <cstring>
#include <set>
#include <mutex>
#include <map>
#include <thread>

#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {}
  void StartOrFail() { ASSERT_TRUE(server_.Start()) << server_.Log(); }
  int port() const { return server_.http_port(); }
  // Polls /exec until `body_part` appears (rows become visible asynchronously for TCP).
  bool WaitForExec(const std::string& sql, const std::string& body_part, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = Exec(port(), sql);
      if (r.status == 200 && r.body.find(body_part) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  Server server_;
};

TEST_F(ServerTest, PingSettingsStatusAndUnknownRoute) {
  StartOrFail();
  HttpResponse ping = Get(port(), "/ping");
  EXPECT_EQ(ping.status, 204);
  EXPECT_FALSE(ping.Header("x-influxdb-version").empty());
  HttpResponse settings = Get(port(), "/settings");
  EXPECT_EQ(settings.status, 200);
  EXPECT_NE(settings.body.find("\"config\":{\"release.type\":\"OSS\""), std::string::npos);
  EXPECT_NE(settings.body.find("\"line.proto.support.versions\":[1]"), std::string::npos);
  EXPECT_NE(settings.body.find("\"line.proto.default.version\":1"), std::string::npos);
  EXPECT_NE(settings.body.find("\"ilp.proto.transports\":[\"tcp\",\"http\"]"), std::string::npos);
  HttpResponse status = Get(port(), "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.body, "Status: Healthy");
  EXPECT_EQ(Get(port(), "/nope").status, 404);
  EXPECT_NE(server_.Log().find("tables loaded"), std::string::npos);
  EXPECT_NE(server_.Log().find("http server listening"), std::string::npos);
}

TEST_F(ServerTest, ExecEmptyQueryAndErrorShapes) {
  StartOrFail();
  HttpResponse empty = Get(port(), "/exec?query=");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.body, "{\"error\":\"empty query\",\"query\":\"\",\"position\":\"0\"}");
  HttpResponse missing = Exec(port(), "select * from no_such_table");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("\"query\":\"select * from no_such_table\""), std::string::npos);
  EXPECT_NE(missing.body.find("\"error\":"), std::string::npos);
  EXPECT_NE(missing.body.find("\"position\":"), std::string::npos);
  HttpResponse bad_utf8 = Get(port(), "/exec?query=select%20%ff");
  EXPECT_EQ(bad_utf8.status, 400);
  EXPECT_NE(bad_utf8.body.find("Bad UTF8"), std::string::npos);
  HttpResponse chk = Get(port(), "/chk?j=no_such_table");
  EXPECT_EQ(chk.body, "{\"status\":\"Does not exist\"}");
}

// DDL, INSERT and UPDATE answer with QuestDB's confirmations; UPDATE reports its row count.
TEST_F(ServerTest, ExecConfirmsDdlInsertAndUpdate) {
  StartOrFail();
  HttpResponse c = Exec(port(), "create table t (ts timestamp, s symbol, v double) timestamp(ts) "
                                "partition by day");
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body, "{\"ddl\":\"OK\"}");
  HttpResponse i = Exec(port(), "insert into t values ('2024-01-01T00:00:00Z', 'a', 1), "
                                "('2024-01-02T00:00:00Z', 'b', 2), ('2024-01-03T00:00:00Z', 'a', 3)");
  EXPECT_EQ(i.body, "{\"dml\":\"OK\"}");
  HttpResponse u = Exec(port(), "UPDATE t SET v = v * 10, s = 'c' WHERE s = 'a'");
  EXPECT_EQ(u.status, 200);
  EXPECT_EQ(u.body, "{\"dml\":\"OK\",\"updated\":2}");
  EXPECT_EQ(Exec(port(), "update t set v = 0 where v < 0").body,
            "{\"dml\":\"OK\",\"updated\":0}");
  EXPECT_NE(Exec(port(), "select s, v from t", "&nm=true")
                .body.find("\"dataset\":[[\"c\",10.0],[\"b\",2.0],[\"c\",30.0]]"),
            std::string::npos);
  HttpResponse bad = Exec(port(), "update t set ts = now()");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"error\":\"Designated timestamp column cannot be updated\""),
            std::string::npos);
  EXPECT_NE(bad.body.find("\"position\":13"), std::string::npos);
}

TEST_F(ServerTest, WriteThenExecRendersEveryIlpType) {
  StartOrFail();
  HttpResponse w = Post(port(), "/write",
                        "m,tag=a\\ b d=1.5,l=42i,b=t,s=\"q\\\"x\",ts=1700000000123456t 1700000000000000000\n"
                        "m,tag=c d=NaN,l=-7i,b=f 1700000001000000000\n");
  ASSERT_EQ(w.status, 204) << w.body;
  EXPECT_TRUE(w.body.empty());
  HttpResponse r = Exec(port(), "select * from m");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.body,
            "{\"query\":\"select * from m\",\"columns\":[{\"name\":\"tag\",\"type\":\"SYMBOL\"},"
            "{\"name\":\"d\",\"type\":\"DOUBLE\"},{\"name\":\"l\",\"type\":\"LONG\"},"
            "{\"name\":\"b\",\"type\":\"BOOLEAN\"},{\"name\":\"s\",\"type\":\"VARCHAR\"},"
            "{\"name\":\"ts\",\"type\":\"TIMESTAMP\"},{\"name\":\"timestamp\",\"type\":\"TIMESTAMP\"}],"
            "\"timestamp\":6,\"dataset\":["
            "[\"a b\",1.5,42,true,\"q\\\"x\",\"2023-11-14T22:13:20.123456Z\",\"2023-11-14T22:13:20.000000Z\"],"
            "[\"c\",null,-7,false,null,null,\"2023-11-14T22:13:21.000000Z\"]],\"count\":2}");
  // nm, limit lo,hi, count.
  HttpResponse lim = Exec(port(), "select * from m", "&limit=2,2&nm=true&count=true");
  ASSERT_EQ(lim.status, 200);
  EXPECT_EQ(lim.body.substr(0, 13), "{\"dataset\":[[");
  EXPECT_NE(lim.body.find("[\"c\","), std::string::npos);
  EXPECT_EQ(lim.body.find("[\"a b\","), std::string::npos);
  EXPECT_NE(lim.body.find("\"count\":2}"), std::string::npos);
  EXPECT_EQ(Get(port(), "/chk?j=m").body, "{\"status\":\"Exists\"}");
}

// QuestDB's /exec parameters quoteLargeNum (and src=con), cols and explain.
TEST_F(ServerTest, ExecQuoteLargeNumColsAndExplain) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write",
                 "m,tag=a l=9007199254740993i,i=7i,d=1.5 1700000000000000000\n"
                 "m,tag=b d=2.5 1700000001000000000\n")
                .status,
            204);
  const std::string q = "select tag, l, cast(i as int) i, d, timestamp from m";
  // LONG values (not INT) become strings; nulls stay null.
  for (const char* param : {"&nm=true&quoteLargeNum=true", "&nm=true&src=con"}) {
    EXPECT_EQ(Exec(port(), q, param).body,
              "{\"dataset\":[[\"a\",\"9007199254740993\",7,1.5,\"2023-11-14T22:13:20.000000Z\"],"
              "[\"b\",null,null,2.5,\"2023-11-14T22:13:21.000000Z\"]],\"count\":2}")
        << param;
  }
  EXPECT_NE(Exec(port(), q, "&nm=true").body.find("[\"a\",9007199254740993,7,"), std::string::npos);
  // cols: a subset, in the order asked, names in any case; the timestamp index follows it.
  HttpResponse c = Exec(port(), q, "&cols=d,TIMESTAMP,tag");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_NE(c.body.find("\"columns\":[{\"name\":\"d\",\"type\":\"DOUBLE\"},"
                        "{\"name\":\"timestamp\",\"type\":\"TIMESTAMP\"},"
                        "{\"name\":\"tag\",\"type\":\"SYMBOL\"}],\"timestamp\":1,"
                        "\"dataset\":[[1.5,\"2023-11-14T22:13:20.000000Z\",\"a\"],"
                        "[2.5,\"2023-11-14T22:13:21.000000Z\",\"b\"]]"),
            std::string::npos)
      << c.body;
  EXPECT_NE(Exec(port(), q, "&cols=d").body.find("\"timestamp\":-1"), std::string::npos);
  HttpResponse missing = Exec(port(), q, "&cols=d,z");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("\"error\":\"column not found: 'z'\""), std::string::npos) << missing.body;
  HttpResponse empty = Exec(port(), q, "&cols=d,,tag");
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("\"error\":\"empty column in query parameter\""), std::string::npos);
  // explain: after count (and timings), as QuestDB orders the keys.
  std::string e = Exec(port(), q, "&nm=true&timings=true&explain=true").body;
  EXPECT_LT(e.find("\"timings\":{"), e.find(",\"explain\":{\"jitCompiled\":false}}"));
  EXPECT_TRUE(e.ends_with(",\"explain\":{\"jitCompiled\":false}}")) << e;
}

TEST_F(ServerTest, WriteErrorsAreAtomicAndQuestDbShaped) {
  StartOrFail();
  // A bad third line: nothing of the request is committed.
  HttpResponse bad = Post(port(), "/write", "t1 a=1 1000000000\nt1 a=2 2000000000\nt1 a=\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"code\":\"invalid\""), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("failed to parse line protocol:errors encountered on line(s):\\nerror in line 3: "),
            std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("\"line\":3"), std::string::npos);
  EXPECT_NE(bad.body.find("\"errorId\":\""), std::string::npos);
  HttpResponse none = Exec(port(), "select * from t1");
  EXPECT_TRUE(none.status == 400 || none.body.find("\"count\":0") != std::string::npos) << none.body;
  // Type mismatch with an existing column: 400, and the good first line is not committed.
  ASSERT_EQ(Post(port(), "/write", "t2 a=1 1000000000\n").status, 204);
  HttpResponse mismatch = Post(port(), "/write", "t2 a=5 2000000000\nt2 a=\"text\" 3000000000\n");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("error in line 2"), std::string::npos) << mismatch.body;
  HttpResponse t2 = Exec(port(), "select * from t2");
  EXPECT_NE(t2.body.find("\"count\":1"), std::string::npos) << t2.body;
  // Precision.
  HttpResponse prec = Post(port(), "/write?precision=fortnight", "t3 a=1 1\n");
  EXPECT_EQ(prec.status, 400);
  EXPECT_NE(prec.body.find("unsupported precision"), std::string::npos);
  ASSERT_EQ(Post(port(), "/write?precision=s", "t3 a=1 1700000000\n").status, 204);
  ASSERT_EQ(Post(port(), "/write?precision=ms", "t3 a=2 1700000000001\n").status, 204);
  HttpResponse t3 = Exec(port(), "select * from t3");
  EXPECT_NE(t3.body.find("2023-11-14T22:13:20.000000Z"), std::string::npos) << t3.body;
  EXPECT_NE(t3.body.find("2023-11-14T22:13:20.001000Z"), std::string::npos) << t3.body;
  // A line without timestamp gets the server's time (this century).
  ASSERT_EQ(Post(port(), "/api/v2/write", "t4 a=1\n").status, 204);
  EXPECT_NE(Exec(port(), "select * from t4").body.find("\"20"), std::string::npos);
  // As QuestDB: no designated timestamp before the epoch (the line is named, nothing commits).
  HttpResponse before = Post(port(), "/write", "t3 a=3 1700000000000000000\nt3 a=4 -5000000000\n");
  EXPECT_EQ(before.status, 400);
  EXPECT_NE(before.body.find("before 1970-01-01 is not allowed"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find("\"line\":2"), std::string::npos) << before.body;
  EXPECT_NE(Exec(port(), "select count() from t3").body.find("[[2]]"), std::string::npos);
  // A table name may hold one '.' (QuestDB's clients send `file.csv`-like names); a column
  // name may not hold '-'.
  ASSERT_EQ(Post(port(), "/write", "sensors.eu,site=a v=1i 1700000000000000000\n").status, 204);
  EXPECT_NE(Exec(port(), "select v from 'sensors.eu'").body.find("[[1]]"), std::string::npos);
  HttpResponse dash = Post(port(), "/write", "t5 bad-col=1i 1700000000000000000\n");
  EXPECT_EQ(dash.status, 400);
  EXPECT_NE(dash.body.find("'-' is not allowed in a column name"), std::string::npos) << dash.body;
  // GET /write is not a write.
  EXPECT_EQ(Get(port(), "/write").status, 404);
}

TEST_F(ServerTest, KeepAlivePipeliningAndChunkedRequestBody) {
  StartOrFail();
  Client c(port());
  std::string three =
      "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /write HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "b\r\npipe a=1 10\r\n3\r\n00\n\r\n0\r\n\r\n"
      "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.Send(three));
  EXPECT_EQ(c.Read().status, 204);
  HttpResponse w = c.Read();
  EXPECT_EQ(w.status, 204) << w.body;
  HttpResponse s = c.Read();
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body, "Status: Healthy");
  // Same connection still usable; a streamed (chunked) /exec response.
  c.Send("GET /exec?query=" + UrlEncode("select * from pipe") + " HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse e = c.Read();
  EXPECT_EQ(e.status, 200);
  EXPECT_TRUE(e.chunked);
  EXPECT_NE(e.body.find("\"count\":1"), std::string::npos) << e.body;
  // Connection: close is honoured.
  c.Send("GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(c.Read().status, 204);
  EXPECT_TRUE(c.WaitClosed(2000));
}

// Bodies over a megabyte reach /write in parts as they arrive: lines cut at any byte between
// sends, strings with escaped newlines, a refusal in a late part, chunked framing and
// "Expect: 100-continue" — every request still all-or-nothing, the connection still usable.
TEST_F(ServerTest, LargeWriteBodiesArriveInPartsAndStayAtomic) {
  StartOrFail();
  std::mt19937 rng(7);
  const int kLines = 50000;
  std::string body;
  int64_t sum = 0;
  for (int i = 0; i < kLines; ++i) {
    body += "big,host=h" + std::to_string(i % 97) + " v=" + std::to_string(i) +
            "i,s=\"line\\\\ " + std::to_string(i) + " \\\"q\\\"\\\nnext\" " +
            std::to_string(1700000000000000000LL + int64_t{i} * 1000000) + "\n";
    sum += i;
  }
  ASSERT_GT(body.size(), 3u << 20);
  // Sent in pieces of random size with pauses, so parts end inside lines.
  auto send_in_pieces = [&](Client& c, const std::string& head, const std::string& payload) {
    ASSERT_TRUE(c.Send(head));
    size_t pos = 0;
    while (pos < payload.size()) {
      size_t n = std::min<size_t>(payload.size() - pos, 1 + rng() % 400000);
      ASSERT_TRUE(c.Send(payload.substr(pos, n)));
      pos += n;
      if (rng() % 3 == 0) std::this_thread::sleep_for(2ms);
    }
  };
  Client c(port());
  send_in_pieces(c, "POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n", body);
  HttpResponse ok = c.Read();
  ASSERT_EQ(ok.status, 204) << ok.body;
  HttpResponse agg = Exec(port(), "select count(), sum(v), count_distinct(host) from big");
  EXPECT_NE(agg.body.find("[[" + std::to_string(kLines) + "," + std::to_string(sum) + ",97]]"),
            std::string::npos) << agg.body;
  HttpResponse one = Exec(port(), "select s from big where v = 12345");
  EXPECT_NE(one.body.find("[[\"line\\\\ 12345 \\\"q\\\"\\nnext\"]]"), std::string::npos) << one.body;

  // A bad line near the end: 400 naming it, nothing of the request committed; same connection.
  std::string bad = body;
  size_t at = 0;
  for (int i = 0; i < 2 * (kLines - 5); ++i) at = bad.find('\n', at) + 1;  // 2 per line
  bad.insert(at, "big v=oops 1700000000000000000\n");
  send_in_pieces(c, "POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(bad.size()) + "\r\n\r\n", bad);
  HttpResponse refused = c.Read();
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("error in line " + std::to_string(kLines - 4) + ":"),
            std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("\"line\":" + std::to_string(kLines - 4)), std::string::npos);
  ASSERT_TRUE(c.Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 204);
  EXPECT_NE(Exec(port(), "select count() from big").body.find("[[" + std::to_string(kLines) + "]]"),
            std::string::npos);

  // A column given two types over a MiB apart (parsed in different parts): still 400, nothing
  // committed, the column named.
  std::string clash = "clash a=1.5 1700000000000000000\n";
  while (clash.size() < (3u << 20)) clash += "clash b=1i 1700000000000000000\n";
  clash += "clash a=\"text\" 1700000000000000000\n";
  HttpResponse clashed = Post(port(), "/write", clash);
  EXPECT_EQ(clashed.status, 400) << clashed.body;
  EXPECT_NE(clashed.body.find("column=a"), std::string::npos) << clashed.body;
  EXPECT_EQ(Get(port(), "/chk?j=clash").body, "{\"status\":\"Does not exist\"}");

  // Chunked framing with Expect: 100-continue; chunks cut lines anywhere.
  Client k(port());
  ASSERT_TRUE(k.Send("POST /write HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  std::string interim;  // "100 Continue" comes before any body byte is sent
  char ch;
  while (interim.find("\r\n\r\n") == std::string::npos && ::recv(k.fd(), &ch, 1, 0) == 1) {
    interim.push_back(ch);
  }
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  std::string chunked;
  for (size_t pos = 0; pos < body.size();) {
    size_t n = std::min<size_t>(body.size() - pos, 1 + rng() % 300000);
    char hex[32];
    std::snprintf(hex, sizeof(hex), "%zx\r\n", n);
    chunked += hex + body.substr(pos, n) + "\r\n";
    pos += n;
  }
  chunked += "0\r\n\r\n";
  send_in_pieces(k, "", chunked);
  HttpResponse kok = k.Read();
  ASSERT_EQ(kok.status, 204) << kok.body;
  EXPECT_NE(Exec(port(), "select count() from big").body.find("[[" + std::to_string(2 * kLines) + "]]"),
            std::string::npos);
}

TEST_F(ServerTest, OversizedAndMalformedRequests) {
  server_.SetConf("http.max.request.size", "64k");
  server_.SetConf("http.request.header.buffer.size", "4k");
  StartOrFail();
  HttpResponse big = Post(port(), "/write", std::string(70 * 1024, 'a'));
  EXPECT_EQ(big.status, 413);
  // QuestDB's line-protocol error JSON, as clients parse it.
  EXPECT_NE(big.body.find("\"code\":\"request too large\""), std::string::npos) << big.body;
  EXPECT_NE(big.body.find("\"errorId\":"), std::string::npos) << big.body;
  HttpResponse big_exec = Post(port(), "/exec", std::string(70 * 1024, 'a'));
  EXPECT_EQ(big_exec.status, 413);
  EXPECT_NE(big_exec.body.find("\"error\":\"request body too large"), std::string::npos) << big_exec.body;
  HttpResponse hdr = Get(port(), "/ping", "X-Big: " + std::string(8000, 'b') + "\r\n");
  EXPECT_EQ(hdr.status, 431);
  // Garbage bytes: 400 and the connection is closed; the server lives on.
  {
    Client c(port());
    std::string garbage;
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) garbage.push_back(static_cast<char>(rng()));
    garbage += "\r\n\r\n";
    c.Send(garbage);
    HttpResponse r = c.Read();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(c.WaitClosed(2000));
  }
  // A partial request then a hang-up.
  {
    Client c(port());
    c.Send("POST /write HTTP/1.1\r\nContent-Length: 100\r\n\r\nt a=1");
    c.Close();
  }
  EXPECT_EQ(Get(port(), "/ping").status, 204);
}

TEST_F(ServerTest, IdleConnectionsAreClosedAfterTimeout) {
  server_.SetConf("http.net.connection.timeout", "500");
  StartOrFail();
  Client idle(port());
  Client slow(port());
  slow.Send("GET /pi");  // slowloris: never finishes the request line
  Client trickle(port());
  std::atomic<bool> stop{false};
  std::thread trickler([&] {  // one header byte every 100 ms: active, but never done
    trickle.Send("GET /ping HTTP/1.1\r\n");
    while (!stop.load() && trickle.Send("X")) std::this_thread::sleep_for(100ms);
  });
  EXPECT_TRUE(idle.WaitClosed(5000));
  EXPECT_TRUE(slow.WaitClosed(5000));
  EXPECT_TRUE(trickle.WaitClosed(5000));
  stop.store(true);
  trickler.join();
  EXPECT_EQ(Get(port(), "/ping").status, 204);
}

TEST_F(ServerTest, FiveHundredConcurrentConnections) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write", "conc a=1 1000\n").status, 204);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 500; ++i) {
    clients.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (int i = 0; i < 500; ++i) {
    std::string req = i % 5 == 0 ? "GET /exec?query=" + UrlEncode("select * from conc") +
                                       " HTTP/1.1\r\n\r\n"
                                 : "GET /ping HTTP/1.1\r\n\r\n";
    ASSERT_TRUE(clients[static_cast<size_t>(i)]->Send(req));
  }
  int ok = 0;
  for (int i = 0; i < 500; ++i) {
    HttpResponse r = clients[static_cast<size_t>(i)]->Read();
    if ((i % 5 == 0 && r.status == 200 && r.body.find("\"count\":1") != std::string::npos) ||
        (i % 5 != 0 && r.status == 204)) {
      ++ok;
    }
  }
  EXPECT_EQ(ok, 500);
}

TEST_F(ServerTest, ConnectionLimitRefusesTheExcess) {
  server_.SetConf("http.net.connection.limit", "10");
  StartOrFail();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 10; ++i) clients.push_back(std::make_unique<Client>(port()));
  std::this_thread::sleep_for(200ms);
  Client extra(port());
  extra.Send("GET /ping HTTP/1.1\r\n\r\n");
  HttpResponse r = extra.Read();
  EXPECT_EQ(r.status, 503);
  clients.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(Get(port(), "/ping").status, 204);
}

TEST_F(ServerTest, BasicAuth) {
  server_.SetConf("http.user", "admin");
  server_.SetConf("http.password", "quest");
  StartOrFail();
  HttpResponse no = Exec(port(), "select * from x");
  EXPECT_EQ(no.status, 401);
  EXPECT_NE(no.Header("www-authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(Post(port(), "/write", "a b=1\n").status, 401);
  // admin:wrong
  EXPECT_EQ(Post(port(), "/write", "a b=1\n", "Authorization: Basic YWRtaW46d3Jvbmc=\r\n").status, 401);
  // admin:quest
  EXPECT_EQ(Post(port(), "/write", "a b=1 1000\n", "Authorization: Basic YWRtaW46cXVlc3Q=\r\n").status, 204);
  EXPECT_EQ(Exec(port(), "select * from a", "", "Authorization: Basic YWRtaW46cXVlc3Q=\r\n").status, 200);
  EXPECT_EQ(Get(port(), "/ping").status, 204);
  EXPECT_EQ(Get(port(), "/settings").status, 200);
  // A body big enough to be taken in parts is refused at its first part; the rest is read and
  // dropped, and the connection serves the next request.
  std::string big;
  while (big.size() < (3u << 20)) big += "a b=" + std::to_string(big.size()) + " 1000\n";
  Client c(port());
  ASSERT_TRUE(c.Send("POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(big.size()) + "\r\n\r\n" + big));
  EXPECT_EQ(c.Read().status, 401);
  ASSERT_TRUE(c.Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 204);
  EXPECT_NE(Exec(port(), "select count() from a", "", "Authorization: Basic YWRtaW46cXVlc3Q=\r\n")
                .body.find("[[1]]"), std::string::npos);
  EXPECT_EQ(server_.Log().find("quest"), std::string::npos) << "password must not be logged";
}

TEST_F(ServerTest, ReadOnlyModeRefusesWrites) {
  server_.SetConf("http.security.readonly", "true");
  StartOrFail();
  for (const char* sql : {"CREATE TABLE x (a INT)", "insert into x values(1)", "DROP TABLE x",
                          "  alter table x add column b int", "TRUNCATE TABLE x", "BACKUP DATABASE",
                          "SNAPSHOT PREPARE", "CHECKPOINT CREATE", "update x set a = 1",
                          "/* c */ create table y (a int)", "rename table x to y"}) {
    HttpResponse r = Exec(port(), sql);
    EXPECT_EQ(r.status, 403) << sql << " " << r.body;
  }
  EXPECT_EQ(Post(port(), "/write", "a b=1\n").status, 403);
  HttpResponse q = Exec(port(), "select * from nothing_here");
  EXPECT_EQ(q.status, 400);  // a query runs (and fails only because the table is missing)
}

// http.security.max.response.rows cuts /exec and /exp results after that many rows, counted
// from the first row `limit` selects; count=true still counts the whole result.
TEST_F(ServerTest, MaxResponseRowsCutsLongResults) {
  server_.SetConf("http.security.max.response.rows", "3");
  StartOrFail();
  const std::string q = "select x from long_sequence(10)";
  EXPECT_NE(Exec(port(), q).body.find("\"dataset\":[[1],[2],[3]],\"count\":3}"), std::string::npos);
  EXPECT_NE(Exec(port(), q, "&limit=5,9").body.find("\"dataset\":[[5],[6],[7]],"),
            std::string::npos);
  EXPECT_NE(Exec(port(), q, "&limit=2").body.find("\"dataset\":[[1],[2]],"), std::string::npos);
  EXPECT_NE(Exec(port(), q, "&count=true").body.find("[[1],[2],[3]],\"count\":10"),
            std::string::npos);
  EXPECT_EQ(Get(port(), "/exp?query=" + UrlEncode(q)).body, "\"x\"\r\n1\r\n2\r\n3\r\n");
  EXPECT_EQ(Get(port(), "/exp?limit=-2&query=" + UrlEncode(q)).body, "\"x\"\r\n9\r\n10\r\n");
  EXPECT_EQ(Get(port(), "/exp?limit=-5&query=" + UrlEncode(q)).body,
            "\"x\"\r\n6\r\n7\r\n8\r\n");
}

TEST_F(ServerTest, ExportCsv) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write",
                 "e,s=x d=1.5,l=3i,v=\"he said \\\"hi\\\"\" 1700000000000000000\n"
                 "e,s=y d=NaN 1700000001000000000\n").status,
            204);
  HttpResponse r = Get(port(), "/exp?query=" + UrlEncode("select * from e"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_NE(r.Header("content-disposition").find("attachment; filename=\""), std::string::npos);
  EXPECT_EQ(r.body,
            "\"s\",\"d\",\"l\",\"v\",\"timestamp\"\r\n"
            "\"x\",1.5,3,\"he said \"\"hi\"\"\",\"2023-11-14T22:13:20.000000Z\"\r\n"
            "\"y\",,,,\"2023-11-14T22:13:21.000000Z\"\r\n");
  HttpResponse last = Get(port(), "/exp?limit=-1&query=" + UrlEncode("select * from e"));
  EXPECT_EQ(last.body.find("\"x\""), std::string::npos);
  EXPECT_NE(last.body.find("\"y\""), std::string::npos);
  // fmt=csv is the default spelled out (any case); any other format is refused, never answered
  // as CSV.
  EXPECT_EQ(Get(port(), "/exp?fmt=csv&query=" + UrlEncode("select * from e")).body, r.body);
  EXPECT_EQ(Get(port(), "/exp?fmt=CSV&query=" + UrlEncode("select * from e")).body, r.body);
  for (const char* fmt : {"parquet", "json", "csv2"}) {
    HttpResponse bad =
        Get(port(), std::string("/exp?fmt=") + fmt + "&query=" + UrlEncode("select * from e"));
    EXPECT_EQ(bad.status, 400) << fmt;
    EXPECT_NE(bad.body.find(std::string("unsupported export format [fmt=") + fmt + "]"),
              std::string::npos)
        << bad.body;
  }
}

// Doubles are printed as QuestDB (Java's Double.toString) prints them, in JSON and CSV alike:
// plain decimals for 1e-3 <= |d| < 1e7, <d>.<ddd>E<exp> outside, never to_chars' "1e+05".
TEST_F(ServerTest, DoublesPrintedInJavaLayout) {
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write",
                 "f d=100000.0 1000000000\nf d=1e20 2000000000\nf d=0.0001 3000000000\n"
                 "f d=-2.25 4000000000\nf d=0.001 5000000000\nf d=4.9e-324 6000000000\n"
                 "f d=1.2345e7 7000000000\nf d=3 8000000000\n")
                .status,
            204);
  HttpResponse j = Exec(port(), "select d from f", "&nm=true");
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.body,
            "{\"dataset\":[[100000.0],[1.0E20],[1.0E-4],[-2.25],[0.001],[4.9E-324],[1.2345E7],"
            "[3.0]],\"count\":8}");
  HttpResponse c = Get(port(), "/exp?query=" + UrlEncode("select d from f"));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body,
            "\"d\"\r\n100000.0\r\n1.0E20\r\n1.0E-4\r\n-2.25\r\n0.001\r\n4.9E-324\r\n"
            "1.2345E7\r\n3.0\r\n");
  HttpResponse fl = Exec(port(), "select cast(d as float) f from f limit 2", "&nm=true");
  EXPECT_EQ(fl.body, "{\"dataset\":[[100000.0],[1.0E20]],\"count\":2}");
}

TEST_F(ServerTest, ImportCsvWithTypeDetectionAndRejectedRows) {
  StartOrFail();
  std::string csv =
      "name,qty,price,ok,ts\r\n"
      "apple,1,1.5,true,2024-01-01T00:00:00.000000Z\r\n"
      "pear,2,2.25,false,2024-01-02T00:00:00.000000Z\r\n"
      "plum,3,,true,not-a-date\r\n";
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"fruit.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" + csv + "\r\n--XyZ--\r\n";
  HttpResponse r = Post(port(), "/imp?fmt=json&timestamp=ts&partitionBy=DAY", body,
                        "Content-Type: multipart/form-data; boundary=XyZ\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"status\":\"OK\""), std::string::npos) << r.body;
  // No `name`: the table is named after the file, as QuestDB does.
  EXPECT_NE(r.body.find("\"location\":\"fruit.csv\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"rowsRejected\":1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"rowsImported\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"header\":true"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"qty\",\"type\":\"INT\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"price\",\"type\":\"DOUBLE\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"ok\",\"type\":\"BOOLEAN\""), std::string::npos) << r.body;
  HttpResponse q = Exec(port(), "select * from \"fruit.csv\"");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_NE(q.body.find("[\"apple\",1,1.5,true,\"2024-01-01T00:00:00.000000Z\"]"), std::string::npos)
      << q.body;
}

// A multipart /imp upload: an optional `schema` part, then the `data` part.
HttpResponse Import(int port, const std::string& params, const std::string& csv,
                    const std::string& schema = "", const std::string& filename = "data.csv") {
  std::string body;
  if (!schema.empty()) {
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"schema\"\r\n\r\n" + schema + "\r\n";
  }
  body += "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"" + filename +
          "\"\r\nContent-Type: text/csv\r\n\r\n" + csv + "\r\n--XyZ--\r\n";
  return Post(port, "/imp?" + params, body, "Content-Type: multipart/form-data; boundary=XyZ\r\n");
}

TEST_F(ServerTest, ImportIntoExistingTableReportsTheTablesTimestampAndPartitioning) {
  StartOrFail();
  ASSERT_EQ(Exec(port(), "create table typed (a int, v double, ts timestamp) timestamp(ts) "
                         "partition by DAY").status,
            200);
  const std::string csv = "a,v,ts\r\n1,1.5,2024-01-01T00:00:00.000000Z\r\n";
  HttpResponse asked = Import(port(), "fmt=json&name=typed&timestamp=a&partitionBy=MONTH", csv);
  ASSERT_EQ(asked.status, 200);
  EXPECT_NE(asked.body.find("\"rowsImported\":1,\"header\":true,\"partitionBy\":\"DAY\","
                            "\"timestamp\":\"ts\",\"warnings\":[\"Existing table timestamp column "
                            "is used\",\"Existing table PartitionBy is used\"],\"columns\":["),
            std::string::npos)
      << asked.body;
  // Nothing asked: the table's own values and no warnings.
  HttpResponse plain = Import(port(), "fmt=json&name=typed", csv);
  EXPECT_NE(plain.body.find("\"partitionBy\":\"DAY\",\"timestamp\":\"ts\",\"columns\":["),
            std::string::npos)
      << plain.body;
  // Asked for what the table has (NONE is not a request to partition): no warnings.
  HttpResponse same = Import(port(), "fmt=json&name=typed&timestamp=ts&partitionBy=NONE", csv);
  EXPECT_NE(same.body.find("\"partitionBy\":\"DAY\",\"timestamp\":\"ts\",\"columns\":["),
            std::string::npos)
      << same.body;
  // Only the partitioning differs.
  HttpResponse part = Import(port(), "fmt=json&name=typed&timestamp=ts&partitionBy=YEAR", csv);
  EXPECT_NE(part.body.find("\"warnings\":[\"Existing table PartitionBy is used\"]"),
            std::string::npos)
      << part.body;
  // The text reply shows the same, with "From Table" where the request was overridden.
  HttpResponse text = Import(port(), "name=typed&timestamp=a&partitionBy=MONTH", csv);
  EXPECT_NE(text.body.find("|   Partition by  |  DAY "), std::string::npos) << text.body;
  EXPECT_NE(text.body.find("|      Timestamp  |  ts "), std::string::npos) << text.body;
  EXPECT_EQ(text.body.find("MONTH"), std::string::npos) << text.body;
  size_t from_table = text.body.find("From Table");
  ASSERT_NE(from_table, std::string::npos) << text.body;
  EXPECT_NE(text.body.find("From Table", from_table + 1), std::string::npos) << text.body;
  EXPECT_NE(Exec(port(), "select count() from typed").body.find("[[5]]"), std::string::npos);
}

// An import that does not commit changes nothing: atomicity=abort into a new table leaves no
// table behind, and overwrite=true replaces the old table only once the new rows are committed
// (an aborted overwrite keeps the old rows and schema).
TEST_F(ServerTest, ImportThatAbortsLeavesNoTableAndOverwriteKeepsTheOldRowsUntilCommitted) {
  StartOrFail();
  const std::string bad = "a,ts\r\n1,2024-01-01T00:00:00.000000Z\r\n2,2024-01-01T00:00:01.000000Z\r\n"
                          "3,not-a-time\r\n";
  HttpResponse created = Import(port(), "fmt=json&name=fresh&timestamp=ts&atomicity=abort", bad);
  EXPECT_NE(created.body.find("import aborted, bad value on line 4"), std::string::npos) << created.body;
  EXPECT_NE(Get(port(), "/chk?j=fresh").body.find("Does not exist"), std::string::npos);

  ASSERT_EQ(Exec(port(), "create table kept (k symbol, v double, ts timestamp) timestamp(ts) "
                         "partition by DAY").status,
            200);
  ASSERT_EQ(Exec(port(), "insert into kept values ('x', 1.5, '2023-05-01T00:00:00.000000Z'), "
                         "('y', 2.5, '2023-05-02T00:00:00.000000Z')").status,
            200);
  HttpResponse aborted = Import(port(), "fmt=json&name=kept&overwrite=true&timestamp=ts&atomicity=abort", bad);
  EXPECT_NE(aborted.body.find("import aborted, bad value on line 4 [table=kept]"), std::string::npos)
      << aborted.body;
  HttpResponse old_rows = Exec(port(), "select * from kept");
  EXPECT_NE(old_rows.body.find("\"columns\":[{\"name\":\"k\",\"type\":\"SYMBOL\"},{\"name\":\"v\","
                               "\"type\":\"DOUBLE\"},{\"name\":\"ts\",\"type\":\"TIMESTAMP\"}]"),
            std::string::npos)
      << old_rows.body;
  EXPECT_NE(old_rows.body.find("\"count\":2"), std::string::npos) << old_rows.body;
  // No staging table is left behind.
  HttpResponse tables = Exec(port(), "select table_name from tables() order by table_name");
  EXPECT_NE(tables.body.find("\"dataset\":[[\"kept\"]]"), std::string::npos) << tables.body;

  // A good overwrite replaces the table: the file's schema, timestamp and rows only.
  const std::string good = "a,ts\r\n7,2024-01-01T00:00:00.000000Z\r\n8,2024-01-02T00:00:00.000000Z\r\n";
  HttpResponse replaced = Import(port(), "fmt=json&name=kept&overwrite=true&timestamp=ts&partitionBy=DAY", good);
  EXPECT_NE(replaced.body.find("\"status\":\"OK\",\"location\":\"kept\",\"rowsRejected\":0,"
                               "\"rowsImported\":2"),
            std::string::npos)
      << replaced.body;
  HttpResponse new_rows = Exec(port(), "select * from kept");
  EXPECT_NE(new_rows.body.find("\"columns\":[{\"name\":\"a\",\"type\":\"INT\"},{\"name\":\"ts\","
                               "\"type\":\"TIMESTAMP\"}],\"timestamp\":1,\"dataset\":[[7,\"2024-01-01T00:00:00.000000Z\"],"
                               "[8,\"2024-01-02T00:00:00.000000Z\"]],\"count\":2"),
            std::string::npos)
      << new_rows.body;
  tables = Exec(port(), "select table_name from tables() order by table_name");
  EXPECT_NE(tables.body.find("\"dataset\":[[\"kept\"]]"), std::string::npos) << tables.body;
  // And it survives a restart under its own name.
  ASSERT_EQ(server_.Stop(SIGTERM), 0) << server_.Log();
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_NE(Exec(port(), "select count() from kept").body.find("[[2]]"), std::string::npos);
  // A name near the 127-byte limit can be overwritten too (the temporary name is cut to fit).
  const std::string long_name = std::string(120, 'n') + "\xc3\xa9";  // ends in a 2-byte character
  ASSERT_NE(Import(port(), "fmt=json&name=" + UrlEncode(long_name), good).body.find("\"rowsImported\":2"),
            std::string::npos);
  HttpResponse over = Import(port(), "fmt=json&overwrite=true&name=" + UrlEncode(long_name), good);
  EXPECT_NE(over.body.find("\"rowsImported\":2"), std::string::npos) << over.body;
  EXPECT_NE(Exec(port(), "select sum(a) from '" + long_name + "'").body.find("[[15]]"), std::string::npos);
}

TEST_F(ServerTest, ImportSkipLevDecidesWhetherRowsWithExtraValuesAreImported) {
  StartOrFail();
  const std::string csv = "a,b\r\n1,2\r\n3,4,5\r\n6,7\r\n";
  HttpResponse keep = Import(port(), "fmt=json&name=lev_default", csv);
  EXPECT_NE(keep.body.find("\"rowsRejected\":0,\"rowsImported\":3"), std::string::npos) << keep.body;
  EXPECT_NE(Exec(port(), "select * from lev_default").body.find("[[1,2],[3,4],[6,7]]"),
            std::string::npos);
  HttpResponse skip = Import(port(), "fmt=json&name=lev_skip&skipLev=true", csv);
  EXPECT_NE(skip.body.find("\"rowsRejected\":1,\"rowsImported\":2"), std::string::npos) << skip.body;
  EXPECT_NE(Exec(port(), "select * from lev_skip").body.find("[[1,2],[6,7]]"), std::string::npos);
}

TEST_F(ServerTest, ImportSchemaPatternsParseTimestampsAndDates) {
  StartOrFail();
  const std::string schema =
      "[{\"name\":\"ts\",\"type\":\"TIMESTAMP\",\"pattern\":\"dd/MM/yyyy HH:mm\"},"
      "{\"name\":\"d\",\"type\":\"DATE\",\"pattern\":\"MMM d yyyy h:mm:ss.SSS a\"}]";
  const std::string csv =
      "ts,d,v\r\n"
      "21/11/2026 10:15,Nov 21 2026 1:05:09.250 PM,1\r\n"
      "22/11/2026 23:59,Dec 1 2026 12:00:00.000 AM,2\r\n"
      "23/11/2026 00:00,2026-11-23,3\r\n";
  HttpResponse r = Import(port(), "fmt=json&name=patterned&timestamp=ts", csv, schema);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"rowsRejected\":0,\"rowsImported\":3"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"ts\",\"type\":\"TIMESTAMP\",\"size\":8,\"errors\":0}"),
            std::string::npos)
      << r.body;
  // The ISO date does not match the pattern: an error for the column (skipCol), not a silent NULL.
  EXPECT_NE(r.body.find("{\"name\":\"d\",\"type\":\"DATE\",\"size\":8,\"errors\":1}"),
            std::string::npos)
      << r.body;
  HttpResponse q = Exec(port(), "select * from patterned");
  EXPECT_NE(q.body.find("[[\"2026-11-21T10:15:00.000000Z\",\"2026-11-21T13:05:09.250Z\",1],"
                        "[\"2026-11-22T23:59:00.000000Z\",\"2026-12-01T00:00:00.000Z\",2],"
                        "[\"2026-11-23T00:00:00.000000Z\",null,3]]"),
            std::string::npos)
      << q.body;
  // With atomicity=abort the same mismatch aborts the import.
  HttpResponse abort = Import(port(), "fmt=json&name=patterned_abort&atomicity=abort", csv, schema);
  EXPECT_NE(abort.body.find("import aborted, bad value on line 4"), std::string::npos) << abort.body;
  // An unknown letter is a clear error and nothing is created.
  HttpResponse bad = Import(port(), "fmt=json&name=patterned_bad", csv,
                            "[{\"name\":\"ts\",\"type\":\"TIMESTAMP\",\"pattern\":\"yyyy-qq\"}]");
  EXPECT_NE(bad.body.find("{\"status\":\"unsupported letter in date pattern [letters=qq"),
            std::string::npos)
      << bad.body;
  EXPECT_NE(Get(port(), "/chk?j=patterned_bad").body.find("Does not exist"), std::string::npos);
}

TEST_F(ServerTest, LineProtocolOverTcpSplitAtRandomBytes) {
  server_.SetConf("line.tcp.commit.interval.default", "200");
  StartOrFail();
  ASSERT_GT(server_.tcp_port(), 0);
  std::string payload;
  for (int i = 0; i < 500; ++i) {
    payload += "tcp\\ t,host=h\\," + std::to_string(i % 7) + " v=" + std::to_string(i) +
               "i,s=\"a\\\"b\" " + std::to_string(1700000000000000000LL + i * 1000000LL) + "\n";
  }
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  std::mt19937 rng(99);
  size_t off = 0;
  while (off < payload.size()) {
    size_t n = std::min<size_t>(1 + rng() % 64, payload.size() - off);
    ASSERT_TRUE(SendAll(fd, payload.substr(off, n)));
    off += n;
  }
  // Visible within the commit interval while the connection stays open.
  EXPECT_TRUE(WaitForExec("select * from 'tcp t'", "\"count\":500", 5000))
      << Exec(port(), "select * from 'tcp t'").body.substr(0, 300);
  // A bad line closes the connection; rows before it are committed.
  ASSERT_TRUE(SendAll(fd, "tcp\\ t,host=z v=1000i 1800000000000000000\ntcp\\ t v=oops\n"));
  char b;
  EXPECT_EQ(::recv(fd, &b, 1, 0), 0);
  ::close(fd);
  EXPECT_TRUE(WaitForExec("select * from 'tcp t'", "\"count\":501", 5000));
  EXPECT_NE(server_.Log().find("line tcp parse error, closing connection"), std::string::npos);
}

// A line many reads long (the receive buffer grows to hold it) is taken whole; a line longer
// than line.tcp.max.measurement.size closes the connection with a log line and commits nothing
// of itself, while the rows before it stay.
TEST_F(ServerTest, LineProtocolOverTcpLongLinesAndTheLineLimit) {
  server_.SetConf("line.tcp.max.measurement.size", "512k");
  server_.SetConf("line.tcp.commit.interval.default", "100");
  StartOrFail();
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  const std::string big(300'000, 'x');
  ASSERT_TRUE(SendAll(fd, "longs,k=a s=\"" + big + "\",n=1i 1700000000000000000\n"));
  ASSERT_TRUE(SendAll(fd, "longs,k=b n=2i 1700000000000000001\n"));
  EXPECT_TRUE(WaitForExec("select count() from longs", "[[2]]", 5000))
      << Exec(port(), "select count() from longs").body;
  HttpResponse r = Exec(port(), "select s from longs where k = 'a'");
  EXPECT_NE(r.body.find("\"" + big + "\""), std::string::npos) << r.body.substr(0, 200);
  ASSERT_TRUE(SendAll(fd, "longs,k=c s=\"" + std::string(600'000, 'y')));
  char b;
  EXPECT_EQ(::recv(fd, &b, 1, 0), 0);
  ::close(fd);
  EXPECT_NE(server_.Log().find("line tcp line too long, closing connection"), std::string::npos);
  EXPECT_TRUE(WaitForExec("select count() from longs", "[[2]]", 5000));
}

// Several senders stream into one table at once, each a little behind or ahead of the others
// in time, so commits land out of order (and split partitions); over HTTP and over TCP on
// several ingest threads. Every row arrives exactly once, in timestamp order, and stays after
// a restart.
TEST_F(ServerTest, ConcurrentSendersIntoOneTableKeepEveryRowInOrder) {
  server_.SetConf("line.tcp.io.worker.count", "3");
  server_.SetConf("line.tcp.commit.interval.default", "100");
  server_.SetConf("line.tcp.max.uncommitted.rows", "3000");
  StartOrFail();
  constexpr int kSenders = 3, kRequests = 8, kLines = 6000;
  const int64_t t0 = 1700000000000000000LL;  // ns
  // Sender k, request j: rows at t0 + ((j * kSenders + k) * kLines + i) ms.
  auto body = [&](const std::string& table, int k, int j) {
    std::string b;
    for (int i = 0; i < kLines; ++i) {
      int64_t n = (static_cast<int64_t>(j) * kSenders + k) * kLines + i;
      b += table + ",s=s" + std::to_string(k) + " v=" + std::to_string(n) + "i " +
           std::to_string(t0 + n * 1'000'000LL) + "\n";
    }
    return b;
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < kSenders; ++k) {
    threads.emplace_back([&, k] {
      for (int j = 0; j < kRequests; ++j) {
        if (Post(port(), "/write", body("conc", k, j)).status != 204) failures.fetch_add(1);
      }
    });
    threads.emplace_back([&, k] {
      int fd = ConnectTcp(server_.tcp_port());
      if (fd < 0) {
        failures.fetch_add(1);
        return;
      }
      for (int j = 0; j < kRequests; ++j) {
        if (!SendAll(fd, body("conc_tcp", k, j))) failures.fetch_add(1);
      }
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const int64_t total = int64_t{kSenders} * kRequests * kLines;
  const std::string want_sum = std::to_string(total * (total - 1) / 2);
  ASSERT_TRUE(WaitForExec("select count() from conc_tcp", "[[" + std::to_string(total) + "]]", 10000));
  auto check = [&](const std::string& table) {
    SCOPED_TRACE(table);
    EXPECT_NE(Exec(port(), "select count(), sum(v), min(v), max(v) from " + table)
                  .body.find("[[" + std::to_string(total) + "," + want_sum + ",0," +
                             std::to_string(total - 1) + "]]"),
              std::string::npos)
        << Exec(port(), "select count(), sum(v) from " + table).body;
    // Table order is timestamp order, and v rises with the timestamp: v reads 0, 1, 2, ...
    HttpResponse csv = Get(port(), "/exp?query=" + UrlEncode("select v from " + table));
    ASSERT_EQ(csv.status, 200);
    std::string want = "\"v\"\r\n";
    for (int64_t n = 0; n < total; ++n) want += std::to_string(n) + "\r\n";
    EXPECT_TRUE(csv.body == want) << csv.body.substr(0, 200);
    HttpResponse parts = Exec(port(), "select sum(numRows) from table_partitions('" + table + "')");
    EXPECT_NE(parts.body.find("[[" + std::to_string(total) + "]]"), std::string::npos) << parts.body;
  };
  check("conc");
  check("conc_tcp");
  ASSERT_EQ(server_.Stop(SIGTERM), 0) << server_.Log();
  ASSERT_TRUE(server_.Start()) << server_.Log();
  check("conc");
  check("conc_tcp");
}

// kill -9 while two senders POST /write out of order: after each restart every acknowledged
// request is there, and every request there is whole (a request commits all its rows or none).
TEST_F(ServerTest, KillDuringHttpIngestLosesNoAcknowledgedRow) {
  constexpr int kRows = 1500, kIterations = 8;
  std::mt19937 rng(4242);
  std::set<int64_t> acked;
  std::mutex mu;
  std::atomic<int64_t> next_req{0};
  for (int iter = 0; iter < kIterations; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ASSERT_TRUE(server_.Start()) << server_.Log();
    std::atomic<bool> stop{false};
    std::vector<std::thread> senders;
    for (int s = 0; s < 2; ++s) {
      senders.emplace_back([&] {
        while (!stop.load()) {
          int64_t req = next_req.fetch_add(1);
          // Requests overlap in time (every other one lands behind the newest rows).
          int64_t base = 1700000000000000000LL + (req / 2) * 2 * kRows * 1000LL + (req % 2) * 1000LL;
          std::string body;
          for (int i = 0; i < kRows; ++i) {
            body += "killed,s=s" + std::to_string(i % 5) + " req=" + std::to_string(req) +
                    "i,v=" + std::to_string(i) + " " + std::to_string(base + i * 2000LL) + "\n";
          }
          if (Post(port(), "/write", body).status == 204) {
            std::lock_guard lk(mu);
            acked.insert(req);
          } else if (stop.load()) {
            break;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    server_.Stop(SIGKILL);
    stop = true;
    for (auto& t : senders) t.join();
    ASSERT_TRUE(server_.Start()) << server_.Log();
    HttpResponse r = Exec(port(), "select req, count() from killed");
    ASSERT_EQ(r.status, 200) << r.body;
    // dataset: [[req,count],...]
    std::map<int64_t, int64_t> counts;
    size_t at = r.body.find("\"dataset\":[");
    ASSERT_NE(at, std::string::npos) << r.body;
    const char* c = r.body.c_str() + at;
    while ((c = std::strstr(c, "[")) != nullptr) {
      ++c;
      char* e = nullptr;
      long long req = std::strtoll(c, &e, 10);
      if (e == c || *e != ',') continue;
      long long n = std::strtoll(e + 1, &e, 10);
      counts[req] = n;
    }
    for (const auto& [req, n] : counts) EXPECT_EQ(n, kRows) << "request " << req << " is partial";
    std::lock_guard lk(mu);
    for (int64_t req : acked) EXPECT_EQ(counts.count(req), 1u) << "acknowledged request " << req << " lost";
    ASSERT_EQ(server_.Stop(SIGTERM), 0) << server_.Log();
    if (HasFailure()) break;
  }
  std::cout << "[ kill -9 during /write ] " << kIterations << " kills, " << acked.size()
            << " acknowledged requests of " << kRows << " rows, all there and whole\n";
  EXPECT_GT(acked.size(), static_cast<size_t>(kIterations));
}

TEST_F(ServerTest, SigtermShutsDownCleanlyAndDataSurvivesRestart) {
  StartOrFail();
  std::string lines;
  for (int i = 0; i < 1000; ++i) {
    lines += "keep,k=" + std::to_string(i % 3) + " v=" + std::to_string(i) + "i " +
             std::to_string(1700000000000000000LL + i * 1000LL) + "\n";
  }
  ASSERT_EQ(Post(port(), "/write", lines).status, 204);
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_TRUE(SendAll(fd, "keep2 v=1i 1700000000000000000\n"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(server_.Stop(SIGTERM), 0) << server_.Log();
  ::close(fd);
  EXPECT_NE(server_.Log().find("server stopped"), std::string::npos);
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_NE(Exec(port(), "select * from keep").body.find("\"count\":1000"), std::string::npos);
  EXPECT_NE(Exec(port(), "select * from keep2").body.find("\"count\":1"), std::string::npos);
  EXPECT_NE(server_.Log().find("tables loaded [count=2, tables=keep,keep2]"), std::string::npos)
      << server_.Log();
}

// A full disk during /write: 507 with Retry-After and nothing half-written; once space is
// freed, writes succeed again; after a restart the table holds exactly the acknowledged rows.
// The root lives on a 16 MiB tmpfs (needs mount privileges; skipped with the reason otherwise).
TEST(ServerDiskFullTest, WriteOnAFullDiskIs507AndResumesWhenSpaceIsFreed) {
  char tmpl[] = "/tmp/sundial-enospc-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string mnt = tmpl;
  if (std::system(("mount -t tmpfs -o size=16m tmpfs '" + mnt + "' 2>/dev/null").c_str()) != 0) {
    ::rmdir(mnt.c_str());
    GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  }
  struct Unmount {
    std::string dir;
    ~Unmount() {
      EXPECT_EQ(std::system(("umount '" + dir + "'").c_str()), 0);
      ::rmdir(dir.c_str());
    }
  } unmount{mnt};
  {
    const char* old_tmp = std::getenv("TMPDIR");
    std::string saved = old_tmp ? old_tmp : "";
    ::setenv("TMPDIR", mnt.c_str(), 1);
    Server server;  // its root is created under TMPDIR, on the tmpfs
    if (old_tmp) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
    ASSERT_TRUE(server.Start()) << server.Log();
    const std::string filler = mnt + "/filler";
    ASSERT_EQ(std::system(("dd if=/dev/zero of='" + filler + "' bs=1M count=6 2>/dev/null").c_str()), 0);
    int64_t acked = 0, next_ts = 1700000000000000000LL;
    auto request = [&](int rows) {
      std::string body;
      for (int i = 0; i < rows; ++i) {
        body += "full,host=h" + std::to_string(i % 50) + " a=" + std::to_string(i) + ".5,b=" +
                std::to_string(i) + "i,c=\"" + std::string(40, 'x') + "\" " +
                std::to_string(next_ts) + "\n";
        next_ts += 1000000;
      }
      return body;
    };
    HttpResponse last;
    for (int i = 0; i < 200; ++i) {
      last = Post(server.http_port(), "/write", request(5000));
      if (last.status != 204) break;
      acked += 5000;
    }
    ASSERT_EQ(last.status, 507) << last.body;
    EXPECT_EQ(last.Header("retry-after"), "5");
    EXPECT_NE(last.body.find("No space left on device"), std::string::npos) << last.body;
    EXPECT_GT(acked, 0);
    auto count = [&] {
      return Exec(server.http_port(), "select count() from full").body;
    };
    EXPECT_NE(count().find("[[" + std::to_string(acked) + "]]"), std::string::npos) << count();
    ASSERT_EQ(::unlink(filler.c_str()), 0);
    HttpResponse again = Post(server.http_port(), "/write", request(5000));
    EXPECT_EQ(again.status, 204) << again.body;
    if (again.status == 204) acked += 5000;
    ASSERT_EQ(server.Stop(SIGTERM), 0) << server.Log();
    ASSERT_TRUE(server.Start()) << server.Log();
    EXPECT_NE(count().find("[[" + std::to_string(acked) + "]]"), std::string::npos) << count();
  }
}

TEST(ServerConfigStartTest, BadConfigValueRefusesToStartNamingTheKey) {
  Server s;
  s.SetConf("http.net.connection.limit", "lots");
  EXPECT_EQ(s.RunExpectExit(), 1);
  EXPECT_NE(s.Log().find("http.net.connection.limit"), std::string::npos) << s.Log();
  Server env;
  env.SetEnv("QDB_CAIRO_COMMIT_MODE", "sometimes");
  EXPECT_EQ(env.RunExpectExit(), 1);
  EXPECT_NE(env.Log().find("cairo.commit.mode"), std::string::npos) << env.Log();
}

TEST(ServerConfigStartTest, UnknownKeyWarnsAndDefaultConfIsWritten) {
  Server s;
  s.SetConf("no.such.setting", "1");
  ASSERT_TRUE(s.Start()) << s.Log();
  EXPECT_NE(s.Log().find("unknown server.conf key ignored [key=no.such.setting]"), std::string::npos);
  EXPECT_EQ(s.Stop(SIGINT), 0);
  // A fresh root gets the default config.
  Server fresh;
  fresh.UseDefaultConf();
  std::string root = fresh.root();
  ASSERT_TRUE(fresh.Start()) << fresh.Log();
  EXPECT_EQ(fresh.Stop(), 0);
  FILE* f = std::fopen((root + "/conf/server.conf").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  EXPECT_NE(text.find("#http.bind.to=0.0.0.0:9000"), std::string::npos);
  EXPECT_NE(text.find("#cairo.sql.backup.root="), std::string::npos);
}

}  // namespace
}  // namespace sundial::testing
