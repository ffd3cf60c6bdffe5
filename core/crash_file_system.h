// core/crash_file_system.h — a FileSystem wrapper for tests that simulates power loss: what was
// not made durable by an fsync is lost or torn, unlike kill -9, which keeps the page cache.
//
// Modelled on LevelDB's FaultInjectionTestEnv and SQLite's crash VFS. Everything under `root`
// is tracked by file identity (a hard-linked file is one file):
//   - per file, its content at the last File::Sync (or when tracking began) and every change
//     since (writes, truncations, space reservations, a truncating open, bytes written by
//     CopyRange). The engine writes only through File::WriteAt and CopyRange (its mappings
//     are read-only, MapReadOnly), so nothing reaches a file unseen;
//   - per directory, its entries (name -> identity) at its last SyncDir: creations, renames,
//     exchanges, removals and links (Link) since are unsynced.
// SyncAll (sync(2)) makes everything durable. CrashAfter(n) makes the n-th mutating call from
// then on fail, and every call after it too (the machine is off: nothing more reaches the
// disk). PowerLoss(seed) then rewrites the tree under `root` as a disk would hold it after the
// power came back: each directory holds its synced entries or, at random, its current ones
// (a journalled directory update may or may not have reached the disk); each file holds its
// synced content plus, at random, none, all, a torn prefix, or random pages of the unsynced
// changes. Tracking then restarts from that state (all durable).
//
// Real fsyncs are skipped (durability is modelled, not needed). Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/file_system.h"

namespace sundial::core {

class CrashFileSystem final : public FileSystem {
 public:
  // Tracks the existing tree under `root` as durable. `root` must exist.
  CrashFileSystem(std::shared_ptr<FileSystem> base, std::string root);
  ~CrashFileSystem() override;

  // The `n`-th mutating call from now (1 = the next) fails, as does everything after it;
  // n < 0: never.
  void CrashAfter(int64_t n);
  bool crashed() const;
  // Mutating calls seen since construction or the last PowerLoss.
  int64_t mutation_count() const;
  // Rewrites the tree as it would be after a power loss (see above) and restarts tracking.
  Status PowerLoss(uint64_t seed);

  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<MappedRegion>> MapReadOnly(File& file, uint64_t offset,
                                                    size_t len) override;
  Status CreateDir(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Exchange(const std::string& a, const std::string& b) override;
  Status SyncDir(const std::string& path) override;
  Result<uint64_t> LinkCount(const std::string& path) override { return base_->LinkCount(path); }
  Status Link(const std::string& from, const std::string& to) override;
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<uint64_t> FreeSpace(const std::string& path) override { return base_->FreeSpace(path); }
  Status CopyRange(File& src, uint64_t src_offset, File& dst, uint64_t dst_offset,
                   uint64_t len) override;
  Status SyncAll() override;

  struct State;  // the model (public for the file wrapper)

 private:
  std::shared_ptr<FileSystem> base_;
  std::shared_ptr<State> state_;
};

}  // namespace sundial::core
