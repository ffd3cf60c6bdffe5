// RESTORE TABLE into a running engine (cairo/backup_restore.h, Engine::AttachTable): the
// restored table holds exactly the backup's data; writing to it never changes the backup (hard
// links only for files the table never writes in place); every error changes nothing; OVERWRITE
// leaves pinned readers on the old table; a fault at every file-system call of a restore leaves
// the live database and the backup unchanged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "cairo/backup.h"
#include "cairo/backup_restore.h"
#include "cairo/backup_verify.h"
#include "cairo/txn_file.h"
#include "core/crc32c.h"
#include "core/fault_file_system.h"
#include "sql/backup_statement.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

namespace sfs = std::filesystem;

uint64_t LinkCount(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_nlink : 0;
}

// Directories of `db` whose name starts with ".restore." (staging leftovers).
std::vector<std::string> StagingDirs(const std::string& db) {
  std::vector<std::string> out;
  for (const auto& e : sfs::directory_iterator(db)) {
    if (e.path().filename().string().rfind(".restore.", 0) == 0) out.push_back(e.path());
  }
  return out;
}

// The real file system, except that it cannot exchange two names (as some file systems cannot):
// OVERWRITE then moves the old table aside before renaming the restored one in.
class NoExchangeFileSystem final : public core::FileSystem {
 public:
  explicit NoExchangeFileSystem(std::shared_ptr<core::FileSystem> base) : base_(std::move(base)) {}
  core::Result<std::unique_ptr<core::File>> Open(const std::string& p, core::OpenMode m) override {
    return base_->Open(p, m);
  }
  core::Result<std::unique_ptr<core::MappedRegion>> MapReadOnly(core::File& f, uint64_t o,
                                                                size_t n) override {
    return base_->MapReadOnly(f, o, n);
  }
  core::Status CreateDir(const std::string& p) override { return base_->CreateDir(p); }
  core::Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  core::Status RemoveDir(const std::string& p) override { return base_->RemoveDir(p); }
  core::Status Rename(const std::string& a, const std::string& b) override {
    return base_->Rename(a, b);
  }
  core::Status Exchange(const std::string&, const std::string&) override {
    exchanges_refused++;
    return core::Status::Unsupported("rename exchange is not supported");
  }
  core::Status SyncDir(const std::string& p) override { return base_->SyncDir(p); }
  core::Result<uint64_t> LinkCount(const std::string& p) override { return base_->LinkCount(p); }
  core::Status Link(const std::string& a, const std::string& b) override {
    return base_->Link(a, b);
  }
  bool Exists(const std::string& p) override { return base_->Exists(p); }
  bool IsDirectory(const std::string& p) override { return base_->IsDirectory(p); }
  core::Result<std::vector<core::DirEntry>> ListDir(const std::string& p) override {
    return base_->ListDir(p);
  }
  core::Result<uint64_t> FileSize(const std::string& p) override { return base_->FileSize(p); }
  core::Result<uint64_t> FreeSpace(const std::string& p) override { return base_->FreeSpace(p); }
  core::Status CopyRange(core::File& s, uint64_t so, core::File& d, uint64_t o,
                         uint64_t n) override {
    return base_->CopyRange(s, so, d, o, n);
  }
  core::Status SyncAll() override { return base_->SyncAll(); }
  int exchanges_refused = 0;

 private:
  std::shared_ptr<core::FileSystem> base_;
};

class RestoreTableTest : public BackupFixture {
 protected:
  // Table "Trades": three daily partitions, a symbol dictionary, out-of-order rows.
  std::vector<Row> MakeTrades() {
    EXPECT_TRUE(engine_->CreateTable("Trades", MixedSchema()).ok());
    Append("Trades", 0, 60);
    Append("Trades", 60, 20, kT0 - 30 * kHour);  // out of order, into days already written
    return LiveRows("Trades");
  }
  std::string Backup() {
    auto r = service_->BackupDatabase();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::string(core::BaseName(r->directory)) : "";
  }
  core::Result<RestoreTableResult> Restore(const std::string& backup, const std::string& table,
                                           const std::string& target = "",
                                           bool overwrite = false) {
    return service_->RestoreTable({backup, table, target, overwrite});
  }
  void ExpectBackupClean(const std::string& name) {
    auto problems = VerifyBackupByName(*real_fs_, backup_root_, name);
    ASSERT_TRUE(problems.ok()) << problems.status().ToString();
    for (const auto& p : *problems) ADD_FAILURE() << FormatBackupProblem(p);
  }
  std::string Db() const { return server_root_ + "/db"; }
};

