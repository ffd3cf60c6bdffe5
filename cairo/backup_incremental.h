// cairo/backup_incremental.h — incremental backups: a file that the previous complete backup in
// the same root already holds, byte for byte, is hard-linked from there instead of copied.
//
// A link is used only when it can never change under either backup, even if one of them is later
// started as a live root (`sundial -d <backup>`), which appends in place to the files of a
// table's newest partition and to its `.sym` dictionaries, and truncates files to their
// committed size at open: every such in-place write first replaces a file whose link count is
// above 1 with a private copy (FileSystem::Unshare, INVARIANTS.md rules 2 and 10), so a shared
// file never changes. A table file (partition files, the newest partition's included, and
// `.sym` dictionaries) is linked when:
//   - the previous backup has the same table (same table id) and the same path with the same
//     size and CRC32C in its manifest (the CRC of the source is computed anyway), and the file
//     on disk still has that size.
// `_txn` (written from the pinned record) and conf/ files are always written anew. Anything
// else (or a failing FileSystem::Link, e.g. across file systems) falls back to a copy.
// Not thread-safe; one per backup run.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairo/backup_manifest.h"
#include "cairo/table_view.h"
#include "core/file_system.h"

namespace sundial::cairo {

class PreviousBackup {
 public:
  // The newest final-named backup in `root` (by manifest creation time) whose manifest parses,
  // or nullptr when there is none. Never fails: a damaged or unreadable backup is skipped.
  static std::unique_ptr<PreviousBackup> FindLatest(core::FileSystem& fs, const std::string& root,
                                                    std::string_view staging_dir_name);

  const std::string& dir() const { return dir_; }

  // The absolute path to hard-link `relative` (a path inside the backup of a file of `view`,
  // e.g. "db/t/2026-11-21/x.d" or "db/t/sym.sym") from, or nullopt.
  std::optional<std::string> LinkSource(const TableView& view, const std::string& relative,
                                        uint64_t size_bytes, uint32_t crc32c);

 private:
  struct TableInfo {
    bool is_known = false;
    uint32_t table_id = 0;
  };
  PreviousBackup(core::FileSystem& fs, std::string dir, BackupManifest manifest);
  const TableInfo& Table(const std::string& name);

  core::FileSystem& fs_;
  std::string dir_;
  std::map<std::string, BackupManifestFile> files_;  // by path
  std::map<std::string, TableInfo> tables_;          // by table name, loaded lazily
};

}  // namespace sundial::cairo
