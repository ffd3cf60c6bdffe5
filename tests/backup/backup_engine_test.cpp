// BACKUP DATABASE / BACKUP TABLE against the real engine: content and shape of a backup, that
// it starts as a root, naming, errors (disabled, unknown table, unwritable root, disk full,
// concurrent backup, leftovers), and point-in-time consistency under concurrent writers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <random>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_manifest.h"
#include "cairo/txn_file.h"
#include "core/fault_file_system.h"
#include "core/log.h"
#include "sql/backup_statement.h"
#include "sql/sql_engine.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

class BackupTest : public BackupFixture {};

TEST_F(BackupTest, BackupDatabaseIsAWholeRootThatOpens) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("quotes", MixedSchema(PartitionBy::kHour)).ok());
  std::vector<Row> trades = Append("trades", 0, 100);  // 5 day partitions
  std::vector<Row> more = Append("trades", 100, 30);
  trades.insert(trades.end(), more.begin(), more.end());
  std::vector<Row> quotes = Append("quotes", 0, 10);

  std::vector<std::string> lines;
  core::SetLogSink([&](core::LogLevel, std::string_view l) { lines.emplace_back(l); });
  auto r = service_->BackupDatabase();
  core::SetLogSink(nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->directory, backup_root_ + "/2025-11-26");
  EXPECT_EQ(r->tables, (std::vector<std::string>{"quotes", "trades"}));
  EXPECT_GT(r->bytes_copied, 0u);
  bool saw_start = false, saw_end = false;
  for (const auto& l : lines) {
    saw_start |= l.find("starting backup [tables=quotes,trades]") != std::string::npos;
    saw_end |= l.find("backup complete [dir=" + r->directory) != std::string::npos;
  }
  EXPECT_TRUE(saw_start && saw_end);

  // Shape: db/, conf/ (copied), manifest; verified file by file.
  auto m = VerifyBackup(*real_fs_, r->directory);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->is_database);
  ASSERT_EQ(m->tables.size(), 2u);
  EXPECT_EQ(m->tables[1].name, "trades");
  EXPECT_EQ(m->tables[1].row_count, 130);
  EXPECT_EQ(m->tables[1].txn, engine_->Pin("trades")->txn());
  EXPECT_EQ(*real_fs_->ReadFile(r->directory + "/conf/server.conf"),
            *real_fs_->ReadFile(server_root_ + "/conf/server.conf"));
  EXPECT_TRUE(real_fs_->Exists(r->directory + "/conf/mime.types"));
  EXPECT_TRUE(real_fs_->IsDirectory(r->directory + "/db/trades/2025-11-21"));
  // Staging is cleaned up.
  EXPECT_TRUE(real_fs_->ListDir(backup_root_ + "/tmp")->empty());
  EXPECT_EQ(BackupDirs(), (std::vector<std::string>{r->directory}));

  // `sundial -d <backup>`: a fresh engine on it sees exactly the rows, and can write.
  EXPECT_TRUE(CheckBackupFormatAtStartup(*real_fs_, r->directory).ok());
  auto restored = OpenRoot(r->directory);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->ListTables(), (std::vector<std::string>{"quotes", "trades"}));
  EXPECT_EQ(RowsOf(*restored, "trades"), trades);
  EXPECT_EQ(RowsOf(*restored, "quotes"), quotes);
  {
    auto w = restored->AcquireWriter("trades");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + 200 * kHour, 200)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  EXPECT_EQ(RowsOf(*restored, "trades").size(), 131u);
  // The live database is untouched by all this.
  EXPECT_EQ(LiveRows("trades"), trades);
}

TEST_F(BackupTest, StatementsDriveTheRealService) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 10);
  auto r = sql::TryExecuteBackupStatement("backup table t, tb2", service_.get());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().message(), "table does not exist [table=tb2]");
  EXPECT_EQ(r->status().position(), 16);
  r = sql::TryExecuteBackupStatement("BACKUP TABLE T;", service_.get());
  ASSERT_TRUE(r.has_value() && r->ok()) << r->status().ToString();
  EXPECT_EQ(r->value().kind, sql::StatementKind::kDdl);
  r = sql::TryExecuteBackupStatement("backup database", service_.get());
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ(BackupDirs().size(), 2u);
  r = sql::TryExecuteBackupStatement("snapshot prepare", service_.get());
  ASSERT_TRUE(r.has_value() && r->ok());
  r = sql::TryExecuteBackupStatement("snapshot prepare", service_.get());
  EXPECT_EQ(r->status().message(), "Waiting for SNAPSHOT COMPLETE to be called");
  EXPECT_EQ(r->status().position(), 0);
  r = sql::TryExecuteBackupStatement("snapshot complete", service_.get());
  EXPECT_TRUE(r.has_value() && r->ok());
}

