// Backup history: the record format (round trip over random entries, every damaged byte and
// every truncation reported, never dropped), crash leftovers and start-up recovery, and the
// history the real service writes: complete, failed, cleanup (retention) phases, ASYNC with live
// progress, ABORT, shutdown during an ASYNC backup, and a fault sweep over every file-system
// call of the history writes and of the cleanup.
#include <gtest/gtest.h>

#include <condition_variable>
#include <random>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_history.h"
#include "cairo/backup_retention.h"
#include "core/fault_file_system.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

BackupHistoryEntry RandomEntry(std::mt19937_64& rng) {
  auto str = [&rng](size_t max) {
    std::string s(rng() % (max + 1), ' ');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    return s;
  };
  BackupHistoryEntry e;
  e.id = static_cast<int64_t>(rng() % (int64_t{1} << 52));
  e.name = str(20);
  e.is_database = rng() % 2 == 0;
  for (size_t i = rng() % 5; i > 0; --i) e.tables.push_back(str(12));
  e.rows = static_cast<int64_t>(rng());
  e.bytes_copied = rng();
  e.bytes_linked = rng();
  e.start_us = static_cast<int64_t>(rng());
  e.end_us = static_cast<int64_t>(rng());
  e.duration_us = static_cast<int64_t>(rng());
  e.status = static_cast<BackupStatus>(rng() % 6);
  e.progress_percent = static_cast<int>(rng() % 101);
  e.backup_error = str(40);
  e.cleanup_error = str(40);
  e.removed_us = static_cast<int64_t>(rng());
  return e;
}

void ExpectSame(const BackupHistoryEntry& a, const BackupHistoryEntry& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.is_database, b.is_database);
  EXPECT_EQ(a.tables, b.tables);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.bytes_copied, b.bytes_copied);
  EXPECT_EQ(a.bytes_linked, b.bytes_linked);
  EXPECT_EQ(a.start_us, b.start_us);
  EXPECT_EQ(a.end_us, b.end_us);
  EXPECT_EQ(a.duration_us, b.duration_us);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.progress_percent, b.progress_percent);
  EXPECT_EQ(a.backup_error, b.backup_error);
  EXPECT_EQ(a.cleanup_error, b.cleanup_error);
  EXPECT_EQ(a.removed_us, b.removed_us);
}

TEST(BackupHistoryRecordTest, RandomEntriesRoundTrip) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; i++) {
    BackupHistoryEntry e = RandomEntry(rng);
    auto back = ParseHistoryRecord(SerializeHistoryRecord(e));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSame(e, *back);
  }
}

TEST(BackupHistoryRecordTest, EveryFlippedByteAndEveryTruncationIsAnError) {
  std::mt19937_64 rng(11);
  BackupHistoryEntry e = RandomEntry(rng);
  const std::string good = SerializeHistoryRecord(e);
  for (size_t i = 0; i < good.size(); i++) {
    for (int bit : {0, 3, 7}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(ParseHistoryRecord(bad).ok()) << "byte " << i << " bit " << bit;
    }
  }
  for (size_t n = 0; n < good.size(); n++) {
    EXPECT_FALSE(ParseHistoryRecord(good.substr(0, n)).ok()) << "length " << n;
  }
  EXPECT_FALSE(ParseHistoryRecord(good + "x").ok());
}

class BackupHistoryStoreTest : public ::testing::Test {
 protected:
  testutil::TempDir dir_{"sundial-history"};
  std::shared_ptr<core::FileSystem> fs_ = core::NewPosixFileSystem();
  std::string root_ = dir_.Sub("backups");
  BackupHistory history_{*fs_, root_};

  BackupHistoryEntry Entry(int64_t id, BackupStatus status, std::string name = "") {
    BackupHistoryEntry e;
    e.id = e.start_us = id;
    e.status = status;
    e.name = std::move(name);
    return e;
  }
  void Put(const std::string& path, std::string_view bytes) {
    auto f = fs_->Open(path, core::OpenMode::kTruncate);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, bytes.data(), bytes.size()).ok());
  }
};

