// Engine: the catalog of tables under db/, writer leases, pins, DDL and purge.
#include "cairo/engine.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "cairo/table_handle.h"
#include "cairo/table_recovery.h"
#include "cairo/table_writer_impl.h"
#include "core/log.h"
#include "core/worker_pool.h"

namespace sundial::cairo {
namespace {

// Dropped tables wait here (as `<name>.<id>.<n>`) until no pin reads them. Table names cannot
// contain '.', so these names never collide with a table.
constexpr char kTrashDir[] = ".trash";
constexpr char kCreatePrefix[] = ".create.";
// Tables being restored are built here (Engine::CreateStagingDir); removed at open.
constexpr char kRestorePrefix[] = ".restore.";
// Partition entries the purge tidies after an open (TableHandle::TidySome) per holding of a
// table's writer lease: a writer that asks meanwhile waits for at most that many.
constexpr size_t kTidyEntriesPerLease = 16;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

core::Status NoSuchTable(std::string_view name) {
  return core::Status::NotFound("table does not exist [table=" + std::string(name) + "]");
}

core::Status ValidateSchema(const TableSchema& s) {
  if (s.columns.empty()) return core::Status::InvalidArgument("table needs at least one column");
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const ColumnDef& c = s.columns[i];
    std::string err = ValidateColumnName(c.name);
    if (!err.empty()) return core::Status::InvalidArgument(err);
    if (!IsValidColumnType(static_cast<uint8_t>(c.type))) {
      return core::Status::InvalidArgument("invalid column type [column=" + c.name + "]");
    }
    for (size_t j = 0; j < i; ++j) {
      if (NamesEqualIgnoreCase(s.columns[j].name, c.name)) {
        return core::Status::InvalidArgument("duplicate column name [column=" + c.name + "]");
      }
    }
  }
  int ts = s.timestamp_index;
  if (ts < -1 || ts >= static_cast<int>(s.columns.size())) {
    return core::Status::InvalidArgument("designated timestamp index out of range");
  }
  if (ts >= 0 && s.columns[ts].type != ColumnType::kTimestamp) {
    return core::Status::InvalidArgument(
        "designated timestamp column must be of type TIMESTAMP [column=" + s.columns[ts].name +
        "]");
  }
  if (ts < 0 && s.partition_by != PartitionBy::kNone) {
    return core::Status::InvalidArgument(
        "partitioning is possible only on tables with designated timestamps");
  }
  return core::Status::Ok();
}

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(std::shared_ptr<EngineShared> shared) : shared_(std::move(shared)) {}
  ~EngineImpl() override { StopPurgeThread(); }

  core::Status Init();

  const EngineOptions& options() const override { return shared_->options; }
  core::FileSystem& fs() const override { return *shared_->fs; }

  EngineCounters counters() const override {
    return {shared_->commits.load(std::memory_order_relaxed),
            shared_->committed_rows.load(std::memory_order_relaxed),
            shared_->partitions_sealed.load(std::memory_order_relaxed),
            shared_->sealed_raw_bytes.load(std::memory_order_relaxed),
            shared_->sealed_compressed_bytes.load(std::memory_order_relaxed)};
  }

  core::Result<std::vector<TableDiskUsage>> DiskUsage() const override {
    std::vector<std::pair<std::string, std::shared_ptr<TableFiles>>> dirs;
    {
      std::shared_lock lk(mu_);
      for (const auto& [key, h] : tables_) dirs.emplace_back(h->name(), h->files());
    }
    std::sort(dirs.begin(), dirs.end());
    std::vector<TableDiskUsage> out;
    for (const auto& [name, files] : dirs) {
      uint64_t bytes = 0;
      core::Status st = DirectoryBytes(files->dir(), &bytes);
      if (st.code() == core::StatusCode::kNotFound) continue;  // dropped or renamed meanwhile
      RETURN_IF_ERROR(st);
      out.push_back({name, bytes});
    }
    return out;
  }

  std::vector<std::string> ListTables() const override {
    std::shared_lock lk(mu_);
    std::vector<std::string> out;
    for (const auto& [key, h] : tables_) out.push_back(h->name());
    std::sort(out.begin(), out.end());
    return out;
  }
  bool HasTable(std::string_view name) const override { return Find(name) != nullptr; }
  std::vector<std::pair<std::string, core::Status>> BrokenTables() const override {
    std::shared_lock lk(mu_);
    return broken_;
  }