TEST_F(BackupTest, BackupTableCopiesOnlyNamedTablesButKeepsRootShape) {
  ASSERT_TRUE(engine_->CreateTable("a", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("b", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("c", MixedSchema()).ok());
  auto a = Append("a", 0, 20);
  auto b = Append("b", 0, 5);
  Append("c", 0, 5);
  auto r = service_->BackupTables({"b", "a"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto m = VerifyBackup(*real_fs_, r->directory);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->is_database);
  EXPECT_FALSE(real_fs_->Exists(r->directory + "/db/c"));
  EXPECT_TRUE(real_fs_->Exists(r->directory + "/conf/server.conf"));
  auto restored = OpenRoot(r->directory);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->ListTables(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(RowsOf(*restored, "a"), a);
  EXPECT_EQ(RowsOf(*restored, "b"), b);
}

TEST_F(BackupTest, SuccessiveBackupsGetSuffixesAndEarlierOnesStayUnchanged) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto first_rows = Append("t", 0, 10);
  auto r1 = service_->BackupDatabase();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  Append("t", 10, 10);
  auto r2 = service_->BackupTables({"t"});
  ASSERT_TRUE(r2.ok());
  auto r3 = service_->BackupDatabase();
  ASSERT_TRUE(r3.ok());
  clock_.Set(clock_.NowMicros() + kDay);
  auto r4 = service_->BackupDatabase();
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r1->directory, backup_root_ + "/2025-11-26");
  EXPECT_EQ(r2->directory, backup_root_ + "/2025-11-26.1");
  EXPECT_EQ(r3->directory, backup_root_ + "/2025-11-26.2");
  EXPECT_EQ(r4->directory, backup_root_ + "/2025-11-27");
  for (const auto& d : BackupDirs()) EXPECT_TRUE(VerifyBackup(*real_fs_, d).ok()) << d;
  auto old = OpenRoot(r1->directory);
  ASSERT_TRUE(old);
  EXPECT_EQ(RowsOf(*old, "t"), first_rows);
  auto newer = OpenRoot(r3->directory);
  ASSERT_TRUE(newer);
  EXPECT_EQ(RowsOf(*newer, "t").size(), 20u);
}

// Incremental: a second backup links every table file the first holds unchanged (partition
// files, the newest partition's and the symbol dictionaries included: a root started from either
// backup unshares a file before changing it in place, INVARIANTS.md rule 2); changed and new
// files are copied. Both backups stay whole even after one of them is started as a live root
// and written to.
TEST_F(BackupTest, SecondBackupHardLinksUnchangedPartitions) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto rows = Append("t", 0, 120);  // 5 day partitions, 2025-11-21 .. 2025-11-25
  auto r1 = service_->BackupDatabase();
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->bytes_linked, 0u);
  auto more = Append("t", 120, 5);  // a new partition, 2025-11-26
  rows.insert(rows.end(), more.begin(), more.end());
  auto r2 = service_->BackupDatabase();
  ASSERT_TRUE(r2.ok());
  EXPECT_GT(r2->bytes_linked, 0u);
  EXPECT_LT(r2->bytes_copied, r1->bytes_copied);
  auto links = [](const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_nlink;
  };
  EXPECT_EQ(links(r2->directory + "/db/t/2025-11-21/v.d"), 2u);  // linked from the first
  EXPECT_EQ(links(r2->directory + "/db/t/2025-11-25/v.d"), 2u);  // the first's newest: linked
  EXPECT_EQ(links(r2->directory + "/db/t/2025-11-26/v.d"), 1u);  // new: copied
  EXPECT_EQ(links(r2->directory + "/db/t/sym.sym"), 2u);         // no new symbol: linked
  EXPECT_EQ(links(r2->directory + "/db/t/_txn"), 1u);            // always written anew
  // Nothing written since: every table file is linked, only `_txn`s and conf/ are written.
  auto unchanged = service_->BackupDatabase();
  ASSERT_TRUE(unchanged.ok());
  EXPECT_LT(unchanged->bytes_copied, 4096u);
  EXPECT_EQ(links(unchanged->directory + "/db/t/2025-11-26/v.d"), 2u);
  EXPECT_EQ(links(unchanged->directory + "/db/t/2025-11-21/v.d"), 3u);
  ASSERT_TRUE(real_fs_->RemoveAll(unchanged->directory).ok());
  // Out-of-order rows rewrite an old partition as a new version: not linked, copied.
  auto ooo = Append("t", 200, 2, kT0 + 30 * 60'000'000LL - 200 * kHour);
  rows.insert(rows.end(), ooo.begin(), ooo.end());
  auto r3 = service_->BackupDatabase();
  ASSERT_TRUE(r3.ok());
  // Start the first backup as a live root and write to it (in place into its newest partition,
  // out of order into old ones); every backup must stay whole.
  {
    auto live1 = OpenRoot(r1->directory);
    ASSERT_TRUE(live1);
    auto w = live1->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 30; i++) ASSERT_TRUE(WriteRow(**w, MakeRow(kT0 + i * kHour + 1, i)).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    live1->Purge();
  }
  for (const auto& d : {r2->directory, r3->directory}) {
    auto m = VerifyBackup(*real_fs_, d);
    EXPECT_TRUE(m.ok()) << d << ": " << m.status().ToString();
  }
  auto restored = OpenRoot(r3->directory);
  ASSERT_TRUE(restored);
  EXPECT_EQ(Digest(RowsOf(*restored, "t")).n_sum, Digest(rows).n_sum);
  EXPECT_EQ(RowsOf(*restored, "t").size(), rows.size());
  // Start the second backup as a live root too and append to its newest partition (shared
  // with the third backup) and its symbol dictionary (shared with the first): the others keep
  // matching their manifests.
  {
    auto live2 = OpenRoot(r2->directory);
    ASSERT_TRUE(live2);
    auto w = live2->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 3; i++) {
      Row row = MakeRow(kT0 + (125 + i) * kHour, 500 + i);
      row.sym = "unshared-" + std::to_string(i);
      ASSERT_TRUE(WriteRow(**w, row).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  EXPECT_TRUE(VerifyBackup(*real_fs_, r3->directory).ok());
  // Deleting the first backup leaves the others whole.
  ASSERT_TRUE(real_fs_->RemoveAll(r1->directory).ok());
  EXPECT_TRUE(VerifyBackup(*real_fs_, r3->directory).ok());
}

// Compressed partitions (CONVERT PARTITION TO COMPRESSED): the backup holds the `.z` files
// as they are, so it is about as small as the database; it verifies, starts with `-d` and
// reads the same rows; a second backup links the compressed partitions.
TEST_F(BackupTest, CompressedPartitionsAreBackedUpAsTheyAreAndLinked) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 4 * 4320; i++) {  // 4 days, one row every 20 s
      rows.push_back(MakeRow(kT0 + static_cast<int64_t>(i) * 20'000'000LL, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto raw = service_->BackupDatabase();
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  ASSERT_TRUE(engine_->ConvertPartitions("t", {kT0, kT0 + kDay, kT0 + 2 * kDay}, true).ok());
  engine_->Purge();
  uint64_t db_bytes = 0;
  {
    auto view = engine_->Pin("t");
    ASSERT_TRUE(view.ok());
    auto files = view->CommittedFiles();
    ASSERT_TRUE(files.ok());
    for (const auto& f : *files) db_bytes += f.committed_size;
  }
  auto r1 = service_->BackupDatabase();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_LT(r1->bytes_copied, raw->bytes_copied / 2);  // 3 of 4 partitions compressed
  EXPECT_LT(r1->bytes_copied, db_bytes + 64 * 1024);   // db files, `_txn`, conf/
  auto m = VerifyBackup(*real_fs_, r1->directory);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->tables[0].row_count, static_cast<int64_t>(rows.size()));
  EXPECT_TRUE(CheckBackupFormatAtStartup(*real_fs_, r1->directory).ok());
  {
    auto restored = OpenRoot(r1->directory);
    ASSERT_TRUE(restored);
    EXPECT_TRUE(restored->BrokenTables().empty());
    EXPECT_EQ(RowsOf(*restored, "t"), rows);
    EXPECT_TRUE(restored->Pin("t")->partitions()[0].is_compressed);
  }
  auto r2 = service_->BackupDatabase();
  ASSERT_TRUE(r2.ok());
  EXPECT_LT(r2->bytes_copied, 8192u);
  const std::string dir0 = engine_->Pin("t")->partitions()[0].dir_name;
  struct stat st;
  ASSERT_EQ(::stat((r2->directory + "/db/t/" + dir0 + "/v.z").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);  // linked from the first
  EXPECT_TRUE(VerifyBackup(*real_fs_, r2->directory).ok());
}

// A partition split by out-of-order rows (its first entry cut, the rest a new entry): backups
// hold the committed bytes of each entry only, verify, open and read the rows as pinned; the
// cut entry is copied, not linked from the previous backup.
TEST_F(BackupTest, BackupsOfASplitPartitionHoldEachEntryAsCommitted) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  std::vector<Row> rows;
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 10000; ++i) {
      rows.push_back(MakeRow(kT0 + i * 1'000'000LL, i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto r1 = service_->BackupDatabase();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  const std::vector<Row> at_r1 = SortedByTs(rows);
  {
    auto w = engine_->AcquireWriter("t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 3; ++i) {
      rows.push_back(MakeRow(kT0 + (9990 + i) * 1'000'000LL + 500, 20000 + i));
      ASSERT_TRUE(WriteRow(**w, rows.back()).ok());
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto v = engine_->Pin("t");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->partitions().size(), 2u);  // split: the first entry cut at row 9991
  const std::string cut_dir = v->partitions()[0].dir_name;
  EXPECT_EQ(v->partitions()[0].row_count, 9991);
  *v = TableView();
  auto r2 = service_->BackupDatabase();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  for (const auto& d : {r1->directory, r2->directory}) {
    auto m = VerifyBackup(*real_fs_, d);
    EXPECT_TRUE(m.ok()) << d << ": " << m.status().ToString();
  }
  struct stat st;
  ASSERT_EQ(::stat((r2->directory + "/db/t/" + cut_dir + "/v.d").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 9991 * 8);
  EXPECT_EQ(st.st_nlink, 1u);  // not the first backup's (longer) file
  auto b1 = OpenRoot(r1->directory);
  ASSERT_TRUE(b1);
  EXPECT_EQ(RowsOf(*b1, "t"), at_r1);
  auto b2 = OpenRoot(r2->directory);
  ASSERT_TRUE(b2);
  EXPECT_EQ(RowsOf(*b2, "t"), SortedByTs(rows));
  EXPECT_EQ(RowsOf(*b2, "t"), LiveRows("t"));
}

TEST_F(BackupTest, DateFormatFromOptions) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  BackupOptions o = Options();
  o.dir_datetime_format = "ddMMMyyyy'-'HHmm";
  auto svc = BackupService::Create(engine_.get(), fs_, o);
  auto r = svc->BackupDatabase();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->directory, backup_root_ + "/26Nov2025-0300");
}

TEST_F(BackupTest, DisabledWithoutRoot) {
  BackupOptions o = Options();
  o.backup_root.clear();
  auto svc = BackupService::Create(engine_.get(), fs_, o);
  EXPECT_FALSE(svc->enabled());
  auto r = svc->BackupDatabase();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set");
  EXPECT_FALSE(svc->BackupTables({"t"}).ok());
}

TEST_F(BackupTest, UnknownTableIsNotFoundAndNothingIsWritten) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  auto r = service_->BackupTables({"t", "tb2"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "table does not exist [table=tb2]");
  EXPECT_TRUE(BackupDirs().empty());
}

TEST_F(BackupTest, LeftoverStagingDirDoesNotBlock) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 5);
  // A crashed backup left a staging dir (with the name the next one could pick) behind.
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_ + "/tmp/backup-1-1-1/db/t").ok());
  WriteText(backup_root_ + "/tmp/backup-1-1-1/db/t/_txn", "junk");
  service_ = BackupService::Create(engine_.get(), fs_, Options());
  EXPECT_FALSE(real_fs_->Exists(backup_root_ + "/tmp/backup-1-1-1"));  // cleaned at creation
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_ + "/tmp/backup-2-2-2/db").ok());
  auto r = service_->BackupDatabase();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(real_fs_->Exists(backup_root_ + "/tmp/backup-2-2-2"));  // and at each backup
  EXPECT_TRUE(VerifyBackup(*real_fs_, r->directory).ok());
}

