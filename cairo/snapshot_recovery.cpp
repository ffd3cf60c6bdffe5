// RecoverSnapshotAtStartup: rolls a filesystem copy of a live root back to the instant of its
// SNAPSHOT PREPARE (QuestDB's snapshot restore; INVARIANTS.md). Runs before Engine::Open.
//
// Why restoring `_txn` is enough: PREPARE pinned every table and paused purging, so every file
// the snapshot's txns reference was still on disk, unchanged, when the copy was taken
// (committed bytes never change in place). Everything else in the copy — rows appended after
// PREPARE, new partition versions, added columns — is either past the committed sizes or not
// referenced by the restored `_txn`, and Engine::Open truncates or removes it.
//
// Tables are matched by table id, not by directory name, so a table renamed after PREPARE is
// renamed back, and one created after PREPARE is removed. Every step can be repeated: if
// start-up dies half-way, `_restore` is still there and the next start redoes the rest.
#include <algorithm>
#include <map>
#include <set>

#include "cairo/backup.h"
#include "cairo/snapshot.h"
#include "cairo/txn_file.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr char kRestoringPrefix[] = "_restoring.";

struct SnapshotTable {
  std::string name;
  uint32_t table_id = 0;
  std::string txn_bytes;
};

core::Status Abort(const core::Status& st) {
  return core::Status(st.code(),
                      "snapshot recovery failed, aborting start-up: " + st.message());
}

// The engine moves a dropped table to `db/.trash/<name>.<id>.<n>` and, while purging is paused
// (between PREPARE and COMPLETE), leaves it there: a table dropped after PREPARE is found there.
constexpr char kEngineTrashDir[] = ".trash";

// Table directories under `db` (and `db/.trash`): those holding a readable `_txn`, by table
// id, as paths relative to `db`. Directories that are not tables (no `_txn`) are left alone.
core::Status ScanTableDirs(core::FileSystem& fs, const std::string& db, const std::string& sub,
                           std::map<uint32_t, std::string>* out) {
  const std::string dir = sub.empty() ? db : core::JoinPath(db, sub);
  if (!fs.IsDirectory(dir)) return core::Status::Ok();
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(dir));
  std::sort(entries.begin(), entries.end(),
            [](const core::DirEntry& a, const core::DirEntry& b) { return a.name < b.name; });
  for (const auto& e : entries) {
    if (!e.is_dir) continue;
    const std::string rel = sub.empty() ? e.name : sub + "/" + e.name;
    const std::string txn_path = core::JoinPath(core::JoinPath(db, rel), kTxnFileName);
    if (!fs.Exists(txn_path)) continue;
    ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(txn_path));
    auto rec = ParseTxn(bytes, txn_path);
    if (!rec.ok()) {
      // Its `_txn` is replaced below if the snapshot has the table; otherwise the engine
      // reports it at open, as it would without a restore.
      core::LogWarn("snapshot recovery: unreadable live txn file [file=" + txn_path +
                    ", error=" + rec.status().ToString() + "]");
      continue;
    }
    // A live directory wins over a trashed one with the same id.
    if (!out->count(rec->table_id) || sub.empty()) (*out)[rec->table_id] = rel;
  }
  return core::Status::Ok();
}

core::Result<std::map<uint32_t, std::string>> ScanLiveTables(core::FileSystem& fs,
                                                             const std::string& db) {
  std::map<uint32_t, std::string> out;
  RETURN_IF_ERROR(ScanTableDirs(fs, db, kEngineTrashDir, &out));
  RETURN_IF_ERROR(ScanTableDirs(fs, db, "", &out));
  return out;
}

core::Result<std::vector<SnapshotTable>> ReadSnapshotTables(core::FileSystem& fs,
                                                            const std::string& snap_db) {
  std::vector<SnapshotTable> out;
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(snap_db));
  for (const auto& e : entries) {
    if (!e.is_dir) continue;
    const std::string path = core::JoinPath(core::JoinPath(snap_db, e.name), kTxnFileName);
    ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
    ASSIGN_OR_RETURN(TxnRecord rec, ParseTxn(bytes, path));  // newer format: Unsupported
    out.push_back({e.name, rec.table_id, std::move(bytes)});
  }
  return out;
}