  core::Status CreateTable(std::string_view name, const TableSchema& schema) override;
  core::Status DropTable(std::string_view name) override;
  core::Status RenameTable(std::string_view from, std::string_view to) override;

  core::Result<std::string> CreateStagingDir() override {
    const std::string dir =
        TablePath(std::string(kRestorePrefix) + std::to_string(restore_seq_.fetch_add(1) + 1));
    RETURN_IF_ERROR(shared_->fs->RemoveAll(dir));  // a leftover of a failed removal
    RETURN_IF_ERROR(shared_->fs->CreateDir(dir));
    return dir;
  }
  core::Result<std::string> AttachTable(std::string_view name, const std::string& staged_dir,
                                        bool replace) override;

  core::Result<WriterLease> AcquireWriter(std::string_view name) override {
    for (;;) {
      auto h = Find(name);
      if (!h) return NoSuchTable(name);
      // Made before the lease is taken: it allocates, and an allocation that fails after
      // Acquire would leave the table leased for good.
      std::function<void()> release = [h] { h->Release(); };
      auto w = h->Acquire(shared_->options.lock_timeout_ms);
      // Replaced while we waited (RESTORE TABLE ... OVERWRITE): write to the table now there.
      if (!w.ok() && w.status().code() == core::StatusCode::kNotFound) {
        auto now = Find(name);
        if (now != nullptr && now != h) continue;
      }
      if (!w.ok()) return w.status();
      return WriterLease(*w, std::move(release));
    }
  }

  core::Result<TableView> Pin(std::string_view name) const override {
    auto h = Find(name);
    if (!h) return NoSuchTable(name);
    auto state = h->Current();
    if (!state) return NoSuchTable(name);
    return TableView(std::move(state));
  }

  core::Result<std::vector<TableView>> PinAll(
      const std::vector<std::string>& names) const override {
    std::vector<std::shared_ptr<TableHandle>> handles;
    {
      std::shared_lock lk(mu_);
      if (names.empty()) {
        for (const auto& [key, h] : tables_) handles.push_back(h);
      } else {
        for (const auto& n : names) {
          auto it = tables_.find(Lower(n));
          if (it == tables_.end()) return NoSuchTable(n);
          handles.push_back(it->second);
        }
      }
    }
    std::unique_lock publish_lock(shared_->publish_mu);  // no commit lands while we pin
    std::vector<TableView> views;
    for (const auto& h : handles) {
      auto state = h->Current();
      if (!state) return NoSuchTable(h->name());
      views.emplace_back(std::move(state));
    }
    return views;
  }

  core::Status AddColumn(std::string_view table, std::string_view column,
                         ColumnType type) override {
    return WithWriter(table, [&](TableWriterImpl* w) { return w->AddColumn(column, type); });
  }
  core::Status DropColumn(std::string_view table, std::string_view column) override {
    return WithWriter(table, [&](TableWriterImpl* w) { return w->DropColumn(column); });
  }
  core::Status RenameColumn(std::string_view table, std::string_view from,
                            std::string_view to) override {
    return WithWriter(table, [&](TableWriterImpl* w) { return w->RenameColumn(from, to); });
  }
  core::Status DropPartitions(std::string_view table, const std::vector<int64_t>& starts) override {
    return WithWriter(table, [&](TableWriterImpl* w) { return w->DropPartitions(starts); });
  }
  core::Status ConvertPartitions(std::string_view table, const std::vector<int64_t>& starts,
                                 bool compress) override {
    return WithWriter(table,
                      [&](TableWriterImpl* w) { return w->ConvertPartitions(starts, compress); });
  }
  core::Result<SealResult> SealPartition(std::string_view table, int64_t partition_start_us,
                                         const SealControl& control) override {
    auto h = Find(table);
    if (!h) return NoSuchTable(table);
    return SealPartitionStaged(*h, partition_start_us, control);
  }
  core::Status Truncate(std::string_view table) override {
    return WithWriter(table, [&](TableWriterImpl* w) { return w->Truncate(); });
  }