TEST_F(BackupTest, UnwritableRootIsPermissionDeniedNamingThePath) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_).ok());
  if (::geteuid() == 0) {
    // root ignores mode bits: inject the EACCES the kernel would give anyone else.
    fs_->SetHook([&](const std::string& op, const std::string& path) {
      if (op == "mkdir" && path.rfind(backup_root_, 0) == 0) {
        return core::Status::FromErrno(EACCES, "could not create directory [path=" + path + "]");
      }
      return core::Status::Ok();
    });
  } else {
    ASSERT_EQ(::chmod(backup_root_.c_str(), 0555), 0);
  }
  auto r = service_->BackupDatabase();
  ::chmod(backup_root_.c_str(), 0755);
  fs_->SetHook(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("backup root is not writable [path=" + backup_root_),
            std::string::npos)
      << r.status().message();
  // It works once the root is writable again.
  EXPECT_TRUE(service_->BackupDatabase().ok());
}

TEST_F(BackupTest, DiskFullMidCopyIsResourceExhaustedAndLeavesNothing) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 200);
  int copies = 0;
  fs_->SetHook([&](const std::string& op, const std::string& path) {
    if (op == "copy" && path.rfind(backup_root_, 0) == 0 && ++copies == 7) {
      return core::Status::FromErrno(ENOSPC, "could not copy file range [path=" + path + "]");
    }
    return core::Status::Ok();
  });
  auto r = service_->BackupDatabase();
  fs_->SetHook(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("No space left"), std::string::npos);
  EXPECT_TRUE(BackupDirs().empty());
  EXPECT_TRUE(real_fs_->ListDir(backup_root_ + "/tmp")->empty());
  // Manifest write failing the same way.
  fs_->SetHook([&](const std::string& op, const std::string& path) {
    if (op == "write" && path.find(kBackupManifestName) != std::string::npos) {
      return core::Status::FromErrno(ENOSPC, "could not write file [path=" + path + "]");
    }
    return core::Status::Ok();
  });
  r = service_->BackupDatabase();
  fs_->SetHook(nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_TRUE(BackupDirs().empty());
  // Not enough free space: refused before copying anything.
  fs_->free_space = 100;
  r = service_->BackupDatabase();
  fs_->free_space = -1;
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("not enough free space"), std::string::npos);
  EXPECT_TRUE(BackupDirs().empty());
  EXPECT_EQ(LiveRows("t").size(), 200u);
  EXPECT_TRUE(service_->BackupDatabase().ok());
}

