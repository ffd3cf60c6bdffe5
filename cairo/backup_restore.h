// cairo/backup_restore.h — RESTORE TABLE t FROM BACKUP 'name' [AS t2] [OVERWRITE]: one table of
// a backup in the backup root put into the running engine, with exactly the backup's data (rows,
// schema, symbols, partitions).
//
// Steps (each failure returns before anything live changed; the backup is only ever read):
//   1. `name` is resolved as VERIFY BACKUP does (ResolveBackupDir: a directory directly inside
//      the root, no symlink leading out); its manifest is read (a newer format: Unsupported, as
//      at start-up; damaged: Corruption naming the file).
//   2. The table is looked up in the manifest case-insensitively (NotFound "table is not in the
//      backup [table=t, backup=name]"); without `overwrite`, a live table of the target name is
//      AlreadyExists "table already exists [table=t2]" (checked again when attaching).
//   3. Every file of the table in the backup is verified against the manifest first — size and
//      CRC32C (CheckBackupFile), not a symlink, no symlinked directory on its way — the first
//      problem is Corruption "backup is damaged [file=db/t/..., expected=..., found=...]".
//   4. The files are staged in `db/.restore.<n>` (Engine::CreateStagingDir): a partition file of
//      any partition directory but the newest is hard-linked when the file system allows (such a
//      file is never written in place by the live table, INVARIANTS.md 2 and 10, and would be
//      unshared first if it were); everything else — `_txn`, `.sym` dictionaries, the newest
//      partition, which the live table appends to — is copied, so writing to the restored table
//      never changes the backup. One sync(2) makes the staged tree durable; the staged sizes
//      are checked again.
//   5. Engine::AttachTable makes it the table atomically (INVARIANTS.md 15), replacing an
//      existing one with `overwrite` (waits for the table's writer lease, then "table busy").
// On failure the staging directory is removed (or, after a crash, at the next Engine::Open).
//
// Thread-safety: thread-safe; concurrent restores stage separately and attach one at a time.
// Not serialised with BACKUP: a restore only reads the backup it names.
#pragma once

#include <cstdint>
#include <string>

#include "cairo/engine.h"
#include "core/status.h"

namespace sundial::cairo {

struct RestoreTableRequest {
  std::string backup;  // a backup directory's name inside the backup root
  std::string table;   // the table's name in the backup (case-insensitive)
  std::string target;  // its name in the live database; empty: the backup's spelling of `table`
  bool overwrite = false;
};

struct RestoreTableResult {
  std::string table;  // as registered (an overwritten table keeps its spelling)
  int64_t row_count = 0;
  uint64_t bytes_copied = 0;
  uint64_t bytes_linked = 0;  // hard-linked from the backup
};

// With an empty `backup_root`: InvalidArgument "backup is disabled, server.conf property
// 'cairo.sql.backup.root' is not set". Files go through `engine.fs()`.
core::Result<RestoreTableResult> RestoreTableFromBackup(Engine& engine,
                                                        const std::string& backup_root,
                                                        const RestoreTableRequest& request);

}  // namespace sundial::cairo
