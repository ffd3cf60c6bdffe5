// Unit tests of core/metrics.h (counters, the latency histogram, the exposition writer),
// http/server_metrics.h (the /metrics page, /proc/self/status) and the endpoint table of
// http/api.h. The page is checked with the reader in exposition.h.
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "http/api.h"
#include "http/server_metrics.h"
#include "tests/http/exposition.h"

namespace sundial {
namespace {

using core::kLatencyBucketsUs;
using core::LatencyHistogram;
using core::MetricsText;
using testing::ParseExposition;

TEST(LatencyHistogramTest, MatchesASimpleModel) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  LatencyHistogram h;
  std::vector<int64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    // Spread over every bucket, with bounds themselves and negatives among them.
    int64_t v;
    switch (rng() % 4) {
      case 0:
        v = kLatencyBucketsUs[rng() % kLatencyBucketsUs.size()] + static_cast<int64_t>(rng() % 3) -
            1;
        break;
      case 1:
        v = -static_cast<int64_t>(rng() % 10);
        break;
      default:
        v = static_cast<int64_t>(rng() % 100'000'000);
    }
    h.Observe(v);
    seen.push_back(v < 0 ? 0 : v);
  }
  LatencyHistogram::Values got = h.Read();
  uint64_t sum = 0;
  for (int64_t v : seen) sum += static_cast<uint64_t>(v);
  EXPECT_EQ(got.count, seen.size());
  EXPECT_EQ(got.sum_us, sum);
  for (size_t b = 0; b < kLatencyBucketsUs.size(); ++b) {
    uint64_t expected = 0;
    for (int64_t v : seen) expected += v <= kLatencyBucketsUs[b] ? 1 : 0;  // le: inclusive
    EXPECT_EQ(got.cumulative[b], expected) << "bucket " << kLatencyBucketsUs[b];
  }
}

TEST(LatencyHistogramTest, CountsFromManyThreadsAreExact) {
  LatencyHistogram h;
  core::Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        h.Observe(t * 1000 + i % 7);
        c.Add(2);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(h.Read().count, 80000u);
  EXPECT_EQ(c.value(), 160000u);
}

TEST(MetricsTextTest, WritesHelpTypeSamplesAndEscapes) {
  MetricsText t;
  t.Begin("a_total", MetricsText::Type::kCounter, "line one\nback\\slash");
  t.Sample("a_total", MetricsText::Label("table", "we\"ird\\na\nme"), uint64_t{7});
  t.Begin("g", MetricsText::Type::kGauge, "g");
  t.Sample("g", "", 0.25);
  t.Sample("g", MetricsText::Label("x", "y"), int64_t{-3});
  EXPECT_EQ(t.text(),
            "# HELP a_total line one\\nback\\\\slash\n# TYPE a_total counter\n"
            "a_total{table=\"we\\\"ird\\\\na\\nme\"} 7\n"
            "# HELP g g\n# TYPE g gauge\ng 0.25\ng{x=\"y\"} -3\n");
  auto e = ParseExposition(t.text());
  EXPECT_EQ(e.error, "");
  EXPECT_EQ(e.Value("g{x=\"y\"}"), -3);
}

