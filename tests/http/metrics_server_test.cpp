// The minimal HTTP server of the real binary (http/min_server.h): health checks, and GET
// /metrics counting exactly what was ingested and queried, backups and snapshots. The page is
// read with tests/http/exposition.h.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/timestamp.h"
#include "tests/http/exposition.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

class MetricsServerTest : public ::testing::Test {
 protected:
  void StartOrFail() {
    ASSERT_TRUE(server_.Start()) << server_.Log();
    ASSERT_GT(server_.min_http_port(), 0) << server_.Log();
  }
  int port() const { return server_.http_port(); }

  Exposition Scrape() {
    HttpResponse r = Get(server_.min_http_port(), "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    Exposition e = ParseExposition(r.body);
    EXPECT_EQ(e.error, "") << r.body;
    return e;
  }
  // Every /exec goes through here, so the test knows how many queries it sent.
  HttpResponse Query(const std::string& sql) {
    ++queries_;
    return Exec(port(), sql);
  }
  // Polls `series` until it equals `want` (what another thread commits shows up a bit later).
  Exposition ScrapeUntil(const std::string& series, double want) {
    Exposition e;
    for (int i = 0; i < 250; ++i) {
      e = Scrape();
      if (e.Value(series) == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return e;
  }

  Server server_;
  int queries_ = 0;
};

double Delta(const Exposition& a, const Exposition& b, const std::string& series) {
  return b.Value(series) - a.Value(series);
}

std::string Ingested(const char* protocol) {
  return std::string("sundial_rows_ingested_total{protocol=\"") + protocol + "\"}";
}
std::string Rejected(const char* protocol) {
  return std::string("sundial_rows_rejected_total{protocol=\"") + protocol + "\"}";
}

TEST_F(MetricsServerTest, CountsMoveByExactlyWhatWasIngestedAndQueried) {
  server_.SetConf("metrics.enabled", "true");
  StartOrFail();
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const Exposition before = Scrape();

  // Line protocol over HTTP: one good request, one refused at its second line.
  const int http_rows = 1 + static_cast<int>(rng() % 50);
  std::string body;
  for (int i = 0; i < http_rows; ++i)
    body += "m,k=a v=" + std::to_string(i) + " " + std::to_string(1000 + i) + "\n";
  ASSERT_EQ(Post(port(), "/write", body).status, 204);
  ASSERT_EQ(Post(port(), "/write", "m v=1 1\nm v=oops 2\nm v=3 3\n").status, 400);

  // Line protocol over TCP: rows committed at disconnect, then a connection closed by a bad line.
  const int tcp_rows = 1 + static_cast<int>(rng() % 50);
  body.clear();
  for (int i = 0; i < tcp_rows; ++i)
    body += "tt v=" + std::to_string(i) + "i " + std::to_string(i + 1) + "\n";
  int fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, body));
  ::close(fd);
  ScrapeUntil(Ingested("tcp"), before.Value(Ingested("tcp")) + tcp_rows);
  fd = ConnectTcp(server_.tcp_port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "tt v=\n"));
  ScrapeUntil(Rejected("tcp"), before.Value(Rejected("tcp")) + 1);
  ::close(fd);

  // CSV import: three rows in, one refused.
  const std::string csv =
      "name,qty,ts\r\napple,1,2024-01-01T00:00:00.000000Z\r\n"
      "pear,2,2024-01-02T00:00:00.000000Z\r\nfig,3,2024-01-03T00:00:00.000000Z\r\n"
      "plum,4,not-a-date\r\n";
  HttpResponse imp = Post(port(), "/imp?name=csv&timestamp=ts&partitionBy=DAY&fmt=json",
                          "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; "
                          "filename=\"d.csv\"\r\n\r\n" +
                              csv + "\r\n--XyZ--\r\n",
                          "Content-Type: multipart/form-data; boundary=XyZ\r\n");
  ASSERT_EQ(imp.status, 200);
  ASSERT_NE(imp.body.find("\"rowsRejected\":1"), std::string::npos) << imp.body;
  ASSERT_NE(imp.body.find("\"rowsImported\":3"), std::string::npos) << imp.body;

