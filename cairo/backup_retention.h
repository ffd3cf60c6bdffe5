// cairo/backup_retention.h — cairo.sql.backup.keep.latest.n: after a successful backup, the
// oldest complete backups beyond the newest N are removed. BackupService runs this as the
// cleanup phase of the backup that triggered it (history status "cleanup in progress", then
// "cleanup complete" / "cleanup failed", cairo/backup_history.h).
//
// A complete backup is a directory directly inside the backup root (not a symlink, not the
// staging directory) holding a `backup.manifest` this build can parse; "oldest" is by the
// manifest's created_us, then by name. Anything else in the root (staging or foreign
// directories, files, `_history/`, a damaged or newer-format backup) is never counted and never
// removed, nor is `keep_dir` (the backup just made, whatever the clocks say). A backup is
// removed by first renaming it into the staging directory as `removing-<name>` (atomic: a
// crash never leaves a partly removed directory under a final name; the leftover is removed
// with the other staging leftovers), then removing that tree. Removing unlinks its files only,
// so a newer backup that hard-links them (incremental) keeps its data.
//
// Failures to remove are returned (and logged), never fatal: the caller's backup succeeded.
// Not thread-safe against a concurrent backup into the same root: the caller holds its lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/file_system.h"

namespace sundial::cairo {

inline constexpr char kRemovingPrefix[] = "removing-";

struct CompleteBackup {
  int64_t created_us = 0;
  std::string name;  // directory name inside the root
};

// The complete backups of `root`, oldest first. Never fails: unreadable entries are skipped.
std::vector<CompleteBackup> ListCompleteBackups(core::FileSystem& fs, const std::string& root,
                                                const std::string& tmp_dir_name);

struct RetentionResult {
  std::vector<std::string> removed;        // full paths
  std::vector<int64_t> removed_created_us;  // their manifests' created_us, same order
  std::vector<std::string> errors;          // one message per backup that could not be removed
};

// `keep` 0 keeps everything.
RetentionResult ApplyBackupRetention(core::FileSystem& fs, const std::string& backup_root,
                                     const std::string& tmp_dir_name, const std::string& keep_dir,
                                     int keep);

}  // namespace sundial::cairo
