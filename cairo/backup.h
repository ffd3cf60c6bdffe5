// cairo/backup.h — BACKUP DATABASE / BACKUP TABLE and SNAPSHOT PREPARE / COMPLETE (CHECKPOINT
// CREATE / RELEASE), built into the engine. See INVARIANTS.md (backup, snapshot) and FORMAT.md.
//
// Thread-safety: all methods are thread-safe. One backup runs at a time, synchronous or ASYNC (a
// second concurrent one gets Unavailable "backup already in progress"). Writers are never
// blocked: a backup pins the tables (Engine::PinAll) and copies the committed byte ranges of the
// pinned files. Every backup is recorded in the root's history (cairo/backup_history.h).
// An ASYNC backup runs on a thread the service owns; destroying the service aborts it at the
// next file boundary (history: "backup failed", "aborted: the server stopped during the backup";
// one already renamed into place finishes, cleanup included) and joins the thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/backup_history.h"
#include "cairo/backup_manifest.h"  // CheckBackupFormatAtStartup, VerifyBackup
#include "cairo/backup_restore.h"
#include "cairo/backup_verify.h"
#include "cairo/engine.h"
#include "core/object_store.h"
#include "core/status.h"

namespace sundial::cairo {

struct BackupOptions {
  std::string server_root;      // `-d DIR`: holds conf/ and db/
  std::string backup_root;      // cairo.sql.backup.root; empty = backups disabled
  std::string dir_datetime_format = "yyyy-MM-dd";  // cairo.sql.backup.dir.datetime.format
  std::string tmp_dir_name = "tmp";                 // cairo.sql.backup.dir.tmp.name
  int mkdir_mode = 0775;                            // cairo.sql.backup.mkdir.mode
  std::string snapshot_instance_id;                 // cairo.snapshot.instance.id
  bool snapshot_recovery_enabled = true;            // cairo.snapshot.recovery.enabled
  int keep_latest_n = 0;  // cairo.sql.backup.keep.latest.n: 0 keeps all (cairo/backup_retention.h)
  // cairo.sql.backup.max.bytes.per.sec: 0 = unlimited; else the backup reads (checksums) and
  // copies at most this many bytes per second (cairo/backup_pace.h).
  uint64_t max_bytes_per_sec = 0;
  // backup.enabled=true + backup.object.store: backups go to this store instead of the root
  // (cairo/backup_store.h); history, ASYNC, ABORT and retention apply to it. Null: local.
  std::shared_ptr<core::ObjectStore> object_store;
  const core::Clock* clock = core::SystemClock::Instance();
};

struct BackupResult {
  int64_t id = 0;         // the backup's timestamp (µs), its history record's id
  std::string directory;  // the final backup directory
  std::vector<std::string> tables;
  int64_t rows = 0;           // rows backed up, all tables
  uint64_t bytes_copied = 0;  // written (copied files, `_txn`s, conf/)
  uint64_t bytes_linked = 0;  // hard-linked from the previous backup (incremental)
  // Old backups removed by retention after this one succeeded, and removals that failed
  // (logged; they never fail the backup).
  std::vector<std::string> removed_backups;
  std::vector<std::string> retention_errors;
};

// BACKUP ABORT's answer: whether a running backup was told to stop, and its id.
struct BackupAbortResult {
  bool aborted = false;
  int64_t backup_id = 0;  // 0 when nothing was running
};

// The service's state for the server's metrics: the last success as the history has it, the
// rest since the service was created.
struct BackupStats {
  bool is_running = false;          // a backup (sync, ASYNC or scheduled) holds the slot
  int64_t last_success_end_us = 0;  // 0: no successful backup in the history
  int64_t last_success_duration_us = 0;
  uint64_t last_success_bytes = 0;  // bytes copied (hard-linked bytes not included)
  // Backups that failed: those whose history says "backup failed", and those that could not
  // start because the root or its history was not writable (not "already in progress").
  uint64_t failures = 0;
  bool is_snapshot_in_progress = false;
  // When the open snapshot was prepared; for one prepared before this start (adopted), when
  // the service started. 0 when none is open.
  int64_t snapshot_since_us = 0;
};

class BackupService {
 public:
  virtual ~BackupService() = default;
  static std::unique_ptr<BackupService> Create(Engine* engine, std::shared_ptr<core::FileSystem> fs,
                                               BackupOptions options);

