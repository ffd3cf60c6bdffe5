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
#include <mutex>
#include <set>

#include "cairo/backup_incremental.h"
#include "cairo/backup_manifest.h"
#include "cairo/backup_naming.h"
#include "cairo/backup_retention.h"
#include "cairo/snapshot.h"
#include "cairo/table_state.h"
#include "cairo/txn_file.h"
#include "core/confined_path.h"
#include "core/crc32c.h"
#include "core/log.h"

namespace sundial::cairo {
namespace {

constexpr char kBackupDisabled[] =
    "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set";
constexpr char kStagingPrefix[] = "backup-";

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
class BackupWriter {
 public:
  BackupWriter(core::FileSystem& fs, std::string staging, PreviousBackup* previous)
      : fs_(fs), staging_(std::move(staging)), previous_(previous) {}

  BackupManifest& manifest() { return manifest_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t linked_bytes() const { return linked_bytes_; }

  core::Status MakeDir(const std::string& relative) {
    return fs_.CreateDir(core::JoinPath(staging_, relative));
  }

  // Copies [0, size) of `src` to `relative` (or hard-links the previous backup's identical
  // file, for a file of partition `partition_dir` of `view`) and records it in the manifest.
  // Not synced here: one sync(2) at the end makes the whole staging tree durable (thousands of
  // fsyncs, one per column file, cost far more than one flush of the file system).
  core::Status CopyFile(core::File& src, uint64_t size, const std::string& relative,
                        const TableView* view = nullptr, std::string_view partition_dir = {}) {
    // The source range is immutable while pinned, so its CRC is the CRC of what we copy.
    ASSIGN_OR_RETURN(uint32_t crc, FileCrc32c(src, size));
    const std::string dst_path = core::JoinPath(staging_, relative);
    if (previous_ != nullptr && view != nullptr) {
      auto from = previous_->LinkSource(*view, partition_dir, relative, size, crc);
      if (from && fs_.Link(*from, dst_path).ok()) {
        manifest_.files.push_back({relative, size, crc});
        linked_bytes_ += size;
        return core::Status::Ok();
      }
    }
    ASSIGN_OR_RETURN(auto dst, fs_.Open(dst_path, core::OpenMode::kCreateExclusive));
    if (size > 0) RETURN_IF_ERROR(fs_.CopyRange(src, 0, *dst, 0, size));
    manifest_.files.push_back({relative, size, crc});
    bytes_ += size;
    return core::Status::Ok();
  }

  core::Status WriteFile(const std::string& relative, std::string_view data,
                         bool add_to_manifest = true) {
    ASSIGN_OR_RETURN(auto dst,
                     fs_.Open(core::JoinPath(staging_, relative), core::OpenMode::kCreateExclusive));
    RETURN_IF_ERROR(dst->WriteAt(0, data.data(), data.size()));
    if (add_to_manifest) manifest_.files.push_back({relative, data.size(), core::Crc32c(data)});
    bytes_ += data.size();
    return core::Status::Ok();
  }

 private:
  core::FileSystem& fs_;
  std::string staging_;
  PreviousBackup* previous_;  // may be null: copy everything
  BackupManifest manifest_;
  uint64_t bytes_ = 0;
  uint64_t linked_bytes_ = 0;
};

core::Status CopyTable(core::FileSystem& fs, const TableView& view, BackupWriter* w) {
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
    // Open through the pinned state: it follows the table directory across RENAME and DROP.
    ASSIGN_OR_RETURN(auto src, view.state()->files->Open(f.relative_path, core::OpenMode::kRead));
    RETURN_IF_ERROR(w->CopyFile(*src, f.committed_size, dir + "/" + f.relative_path, &view, parent));
  }
  RETURN_IF_ERROR(w->WriteFile(dir + "/" + kTxnFileName, view.SerializedTxn()));
  w->manifest().tables.push_back({view.table_name(), view.txn(), view.row_count()});
  return core::Status::Ok();
}

// Copies the server's conf/ tree (small files; read whole).
core::Status CopyConf(core::FileSystem& fs, const std::string& from, const std::string& to_rel,
                      BackupWriter* w) {
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
    ASSIGN_OR_RETURN(auto f, fs.Open(src, core::OpenMode::kRead));
    ASSIGN_OR_RETURN(uint64_t size, f->Size());
    RETURN_IF_ERROR(w->CopyFile(*f, size, dst));
  }
  return core::Status::Ok();
}

class BackupServiceImpl final : public BackupService {
 public:
  BackupServiceImpl(Engine* engine, std::shared_ptr<core::FileSystem> fs, BackupOptions options)
      : engine_(engine),
        fs_(std::move(fs)),
        options_(std::move(options)),
        snapshot_(engine, fs_, options_.server_root, options_.snapshot_instance_id) {
    if (enabled() && fs_->IsDirectory(StagingRoot())) CleanStaleStaging();
  }

  bool enabled() const override { return !options_.backup_root.empty(); }
  bool HasTable(std::string_view table) const override { return engine_->HasTable(table); }

  core::Result<BackupResult> BackupDatabase() override { return Run({}, /*is_database=*/true); }

  core::Result<BackupResult> BackupTables(const std::vector<std::string>& tables) override {
    if (tables.empty()) return core::Status::InvalidArgument("expected a table name");
    for (const auto& t : tables) {
      if (!engine_->HasTable(t)) {
        return core::Status::NotFound("table does not exist [table=" + t + "]");
      }
    }
    return Run(tables, /*is_database=*/false);
  }

