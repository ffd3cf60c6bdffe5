// cairo/backup_schedule.h: scheduled BACKUP DATABASE driven by a manual clock (no real
// minutes pass): planning in a time zone, runs, skips when a backup is already running (the
// real service), failures, wall-clock jumps, no catch-up, and the thread's wake and stop.
#include "cairo/backup_schedule.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo {
namespace {

using backup_testing::BackupFixture;
using backup_testing::ManualClock;

int64_t At(const char* iso) { return *core::ParseTimestamp(iso); }
std::string Fmt(int64_t t) { return core::FormatTimestamp(t); }

// A BackupService whose BackupDatabase answers what the test says.
class FakeService final : public BackupService {
 public:
  bool enabled() const override { return true; }
  core::Result<BackupResult> BackupDatabase() override {
    calls.fetch_add(1);
    if (on_backup) on_backup();
    if (!answer.ok()) return answer;
    BackupResult r;
    r.directory = "/backups/2026-12-03";
    return r;
  }
  core::Result<BackupResult> BackupTables(const std::vector<std::string>&) override {
    return core::Status::Unsupported("not here");
  }
  core::Status SnapshotPrepare(bool) override { return core::Status::Ok(); }
  core::Status SnapshotComplete(bool) override { return core::Status::Ok(); }
  bool snapshot_in_progress() const override { return false; }