  void PausePurge() override {
    shared_->purge_paused.fetch_add(1);
    std::lock_guard wait_for_running(shared_->purge_run_mu);
  }
  void ResumePurge() override {
    int v = shared_->purge_paused.load();
    while (v > 0 && !shared_->purge_paused.compare_exchange_weak(v, v - 1)) {
    }
    if (v > 0 && v - 1 == 0) Purge();
  }
  void Purge() override;
  // The background purge (EngineOptions::purge_interval_ms); started once by Engine::Open.
  void StartPurgeThread();

 private:
  void StopPurgeThread();
  std::shared_ptr<TableHandle> Find(std::string_view name) const {
    std::shared_lock lk(mu_);
    auto it = tables_.find(Lower(name));
    return it == tables_.end() ? nullptr : it->second;
  }

  template <typename Fn>
  core::Status WithWriter(std::string_view table, Fn fn) {
    auto h = Find(table);
    if (!h) return NoSuchTable(table);
    ASSIGN_OR_RETURN(TableWriterImpl * w, h->Acquire(shared_->options.lock_timeout_ms));
    core::Status st = fn(w);
    w->Rollback();
    h->Release();
    return st;
  }

  // Adds the sizes of the files under `dir`. A file that vanished meanwhile (purged) counts 0;
  // NotFound only when `dir` itself is gone.
  core::Status DirectoryBytes(const std::string& dir, uint64_t* bytes) const {
    ASSIGN_OR_RETURN(std::vector<core::DirEntry> entries, shared_->fs->ListDir(dir));
    for (const core::DirEntry& e : entries) {
      const std::string path = core::JoinPath(dir, e.name);
      if (e.is_dir) {
        core::Status st = DirectoryBytes(path, bytes);
        if (!st.ok() && st.code() != core::StatusCode::kNotFound) return st;
        continue;
      }
      core::Result<uint64_t> size = shared_->fs->FileSize(path);
      if (size.ok()) {
        *bytes += *size;
      } else if (size.status().code() != core::StatusCode::kNotFound) {
        return size.status();
      }
    }
    return core::Status::Ok();
  }

  std::string TablePath(std::string_view name) const {
    return core::JoinPath(shared_->options.db_root, name);
  }
  core::Status SyncDb() {
    if (shared_->options.commit_mode != CommitMode::kSync) return core::Status::Ok();
    return shared_->fs->SyncDir(shared_->options.db_root);
  }
  void PurgeDropped();
  core::Result<TxnRecord> PrepareStagedTable(const std::string& staged_dir);
  core::Result<std::string> AttachNew(std::string_view name, const std::string& staged_dir,
                                      TxnRecord rec);
  core::Result<std::string> ReplaceOpen(std::shared_ptr<TableHandle> h,
                                        const std::string& staged_dir, TxnRecord rec);
  core::Result<std::string> ReplaceDirectory(const std::string& dir_name,
                                             const std::string& staged_dir, TxnRecord rec);

  std::shared_ptr<EngineShared> shared_;
  mutable std::shared_mutex mu_;  // guards tables_, broken_, dropped_, next_table_id_
  std::mutex ddl_mu_;             // one create/drop/rename at a time
  std::map<std::string, std::shared_ptr<TableHandle>> tables_;  // key: lower-case name
  std::vector<std::pair<std::string, core::Status>> broken_;
  std::vector<std::shared_ptr<TableFiles>> dropped_;
  uint32_t next_table_id_ = 1;
  uint64_t trash_seq_ = 0;
  std::atomic<uint64_t> restore_seq_{0};
  std::mutex purge_thread_mu_;
  std::condition_variable purge_thread_cv_;
  bool purge_thread_stop_ = false;
  std::thread purge_thread_;
};