  core::Status SnapshotPrepare(bool checkpoint) override { return snapshot_.Prepare(checkpoint); }
  core::Status SnapshotComplete(bool checkpoint) override {
    return snapshot_.Complete(checkpoint);
  }
  bool snapshot_in_progress() const override { return snapshot_.in_progress(); }

  core::Result<std::vector<BackupProblem>> VerifyNamed(std::string_view name) override {
    if (!enabled()) return core::Status::InvalidArgument(kBackupDisabled, 0);
    return VerifyBackupByName(*fs_, options_.backup_root, name);
  }

  core::Result<RestoreTableResult> RestoreTable(const RestoreTableRequest& request) override {
    return RestoreTableFromBackup(*engine_, options_.backup_root, request);
  }

 private:
  std::string StagingRoot() const {
    return core::JoinPath(options_.backup_root, options_.tmp_dir_name);
  }

  // A crashed or killed backup leaves its staging directory behind; nothing else writes there
  // (one backup at a time), so every `backup-*` entry is garbage.
  void CleanStaleStaging() {
    auto entries = fs_->ListDir(StagingRoot());
    if (!entries.ok()) return;
    for (const auto& e : *entries) {
      if (e.name.rfind(kStagingPrefix, 0) != 0) continue;
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

  // The root (and its staging dir) must exist and be writable: probe by creating a directory,
  // so the error names the path before any table is pinned.
  core::Status PrepareRoot() {
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

  core::Result<BackupResult> Run(const std::vector<std::string>& names, bool is_database) {
    if (!enabled()) return core::Status::InvalidArgument(kBackupDisabled, 0);
    std::unique_lock lk(mu_, std::try_to_lock);
    if (!lk.owns_lock()) return core::Status::Unavailable("backup already in progress");
    const int64_t t0 = options_.clock->MonotonicMicros();
    RETURN_IF_ERROR(PrepareRoot());
    CleanStaleStaging();

    ASSIGN_OR_RETURN(std::vector<TableView> views, PinTablesAtOneInstant(*engine_, names));
    std::vector<std::string> table_names;
    uint64_t needed_bytes = 0;
    for (const auto& v : views) {
      table_names.push_back(v.table_name());
      // Whole blocks per file, as the file system will allocate them.
      ASSIGN_OR_RETURN(std::vector<CommittedFile> files, v.CommittedFiles());
      for (const auto& f : files) needed_bytes += (f.committed_size + 8191) / 4096 * 4096;
    }
    core::LogInfo("starting backup [tables=" + JoinNames(table_names) + "]");

    const int64_t created_us = options_.clock->NowMicros();
    const std::string staging = core::JoinPath(
        StagingRoot(), kStagingPrefix + std::to_string(created_us) + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(++seq_));
    BackupResult result;
    result.tables = table_names;
    core::Status st = CheckFreeSpace(needed_bytes);
    if (st.ok()) st = Build(views, staging, is_database, created_us, &result);
    views.clear();  // the copy is done: let purge reclaim what only we were holding
    if (st.ok()) st = Publish(staging, created_us, &result);
    if (!st.ok()) {
      core::Status rm = fs_->RemoveAll(staging);
      if (!rm.ok()) {
        core::LogWarn("could not remove backup staging dir [dir=" + staging +
                      ", error=" + rm.ToString() + "]");
      }
      core::LogError("backup failed [tables=" + JoinNames(table_names) +
                     ", error=" + st.ToString() + "]");
      return BackupFailed(st);
    }
    const int64_t ms = (options_.clock->MonotonicMicros() - t0) / 1000;
    core::LogInfo("backup complete [dir=" + result.directory + ", tables=" + JoinNames(table_names) +
                  ", bytes=" + std::to_string(result.bytes_copied) +
                  ", linked_bytes=" + std::to_string(result.bytes_linked) + ", ms=" + std::to_string(ms) +
                  "]");
    RetentionResult kept = ApplyBackupRetention(*fs_, options_.backup_root, options_.tmp_dir_name,
                                                result.directory, options_.keep_latest_n);
    result.removed_backups = std::move(kept.removed);
    result.retention_errors = std::move(kept.errors);
    return result;
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
    BackupWriter w(*fs_, staging, previous.get());
    w.manifest().created_us = created_us;
    w.manifest().is_database = is_database;
    RETURN_IF_ERROR(w.MakeDir("db"));
    for (const TableView& v : views) RETURN_IF_ERROR(CopyTable(*fs_, v, &w));
    RETURN_IF_ERROR(w.MakeDir("conf"));
    const std::string conf = core::JoinPath(options_.server_root, "conf");
    if (!options_.server_root.empty() && fs_->IsDirectory(conf)) {
      RETURN_IF_ERROR(CopyConf(*fs_, conf, "conf", &w));
    }
    RETURN_IF_ERROR(
        w.WriteFile(kBackupManifestName, SerializeManifest(w.manifest()), /*add_to_manifest=*/false));
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
  std::mutex mu_;  // one backup at a time
  std::atomic<uint64_t> seq_{0};
  SnapshotAgent snapshot_;
};

}  // namespace

std::unique_ptr<BackupService> BackupService::Create(Engine* engine,
                                                     std::shared_ptr<core::FileSystem> fs,
                                                     BackupOptions options) {
  return std::make_unique<BackupServiceImpl>(engine, std::move(fs), std::move(options));
}

}  // namespace sundial::cairo
