// BackupService: BACKUP DATABASE / BACKUP TABLE, and the front door to SNAPSHOT.
//
// A backup is built in `<root>/<tmp>/backup-<created_us>-<seq>` and renamed into place only when
// every file and directory in it is synced, so a directory with a final name is always a whole
// backup; the manifest is written (and synced) last inside it. The tables are pinned at one
// instant (Engine::PinAll) and we copy exactly the committed byte ranges the pins reference —
// those bytes never change while pinned (INVARIANTS.md, rules 2 and 3) — plus each table's
// `_txn` as pinned. Writers are never blocked: the pins are the only thing we hold.
#include "cairo/backup.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cairo/backup_history.h"
#include "cairo/backup_incremental.h"
#include "cairo/backup_manifest.h"
#include "cairo/backup_naming.h"
#include "cairo/backup_pace.h"
#include "cairo/backup_retention.h"
#include "cairo/backup_sink.h"
#include "cairo/backup_store.h"
#include "cairo/snapshot.h"
#include "cairo/table_state.h"
#include "cairo/txn_file.h"
#include "core/confined_path.h"
#include "core/crc32c.h"
#include "core/log.h"
#include "core/rate_limiter.h"

namespace sundial::cairo {
namespace {

constexpr char kBackupDisabled[] =
    "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";
constexpr char kStagingPrefix[] = "backup-";
constexpr char kNotForStore[] = "not supported for object-store backups";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty()) s += ',';
    s += n;
  }
  return s;
}

// A Status from a failed write keeps its code (ENOSPC stays ResourceExhausted) but says that
// the backup failed and that nothing was left behind.
core::Status BackupFailed(const core::Status& st) {
  return core::Status(st.code(), "backup failed, nothing was kept: " + st.message());
}

// Everything written into one staging directory, and the manifest being built for it.
class BackupWriter final : public BackupSink {
 public:
  BackupWriter(core::FileSystem& fs, std::string staging, PreviousBackup* previous,
               core::RateLimiter& pace, BackupProgress* progress = nullptr)
      : BackupSink(progress), fs_(fs), staging_(std::move(staging)), previous_(previous),
        pace_(pace) {}

  core::Status MakeDir(const std::string& relative) override {
    return fs_.CreateDir(core::JoinPath(staging_, relative));
  }

  core::Status WriteFile(const std::string& relative, std::string_view data) override {
    RETURN_IF_ERROR(Write(relative, data));
    manifest_.files.push_back({relative, data.size(), core::Crc32c(data)});
    return core::Status::Ok();
  }

  // The manifest, last; not listed in itself.
  core::Status WriteManifest() { return Write(kBackupManifestName, SerializeManifest(manifest_)); }

 private:
  core::Status Write(const std::string& relative, std::string_view data) {
    ASSIGN_OR_RETURN(auto dst,
                     fs_.Open(core::JoinPath(staging_, relative), core::OpenMode::kCreateExclusive));
    RETURN_IF_ERROR(dst->WriteAt(0, data.data(), data.size()));
    bytes_ += data.size();
    return core::Status::Ok();
  }

  // Copies [0, size) of `src` to `relative` (or, for a file of `view`, hard-links the previous
  // backup's identical file) and records it in the manifest.
  // Reads and copies go through `pace_` (cairo/backup_pace.h): with nothing to link from, one
  // pass copies and checksums; otherwise the checksum comes first (it decides the link).
  // Not synced here: one sync(2) at the end makes the whole staging tree durable (thousands of
  // fsyncs, one per column file, cost far more than one flush of the file system).
  core::Status StoreFile(core::File& src, uint64_t size, const std::string& relative,
                         const TableView* view) override {
    // The source range is immutable while pinned, so its CRC is the CRC of what we copy.
    const std::string dst_path = core::JoinPath(staging_, relative);
    if (previous_ == nullptr || view == nullptr) {
      ASSIGN_OR_RETURN(auto dst, fs_.Open(dst_path, core::OpenMode::kCreateExclusive));
      ASSIGN_OR_RETURN(uint32_t crc, PacedCopyWithCrc(fs_, src, *dst, size, pace_));
      return Copied(relative, size, crc);
    }
    ASSIGN_OR_RETURN(uint32_t crc, PacedCrc32c(src, size, pace_));
    auto from = previous_->LinkSource(*view, relative, size, crc);
    if (from && fs_.Link(*from, dst_path).ok()) {
      manifest_.files.push_back({relative, size, crc});
      linked_bytes_ += size;
      return core::Status::Ok();
    }
    ASSIGN_OR_RETURN(auto dst, fs_.Open(dst_path, core::OpenMode::kCreateExclusive));
    RETURN_IF_ERROR(PacedCopy(fs_, src, *dst, size, pace_));
    return Copied(relative, size, crc);
  }

