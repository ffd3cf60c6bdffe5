// Backup directory naming, the manifest format (round trip, corruption, newer versions),
// whole-backup verification and the snapshot metadata file. No engine needed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "cairo/backup_manifest.h"
#include "cairo/backup_naming.h"
#include "cairo/snapshot.h"
#include "core/crc32c.h"
#include "core/timestamp.h"

namespace sundial::cairo {
namespace {

int64_t At(int64_t y, int mo, int d, int h, int mi, int s, int us) {
  core::CivilTime c;
  c.year = y;
  c.month = mo;
  c.day = d;
  c.hour = h;
  c.minute = mi;
  c.second = s;
  c.micros = us;
  return core::FromCivil(c);
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sundial_backup_fmt_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs_ = core::NewPosixFileSystem();
  }
  void TearDown() override { ASSERT_TRUE(fs_->RemoveAll(dir_).ok()); }
  void Write(const std::string& rel, std::string_view data) {
    std::string path = core::JoinPath(dir_, rel);
    ASSERT_TRUE(fs_->CreateDirs(std::string(core::DirName(path))).ok());
    auto f = fs_->Open(path, core::OpenMode::kTruncate);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, data.data(), data.size()).ok());
  }
  std::string dir_;
  std::shared_ptr<core::FileSystem> fs_;
};

TEST(BackupNamingTest, DefaultPatternIsUtcDate) {
  EXPECT_EQ(FormatBackupDirName("yyyy-MM-dd", At(2026, 11, 22, 23, 59, 59, 999999)),
            "2026-11-22");
  EXPECT_EQ(FormatBackupDirName("yyyy-MM-dd", At(2021, 2, 5, 0, 0, 0, 0)), "2021-02-05");
}

TEST(BackupNamingTest, TimeLettersQuotesAndMonthNames) {
  int64_t t = At(2026, 3, 7, 4, 5, 6, 789123);
  EXPECT_EQ(FormatBackupDirName("yyyy-MM-dd'T'HH-mm-ss.SSS", t), "2026-03-07T04-05-06.789");
  EXPECT_EQ(FormatBackupDirName("ddMMMyyyy", t), "07Mar2026");
  EXPECT_EQ(FormatBackupDirName("MMMM yy", t), "March 26");
  EXPECT_EQ(FormatBackupDirName("'backup-'yyyyMMdd'-''x'''", t), "backup-20260307-'x'");
  EXPECT_EQ(FormatBackupDirName("yyyyMMddHHmmssU", t), "20260307040506789123");
  EXPECT_EQ(FormatBackupDirName("EEE", t), "Sat");
}

TEST(BackupNamingTest, ResultIsOneSafeDirectoryName) {
  int64_t t = At(2026, 1, 2, 0, 0, 0, 0);
  EXPECT_EQ(FormatBackupDirName("yyyy/MM/dd", t), "2026-01-02");
  EXPECT_EQ(FormatBackupDirName("'..'", t), "backup");
  EXPECT_EQ(FormatBackupDirName("", t), "backup");
}

TEST_F(TempDirTest, CollisionsGetNumberedSuffixes) {
  EXPECT_EQ(PickBackupDirName(*fs_, dir_, "2026-11-22", "tmp"), "2026-11-22");
  ASSERT_TRUE(fs_->CreateDir(core::JoinPath(dir_, "2026-11-22")).ok());
  EXPECT_EQ(PickBackupDirName(*fs_, dir_, "2026-11-22", "tmp"), "2026-11-22.1");
  ASSERT_TRUE(fs_->CreateDir(core::JoinPath(dir_, "2026-11-22.1")).ok());
  EXPECT_EQ(PickBackupDirName(*fs_, dir_, "2026-11-22", "tmp"), "2026-11-22.2");
  // A plain file with the name counts as taken too.
  Write("2026-11-22.2", "x");
  EXPECT_EQ(PickBackupDirName(*fs_, dir_, "2026-11-22", "tmp"), "2026-11-22.3");
  // The staging directory's name is never chosen.
  EXPECT_EQ(PickBackupDirName(*fs_, dir_, "tmp", "tmp"), "tmp.1");
}

BackupManifest SampleManifest() {
  BackupManifest m;
  m.created_us = At(2026, 11, 22, 1, 2, 3, 4);
  m.is_database = false;
  m.tables.push_back({"trades", 42, 1000});
  m.tables.push_back({"my table %x", 7, 0});
  m.files.push_back({"db/trades/2026-11-21/price.d", 8000, 0xdeadbeef});
  m.files.push_back({"db/my table %x/_txn", 120, 0x01020304});
  m.files.push_back({"conf/server.conf", 0, 0});
  return m;
}

TEST(BackupManifestTest, RoundTrip) {
  BackupManifest m = SampleManifest();
  std::string bytes = SerializeManifest(m);
  auto parsed = ParseManifest(bytes, "m");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format_version, kBackupFormatVersion);
  EXPECT_EQ(parsed->created_us, m.created_us);
  EXPECT_FALSE(parsed->is_database);
  ASSERT_EQ(parsed->tables.size(), 2u);
  EXPECT_EQ(parsed->tables[1].name, "my table %x");
  EXPECT_EQ(parsed->tables[0].txn, 42u);
  EXPECT_EQ(parsed->tables[0].row_count, 1000);
  ASSERT_EQ(parsed->files.size(), 3u);
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(parsed->files[i].path, m.files[i].path);
    EXPECT_EQ(parsed->files[i].size_bytes, m.files[i].size_bytes);
    EXPECT_EQ(parsed->files[i].crc32c, m.files[i].crc32c);
  }
}

