// cairo/backup_sink.h — where a backup's files go. The walk over the pinned tables and conf/
// (cairo/backup.cpp) hands every file to a sink, which stores it and records it (path, size,
// CRC32C) in the manifest being built; the manifest itself is written last by the caller.
// Two sinks: a staging directory for a local backup (backup.cpp) and an object store
// (cairo/backup_store.h). One sink per backup run, used from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairo/backup_manifest.h"
#include "cairo/table_view.h"
#include "core/file_system.h"
#include "core/status.h"

namespace sundial::cairo {

// Shared by a running backup and the service: bytes of table and conf files done (stored or
// referenced), and the request to stop at the next file boundary (BACKUP ABORT, shutdown).
struct BackupProgress {
  std::atomic<uint64_t> done{0};
  std::atomic<bool> abort{false};
};

class BackupSink {
 public:
  explicit BackupSink(BackupProgress* progress) : progress_(progress) {}
  virtual ~BackupSink() = default;

  // Cancelled "aborted" once a stop was requested; called between files.
  core::Status CheckAbort() const {
    if (progress_ != nullptr && progress_->abort.load()) return core::Status::Cancelled("aborted");
    return core::Status::Ok();
  }

  BackupManifest& manifest() { return manifest_; }
  uint64_t bytes() const { return bytes_; }                // written / uploaded
  uint64_t linked_bytes() const { return linked_bytes_; }  // taken from an earlier backup

  virtual core::Status MakeDir(const std::string& relative) = 0;

  // Stores [0, size) of `src` (immutable meanwhile) as `relative`; `view` names the table the
  // file belongs to (null for conf/ files; incremental backups use it). The file's bytes count
  // as done (backups() progress) once stored.
  core::Status CopyFile(core::File& src, uint64_t size, const std::string& relative,
                        const TableView* view = nullptr) {
    RETURN_IF_ERROR(StoreFile(src, size, relative, view));
    if (progress_ != nullptr) progress_->done += size;
    return core::Status::Ok();
  }

  // Stores `data` as `relative` and lists it in the manifest.
  virtual core::Status WriteFile(const std::string& relative, std::string_view data) = 0;

 protected:
  virtual core::Status StoreFile(core::File& src, uint64_t size, const std::string& relative,
                                 const TableView* view) = 0;

  BackupProgress* progress_;  // may be null
  BackupManifest manifest_;
  uint64_t bytes_ = 0;
  uint64_t linked_bytes_ = 0;
};

}  // namespace sundial::cairo