  std::atomic<int> calls{0};
  core::Status answer;
  std::function<void()> on_backup;
};

// Captures log lines for the test's lifetime.
class LogCapture {
 public:
  LogCapture() {
    core::SetLogSink([this](core::LogLevel, std::string_view line) {
      std::lock_guard lk(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { core::SetLogSink(nullptr); }
  int Count(std::string_view what) {
    std::lock_guard lk(mu_);
    int n = 0;
    for (const auto& l : lines_) n += l.find(what) != std::string::npos;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

std::unique_ptr<BackupScheduler> Make(BackupService* s, const char* cron, const char* tz,
                                      const core::Clock* clock) {
  auto r = BackupScheduler::Create(s, cron, tz, clock);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

bool HaveTzdata() { return core::TimeZone::Load("Europe/Berlin").ok(); }

TEST(BackupScheduleTest, RunsAtFireTimesInTheZoneAndPlansTheNext) {
  if (!HaveTzdata()) GTEST_SKIP() << "no tzdata";
  FakeService svc;
  ManualClock clock(At("2026-12-02T18:07:30Z"));
  auto s = Make(&svc, "30 2 * * *", "Europe/Berlin", &clock);
  ASSERT_TRUE(s);
  BackupScheduleState st = s->State();
  EXPECT_EQ(st.cron, "30 2 * * *");
  EXPECT_EQ(st.tz, "Europe/Berlin");
  EXPECT_EQ(Fmt(st.next_run_us), "2026-12-03T01:30:00.000000Z");  // 02:30 CET
  EXPECT_EQ(st.last_run_us, core::kNullTimestamp);
  EXPECT_EQ(st.last_status, "");
  clock.Set(At("2026-12-03T01:29:59.999Z"));
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 0);
  clock.Set(At("2026-12-03T01:30:00.2Z"));
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 1);
  st = s->State();
  EXPECT_EQ(st.last_status, "ok");
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(st.last_backup, "/backups/2026-12-03");
  EXPECT_EQ(Fmt(st.last_run_us), "2026-12-03T01:30:00.200000Z");
  EXPECT_EQ(Fmt(st.next_run_us), "2026-12-04T01:30:00.000000Z");
  s->Tick();  // same instant again: never twice
  EXPECT_EQ(svc.calls.load(), 1);
}

TEST(BackupScheduleTest, FailureIsRecordedAndTheScheduleGoesOn) {
  FakeService svc;
  LogCapture log;
  ManualClock clock(At("2026-12-02T18:07:30Z"));
  auto s = Make(&svc, "*/15 * * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  svc.answer = core::Status::ResourceExhausted("no space left on device");
  clock.Set(At("2026-12-02T18:15:00Z"));
  s->Tick();
  BackupScheduleState st = s->State();
  EXPECT_EQ(st.last_status, "failed");
  EXPECT_NE(st.last_error.find("no space left on device"), std::string::npos);
  EXPECT_EQ(Fmt(st.next_run_us), "2026-12-02T18:30:00.000000Z");
  EXPECT_EQ(log.Count("scheduled backup failed [scheduled=2026-12-02T18:15:00.000000Z"), 1);
  svc.answer = core::Status::Ok();
  clock.Set(At("2026-12-02T18:30:00Z"));
  s->Tick();
  EXPECT_EQ(s->State().last_status, "ok");
  EXPECT_EQ(s->State().last_error, "");
  EXPECT_EQ(svc.calls.load(), 2);
}

TEST(BackupScheduleTest, WallClockJumpsReplanAndNeverQueueRuns) {
  FakeService svc;
  ManualClock clock(At("2026-12-02T18:07:30Z"));
  auto s = Make(&svc, "0 * * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  EXPECT_EQ(Fmt(s->State().next_run_us), "2026-12-02T19:00:00.000000Z");
  // Set back by a day: the next run is planned from the new time.
  clock.Set(At("2026-12-01T10:20:00Z"));
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 0);
  EXPECT_EQ(Fmt(s->State().next_run_us), "2026-12-01T11:00:00.000000Z");
  // Forward by three days (or a suspended machine): one run, not seventy.
  clock.Set(At("2026-12-04T10:20:00Z"));
  s->Tick();
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 1);
  EXPECT_EQ(Fmt(s->State().next_run_us), "2026-12-04T11:00:00.000000Z");
}

TEST(BackupScheduleTest, TimesMissedWhileDownAreNotCaughtUp) {
  FakeService svc;
  // The server starts at 02:31, a minute after today's 02:30.
  ManualClock clock(At("2026-12-03T02:31:00Z"));
  auto s = Make(&svc, "30 2 * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 0);
  EXPECT_EQ(Fmt(s->State().next_run_us), "2026-12-04T02:30:00.000000Z");
}

TEST(BackupScheduleTest, FireTimesPassingDuringARunAreSkippedOnce) {
  FakeService svc;
  LogCapture log;
  ManualClock clock(At("2026-12-02T18:00:30Z"));
  auto s = Make(&svc, "* * * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  clock.Set(At("2026-12-02T18:01:00Z"));
  std::string during;
  svc.on_backup = [&] {  // a run of 3 minutes
    during = s->State().last_status;
    clock.Set(At("2026-12-02T18:04:10Z"));
  };
  s->Tick();
  EXPECT_EQ(svc.calls.load(), 1);
  EXPECT_EQ(during, "running");
  EXPECT_EQ(s->State().last_status, "ok");
  EXPECT_EQ(Fmt(s->State().next_run_us), "2026-12-02T18:05:00.000000Z");
  EXPECT_EQ(log.Count("scheduled backup skipped [reason=previous scheduled backup still running, "
                      "scheduled=2026-12-02T18:02:00.000000Z]"),
            1);
}

TEST(BackupScheduleTest, ConfigErrorsAreClear) {
  FakeService svc;
  ManualClock clock(0);
  auto bad_cron = BackupScheduler::Create(&svc, "61 * * * *", "UTC", &clock);
  ASSERT_FALSE(bad_cron.ok());
  EXPECT_NE(bad_cron.status().message().find("minute field '61'"), std::string::npos);
  auto bad_zone = BackupScheduler::Create(&svc, "* * * * *", "Mars/Base", &clock);
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.status().message().find("unknown time zone 'Mars/Base'"), std::string::npos);
  auto escape = BackupScheduler::Create(&svc, "* * * * *", "../../etc/passwd", &clock);
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(escape.status().code(), core::StatusCode::kInvalidArgument);
}

TEST(BackupScheduleTest, ThreadRunsWhenDueAndStopsAtOnce) {
  FakeService svc;
  ManualClock clock(At("2026-12-02T18:07:30Z"));
  auto s = Make(&svc, "8 18 * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  s->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(svc.calls.load(), 0);
  clock.Set(At("2026-12-02T18:08:00Z"));  // the thread notices within its 1 s wake
  for (int i = 0; i < 300 && svc.calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(svc.calls.load(), 1);
  // Idle until tomorrow: Stop returns at once.
  auto t0 = std::chrono::steady_clock::now();
  s->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
  s->Stop();  // idempotent
  EXPECT_EQ(svc.calls.load(), 1);
}

// The real service: a scheduled run while BACKUP DATABASE (from SQL) is running is skipped with
// the service's reason, and nothing is queued for later.
class BackupScheduleServiceTest : public BackupFixture {};

TEST_F(BackupScheduleServiceTest, SkipsWhileABackupIsRunning) {
  LogCapture log;
  ASSERT_TRUE(engine_->CreateTable("trades", backup_testing::MixedSchema()).ok());
  Append("trades", 0, 10);
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  fs_->SetHook([&](const std::string& op, const std::string&) {
    if (op != "copy") return core::Status::Ok();
    std::unique_lock lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    return core::Status::Ok();
  });
  std::thread sql_backup([&] { EXPECT_TRUE(service_->BackupDatabase().ok()); });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return entered; });
  }
  ManualClock clock(At("2026-12-02T18:07:30Z"));
  auto s = Make(service_.get(), "* * * * *", "UTC", &clock);
  ASSERT_TRUE(s);
  clock.Set(At("2026-12-02T18:08:00Z"));
  s->Tick();
  BackupScheduleState st = s->State();
  EXPECT_EQ(st.last_status, "skipped");
  EXPECT_EQ(st.last_error, "backup already in progress");
  EXPECT_EQ(log.Count("scheduled backup skipped [reason=backup already in progress, "
                      "scheduled=2026-12-02T18:08:00.000000Z]"),
            1);
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  sql_backup.join();
  fs_->SetHook(nullptr);
  EXPECT_EQ(BackupDirs().size(), 1u);  // the SQL one; the skipped run left nothing queued
  clock.Set(At("2026-12-02T18:09:00Z"));
  s->Tick();
  EXPECT_EQ(s->State().last_status, "ok");
  EXPECT_EQ(BackupDirs().size(), 2u);
}

}  // namespace
}  // namespace sundial::cairo
