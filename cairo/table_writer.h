// cairo/table_writer.h — appends rows to one table and commits them atomically.
//
// One writer per table at a time (Engine::AcquireWriter hands out a lease; the lease returns
// the writer when destroyed, rolling back anything uncommitted). Not thread-safe: one thread
// uses a writer at a time.
//
// Rows are buffered in memory until Commit(). Commit writes column data (appending past the
// committed size of the newest partition, or writing new partition versions for out-of-order
// rows), then publishes a new txn record; the commit is visible entirely or not at all, after
// any crash. On any error Commit() leaves the table at its last committed state, discards the
// uncommitted rows, and returns the error (ENOSPC as kResourceExhausted).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairo/table_schema.h"
#include "core/status.h"

namespace sundial::cairo {

// One column of a batch for TableWriter::AppendBatch. Set `values` or `strings`; neither means
// the column is null in every row of the batch.
struct ColumnBatch {
  int column_index = -1;
  // Fixed-size types: row_count values in the column's storage type: BOOLEAN/BYTE int8,
  // SHORT int16, CHAR uint16, INT int32, LONG/DATE/TIMESTAMP int64, FLOAT float, DOUBLE double,
  // IPv4/UUID/LONG128/LONG256 in their storage layouts (cairo/column_text.h),
  // SYMBOL int32 keys returned by SymbolKey() (or kNullSymbolKey).
  const void* values = nullptr;
  // VARCHAR or SYMBOL: row_count strings; an entry whose data() is nullptr is null.
  const std::string_view* strings = nullptr;
};

class TableView;

// UPDATE: the full new contents of one column over all rows of one partition entry, in the
// column's storage form. Fixed-size types: `fixed` holds row_count values as in ColumnBatch
// (SYMBOL: int32 keys from TableWriter::SymbolKey, or kNullSymbolKey). VARCHAR: `var_ends`
// holds row_count end offsets into `var_bytes`, bit 63 set on null rows.
struct ColumnValues {
  int column = -1;
  std::vector<uint8_t> fixed;
  std::vector<uint64_t> var_ends;
  std::string var_bytes;
};

// Computes UPDATE's new values entry by entry (TableWriter::RewriteEntries).
class EntryRewriter {
 public:
  virtual ~EntryRewriter() = default;
  // For partition entry `entry` of `view` (the table as committed): the new contents of the
  // columns that change, or nothing when no row of the entry changes.
  virtual core::Status Rewrite(const TableView& view, size_t entry,
                               std::vector<ColumnValues>* out) = 0;
};

class TableWriter {
 public:
  virtual ~TableWriter() = default;

  virtual const std::string& table_name() const = 0;
  // The schema including columns added through this writer.
  virtual const TableSchema& schema() const = 0;

  // Starts a row. `timestamp_us` is the designated timestamp (ignored without one); a null
  // (kNullLong) designated timestamp is refused with InvalidArgument, as QuestDB does.
  virtual core::Status NewRow(int64_t timestamp_us) = 0;
  // Setters for the current row; a column not set reads as null. Type mismatches are the
  // caller's bug (checked in debug builds): use the setter that matches the column type.
  // PutLong serves BYTE/SHORT/INT/LONG/DATE/TIMESTAMP (narrowed), PutDouble FLOAT/DOUBLE.
  virtual void PutBool(int col, bool v) = 0;
  virtual void PutLong(int col, int64_t v) = 0;
  virtual void PutDouble(int col, double v) = 0;
  virtual void PutChar(int col, uint16_t v) = 0;
  virtual void PutSymbol(int col, std::string_view v) = 0;
  virtual void PutVarchar(int col, std::string_view v) = 0;  // VARCHAR, and BINARY's bytes
  virtual void PutNull(int col) = 0;
  // IPv4, UUID, LONG128, LONG256, GEOHASH: ColumnTypeSize bytes in the storage layout of
  // cairo/column_text.h (PutLong also serves IPv4, and GEOHASH with the executor's value:
  // its bits, or kNullLong). The default implementation ignores it.
  virtual void PutFixed(int col, const void* bytes) {}
  // Finishes the row (it becomes part of the uncommitted batch).
  virtual core::Status EndRow() = 0;
  // Drops the current unfinished row.
  virtual void CancelRow() = 0;

  // Fast path beside the row API (e.g. for line protocol): appends `row_count` finished rows
  // given column-wise; columns not listed are null. `timestamps_us` holds the designated
  // timestamps (ignored, may be null, without one). On error nothing of the batch is added.
  // The default implementation goes through the row API.
  virtual core::Status AppendBatch(const int64_t* timestamps_us, int64_t row_count,
                                   const ColumnBatch* columns, size_t column_count);
  // Key of `value` in the SYMBOL column `col`, adding it to the uncommitted dictionary if new
  // (for ColumnBatch::values of SYMBOL columns). InvalidArgument for a non-SYMBOL column.
  virtual core::Result<int32_t> SymbolKey(int col, std::string_view value);

  // Adds a column (ILP auto-creation). Committed with the next Commit(), or immediately if no
  // rows are pending. Errors: AlreadyExists, InvalidArgument (bad name).
  virtual core::Status AddColumn(std::string_view name, ColumnType type) = 0;

  virtual int64_t pending_row_count() const = 0;
  // Publishes all finished rows; returns the new txn. With nothing pending it is a no-op that
  // returns the current txn.
  virtual core::Result<uint64_t> Commit() = 0;
  // Discards all uncommitted rows (and uncommitted added columns).
  virtual void Rollback() = 0;

  // UPDATE: asks `rewriter` for every partition entry of the committed state in turn and writes
  // each entry it changes as a new version (`<partition>.<txn>`: the changed columns written
  // whole, the others copied), then publishes them all as one txn — visible entirely or not
  // at all. Rows, their order and timestamps stay as they are. Requires nothing pending.
  // Returns the new txn (the current one when nothing changed). On error the table is left at
  // its committed state. The default implementation returns Unsupported.
  virtual core::Result<uint64_t> RewriteEntries(EntryRewriter& rewriter);
};

// Exclusive lease on a table's writer; releases it (after Rollback()) on destruction.
class WriterLease {
 public:
  WriterLease() = default;
  WriterLease(TableWriter* writer, std::function<void()> release)
      : writer_(writer), release_(std::move(release)) {}
  WriterLease(WriterLease&& o) noexcept { *this = std::move(o); }
  WriterLease& operator=(WriterLease&& o) noexcept {
    if (this != &o) {
      Reset();
      writer_ = o.writer_;
      release_ = std::move(o.release_);
      o.writer_ = nullptr;
      o.release_ = nullptr;
    }
    return *this;
  }
  ~WriterLease() { Reset(); }
  TableWriter* operator->() const { return writer_; }
  TableWriter& operator*() const { return *writer_; }
  TableWriter* get() const { return writer_; }
  void Reset() {
    if (writer_) writer_->Rollback();
    if (release_) release_();
    writer_ = nullptr;
    release_ = nullptr;
  }

 private:
  TableWriter* writer_ = nullptr;
  std::function<void()> release_;
};

}  // namespace sundial::cairo