  // Records a copied file in the manifest.
  core::Status Copied(const std::string& relative, uint64_t size, uint32_t crc) {
    manifest_.files.push_back({relative, size, crc});
    bytes_ += size;
    return core::Status::Ok();
  }

  core::FileSystem& fs_;
  std::string staging_;
  PreviousBackup* previous_;  // may be null: copy everything
  core::RateLimiter& pace_;   // cairo.sql.backup.max.bytes.per.sec
};

core::Status CopyTable(const TableView& view, BackupSink* w) {
  const std::string dir = "db/" + view.table_name();
  RETURN_IF_ERROR(w->MakeDir(dir));
  std::set<std::string> made;
  // A file the record lists but the table lacks fails the backup, naming it.
  ASSIGN_OR_RETURN(std::vector<CommittedFile> files, view.CommittedFiles());
  for (const CommittedFile& f : files) {
    if (!core::IsConfinedPath(f.relative_path)) {
      return core::Status::Internal("unexpected file path in table [table=" + view.table_name() +
                                    ", path=" + f.relative_path + "]");
    }
    std::string parent(core::DirName(f.relative_path));
    if (!parent.empty() && made.insert(parent).second) {
      RETURN_IF_ERROR(w->MakeDir(dir + "/" + parent));
    }
    RETURN_IF_ERROR(w->CheckAbort());
    // Open through the pinned state: it follows the table directory across RENAME and DROP.
    ASSIGN_OR_RETURN(auto src, view.state()->files->Open(f.relative_path, core::OpenMode::kRead));
    RETURN_IF_ERROR(w->CopyFile(*src, f.committed_size, dir + "/" + f.relative_path, &view));
  }
  RETURN_IF_ERROR(w->WriteFile(dir + "/" + kTxnFileName, view.SerializedTxn()));
  w->manifest().tables.push_back({view.table_name(), view.txn(), view.row_count()});
  return core::Status::Ok();
}

// Copies the server's conf/ tree (small files; read whole).
core::Status CopyConf(core::FileSystem& fs, const std::string& from, const std::string& to_rel,
                      BackupSink* w) {
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(from));
  std::sort(entries.begin(), entries.end(),
            [](const core::DirEntry& a, const core::DirEntry& b) { return a.name < b.name; });
  for (const auto& e : entries) {
    const std::string src = core::JoinPath(from, e.name);
    const std::string dst = to_rel + "/" + e.name;
    if (e.is_dir) {
      RETURN_IF_ERROR(w->MakeDir(dst));
      RETURN_IF_ERROR(CopyConf(fs, src, dst, w));
      continue;
    }
    RETURN_IF_ERROR(w->CheckAbort());
    ASSIGN_OR_RETURN(auto f, fs.Open(src, core::OpenMode::kRead));
    ASSIGN_OR_RETURN(uint64_t size, f->Size());
    RETURN_IF_ERROR(w->CopyFile(*f, size, dst));
  }
  return core::Status::Ok();
}

// One backup to run: what BACKUP asked for, and the id its history record was written under.
struct BackupJob {
  int64_t id = 0;
  std::vector<std::string> names;  // empty for BACKUP DATABASE
  bool is_database = true;
};

class BackupServiceImpl final : public BackupService {
 public:
  BackupServiceImpl(Engine* engine, std::shared_ptr<core::FileSystem> fs, BackupOptions options)
      : engine_(engine),
        fs_(std::move(fs)),
        options_(std::move(options)),
        snapshot_(engine, fs_, options_.server_root, options_.snapshot_instance_id),
        started_us_(options_.clock->NowMicros()) {
    if (!enabled()) return;
    if (store() != nullptr) {
      history_ = std::make_unique<BackupHistory>(*fs_, *store());
      RecoverStoreHistory();
      LoadLastSuccess();
      return;
    }
    history_ = std::make_unique<BackupHistory>(*fs_, options_.backup_root);
    if (fs_->IsDirectory(StagingRoot())) CleanStaleStaging();
    RecoverHistory();
    LoadLastSuccess();
  }

