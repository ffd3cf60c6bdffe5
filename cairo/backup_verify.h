// cairo/backup_verify.h — checking a backup directory against its manifest: the one
// implementation behind `VERIFY BACKUP '<name>'` (sql/backup_statement.cpp), `sundial verify DIR`
// and the start-time check of a server started with `-d` on a backup (http/main.cpp).
//
// A problem is one row {file, expected, found}, file relative to the backup directory:
//   size differs           expected "size 4096"       found "size 4095"
//   checksum differs       expected "crc32c 1a2b3c4d" found "crc32c 00ff00ff"
//   listed, not on disk    expected "size 4096"       found "missing"
//   on disk, not listed    expected "absent"          found "not in manifest"
//   a symlink or device    expected "regular file"    found "symlink" / "not a regular file"
//   unreadable file        expected "crc32c ..."      found "read error: <reason>"
//   damaged manifest       expected "valid manifest"  found <reason> (nothing else is checked)
// Symlinks inside a backup are reported and never followed, so nothing outside it is read.
// Files are read sequentially in 128 KiB chunks (FileCrc32c). Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cairo/backup_manifest.h"
#include "core/file_system.h"
#include "core/status.h"

namespace sundial::cairo {

struct BackupProblem {
  std::string file;
  std::string expected;
  std::string found;
};

// How much of each file is checked: nothing, its size, or its size and CRC32C.
enum class BackupCheck { kNone, kSize, kFull };

// Parses cairo.backup.verify.on.start ("none", "size", "full"); false for anything else.
bool ParseBackupCheck(std::string_view text, BackupCheck* out);

// Checks backup directory `dir` (kSize or kFull). Errors mean "not a backup": NotFound (no
// manifest), IOError (manifest unreadable), Unsupported (a newer format). Damage is a problem.
core::Result<std::vector<BackupProblem>> VerifyBackupDir(core::FileSystem& fs,
                                                         const std::string& dir,
                                                         BackupCheck check);

// The name rule of VERIFY BACKUP and RESTORE TABLE: `name` must be a directory directly inside
// `backup_root` (no '/', not "." or "..", not a symlink leading out of the root):
// InvalidArgument otherwise, NotFound if there is no such directory. Returns its path.
core::Result<std::string> ResolveBackupDir(core::FileSystem& fs, const std::string& backup_root,
                                           std::string_view name);

// Reads and parses `<dir>/backup.manifest`: NotFound (no manifest), InvalidArgument (a
// symlink), Unsupported (a newer format), Corruption "backup is damaged [file=backup.manifest,
// problem=...]" (bad checksum, malformed), IOError (unreadable).
core::Result<BackupManifest> ReadBackupManifest(core::FileSystem& fs, const std::string& dir);

// Checks one file the manifest lists, found at `path` (the backup's copy, or a copy of it made
// elsewhere), appending a problem row named after `f.path` if it is missing, not a regular
// file (symlinks are not followed), unreadable, or differs in size (or CRC32C with kFull).
void CheckBackupFile(core::FileSystem& fs, const std::string& path, const BackupManifestFile& f,
                     BackupCheck check, std::vector<BackupProblem>* problems);

// VERIFY BACKUP 'name': `name` must be a directory directly inside `backup_root` (no '/', not
// "." or "..", not a symlink leading out of the root): InvalidArgument otherwise, NotFound if
// there is no such directory. Then VerifyBackupDir with kFull.
core::Result<std::vector<BackupProblem>> VerifyBackupByName(core::FileSystem& fs,
                                                            const std::string& backup_root,
                                                            std::string_view name);

// "<file>: expected <expected>, found <found>" — one line of `sundial verify`.
std::string FormatBackupProblem(const BackupProblem& p);

// The start-time check of `-d <server_root>` (a root holding a backup.manifest; any other root:
// no problems). The rule: a table's files (`db/<table>/...`) are checked while the txn of its
// current `_txn` is the one the manifest lists for it; a higher txn means a server started on
// the backup has written to the table since: it has moved on and is not checked. A `_txn`
// missing, damaged (it carries its own checksum) or with a lower txn is a problem. Files under
// `db/` outside the listed tables are checked only while no table has moved on; `conf/` is the
// operator's to edit and is not checked. A damaged manifest is a problem. kNone: no check.
core::Result<std::vector<BackupProblem>> CheckBackupRootAtStartup(core::FileSystem& fs,
                                                                  const std::string& server_root,
                                                                  BackupCheck check);

}  // namespace sundial::cairo
