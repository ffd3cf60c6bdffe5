// kill -9 during ASYNC backups and during retention cleanup: a child process writes rows and
// backs up in a loop and is SIGKILLed at a random moment, many times. After each kill a new
// service (as at start-up) must find a history with no run left "in progress" (the interrupted
// one is "backup failed" / "cleanup failed" with the interruption as reason, or complete if it
// finished), every final-named directory a whole backup that verifies and is recorded as
// complete in the history, and the live database with every commit the child reported.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_history.h"
#include "cairo/backup_manifest.h"
#include "core/log.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

enum class Mode { kAsync, kRetention };

// The child: never returns.
// `cleanup_fd` gets a byte each time a cleanup is about to take a backup away.
[[noreturn]] void RunChild(Mode mode, const std::string& server_root,
                           const std::string& backup_root, int report_fd, int cleanup_fd,
                           int first_row) {
  core::SetLogLevel(core::LogLevel::kError);
  auto fs = std::make_shared<HookFileSystem>(core::NewPosixFileSystem());
  if (mode == Mode::kRetention) {
    // A removal slowed down (a slow disk), so that kills land inside the cleanup phase too:
    // before the rename that takes a backup away, and between the unlinks of its files.
    fs->SetHook([cleanup_fd](const std::string& op, const std::string& path) {
      if (op == "rename" && path.find("/removing-") != std::string::npos) {
        (void)!::write(cleanup_fd, "c", 1);
      }
      if (path.find("/removing-") != std::string::npos) {
        std::this_thread::sleep_for(std::chrono::microseconds(op == "rename" ? 20'000 : 300));
      }
      return core::Status::Ok();
    });
  }
  EngineOptions eo;
  eo.db_root = server_root + "/db";
  auto engine = Engine::Open(fs, eo);
  if (!engine.ok()) ::_exit(2);
  BackupOptions bo;
  bo.server_root = server_root;
  bo.backup_root = backup_root;
  bo.keep_latest_n = mode == Mode::kRetention ? 1 : 0;
  auto service = BackupService::Create(engine->get(), fs, bo);
  std::thread writer([&] {
    for (int64_t next = first_row;; next += 40) {
      {
        auto w = (*engine)->AcquireWriter("t");
        if (!w.ok()) ::_exit(3);
        for (int i = 0; i < 40; i++) {
          // Spread over many day partitions, so a backup has many files to link and a removal
          // many files to unlink.
          int64_t ts = kT0 + ((next + i) % 2000) * (kDay / 50) + (next + i) / 2000;
          if (!WriteRow(**w, MakeRow(ts, static_cast<int>(next + i))).ok()) ::_exit(4);
        }
        if (!(*w)->Commit().ok()) ::_exit(5);
      }
      int64_t committed = next + 40;
      if (::write(report_fd, &committed, sizeof committed) != sizeof committed) ::_exit(6);
      (*engine)->Purge();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (;;) {
    if (mode == Mode::kAsync) {
      if (!service->StartBackupDatabaseAsync().ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } else {
      (void)service->BackupDatabase();
    }
  }
}

struct Tally {
  int verified = 0, interrupted_backup = 0, interrupted_cleanup = 0;
};

class BackupHistoryCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs_->CreateDirs(server_root_ + "/conf").ok());
    auto f = fs_->Open(server_root_ + "/conf/server.conf", core::OpenMode::kTruncate);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, "x=1\n", 4).ok());
    EngineOptions eo;
    eo.db_root = server_root_ + "/db";
    auto e = Engine::Open(fs_, eo);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->CreateTable("t", MixedSchema(PartitionBy::kDay)).ok());
  }

  void Run(Mode mode, const char* what) {
    const int iterations = std::getenv("SUNDIAL_CRASH_ITERATIONS")
                               ? std::atoi(std::getenv("SUNDIAL_CRASH_ITERATIONS"))
                               : 50;
    uint32_t seed = static_cast<uint32_t>(::getpid()) ^ static_cast<uint32_t>(mode);
    std::printf("%s seed=%u\n", what, seed);
    std::mt19937 rng(seed);
    int64_t rows_reported = 0;
    Tally tally;
    for (int it = 0; it < iterations; it++) {
      int fds[2], cfds[2];
      ASSERT_EQ(::pipe(fds), 0);
      ASSERT_EQ(::pipe(cfds), 0);
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::close(fds[0]);
        ::close(cfds[0]);
        RunChild(mode, server_root_, backup_root_, fds[1], cfds[1],
                 static_cast<int>(rows_reported));
      }
      ::close(fds[1]);
      ::close(cfds[1]);
      if (mode == Mode::kRetention) {
        // Kill within 40 ms of a cleanup's start (most land inside it; the removal of one
        // backup's files is slowed to take longer than that), or after 10 s without one.
        pollfd p{cfds[0], POLLIN, 0};
        (void)::poll(&p, 1, 10'000);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 40'000));
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(30'000 + rng() % 250'000));
      }
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      int wstatus = 0;
      ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
      ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus)
                                        << " (seed " << seed << ")";
      int64_t v;
      while (::read(fds[0], &v, sizeof v) == sizeof v) rows_reported = std::max(rows_reported, v);
      ::close(fds[0]);
      ::close(cfds[0]);
      ASSERT_NO_FATAL_FAILURE(CheckAfterKill(mode, seed, &rows_reported, &tally));
    }
    std::printf(
        "%s iterations=%d backups_verified=%d interrupted_backups=%d interrupted_cleanups=%d "
        "rows=%lld\n",
        what, iterations, tally.verified, tally.interrupted_backup, tally.interrupted_cleanup,
        static_cast<long long>(rows_reported));
    EXPECT_GT(tally.verified, 0);
    EXPECT_GT(tally.interrupted_backup + tally.interrupted_cleanup, 0);
  }

  void CheckAfterKill(Mode mode, uint32_t seed, int64_t* rows_reported, Tally* tally) {
    EngineOptions eo;
    eo.db_root = server_root_ + "/db";
    auto live = Engine::Open(fs_, eo);
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_TRUE((*live)->BrokenTables().empty());
    {
      // The start-up of a new server: staging leftovers go, the history is recovered.
      BackupOptions bo;
      bo.server_root = server_root_;
      bo.backup_root = backup_root_;
      bo.keep_latest_n = mode == Mode::kRetention ? 1 : 0;
      auto service = BackupService::Create(live->get(), fs_, bo);
      auto history = service->History();
      ASSERT_TRUE(history.ok()) << history.status().ToString();
      std::map<std::string, int64_t> complete_by_name;  // published and not removed
      for (const BackupHistoryEntry& e : *history) {
        ASSERT_FALSE(e.unreadable) << e.backup_error << " (seed " << seed << ")";
        ASSERT_NE(e.status, BackupStatus::kBackupInProgress) << "seed " << seed;
        ASSERT_NE(e.status, BackupStatus::kCleanupInProgress) << "seed " << seed;
        if (e.status == BackupStatus::kBackupFailed) {
          EXPECT_EQ(e.backup_error, kInterruptedBackup) << "seed " << seed;
          EXPECT_TRUE(e.name.empty());
        }
        if (e.status == BackupStatus::kCleanupFailed) {
          EXPECT_EQ(e.cleanup_error, kInterruptedCleanup) << "seed " << seed;
        }
        if (e.status != BackupStatus::kBackupFailed && e.removed_us == 0) {
          complete_by_name[e.name] = e.id;
        }
      }
      // Tally what the newest entry (the interrupted or last run) says.
      if (!history->empty()) {
        const BackupHistoryEntry& last = history->front();
        tally->interrupted_backup += last.backup_error == kInterruptedBackup;
        tally->interrupted_cleanup += last.cleanup_error == kInterruptedCleanup;
      }
      // Every final-named directory is a whole backup recorded as complete, and vice versa.
      auto entries = fs_->ListDir(backup_root_);
      size_t final_dirs = 0;
      for (const auto& e : entries.ok() ? *entries : std::vector<core::DirEntry>{}) {
        if (!e.is_dir || e.name == "tmp" || e.name == kBackupHistoryDirName) continue;
        final_dirs++;
        const std::string d = core::JoinPath(backup_root_, e.name);
        auto m = VerifyBackup(*fs_, d);
        ASSERT_TRUE(m.ok()) << d << ": " << m.status().ToString() << " (seed " << seed << ")";
        auto it = complete_by_name.find(e.name);
        ASSERT_NE(it, complete_by_name.end()) << e.name << " not in the history (seed " << seed << ")";
        EXPECT_EQ(it->second, m->created_us);
        tally->verified++;
        if (mode == Mode::kAsync) {
          ASSERT_TRUE(fs_->RemoveAll(d).ok());  // keep the test small
        }
      }
      EXPECT_EQ(final_dirs, complete_by_name.size()) << "seed " << seed;
      auto staging = fs_->ListDir(backup_root_ + "/tmp");
      EXPECT_TRUE(!staging.ok() || staging->empty()) << "seed " << seed;
    }
    // The live database has every reported commit.
    auto view = (*live)->Pin("t");
    ASSERT_TRUE(view.ok());
    ASSERT_GE(view->row_count(), *rows_reported) << "seed " << seed;
    *rows_reported = view->row_count();  // the child continues numbering from here
  }

  testutil::TempDir dir_{"sundial-history-crash"};
  std::shared_ptr<core::FileSystem> fs_ = core::NewPosixFileSystem();
  std::string server_root_ = dir_.Sub("server");
  std::string backup_root_ = dir_.Sub("backups");
};

TEST_F(BackupHistoryCrashTest, KillDuringAsyncBackups) { Run(Mode::kAsync, "async"); }

TEST_F(BackupHistoryCrashTest, KillDuringRetentionCleanup) { Run(Mode::kRetention, "retention"); }

}  // namespace
}  // namespace sundial::cairo::backup_testing
