// FileSystem::Unshare and the power-loss model of CrashFileSystem.
#include "core/crash_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "core/file_system.h"

namespace sundial::core {
namespace {

class CrashFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sundial-crashfs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    real_ = NewPosixFileSystem();
  }
  void TearDown() override { ASSERT_TRUE(real_->RemoveAll(dir_).ok()); }
  void Put(FileSystem& fs, const std::string& path, std::string_view data, bool sync) {
    auto f = fs.Open(path, OpenMode::kCreate);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->WriteAt(0, data.data(), data.size()).ok());
    if (sync) {
      ASSERT_TRUE((*f)->Sync().ok());
    }
  }
  std::string dir_;
  std::shared_ptr<FileSystem> real_;
};

TEST_F(CrashFileSystemTest, UnshareGivesTheNameItsOwnFile) {
  const std::string a = JoinPath(dir_, "a"), b = JoinPath(dir_, "b");
  Put(*real_, a, "shared", false);
  ASSERT_TRUE(real_->Link(a, b).ok());
  EXPECT_EQ(real_->LinkCount(a).value(), 2u);
  ASSERT_TRUE(real_->Unshare(a).ok());
  EXPECT_EQ(real_->LinkCount(a).value(), 1u);
  EXPECT_EQ(real_->LinkCount(b).value(), 1u);
  Put(*real_, a, "CHANGED!", false);
  EXPECT_EQ(real_->ReadFile(b).value(), "shared");
  EXPECT_EQ(real_->ReadFile(a).value(), "CHANGED!");
  EXPECT_FALSE(real_->Exists(a + ".unshare.tmp"));
  EXPECT_TRUE(real_->Unshare(JoinPath(dir_, "missing")).ok());
  EXPECT_TRUE(real_->Unshare(a).ok());  // not shared: nothing to do
}

// A synced file in a synced directory survives whole; an unsynced overwrite comes back as the
// old bytes, the new ones, or a mix (torn), and over many power losses each of these happens.
TEST_F(CrashFileSystemTest, UnsyncedWritesAreLostOrTornSyncedOnesStay) {
  const std::string a = JoinPath(dir_, "a"), b = JoinPath(dir_, "b");
  Put(*real_, a, "old!", false);
  auto fs = std::make_shared<CrashFileSystem>(real_, dir_);  // tracking starts: all durable
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    Put(*fs, a, "new!", false);
    Put(*fs, b, "kept", true);
    ASSERT_TRUE(fs->SyncDir(dir_).ok());
    ASSERT_TRUE(fs->PowerLoss(seed).ok());
    const std::string got = real_->ReadFile(a).value();
    ASSERT_EQ(got.size(), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(got[i] == "old!"[i] || got[i] == "new!"[i]) << got;
    seen.insert(got);
    EXPECT_EQ(real_->ReadFile(b).value(), "kept");
    Put(*real_, a, "old!", false);  // outside the model: reset for the next round
    fs = std::make_shared<CrashFileSystem>(real_, dir_);
  }
  EXPECT_TRUE(seen.count("old!") && seen.count("new!")) << seen.size();
  EXPECT_GT(seen.size(), 2u);  // torn mixes too
}

// Names created, renamed or removed since the directory's last sync may be undone.
TEST_F(CrashFileSystemTest, UnsyncedDirectoryChangesMayBeUndone) {
  int lost = 0, kept = 0;
  for (uint64_t seed = 0; seed < 32; ++seed) {
    auto fs = std::make_shared<CrashFileSystem>(real_, dir_);
    const std::string sub = JoinPath(dir_, "sub" + std::to_string(seed));
    ASSERT_TRUE(fs->CreateDir(sub).ok());
    Put(*fs, JoinPath(sub, "f"), "data", true);
    ASSERT_TRUE(fs->SyncDir(sub).ok());  // the parent is not synced
    ASSERT_TRUE(fs->PowerLoss(seed).ok());
    if (real_->Exists(sub)) {
      ++kept;
      EXPECT_EQ(real_->ReadFile(JoinPath(sub, "f")).value(), "data");
    } else {
      ++lost;
    }
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(kept, 0);
}

// After the crash point every mutating call fails and nothing more reaches the disk.
TEST_F(CrashFileSystemTest, NothingChangesAfterTheCrashPoint) {
  auto fs = std::make_shared<CrashFileSystem>(real_, dir_);
  fs->CrashAfter(2);
  auto f = fs->Open(JoinPath(dir_, "x"), OpenMode::kCreate);  // call 1
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE((*f)->WriteAt(0, "1", 1).ok());  // call 2: the power goes
  EXPECT_TRUE(fs->crashed());
  EXPECT_FALSE(fs->CreateDir(JoinPath(dir_, "d")).ok());
  EXPECT_FALSE(real_->Exists(JoinPath(dir_, "d")));
}

}  // namespace
}  // namespace sundial::core