TEST_F(BackupHistoryStoreTest, NewestFirstAndReplacedWhole) {
  auto none = history_.ReadAll();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());  // no `_history/` yet
  ASSERT_TRUE(history_.Write(Entry(100, BackupStatus::kBackupInProgress)).ok());
  ASSERT_TRUE(history_.Write(Entry(300, BackupStatus::kBackupComplete, "b")).ok());
  ASSERT_TRUE(history_.Write(Entry(200, BackupStatus::kBackupFailed)).ok());
  ASSERT_TRUE(history_.Write(Entry(100, BackupStatus::kCleanupComplete, "a")).ok());
  auto all = history_.ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, 300);
  EXPECT_EQ((*all)[1].id, 200);
  EXPECT_EQ((*all)[2].id, 100);
  EXPECT_EQ((*all)[2].status, BackupStatus::kCleanupComplete);
  EXPECT_EQ((*all)[2].name, "a");
}

TEST_F(BackupHistoryStoreTest, DamagedRecordIsReportedNotDroppedAndOthersStillRead) {
  ASSERT_TRUE(history_.Write(Entry(100, BackupStatus::kBackupComplete, "a")).ok());
  ASSERT_TRUE(history_.Write(Entry(200, BackupStatus::kBackupComplete, "b")).ok());
  std::string bytes = *fs_->ReadFile(history_.dir() + "/200.rec");
  bytes[bytes.size() / 2] ^= 0x10;
  Put(history_.dir() + "/200.rec", bytes);
  Put(history_.dir() + "/junk", "hello");
  auto all = history_.ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, 200);
  EXPECT_TRUE((*all)[0].unreadable);
  EXPECT_EQ((*all)[0].status, BackupStatus::kBackupFailed);
  EXPECT_EQ((*all)[0].backup_error.rfind("history record unreadable: ", 0), 0u) << (*all)[0].backup_error;
  EXPECT_NE((*all)[0].backup_error.find("checksum mismatch"), std::string::npos);
  EXPECT_EQ((*all)[1].id, 100);
  EXPECT_FALSE((*all)[1].unreadable);
  EXPECT_TRUE((*all)[2].unreadable);  // "junk": not a record name, reported too
  // A record moved under another id's name is not believed.
  ASSERT_TRUE(fs_->Rename(history_.dir() + "/100.rec", history_.dir() + "/150.rec").ok());
  all = history_.ReadAll();
  ASSERT_TRUE(all.ok());
  bool found = false;
  for (const auto& e : *all) {
    if (e.id == 150) {
      found = true;
      EXPECT_TRUE(e.unreadable);
    }
  }
  EXPECT_TRUE(found);
  // Recovery leaves damaged records for the user to see.
  ASSERT_TRUE(history_.Recover({}, 1).ok());
  EXPECT_TRUE(fs_->Exists(history_.dir() + "/200.rec"));
}

TEST_F(BackupHistoryStoreTest, UnlistableHistoryIsAnError) {
  ASSERT_TRUE(history_.Write(Entry(100, BackupStatus::kBackupComplete, "a")).ok());
  auto faulty = std::make_shared<core::FaultFileSystem>(fs_);
  core::FaultRule rule;
  rule.op = core::FaultOp::kListDir;
  rule.count = -1;
  faulty->AddRule(rule);
  BackupHistory h(*faulty, root_);
  auto all = h.ReadAll();
  ASSERT_FALSE(all.ok());
  EXPECT_NE(all.status().message().find("could not read the backup history"), std::string::npos);
  // A record that cannot be read is a row saying so.
  faulty->ClearRules();
  rule.op = core::FaultOp::kRead;
  faulty->AddRule(rule);
  all = h.ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].unreadable);
  EXPECT_NE((*all)[0].backup_error.find("Input/output error"), std::string::npos);
}

