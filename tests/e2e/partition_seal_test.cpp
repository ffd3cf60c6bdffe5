// End-to-end tests of automatic partition sealing (`cairo.partition.compress.after`) through
// the real binary: old partitions become compressed by themselves while the newest stays raw,
// queries answer the same as over the raw partitions (with `off`, nothing was sealed) and after
// a restart, /metrics counts the seals; a bad value stops start-up naming the key.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

using namespace std::chrono_literals;

// Rows over six days of January 2024 (long ago: every day but the newest is cold with the
// default `1d`).
std::string LineProtocol() {
  std::string lines;
  const int64_t day_ns = 86'400'000'000'000LL;
  const int64_t t0_ns = 1'704'067'200'000'000'000LL;  // 2024-01-01T00:00:00Z
  for (int d = 0; d < 6; ++d) {
    for (int i = 0; i < 2000; ++i) {
      const int64_t ts = t0_ns + d * day_ns + static_cast<int64_t>(i) * 43'000'000'000LL;
      lines += "m,sym=s" + std::to_string(i % 7) + " v=" + std::to_string(i * 0.25 + d) +
               ",n=" + std::to_string(i * 3 + d) + "i,s=\"" + std::string(i % 11, 'x') + "\" " +
               std::to_string(ts) + "\n";
    }
  }
  return lines;
}

const char* const kQueries[] = {
    "SELECT count(), sum(v), sum(n), min(timestamp), max(timestamp) FROM m",
    "SELECT sym, count(), avg(v), sum(n) FROM m ORDER BY sym",
    "SELECT timestamp, sym, v, n, s FROM m WHERE n < 40 OR n > 5990 ORDER BY timestamp",
    "SELECT timestamp, count() FROM m SAMPLE BY 1d",
};

// The `dataset` part of a reply (timings and such left out).
std::string Dataset(int port, const std::string& sql) {
  HttpResponse r = Exec(port, sql);
  EXPECT_EQ(r.status, 200) << sql << ": " << r.body;
  const size_t at = r.body.find("\"dataset\":");
  return at == std::string::npos ? r.body : r.body.substr(at);
}

// `isCompressed` of each partition of `m`, as "ttttf".
std::string CompressedFlags(int port) {
  const std::string body = Dataset(port, "SELECT isCompressed FROM table_partitions('m')");
  std::string out;
  std::regex flag("(true|false)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), flag); it != std::sregex_iterator();
       ++it) {
    out += (*it)[1].str() == "true" ? 't' : 'f';
  }
  return out;
}

TEST(PartitionSealE2eTest, ColdPartitionsGetSealedAndQueriesAnswerTheSame) {
  // The answers over raw partitions first, with sealing off.
  Server server;
  server.SetConf("cairo.partition.compress.after", "off");
  server.SetConf("cairo.partition.compress.check.interval", "200ms");
  server.SetConf("metrics.enabled", "true");
  ASSERT_TRUE(server.Start()) << server.Log();
  int port = server.http_port();
  HttpResponse w = Post(port, "/write", LineProtocol());
  ASSERT_EQ(w.status, 204) << w.body;
  std::vector<std::string> before;
  for (const char* q : kQueries) before.push_back(Dataset(port, q));
  std::this_thread::sleep_for(1s);  // five passes' worth with sealing on
  ASSERT_EQ(CompressedFlags(port), "ffffff");
  EXPECT_NE(server.Log().find("partition sealing disabled"), std::string::npos) << server.Log();

  // Then with the default `1d`: every day but the newest gets sealed. (After this restart the
  // job waits for the table's first background tidy, up to 5 s.)
  ASSERT_EQ(server.Stop(), 0);
  server.SetConf("cairo.partition.compress.after", "1d");
  ASSERT_TRUE(server.Start()) << server.Log();
  port = server.http_port();
  std::string flags;
  for (int i = 0; i < 200 && flags != "tttttf"; ++i) {
    std::this_thread::sleep_for(100ms);
    flags = CompressedFlags(port);
  }
  ASSERT_EQ(flags, "tttttf") << server.Log();
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    EXPECT_EQ(Dataset(port, kQueries[q]), before[q]) << kQueries[q];
  }
  const std::string sizes = Dataset(
      port, "SELECT compressedSize < rawSize FROM table_partitions('m') WHERE isCompressed");
  EXPECT_EQ(sizes.find("false"), std::string::npos) << sizes;
  EXPECT_NE(server.Log().find("partition sealed [table=m, partition=2024-01-01"), std::string::npos)
      << server.Log();
  HttpResponse metrics = Get(server.min_http_port(), "/metrics");
  EXPECT_NE(metrics.body.find("sundial_partitions_sealed_total 5"), std::string::npos)
      << metrics.body;

  // A later, out-of-order row into a sealed day writes it back uncompressed; the job seals it
  // again, and the answers include the row.
  w = Post(port, "/write", "m,sym=late v=1.5,n=7i,s=\"late\" 1704153600000000001\n");
  ASSERT_EQ(w.status, 204) << w.body;
  EXPECT_NE(Dataset(port, kQueries[0]), before[0]);
  std::string late = Dataset(port, "SELECT count() FROM m WHERE sym = 'late'");
  EXPECT_NE(late.find("[[1]]"), std::string::npos) << late;
  for (int i = 0; i < 100 && (flags = CompressedFlags(port)) != "tttttf"; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(flags, "tttttf");
  late = Dataset(port, "SELECT count() FROM m WHERE sym = 'late'");
  EXPECT_NE(late.find("[[1]]"), std::string::npos) << late;

  // The sealed table after a restart (SIGTERM stops the job promptly).
  std::vector<std::string> after;
  for (const char* q : kQueries) after.push_back(Dataset(port, q));
  const auto stop_begin = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stop_begin, 10s);
  ASSERT_TRUE(server.Start()) << server.Log();
  port = server.http_port();
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    EXPECT_EQ(Dataset(port, kQueries[q]), after[q]) << kQueries[q];
  }
  EXPECT_EQ(CompressedFlags(port), "tttttf");
}

TEST(PartitionSealE2eTest, BadValueStopsStartup) {
  for (const char* bad : {"yesterday", "-1d", "1w"}) {
    Server server;
    server.SetConf("cairo.partition.compress.after", bad);
    EXPECT_EQ(server.RunExpectExit(), 1) << bad;
    EXPECT_NE(server.Log().find("invalid value for server.conf key "
                                "'cairo.partition.compress.after'"),
              std::string::npos)
        << server.Log();
  }
}

}  // namespace
}  // namespace sundial::testing
