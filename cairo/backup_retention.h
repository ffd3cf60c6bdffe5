// cairo/backup_retention.h — cairo.sql.backup.keep.latest.n: after a successful backup, the
// oldest complete backups beyond the newest N are removed.
//
// A complete backup is a directory directly inside the backup root (not a symlink, not the
// staging directory) holding a `backup.manifest` this build can parse; "oldest" is by the
// manifest's created_us, then by name. Anything else in the root (staging or foreign
// directories, files, a damaged or newer-format backup) is never counted and never removed, nor
// is `keep_dir` (the backup just made, whatever the clocks say). Removing a backup unlinks its
// files only, so a newer backup that hard-links them (incremental) keeps its data.
//
// Failures to remove are returned (and logged), never fatal: the caller's backup succeeded.
// Not thread-safe against a concurrent backup into the same root: the caller holds its lock.
#pragma once

#include <string>
#include <vector>

#include "core/file_system.h"

namespace sundial::cairo {

struct RetentionResult {
  std::vector<std::string> removed;  // full paths
  std::vector<std::string> errors;   // one message per backup that could not be removed
};

// `keep` 0 keeps everything.
RetentionResult ApplyBackupRetention(core::FileSystem& fs, const std::string& backup_root,
                                     const std::string& tmp_dir_name, const std::string& keep_dir,
                                     int keep);

}  // namespace sundial::cairo
