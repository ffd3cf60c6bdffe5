// A real Prometheus scrapes the real server: Sundial with metrics.enabled=true and Prometheus
// (Debian's `prometheus` package) on loopback, scraping GET /metrics every second, with their
// own temp config, storage and free ports. Rows are ingested and a backup runs; the values are
// read back through Prometheus' HTTP API (/api/v1/query), and `promtool check metrics` accepts
// the page. Skipped, with the reason printed, when prometheus or promtool is missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "tests/e2e/restored_server.h"  // FreePort
#include "tests/http/exposition.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int Sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool Have(const std::string& tool) { return Sh("command -v " + tool + " >/dev/null 2>&1") == 0; }

// A Prometheus process scraping one target every second.
class Prometheus {
 public:
  Prometheus(const std::string& dir, int target_port) : dir_(dir) {
    fs::create_directories(dir_ + "/data");
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
           "scrape_configs:\n  - job_name: sundial\n    scrape_interval: 1s\n"
           "    static_configs:\n      - targets: ['127.0.0.1:"
        << target_port << "']\n";
  }
  ~Prometheus() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }

  // Starts it and waits until its API answers.
  bool Start() {
    port_ = FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string log = dir_ + "/prometheus.log";
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      (void)f;
      ::dup2(1, 2);
      const std::string config = "--config.file=" + dir_ + "/prometheus.yml";
      const std::string storage = "--storage.tsdb.path=" + dir_ + "/data";
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      ::execlp("prometheus", "prometheus", config.c_str(), storage.c_str(), listen.c_str(),
               "--log.level=warn", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      if (Get(port_, "/-/ready").status == 200) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // The value of an instant query with one result, or NaN (no result yet, or an error).
  double Query(const std::string& promql) {
    HttpResponse r = Get(port_, "/api/v1/query?query=" + UrlEncode(promql));
    static const std::regex re("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]");
    std::smatch m;
    if (r.status != 200 || !std::regex_search(r.body, m, re)) return std::nan("");
    return std::strtod(m[1].str().c_str(), nullptr);
  }

  // Polls until `promql` equals `want` (a scrape a second), up to `timeout`.
  double WaitFor(const std::string& promql, double want, std::chrono::seconds timeout = 20s) {
    double v = std::nan("");
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(200ms)) {
      v = Query(promql);
      if (v == want) break;
    }
    return v;
  }

  std::string Log() const {
    std::ifstream f(dir_ + "/prometheus.log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST(PrometheusE2eTest, PrometheusScrapesWhatWasIngestedAndBackedUp) {
  for (const char* tool : {"prometheus", "promtool"}) {
    if (!Have(tool)) {
      std::printf("SKIPPED: %s is not installed (Debian package prometheus)\n", tool);
      GTEST_SKIP() << tool << " is not installed (Debian package prometheus)";
    }
  }
  Server server;
  server.SetConf("metrics.enabled", "true");
  server.SetConf("cairo.sql.backup.root", "backups");
  ASSERT_TRUE(server.Start()) << server.Log();
  ASSERT_GT(server.min_http_port(), 0) << server.Log();
  Prometheus prom(fs::path(server.root()).parent_path().string() + "/prometheus",
                  server.min_http_port());
  ASSERT_TRUE(prom.Start()) << prom.Log();

  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const int rows = 100 + static_cast<int>(rng() % 900);
  std::string body;
  for (int i = 0; i < rows; ++i) {
    body += "readings,s=s" + std::to_string(i % 5) + " v=" + std::to_string(i) + " " +
            std::to_string(1'700'000'000'000'000'000 + int64_t{i} * 1'000'000'000) + "\n";
  }
  ASSERT_EQ(Post(server.http_port(), "/write", body).status, 204);
  ASSERT_EQ(Exec(server.http_port(), "backup database").status, 200);

  // What Sundial says now, and what Prometheus stored from its scrapes.
  const Exposition page = ParseExposition(Get(server.min_http_port(), "/metrics").body);
  ASSERT_EQ(page.error, "");
  const double bytes = page.Value("sundial_backup_last_success_bytes");
  const double end_s = page.Value("sundial_backup_last_success_end_timestamp_seconds");
  ASSERT_GT(bytes, 0);

  EXPECT_EQ(prom.WaitFor("sundial_rows_ingested_total{protocol=\"http\"}", rows), rows)
      << prom.Log();
  EXPECT_EQ(prom.WaitFor("questdb_committed_rows_total", rows), rows);
  EXPECT_EQ(prom.WaitFor("sundial_backup_last_success_bytes", bytes), bytes);
  EXPECT_EQ(prom.WaitFor("sundial_backup_last_success_end_timestamp_seconds", end_s), end_s);
  EXPECT_EQ(prom.WaitFor("sundial_backup_failures_total", 0), 0);
  EXPECT_EQ(prom.WaitFor("sundial_table_disk_bytes{table=\"readings\"} > bool 0", 1), 1);
  EXPECT_EQ(prom.WaitFor("up{job=\"sundial\"}", 1), 1);
  // The histogram as Prometheus reads it: the /exec above is in a bucket.
  EXPECT_GE(prom.WaitFor("sundial_query_duration_seconds_count", 1), 1);

  // promtool's own checks of the page (format and naming conventions).
  const std::string page_file = fs::path(server.root()).parent_path().string() + "/metrics.txt";
  ASSERT_EQ(Sh("curl -sf http://127.0.0.1:" + std::to_string(server.min_http_port()) +
               "/metrics -o '" + page_file + "'"),
            0);
  const std::string out_file = page_file + ".promtool";
  EXPECT_EQ(Sh("promtool check metrics < '" + page_file + "' > '" + out_file + "' 2>&1"), 0);
  std::ifstream out(out_file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(out), {}), "");
}

}  // namespace
}  // namespace sundial::testing