TEST(BackupManifestTest, EveryFlippedByteOrTruncationIsDetected) {
  std::string bytes = SerializeManifest(SampleManifest());
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    auto r = ParseManifest(bad, "m");
    EXPECT_FALSE(r.ok()) << "flip at " << i;
  }
  for (size_t n = 0; n < bytes.size(); n++) {
    EXPECT_FALSE(ParseManifest(bytes.substr(0, n), "m").ok()) << "truncated to " << n;
  }
  auto r = ParseManifest(bytes.substr(0, bytes.size() - 3), "m");
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption);
}

TEST(BackupManifestTest, NewerFormatIsRefusedAsUnsupported) {
  std::string bytes = SerializeManifest(SampleManifest());
  size_t p = bytes.find("format_version 1");
  ASSERT_NE(p, std::string::npos);
  bytes.replace(p, 16, "format_version 2");  // and the CRC no longer matches either
  auto r = ParseManifest(bytes, "/b/backup.manifest");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("newer version"), std::string::npos);
  EXPECT_NE(r.status().message().find("/b/backup.manifest"), std::string::npos);
}

TEST(BackupManifestTest, PathsCannotEscapeTheBackup) {
  BackupManifest m;
  m.files.push_back({"../etc/passwd", 1, 0});
  EXPECT_EQ(ParseManifest(SerializeManifest(m), "m").status().code(),
            core::StatusCode::kCorruption);
  m.files[0].path = "/etc/passwd";
  EXPECT_EQ(ParseManifest(SerializeManifest(m), "m").status().code(),
            core::StatusCode::kCorruption);
  // Every component is checked, not only a leading "..": "." and empty ones too.
  for (const char* bad : {"db/t/../../../x", "db/./t", "db//t", "db/t/", "", "..", "db/t/.."}) {
    m.files[0].path = bad;
    EXPECT_EQ(ParseManifest(SerializeManifest(m), "m").status().code(),
              core::StatusCode::kCorruption) << bad;
  }
  m.files[0].path = "db/sensors.eu/2026-11-21.7/price.d";
  EXPECT_TRUE(ParseManifest(SerializeManifest(m), "m").ok());
}

TEST_F(TempDirTest, VerifyBackupChecksSizesAndChecksums) {
  Write("db/t/a.d", "hello world");
  Write("conf/server.conf", "x=1\n");
  BackupManifest m;
  m.created_us = 1;
  m.files.push_back({"db/t/a.d", 11, core::Crc32c("hello world")});
  m.files.push_back({"conf/server.conf", 4, core::Crc32c("x=1\n")});
  Write(kBackupManifestName, SerializeManifest(m));
  auto ok = VerifyBackup(*fs_, dir_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->files.size(), 2u);

  Write("db/t/a.d", "hello World");  // same size, different bytes
  auto bad = VerifyBackup(*fs_, dir_);
  EXPECT_EQ(bad.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("checksum"), std::string::npos);

  Write("db/t/a.d", "hello worl");
  bad = VerifyBackup(*fs_, dir_);
  EXPECT_NE(bad.status().message().find("wrong size"), std::string::npos);

  ASSERT_TRUE(fs_->RemoveFile(core::JoinPath(dir_, "db/t/a.d")).ok());
  bad = VerifyBackup(*fs_, dir_);
  EXPECT_NE(bad.status().message().find("missing"), std::string::npos);
}

TEST_F(TempDirTest, StartupRefusesANewerBackupOnly) {
  // An ordinary root: no manifest.
  EXPECT_TRUE(CheckBackupFormatAtStartup(*fs_, dir_).ok());
  Write(kBackupManifestName, SerializeManifest(SampleManifest()));
  EXPECT_TRUE(CheckBackupFormatAtStartup(*fs_, dir_).ok());
  // Damaged: logged, not fatal (the tables' own txn files are checked by the engine).
  Write(kBackupManifestName, "sundial-backup-manifest\nformat_version 1\ngarbage");
  EXPECT_TRUE(CheckBackupFormatAtStartup(*fs_, dir_).ok());
  Write(kBackupManifestName, "sundial-backup-manifest\nformat_version 9\nanything\n");
  core::Status st = CheckBackupFormatAtStartup(*fs_, dir_);
  EXPECT_EQ(st.code(), core::StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("format_version=9"), std::string::npos);
}

TEST(SnapshotMetaTest, RoundTripDamageAndNewerVersion) {
  std::string bytes = SerializeSnapshotMeta("instance-1");
  auto id = ParseSnapshotMeta(bytes, "f");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "instance-1");
  EXPECT_EQ(*ParseSnapshotMeta(SerializeSnapshotMeta(""), "f"), "");
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_FALSE(ParseSnapshotMeta(bad, "f").ok()) << i;
  }
  std::string newer = bytes;
  newer[4] = 2;  // format version field
  EXPECT_EQ(ParseSnapshotMeta(newer, "f").status().code(), core::StatusCode::kUnsupported);
}

TEST_F(TempDirTest, RemoveDirAtomicallyLeavesNothing) {
  Write("snap/db/t/_txn", "x");
  Write("snap.removing/old", "y");  // a leftover of an interrupted removal
  ASSERT_TRUE(RemoveDirAtomically(*fs_, core::JoinPath(dir_, "snap")).ok());
  EXPECT_FALSE(fs_->Exists(core::JoinPath(dir_, "snap")));
  EXPECT_FALSE(fs_->Exists(core::JoinPath(dir_, "snap.removing")));
  EXPECT_TRUE(RemoveDirAtomically(*fs_, core::JoinPath(dir_, "absent")).ok());
}

}  // namespace
}  // namespace sundial::cairo
