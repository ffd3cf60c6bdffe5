// kill -9 during backups: a child process writes and backs up in a loop and is SIGKILLed at a
// random moment, many times. A directory with a final name must always be a whole, verified
// backup that opens; the live database must reopen with every commit the child reported.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_manifest.h"
#include "core/log.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

// The child: never returns.
[[noreturn]] void RunChild(const std::string& server_root, const std::string& backup_root,
                           int report_fd, int first_row) {
  core::SetLogLevel(core::LogLevel::kError);
  auto fs = core::NewPosixFileSystem();
  EngineOptions eo;
  eo.db_root = server_root + "/db";
  auto engine = Engine::Open(fs, eo);
  if (!engine.ok()) ::_exit(2);
  BackupOptions bo;
  bo.server_root = server_root;
  bo.backup_root = backup_root;
  auto service = BackupService::Create(engine->get(), fs, bo);
  std::thread writer([&] {
    for (int64_t next = first_row;; next += 40) {
      {
        auto w = (*engine)->AcquireWriter("t");
        if (!w.ok()) ::_exit(3);
        for (int i = 0; i < 40; i++) {
          int64_t ts = kT0 + (next + i) * (kHour / 4) - (i % 5 == 0 ? kDay : 0);  // some O3
          if (!WriteRow(**w, MakeRow(ts, static_cast<int>(next + i))).ok()) ::_exit(4);
        }
        if (!(*w)->Commit().ok()) ::_exit(5);
      }
      int64_t committed = next + 40;
      if (::write(report_fd, &committed, sizeof committed) != sizeof committed) ::_exit(6);
      (*engine)->Purge();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (;;) (void)service->BackupDatabase();
}

TEST(BackupCrashTest, KillDuringBackupNeverLeavesAPartialFinalDirectory) {
  testutil::TempDir dir("sundial-backup-crash");
  auto fs = core::NewPosixFileSystem();
  const std::string server_root = dir.Sub("server"), backup_root = dir.Sub("backups");
  ASSERT_TRUE(fs->CreateDirs(server_root + "/conf").ok());
  {
    auto f = fs->Open(server_root + "/conf/server.conf", core::OpenMode::kTruncate);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, "x=1\n", 4).ok());
    EngineOptions eo;
    eo.db_root = server_root + "/db";
    auto e = Engine::Open(fs, eo);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->CreateTable("t", MixedSchema(PartitionBy::kMonth)).ok());
  }
  const int iterations = std::getenv("SUNDIAL_CRASH_ITERATIONS")
                             ? std::atoi(std::getenv("SUNDIAL_CRASH_ITERATIONS"))
                             : 50;
  uint32_t seed = static_cast<uint32_t>(::getpid());
  std::printf("seed=%u\n", seed);
  std::mt19937 rng(seed);
  int64_t rows_reported = 0;
  int verified = 0, killed_with_staging = 0;
  for (int it = 0; it < iterations; it++) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(server_root, backup_root, fds[1], static_cast<int>(rows_reported));
    }
    ::close(fds[1]);
    // Mostly short lives (kills land mid-backup); on a slow machine where no backup has had
    // time to finish yet, longer ones so that completed backups get checked too.
    const uint32_t span_us = verified == 0 && it >= 10 ? 1'500'000 : 120'000;
    std::this_thread::sleep_for(std::chrono::microseconds(15'000 + rng() % span_us));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus)
                                      << " (seed " << seed << ")";
    int64_t v;
    while (::read(fds[0], &v, sizeof v) == sizeof v) rows_reported = std::max(rows_reported, v);
    ::close(fds[0]);

    // Every final-named directory is a whole backup; check it, open it, then drop it (keeps
    // the test small; names are re-used, which exercises collisions with staging leftovers).
    auto entries = fs->ListDir(backup_root);
    if (entries.ok()) {
      for (const auto& e : *entries) {
        if (!e.is_dir) continue;
        const std::string d = core::JoinPath(backup_root, e.name);
        if (e.name == kBackupHistoryDirName) continue;
        if (e.name == "tmp") {
          auto staged = fs->ListDir(d);
          if (staged.ok() && !staged->empty()) killed_with_staging++;
          continue;
        }
        auto m = VerifyBackup(*fs, d);
        ASSERT_TRUE(m.ok()) << d << ": " << m.status().ToString() << " (seed " << seed << ")";
        EngineOptions eo;
        eo.db_root = d + "/db";
        auto be = Engine::Open(fs, eo);
        ASSERT_TRUE(be.ok()) << be.status().ToString();
        ASSERT_TRUE((*be)->BrokenTables().empty());
        auto view = (*be)->Pin("t");
        ASSERT_TRUE(view.ok());
        EXPECT_EQ(view->row_count(), m->tables.at(0).row_count);
        EXPECT_EQ(static_cast<int64_t>(ReadRows(*view).size()), view->row_count());
        verified++;
        ASSERT_TRUE(fs->RemoveAll(d).ok());
      }
    }
    // The live database reopens with every reported commit.
    EngineOptions eo;
    eo.db_root = server_root + "/db";
    auto live = Engine::Open(fs, eo);
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_TRUE((*live)->BrokenTables().empty());
    auto view = (*live)->Pin("t");
    ASSERT_TRUE(view.ok());
    ASSERT_GE(view->row_count(), rows_reported) << "seed " << seed;
    rows_reported = view->row_count();  // the child continues numbering from here
  }
  std::printf("iterations=%d backups_verified=%d kills_with_staging_left=%d rows=%lld\n",
              iterations, verified, killed_with_staging, static_cast<long long>(rows_reported));
  EXPECT_GT(verified, 0);
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