  // Stats(): the last successful backup survives a restart, read from the history (a history
  // that cannot be read leaves it unknown, logged by the recovery above).
  void LoadLastSuccess() {
    auto all = history_->ReadAll();
    if (!all.ok()) return;
    for (const BackupHistoryEntry& e : *all) {
      const bool is_success = e.status == BackupStatus::kBackupComplete ||
                              e.status == BackupStatus::kCleanupInProgress ||
                              e.status == BackupStatus::kCleanupComplete ||
                              e.status == BackupStatus::kCleanupFailed;
      if (!is_success || e.unreadable || e.end_us <= stats_.last_success_end_us) continue;
      stats_.last_success_end_us = e.end_us;
      stats_.last_success_duration_us = e.duration_us;
      stats_.last_success_bytes = e.bytes_copied;
    }
  }

  // An ASYNC backup still running is aborted at its next file boundary, then joined.
  ~BackupServiceImpl() override {
    {
      std::lock_guard lk(state_mu_);
      if (running_ && abortable_) {
        abort_reason_ = "aborted: the server stopped during the backup";
        progress_.abort = true;
      }
    }
    std::lock_guard wk(worker_mu_);
    if (worker_.joinable()) worker_.join();
  }

  bool enabled() const override {
    return !options_.backup_root.empty() || options_.object_store != nullptr;
  }
  bool HasTable(std::string_view table) const override { return engine_->HasTable(table); }

  core::Result<BackupResult> BackupDatabase() override {
    ASSIGN_OR_RETURN(BackupJob job, Begin({}, /*is_database=*/true));
    return Execute(job);
  }

  core::Result<BackupResult> BackupTables(const std::vector<std::string>& tables) override {
    RETURN_IF_ERROR(CheckTables(tables));
    ASSIGN_OR_RETURN(BackupJob job, Begin(tables, /*is_database=*/false));
    return Execute(job);
  }

  core::Result<int64_t> StartBackupDatabaseAsync() override { return StartAsync({}, true); }

  core::Result<int64_t> StartBackupTablesAsync(const std::vector<std::string>& tables) override {
    RETURN_IF_ERROR(CheckTables(tables));
    return StartAsync(tables, false);
  }

  BackupAbortResult AbortBackup() override {
    std::lock_guard lk(state_mu_);
    if (!running_ || !abortable_) return {};
    abort_reason_ = "aborted";
    progress_.abort = true;
    core::LogInfo("backup abort requested [id=" + std::to_string(current_.id) + "]");
    return {true, current_.id};
  }

  core::Result<std::vector<BackupHistoryEntry>> History() override {
    if (!enabled()) return core::Status::InvalidArgument(kBackupDisabled, 0);
    ASSIGN_OR_RETURN(std::vector<BackupHistoryEntry> all, history_->ReadAll());
    std::lock_guard lk(state_mu_);
    for (BackupHistoryEntry& e : all) {
      if (running_ && e.id == current_.id) {
        e = LiveEntry();
      } else if (auto it = latest_.find(e.id); it != latest_.end()) {
        e = it->second;  // its final state, being written
      } else if (auto un = unsaved_.find(e.id); un != unsaved_.end()) {
        e = un->second;  // its latest state, which could not be written
      }
    }
    return all;
  }

  core::Status SnapshotPrepare(bool checkpoint) override {
    const int64_t now_us = options_.clock->NowMicros();
    core::Status st = snapshot_.Prepare(checkpoint);
    if (st.ok()) snapshot_since_us_.store(now_us);
    return st;
  }
  core::Status SnapshotComplete(bool checkpoint) override {
    core::Status st = snapshot_.Complete(checkpoint);
    if (!snapshot_.in_progress()) snapshot_since_us_.store(0);
    return st;
  }
  bool snapshot_in_progress() const override { return snapshot_.in_progress(); }

  BackupStats Stats() const override {
    BackupStats s;
    {
      std::lock_guard lk(state_mu_);
      s = stats_;
      s.is_running = running_;
    }
    s.is_snapshot_in_progress = snapshot_.in_progress();
    if (s.is_snapshot_in_progress) {
      const int64_t since = snapshot_since_us_.load();
      s.snapshot_since_us = since != 0 ? since : started_us_;
    }
    return s;
  }

  core::Result<std::vector<BackupProblem>> VerifyNamed(std::string_view name) override {
    if (!enabled()) return core::Status::InvalidArgument(kBackupDisabled, 0);
    if (store() != nullptr) return VerifyStoreBackup(*store(), name);
    return VerifyBackupByName(*fs_, options_.backup_root, name);
  }

