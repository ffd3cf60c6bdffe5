// cairo/backup_unpack.h — `sundial restore`: a new server root built from a tar archive of a
// backup (GET /backup, or `tar -cf` of a backup directory).
//
// Members are written into a staging directory beside `dir` (`<dir>.restore-<pid>-<µs>`, so
// the final rename stays on one file system) while the CRC32C of every byte is computed. At the
// end of the archive the manifest must be there and every file must match it exactly — each
// listed file present with its size and CRC32C, nothing unlisted — and only then is everything
// synced and the staging directory renamed to `dir`. Any failure (the archive is damaged, cut
// short or unsafe: core/tar.h; a mismatch; a write error) removes the staging directory and
// returns the error, so `dir` exists only as a whole verified backup. A process killed midway
// leaves the staging directory (never `dir`); remove it by hand. `dir` must not exist
// (AlreadyExists); its parent is created if missing. Thread-compatible: one call per `dir`.
#pragma once

#include <cstdint>
#include <string>

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

core::Result<RestoreResult> RestoreBackupArchive(core::FileSystem& fs, core::TarReader& archive,
                                                 const std::string& dir);

}  // namespace sundial::cairo
