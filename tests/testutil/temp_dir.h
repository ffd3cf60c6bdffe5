// tests/testutil/temp_dir.h — a fresh directory under $TMPDIR (or /tmp) for one test, removed
// with everything in it on destruction. Usable from any test.
#pragma once

#include <string>

namespace sundial::testutil {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "sundial-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + relative
  std::string Sub(const std::string& relative) const;

 private:
  std::string path_;
};

// Recursively removes `path` (a file or a directory tree); ignores errors.
void RemoveTree(const std::string& path);

// Number of open file descriptors of this process (for leak checks at test teardown).
int CountOpenFds();

}  // namespace sundial::testutil