TEST(MetricsTextTest, HistogramIsCumulativeInSeconds) {
  LatencyHistogram h;
  h.Observe(50);          // <= 100 µs
  h.Observe(1'000);       // == 1 ms bound: in that bucket
  h.Observe(90'000'000);  // above every bound
  MetricsText t;
  t.Begin("d_seconds", MetricsText::Type::kHistogram, "d");
  t.Histogram("d_seconds", "", h.Read());
  auto e = ParseExposition(t.text());
  ASSERT_EQ(e.error, "") << t.text();
  EXPECT_EQ(e.Value("d_seconds_bucket{le=\"1e-04\"}"), 1);
  EXPECT_EQ(e.Value("d_seconds_bucket{le=\"0.001\"}"), 2);
  EXPECT_EQ(e.Value("d_seconds_bucket{le=\"60\"}"), 2);
  EXPECT_EQ(e.Value("d_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(e.Value("d_seconds_count"), 3);
  EXPECT_DOUBLE_EQ(e.Value("d_seconds_sum"), 90.00105);
  EXPECT_EQ(testing::Buckets(e, "d_seconds").size(), kLatencyBucketsUs.size() + 1);
}

TEST(ExpositionReaderTest, RefusesWhatPrometheusRefuses) {
  // The reader must catch each mistake, or the tests above prove nothing.
  EXPECT_NE(ParseExposition("x 1\n").error, "");                                   // no HELP/TYPE
  EXPECT_NE(ParseExposition("# HELP x x\n# TYPE x gauge\nx 1\nx 2\n").error, "");  // repeated
  EXPECT_NE(ParseExposition("# HELP x x\n# TYPE x gauge\nx{a=\"b} 1\n").error, "");
  EXPECT_NE(ParseExposition("# HELP x x\n# TYPE x gauge\nx one\n").error, "");
  EXPECT_NE(ParseExposition("# HELP x x\n# TYPE x histogram\nx_bucket{le=\"1\"} 2\n"
                            "x_bucket{le=\"+Inf\"} 1\nx_count 1\nx_sum 0\n")
                .error,
            "");
  EXPECT_EQ(ParseExposition("# HELP x x\n# TYPE x gauge\nx{a=\"\\\"\"} 1\n").error, "");
}

TEST(ServerMetricsTest, PageCountsWhatWasAdded) {
  http::ServerMetrics m;
  m.AddIngested(http::IngestPath::kLineHttp, 5);
  m.AddIngested(http::IngestPath::kInsert, 2);
  m.AddRejected(http::IngestPath::kImport, 3);
  { auto q = http::QueryScope::Start(&m, 0); }  // one query, completed
  auto open = http::QueryScope::Start(&m, 0);   // started, not completed
  EXPECT_EQ(http::QueryScope::Start(nullptr, 0), nullptr);
  http::MetricsSources src;
  src.metrics = &m;
  src.http_connections = [] { return size_t{3}; };
  src.proc_status_path = "/nonexistent/status";  // unreadable: no memory values, marked down
  auto e = ParseExposition(http::RenderMetrics(src));
  ASSERT_EQ(e.error, "");
  EXPECT_EQ(e.Value("sundial_rows_ingested_total{protocol=\"http\"}"), 5);
  EXPECT_EQ(e.Value("sundial_rows_ingested_total{protocol=\"insert\"}"), 2);
  EXPECT_EQ(e.Value("sundial_rows_ingested_total{protocol=\"tcp\"}"), 0);
  EXPECT_EQ(e.Value("sundial_rows_rejected_total{protocol=\"imp\"}"), 3);
  EXPECT_EQ(e.Value("questdb_json_queries_total"), 2);
  EXPECT_EQ(e.Value("questdb_json_queries_completed_total"), 1);
  EXPECT_EQ(e.Value("sundial_query_duration_seconds_count"), 1);
  EXPECT_EQ(e.Value("questdb_http_connections"), 3);
  EXPECT_FALSE(e.Has("questdb_line_tcp_connections"));
  EXPECT_FALSE(e.Has("sundial_memory_rss_bytes"));
  EXPECT_EQ(e.Value("sundial_metrics_source_up{source=\"memory\"}"), 0);
  for (const auto& [family, type] : e.types) {
    if (type == "counter") {
      EXPECT_EQ(family.substr(family.size() - 6), "_total") << family;
    }
  }
}

TEST(EndpointTableTest, EveryPathHasOneEndpoint) {
  const char* paths[] = {
      "/ping", "/status", "/settings", "/chk",   "/warnings",    "/exec", "/api/v1/sql/execute",
      "/exp",  "/backup", "/imp",      "/write", "/api/v2/write"};
  for (const char* p : paths) EXPECT_NE(http::Api::FindEndpoint(p), nullptr) << p;
  EXPECT_EQ(http::Api::FindEndpoint("/exec"), http::Api::FindEndpoint("/api/v1/sql/execute"));
  EXPECT_EQ(http::Api::FindEndpoint("/write"), http::Api::FindEndpoint("/api/v2/write"));
  EXPECT_EQ(http::Api::FindEndpoint(""), nullptr);
  EXPECT_EQ(http::Api::FindEndpoint("/exec/"), nullptr);
  EXPECT_EQ(http::Api::FindEndpoint("/metrics"), nullptr);  // on the min server only
  // Public: exactly what QuestDB leaves open. Writes: exactly the ingest endpoints.
  for (const char* p : paths) {
    const http::Endpoint* ep = http::Api::FindEndpoint(p);
    const std::string s = p;
    EXPECT_EQ(ep->access == http::Access::kPublic,
              s == "/ping" || s == "/status" || s == "/settings")
        << p;
    EXPECT_EQ(ep->access == http::Access::kWrite,
              s == "/imp" || s == "/write" || s == "/api/v2/write")
        << p;
  }
  EXPECT_EQ(http::Api::FindEndpoint("/write")->runs, http::Runs::kStreamedBody);
  EXPECT_EQ(http::Api::FindEndpoint("/exec")->runs, http::Runs::kWorker);
  EXPECT_EQ(http::Api::FindEndpoint("/ping")->runs, http::Runs::kInline);
}

}  // namespace
}  // namespace sundial