// A real full disk: the backup root on a 1 MiB tmpfs (needs mount privileges; skipped
// otherwise). The free-space check is bypassed so that the copy itself hits ENOSPC.
TEST_F(BackupTest, RealFullDiskOnTmpfs) {
  const std::string mnt = dir_.Sub("small");
  ASSERT_TRUE(real_fs_->CreateDirs(mnt).ok());
  std::string cmd = "mount -t tmpfs -o size=1m tmpfs '" + mnt + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  struct Unmount {
    std::string path;
    ~Unmount() { (void)std::system(("umount '" + path + "' 2>/dev/null").c_str()); }
  } unmount{mnt};
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kYear)).ok());
  for (int b = 0; b < 8; b++) Append("t", b * 5000, 5000);  // ~1.6 MiB of column files
  BackupOptions o = Options();
  o.backup_root = mnt + "/backups";
  auto svc = BackupService::Create(engine_.get(), fs_, o);
  // With the free-space check: refused up front.
  auto r = svc->BackupDatabase();
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted) << r.status().ToString();
  EXPECT_NE(r.status().message().find("not enough free space"), std::string::npos);
  // Without it: ENOSPC in the middle of the copy.
  fs_->free_space = int64_t{1} << 40;
  r = svc->BackupDatabase();
  fs_->free_space = -1;
  EXPECT_EQ(r.status().code(), core::StatusCode::kResourceExhausted) << r.status().ToString();
  auto left = real_fs_->ListDir(mnt + "/backups");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 2u);  // only the (empty) staging root and the history
  EXPECT_TRUE(real_fs_->ListDir(mnt + "/backups/tmp")->empty());
  auto free_after = real_fs_->FreeSpace(mnt);
  ASSERT_TRUE(free_after.ok());
  EXPECT_GT(*free_after, 900'000u);  // the partial copy was removed
  EXPECT_EQ(LiveRows("t").size(), 40000u);
}

