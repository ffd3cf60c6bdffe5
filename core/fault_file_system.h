// core/fault_file_system.h — a FileSystem wrapper for tests that fails chosen calls.
//
// Rules select calls by operation and a path substring, let the first `skip` matching calls
// through, then fail the next `count` of them with `err` (EIO, ENOSPC, ...). A write rule with
// `short_write` writes the first half of the buffer before failing (a torn write). Everything
// else is passed to the wrapped file system. Calls are counted per operation so a test can
// sweep "fail the Nth call" over a whole operation.
//
// Thread-safe (rules and counters under a mutex). Files opened through it keep consulting it.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/file_system.h"

namespace sundial::core {

enum class FaultOp {
  kAny = 0,
  kOpen,
  kRead,
  kWrite,
  kSync,
  kTruncate,
  kAllocate,
  kMap,
  kCreateDir,
  kRemoveFile,
  kRemoveDir,
  kRename,
  kSyncDir,
  kListDir,
  kCopyRange,
  kLink,
};

struct FaultRule {
  FaultOp op = FaultOp::kAny;
  std::string path_substring;  // empty matches every path
  int err = EIO;
  bool short_write = false;  // kWrite: write half, then fail
  int64_t skip = 0;          // matching calls let through before failing
  int64_t count = 1;         // matching calls to fail after that; -1 = all
};

class FaultFileSystem final : public FileSystem {
 public:
  explicit FaultFileSystem(std::shared_ptr<FileSystem> base);
  ~FaultFileSystem() override;

  void AddRule(FaultRule rule);
  void ClearRules();
  // Calls seen (matching op, or all with kAny) since construction or ResetCounts().
  int64_t CallCount(FaultOp op = FaultOp::kAny) const;
  int64_t FaultsInjected() const;
  void ResetCounts();

  // Returns the error to inject for this call, or OK. Also counts the call. Used by the files
  // this file system opens.
  Status Check(FaultOp op, const std::string& path, bool* short_write = nullptr);

  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<MappedRegion>> MapReadOnly(File& file, uint64_t offset,
                                                    size_t len) override;
  Status CreateDir(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Exchange(const std::string& a, const std::string& b) override;  // a kRename fault
  Status SyncDir(const std::string& path) override;
  Result<uint64_t> LinkCount(const std::string& path) override { return base_->LinkCount(path); }
  Status Link(const std::string& from, const std::string& to) override;
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<uint64_t> FreeSpace(const std::string& path) override { return base_->FreeSpace(path); }
  Status CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                   uint64_t len) override;
  Status SyncAll() override { return base_->SyncAll(); }

 private:
  struct State;
  std::shared_ptr<FileSystem> base_;
  std::shared_ptr<State> state_;
};

}  // namespace sundial::core