  core::Result<RestoreTableResult> RestoreTable(const RestoreTableRequest& request) override {
    if (store() != nullptr) return core::Status::Unsupported(kNotForStore);
    return RestoreTableFromBackup(*engine_, options_.backup_root, request);
  }

 private:
  core::ObjectStore* store() const { return options_.object_store.get(); }

  std::string StagingRoot() const {
    return core::JoinPath(options_.backup_root, options_.tmp_dir_name);
  }

  core::Status CheckTables(const std::vector<std::string>& tables) const {
    if (tables.empty()) return core::Status::InvalidArgument("expected a table name");
    for (const auto& t : tables) {
      if (!engine_->HasTable(t)) {
        return core::Status::NotFound("table does not exist [table=" + t + "]");
      }
    }
    return core::Status::Ok();
  }

  // A crashed or killed backup leaves its staging directory behind, a crashed retention its
  // `removing-*` directory; nothing else writes there (one backup at a time), so every such
  // entry is garbage.
  void CleanStaleStaging() {
    auto entries = fs_->ListDir(StagingRoot());
    if (!entries.ok()) return;
    for (const auto& e : *entries) {
      if (e.name.rfind(kStagingPrefix, 0) != 0 && e.name.rfind(kRemovingPrefix, 0) != 0) continue;
      const std::string path = core::JoinPath(StagingRoot(), e.name);
      core::Status st = fs_->RemoveAll(path);
      if (st.ok()) {
        core::LogInfo("removed leftover backup staging dir [dir=" + path + "]");
      } else {
        core::LogWarn("could not remove leftover backup staging dir [dir=" + path +
                      ", error=" + st.ToString() + "]");
      }
    }
  }

  // Start-up: records of backups and cleanups the previous process died during.
  void RecoverHistory() {
    std::map<int64_t, std::string> published;
    for (auto& b : ListCompleteBackups(*fs_, options_.backup_root, options_.tmp_dir_name)) {
      published[b.created_us] = std::move(b.name);
    }
    core::Status st = history_->Recover(published, options_.clock->NowMicros());
    if (!st.ok()) core::LogWarn("could not recover the backup history [error=" + st.ToString() + "]");
  }

  // Start-up, store: as RecoverHistory; without a listing of the store's backups nothing is
  // changed (a record would otherwise be marked removed while its backup is there).
  void RecoverStoreHistory() {
    auto backups = ListStoreBackups(*store());
    core::Status st = backups.status();
    if (st.ok()) {
      std::map<int64_t, std::string> published;
      for (auto& b : *backups) published[b.manifest.created_us] = std::move(b.name);
      st = history_->Recover(published, options_.clock->NowMicros());
    }
    if (!st.ok()) core::LogWarn("could not recover the backup history [error=" + st.ToString() + "]");
  }

  // The root (and its staging dir) must exist and be writable: probe by creating a directory,
  // so the error names the path before any table is pinned. A store must answer a listing
  // (its 403, missing bucket or wrong region error is the backup's error).
  core::Status PrepareRoot() {
    if (store() != nullptr) {
      auto page = store()->List(kStoreBackupsPrefix, "", 1);
      if (page.ok()) return core::Status::Ok();
      return core::Status(page.status().code(),
                          "backup object store is not usable: " + page.status().message());
    }
    const std::string probe = core::JoinPath(StagingRoot(), std::string(kStagingPrefix) + "probe");
    core::Status st = fs_->CreateDirs(StagingRoot());
    if (st.ok()) {
      st = fs_->CreateDir(probe);
      if (st.code() == core::StatusCode::kAlreadyExists) st = core::Status::Ok();
    }
    if (st.code() == core::StatusCode::kPermissionDenied) {
      return core::Status::PermissionDenied("backup root is not writable [path=" +
                                            options_.backup_root + ", error=" + st.message() + "]");
    }
    RETURN_IF_ERROR(st);
    // A probe that cannot be removed now is removed with the other leftovers right after.
    (void)fs_->RemoveAll(probe);
    return core::Status::Ok();
  }

  // A fresh id: the clock, made unique (never reused, also across restarts and clock steps).
  int64_t NextId() {
    int64_t id = std::max(options_.clock->NowMicros(), last_id_ + 1);
    while (history_->Has(id)) id++;
    last_id_ = id;
    return id;
  }

