// cairo/backup_history.h — the history of backups, kept beside the backups so it travels with
// them and survives restarts: one record per backup in `<root>/_history/<id>.rec`, replaced
// whole (write `<id>.rec.tmp`, fsync, rename, fsync the directory) at every change of status;
// for backups in an object store, the same record bytes as the object `history/<id>.rec`
// (Put is whole or nothing). The byte layout is in FORMAT.md ("Backup history").
//
// A record's id is the backup's timestamp (µs since epoch, BACKUP ... ASYNC's reply). Statuses
// are QuestDB Enterprise's. Records stay when their backup is removed (retention): removed_us
// says when.
//
// Failure: Write returns the file system's error and leaves the previous record (or none) in
// place. ReadAll fails only when the directory cannot be listed; a record that cannot be read
// or parsed is returned as an entry of its own (status kBackupFailed, backup_error
// "history record unreadable: <file>: <why>", `unreadable` set), never dropped and never a
// crash. Not thread-safe: BackupService serialises writers; reads may run beside a write (a
// record is always whole, old or new).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/object_store.h"
#include "core/status.h"

namespace sundial::cairo {

inline constexpr char kBackupHistoryDirName[] = "_history";
inline constexpr char kStoreHistoryPrefix[] = "history/";  // in an object store

enum class BackupStatus : uint8_t {
  kBackupInProgress = 0,
  kBackupComplete = 1,
  kBackupFailed = 2,
  kCleanupInProgress = 3,
  kCleanupComplete = 4,
  kCleanupFailed = 5,
};
// "backup in progress", "backup complete", ... (QuestDB Enterprise's texts).
std::string_view BackupStatusName(BackupStatus status);

inline constexpr char kInterruptedBackup[] = "interrupted: the server stopped during the backup";
inline constexpr char kInterruptedCleanup[] = "interrupted: the server stopped during the cleanup";

struct BackupHistoryEntry {
  int64_t id = 0;            // the backup's timestamp, µs; also start_us
  std::string name;          // final directory name; empty until published
  bool is_database = true;   // kind: "database" / "table list"
  std::vector<std::string> tables;
  int64_t rows = 0;          // rows backed up, all tables
  uint64_t bytes_copied = 0;
  uint64_t bytes_linked = 0;
  int64_t start_us = 0;
  int64_t end_us = 0;        // 0 while running
  int64_t duration_us = 0;   // 0 while running
  BackupStatus status = BackupStatus::kBackupInProgress;
  int progress_percent = 0;  // 0..100
  std::string backup_error;
  std::string cleanup_error;
  int64_t removed_us = 0;    // when the directory was removed (retention) or found gone; 0 = there
  bool unreadable = false;   // not stored: the record could not be read (see backup_error)
};

std::string_view BackupKindName(const BackupHistoryEntry& e);  // "database" / "table list"

// Record (de)serialisation; Parse: Corruption for damaged bytes, Unsupported for a newer format.
std::string SerializeHistoryRecord(const BackupHistoryEntry& e);
core::Result<BackupHistoryEntry> ParseHistoryRecord(std::string_view bytes);

class BackupHistory {
 public:
  BackupHistory(core::FileSystem& fs, std::string backup_root);
  // The history of the backups in `store` (objects `history/<id>.rec`); `fs` is unused.
  BackupHistory(core::FileSystem& fs, core::ObjectStore& store);

  // Durably replaces (or creates) the record of e.id; creates `_history/` if missing.
  core::Status Write(const BackupHistoryEntry& e);
  bool Has(int64_t id);
  // Every record, newest (largest id) first. An absent `_history/` is an empty history.
  core::Result<std::vector<BackupHistoryEntry>> ReadAll();

  // Start-up: removes `*.tmp` leftovers of an interrupted Write; a record still "in progress"
  // (the server died during it) becomes "backup failed" / "cleanup failed" with reason
  // kInterruptedBackup / kInterruptedCleanup — unless `published` (created_us -> directory
  // name of every complete backup in the root) shows that the interrupted backup was renamed
  // into place, then it is "backup complete" with that name. A published backup whose
  // directory is gone (in a store: whose name is not in `published`) gets removed_us = now_us.
  // Unreadable records are left as they are
  // (reported by ReadAll). Returns the first write error; the others are still tried.
  core::Status Recover(const std::map<int64_t, std::string>& published, int64_t now_us);

  const std::string& dir() const { return dir_; }

 private:
  std::string PathOf(int64_t id) const;
  core::Result<std::vector<BackupHistoryEntry>> ReadAllFromStore();

  core::FileSystem& fs_;
  core::ObjectStore* store_ = nullptr;  // set: records are objects of this store
  std::string root_;
  std::string dir_;
};

}  // namespace sundial::cairo