TEST_F(BackupHistoryStoreTest, RecoverTurnsInterruptedRunsIntoFailuresAndRemovesTornWrites) {
  ASSERT_TRUE(fs_->CreateDirs(root_ + "/2026-01-02").ok());
  ASSERT_TRUE(history_.Write(Entry(100, BackupStatus::kBackupInProgress)).ok());
  ASSERT_TRUE(history_.Write(Entry(200, BackupStatus::kCleanupInProgress, "2026-01-02")).ok());
  ASSERT_TRUE(history_.Write(Entry(300, BackupStatus::kBackupInProgress)).ok());
  ASSERT_TRUE(history_.Write(Entry(400, BackupStatus::kBackupComplete, "gone")).ok());
  // A torn replacement of 100's record (the server died in Write): ignored, then removed.
  const std::string torn = SerializeHistoryRecord(Entry(100, BackupStatus::kBackupComplete, "x"));
  Put(history_.dir() + "/100.rec.tmp", torn.substr(0, torn.size() / 2));
  auto before = history_.ReadAll();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), 4u);
  // 300 was renamed into place before the stop: its manifest says so.
  ASSERT_TRUE(history_.Recover({{300, "2026-01-03"}}, 999).ok());
  EXPECT_FALSE(fs_->Exists(history_.dir() + "/100.rec.tmp"));
  auto all = history_.ReadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[3].status, BackupStatus::kBackupFailed);
  EXPECT_EQ((*all)[3].backup_error, kInterruptedBackup);
  EXPECT_EQ((*all)[2].status, BackupStatus::kCleanupFailed);
  EXPECT_EQ((*all)[2].cleanup_error, kInterruptedCleanup);
  EXPECT_EQ((*all)[2].removed_us, 0);  // its directory is there
  EXPECT_EQ((*all)[1].status, BackupStatus::kBackupComplete);
  EXPECT_EQ((*all)[1].name, "2026-01-03");
  EXPECT_EQ((*all)[1].progress_percent, 100);
  EXPECT_EQ((*all)[0].removed_us, 999);  // "gone" is not in the root
}

// --- the history the service writes ---

class ServiceHistoryTest : public BackupFixture {
 protected:
  std::vector<BackupHistoryEntry> History(BackupService& s) {
    auto h = s.History();
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : std::vector<BackupHistoryEntry>{};
  }
  // Blocks the copy of any file whose path holds `gate_path` until Open() is called.
  void Gate(const std::string& gate_path) {
    fs_->SetHook([this, gate_path](const std::string& op, const std::string& path) {
      if (op == "copy" && path.find(gate_path) != std::string::npos) {
        std::unique_lock lk(gate_mu_);
        gated_++;
        gate_cv_.notify_all();
        gate_cv_.wait(lk, [this] { return open_; });
      }
      return core::Status::Ok();
    });
  }
  void WaitGated() {
    std::unique_lock lk(gate_mu_);
    ASSERT_TRUE(gate_cv_.wait_for(lk, std::chrono::seconds(20), [this] { return gated_ > 0; }));
  }
  void OpenGate() {
    std::lock_guard lk(gate_mu_);
    open_ = true;
    gate_cv_.notify_all();
  }
  void WaitIdle(BackupService& s) {
    for (int i = 0; i < 2000; i++) {
      auto h = History(s);
      if (!h.empty() && h[0].status != BackupStatus::kBackupInProgress &&
          h[0].status != BackupStatus::kCleanupInProgress) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "backup did not finish";
  }

  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  int gated_ = 0;
  bool open_ = false;
};

TEST_F(ServiceHistoryTest, CompleteAndFailedBackupsAreRecordedAndSurviveARestart) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 50);
  auto r = service_->BackupTables({"t"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  fs_->free_space = 10;  // the next one fails up front
  clock_.Set(clock_.NowMicros() + kHour);
  EXPECT_FALSE(service_->BackupDatabase().ok());
  fs_->free_space = -1;
  OpenEngine();  // a restart: the history is read from the root
  auto h = History(*service_);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].status, BackupStatus::kBackupFailed);
  EXPECT_NE(h[0].backup_error.find("not enough free space"), std::string::npos);
  EXPECT_TRUE(h[0].is_database);
  EXPECT_TRUE(h[0].name.empty());
  EXPECT_EQ(h[1].id, r->id);
  EXPECT_EQ(h[1].status, BackupStatus::kBackupComplete);
  EXPECT_EQ(h[1].name, "2025-11-26");
  EXPECT_EQ(BackupKindName(h[1]), "table list");
  EXPECT_EQ(h[1].tables, std::vector<std::string>{"t"});
  EXPECT_EQ(h[1].rows, 50);
  EXPECT_EQ(h[1].bytes_copied, r->bytes_copied);
  EXPECT_EQ(h[1].progress_percent, 100);
  EXPECT_GT(h[1].end_us, 0);
  EXPECT_GE(h[1].duration_us, 0);
}