  // SQL: two INSERTs, a failing query and a few reads, /exp included.
  ASSERT_EQ(Query("insert into m (k, v, timestamp) values ('b', 1.0, 5)").status, 200);
  ASSERT_EQ(Query("insert into m (k, v, timestamp) values ('c', 2.0, 6)").status, 200);
  ASSERT_EQ(Query("select nope from m").status, 400);
  const int reads = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < reads; ++i) ASSERT_EQ(Query("select count() from m").status, 200);
  ++queries_;
  ASSERT_EQ(Get(port(), "/exp?query=" + UrlEncode("select * from tt")).status, 200);

  // A kept-alive connection shows in the connection gauge.
  Client keep(port());
  ASSERT_TRUE(keep.Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(keep.Read().status, 204);

  const Exposition after = Scrape();
  EXPECT_EQ(Delta(before, after, Ingested("http")), http_rows);
  EXPECT_EQ(Delta(before, after, Rejected("http")), 1);
  EXPECT_EQ(Delta(before, after, Ingested("tcp")), tcp_rows);
  EXPECT_EQ(Delta(before, after, Rejected("tcp")), 1);
  EXPECT_EQ(Delta(before, after, Ingested("imp")), 3);
  EXPECT_EQ(Delta(before, after, Rejected("imp")), 1);
  EXPECT_EQ(Delta(before, after, Ingested("insert")), 2);
  EXPECT_EQ(Delta(before, after, "questdb_committed_rows_total"), http_rows + tcp_rows + 3 + 2);
  // One commit per good /write, /imp and INSERT; TCP commits at least once.
  EXPECT_GE(Delta(before, after, "questdb_commits_total"), 5);
  EXPECT_EQ(Delta(before, after, "questdb_json_queries_total"), queries_);
  EXPECT_EQ(Delta(before, after, "questdb_json_queries_completed_total"), queries_);
  EXPECT_EQ(Delta(before, after, "sundial_query_duration_seconds_count"), queries_);
  EXPECT_GT(Delta(before, after, "sundial_query_duration_seconds_sum"), 0);
  EXPECT_GE(after.Value("questdb_http_connections"), 1);
  EXPECT_EQ(after.types.at("sundial_query_duration_seconds"), "histogram");
  for (const char* table : {"m", "tt", "csv"}) {
    EXPECT_GT(after.Value(std::string("sundial_table_disk_bytes{table=\"") + table + "\"}"), 0)
        << table;
  }
  EXPECT_GT(after.Value("sundial_memory_rss_anon_bytes"), 0);
  EXPECT_GT(after.Value("sundial_memory_rss_file_bytes"), 0);  // the column files are mapped
  EXPECT_EQ(after.Value("sundial_metrics_source_up{source=\"disk\"}"), 1);
}

TEST_F(MetricsServerTest, BackupAndSnapshotState) {
  server_.SetConf("metrics.enabled", "true");
  server_.SetConf("cairo.sql.backup.root", "backups");
  StartOrFail();
  ASSERT_EQ(Post(port(), "/write", "b v=1 1\nb v=2 2\n").status, 204);
  Exposition e = Scrape();
  EXPECT_EQ(e.Value("sundial_backup_running"), 0);
  EXPECT_EQ(e.Value("sundial_backup_failures_total"), 0);
  EXPECT_FALSE(e.Has("sundial_backup_last_success_end_timestamp_seconds"));
  EXPECT_EQ(e.Value("sundial_snapshot_in_progress"), 0);

  const double t0 = core::RealtimeMicros() / 1e6;
  ASSERT_EQ(Query("backup database").status, 200);
  const double t1 = core::RealtimeMicros() / 1e6;
  e = Scrape();
  EXPECT_GE(e.Value("sundial_backup_last_success_end_timestamp_seconds"), t0);
  EXPECT_LE(e.Value("sundial_backup_last_success_end_timestamp_seconds"), t1);
  EXPECT_GT(e.Value("sundial_backup_last_success_duration_seconds"), 0);
  EXPECT_LE(e.Value("sundial_backup_last_success_duration_seconds"), t1 - t0);
  EXPECT_GT(e.Value("sundial_backup_last_success_bytes"), 0);
  EXPECT_EQ(e.Value("sundial_backup_failures_total"), 0);

  const double s0 = core::RealtimeMicros() / 1e6;
  ASSERT_EQ(Query("snapshot prepare").status, 200);
  e = Scrape();
  EXPECT_EQ(e.Value("sundial_snapshot_in_progress"), 1);
  EXPECT_GE(e.Value("sundial_snapshot_start_timestamp_seconds"), s0);
  EXPECT_LE(e.Value("sundial_snapshot_start_timestamp_seconds"), core::RealtimeMicros() / 1e6);
  ASSERT_EQ(Query("snapshot complete").status, 200);
  e = Scrape();
  EXPECT_EQ(e.Value("sundial_snapshot_in_progress"), 0);
  EXPECT_FALSE(e.Has("sundial_snapshot_start_timestamp_seconds"));

  // The last success comes back from the backup history after a restart.
  const double end_s = e.Value("sundial_backup_last_success_end_timestamp_seconds");
  const double bytes = e.Value("sundial_backup_last_success_bytes");
  ASSERT_EQ(server_.Stop(), 0);
  StartOrFail();
  e = Scrape();
  EXPECT_EQ(e.Value("sundial_backup_last_success_end_timestamp_seconds"), end_s);
  EXPECT_EQ(e.Value("sundial_backup_last_success_bytes"), bytes);
  EXPECT_EQ(e.Value("sundial_backup_failures_total"), 0);
}