// Fails, one at a time, every file-system call a backup makes under the backup root (with
// ENOSPC or EIO): each failure is reported, leaves no partial final directory and no staging
// leftovers, and the next backup works.
TEST_F(BackupTest, FaultSweepOverEveryCallOfABackup) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema(PartitionBy::kMonth)).ok());
  auto rows = Append("t", 0, 50);
  auto faulty = std::make_shared<core::FaultFileSystem>(real_fs_);
  auto svc = BackupService::Create(engine_.get(), faulty, Options());
  faulty->ResetCounts();
  faulty->AddRule({core::FaultOp::kAny, "/backups", EIO, false, 1'000'000, 1});  // counts only
  ASSERT_TRUE(svc->BackupDatabase().ok());
  faulty->ClearRules();
  const int64_t calls = faulty->CallCount();
  ASSERT_GT(calls, 10);
  ASSERT_TRUE(real_fs_->RemoveAll(backup_root_).ok());
  int failed = 0;
  for (int64_t n = 0; n < calls; n++) {
    faulty->ClearRules();
    faulty->AddRule({core::FaultOp::kAny, "/backups", n % 2 ? EIO : ENOSPC, false, n, 1});
    auto r = svc->BackupDatabase();
    faulty->ClearRules();
    if (!r.ok()) {
      failed++;
      EXPECT_NE(r.status().message(), "") << n;
    }
    for (const auto& d : BackupDirs()) {
      auto m = VerifyBackup(*real_fs_, d);
      ASSERT_TRUE(m.ok()) << "call " << n << ": " << d << ": " << m.status().ToString();
      ASSERT_TRUE(real_fs_->RemoveAll(d).ok());  // so that the next run copies (links nothing)
    }
    auto staged = real_fs_->ListDir(backup_root_ + "/tmp");
    if (staged.ok() && !r.ok()) {
      for (const auto& e : *staged) ADD_FAILURE() << "call " << n << " left " << e.name;
    }
  }
  EXPECT_GT(failed, calls / 2);
  auto r = svc->BackupDatabase();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto restored = OpenRoot(r->directory);
  ASSERT_TRUE(restored);
  EXPECT_EQ(RowsOf(*restored, "t"), rows);
  EXPECT_EQ(LiveRows("t"), rows);
}