core::Status Restore(core::FileSystem& fs, const std::string& root, const std::string& snap_db) {
  const std::string db = core::JoinPath(root, "db");
  ASSIGN_OR_RETURN(std::vector<SnapshotTable> tables, ReadSnapshotTables(fs, snap_db));
  std::set<uint32_t> snapshot_ids;
  for (const auto& t : tables) snapshot_ids.insert(t.table_id);
  RETURN_IF_ERROR(fs.CreateDirs(db));
  ASSIGN_OR_RETURN(auto live, ScanLiveTables(fs, db));

  // 1. Tables of the snapshot living under another name move aside (two steps, so that
  //    swapped names cannot collide).
  int renamed = 0, removed = 0;
  for (auto& [id, dir] : live) {
    if (!snapshot_ids.count(id)) continue;
    const std::string parked = kRestoringPrefix + std::to_string(id);
    const uint32_t table_id = id;  // clang 14 cannot capture a structured binding
    auto it = std::find_if(tables.begin(), tables.end(),
                           [&](const SnapshotTable& t) { return t.table_id == table_id; });
    if (dir == it->name || dir == parked) continue;
    RETURN_IF_ERROR(fs.Rename(core::JoinPath(db, dir), core::JoinPath(db, parked)));
    dir = parked;
  }
  // 2. Tables the snapshot does not know were created after PREPARE.
  for (const auto& [id, dir] : live) {
    if (snapshot_ids.count(id) || dir.find('/') != std::string::npos) continue;  // trash: engine's
    RETURN_IF_ERROR(fs.RemoveAll(core::JoinPath(db, dir)));
    core::LogInfo("snapshot recovery removed a table created after the snapshot [dir=" + dir + "]");
    removed++;
  }
  // 3. Parked tables take their snapshot names; every table gets its snapshot `_txn`.
  for (const auto& t : tables) {
    const std::string table_dir = core::JoinPath(db, t.name);
    const std::string parked = core::JoinPath(db, kRestoringPrefix + std::to_string(t.table_id));
    if (fs.Exists(parked)) {
      RETURN_IF_ERROR(fs.Rename(parked, table_dir));
      renamed++;
    }
    if (!fs.IsDirectory(table_dir)) {
      return core::Status::NotFound("table directory missing for a table of the snapshot [table=" +
                                    t.name + ", dir=" + table_dir + "]");
    }
    RETURN_IF_ERROR(fs.WriteFileAtomic(core::JoinPath(table_dir, kTxnFileName), t.txn_bytes));
  }
  RETURN_IF_ERROR(fs.SyncDir(db));
  core::LogInfo("snapshot recovery finished [txnFilesCount=" + std::to_string(tables.size()) +
                ", renamed=" + std::to_string(renamed) + ", removed=" + std::to_string(removed) +
                "]");
  return core::Status::Ok();
}

}  // namespace

core::Status RecoverSnapshotAtStartup(core::FileSystem& fs, const BackupOptions& options) {
  const std::string& root = options.server_root;
  const std::string snap = core::JoinPath(root, kSnapshotDirName);
  const std::string snap_db = core::JoinPath(snap, "db");
  const std::string trigger = core::JoinPath(root, kRestoreTriggerName);
  const std::string meta = core::JoinPath(snap_db, kSnapshotMetaName);

  // Leftover of an interrupted RemoveDirAtomically: never a snapshot any more.
  RETURN_IF_ERROR(fs.RemoveAll(snap + ".removing"));

  const bool has_trigger = fs.Exists(trigger);
  if (!options.snapshot_recovery_enabled) {
    if (has_trigger || fs.Exists(snap_db)) {
      core::LogInfo("snapshot recovery is disabled [cairo.snapshot.recovery.enabled=false]");
    }
    return core::Status::Ok();
  }
  if (has_trigger && !fs.IsDirectory(snap_db)) {
    return core::Status::NotFound(
        "snapshot trigger file found, but snapshot directory does not exist [dir=" + snap_db +
        ", trigger=" + trigger + "]");
  }
  if (!has_trigger && !fs.IsDirectory(snap_db)) return core::Status::Ok();
  if (!fs.Exists(meta)) {
    if (!has_trigger) return core::Status::Ok();  // an unfinished PREPARE: not a snapshot
    return core::Status::NotFound(
        "snapshot trigger file found, but snapshot metadata file does not exist [file=" + meta +
        ", trigger=" + trigger + "]");
  }
  auto bytes = fs.ReadFile(meta);
  if (!bytes.ok()) return Abort(bytes.status());
  auto snapshot_id = ParseSnapshotMeta(*bytes, meta);
  if (!snapshot_id.ok()) return Abort(snapshot_id.status());
  std::string previous_id = *snapshot_id;
  if (previous_id.empty()) {
    auto txt = fs.ReadFile(core::JoinPath(snap_db, kSnapshotMetaTextName));
    if (txt.ok()) previous_id = *txt;
  }
  const std::string& current_id = options.snapshot_instance_id;
  if (has_trigger) {
    core::LogInfo("starting snapshot recovery [trigger=file]");
  } else if (!current_id.empty() && !previous_id.empty() && current_id != previous_id) {
    core::LogInfo("starting snapshot recovery [trigger=snapshot id, currentId=" + current_id +
                  ", previousId=" + previous_id + "]");
  } else {
    core::LogInfo("skipping snapshot recovery [currentId=" + current_id +
                  ", previousId=" + previous_id + "]");
    return core::Status::Ok();
  }

  core::Status st = Restore(fs, root, snap_db);
  if (!st.ok()) return Abort(st);
  // The trigger goes first: should we die before the snapshot dir is gone, a restart with the
  // id trigger redoes an identical (idempotent) restore; nothing was committed in between.
  if (has_trigger) {
    st = fs.RemoveFile(trigger);
    if (!st.ok()) {
      return Abort(core::Status(st.code(), "could not remove restore trigger file. file permission "
                                           "issues? [file=" + trigger + ", error=" +
                                               st.message() + "]"));
    }
    st = fs.SyncDir(root);
    if (!st.ok()) return Abort(st);
  }
  st = RemoveDirAtomically(fs, snap);
  if (!st.ok()) {
    return Abort(core::Status(st.code(), "could not remove snapshot dir [dir=" + snap +
                                             ", error=" + st.message() + "]"));
  }
  return core::Status::Ok();
}

}  // namespace sundial::cairo
