// cairo/table_files.h — where a table's files live now, and which txns of it are pinned.
//
// Shared (shared_ptr) between the engine's table handle and every pinned TableView state, so a
// view keeps reading what it pinned after RENAME TABLE or DROP TABLE moved the directory: the
// view opens files through this object, and the move happens under the same lock.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/file_system.h"

namespace sundial::cairo {

class TableFiles {
 public:
  TableFiles(std::shared_ptr<core::FileSystem> fs, std::string dir)
      : fs_(std::move(fs)), dir_(std::move(dir)) {}

  core::FileSystem& fs() const { return *fs_; }
  const std::shared_ptr<core::FileSystem>& fs_ptr() const { return fs_; }
  std::string dir() const;
  std::string Path(std::string_view relative) const;

  // Opens `relative` (to the table directory) with no move in between.
  core::Result<std::unique_ptr<core::File>> Open(std::string_view relative,
                                                 core::OpenMode mode) const;
  // Opens `relative` to change it: first makes it a file of its own if other names share it
  // (FileSystem::Unshare), so no write, truncation or extension reaches another directory
  // (an incremental backup's hard link). Every in-place change of a table file goes here.
  core::Result<std::unique_ptr<core::File>> OpenForWrite(std::string_view relative,
                                                         core::OpenMode mode) const;
  bool Exists(std::string_view relative) const;
  // Renames the directory on disk and points this object at `new_dir`.
  core::Status MoveTo(const std::string& new_dir);
  // Swaps this directory and the existing directory `other` in one rename (FileSystem::Exchange:
  // no instant without either) and points this object at `other`, where its files now are.
  // Unsupported where the file system cannot exchange (nothing changed then).
  core::Status ExchangeWith(const std::string& other);

  // Pin bookkeeping: every live TableView state of this table registers its txn.
  void AddPin(uint64_t txn);
  void RemovePin(uint64_t txn);
  std::optional<uint64_t> OldestPin() const;
  size_t pin_count() const;

 private:
  std::shared_ptr<core::FileSystem> fs_;
  mutable std::mutex mu_;
  std::string dir_;
  std::multiset<uint64_t> pins_;
};

}  // namespace sundial::cairo
