// cairo/table_state.h — TableView::State: one pinned txn of one table.
//
// Immutable after construction except for lazily built caches (column mappings, symbol
// tables), which are guarded by `mu_`. Registers its txn with TableFiles while alive, so purge
// keeps every file it references.
#pragma once

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
  core::Result<const SymbolTable*> Symbols(int column_index) const;
  size_t PartitionsRead() const;
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
    // A compressed entry's column, decoded: what `column` points into instead of a mapping.
    std::shared_ptr<const std::vector<uint64_t>> decoded_data;
    std::shared_ptr<const std::vector<uint64_t>> decoded_index;
  };
  // Called by the constructor with `previous` locked.
  void ShareMappings(const State& previous);
  core::Status MapColumn(size_t partition_index, int column_index, Mapping* m) const;
  // MapColumn for a compressed entry: decodes `<stem>.z` whole into memory the mapping owns,
  // giving the same ColumnData as the uncompressed files would.
  core::Status DecodeColumn(size_t partition_index, int column_index, Mapping* m) const;
  // Corruption naming the table and the file (`relative` to the table directory).
  core::Status Damaged(const std::string& relative, std::string_view why) const;

  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, Mapping> mappings_;  // key: partition * columns + column
  mutable std::vector<std::shared_ptr<FrozenSymbolTable>> symbols_;
  mutable std::vector<bool> partition_read_;  // by partition index (PartitionsRead)
  mutable size_t partitions_read_ = 0;
};

// Sets `next`'s PartitionInfo::column_files for every entry, so the published `_txn` says which
// column files each entry holds: copied from `previous` (may be null) for an entry it holds
// unchanged (same directory and row count, by file stem), otherwise from the files present in
// the entry's directory. Called by the writer at publish, after every file is written.
void FillColumnFiles(const TableFiles& files, const TxnRecord* previous, TxnRecord* next);

}  // namespace sundial::cairo