TEST_F(MetricsServerTest, FailedBackupIsCounted) {
  server_.SetConf("metrics.enabled", "true");
  server_.SetConf("cairo.sql.backup.root", "/dev/null/backups");  // cannot be created
  StartOrFail();
  EXPECT_EQ(Scrape().Value("sundial_backup_failures_total"), 0);
  EXPECT_NE(Query("backup database").status, 200);
  const Exposition e = Scrape();
  EXPECT_EQ(e.Value("sundial_backup_failures_total"), 1);
  EXPECT_EQ(e.Value("sundial_backup_running"), 0);
  EXPECT_FALSE(e.Has("sundial_backup_last_success_end_timestamp_seconds"));
}

TEST_F(MetricsServerTest, HealthOnEveryPathWhenMetricsAreOff) {
  StartOrFail();  // metrics.enabled defaults to false, as in QuestDB
  for (const char* path : {"/status", "/metrics", "/anything"}) {
    HttpResponse r = Get(server_.min_http_port(), path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "Status: Healthy") << path;
    EXPECT_EQ(r.Header("content-type"), "text/plain") << path;
  }
}

TEST_F(MetricsServerTest, WithMetricsOnlyStatusAndMetricsAnswer) {
  server_.SetConf("metrics.enabled", "true");
  StartOrFail();
  EXPECT_EQ(Get(server_.min_http_port(), "/status").body, "Status: Healthy");
  EXPECT_EQ(Get(server_.min_http_port(), "/nope").status, 404);
  // /metrics is not on the main port.
  EXPECT_EQ(Get(port(), "/metrics").status, 404);
}

// The minimal server has threads of its own: with the only worker of port 9000 held by a slow
// query, health checks and scrapes still answer at once.
TEST_F(MetricsServerTest, AnswersWhileTheMainServerIsBusy) {
  server_.SetConf("metrics.enabled", "true");
  server_.SetConf("http.worker.count", "1");
  server_.SetConf("query.timeout", "2s");  // the slow query ends then
  StartOrFail();
  std::thread slow([&] {
    Exec(port(),
         "select count() from (select x % 10000000 k, count() c from long_sequence(100000000) "
         "group by k)");
  });
  // Wait until the worker is taken: a query now waits for it.
  bool is_busy = false;
  for (int i = 0; i < 100 && !is_busy; ++i) {
    Client c(port(), 200);
    c.Send("GET /exec?query=select%201 HTTP/1.1\r\nHost: x\r\n\r\n");
    is_busy = c.Read().status == 0;  // no answer within 200 ms
  }
  EXPECT_TRUE(is_busy) << "the slow query did not hold the worker";
  const int64_t t0 = core::MonotonicMicros();
  EXPECT_EQ(Get(server_.min_http_port(), "/status").body, "Status: Healthy");
  EXPECT_EQ(Scrape().error, "");
  EXPECT_LT(core::MonotonicMicros() - t0, 1'000'000);
  slow.join();
}

TEST_F(MetricsServerTest, MinServerCanBeTurnedOff) {
  server_.SetConf("http.min.enabled", "false");
  ASSERT_TRUE(server_.Start()) << server_.Log();
  EXPECT_EQ(server_.min_http_port(), 0);
  EXPECT_NE(server_.Log().find("min_http_port=0]"), std::string::npos);
}

}  // namespace
}  // namespace sundial::testing
