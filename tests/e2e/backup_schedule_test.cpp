// End-to-end tests of scheduled backups through the real binary: configuration errors stop
// start-up (exit code 1, the key named), `SELECT * FROM backup_schedule()`, one real scheduled
// run with `* * * * *` (waits for the next minute, at most ~70 s), and a prompt SIGTERM.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "core/timestamp.h"
#include "tests/http/server_harness.h"

namespace sundial::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string Query(int port, const std::string& sql) { return Exec(port, sql).body; }

// The first capture group of `pattern` in `body`, or "".
std::string Field(const std::string& body, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(body, m, std::regex(pattern)) ? m[1].str() : "";
}

TEST(BackupScheduleE2eTest, ConfigErrorsStopStartup) {
  struct Case {
    std::string cron, tz;
    bool root;
    const char* want;
  } cases[] = {
      {"61 * * * *", "", true,
       "invalid value for server.conf key 'backup.schedule.cron': invalid cron expression "
       "'61 * * * *': minute field '61': 61 is out of range 0-59"},
      {"0 0 30 2 *", "", true, "never fires"},
      {"* * * * *", "Mars/Olympus_Mons", true,
       "invalid value for server.conf key 'backup.schedule.tz': unknown time zone "
       "'Mars/Olympus_Mons'"},
      {"* * * * *", "../../etc/passwd", true, "invalid time zone name '../../etc/passwd'"},
      {"* * * * *", "", false,
       "server.conf key 'backup.schedule.cron' is set but 'cairo.sql.backup.root' is not"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.cron + " / " + c.tz);
    Server s;
    s.SetConf("backup.schedule.cron", c.cron);
    if (!c.tz.empty()) s.SetConf("backup.schedule.tz", c.tz);
    if (c.root) s.SetConf("cairo.sql.backup.root", s.root() + "/backups");
    EXPECT_EQ(s.RunExpectExit(), 1);
    EXPECT_NE(s.Log().find(c.want), std::string::npos) << s.Log();
  }
}

TEST(BackupScheduleE2eTest, NoScheduleNoRows) {
  Server s;
  ASSERT_TRUE(s.Start()) << s.Log();
  std::string body = Query(s.http_port(), "SELECT * FROM backup_schedule()");
  EXPECT_NE(body.find("\"columns\":[{\"name\":\"cron\",\"type\":\"VARCHAR\"},{\"name\":\"tz\","
                      "\"type\":\"VARCHAR\"},{\"name\":\"next_run\",\"type\":\"TIMESTAMP\"},"
                      "{\"name\":\"last_run\",\"type\":\"TIMESTAMP\"},{\"name\":\"last_status\","
                      "\"type\":\"VARCHAR\"},{\"name\":\"last_error\",\"type\":\"VARCHAR\"}]"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\"count\":0"), std::string::npos) << body;
  EXPECT_EQ(s.Stop(), 0);
}

TEST(BackupScheduleE2eTest, RunsEveryMinuteShowsTheScheduleAndStopsPromptly) {
  const bool tzdata = fs::exists("/usr/share/zoneinfo/Asia/Kolkata") || std::getenv("TZDIR");
  const std::string tz = tzdata ? "Asia/Kolkata" : "UTC";
  // Start early in a minute, so the table exists before the first run.
  while (core::RealtimeMicros() % core::kMicrosPerMinute > 45 * core::kMicrosPerSecond) {
    std::this_thread::sleep_for(200ms);
  }
  Server s;
  const std::string backups = s.root() + "/backups";
  s.SetConf("cairo.sql.backup.root", backups);
  s.SetConf("backup.schedule.cron", "* * * * *");
  s.SetConf("backup.schedule.tz", tz);
  ASSERT_TRUE(s.Start()) << s.Log();
  const int port = s.http_port();
  ASSERT_EQ(Exec(port, "CREATE TABLE t (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY")
                .status,
            200);
  ASSERT_EQ(Exec(port, "INSERT INTO t VALUES ('2026-12-01T00:00:00Z', 1.5)").status, 200);

  std::string body = Query(port, "SELECT * FROM backup_schedule()");
  ASSERT_NE(body.find("\"dataset\":[[\"* * * * *\",\"" + tz + "\","), std::string::npos) << body;
  EXPECT_NE(body.find("\"count\":1"), std::string::npos) << body;
  // next_run: the next whole minute (UTC), within a minute from now; never run yet.
  const std::string next = Field(body, "\"dataset\":\\[\\[[^,]*,[^,]*,\"([^\"]*)\"");
  auto next_us = core::ParseTimestamp(next);
  ASSERT_TRUE(next_us.ok()) << body;
  const int64_t now = core::RealtimeMicros();
  EXPECT_EQ(*next_us % core::kMicrosPerMinute, 0) << next;
  EXPECT_GT(*next_us, now - 2 * core::kMicrosPerSecond);
  EXPECT_LE(*next_us, now + core::kMicrosPerMinute);
  EXPECT_NE(body.find(",null,null,null]]"), std::string::npos) << body;

  // Wait for the run to end (at most ~70 s); a poll may see it `running`.
  std::string status;
  for (int i = 0; i < 150 && (status.empty() || status == "running"); ++i) {
    std::this_thread::sleep_for(500ms);
    body = Query(port, "SELECT last_status, last_run, next_run FROM backup_schedule()");
    status = Field(body, "\"dataset\":\\[\\[\"([a-z]+)\"");
  }
  ASSERT_EQ(status, "ok") << body << "\n" << s.Log();
  EXPECT_EQ(Field(body, "\"dataset\":\\[\\[\"ok\",\"([^\"]*)\"").substr(0, 16), next.substr(0, 16));
  auto new_next = core::ParseTimestamp(Field(body, "\"dataset\":\\[\\[\"ok\",\"[^\"]*\",\"([^\"]*)\""));
  ASSERT_TRUE(new_next.ok()) << body;
  EXPECT_EQ(*new_next, *next_us + core::kMicrosPerMinute);
  // A whole backup, with the table, exactly one.
  int dirs = 0;
  for (const auto& e : fs::directory_iterator(backups)) {
    // The staging dir and the backup history (cairo/backup_history.h) are not backups.
    if (e.path().filename() == "tmp" || e.path().filename() == "_history") continue;
    ++dirs;
    EXPECT_TRUE(fs::exists(e.path() / "backup.manifest")) << e.path();
    EXPECT_TRUE(fs::exists(e.path() / "db" / "t")) << e.path();
  }
  EXPECT_EQ(dirs, 1);
  EXPECT_NE(s.Log().find("scheduled backup complete [scheduled=" + next), std::string::npos)
      << s.Log();

  // SIGTERM while the scheduler waits for the next minute: exits at once.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(s.Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

}  // namespace
}  // namespace sundial::testing
