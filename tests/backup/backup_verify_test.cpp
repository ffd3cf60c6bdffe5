// Backup verification and retention against the real engine: random single-byte damage is
// reported exactly where it is (a property over many flips), names are confined to the backup
// root, the start-time rule, and retention's choice of what to remove.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "cairo/backup.h"
#include "cairo/backup_retention.h"
#include "cairo/backup_verify.h"
#include "cairo/txn_file.h"
#include "core/fault_file_system.h"
#include "tests/backup/backup_test_util.h"

namespace sundial::cairo::backup_testing {
namespace {

namespace sfs = std::filesystem;

class BackupVerifyTest : public BackupFixture {
 protected:
  std::string MakeBackup() {
    auto r = service_->BackupDatabase();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->directory : "";
  }
  std::vector<std::string> Files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : sfs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && sfs::file_size(e.path()) > 0) {
        out.push_back(sfs::relative(e.path(), dir).string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static void Flip(const std::string& path, uint64_t offset, uint8_t mask) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ mask);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
  }
};

TEST_F(BackupVerifyTest, RandomFlipsAreReportedAtTheirFileAndOnlyThere) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  Append("trades", 0, 200);
  const std::string dir = MakeBackup();
  auto clean = VerifyBackupDir(*real_fs_, dir, BackupCheck::kFull);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->empty());
  std::vector<std::string> files = Files(dir);
  ASSERT_GT(files.size(), 5u);
  std::mt19937 rng(42);
  for (int i = 0; i < 60; ++i) {
    const std::string rel = files[rng() % files.size()];
    const std::string path = dir + "/" + rel;
    const uint64_t off = rng() % sfs::file_size(path);
    const uint8_t mask = static_cast<uint8_t>(1u << (rng() % 8));
    Flip(path, off, mask);
    auto full = VerifyBackupDir(*real_fs_, dir, BackupCheck::kFull);
    ASSERT_TRUE(full.ok()) << rel << ": " << full.status().ToString();
    ASSERT_EQ(full->size(), 1u) << rel;
    EXPECT_EQ((*full)[0].file, rel);
    // The size check cannot see a flip (the manifest excepted: it is always parsed).
    auto sized = VerifyBackupDir(*real_fs_, dir, BackupCheck::kSize);
    ASSERT_TRUE(sized.ok());
    EXPECT_EQ(sized->size(), rel == kBackupManifestName ? 1u : 0u) << rel;
    Flip(path, off, mask);
  }
  EXPECT_TRUE(VerifyBackupDir(*real_fs_, dir, BackupCheck::kFull)->empty());
}

TEST_F(BackupVerifyTest, NamesAreConfinedToTheBackupRoot) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  Append("trades", 0, 10);
  const std::string dir = MakeBackup();
  const std::string name = std::string(core::BaseName(dir));
  EXPECT_TRUE(VerifyBackupByName(*real_fs_, backup_root_, name).ok());
  const std::string outside = dir_.Sub("outside");
  ASSERT_TRUE(real_fs_->CreateDirs(outside).ok());
  sfs::create_symlink(outside, backup_root_ + "/out");
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "/tmp", "a/b", "../backups/" + name, "out"}) {
    auto r = VerifyBackupByName(*real_fs_, backup_root_, bad);
    EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(VerifyBackupByName(*real_fs_, backup_root_, "none").status().code(),
            core::StatusCode::kNotFound);
  // A symlink inside the backup is reported, never followed.
  sfs::create_symlink(outside, dir + "/db/escape");
  auto r = VerifyBackupByName(*real_fs_, backup_root_, name);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].file, "db/escape");
  EXPECT_EQ((*r)[0].found, "not in manifest");
}