  // Claims the one backup slot and writes the "backup in progress" record. Fails (and changes
  // nothing) if a backup is running, the root is not writable or the record cannot be written.
  core::Result<BackupJob> Begin(std::vector<std::string> names, bool is_database) {
    if (!enabled()) return core::Status::InvalidArgument(kBackupDisabled, 0);
    {
      std::lock_guard lk(state_mu_);
      if (running_) return core::Status::Unavailable("backup already in progress");
      running_ = true;
      abortable_ = true;
      abort_reason_.clear();
      progress_.done = 0;
      progress_.abort = false;
      total_bytes_ = 0;
    }
    BackupJob job;
    job.names = std::move(names);
    job.is_database = is_database;
    core::Status st = PrepareRoot();
    if (st.ok()) {
      if (store() == nullptr) CleanStaleStaging();
      RetryUnsaved();
      job.id = NextId();
      BackupHistoryEntry e;
      e.id = e.start_us = job.id;
      e.is_database = is_database;
      e.tables = job.names;
      st = history_->Write(e);
      if (!st.ok()) {
        st = core::Status(st.code(), "could not write the backup history, no backup was made: " +
                                         st.message());
      }
      std::lock_guard lk(state_mu_);
      current_ = e;
    }
    if (!st.ok()) {
      core::LogError("backup not started [error=" + st.ToString() + "]");
      std::lock_guard lk(state_mu_);
      running_ = false;
      stats_.failures++;  // the root or its history is not writable: a failed backup
      return st;
    }
    return job;
  }

  core::Result<int64_t> StartAsync(std::vector<std::string> names, bool is_database) {
    ASSIGN_OR_RETURN(BackupJob job, Begin(std::move(names), is_database));
    std::lock_guard wk(worker_mu_);
    if (worker_.joinable()) worker_.join();  // the previous one, which has released the slot
    try {
      worker_ = std::thread([this, job] { (void)Execute(job); });
    } catch (const std::exception& e) {  // no thread (resources): the backup fails, slot freed
      BackupHistoryEntry failed;
      {
        std::lock_guard lk(state_mu_);
        failed = current_;
      }
      failed.status = BackupStatus::kBackupFailed;
      failed.backup_error = std::string("could not start the backup thread: ") + e.what();
      failed.end_us = options_.clock->NowMicros();
      (void)Record(failed, /*release=*/true);
      return core::Status::ResourceExhausted(failed.backup_error);
    }
    return job.id;
  }

  // The running backup's entry with its live progress and duration (state_mu_ held).
  BackupHistoryEntry LiveEntry() const {
    BackupHistoryEntry e = current_;
    if (e.status == BackupStatus::kBackupInProgress) {
      const uint64_t done = progress_.done.load();
      e.progress_percent = total_bytes_ == 0 ? 0 : static_cast<int>(std::min<uint64_t>(
                                                       99, done * 100 / total_bytes_));
    }
    if (e.end_us == 0) e.duration_us = std::max<int64_t>(0, options_.clock->NowMicros() - e.start_us);
    return e;
  }

  // Saves the running backup's new state: current_ and latest_ for backups(), then its record.
  // A failed write keeps the state in unsaved_ (shown by History, written again by the next
  // backup). `release` frees the backup slot first: the final state is shown at once and
  // another backup may start while it is written (records of other ids are other files).
  core::Status Record(const BackupHistoryEntry& e, bool release = false) {
    {
      std::lock_guard lk(state_mu_);
      current_ = e;
      latest_[e.id] = e;
      unsaved_.erase(e.id);  // superseded: never retried beside this write
      if (e.status == BackupStatus::kBackupFailed) stats_.failures++;
      if (release) running_ = abortable_ = false;
    }
    core::Status st = history_->Write(e);
    std::lock_guard lk(state_mu_);
    latest_.erase(e.id);
    if (!st.ok()) {
      unsaved_[e.id] = e;
      core::LogError("could not write the backup history [id=" + std::to_string(e.id) +
                     ", error=" + st.ToString() + "]");
    }
    return st;
  }

  void RetryUnsaved() {
    std::map<int64_t, BackupHistoryEntry> pending;
    {
      std::lock_guard lk(state_mu_);
      pending = unsaved_;
    }
    for (const auto& [id, e] : pending) {
      if (!history_->Write(e).ok()) continue;
      std::lock_guard lk(state_mu_);
      unsaved_.erase(id);
    }
  }