core::Status EngineImpl::Init() {
  core::FileSystem& fs = *shared_->fs;
  const std::string& root = shared_->options.db_root;
  RETURN_IF_ERROR(fs.CreateDirs(root));
  if (shared_->options.commit_mode == CommitMode::kSync) {
    // A `db` directory made just now must survive a power loss with the tables in it.
    const std::string parent(core::DirName(root));
    RETURN_IF_ERROR(fs.SyncDir(parent.empty() ? "." : parent));
  }
  // An open snapshot's records, by table id: their files stay (see EngineOptions).
  std::map<uint32_t, TxnRecord> snapshot_records;
  const std::string& snap_db = shared_->options.open_snapshot_db;
  if (!snap_db.empty() && fs.IsDirectory(snap_db)) {
    ASSIGN_OR_RETURN(auto snap_entries, fs.ListDir(snap_db));
    for (const auto& e : snap_entries) {
      if (!e.is_dir) continue;
      const std::string path = core::JoinPath(core::JoinPath(snap_db, e.name), kTxnFileName);
      auto bytes = fs.ReadFile(path);
      auto rec = bytes.ok() ? ParseTxn(*bytes, path) : core::Result<TxnRecord>(bytes.status());
      if (!rec.ok()) {
        core::LogWarn("snapshot txn unreadable, its files are not kept [path=" + path +
                      ", error=" + rec.status().ToString() + "]");
        continue;
      }
      snapshot_records.emplace(rec->table_id, std::move(*rec));
    }
  }
  ASSIGN_OR_RETURN(auto entries, fs.ListDir(root));
  std::sort(entries.begin(), entries.end(),
            [](const core::DirEntry& a, const core::DirEntry& b) { return a.name < b.name; });
  for (const auto& e : entries) {
    const std::string dir = core::JoinPath(root, e.name);
    if (!e.is_dir) continue;
    if (e.name == kTrashDir && !snap_db.empty()) continue;  // an open snapshot may need them
    if (e.name == kTrashDir || e.name.rfind(kCreatePrefix, 0) == 0 ||
        e.name.rfind(kRestorePrefix, 0) == 0) {
      // Nothing pins anything at open: dropped tables, half-created and half-restored ones
      // (or the old table a restore replaced, INVARIANTS.md 15) can go.
      if (e.name.rfind(kRestorePrefix, 0) == 0) {
        core::LogInfo("removed leftover restore staging dir [dir=" + dir + "]");
      }
      RETURN_IF_ERROR(fs.RemoveAll(dir));
      continue;
    }
    // Not a table: the engine's own directories start with '.'. (Not ValidateTableName: a
    // table made when the name rules were looser must still open.)
    if (e.name.empty() || e.name[0] == '.') continue;
    const std::string txn_path = core::JoinPath(dir, kTxnFileName);
    if (!fs.Exists(txn_path)) continue;
    auto bytes = fs.ReadFile(txn_path);
    core::Result<TxnRecord> rec =
        bytes.ok() ? ParseTxn(*bytes, txn_path) : core::Result<TxnRecord>(bytes.status());
    const TxnRecord* keep = nullptr;
    if (rec.ok()) {
      auto it = snapshot_records.find(rec->table_id);
      if (it != snapshot_records.end()) keep = &it->second;
    }
    // Only the newest entry's files (RecoveryScope): start-up does not grow with partitions;
    // the rest is tidied by the background purge (TableHandle::TidySome).
    core::Status st = rec.ok() ? RecoverTableFiles(fs, dir, *rec, keep, RecoveryScope::kNewestEntry)
                               : rec.status();
    if (st.ok() && tables_.count(Lower(e.name)) != 0) {
      st = core::Status::AlreadyExists(
          "another table differs only in letter case [table=" + e.name + "]");
    }
    if (!st.ok()) {
      core::LogError("could not open table [table=" + e.name + ", error=" + st.ToString() + "]");
      broken_.emplace_back(e.name, st);
      continue;
    }
    next_table_id_ = std::max(next_table_id_, rec->table_id + 1);
    auto files = std::make_shared<TableFiles>(shared_->fs, dir);
    auto handle = std::make_shared<TableHandle>(shared_, e.name, std::move(files), std::move(*rec));
    if (keep == nullptr) handle->MarkNeedsTidy();
    tables_[Lower(e.name)] = std::move(handle);
  }
  return core::Status::Ok();
}

