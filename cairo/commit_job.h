// cairo/commit_job.h — writes one commit's column data: appends past the committed size of
// the newest partition, creates new partitions, and rewrites partitions hit by out-of-order
// rows as new versions (`<name>.<txn>`). Never writes into committed bytes.
//
// Failure: the job remembers what it extended and created; Undo() truncates files back to
// their committed sizes and removes what it created, so the table stays at its committed
// state. Used by the writer-lease holder (TableWriterImpl), and by the partition seal
// (cairo/partition_seal.h) to write a new partition version's files into a staging directory
// without the lease (WriteConvertedFiles only). Not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairo/table_files.h"
#include "cairo/table_state.h"
#include "cairo/table_writer.h"
#include "cairo/txn_file.h"

namespace sundial::cairo {

// An out-of-order commit splits a partition entry only while the partition has fewer entries
// than this (EngineOptions::o3_split_min_rows says when it does).
inline constexpr int64_t kMaxPartitionSplits = 64;

// The writer's uncommitted rows, column-wise, in arrival order.
struct PendingColumnView {
  ColumnType type = ColumnType::kDouble;
  // Fixed types: row_count values. VARCHAR: row_count uint64 end offsets into `var_bytes`,
  // bit 63 set for null rows.
  const uint8_t* data = nullptr;
  const uint8_t* var_bytes = nullptr;
};

struct PendingBatch {
  int64_t row_count = 0;
  const int64_t* timestamps = nullptr;  // designated timestamps; null without one
  bool is_sorted = true;
  int64_t min_timestamp_us = 0;
  int64_t max_timestamp_us = 0;
  std::vector<PendingColumnView> columns;  // parallel to the new record's schema
};

class CommitJob {
 public:
  // `committed` is the table's current state; `record` starts as the record to publish (new
  // txn number and schema set) and gets its partitions updated.
  // `split_min_rows`: EngineOptions::o3_split_min_rows.
  CommitJob(TableFiles& files, const TableView::State& committed, bool sync,
            int64_t split_min_rows = 4096);

  // Writes the batch's rows into partitions and updates `record->partitions`. Old partition
  // versions replaced by rewrites are added to `superseded`.
  core::Status WriteRows(const PendingBatch& batch, TxnRecord* record,
                         std::vector<std::string>* superseded);
  // UPDATE: writes a new version of the committed entry `committed_index` with the same rows:
  // the columns in `values` hold the given contents, every other column is copied as it is (a
  // column without a file in the entry stays without one and reads as null). `part`, the
  // entry in the record to publish, gets the new directory.
  core::Status ReplaceEntry(size_t committed_index, const std::vector<ColumnValues>& values,
                            uint64_t txn, PartitionInfo* part);
  // CONVERT PARTITION: writes a new version of the committed entry `committed_index` with the
  // same rows, its column files compressed (`<stem>.z`) when `compress`, else uncompressed
  // (`.d`/`.i`). `part`, the entry in the record to publish, gets the new directory and state.
  core::Status ConvertEntry(size_t committed_index, bool compress, uint64_t txn,
                            PartitionInfo* part);
  // What WriteConvertedFiles read and wrote: the entry's column files as uncompressed bytes
  // (`.d` + `.i`), and the bytes of the files it wrote.
  struct ConvertedBytes {
    uint64_t raw_bytes = 0;
    uint64_t written_bytes = 0;
  };
  // The files of ConvertEntry — every column of committed entry `committed_index`, compressed
  // or not — written into the existing directory `dir` (relative to the table). Touches
  // nothing else, so it needs no lease when `dir` is a directory only its caller uses. Stops
  // with Cancelled between columns once `*cancel` is set.
  core::Status WriteConvertedFiles(size_t committed_index, bool compress, const std::string& dir,
                                   ConvertedBytes* bytes = nullptr,
                                   const std::atomic<bool>* cancel = nullptr);
  // Lease holder: makes `staged` (a directory WriteConvertedFiles filled from the committed
  // entry `committed_index`, the same entry in this job's committed state) the entry's new
  // version: renamed to the `<partition>.<n>` ConvertEntry would have chosen; removed again by
  // Undo(). `part`, the entry in the record to publish, gets the new directory and state.
  core::Status AdoptConvertedEntry(size_t committed_index, bool compress,
                                   const std::string& staged, uint64_t txn, PartitionInfo* part);
  // Appends `bytes` to the table-level file `name` at `committed_size`.
  core::Status AppendTableFile(const std::string& name, uint64_t committed_size,
                               std::string_view bytes);
  // Syncs the table directory if partitions were created (kSync).
  core::Status Finish();
  // Restores the committed state on disk after a failure. Best effort; logs what it cannot do
  // (recovery at the next open cleans it up).
  void Undo();

 private:
  struct RowSel {  // rows of the batch: idx[begin..end) or, with idx null, begin..end
    const uint32_t* idx;
    int64_t begin, end;
    int64_t size() const { return end - begin; }
    int64_t at(int64_t k) const { return idx != nullptr ? idx[begin + k] : begin + k; }
  };

  // `is_new_dir`: the partition directory was created by this job (no undo per file).
  core::Status AppendRows(PartitionInfo* part, const PendingBatch& b, RowSel rows,
                          bool is_new_dir = false);
  core::Status NewPartition(PartitionInfo* part, const PendingBatch& b, RowSel rows, uint64_t txn);
  // Merges `rows` into the committed entry `committed_index` (`part` in the new record): a new
  // version of the entry, or, when `may_split` and most of the entry precedes the new rows,
  // a cut of the entry plus a new entry `*split` after it (*did_split set).
  core::Status RewritePartition(size_t committed_index, PartitionInfo* part, const PendingBatch& b,
                                RowSel rows, uint64_t txn, bool may_split, PartitionInfo* split,
                                bool* did_split);
  core::Status AppendColumn(const PartitionInfo& part, int col, const PendingBatch& b, RowSel rows,
                            bool is_new_dir);
  core::Status EnsureColumnFile(const PartitionInfo& part, int col, ColumnType type);
  // Writes at `offset` (reserving space first). Unless `is_new_dir`, remembers `offset` as the
  // committed size to truncate back to on Undo().
  core::Status WriteFile(const std::string& rel, uint64_t offset, const void* data, size_t n,
                         bool is_new_dir);
  core::Status WriteWholeFile(const std::string& rel, const void* data, size_t n);
  core::Status ChoosePartitionDir(PartitionInfo* part, uint64_t txn, bool force_version);
  // The name ChoosePartitionDir gives (sets dir_name and name_txn), without creating it.
  void PickPartitionDir(PartitionInfo* part, uint64_t txn, bool force_version) const;
  // Copies the first `n` bytes of file `from` to the new file `to` (paths relative to the table).
  core::Status CopyPrefix(const std::string& from, const std::string& to, uint64_t n);
  // CopyPrefix from the committed entry `old`, or, when `old` is compressed, the first `n`
  // bytes at `decoded` (its column as TableView::Column gives it) written to `to`.
  core::Status CopyKept(const PartitionInfo& old, const std::string& from, const std::string& to,
                        const void* decoded, uint64_t n);
  core::Status MakeDir(const std::string& rel);

  TableFiles& files_;
  const TableView::State& committed_;
  bool sync_;
  int64_t split_min_rows_;
  std::vector<std::pair<std::string, uint64_t>> truncate_on_undo_;
  std::vector<std::string> remove_on_undo_;
  std::vector<std::string> stems_;  // file stems of the record's columns
  std::vector<std::string> created_dirs_list_;
};

}  // namespace sundial::cairo
