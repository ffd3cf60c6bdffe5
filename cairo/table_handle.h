// cairo/table_handle.h — the engine's record of one open table: its current committed state,
// its writer lease, and the files its past txns superseded (deleted by Purge once no pin needs
// them). Internal to cairo/.
//
// Thread-safety: all methods are thread-safe. Publish() and Purge() are called by the lease
// holder only, so commits and deletions of one table never race.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "cairo/table_files.h"
#include "cairo/table_state.h"
#include "cairo/txn_file.h"

namespace sundial::cairo {

class TableWriterImpl;

// State shared by the engine, its table handles and their writers (outlives the Engine object
// while leases are held).
struct EngineShared {
  std::shared_ptr<core::FileSystem> fs;
  EngineOptions options;
  // Publishing a txn takes it shared; PinAll takes it exclusively so that no commit lands
  // between the first and the last pin.
  std::shared_mutex publish_mu;
  std::atomic<int> purge_paused{0};
  // Held by every purge while it deletes; PausePurge takes it once, so it returns only after a
  // deletion under way has finished.
  std::mutex purge_run_mu;
  // Engine::counters(): added to by every successful TableWriter::Commit (relaxed).
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> committed_rows{0};
  // Added to by every published seal (cairo/partition_seal.h; relaxed).
  std::atomic<uint64_t> partitions_sealed{0};
  std::atomic<uint64_t> sealed_raw_bytes{0};
  std::atomic<uint64_t> sealed_compressed_bytes{0};
};

class TableHandle {
 public:
  TableHandle(std::shared_ptr<EngineShared> engine, std::string name,
              std::shared_ptr<TableFiles> files, TxnRecord record);
  ~TableHandle();

  std::string name() const;
  void set_name(std::string name);
  const std::shared_ptr<TableFiles>& files() const { return files_; }
  EngineShared& engine() const { return *engine_; }
  std::shared_ptr<const TableView::State> Current() const;

  // Waits up to `timeout_ms` for the writer; Unavailable "table busy" on timeout.
  core::Result<TableWriterImpl*> Acquire(int64_t timeout_ms);
  // Non-blocking variant for housekeeping; nullptr if leased.
  TableWriterImpl* TryAcquire();
  // Takes the lease without a writer (housekeeping of a table no writer opened since start);
  // false if leased, dropped, or a writer is waiting in Acquire (housekeeping yields to it).
  // Release() gives it back.
  bool TryLease();
  void Release();

  // Lease holder only. Writes `record` as the new `_txn` and makes it current. Paths in
  // `superseded` (relative to the table dir) are deleted by Purge once no pin older than
  // `record.txn` remains. On error the previous txn stays current (and on disk), except when
  // `*published` comes back true: then the new txn is on disk and current despite the error.
  core::Status Publish(TxnRecord record, const std::vector<std::string>& superseded,
                       bool* published);
  // Lease holder only: deletes superseded files no pin needs (nothing while purge is paused).
  void Purge();
  // Engine::Open recovered only the table's newest partition entry (RecoveryScope); this marks
  // the rest as still to be tidied.
  void MarkNeedsTidy() { needs_tidy_.store(true); }
  // Set from the open until TidySome has tidied every entry (never set again): until then a
  // directory no txn references may be removed under a writer that is not the lease holder (a
  // seal's staging).
  bool needs_tidy() const { return needs_tidy_.load(); }
  // Lease holder only (the engine's purge): after such an open, recovers the entries other than
  // the current newest one (TidyEntry: tails past entries' committed rows, files of columns the
  // txn does not list), at most `max_entries` per call, so that a writer waits for the lease no
  // longer than that many entries take. Returns true while entries remain to be tidied now;
  // false when done, or when it cannot go on yet (a pin older than the current txn is live, so
  // what it would remove may still be read; purge is paused): a later call goes on. Damage
  // found is logged and the entry left as it is; queries report it when they read the file.
  bool TidySome(size_t max_entries);
  // The table was dropped: forget the current state so only outside pins remain.
  void Detach();

 private:
  struct Garbage {
    std::string relative_path;
    uint64_t superseded_at_txn;
  };

  std::shared_ptr<EngineShared> engine_;
  std::shared_ptr<TableFiles> files_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string name_;
  bool leased_ = false;
  std::unique_ptr<TableWriterImpl> writer_;
  std::shared_ptr<const TableView::State> current_;
  std::vector<Garbage> garbage_;
  int waiting_writers_ = 0;  // in Acquire, waiting for the lease (under mu_)
  std::atomic<bool> needs_tidy_{false};
  // TidySome's progress (lease holder only): entries done, by directory name, and where in the
  // record of txn `tidy_txn_` the last call stopped.
  std::set<std::string> tidied_;
  uint64_t tidy_txn_ = 0;
  size_t tidy_next_ = 0;
};

}  // namespace sundial::cairo