core::Status EngineImpl::CreateTable(std::string_view name, const TableSchema& schema) {
  std::string err = ValidateTableName(name);
  if (!err.empty()) return core::Status::InvalidArgument(err);
  RETURN_IF_ERROR(ValidateSchema(schema));
  std::lock_guard ddl(ddl_mu_);
  core::FileSystem& fs = *shared_->fs;
  const std::string dir = TablePath(name);
  bool is_broken = false;
  {
    std::shared_lock lk(mu_);
    for (const auto& [n, st] : broken_) is_broken |= NamesEqualIgnoreCase(n, name);
  }
  if (HasTable(name) || is_broken || fs.Exists(dir)) {
    return core::Status::AlreadyExists("table already exists [table=" + std::string(name) + "]");
  }
  TxnRecord rec;
  {
    std::unique_lock lk(mu_);
    rec.table_id = next_table_id_++;
  }
  rec.txn = 1;
  rec.schema = schema;
  for (auto& c : rec.schema.columns) {
    c.file_version = 0;
    ColumnState s;
    s.file_stem = c.name;
    s.may_hold_null_key = false;  // no rows yet
    rec.columns.push_back(std::move(s));
  }
  // Built under a temporary name and renamed into place: a table directory always has a _txn.
  const std::string tmp = TablePath(std::string(kCreatePrefix) + std::to_string(rec.table_id));
  const bool sync = shared_->options.commit_mode == CommitMode::kSync;
  RETURN_IF_ERROR(fs.RemoveAll(tmp));
  RETURN_IF_ERROR(fs.CreateDir(tmp));
  core::Status st = fs.WriteFileAtomic(core::JoinPath(tmp, kTxnFileName), SerializeTxn(rec), sync);
  if (st.ok()) st = fs.Rename(tmp, dir);
  if (!st.ok()) {
    (void)fs.RemoveAll(tmp);
    return st;
  }
  // The directory is in place; the catalog entry must follow or the directory go again. Out
  // of memory here (the only thing that can fail) would otherwise leave a table on disk that
  // the catalog does not know, which every later CREATE calls existing and every writer missing.
  st = SyncDb();
  if (st.ok()) {
    st = core::RunGuarded("create table", [&] {
      auto files = std::make_shared<TableFiles>(shared_->fs, dir);
      auto h = std::make_shared<TableHandle>(shared_, std::string(name), std::move(files),
                                             std::move(rec));
      std::unique_lock lk(mu_);
      tables_[Lower(name)] = std::move(h);
    });
  }
  if (!st.ok() && fs.Rename(dir, tmp).ok()) (void)fs.RemoveAll(tmp);
  return st;
}

core::Status EngineImpl::DropTable(std::string_view name) {
  std::lock_guard ddl(ddl_mu_);
  auto h = Find(name);
  if (!h) return NoSuchTable(name);
  ASSIGN_OR_RETURN(TableWriterImpl * w, h->Acquire(shared_->options.lock_timeout_ms));
  w->Rollback();
  core::FileSystem& fs = *shared_->fs;
  const std::string trash = core::JoinPath(shared_->options.db_root, kTrashDir);
  core::Status st = fs.CreateDirs(trash);
  std::string target =
      core::JoinPath(trash, h->name() + "." + std::to_string(h->Current()->record.table_id) + "." +
                                std::to_string(++trash_seq_));
  if (st.ok()) st = h->files()->MoveTo(target);
  if (st.ok() && shared_->options.commit_mode == CommitMode::kSync) st = fs.SyncDir(trash);
  if (st.ok()) st = SyncDb();
  if (!st.ok()) {
    h->Release();
    return st;
  }
  {
    std::unique_lock lk(mu_);
    tables_.erase(Lower(name));
    dropped_.push_back(h->files());
  }
  h->Detach();
  h->Release();
  PurgeDropped();
  return core::Status::Ok();
}

core::Status EngineImpl::RenameTable(std::string_view from, std::string_view to) {
  std::string err = ValidateTableName(to);
  if (!err.empty()) return core::Status::InvalidArgument(err);
  std::lock_guard ddl(ddl_mu_);
  auto h = Find(from);
  if (!h) return NoSuchTable(from);
  auto other = Find(to);
  if (other && other != h) {
    return core::Status::AlreadyExists("table already exists [table=" + std::string(to) + "]");
  }
  if (!other && shared_->fs->Exists(TablePath(to))) {
    return core::Status::AlreadyExists("table directory already exists [table=" + std::string(to) +
                                       "]");
  }
  ASSIGN_OR_RETURN(TableWriterImpl * w, h->Acquire(shared_->options.lock_timeout_ms));
  w->Rollback();
  core::Status st = h->files()->MoveTo(TablePath(to));
  if (st.ok()) {
    {
      std::unique_lock lk(mu_);
      tables_.erase(Lower(from));
      tables_[Lower(to)] = h;
    }
    h->set_name(std::string(to));
    st = SyncDb();
  }
  h->Release();
  return st;
}