TEST_F(BackupVerifyTest, RetentionRemovesOnlyTheOldestCompleteBackups) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  std::vector<std::string> dirs;
  for (int i = 0; i < 4; ++i) {
    clock_.Set(kT0 + i * kDay);
    Append("trades", i * 10, 10);
    dirs.push_back(MakeBackup());
  }
  // Not complete backups: never removed, never counted.
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_ + "/foreign/db").ok());
  ASSERT_TRUE(real_fs_->CreateDirs(backup_root_ + "/damaged").ok());
  WriteText(backup_root_ + "/damaged/backup.manifest", "sundial-backup-manifest\nbroken\n");
  WriteText(backup_root_ + "/notes.txt", "x");
  // The one just made is never removed, even when the clock made it look oldest.
  RetentionResult kept_newest =
      ApplyBackupRetention(*real_fs_, backup_root_, "tmp", dirs[0], 1);
  EXPECT_TRUE(kept_newest.errors.empty());
  EXPECT_EQ(kept_newest.removed, (std::vector<std::string>{dirs[1], dirs[2]}));
  EXPECT_TRUE(real_fs_->Exists(dirs[0]) && real_fs_->Exists(dirs[3]));
  EXPECT_TRUE(real_fs_->Exists(backup_root_ + "/foreign/db"));
  EXPECT_TRUE(real_fs_->Exists(backup_root_ + "/damaged/backup.manifest"));
  EXPECT_TRUE(real_fs_->Exists(backup_root_ + "/notes.txt"));
  // The survivors still verify clean (hard links shared with the removed ones).
  for (const auto& d : {dirs[0], dirs[3]}) {
    auto v = VerifyBackupDir(*real_fs_, d, BackupCheck::kFull);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->empty()) << d << ": " << FormatBackupProblem(v->front());
  }
  // keep 0: nothing removed.
  EXPECT_TRUE(ApplyBackupRetention(*real_fs_, backup_root_, "tmp", "", 0).removed.empty());
}

TEST_F(BackupVerifyTest, RetentionFailureIsReportedAndTheBackupSucceeds) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  Append("trades", 0, 10);
  const std::string first = MakeBackup();
  auto faulty = std::make_shared<core::FaultFileSystem>(real_fs_);
  core::FaultRule rule;
  rule.op = core::FaultOp::kRename;  // a backup is renamed away before it is removed
  rule.path_substring = first;
  rule.count = -1;
  faulty->AddRule(rule);
  BackupOptions o = Options();
  o.keep_latest_n = 1;
  clock_.Set(kT0 + 6 * kDay);
  auto service = BackupService::Create(engine_.get(), faulty, o);
  Append("trades", 10, 10);
  auto r = service->BackupDatabase();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->retention_errors.size(), 1u);
  EXPECT_NE(r->retention_errors[0].find(first), std::string::npos);
  EXPECT_TRUE(r->removed_backups.empty());
  EXPECT_TRUE(real_fs_->Exists(first));
  faulty->ClearRules();
  clock_.Set(kT0 + 7 * kDay);
  auto r3 = service->BackupDatabase();
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->removed_backups.size(), 2u);
  EXPECT_EQ(BackupDirs(), (std::vector<std::string>{r3->directory}));
}

TEST_F(BackupVerifyTest, StartCheckSkipsATableThatMovedOnAndReportsADamagedTxn) {
  ASSERT_TRUE(engine_->CreateTable("trades", MixedSchema()).ok());
  Append("trades", 0, 50);
  const std::string dir = MakeBackup();
  auto none = CheckBackupRootAtStartup(*real_fs_, dir, BackupCheck::kFull);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Not a backup: no problems at all.
  EXPECT_TRUE(CheckBackupRootAtStartup(*real_fs_, server_root_, BackupCheck::kFull)->empty());
  std::string txn_rel;
  for (const auto& f : Files(dir)) {
    if (f.size() > 5 && f.substr(f.size() - 5) == "/_txn") txn_rel = f;
  }
  ASSERT_FALSE(txn_rel.empty());
  Flip(dir + "/" + txn_rel, 20, 1);
  auto damaged = CheckBackupRootAtStartup(*real_fs_, dir, BackupCheck::kSize);
  ASSERT_TRUE(damaged.ok());
  ASSERT_EQ(damaged->size(), 1u);
  EXPECT_EQ((*damaged)[0].file, txn_rel);
  Flip(dir + "/" + txn_rel, 20, 1);
  // Move the table on (a valid newer _txn, as a server started on the backup writes) and
  // damage a column file: the table is no longer checked.
  auto rec = ParseTxn(*real_fs_->ReadFile(dir + "/" + txn_rel), txn_rel);
  ASSERT_TRUE(rec.ok());
  rec->txn++;
  ASSERT_TRUE(real_fs_->WriteFileAtomic(dir + "/" + txn_rel, SerializeTxn(*rec)).ok());
  std::string col;
  for (const auto& f : Files(dir)) {
    if (f.find("db/") == 0 && f != txn_rel && f.find("/_") == std::string::npos) col = f;
  }
  sfs::resize_file(dir + "/" + col, 1);
  auto moved = CheckBackupRootAtStartup(*real_fs_, dir, BackupCheck::kFull);
  ASSERT_TRUE(moved.ok());
  for (const auto& p : *moved) ADD_FAILURE() << FormatBackupProblem(p);
}

}  // namespace
}  // namespace sundial::cairo::backup_testing