  // Runs a claimed job to its end: pin, copy, publish, then retention as the cleanup phase.
  // Always releases the slot and leaves a final status in the history (or in unsaved_).
  core::Result<BackupResult> Execute(const BackupJob& job) {
    const int64_t t0 = options_.clock->MonotonicMicros();
    BackupHistoryEntry e;
    {
      std::lock_guard lk(state_mu_);
      e = current_;
    }
    const std::string staging = core::JoinPath(
        StagingRoot(), kStagingPrefix + std::to_string(job.id) + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(++seq_));
    BackupResult result;
    result.id = job.id;
    core::Status st = BuildAndPublish(job, staging, &result);
    e.end_us = options_.clock->NowMicros();
    e.duration_us = options_.clock->MonotonicMicros() - t0;
    if (!result.tables.empty()) e.tables = result.tables;
    if (!st.ok()) return Failed(job, staging, st, e);
    e.name = std::string(core::BaseName(result.directory));
    e.tables = result.tables;
    e.rows = result.rows;
    e.bytes_copied = result.bytes_copied;
    e.bytes_linked = result.bytes_linked;
    e.progress_percent = 100;
    {
      std::lock_guard lk(state_mu_);
      stats_.last_success_end_us = e.end_us;
      stats_.last_success_duration_us = e.duration_us;
      stats_.last_success_bytes = e.bytes_copied;
    }
    core::LogInfo("backup complete [dir=" + result.directory + ", tables=" + JoinNames(result.tables) +
                  ", bytes=" + std::to_string(result.bytes_copied) +
                  ", linked_bytes=" + std::to_string(result.bytes_linked) +
                  ", ms=" + std::to_string(e.duration_us / 1000) + "]");
    if (options_.keep_latest_n > 0) {
      e.status = BackupStatus::kCleanupInProgress;
      st = Record(e);
      if (st.ok()) {
        st = Cleanup(e, &result);
      } else {
        e.status = BackupStatus::kBackupComplete;  // no cleanup while the history fails
        (void)Record(e, /*release=*/true);
      }
    } else {
      e.status = BackupStatus::kBackupComplete;
      st = Record(e, /*release=*/true);
    }
    if (!st.ok()) {
      return core::Status(st.code(), "backup complete [dir=" + result.directory +
                                         "] but the backup history could not be written: " +
                                         st.message());
    }
    return result;
  }

  core::Result<BackupResult> Failed(const BackupJob& job, const std::string& staging,
                                    const core::Status& st, BackupHistoryEntry& e) {
    core::Status rm = store() != nullptr ? core::Status::Ok() : fs_->RemoveAll(staging);
    if (!rm.ok()) {
      core::LogWarn("could not remove backup staging dir [dir=" + staging +
                    ", error=" + rm.ToString() + "]");
    }
    core::LogError("backup failed [id=" + std::to_string(job.id) + ", tables=" +
                   JoinNames(e.tables) + ", error=" + st.ToString() + "]");
    {
      std::lock_guard lk(state_mu_);
      const bool aborted = st.code() == core::StatusCode::kCancelled && progress_.abort.load();
      e.backup_error = aborted ? abort_reason_ : st.message();
      e.progress_percent = LiveEntry().progress_percent;
    }
    e.status = BackupStatus::kBackupFailed;
    (void)Record(e, /*release=*/true);  // logged; the statement reports the backup's own error
    return BackupFailed(st.code() == core::StatusCode::kCancelled
                            ? core::Status::Cancelled(e.backup_error)
                            : st);
  }

  // Pins the tables, builds the staging tree, then (past the last abort point) renames it
  // into place.
  core::Status BuildAndPublish(const BackupJob& job, const std::string& staging,
                               BackupResult* result) {
    ASSIGN_OR_RETURN(std::vector<TableView> views, PinTablesAtOneInstant(*engine_, job.names));
    uint64_t needed_bytes = 0, total = 0;
    for (const auto& v : views) {
      result->tables.push_back(v.table_name());
      result->rows += v.row_count();
      // Whole blocks per file, as the file system will allocate them.
      ASSIGN_OR_RETURN(std::vector<CommittedFile> files, v.CommittedFiles());
      for (const auto& f : files) {
        needed_bytes += (f.committed_size + 8191) / 4096 * 4096;
        total += f.committed_size;
      }
    }
    {
      std::lock_guard lk(state_mu_);
      total_bytes_ = total;
      current_.tables = result->tables;
    }
    core::LogInfo("starting backup [tables=" + JoinNames(result->tables) + "]");
    std::unique_ptr<StoreBackupSink> sink;
    core::Status st;
    if (store() != nullptr) {
      st = BuildInStore(views, job.is_database, job.id, &sink, result);
    } else {
      RETURN_IF_ERROR(CheckFreeSpace(needed_bytes));
      st = Build(views, staging, job.is_database, job.id, result);
    }
    views.clear();  // the copy is done: let purge reclaim what only we were holding
    RETURN_IF_ERROR(st);
    {
      std::lock_guard lk(state_mu_);  // the point of no return: ABORT answers "not running"
      if (progress_.abort.load()) return core::Status::Cancelled("aborted");
      abortable_ = false;
    }
    if (sink != nullptr) return PublishInStore(*sink, job.id, result);
    return Publish(staging, job.id, result);
  }