TEST_F(ServiceHistoryTest, RetentionIsTheCleanupPhaseAndRemovedBackupsStayMarked) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 50);
  BackupOptions o = Options();
  o.keep_latest_n = 1;
  service_ = BackupService::Create(engine_.get(), fs_, o);
  auto first = service_->BackupDatabase();
  ASSERT_TRUE(first.ok());
  clock_.Set(clock_.NowMicros() + kDay);
  Append("t", 50, 10);
  auto second = service_->BackupDatabase();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->removed_backups.size(), 1u);
  auto h = History(*service_);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].status, BackupStatus::kCleanupComplete);
  EXPECT_EQ(h[0].cleanup_error, "");
  EXPECT_EQ(h[0].removed_us, 0);
  EXPECT_EQ(h[1].status, BackupStatus::kCleanupComplete);
  EXPECT_EQ(h[1].name, "2025-11-26");
  EXPECT_EQ(h[1].removed_us, clock_.NowMicros());
  EXPECT_EQ(BackupDirs(), std::vector<std::string>{second->directory});
}

TEST_F(ServiceHistoryTest, AsyncShowsLiveProgressAndAbortLeavesOnlyAFailedEntry) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kDay)).ok());
  Append("t", 0, 200);  // 9 day partitions
  Gate("/2025-11-25/");
  auto id = service_->StartBackupDatabaseAsync();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  WaitGated();
  auto h = History(*service_);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].id, *id);
  EXPECT_EQ(h[0].start_us, *id);
  EXPECT_EQ(h[0].status, BackupStatus::kBackupInProgress);
  EXPECT_GT(h[0].progress_percent, 0);
  EXPECT_LT(h[0].progress_percent, 100);
  // One at a time, sync or async.
  EXPECT_EQ(service_->BackupDatabase().status().message(), "backup already in progress");
  EXPECT_EQ(service_->StartBackupTablesAsync({"t"}).status().code(),
            core::StatusCode::kUnavailable);
  BackupAbortResult a = service_->AbortBackup();
  EXPECT_TRUE(a.aborted);
  EXPECT_EQ(a.backup_id, *id);
  OpenGate();
  WaitIdle(*service_);
  h = History(*service_);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].status, BackupStatus::kBackupFailed);
  EXPECT_EQ(h[0].backup_error, "aborted");
  EXPECT_TRUE(BackupDirs().empty());
  EXPECT_TRUE(real_fs_->ListDir(backup_root_ + "/tmp")->empty());
  EXPECT_FALSE(service_->AbortBackup().aborted);  // nothing running
  // The slot is free again; the persisted record agrees after a restart.
  fs_->SetHook(nullptr);
  auto next = service_->StartBackupDatabaseAsync();
  ASSERT_TRUE(next.ok());
  EXPECT_GT(*next, *id);
  WaitIdle(*service_);
  OpenEngine();
  h = History(*service_);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].status, BackupStatus::kBackupComplete);
  EXPECT_EQ(h[1].backup_error, "aborted");
  EXPECT_EQ(BackupDirs().size(), 1u);
}