// --- RESTORE TABLE's attach (INVARIANTS.md 15) ---

// The staged table gets a fresh table id (snapshot recovery and incremental backups tell tables
// apart by id, and the backup's table may still be live beside it) and must hold exactly what
// its `_txn` says.
core::Result<TxnRecord> EngineImpl::PrepareStagedTable(const std::string& staged_dir) {
  core::FileSystem& fs = *shared_->fs;
  const std::string txn_path = core::JoinPath(staged_dir, kTxnFileName);
  ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(txn_path));
  ASSIGN_OR_RETURN(TxnRecord rec, ParseTxn(bytes, txn_path));
  RETURN_IF_ERROR(RecoverTableFiles(fs, staged_dir, rec));
  {
    std::unique_lock lk(mu_);
    rec.table_id = next_table_id_++;
  }
  RETURN_IF_ERROR(fs.WriteFileAtomic(txn_path, SerializeTxn(rec), /*sync=*/true));
  return rec;
}

// Puts the directory `staged` where `files` is (`live`) and points `files` at where the old
// files are now: one exchange, or — where the file system cannot exchange — the old directory
// moved aside first (a crash between the two renames then leaves no table, never a mix; what
// was moved aside is a `.restore.` directory, removed at open).
core::Status SwapIn(core::FileSystem& fs, TableFiles* files, const std::string& staged,
                    const std::string& live) {
  core::Status st = files->ExchangeWith(staged);
  if (st.code() != core::StatusCode::kUnsupported) return st;
  RETURN_IF_ERROR(files->MoveTo(staged + ".old"));
  st = fs.Rename(staged, live);
  if (!st.ok()) {
    core::Status back = files->MoveTo(live);
    if (!back.ok()) {
      core::LogError("could not move table back after failed restore [dir=" + live +
                     ", error=" + back.ToString() + "]");
    }
  }
  return st;
}

core::Result<std::string> EngineImpl::AttachTable(std::string_view name,
                                                  const std::string& staged_dir, bool replace) {
  std::string err = ValidateTableName(name);
  if (!err.empty()) return core::Status::InvalidArgument(err);
  const std::string staging_prefix = TablePath(kRestorePrefix);
  if (staged_dir.rfind(staging_prefix, 0) != 0 ||
      staged_dir.find('/', staging_prefix.size()) != std::string::npos) {
    return core::Status::InvalidArgument(
        "not a staging directory of this engine [dir=" + staged_dir + "]");
  }
  std::lock_guard ddl(ddl_mu_);
  auto h = Find(name);
  std::string other_dir;  // a broken table's directory, or one the catalog does not know
  if (!h) {
    std::shared_lock lk(mu_);
    for (const auto& [n, st] : broken_) {
      if (NamesEqualIgnoreCase(n, name)) other_dir = n;
    }
  }
  if (!h && other_dir.empty() && shared_->fs->Exists(TablePath(name))) other_dir = name;
  if ((h || !other_dir.empty()) && !replace) {
    return core::Status::AlreadyExists("table already exists [table=" + std::string(name) + "]");
  }
  ASSIGN_OR_RETURN(TxnRecord rec, PrepareStagedTable(staged_dir));
  if (h) return ReplaceOpen(std::move(h), staged_dir, std::move(rec));
  if (!other_dir.empty()) return ReplaceDirectory(other_dir, staged_dir, std::move(rec));
  return AttachNew(name, staged_dir, std::move(rec));
}