  // A backup into the object store: every file uploaded (or referenced) through the sink; the
  // manifest waits for PublishInStore.
  core::Status BuildInStore(const std::vector<TableView>& views, bool is_database,
                            int64_t created_us, std::unique_ptr<StoreBackupSink>* sink,
                            BackupResult* result) {
    core::RateLimiter pace(options_.max_bytes_per_sec, kBackupPaceChunk, options_.clock);
    ASSIGN_OR_RETURN(*sink, StoreBackupSink::Create(*store(), pace, &progress_));
    StoreBackupSink& w = **sink;
    w.manifest().created_us = created_us;
    w.manifest().is_database = is_database;
    for (const TableView& v : views) RETURN_IF_ERROR(CopyTable(v, &w));
    const std::string conf = core::JoinPath(options_.server_root, "conf");
    if (!options_.server_root.empty() && fs_->IsDirectory(conf)) {
      RETURN_IF_ERROR(CopyConf(*fs_, conf, "conf", &w));
    }
    result->bytes_copied = w.bytes();
    result->bytes_linked = w.linked_bytes();
    return core::Status::Ok();
  }

  // The manifest, last: its upload is what makes the backup complete.
  core::Status PublishInStore(StoreBackupSink& sink, int64_t created_us, BackupResult* result) {
    ASSIGN_OR_RETURN(std::string name,
                     PickStoreBackupName(*store(), options_.dir_datetime_format, created_us));
    RETURN_IF_ERROR(sink.Publish(name));
    result->directory = name;
    return core::Status::Ok();
  }

  RetentionResult ApplyRetention(const BackupResult& result) {
    if (store() == nullptr) {
      return ApplyBackupRetention(*fs_, options_.backup_root, options_.tmp_dir_name,
                                  result.directory, options_.keep_latest_n);
    }
    StoreRetentionResult swept =
        ApplyStoreRetention(*store(), result.directory, options_.keep_latest_n);
    core::LogInfo("backup store swept [removed_backups=" + std::to_string(swept.removed.size()) +
                  ", deleted_objects=" + std::to_string(swept.blobs_deleted) + "]");
    return {swept.removed, swept.removed_created_us, swept.errors};
  }

  // Retention as the backup's cleanup phase; the records of removed backups get removed_us.
  // Returns a history write error only (removal errors go to cleanup_error).
  core::Status Cleanup(BackupHistoryEntry& e, BackupResult* result) {
    RetentionResult kept = ApplyRetention(*result);
    std::vector<std::string> errors = kept.errors;
    if (!kept.removed.empty()) {
      auto all = history_->ReadAll();
      if (!all.ok()) errors.push_back(all.status().message());
      for (size_t i = 0; all.ok() && i < kept.removed.size(); ++i) {
        for (BackupHistoryEntry& old : *all) {
          if (old.unreadable || old.id != kept.removed_created_us[i] || old.removed_us != 0) continue;
          old.removed_us = options_.clock->NowMicros();
          core::Status st = history_->Write(old);
          if (!st.ok()) errors.push_back("could not mark removed backup in the history: " + st.message());
        }
      }
    }
    result->removed_backups = std::move(kept.removed);
    result->retention_errors = errors;
    e.status = errors.empty() ? BackupStatus::kCleanupComplete : BackupStatus::kCleanupFailed;
    std::string joined;
    for (const auto& err : errors) joined += (joined.empty() ? "" : "; ") + err;
    e.cleanup_error = joined;
    return Record(e, /*release=*/true);
  }

  core::Status CheckFreeSpace(uint64_t needed_bytes) {
    auto free_bytes = fs_->FreeSpace(options_.backup_root);
    if (!free_bytes.ok() || *free_bytes >= needed_bytes) return core::Status::Ok();
    return core::Status::ResourceExhausted(
        "not enough free space for the backup [root=" + options_.backup_root +
        ", needed=" + std::to_string(needed_bytes) + ", available=" + std::to_string(*free_bytes) +
        "]");
  }