TEST_F(ServiceHistoryTest, ShutdownDuringAnAsyncBackupMarksItFailedAndJoins) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kDay)).ok());
  Append("t", 0, 200);
  Gate("/2025-11-25/");
  auto id = service_->StartBackupDatabaseAsync();
  ASSERT_TRUE(id.ok());
  WaitGated();
  std::thread opener([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    OpenGate();
  });
  service_.reset();  // aborts and joins
  opener.join();
  fs_->SetHook(nullptr);
  service_ = BackupService::Create(engine_.get(), fs_, Options());
  auto h = History(*service_);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].status, BackupStatus::kBackupFailed);
  EXPECT_EQ(h[0].backup_error, "aborted: the server stopped during the backup");
  EXPECT_TRUE(BackupDirs().empty());
}

TEST_F(ServiceHistoryTest, NoRootMeansDisabled) {
  BackupOptions o = Options();
  o.backup_root.clear();
  auto s = BackupService::Create(engine_.get(), fs_, o);
  auto h = s->History();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message(),
            "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set");
  EXPECT_FALSE(s->StartBackupDatabaseAsync().ok());
  EXPECT_FALSE(s->AbortBackup().aborted);
}

// Every file-system call of the history writes fails in turn (then every call of the
// cleanup): a clear error or success, the backups on disk always verify, and the history
// reads back after a restart with a final status for every backup.
TEST_F(ServiceHistoryTest, FaultSweepOverHistoryWritesAndCleanup) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 30);
  auto faulty = std::make_shared<core::FaultFileSystem>(fs_);
  BackupOptions o = Options();
  o.keep_latest_n = 1;
  int sweeps = 0, errors = 0, cleanup_failed = 0;
  for (const char* target : {"/_history", "/tmp/removing-", "SWEEP_OLD"}) {
    for (int64_t n = 0;; n++) {
      faulty->ClearRules();
      ASSERT_TRUE(real_fs_->RemoveAll(backup_root_ + "/_history").ok());
      auto svc = BackupService::Create(engine_.get(), faulty, o);
      auto old = svc->BackupDatabase();  // the one retention will remove
      ASSERT_TRUE(old.ok()) << old.status().ToString();
      clock_.Set(clock_.NowMicros() + kDay);  // another name: "SWEEP_OLD" matches only the old
      Append("t", 30 + static_cast<int>(n), 1);
      core::FaultRule rule;
      rule.path_substring = std::string(target) == "SWEEP_OLD" ? old->directory : target;
      rule.skip = n;
      faulty->AddRule(rule);
      const int64_t injected_before = faulty->FaultsInjected();
      auto r = svc->BackupDatabase();
      const bool injected = faulty->FaultsInjected() > injected_before;
      faulty->ClearRules();
      if (!r.ok()) {
        errors++;
        EXPECT_NE(r.status().message().find("history"), std::string::npos) << r.status().ToString();
      }
      svc.reset();
      // Restart: every backup directory verifies; the history reads and nothing is left "in
      // progress".
      svc = BackupService::Create(engine_.get(), faulty, o);
      for (const auto& d : BackupDirs()) {
        auto m = VerifyBackup(*real_fs_, d);
        EXPECT_TRUE(m.ok()) << target << " call " << n << ": " << m.status().ToString();
      }
      auto h = svc->History();
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      for (const auto& e : *h) {
        EXPECT_FALSE(e.unreadable) << e.backup_error;
        EXPECT_NE(e.status, BackupStatus::kBackupInProgress) << target << " call " << n;
        EXPECT_NE(e.status, BackupStatus::kCleanupInProgress) << target << " call " << n;
        if (e.status == BackupStatus::kCleanupFailed) {
          EXPECT_FALSE(e.cleanup_error.empty());
          cleanup_failed++;
        }
      }
      // Start the next round from one backup.
      for (const auto& d : BackupDirs()) ASSERT_TRUE(real_fs_->RemoveAll(d).ok());
      sweeps++;
      if (!injected) break;
      ASSERT_LT(n, 200) << target;
    }
  }
  std::printf("runs=%d statement_errors=%d cleanup_failed=%d\n", sweeps, errors, cleanup_failed);
  EXPECT_GT(sweeps, 10);
  EXPECT_GT(errors, 0);
  EXPECT_GT(cleanup_failed, 0);
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