core::Result<std::string> EngineImpl::AttachNew(std::string_view name,
                                                const std::string& staged_dir, TxnRecord rec) {
  core::FileSystem& fs = *shared_->fs;
  const std::string dir = TablePath(name);
  std::shared_ptr<TableHandle> h;
  RETURN_IF_ERROR(core::RunGuarded("restore table", [&] {
    h = std::make_shared<TableHandle>(
        shared_, std::string(name), std::make_shared<TableFiles>(shared_->fs, dir), std::move(rec));
  }));
  RETURN_IF_ERROR(fs.Rename(staged_dir, dir));
  core::Status st = fs.SyncDir(shared_->options.db_root);
  if (st.ok()) {
    st = core::RunGuarded("restore table", [&] {
      std::unique_lock lk(mu_);
      tables_[Lower(name)] = h;
    });
  }
  if (!st.ok()) {
    core::Status back = fs.Rename(dir, staged_dir);
    if (!back.ok()) {
      core::LogError("could not undo restore [dir=" + dir + ", error=" + back.ToString() + "]");
    }
    return st;
  }
  return std::string(name);
}

// OVERWRITE of an open table: under its writer lease, the directories are exchanged; the old
// handle is detached like a dropped table's (pins keep reading it, purge deletes it unpinned).
core::Result<std::string> EngineImpl::ReplaceOpen(std::shared_ptr<TableHandle> h,
                                                  const std::string& staged_dir, TxnRecord rec) {
  ASSIGN_OR_RETURN(TableWriterImpl * w, h->Acquire(shared_->options.lock_timeout_ms));
  w->Rollback();
  core::FileSystem& fs = *shared_->fs;
  const std::string name = h->name();
  const std::string live = h->files()->dir();
  const uint32_t old_id = h->Current()->record.table_id;
  std::shared_ptr<TableHandle> fresh;
  std::string key, trash_entry;
  // Everything that allocates comes before the exchange: after it, nothing may fail.
  core::Status st = core::RunGuarded("restore table", [&] {
    fresh = std::make_shared<TableHandle>(
        shared_, name, std::make_shared<TableFiles>(shared_->fs, live), std::move(rec));
    key = Lower(name);
    trash_entry =
        core::JoinPath(core::JoinPath(shared_->options.db_root, kTrashDir),
                       name + "." + std::to_string(old_id) + "." + std::to_string(++trash_seq_));
    std::unique_lock lk(mu_);
    dropped_.reserve(dropped_.size() + 1);
  });
  if (st.ok()) st = SwapIn(fs, h->files().get(), staged_dir, live);
  if (!st.ok()) {
    h->Release();
    return st;
  }
  // The restored table is in place on disk; what follows only tidies up.
  core::Status synced = fs.SyncDir(shared_->options.db_root);
  if (!synced.ok()) core::LogWarn("could not sync db dir [error=" + synced.ToString() + "]");
  {
    std::unique_lock lk(mu_);
    tables_.find(key)->second = fresh;
    dropped_.push_back(h->files());
  }
  // Into the trash, as DROP does (so snapshot recovery finds it by id); where it is now is a
  // `.restore.` directory, purged from there or removed at open if this fails.
  core::Status trashed = fs.CreateDirs(std::string(core::DirName(trash_entry)));
  if (trashed.ok()) trashed = h->files()->MoveTo(trash_entry);
  if (!trashed.ok()) {
    core::LogWarn("could not move replaced table to trash [dir=" + h->files()->dir() +
                  ", error=" + trashed.ToString() + "]");
  }
  h->Detach();
  h->Release();
  PurgeDropped();
  return name;
}

