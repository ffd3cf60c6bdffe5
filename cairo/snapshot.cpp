// SNAPSHOT PREPARE / COMPLETE. See cairo/snapshot.h.
#include "cairo/snapshot.h"

#include "cairo/txn_file.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

core::Status WriteNewFile(core::FileSystem& fs, const std::string& path, std::string_view data) {
  ASSIGN_OR_RETURN(auto f, fs.Open(path, core::OpenMode::kCreateExclusive));
  return f->WriteAt(0, data.data(), data.size());
}

}  // namespace

core::Result<std::vector<TableView>> PinTablesAtOneInstant(const Engine& engine,
                                                           const std::vector<std::string>& names) {
  for (int attempt = 0;; attempt++) {
    auto views = engine.PinAll(names);
    if (views.ok() || !names.empty() || views.status().code() != core::StatusCode::kNotFound ||
        attempt == 100) {
      return views;
    }
  }
}

std::string PendingSnapshotDb(core::FileSystem& fs, const std::string& server_root,
                              const std::string& instance_id) {
  const std::string db = core::JoinPath(core::JoinPath(server_root, kSnapshotDirName), "db");
  if (fs.Exists(core::JoinPath(server_root, kRestoreTriggerName))) return "";
  auto bytes = fs.ReadFile(core::JoinPath(db, kSnapshotMetaName));
  if (!bytes.ok()) return "";
  auto id = ParseSnapshotMeta(*bytes, "snapshot metadata");
  if (!id.ok()) return "";
  if (!id->empty() && !instance_id.empty() && *id != instance_id) return "";
  return db;
}

SnapshotAgent::SnapshotAgent(Engine* engine, std::shared_ptr<core::FileSystem> fs,
                             std::string server_root, std::string instance_id)
    : engine_(engine),
      fs_(std::move(fs)),
      server_root_(std::move(server_root)),
      instance_id_(std::move(instance_id)) {
  // The engine was opened keeping a snapshot's files (EngineOptions::open_snapshot_db, from
  // PendingSnapshotDb at start-up): that snapshot is still open.
  if (!engine_->options().open_snapshot_db.empty()) {
    engine_->PausePurge();
    in_progress_ = true;
    adopted_ = true;
    core::LogInfo("a snapshot prepared before this start is still open: its files are kept "
                  "until SNAPSHOT COMPLETE (or a new SNAPSHOT PREPARE)");
  }
}

SnapshotAgent::~SnapshotAgent() {
  // An open snapshot stays open across a restart: purging stays paused, so nothing it needs is
  // deleted on the way down (the next start keeps its files, see PendingSnapshotDb).
  std::lock_guard lk(mu_);
  pins_.clear();
}

bool SnapshotAgent::in_progress() const {
  std::lock_guard lk(mu_);
  return in_progress_;
}

core::Status SnapshotAgent::Prepare(bool checkpoint) {
  std::lock_guard lk(mu_);
  if (adopted_) {  // a snapshot from before this start: the new one replaces it
    adopted_ = false;
    in_progress_ = false;
    engine_->ResumePurge();
  }
  if (in_progress_) {
    return core::Status::InvalidArgument(checkpoint
                                             ? "Waiting for CHECKPOINT RELEASE to be called"
                                             : "Waiting for SNAPSHOT COMPLETE to be called",
                                         0);
  }
  const int64_t t0 = core::MonotonicMicros();
  // Pause first: from here nothing a pin (or a file copied by the user) needs is deleted.
  engine_->PausePurge();
  auto views = PinTablesAtOneInstant(*engine_, {});
  core::Status st = views.ok() ? WriteSnapshotDir(*views) : views.status();
  if (!st.ok()) {
    const std::string dir = core::JoinPath(server_root_, kSnapshotDirName);
    core::Status rm = RemoveDirAtomically(*fs_, dir);
    if (!rm.ok()) core::LogWarn("could not remove snapshot dir [error=" + rm.ToString() + "]");
    engine_->ResumePurge();
    core::LogError(std::string(checkpoint ? "checkpoint create" : "snapshot prepare") +
                   " failed [error=" + st.ToString() + "]");
    return st;
  }
  pins_ = std::move(*views);
  in_progress_ = true;
  core::LogInfo(std::string(checkpoint ? "checkpoint created" : "snapshot prepared") +
                " [tables=" + std::to_string(pins_.size()) +
                ", us=" + std::to_string(core::MonotonicMicros() - t0) + "]");
  return core::Status::Ok();
}

core::Status SnapshotAgent::WriteSnapshotDir(const std::vector<TableView>& views) {
  const std::string dir = core::JoinPath(server_root_, kSnapshotDirName);
  const std::string db = core::JoinPath(dir, "db");
  // A leftover from an earlier PREPARE (or a crash) is replaced wholesale.
  RETURN_IF_ERROR(RemoveDirAtomically(*fs_, dir));
  RETURN_IF_ERROR(fs_->CreateDirs(db));
  for (const TableView& v : views) {
    const std::string table_dir = core::JoinPath(db, v.table_name());
    RETURN_IF_ERROR(fs_->CreateDir(table_dir));
    RETURN_IF_ERROR(WriteNewFile(*fs_, core::JoinPath(table_dir, kTxnFileName), v.SerializedTxn()));
  }
  RETURN_IF_ERROR(WriteNewFile(*fs_, core::JoinPath(db, kSnapshotMetaTextName), instance_id_));
  // Written last: recovery treats a snapshot without it as incomplete.
  RETURN_IF_ERROR(
      WriteNewFile(*fs_, core::JoinPath(db, kSnapshotMetaName), SerializeSnapshotMeta(instance_id_)));
  // One sync(2) for everything: the snapshot files, and the tables' data as pinned, so that a
  // block-level copy (a cloud disk snapshot) taken from now on sees them on disk.
  core::Status st = fs_->SyncAll();
  if (!st.ok()) return core::Status(st.code(), "Could not sync [error=" + st.message() + "]");
  return core::Status::Ok();
}

core::Status SnapshotAgent::Complete(bool checkpoint) {
  std::lock_guard lk(mu_);
  if (!in_progress_) {
    core::LogInfo(checkpoint ? "no checkpoint in progress, CHECKPOINT RELEASE is ignored"
                             : "no snapshot in progress, SNAPSHOT COMPLETE is ignored");
    return core::Status::Ok();
  }
  // As in QuestDB, failing to delete the directory does not fail COMPLETE: the next PREPARE
  // replaces it, and without `_restore` (and with equal ids) start-up ignores it.
  core::Status st = RemoveDirAtomically(*fs_, core::JoinPath(server_root_, kSnapshotDirName));
  if (!st.ok()) core::LogWarn("could not remove snapshot dir [error=" + st.ToString() + "]");
  pins_.clear();
  in_progress_ = false;
  adopted_ = false;
  engine_->ResumePurge();
  core::LogInfo(checkpoint ? "checkpoint released" : "snapshot completed");
  return core::Status::Ok();
}

}  // namespace sundial::cairo