TEST_F(BackupTest, RenameFailureLeavesNoFinalDirectoryAndNextBackupWorks) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 5);
  fs_->SetHook([&](const std::string& op, const std::string& path) {
    if (op == "rename" && path.rfind(backup_root_ + "/2025", 0) == 0) {
      return core::Status::FromErrno(EIO, "could not rename [path=" + path + "]");
    }
    return core::Status::Ok();
  });
  auto r = service_->BackupDatabase();
  fs_->SetHook(nullptr);
  EXPECT_EQ(r.status().code(), core::StatusCode::kIOError);
  EXPECT_TRUE(BackupDirs().empty());
  EXPECT_TRUE(real_fs_->ListDir(backup_root_ + "/tmp")->empty());
  auto ok = service_->BackupDatabase();
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->directory, backup_root_ + "/2025-11-26");
}

TEST_F(BackupTest, EmptyFinalNameDirectoryIsNeverReplaced) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_ + "/2025-11-26").ok());  // e.g. made by hand
  auto r = service_->BackupDatabase();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->directory, backup_root_ + "/2025-11-26.1");
  EXPECT_TRUE(real_fs_->ListDir(backup_root_ + "/2025-11-26")->empty());
}

// Blocks the first backup inside its copy until released.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, released = false;
  void Enter() {
    std::unique_lock lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return released; });
  }
  void WaitEntered() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return entered; });
  }
  void Release() {
    std::lock_guard lk(mu);
    released = true;
    cv.notify_all();
  }
};

TEST_F(BackupTest, SecondConcurrentBackupIsUnavailable) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 10);
  Gate gate;
  std::atomic<bool> once{false};
  fs_->SetHook([&](const std::string& op, const std::string&) {
    if (op == "copy" && !once.exchange(true)) gate.Enter();
    return core::Status::Ok();
  });
  core::Result<BackupResult> first = core::Status::Internal("not run");
  std::thread th([&] { first = service_->BackupDatabase(); });
  gate.WaitEntered();
  auto second = service_->BackupTables({"t"});
  gate.Release();
  th.join();
  fs_->SetHook(nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(), "backup already in progress");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(VerifyBackup(*real_fs_, first->directory).ok());
}

