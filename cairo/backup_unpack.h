// cairo/backup_unpack.h — `sundial restore`: a new server root built from a backup, either a tar
// archive (GET /backup, or `tar -cf` of a backup directory) or a backup in an object store
// (cairo/backup_store.h). Both feed one RestoreStaging, which holds the one rule for what may
// become the root.
//
// Files are written into a staging directory beside `dir` (`<dir>.restore-<pid>-<µs>`, so the
// final rename stays on one file system) while the CRC32C of every byte is computed. At the end
// the manifest must be there and every file must match it exactly — each listed file present
// with its size and CRC32C, nothing unlisted — and only then is everything synced and the
// staging directory renamed to `dir`. Any failure (the source is damaged, cut short or unsafe:
// core/tar.h, a path that is not confined; a mismatch; a write error) removes the staging
// directory and returns the error, so `dir` exists only as a whole verified backup. A process
// killed midway leaves the staging directory (never `dir`); remove it by hand. `dir` must not
// exist (AlreadyExists); its parent is created if missing. Thread-compatible: one call per `dir`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cairo/backup_manifest.h"
#include "core/file_system.h"
#include "core/status.h"
#include "core/tar.h"

namespace sundial::cairo {

struct RestoreResult {
  BackupManifest manifest;
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// The staging directory of one restore. Files arrive one at a time: BeginFile, Append (the
// bytes in order), EndFile. Destroying it before Finish succeeded removes the staging directory.
class RestoreStaging {
 public:
  // AlreadyExists when `dir` exists; creates the parent and the staging directory.
  static core::Result<std::unique_ptr<RestoreStaging>> Begin(core::FileSystem& fs,
                                                             const std::string& dir);
  ~RestoreStaging();

  // A directory (a tar member, or `db/` and `conf/` of a store backup), parents included.
  core::Status MakeDir(const std::string& relative);
  // InvalidArgument for a path that is not confined (core/confined_path.h), is the manifest's
  // name or arrived before.
  core::Status BeginFile(const std::string& relative);
  core::Status Append(std::string_view bytes);
  void EndFile();
  // Parses `manifest_text`, checks every file against it, writes it as `backup.manifest`,
  // syncs and renames the staging directory to `dir`. Corruption naming the first mismatch.
  core::Result<RestoreResult> Finish(std::string_view manifest_text);

 private:
  struct Received {
    uint64_t size = 0;
    uint32_t crc = 0;
  };
  RestoreStaging(core::FileSystem& fs, std::string target, std::string staging)
      : fs_(fs), target_(std::move(target)), staging_(std::move(staging)) {}

  core::FileSystem& fs_;
  std::string target_;
  std::string staging_;
  bool is_done_ = false;
  std::map<std::string, Received> got_;
  std::unique_ptr<core::File> current_;  // the file being received
  Received* current_received_ = nullptr;
};

core::Result<RestoreResult> RestoreBackupArchive(core::FileSystem& fs, core::TarReader& archive,
                                                 const std::string& dir);

}  // namespace sundial::cairo
