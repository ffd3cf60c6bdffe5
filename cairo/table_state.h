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
  // `previous` (may be null) lends its symbol tables where the committed count is unchanged.
  State(std::shared_ptr<TableFiles> files, std::string table_name, TxnRecord record,
        const State* previous);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  core::Result<ColumnData> Column(size_t partition_index, int column_index) const;
  const SymbolTable* Symbols(int column_index) const;
  // Committed byte sizes of a partition's column files; nullopt when the file does not exist
  // (column added after the partition was written).
  std::vector<CommittedFile> CommittedFiles() const;

  std::shared_ptr<TableFiles> files;
  std::string table_name;
  TxnRecord record;
  int64_t row_count = 0;
  int64_t min_timestamp_us;
  int64_t max_timestamp_us;

 private:
  struct Mapping {
    bool ready = false;
    ColumnData column;
    std::unique_ptr<core::MappedRegion> data;
    std::unique_ptr<core::MappedRegion> index;
  };
  core::Status MapColumn(size_t partition_index, int column_index, Mapping* m) const;

  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, Mapping> mappings_;  // key: partition * columns + column
  mutable std::vector<std::shared_ptr<FrozenSymbolTable>> symbols_;
};


}  // namespace sundial::cairo
