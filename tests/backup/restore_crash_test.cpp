// kill -9 during RESTORE TABLE: a child restores a table from one of two backups in a loop
// (OVERWRITE, alternating) while another thread commits to an unrelated table, and is SIGKILLed
// at a random moment, many times. After each kill the reopened database holds the restored
// table whole — exactly one backup's rows — or, only if there was none before, no table; never
// a mix; no staging directory survives the open; every commit the child reported is there; the
// backups still match their manifests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_restore.h"
#include "cairo/backup_verify.h"
#include "core/log.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

namespace sfs = std::filesystem;

int CountStaging(const std::string& db) {
  int n = 0;
  for (const auto& e : sfs::directory_iterator(db)) {
    n += e.path().filename().string().rfind(".restore.", 0) == 0;
  }
  return n;
}

// The child: never returns.
[[noreturn]] void RunChild(const std::string& server_root, const std::string& backup_root,
                           const std::string& b1, const std::string& b2, int report_fd,
                           int64_t first_row) {
  core::SetLogLevel(core::LogLevel::kError);
  auto fs = core::NewPosixFileSystem();
  EngineOptions eo;
  eo.db_root = server_root + "/db";
  auto engine = Engine::Open(fs, eo);
  if (!engine.ok()) ::_exit(2);
  std::thread writer([&] {
    for (int64_t next = first_row;; next += 20) {
      {
        auto w = (*engine)->AcquireWriter("w");
        if (!w.ok()) ::_exit(3);
        for (int i = 0; i < 20; i++) {
          if (!WriteRow(**w, MakeRow(kT0 + (next + i) * kHour, static_cast<int>(next + i))).ok()) {
            ::_exit(4);
          }
        }
        if (!(*w)->Commit().ok()) ::_exit(5);
      }
      int64_t committed = next + 20;
      if (::write(report_fd, &committed, sizeof committed) != sizeof committed) ::_exit(6);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (uint64_t k = 0;; ++k) {
    auto r = RestoreTableFromBackup(**engine, backup_root, {k % 2 ? b2 : b1, "t", "r", true});
    if (!r.ok()) ::_exit(7);
  }
}

TEST(RestoreCrashTest, KillDuringRestoreLeavesTheOldTableOrTheWholeRestoredOne) {
  testutil::TempDir dir("sundial-restore-crash");
  auto fs = core::NewPosixFileSystem();
  const std::string server_root = dir.Sub("server"), backup_root = dir.Sub("backups");
  const std::string db = server_root + "/db";
  ASSERT_TRUE(fs->CreateDirs(server_root + "/conf").ok());
  std::string b1, b2;
  std::vector<Row> rows1, rows2;
  int64_t restore_us = 0;
  {
    EngineOptions eo;
    eo.db_root = db;
    auto e = Engine::Open(fs, eo);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->CreateTable("t", MixedSchema(PartitionBy::kDay)).ok());
    ASSERT_TRUE((*e)->CreateTable("w", MixedSchema(PartitionBy::kMonth)).ok());
    BackupOptions bo;
    bo.server_root = server_root;
    bo.backup_root = backup_root;
    auto service = BackupService::Create(e->get(), fs, bo);
    auto fill = [&](int first, int count) {
      auto w = (*e)->AcquireWriter("t");
      ASSERT_TRUE(w.ok());
      for (int i = first; i < first + count; i++) {
        ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + int64_t{i} * (kHour / 10), i)).ok());
      }
      ASSERT_TRUE((*w)->Commit().ok());
    };
    fill(0, 30'000);
    auto r1 = service->BackupTables({"t"});
    ASSERT_TRUE(r1.ok()) << r1.status().ToString();
    rows1 = RowsOf(**e, "t");
    fill(30'000, 20'000);
    auto r2 = service->BackupTables({"t"});
    ASSERT_TRUE(r2.ok()) << r2.status().ToString();
    rows2 = RowsOf(**e, "t");
    b1 = std::string(core::BaseName(r1->directory));
    b2 = std::string(core::BaseName(r2->directory));
    // How long one restore takes here (the kills below land within a few of them).
    const int64_t t0 = core::MonotonicMicros();
    auto probe = RestoreTableFromBackup(**e, backup_root, {b2, "t", "probe", false});
    ASSERT_TRUE(probe.ok()) << probe.status().ToString();
    restore_us = core::MonotonicMicros() - t0;
    std::printf("one restore: %lld us, %llu bytes copied, %llu linked\n",
                static_cast<long long>(restore_us),
                static_cast<unsigned long long>(probe->bytes_copied),
                static_cast<unsigned long long>(probe->bytes_linked));
    ASSERT_TRUE((*e)->DropTable("probe").ok());
  }
  ASSERT_NE(b1, b2);
  const int iterations = std::getenv("SUNDIAL_CRASH_ITERATIONS")
                             ? std::atoi(std::getenv("SUNDIAL_CRASH_ITERATIONS"))
                             : 50;
  uint32_t seed = static_cast<uint32_t>(::getpid());
  std::printf("seed=%u\n", seed);
  std::mt19937 rng(seed);
  int64_t rows_reported = 0;
  int absent = 0, as_b1 = 0, as_b2 = 0, killed_mid_restore = 0;
  bool existed = false;  // whether the table was there when the child started
  for (int it = 0; it < iterations; it++) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(server_root, backup_root, b1, b2, fds[1], rows_reported);
    }
    ::close(fds[1]);
    // Engine::Open in the child, then one to three restores' worth.
    std::this_thread::sleep_for(std::chrono::microseconds(
        5'000 + rng() % static_cast<uint32_t>(std::max<int64_t>(3 * restore_us, 20'000))));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus)
                                      << " (seed " << seed << ")";
    int64_t v;
    while (::read(fds[0], &v, sizeof v) == sizeof v) rows_reported = std::max(rows_reported, v);
    ::close(fds[0]);
    killed_mid_restore += CountStaging(db) > 0;

    EngineOptions eo;
    eo.db_root = db;
    auto live = Engine::Open(fs, eo);
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    ASSERT_TRUE((*live)->BrokenTables().empty()) << "seed " << seed;
    EXPECT_EQ(CountStaging(db), 0);
    if ((*live)->HasTable("r")) {
      std::vector<Row> rows = RowsOf(**live, "r");
      const bool is1 = rows == rows1, is2 = rows == rows2;
      ASSERT_TRUE(is1 || is2) << "a mix: " << rows.size() << " rows (seed " << seed << ")";
      as_b1 += is1;
      as_b2 += is2;
    } else {
      ASSERT_FALSE(existed) << "the old table vanished (seed " << seed << ")";
      absent++;
    }
    auto w = (*live)->Pin("w");
    ASSERT_TRUE(w.ok());
    ASSERT_GE(w->row_count(), rows_reported) << "seed " << seed;
    rows_reported = w->row_count();
    // Now and then start again without the table, so a kill also lands in a first restore.
    if (it % 5 == 4 && (*live)->HasTable("r")) {
      ASSERT_TRUE((*live)->DropTable("r").ok());
    }
    existed = (*live)->HasTable("r");
  }
  for (const auto& b : {b1, b2}) {
    auto problems = VerifyBackupByName(*fs, backup_root, b);
    ASSERT_TRUE(problems.ok());
    for (const auto& p : *problems) ADD_FAILURE() << b << ": " << FormatBackupProblem(p);
  }
  std::printf("iterations=%d absent=%d as_backup1=%d as_backup2=%d killed_mid_restore=%d\n",
              iterations, absent, as_b1, as_b2, killed_mid_restore);
  EXPECT_GT(as_b1 + as_b2, 0);
  EXPECT_GT(killed_mid_restore, 0);
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
