// tests/testutil/counting_file_system.h — a FileSystem wrapper for tests that forwards every call
// to a real one and records it, so a test can assert what an operation touched (which files a
// query opened, how many calls an engine open made) by counting rather than timing.
//
// Each call is one line of log(): "<op> <path>" ("map" for MapReadOnly, "other" for calls
// without a path of interest). Reads and writes through open files are not recorded. A hook, if
// set, is called with that line before each call is forwarded (outside the wrapper's lock, on
// the calling thread: it may block to stage a race). Header only (used by test binaries that
// link different libraries). Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/file_system.h"

namespace sundial::testutil {

class CountingFileSystem final : public core::FileSystem {
 public:
  explicit CountingFileSystem(std::shared_ptr<core::FileSystem> base) : base_(std::move(base)) {}
  int64_t calls() const { return calls_.load(); }
  std::string log() const {
    std::lock_guard lk(mu_);
    return log_;
  }
  // Paths given to Open since construction or Reset(), in call order.
  std::vector<std::string> opened() const {
    std::lock_guard lk(mu_);
    return opened_;
  }
  // Set before the file system is shared with other threads.
  void set_hook(std::function<void(const std::string& what)> hook) { hook_ = std::move(hook); }
  void Reset() {
    std::lock_guard lk(mu_);
    calls_ = 0;
    log_.clear();
    opened_.clear();
  }

  core::Result<std::unique_ptr<core::File>> Open(const std::string& p, core::OpenMode m) override {
    Count("open " + p);
    {
      std::lock_guard lk(mu_);
      opened_.push_back(p);
    }
    return base_->Open(p, m);
  }
  core::Result<std::unique_ptr<core::MappedRegion>> MapReadOnly(core::File& f, uint64_t o,
                                                                size_t n) override {
    Count("map");
    return base_->MapReadOnly(f, o, n);
  }
  core::Status CreateDir(const std::string& p) override {
    return Count("CreateDir " + p), base_->CreateDir(p);
  }
  core::Status RemoveFile(const std::string& p) override {
    return Count("RemoveFile " + p), base_->RemoveFile(p);
  }
  core::Status RemoveDir(const std::string& p) override {
    return Count("RemoveDir " + p), base_->RemoveDir(p);
  }
  core::Status Rename(const std::string& a, const std::string& b) override {
    return Count(), base_->Rename(a, b);
  }
  core::Status Exchange(const std::string& a, const std::string& b) override {
    return Count(), base_->Exchange(a, b);
  }
  core::Status SyncDir(const std::string& p) override {
    return Count("SyncDir " + p), base_->SyncDir(p);
  }
  core::Result<uint64_t> LinkCount(const std::string& p) override {
    return Count("LinkCount " + p), base_->LinkCount(p);
  }
  core::Status Link(const std::string& a, const std::string& b) override {
    return Count(), base_->Link(a, b);
  }
  bool Exists(const std::string& p) override { return Count("Exists " + p), base_->Exists(p); }
  bool IsDirectory(const std::string& p) override {
    return Count("IsDirectory " + p), base_->IsDirectory(p);
  }
  core::Result<std::vector<core::DirEntry>> ListDir(const std::string& p) override {
    return Count("ListDir " + p), base_->ListDir(p);
  }
  core::Result<uint64_t> FileSize(const std::string& p) override {
    return Count("FileSize " + p), base_->FileSize(p);
  }
  core::Result<uint64_t> FreeSpace(const std::string& p) override {
    return Count("FreeSpace " + p), base_->FreeSpace(p);
  }
  core::Status CopyRange(core::File& s, uint64_t so, core::File& d, uint64_t doff,
                         uint64_t n) override {
    return Count(), base_->CopyRange(s, so, d, doff, n);
  }
  core::Status SyncAll() override { return Count(), base_->SyncAll(); }

 private:
  void Count(const std::string& what = "other") {
    ++calls_;
    {
      std::lock_guard lk(mu_);
      log_ += what + "\n";
    }
    if (hook_) hook_(what);
  }
  std::function<void(const std::string&)> hook_;
  mutable std::mutex mu_;
  std::string log_;
  std::vector<std::string> opened_;
  std::shared_ptr<core::FileSystem> base_;
  std::atomic<int64_t> calls_{0};
};

}  // namespace sundial::testutil
