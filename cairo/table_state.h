// cairo/table_state.h — TableView::State: one pinned txn of one table.
//
// Immutable after construction except for lazily built caches (column mappings, symbol
// tables), which are guarded by `mu_`. Registers its txn with TableFiles while alive, so purge
// keeps every file it references.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cairo/symbol_dictionary.h"
#include "cairo/table_files.h"
#include "cairo/table_view.h"
#include "cairo/txn_file.h"
#include "core/file_system.h"

namespace sundial::cairo {

struct TableView::State {
  // `previous` (may be null) lends its symbol tables where the committed count is unchanged,
  // and its checked column mappings of entries this record holds unchanged.
  State(std::shared_ptr<TableFiles> files, std::string table_name, TxnRecord record,
        const State* previous);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  core::Result<ColumnData> Column(size_t partition_index, int column_index) const;
  core::Result<ColumnData> ColumnRows(size_t partition_index, int column_index, int64_t lo,
                                      int64_t hi, DecodedRows* buffer) const;
  core::Result<const CompressedColumnReader*> CompressedColumn(size_t partition_index,
                                                               int column_index) const;
  core::Result<const SymbolTable*> Symbols(int column_index) const;
  size_t PartitionsRead() const;
  size_t BlocksDecoded() const { return blocks_decoded_.load(std::memory_order_relaxed); }
  // Every file the record references with its committed size; Corruption naming the table and
  // file when one the record needs is missing or its index cannot be read.
  core::Result<std::vector<CommittedFile>> CommittedFiles() const;

  std::shared_ptr<TableFiles> files;
  std::string table_name;
  TxnRecord record;
  int64_t row_count = 0;
  int64_t min_timestamp_us;
  int64_t max_timestamp_us;

 private:
  // Shared with later states whose record holds the same entry unchanged (ShareMappings).
  struct Mapping {
    bool ready = false;
    ColumnData column;
    std::shared_ptr<const core::MappedRegion> data;
    std::shared_ptr<const core::MappedRegion> index;
    // A compressed entry's column: the reader over `data` (the `.z` file's mapping), whose
    // blocks are decoded per call into the caller's buffer; `column` then has no pointers.
    std::shared_ptr<const CompressedColumnReader> reader;
  };
  // Called by the constructor with `previous` locked.
  void ShareMappings(const State& previous);
  // The column's mapping, mapped and checked on first use (counts the entry as read). The
  // mapping is never changed or dropped once ready, so the pointer outlives the lock.
  core::Result<const Mapping*> FindMapping(size_t partition_index, int column_index) const;
  core::Status MapColumn(size_t partition_index, int column_index, Mapping* m) const;
  // MapColumn for a compressed entry: maps `<stem>.z` and checks its header, index and footer
  // (CompressedColumnReader::Open); nothing is decoded.
  core::Status OpenCompressed(size_t partition_index, int column_index, Mapping* m) const;
  // ColumnRows of a compressed entry: decodes the blocks holding rows [lo, hi).
  core::Result<ColumnData> DecodeRows(size_t partition_index, int column_index,
                                      const CompressedColumnReader& reader, int64_t lo, int64_t hi,
                                      DecodedRows* buffer) const;
  // Decodes block `b` in the uncompressed file's layout into `out` (fixed-size types), checking
  // SYMBOL keys against this state's dictionary; errors name the table, file and block.
  core::Status DecodeNativeBlock(size_t partition_index, int column_index,
                                 const CompressedColumnReader& reader, size_t b, void* out) const;
  // Corruption naming the table and the file (`relative` to the table directory).
  core::Status Damaged(const std::string& relative, std::string_view why) const;

  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, Mapping> mappings_;  // key: partition * columns + column
  mutable std::vector<std::shared_ptr<FrozenSymbolTable>> symbols_;
  mutable std::vector<bool> partition_read_;  // by partition index (PartitionsRead)
  mutable size_t partitions_read_ = 0;
  mutable std::atomic<size_t> blocks_decoded_{0};
};

// Sets `next`'s PartitionInfo::column_files for every entry, so the published `_txn` says which
// column files each entry holds: copied from `previous` (may be null) for an entry it holds
// unchanged (same directory and row count, by file stem), otherwise from the files present in
// the entry's directory. Called by the writer at publish, after every file is written.
void FillColumnFiles(const TableFiles& files, const TxnRecord* previous, TxnRecord* next);

}  // namespace sundial::cairo