TEST_F(RestoreTableTest, DroppedTableComesBackWithExactlyTheBackupsData) {
  std::vector<Row> at_backup = MakeTrades();
  auto before = engine_->Pin("Trades");
  ASSERT_TRUE(before.ok());
  const std::string name = Backup();
  Append("Trades", 100, 5);  // after the backup: not restored
  ASSERT_TRUE(engine_->DropTable("trades").ok());

  auto r = Restore(name, "TRADES");  // matched case-insensitively; keeps the backup's spelling
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table, "Trades");
  EXPECT_EQ(r->row_count, static_cast<int64_t>(at_backup.size()));
  EXPECT_EQ(engine_->ListTables(), std::vector<std::string>{"Trades"});
  auto after = engine_->Pin("trades");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(ReadRows(*after), at_backup);
  EXPECT_EQ(after->schema().columns.size(), before->schema().columns.size());
  EXPECT_EQ(after->txn(), before->txn());
  ASSERT_EQ(after->partitions().size(), before->partitions().size());
  for (size_t i = 0; i < after->partitions().size(); ++i) {
    EXPECT_EQ(after->partitions()[i].dir_name, before->partitions()[i].dir_name);
    EXPECT_EQ(after->partitions()[i].row_count, before->partitions()[i].row_count);
  }
  EXPECT_NE(after->table_id(), before->table_id());  // a fresh id, never the backup's
  EXPECT_TRUE(StagingDirs(Db()).empty());
  // And it survives a restart unchanged.
  *before = TableView();
  *after = TableView();
  OpenEngine();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  EXPECT_EQ(LiveRows("Trades"), at_backup);
}

TEST_F(RestoreTableTest, WritingToTheRestoredTableNeverChangesTheBackup) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  auto r = Restore(name, "trades", "t2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table, "t2");
  EXPECT_EQ(LiveRows("t2"), at_backup);
  EXPECT_EQ(LiveRows("Trades"), at_backup);

  // What is shared with the backup: only partition files of older partitions. The newest
  // partition, the dictionaries and `_txn` are the table's own.
  auto view = engine_->Pin("t2");
  ASSERT_TRUE(view.ok());
  const std::string newest = view->partitions().back().dir_name;
  int linked = 0, copied = 0;
  for (const auto& e : sfs::recursive_directory_iterator(Db() + "/t2")) {
    if (!e.is_regular_file()) continue;
    const std::string rel = sfs::relative(e.path(), Db() + "/t2").string();
    const bool older_partition = rel.find('/') != std::string::npos &&
                                 rel.substr(0, rel.find('/')) != newest;
    if (older_partition) {
      linked += LinkCount(e.path()) > 1;
    } else {
      EXPECT_EQ(LinkCount(e.path()), 1u) << rel;  // fails if the file were hard-linked
      copied++;
    }
  }
  EXPECT_GT(linked, 0);
  EXPECT_GT(copied, 0);
  EXPECT_GT(r->bytes_linked, 0u);
  *view = TableView();

  // Every kind of write: appends to the newest partition with a new symbol, out-of-order rows
  // into the oldest, ADD COLUMN, DROP PARTITION, then a restart (truncation at open).
  {
    auto w = engine_->AcquireWriter("t2");
    ASSERT_TRUE(w.ok());
    Row row = MakeRow(kT0 + 70 * kHour, 1000);
    row.sym = "brand-new-symbol";
    ASSERT_TRUE(WriteRow(**w, row).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  Append("t2", 200, 10, kT0 - 200 * kHour);  // kT0 .. kT0+9h: the oldest partition
  ASSERT_TRUE(engine_->AddColumn("t2", "extra", ColumnType::kInt).ok());
  Append("t2", 300, 10, kT0 - 290 * kHour);  // again, after ADD COLUMN
  auto parts = engine_->Pin("t2");
  ASSERT_TRUE(parts.ok());
  ASSERT_TRUE(engine_->DropPartitions("t2", {parts->partitions().front().partition_start_us}).ok());
  *parts = TableView();
  engine_->Purge();
  OpenEngine();
  EXPECT_EQ(LiveRows("Trades"), at_backup);
  ExpectBackupClean(name);
}

TEST_F(RestoreTableTest, ErrorsChangeNothing) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  auto expect_error = [&](core::Result<RestoreTableResult> r, core::StatusCode code,
                          const std::string& text) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().ToString();
    EXPECT_EQ(engine_->ListTables(), std::vector<std::string>{"Trades"});
    EXPECT_EQ(LiveRows("Trades"), at_backup);
    EXPECT_TRUE(StagingDirs(Db()).empty());
  };
  expect_error(Restore(name, "Trades"), core::StatusCode::kAlreadyExists,
               "table already exists [table=Trades]");
  expect_error(Restore(name, "trades", "TRADES"), core::StatusCode::kAlreadyExists,
               "table already exists [table=TRADES]");
  expect_error(Restore("2099-01-01", "Trades", "x"), core::StatusCode::kNotFound,
               "backup does not exist");
  expect_error(Restore("..", "Trades", "x"), core::StatusCode::kInvalidArgument,
               "directly inside the backup root");
  expect_error(Restore(name + "/db", "Trades", "x"), core::StatusCode::kInvalidArgument,
               "directly inside the backup root");
  expect_error(Restore(backup_root_ + "/" + name, "Trades", "x"),
               core::StatusCode::kInvalidArgument, "directly inside the backup root");
  sfs::create_directory_symlink(server_root_, backup_root_ + "/escape");
  expect_error(Restore("escape", "Trades", "x"), core::StatusCode::kInvalidArgument,
               "leads out of the backup root");
  expect_error(Restore(name, "nope", "x"), core::StatusCode::kNotFound,
               "table is not in the backup [table=nope");
  expect_error(Restore(name, "Trades", "bad/name"), core::StatusCode::kInvalidArgument, "");

  // Damage: a flipped byte in a partition file is reported naming that file.
  const std::string dir = backup_root_ + "/" + name;
  std::string victim;
  for (const auto& e : sfs::recursive_directory_iterator(dir + "/db/Trades")) {
    if (e.is_regular_file() && e.path().extension() == ".d" && sfs::file_size(e.path()) > 0) {
      victim = sfs::relative(e.path(), dir).string();
    }
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(dir + "/" + victim, std::ios::in | std::ios::out | std::ios::binary);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x40);
    f.seekp(0);
    f.write(&c, 1);
  }
  expect_error(Restore(name, "Trades", "x"), core::StatusCode::kCorruption,
               "backup is damaged [file=" + victim + ", expected=crc32c ");

  // A newer manifest format is refused as at start-up.
  const std::string newer = backup_root_ + "/newer";
  sfs::create_directories(newer);
  {
    const std::string body = "sundial-backup-manifest\nformat_version 99\n";
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", core::Crc32c(body));
    std::ofstream(newer + "/backup.manifest") << body << "crc " << crc << "\n";
  }
  auto r = Restore("newer", "Trades", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kUnsupported) << r.status().ToString();

  // No backup root.
  auto disabled = RestoreTableFromBackup(*engine_, "", {name, "Trades", "x", false});
  ASSERT_FALSE(disabled.ok());
  EXPECT_EQ(disabled.status().message(),
            "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set");
}

