// cairo/table_view.h — a reader's pinned, immutable view of one table at one committed txn.
//
// A TableView is cheap to copy (it shares one pinned state). While any copy lives, every file
// and byte range the txn references stays exactly as it was: writers append past it or write
// new partition versions, and the purge job deletes nothing a live pin needs. Views are
// thread-safe for concurrent reads (queries scan partitions on several threads).
//
// Column data is read through read-only mmaps of the committed byte ranges, created lazily on
// first access and cached inside the view's shared state. A compressed entry's column is read
// block by block (ColumnRows): the state caches its mapping and checked block index, never its
// decoded values, which live in the caller's DecodedRows for as long as the caller keeps them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/compressed_column.h"
#include "cairo/table_schema.h"
#include "core/status.h"

namespace sundial::cairo {

struct PartitionInfo {
  int64_t partition_start_us = 0;  // PartitionFloor of its rows (0 for NONE)
  int64_t row_count = 0;
  int64_t min_timestamp_us = 0;  // of its rows (designated timestamp); 0 without one
  int64_t max_timestamp_us = 0;
  uint64_t name_txn = 0;  // version suffix: directory is "<name>" if 0, "<name>.<n>"
  std::string dir_name;   // e.g. "2026-11-21" or "2026-11-21.17"
  // Which columns (by schema index) have files in this entry. Empty when the record does not
  // say (a `_txn` of format version 1): then a missing file reads as all null, as it always
  // did; otherwise a column without files reads as all null and a missing file of a column
  // with files is Corruption.
  std::vector<bool> column_files;
  // The entry's column files are compressed (`<stem>.z`, FORMAT.md "Compressed column files")
  // instead of `.d`/`.i`. Never the entry that in-order appends go to: a commit that writes
  // rows into a compressed entry writes a new, uncompressed version of it.
  bool is_compressed = false;
  bool knows_column_files() const { return !column_files.empty(); }
};

// One column of one partition. For fixed-size types `data` points at row_count values of
// ColumnTypeSize(type) bytes. For VARCHAR, `varchar_index` holds row_count+1 uint64 entries:
// entry[0] is 0 and entry[k+1] is the end offset of row k in `data`, with bit 63 set when row
// k is null; row k's bytes are data[entry[k] & kOffsetMask .. entry[k+1] & kOffsetMask).
// A column added after the partition was written reads as all nulls: `is_all_null` is true and
// the pointers are null.
struct ColumnData {
  ColumnType type = ColumnType::kDouble;
  int64_t row_count = 0;
  const void* data = nullptr;
  const uint64_t* varchar_index = nullptr;
  bool is_all_null = false;

  static constexpr uint64_t kNullBit = 1ull << 63;
  static constexpr uint64_t kOffsetMask = ~kNullBit;
  template <typename T>
  const T* values() const {
    return static_cast<const T*>(data);
  }
  bool IsVarcharNull(int64_t row) const { return (varchar_index[row + 1] & kNullBit) != 0; }
  std::string_view Varchar(int64_t row) const {
    uint64_t b = varchar_index[row] & kOffsetMask, e = varchar_index[row + 1] & kOffsetMask;
    return {static_cast<const char*>(data) + b, static_cast<size_t>(e - b)};
  }
};

// Where TableView::ColumnRows puts the rows it decodes from a compressed entry. One per caller
// (or per worker thread), reused from call to call: each call overwrites what the previous one
// returned. Holds at most the rows of one call plus one block.
struct DecodedRows {
  std::vector<uint64_t> data;   // fixed-size values (8-byte aligned)
  std::vector<char> text;       // VARCHAR bytes
  std::vector<uint64_t> index;  // VARCHAR index entries (ColumnData::varchar_index)
  std::vector<uint64_t> block;  // one block, when the rows asked for cut it
  VarcharBlock varchar;
};

// A SYMBOL column's dictionary as of the pinned txn: keys 0..size()-1.
class SymbolTable {
 public:
  virtual ~SymbolTable() = default;
  virtual int32_t size() const = 0;
  virtual std::string_view Value(int32_t key) const = 0;  // key in [0, size())
  // Key of `value`, or kNullSymbolKey if the dictionary (as pinned) does not hold it.
  virtual int32_t Find(std::string_view value) const = 0;
};

// A file the pinned txn references, with the committed byte length of it (what a backup
// copies). Paths are relative to the table directory.
struct CommittedFile {
  std::string relative_path;  // "2026-11-21/price.d", "sym.sym", ...
  uint64_t committed_size = 0;
};

class TableView {
 public:
  struct State;  // defined by the engine
  TableView() = default;
  explicit TableView(std::shared_ptr<const State> state) : state_(std::move(state)) {}

