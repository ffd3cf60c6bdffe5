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

class SnapshotAgent {
 public:
  SnapshotAgent(Engine* engine, std::shared_ptr<core::FileSystem> fs, std::string server_root,
                std::string instance_id);
  ~SnapshotAgent();  // releases the pins and resumes purging if a snapshot is still open

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
  std::vector<TableView> pins_;        // guarded by mu_
};

}  // namespace sundial::cairo