  core::Status Build(const std::vector<TableView>& views, const std::string& staging,
                     bool is_database, int64_t created_us, BackupResult* result) {
    RETURN_IF_ERROR(fs_->CreateDir(staging));
    // Incremental: identical immutable partition files are linked from the latest backup.
    std::unique_ptr<PreviousBackup> previous =
        PreviousBackup::FindLatest(*fs_, options_.backup_root, options_.tmp_dir_name);
    core::RateLimiter pace(options_.max_bytes_per_sec, kBackupPaceChunk, options_.clock);
    BackupWriter w(*fs_, staging, previous.get(), pace, &progress_);
    w.manifest().created_us = created_us;
    w.manifest().is_database = is_database;
    RETURN_IF_ERROR(w.MakeDir("db"));
    for (const TableView& v : views) RETURN_IF_ERROR(CopyTable(v, &w));
    RETURN_IF_ERROR(w.MakeDir("conf"));
    const std::string conf = core::JoinPath(options_.server_root, "conf");
    if (!options_.server_root.empty() && fs_->IsDirectory(conf)) {
      RETURN_IF_ERROR(CopyConf(*fs_, conf, "conf", &w));
    }
    RETURN_IF_ERROR(w.WriteManifest());
    // Every file and directory of the staging tree reaches the disk before the rename that
    // publishes it; sync(2) waits for the writeback to complete on Linux.
    RETURN_IF_ERROR(fs_->SyncAll());
    result->bytes_copied = w.bytes();
    result->bytes_linked = w.linked_bytes();
    return core::Status::Ok();
  }

  // Renames the synced staging dir to its final name. The name is chosen now (not at the
  // start) and never replaces an existing directory: Linux rename(2) would replace an empty
  // one, so we pick a name that does not exist under mu_ (backups of this process are
  // serialised) and, should the rename still fail because something appeared, take the next.
  core::Status Publish(const std::string& staging, int64_t created_us, BackupResult* result) {
    const std::string base = FormatBackupDirName(options_.dir_datetime_format, created_us);
    core::Status last;
    for (int attempt = 0; attempt < 16; attempt++) {
      const std::string name =
          PickBackupDirName(*fs_, options_.backup_root, base, options_.tmp_dir_name);
      const std::string final_dir = core::JoinPath(options_.backup_root, name);
      last = fs_->Rename(staging, final_dir);
      if (last.ok()) {
        RETURN_IF_ERROR(fs_->SyncDir(options_.backup_root));
        RETURN_IF_ERROR(fs_->SyncDir(StagingRoot()));
        result->directory = final_dir;
        return core::Status::Ok();
      }
      if (!fs_->Exists(final_dir)) break;  // a real failure, not a lost race for the name
    }
    return last;
  }

  Engine* engine_;
  std::shared_ptr<core::FileSystem> fs_;
  const BackupOptions options_;
  std::atomic<uint64_t> seq_{0};
  SnapshotAgent snapshot_;
  std::unique_ptr<BackupHistory> history_;  // null when backups are disabled

  // The one backup slot and the running backup's state.
  mutable std::mutex state_mu_;
  bool running_ = false;    // a backup (sync or async) holds the slot
  bool abortable_ = false;  // not yet past the point of no return
  std::string abort_reason_;
  BackupHistoryEntry current_;  // the running backup's entry as last recorded
  uint64_t total_bytes_ = 0;    // bytes of table files it will copy or link
  BackupProgress progress_;
  std::map<int64_t, BackupHistoryEntry> latest_;   // states being written to their record
  std::map<int64_t, BackupHistoryEntry> unsaved_;  // states whose record write failed
  int64_t last_id_ = 0;  // touched only by the slot's holder
  BackupStats stats_;    // guarded by state_mu_ (its running and snapshot fields unused)
  const int64_t started_us_;
  std::atomic<int64_t> snapshot_since_us_{0};  // when this service prepared the open snapshot

  std::mutex worker_mu_;
  std::thread worker_;  // the ASYNC backup's thread
};

}  // namespace

std::unique_ptr<BackupService> BackupService::Create(Engine* engine,
                                                     std::shared_ptr<core::FileSystem> fs,
                                                     BackupOptions options) {
  return std::make_unique<BackupServiceImpl>(engine, std::move(fs), std::move(options));
}

}  // namespace sundial::cairo