  bool valid() const { return state_ != nullptr; }
  const std::string& table_name() const;
  uint32_t table_id() const;
  uint64_t txn() const;
  const TableSchema& schema() const;
  int64_t row_count() const;
  // Of the designated timestamp; kNullLong on an empty table or one without it.
  int64_t min_timestamp_us() const;
  int64_t max_timestamp_us() const;

  // Partitions in ascending time order.
  const std::vector<PartitionInfo>& partitions() const;
  // Maps the column of an uncompressed entry; the pointers stay valid while this view (or a
  // copy) lives. Checked when first mapped: a file shorter than committed, VARCHAR index
  // offsets that do not ascend, a SYMBOL key outside the dictionary, or a missing file the
  // `_txn` says the entry holds is Corruption naming the table and file (so scans may index
  // with what they read). A compressed entry's column holding a file is InvalidArgument: it
  // is read with ColumnRows.
  core::Result<ColumnData> Column(size_t partition_index, int column_index) const;
  // Rows [lo, hi) of the column (0 <= lo <= hi <= the entry's row_count, else
  // InvalidArgument) as ColumnData of hi - lo rows whose row 0 is row `lo`. Of an uncompressed
  // entry: a view of Column()'s mapping, `buffer` unused. Of a compressed entry: only the
  // blocks that hold rows [lo, hi) are decoded, into `*buffer` (valid until its next use);
  // each block's CRC32C is checked as it is decoded, and damage, or a SYMBOL key outside the
  // dictionary, is Corruption naming the table, the file (partition and column) and the block.
  core::Result<ColumnData> ColumnRows(size_t partition_index, int column_index, int64_t lo,
                                      int64_t hi, DecodedRows* buffer) const;
  // Of a compressed entry: the reader of the column's `.z` file (its header, index and footer
  // checked; mapped on first use and cached like a mapping), for the blocks' row ranges and
  // min/max without decoding; decode through ColumnRows, which checks and counts. nullptr for
  // an uncompressed entry or a column without a file in the entry (all null).
  core::Result<const CompressedColumnReader*> CompressedColumn(size_t partition_index,
                                                               int column_index) const;
  // How many partition entries Column() has been asked for, distinct, by any copy of this
  // view and by views of the same txn pinned meanwhile (they share one state). For tests that
  // check what a query reads (LATEST ON stops early); not a cache statistic.
  size_t PartitionsRead() const;
  // How many compressed blocks ColumnRows has decoded for this state (any copy of the view,
  // any thread), counting a block again each time it is decoded. For tests that check what a
  // query decodes; not a cache statistic.
  size_t BlocksDecoded() const;
  // SYMBOL column: false when no committed row holds a NULL key (so the dictionary's keys
  // are all the values it can hold); true when it may, or for other columns.
  bool MayHoldNullKey(int column_index) const;
  // Dictionary of a SYMBOL column as pinned (never null on success); InvalidArgument for other
  // types, Corruption naming the table and file when `.sym` is missing or damaged.
  core::Result<const SymbolTable*> Symbols(int column_index) const;

  // For backup and snapshot: every file this txn references with its committed size, and the
  // serialized txn record (the table's `_txn` file contents as of this pin). Corruption naming
  // the table and file when a file the record needs is missing or unreadable.
  core::Result<std::vector<CommittedFile>> CommittedFiles() const;
  std::string SerializedTxn() const;

  const std::shared_ptr<const State>& state() const { return state_; }

 private:
  std::shared_ptr<const State> state_;
};

}  // namespace sundial::cairo
