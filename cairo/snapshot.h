// cairo/snapshot.h — SNAPSHOT PREPARE / COMPLETE (CHECKPOINT CREATE / RELEASE): makes a
// filesystem copy of a live root consistent, and the on-disk names shared with start-up
// recovery (snapshot_recovery.cpp). Internal to cairo/; reached through BackupService.
//
// PREPARE pins every table (the pins are held until COMPLETE), pauses purging, and writes
// `<root>/snapshot/db/<table>/_txn` (each table's txn record as pinned) plus
// `<root>/snapshot/db/_snapshot` (format version and instance id, checksummed) and
// `_snapshot.txt` (the id as text), then syncs the file system. No data is copied, so it takes
// about as long as one sync(2). COMPLETE removes the directory, drops the pins and resumes
// purging. Thread-safe.
//
// A snapshot survives a restart: the engine opens keeping the files the snapshot's `_txn`s need
// (EngineOptions::open_snapshot_db), and an agent on such an engine starts with the snapshot
// open and purging paused, so a copy taken across the restart still restores. COMPLETE ends
// it; so does a new PREPARE, which replaces it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/engine.h"
#include "core/file_system.h"
#include "core/status.h"

namespace sundial::cairo {

inline constexpr char kSnapshotDirName[] = "snapshot";
inline constexpr char kSnapshotMetaName[] = "_snapshot";
inline constexpr char kSnapshotMetaTextName[] = "_snapshot.txt";
inline constexpr char kRestoreTriggerName[] = "_restore";
inline constexpr uint32_t kSnapshotFormatVersion = 1;

// `_snapshot`: u32 magic "SDSN" | u32 format version | u32 id length | id | u32 crc32c.
std::string SerializeSnapshotMeta(std::string_view instance_id);
// Unsupported for a newer format; Corruption for damaged bytes.
core::Result<std::string> ParseSnapshotMeta(std::string_view bytes, std::string_view what);

// Removes a directory tree so that no partial tree is ever visible under `path`: renames it to
// `<path>.removing` first (an atomic step), then deletes that. OK if `path` does not exist.
core::Status RemoveDirAtomically(core::FileSystem& fs, const std::string& path);

// Engine::PinAll, retried when pinning every table (`names` empty) races a DROP TABLE (the
// engine then reports the dropped table as NotFound; the next attempt no longer lists it).
core::Result<std::vector<TableView>> PinTablesAtOneInstant(const Engine& engine,
                                                           const std::vector<std::string>& names);

// `<root>/snapshot/db` when it holds a snapshot this instance prepared and did not complete
// (metadata written, the same instance id or none, no `_restore` trigger): the server restarted
// between PREPARE and COMPLETE. Empty otherwise. Run after RecoverSnapshotAtStartup.
std::string PendingSnapshotDb(core::FileSystem& fs, const std::string& server_root,
                              const std::string& instance_id);

class SnapshotAgent {
 public:
  SnapshotAgent(Engine* engine, std::shared_ptr<core::FileSystem> fs, std::string server_root,
                std::string instance_id);
  ~SnapshotAgent();  // releases the pins; an open snapshot leaves purging paused

  core::Status Prepare(bool checkpoint);
  core::Status Complete(bool checkpoint);
  bool in_progress() const;

 private:
  core::Status WriteSnapshotDir(const std::vector<TableView>& views);

  Engine* engine_;
  std::shared_ptr<core::FileSystem> fs_;
  const std::string server_root_;
  const std::string instance_id_;
  mutable std::mutex mu_;
  bool in_progress_ = false;           // guarded by mu_
  bool adopted_ = false;               // guarded by mu_: the open snapshot predates this start
  std::vector<TableView> pins_;        // guarded by mu_
};

}  // namespace sundial::cairo
