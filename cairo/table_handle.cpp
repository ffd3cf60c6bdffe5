#include "cairo/table_handle.h"

#include <chrono>

#include "cairo/table_recovery.h"
#include "cairo/table_writer_impl.h"
#include "core/log.h"
#include "core/worker_pool.h"

namespace sundial::cairo {

TableHandle::TableHandle(std::shared_ptr<EngineShared> engine, std::string name,
                         std::shared_ptr<TableFiles> files, TxnRecord record)
    : engine_(std::move(engine)), files_(std::move(files)), name_(std::move(name)) {
  current_ = std::make_shared<const TableView::State>(files_, name_, std::move(record), nullptr);
}

TableHandle::~TableHandle() = default;

std::string TableHandle::name() const {
  std::lock_guard lk(mu_);
  return name_;
}

void TableHandle::set_name(std::string name) {
  std::shared_ptr<const TableView::State> old;
  std::lock_guard lk(mu_);
  name_ = name;
  if (writer_) writer_->set_table_name(name);
  if (current_) {
    // New pins report the new name; views pinned before keep theirs.
    old = current_;
    current_ =
        std::make_shared<const TableView::State>(files_, std::move(name), old->record, old.get());
  }
}

std::shared_ptr<const TableView::State> TableHandle::Current() const {
  std::lock_guard lk(mu_);
  return current_;
}

core::Result<TableWriterImpl*> TableHandle::Acquire(int64_t timeout_ms) {
  std::unique_lock lk(mu_);
  ++waiting_writers_;
  const bool is_free =
      cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), [this] { return !leased_; });
  --waiting_writers_;
  if (!is_free) return core::Status::Unavailable("table busy [table=" + name_ + "]");
  if (current_ == nullptr)
    return core::Status::NotFound("table does not exist [table=" + name_ + "]");
  leased_ = true;
  if (!writer_) {
    lk.unlock();
    // Out of memory here must give the lease back like any other failure.
    std::unique_ptr<TableWriterImpl> w;
    core::Status st = core::Status::Ok();
    core::Status guard = core::RunGuarded("table writer", [&] {
      w = std::make_unique<TableWriterImpl>(this);
      st = w->Init();
    });
    if (!guard.ok()) st = guard;
    lk.lock();
    if (!st.ok()) {
      leased_ = false;
      cv_.notify_all();
      return st;
    }
    writer_ = std::move(w);
  }
  return writer_.get();
}

TableWriterImpl* TableHandle::TryAcquire() {
  std::unique_lock lk(mu_);
  if (leased_ || !writer_ || current_ == nullptr) return nullptr;
  leased_ = true;
  return writer_.get();
}

bool TableHandle::TryLease() {
  std::lock_guard lk(mu_);
  if (leased_ || waiting_writers_ > 0 || current_ == nullptr) return false;
  leased_ = true;
  return true;
}

void TableHandle::Release() {
  std::lock_guard lk(mu_);
  leased_ = false;
  cv_.notify_all();
}

core::Status TableHandle::Publish(TxnRecord record, const std::vector<std::string>& superseded,
                                  bool* published) {
  *published = false;
  for (auto& p : record.partitions) {
    p.dir_name = PartitionDirName(record.schema.partition_by, p.partition_start_us, p.name_txn);
  }
  const bool sync = engine_->options.commit_mode == CommitMode::kSync;
  core::FileSystem& fs = files_->fs();
  const std::string path = files_->Path(kTxnFileName);
  std::shared_lock publish_lock(engine_->publish_mu);
  auto previous = Current();
  FillColumnFiles(*files_, previous ? &previous->record : nullptr, &record);
  const std::string bytes = SerializeTxn(record);
  core::Status st = fs.ReplaceFile(path, bytes, sync);
  if (!st.ok()) {
    // The rename may have gone through before the failure (a failed directory sync). Put the
    // previous record back so that disk and memory agree on the last committed txn; if even
    // that fails, believe what the file holds.
    core::Status back = fs.ReplaceFile(path, SerializeTxn(previous->record), sync);
    if (back.ok()) return st;
    auto on_disk = fs.ReadFile(path);
    if (!on_disk.ok() || *on_disk != bytes) return st;
    core::LogError("could not restore txn after failed publish, keeping the new one [path=" + path +
                   ", error=" + back.ToString() + "]");
  }
  uint64_t txn = record.txn;
  auto next =
      std::make_shared<const TableView::State>(files_, name(), std::move(record), previous.get());
  {
    std::lock_guard lk(mu_);
    current_ = std::move(next);
    for (const auto& rel : superseded) garbage_.push_back({rel, txn});
  }
  *published = true;
  return st;
}

void TableHandle::Purge() {
  std::lock_guard run(engine_->purge_run_mu);
  if (engine_->purge_paused.load() > 0) return;
  std::vector<Garbage> todo;
  {
    std::lock_guard lk(mu_);
    if (garbage_.empty()) return;
    todo.swap(garbage_);
  }
  // A version superseded at txn T is needed only by pins older than T. New pins are always
  // taken at the current txn, so the oldest live pin only moves forward.
  std::optional<uint64_t> oldest = files_->OldestPin();
  std::vector<Garbage> keep;
  for (auto& g : todo) {
    if (oldest && *oldest < g.superseded_at_txn) {
      keep.push_back(std::move(g));
      continue;
    }
    core::Status st = files_->fs().RemoveAll(files_->Path(g.relative_path));
    if (!st.ok()) {
      core::LogWarn("could not purge [path=" + files_->Path(g.relative_path) +
                    ", error=" + st.ToString() + "]");
      keep.push_back(std::move(g));
    }
  }
  std::lock_guard lk(mu_);
  garbage_.insert(garbage_.end(), std::make_move_iterator(keep.begin()),
                  std::make_move_iterator(keep.end()));
}

bool TableHandle::TidySome(size_t max_entries) {
  if (!needs_tidy_.load()) return false;
  std::lock_guard run(engine_->purge_run_mu);
  if (engine_->purge_paused.load() > 0) return false;
  std::shared_ptr<const TableView::State> current = Current();
  if (!current) return false;
  std::optional<uint64_t> oldest = files_->OldestPin();
  if (oldest && *oldest < current->record.txn) return false;  // an older pin may read what goes
  const TxnRecord& record = current->record;
  // Entries are looked up by directory name, so a commit between calls (new entries, new
  // versions) neither repeats nor skips one; without a commit the walk goes on where it stopped.
  if (record.txn != tidy_txn_) tidy_next_ = 0;
  tidy_txn_ = record.txn;
  size_t done = 0;
  for (size_t i = tidy_next_; i + 1 < record.partitions.size(); ++i) {  // never the newest
    const std::string& dir_name = record.partitions[i].dir_name;
    if (tidied_.count(dir_name) != 0) continue;
    if (done == max_entries) {
      tidy_next_ = i;
      return true;
    }
    core::Status st = TidyEntry(files_->fs(), files_->dir(), record, i);
    if (!st.ok()) {
      core::LogError("table tidy found damage [table=" + name() + ", error=" + st.ToString() + "]");
    }
    tidied_.insert(dir_name);
    ++done;
  }
  needs_tidy_.store(false);
  tidied_.clear();
  return false;
}

void TableHandle::Detach() {
  std::shared_ptr<const TableView::State> old;
  std::lock_guard lk(mu_);
  old = std::move(current_);
  current_ = nullptr;
  writer_.reset();
  garbage_.clear();
}

}  // namespace sundial::cairo
