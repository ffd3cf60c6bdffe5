#include "core/file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>

namespace sundial::core {
namespace {

class FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sundial-fs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs_ = NewPosixFileSystem();
  }
  void TearDown() override { ASSERT_TRUE(fs_->RemoveAll(dir_).ok()); }
  std::string dir_;
  std::shared_ptr<FileSystem> fs_;
};

TEST_F(FileSystemTest, WriteFileAtomicReplacesContent) {
  std::string p = JoinPath(dir_, "a");
  ASSERT_TRUE(fs_->WriteFileAtomic(p, "one").ok());
  ASSERT_TRUE(fs_->WriteFileAtomic(p, "two!").ok());
  EXPECT_EQ(fs_->ReadFile(p).value(), "two!");
  EXPECT_FALSE(fs_->Exists(p + ".tmp"));
}

// ReplaceFile never removes a name: after the first call both `a` and `a.tmp` exist, `a` with
// the new content and `a.tmp` with the previous one (on a file system with RENAME_EXCHANGE).
TEST_F(FileSystemTest, ReplaceFileKeepsBothNames) {
  std::string p = JoinPath(dir_, "a");
  ASSERT_TRUE(fs_->ReplaceFile(p, "one").ok());  // `a` did not exist: renamed into place
  EXPECT_EQ(fs_->ReadFile(p).value(), "one");
  ASSERT_TRUE(fs_->ReplaceFile(p, "two!", false).ok());
  EXPECT_EQ(fs_->ReadFile(p).value(), "two!");
  auto ex = fs_->Exchange(p, p + ".tmp");
  if (ex.code() == StatusCode::kUnsupported) GTEST_SKIP() << "no RENAME_EXCHANGE here";
  ASSERT_TRUE(ex.ok()) << ex.ToString();  // swap back and forth: names and contents follow
  ASSERT_TRUE(fs_->Exchange(p, p + ".tmp").ok());
  ASSERT_TRUE(fs_->ReplaceFile(p, "three").ok());
  EXPECT_EQ(fs_->ReadFile(p).value(), "three");
  EXPECT_EQ(fs_->ReadFile(p + ".tmp").value(), "two!");
  EXPECT_EQ(fs_->Exchange(p, JoinPath(dir_, "missing")).code(), StatusCode::kNotFound);
}

TEST_F(FileSystemTest, CopyRangeCopiesExactBytes) {
  std::string src = JoinPath(dir_, "src"), dst = JoinPath(dir_, "dst");
  std::string data(3 << 20, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  ASSERT_TRUE(fs_->WriteFileAtomic(src, data, false).ok());
  auto s = fs_->Open(src, OpenMode::kRead);
  auto d = fs_->Open(dst, OpenMode::kCreate);
  ASSERT_TRUE(s.ok() && d.ok());
  ASSERT_TRUE(fs_->CopyRange(**s, 10, **d, 0, data.size() - 20).ok());
  EXPECT_EQ(fs_->ReadFile(dst).value(), data.substr(10, data.size() - 20));
}

TEST_F(FileSystemTest, MapReadsUnalignedRange) {
  std::string p = JoinPath(dir_, "m");
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i);
  ASSERT_TRUE(fs_->WriteFileAtomic(p, data, false).ok());
  auto f = fs_->Open(p, OpenMode::kRead);
  ASSERT_TRUE(f.ok());
  auto m = fs_->MapReadOnly(**f, 5000, 100);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::memcmp((*m)->data(), data.data() + 5000, 100), 0);
}

TEST_F(FileSystemTest, DirsAndErrors) {
  std::string deep = JoinPath(dir_, "a/b/c");
  ASSERT_TRUE(fs_->CreateDirs(deep).ok());
  EXPECT_TRUE(fs_->IsDirectory(deep));
  EXPECT_EQ(fs_->Open(JoinPath(dir_, "missing"), OpenMode::kRead).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(fs_->RemoveAll(JoinPath(dir_, "a")).ok());
  EXPECT_FALSE(fs_->Exists(JoinPath(dir_, "a")));
}

}  // namespace
}  // namespace sundial::core