  virtual bool enabled() const = 0;  // backup root or object store configured
  // Whether `table` exists (case-insensitive); the BACKUP TABLE statement checks each name
  // with it to report "table does not exist [table=x]" at the name's position.
  virtual bool HasTable(std::string_view table) const { return true; }
  // Error texts follow QuestDB (http/QUESTDB.md), e.g. with no root:
  // "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set".
  virtual core::Result<BackupResult> BackupDatabase() = 0;
  // NotFound "table does not exist [table=x]" for an unknown table.
  virtual core::Result<BackupResult> BackupTables(const std::vector<std::string>& tables) = 0;

  // BACKUP ... ASYNC: the checks of the synchronous forms (disabled, unknown table, already in
  // progress, root not writable, history not writable) are made before returning; then the
  // backup runs on the service's thread. Returns its id (backup_timestamp, µs).
  virtual core::Result<int64_t> StartBackupDatabaseAsync() {
    return core::Status::Unsupported("asynchronous backup is not available");
  }
  virtual core::Result<int64_t> StartBackupTablesAsync(const std::vector<std::string>& tables) {
    (void)tables;
    return core::Status::Unsupported("asynchronous backup is not available");
  }
  // BACKUP ABORT: the running backup (sync or async) stops at its next file boundary, its
  // staging directory is removed and its history says "backup failed", backup_error "aborted".
  // {false, 0} when no backup is running or it is past the point of no return (being renamed
  // into place, or in its cleanup phase).
  virtual BackupAbortResult AbortBackup() { return {}; }
  // backups() / SHOW BACKUPS: every history record, newest first, the running backup's with its
  // live progress. "backup is disabled ..." with no root; an unlistable history is an error.
  virtual core::Result<std::vector<BackupHistoryEntry>> History() {
    return core::Status::Unsupported("backup history is not available");
  }

  // `checkpoint` selects the CHECKPOINT spelling's messages; both use `<server_root>/snapshot/`.
  virtual core::Status SnapshotPrepare(bool checkpoint) = 0;
  virtual core::Status SnapshotComplete(bool checkpoint) = 0;
  virtual bool snapshot_in_progress() const = 0;

  virtual BackupStats Stats() const { return {}; }

  // VERIFY BACKUP 'name': VerifyBackupByName (cairo/backup_verify.h) over the backup root.
  // Callers check enabled() first. Reads only; may run beside a backup. With an object store:
  // VerifyStoreBackup (cairo/backup_store.h), every file downloaded and checked; RestoreTable
  // is then Unsupported "not supported for object-store backups".
  virtual core::Result<std::vector<BackupProblem>> VerifyNamed(std::string_view name) {
    return core::Status::Unsupported("backup verification is not available");
  }

  // RESTORE TABLE: RestoreTableFromBackup (cairo/backup_restore.h) over the backup root.
  virtual core::Result<RestoreTableResult> RestoreTable(const RestoreTableRequest& request) {
    return core::Status::Unsupported("restore is not available");
  }
};

// Start-up sequence in the server's main, before Engine::Open:
//   1. CheckBackupFormatAtStartup(fs, server_root) (cairo/backup_manifest.h): refuses a root
//      that is a backup written by a newer Sundial;
//   2. RecoverSnapshotAtStartup(fs, options) below.
//
// Run at start-up, before Engine::Open: if `<root>/_restore` exists (or the snapshot's instance
// id differs from options.snapshot_instance_id), rolls every table back to the snapshot's txn
// and removes the snapshot directory and the trigger (tables are matched by table id: one renamed
// after PREPARE gets its name back, one dropped after PREPARE comes back from the engine's
// trash, one created after PREPARE is removed). Leftovers of crashed backups are NOT handled
// here (BackupService does that). An error aborts start-up; the trigger stays for a retry.
core::Status RecoverSnapshotAtStartup(core::FileSystem& fs, const BackupOptions& options);

}  // namespace sundial::cairo