// OVERWRITE of a table that did not open (BrokenTables) or a directory the catalog does not
// know: exchanged like an open table; the old directory is removed right away (nothing pins it).
core::Result<std::string> EngineImpl::ReplaceDirectory(const std::string& dir_name,
                                                       const std::string& staged_dir,
                                                       TxnRecord rec) {
  core::FileSystem& fs = *shared_->fs;
  const std::string live = TablePath(dir_name);
  std::shared_ptr<TableHandle> fresh;
  std::shared_ptr<TableFiles> old_files;
  RETURN_IF_ERROR(core::RunGuarded("restore table", [&] {
    fresh = std::make_shared<TableHandle>(
        shared_, dir_name, std::make_shared<TableFiles>(shared_->fs, live), std::move(rec));
    old_files = std::make_shared<TableFiles>(shared_->fs, live);
  }));
  RETURN_IF_ERROR(SwapIn(fs, old_files.get(), staged_dir, live));
  core::Status st = core::RunGuarded("restore table", [&] {
    std::unique_lock lk(mu_);
    tables_[Lower(dir_name)] = fresh;
    broken_.erase(
        std::remove_if(broken_.begin(), broken_.end(),
                       [&](const auto& b) { return NamesEqualIgnoreCase(b.first, dir_name); }),
        broken_.end());
  });
  if (!st.ok()) {
    core::Status back = old_files->ExchangeWith(live);
    if (!back.ok()) core::LogError("could not undo restore [dir=" + live + "]");
    return st;
  }
  core::Status synced = fs.SyncDir(shared_->options.db_root);
  if (!synced.ok()) core::LogWarn("could not sync db dir [error=" + synced.ToString() + "]");
  core::Status removed = fs.RemoveAll(old_files->dir());
  if (!removed.ok()) {
    core::LogWarn("could not remove replaced table [dir=" + old_files->dir() +
                  ", error=" + removed.ToString() + "]");
  }
  return dir_name;
}

void EngineImpl::Purge() {
  if (shared_->purge_paused.load() > 0) return;
  std::vector<std::shared_ptr<TableHandle>> handles;
  {
    std::shared_lock lk(mu_);
    for (const auto& [k, h] : tables_) handles.push_back(h);
  }
  for (const auto& h : handles) {
    // Only the lease holder deletes (so a commit never races a deletion); a busy table is
    // purged after its writer's next commit or on a later tick instead.
    if (!h->TryLease()) continue;
    h->Purge();
    bool has_more = h->TidySome(kTidyEntriesPerLease);
    h->Release();
    // Tidying after an open goes on in slices; a writer waiting for the lease goes first
    // (TryLease yields to it), and the rest waits for a later tick.
    while (has_more && h->TryLease()) {
      has_more = h->TidySome(kTidyEntriesPerLease);
      h->Release();
    }
  }
  PurgeDropped();
}

void EngineImpl::StartPurgeThread() {
  const int64_t interval_ms = shared_->options.purge_interval_ms;
  if (interval_ms <= 0) return;
  purge_thread_ = std::thread([this, interval_ms] {
    std::unique_lock lk(purge_thread_mu_);
    while (!purge_thread_cv_.wait_for(lk, std::chrono::milliseconds(interval_ms),
                                      [this] { return purge_thread_stop_; })) {
      lk.unlock();
      Purge();
      lk.lock();
    }
  });
}

void EngineImpl::StopPurgeThread() {
  {
    std::lock_guard lk(purge_thread_mu_);
    purge_thread_stop_ = true;
  }
  purge_thread_cv_.notify_all();
  if (purge_thread_.joinable()) purge_thread_.join();
}

void EngineImpl::PurgeDropped() {
  std::lock_guard run(shared_->purge_run_mu);
  if (shared_->purge_paused.load() > 0) return;
  std::vector<std::shared_ptr<TableFiles>> todo;
  {
    std::unique_lock lk(mu_);
    todo.swap(dropped_);
  }
  std::vector<std::shared_ptr<TableFiles>> keep;
  for (auto& f : todo) {
    if (f->pin_count() > 0) {
      keep.push_back(std::move(f));
      continue;
    }
    core::Status st = shared_->fs->RemoveAll(f->dir());
    if (!st.ok()) {
      core::LogWarn("could not remove dropped table [path=" + f->dir() +
                    ", error=" + st.ToString() + "]");
      keep.push_back(std::move(f));
    }
  }
  std::unique_lock lk(mu_);
  dropped_.insert(dropped_.end(), keep.begin(), keep.end());
}

}  // namespace

core::Result<std::unique_ptr<Engine>> Engine::Open(std::shared_ptr<core::FileSystem> fs,
                                                   EngineOptions options) {
  if (options.db_root.empty()) return core::Status::InvalidArgument("db root is not set");
  auto shared = std::make_shared<EngineShared>();
  shared->fs = std::move(fs);
  shared->options = std::move(options);
  auto engine = std::make_unique<EngineImpl>(std::move(shared));
  RETURN_IF_ERROR(engine->Init());
  engine->StartPurgeThread();
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace sundial::cairo