TEST_F(RestoreTableTest, SymlinkedDirectoryInsideABackupIsNotFollowed) {
  MakeTrades();
  const std::string name = Backup();
  const std::string dir = backup_root_ + "/" + name;
  // db/Trades becomes a symlink to a copy outside the backup: same bytes, but not inside it.
  sfs::rename(dir + "/db/Trades", server_root_ + "/outside");
  sfs::create_directory_symlink(server_root_ + "/outside", dir + "/db/Trades");
  auto r = Restore(name, "Trades", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("[file=db/Trades, expected=directory, found=symlink]"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(engine_->HasTable("x"));
}

TEST_F(RestoreTableTest, OverwriteLeavesPinnedReadersOnTheOldTable) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  Append("Trades", 500, 30, kT0 + 5 * kDay);  // a new partition after the backup
  std::vector<Row> live = LiveRows("Trades");
  ASSERT_NE(live, at_backup);
  auto pinned = engine_->Pin("Trades");
  ASSERT_TRUE(pinned.ok());

  auto r = Restore(name, "trades", "trades", /*overwrite=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table, "Trades");  // keeps the live spelling
  EXPECT_EQ(LiveRows("Trades"), at_backup);
  engine_->Purge();
  EXPECT_EQ(ReadRows(*pinned), live);  // read to the end after the overwrite and a purge
  ASSERT_TRUE(sfs::exists(Db() + "/.trash"));
  EXPECT_FALSE(sfs::is_empty(Db() + "/.trash"));
  *pinned = TableView();
  engine_->Purge();
  EXPECT_TRUE(sfs::is_empty(Db() + "/.trash"));  // purged once unpinned, as DROP does
  EXPECT_TRUE(StagingDirs(Db()).empty());
  // Writers work on the restored table.
  Append("Trades", 900, 3, kT0 + 6 * kDay);
  EXPECT_EQ(LiveRows("Trades").size(), at_backup.size() + 3);
  ExpectBackupClean(name);
}

TEST_F(RestoreTableTest, OverwriteWithoutExchangeMovesTheOldTableAsideFirst) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  Append("Trades", 500, 30, kT0 + 5 * kDay);
  const std::vector<Row> live = LiveRows("Trades");
  service_.reset();
  engine_.reset();
  auto fs = std::make_shared<NoExchangeFileSystem>(real_fs_);
  EngineOptions eo;
  eo.db_root = Db();
  auto e = Engine::Open(fs, eo);
  ASSERT_TRUE(e.ok());
  auto pinned = (*e)->Pin("Trades");
  ASSERT_TRUE(pinned.ok());
  auto r = RestoreTableFromBackup(**e, backup_root_, {name, "Trades", "", true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(fs->exchanges_refused, 0);
  EXPECT_EQ(RowsOf(**e, "Trades"), at_backup);
  EXPECT_EQ(ReadRows(*pinned), live);
  *pinned = TableView();
  (*e)->Purge();
  EXPECT_TRUE(StagingDirs(Db()).empty());
  EXPECT_TRUE(sfs::is_empty(Db() + "/.trash"));
  e->reset();
  auto reopened = OpenRoot(server_root_);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(RowsOf(*reopened, "Trades"), at_backup);
}

TEST_F(RestoreTableTest, OverwriteWaitsForTheWriterLease) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  auto lease = engine_->AcquireWriter("Trades");
  ASSERT_TRUE(lease.ok());
  std::optional<WriterLease> held(std::move(*lease));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    held.reset();
  });
  const int64_t t0 = core::MonotonicMicros();
  auto r = Restore(name, "Trades", "", /*overwrite=*/true);
  const int64_t waited_ms = (core::MonotonicMicros() - t0) / 1000;
  releaser.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(waited_ms, 250);
  EXPECT_EQ(LiveRows("Trades"), at_backup);
}

// A writer waiting for the lease while OVERWRITE replaces the table gets the new table's lease
// (never "table does not exist"): its rows land in the old table before the swap, or in the
// restored one after it.
TEST_F(RestoreTableTest, WriterWaitingDuringOverwriteWritesToTheTableThere) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  int before_swap = 0, after_swap = 0;
  for (int round = 0; round < 6; ++round) {
    auto lease = engine_->AcquireWriter("Trades");
    ASSERT_TRUE(lease.ok());
    std::optional<WriterLease> held(std::move(*lease));
    core::Status writer_status;
    std::thread writer([&] {
      auto w = engine_->AcquireWriter("trades");
      if (!w.ok()) {
        writer_status = w.status();
        return;
      }
      writer_status = WriteRow(**w, MakeRow(kT0 + 80 * kHour, 7000 + round));
      if (writer_status.ok()) writer_status = (*w)->Commit().status();
    });
    std::thread restorer([&] {
      auto r = Restore(name, "Trades", "", /*overwrite=*/true);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both are waiting now
    held.reset();
    writer.join();
    restorer.join();
    ASSERT_TRUE(writer_status.ok()) << writer_status.ToString();
    std::vector<Row> rows = LiveRows("Trades");
    if (rows == at_backup) {
      before_swap++;
    } else {
      ASSERT_EQ(rows.size(), at_backup.size() + 1);
      after_swap++;
    }
  }
  std::printf("writer before the swap: %d, after it: %d\n", before_swap, after_swap);
}

TEST_F(RestoreTableTest, OverwriteOfABrokenTableReplacesIt) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  service_.reset();
  engine_.reset();
  {
    std::ofstream(Db() + "/Trades/_txn", std::ios::binary | std::ios::trunc) << "garbage";
  }
  OpenEngine();
  ASSERT_EQ(engine_->BrokenTables().size(), 1u);
  auto refused = Restore(name, "Trades");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kAlreadyExists);
  auto r = Restore(name, "Trades", "", /*overwrite=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  EXPECT_EQ(LiveRows("Trades"), at_backup);
  OpenEngine();
  EXPECT_TRUE(engine_->BrokenTables().empty());
  EXPECT_EQ(LiveRows("Trades"), at_backup);
}

TEST_F(RestoreTableTest, StagingLeftoversAreRemovedAtOpen) {
  MakeTrades();
  sfs::create_directories(Db() + "/.restore.7/2025-11-21");
  std::ofstream(Db() + "/.restore.7/_txn") << "half";
  sfs::create_directories(Db() + "/.restore.7.old/2025-11-22");
  OpenEngine();
  EXPECT_TRUE(StagingDirs(Db()).empty());
  EXPECT_EQ(engine_->ListTables(), std::vector<std::string>{"Trades"});
}

TEST_F(RestoreTableTest, StatementRunsTheRestore) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  auto r = sql::TryExecuteBackupStatement(
      "RESTORE TABLE trades FROM BACKUP '" + name + "' AS \"copy\";", service_.get());
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->ok()) << r->status().ToString();
  EXPECT_EQ(LiveRows("copy"), at_backup);
  auto again = sql::TryExecuteBackupStatement(
      "restore table trades from backup '" + name + "' as copy", service_.get());
  ASSERT_FALSE(again->ok());
  EXPECT_EQ(again->status().message(), "table already exists [table=copy]");
  EXPECT_EQ(again->status().position(), 39 + static_cast<int>(name.size()));  // at "copy"
  auto overwrite = sql::TryExecuteBackupStatement(
      "restore table trades from backup '" + name + "' as copy overwrite", service_.get());
  ASSERT_TRUE(overwrite->ok()) << overwrite->status().ToString();
  auto no_root = sql::TryExecuteBackupStatement(
      "RESTORE TABLE trades FROM BACKUP '" + name + "'", nullptr);
  ASSERT_FALSE(no_root->ok());
  EXPECT_NE(no_root->status().message().find("backup is disabled"), std::string::npos);
  auto bad = sql::TryExecuteBackupStatement("RESTORE TABLE trades FROM '" + name + "'",
                                            service_.get());
  ASSERT_FALSE(bad->ok());
}

// Every file-system call of RESTORE ... OVERWRITE fails in turn (EIO, some as torn writes):
// either the restore succeeds with the backup's rows, or it fails with an error and the live
// table keeps its rows; the backup is never changed, and a reopened engine agrees.
TEST_F(RestoreTableTest, FaultSweepOverEveryCallOfARestore) {
  std::vector<Row> at_backup = MakeTrades();
  const std::string name = Backup();
  Append("Trades", 500, 30, kT0 + 5 * kDay);
  const std::vector<Row> live = LiveRows("Trades");
  service_.reset();
  engine_.reset();
  auto fault = std::make_shared<core::FaultFileSystem>(real_fs_);
  int failures = 0, successes_under_fault = 0;
  for (int64_t n = 0;; ++n) {
    EngineOptions eo;
    eo.db_root = Db();
    eo.purge_interval_ms = 0;
    auto e = Engine::Open(fault, eo);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    auto engine = std::move(*e);
    fault->ClearRules();
    fault->ResetCounts();
    fault->AddRule({core::FaultOp::kAny, dir_.path(), EIO, n % 3 == 0, n, 1});
    auto r = RestoreTableFromBackup(*engine, backup_root_, {name, "Trades", "", true});
    const bool injected = fault->FaultsInjected() > 0;
    fault->ClearRules();
    if (r.ok()) {
      EXPECT_EQ(RowsOf(*engine, "Trades"), at_backup) << "call " << n;
      successes_under_fault += injected;
    } else {
      failures++;
      EXPECT_TRUE(injected) << r.status().ToString();
      EXPECT_FALSE(r.status().message().empty());
      EXPECT_EQ(RowsOf(*engine, "Trades"), live) << "call " << n << ": " << r.status().ToString();
    }
    engine.reset();
    {
      auto reopened = OpenRoot(server_root_);
      ASSERT_NE(reopened, nullptr);
      EXPECT_EQ(RowsOf(*reopened, "Trades"), r.ok() ? at_backup : live) << "call " << n;
      EXPECT_TRUE(StagingDirs(Db()).empty()) << "call " << n;
      if (r.ok()) {
        // Back to the live rows for the next call: overwrite with a table holding them.
        reopened.reset();
        OpenEngine();
        ASSERT_TRUE(engine_->DropTable("Trades").ok());
        ASSERT_TRUE(engine_->CreateTable("Trades", MixedSchema()).ok());
        Append("Trades", 0, 60);
        Append("Trades", 60, 20, kT0 - 30 * kHour);
        Append("Trades", 500, 30, kT0 + 5 * kDay);
        ASSERT_EQ(LiveRows("Trades"), live);
        service_.reset();
        engine_.reset();
      }
    }
    ExpectBackupClean(name);
    if (!injected) break;
  }
  std::printf("calls swept, failures=%d, successes despite a fault=%d\n", failures,
              successes_under_fault);
  EXPECT_GT(failures, 20);
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