TEST_F(BackupTest, TableDroppedOrRenamedDuringBackupIsStillCopiedAsPinned) {
  ASSERT_TRUE(engine_->CreateTable("doomed", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("moving", MixedSchema()).ok());
  auto doomed = Append("doomed", 0, 60);
  auto moving = Append("moving", 0, 40);
  Gate gate;
  std::atomic<bool> once{false};
  fs_->SetHook([&](const std::string& op, const std::string&) {
    if (op == "copy" && !once.exchange(true)) gate.Enter();
    return core::Status::Ok();
  });
  core::Result<BackupResult> r = core::Status::Internal("not run");
  std::thread th([&] { r = service_->BackupDatabase(); });
  gate.WaitEntered();
  // Writers are not blocked by the running backup: DDL and commits go through.
  ASSERT_TRUE(engine_->DropTable("doomed").ok());
  ASSERT_TRUE(engine_->RenameTable("moving", "moved").ok());
  Append("moved", 40, 10);
  engine_->Purge();
  gate.Release();
  th.join();
  fs_->SetHook(nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto restored = OpenRoot(r->directory);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->ListTables(), (std::vector<std::string>{"doomed", "moving"}));
  EXPECT_EQ(RowsOf(*restored, "doomed"), doomed);
  EXPECT_EQ(RowsOf(*restored, "moving"), moving);
  // And once the backup let go, the dropped table is purged from the live root.
  engine_->Purge();
  auto trash = real_fs_->ListDir(server_root_ + "/db/.trash");
  EXPECT_TRUE(!trash.ok() || trash->empty());
}

// Several writer threads (in-order appends, out-of-order batches, ADD/DROP COLUMN, tables
// created and dropped) while backups run back to back. Every backup must hold, per table,
// exactly the rows committed at the txn it pinned (checked against the per-commit digest the
// writers recorded), and two tables written in lockstep must never be out of step.
TEST_F(BackupTest, BackupsUnderConcurrentWritersArePointInTime) {
  ASSERT_TRUE(engine_->CreateTable("inorder", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("ooo", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("left", MixedSchema()).ok());
  ASSERT_TRUE(engine_->CreateTable("right", MixedSchema()).ok());
  std::mutex mu;
  std::map<std::string, std::map<uint64_t, TxnDigest>> digests;  // table -> txn -> digest
  auto record = [&](const std::string& table) {
    auto v = engine_->Pin(table);
    ASSERT_TRUE(v.ok());
    TxnDigest d = Digest(ReadRows(*v));
    std::lock_guard lk(mu);
    digests[table][v->txn()] = d;
  };
  for (const char* t : {"inorder", "ooo", "left", "right"}) record(t);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  const int kBatch = 7;

  auto writer = [&](const std::string& table, bool out_of_order, bool ddl, uint32_t seed) {
    std::mt19937 rng(seed);
    int next = 0;
    for (int round = 0; !stop.load() || round < 3; round++) {
      {
        auto w = engine_->AcquireWriter(table);
        if (!w.ok()) {
          failures++;
          return;
        }
        for (int i = 0; i < kBatch; i++, next++) {
          // Out of order: timestamps land in earlier days, rewriting partitions.
          // (minute spacing keeps the partition count, and so the test's run time, small)
          int64_t ts = out_of_order ? kT0 + static_cast<int64_t>(rng() % 3000) * 60'000'000LL
                                    : kT0 + static_cast<int64_t>(next) * 60'000'000LL;
          if (!WriteRow(**w, MakeRow(ts, next)).ok()) failures++;
        }
        if (!(*w)->Commit().ok()) failures++;
      }
      record(table);
      if (ddl && round % 4 == 1) {
        if (!engine_->AddColumn(table, "extra", ColumnType::kLong).ok()) failures++;
        record(table);
      } else if (ddl && round % 4 == 3) {
        if (!engine_->DropColumn(table, "extra").ok()) failures++;
        record(table);
      }
      engine_->Purge();
    }
  };
  auto lockstep = [&] {
    int next = 0;
    for (int round = 0; !stop.load() || round < 3; round++) {
      for (const char* t : {"left", "right"}) {
        auto w = engine_->AcquireWriter(t);
        if (!w.ok()) {
          failures++;
          return;
        }
        for (int i = 0; i < kBatch; i++) {
          if (!WriteRow(**w, MakeRow(kT0 + static_cast<int64_t>(next + i) * 60'000'000LL,
                                     next + i)).ok()) {
            failures++;
          }
        }
        if (!(*w)->Commit().ok()) failures++;
      }
      next += kBatch;
    }
  };
  auto churn = [&] {
    for (int round = 0; !stop.load(); round++) {
      std::string name = "churn" + std::to_string(round % 3);
      if (!engine_->CreateTable(name, MixedSchema()).ok()) continue;
      Append(name, 0, 3);
      if (!engine_->DropTable(name).ok()) failures++;
    }
  };

  std::vector<std::thread> threads;
  threads.emplace_back(writer, "inorder", false, true, 1);
  threads.emplace_back(writer, "ooo", true, false, 2);
  threads.emplace_back(lockstep);
  threads.emplace_back(churn);
  std::vector<core::Result<BackupResult>> results;
  for (int i = 0; i < 6; i++) {
    results.push_back(i % 2 == 0 ? service_->BackupDatabase()
                                 : service_->BackupTables({"inorder", "ooo", "left", "right"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  stop = true;
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::vector<BackupResult> backups;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    backups.push_back(*r);
  }

  for (const auto& b : backups) {
    auto m = VerifyBackup(*real_fs_, b.directory);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    auto restored = OpenRoot(b.directory);
    ASSERT_TRUE(restored);
    for (const char* t : {"inorder", "ooo"}) {
      auto v = restored->Pin(t);
      ASSERT_TRUE(v.ok());
      auto it = digests[t].find(v->txn());
      ASSERT_NE(it, digests[t].end()) << t << " txn " << v->txn() << " was never committed";
      TxnDigest got = Digest(ReadRows(*v));
      EXPECT_EQ(got.row_count, it->second.row_count) << b.directory << " " << t;
      EXPECT_EQ(got.n_sum, it->second.n_sum) << b.directory << " " << t;
    }
    int64_t left = RowsOf(*restored, "left").size(), right = RowsOf(*restored, "right").size();
    EXPECT_TRUE(left == right || left == right + kBatch)
        << b.directory << ": left=" << left << " right=" << right;
  }
}

// A file the table's `_txn` lists but the disk lacks fails the backup with a message naming
// it, and nothing is published: never a backup with an empty or missing column.
TEST_F(BackupTest, MissingColumnFileFailsTheBackupNamingIt) {
  for (const std::string file : {"2025-11-21/s.i", "2025-11-21/v.d", "2025-11-21/s.d"}) {
    SCOPED_TRACE(file);
    OpenEngine();
    ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
    Append("t", 0, 30);
    const size_t backups_before = BackupDirs().size();
    ASSERT_TRUE(real_fs_->RemoveFile(server_root_ + "/db/t/" + file).ok());
    auto r = service_->BackupTables({"t"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption) << r.status().ToString();
    EXPECT_NE(r.status().message().find(file), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("table=t"), std::string::npos) << r.status().ToString();
    EXPECT_EQ(BackupDirs().size(), backups_before);
    ASSERT_TRUE(engine_->DropTable("t").ok());
  }
}

// A backup started as a server root (`-d`) with one damaged byte: the queries that read the
// damaged file fail with Corruption naming the table and file; the others still answer.
TEST_F(BackupTest, DamagedFileOfARestoredBackupFailsTheQueryNotTheServer) {
  ASSERT_TRUE(engine_->CreateTable("t", MixedSchema()).ok());
  Append("t", 0, 30);
  auto r = service_->BackupTables({"t"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  struct Case {
    const char* file;
    size_t offset;
    uint8_t mask;
    const char* query;
  };
  // An offset in the middle of the VARCHAR index made huge (SIGSEGV before the check); a
  // dictionary entry length (a null table before); a symbol key past the dictionary.
  for (const Case& c : {Case{"2025-11-21/s.i", 8 * 5 + 6, 0x40, "SELECT sum(length(s)) FROM t"},
                        Case{"sym.sym", 0, 0x40, "SELECT count(DISTINCT sym) FROM t"},
                        Case{"sym.sym", 0, 0x40, "SELECT sym, count() FROM t"},
                        Case{"2025-11-21/sym.d", 4 * 2 + 1, 0x10, "SELECT sym, count() FROM t"}}) {
    SCOPED_TRACE(std::string(c.file) + " " + c.query);
    const std::string root = dir_.Sub("restored");
    ASSERT_TRUE(real_fs_->RemoveAll(root).ok());
    ASSERT_EQ(std::system(("cp -a " + r->directory + " " + root).c_str()), 0);
    const std::string path = root + "/db/t/" + c.file;
    auto bytes = real_fs_->ReadFile(path);
    ASSERT_TRUE(bytes.ok());
    ASSERT_LT(c.offset, bytes->size());
    (*bytes)[c.offset] = static_cast<char>((*bytes)[c.offset] ^ c.mask);
    WriteText(path, *bytes);
    auto restored = OpenRoot(root);
    ASSERT_TRUE(restored);
    sql::SqlOptions so;
    so.worker_threads = 2;
    sql::SqlEngine sql(restored.get(), nullptr, so);
    auto run = [&](const std::string& q) -> core::Status {
      auto res = sql.Execute(q);
      if (!res.ok() || !res->rows) return res.status();
      sql::ResultBlock b;
      for (;;) {
        auto more = res->rows->Next(&b, 1000);
        if (!more.ok()) return more.status();
        if (!*more) return core::Status::Ok();
      }
    };
    core::Status st = run(c.query);
    EXPECT_EQ(st.code(), core::StatusCode::kCorruption) << st.ToString();
    EXPECT_NE(st.message().find("table=t"), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(c.file), std::string::npos) << st.ToString();
    EXPECT_TRUE(run("SELECT sum(n) FROM t").ok());
  }
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
