// http/ilp_ingest.h — applies parsed line-protocol lines to tables: auto-creates tables (tags →
// SYMBOL, floats → DOUBLE, integers → LONG, strings → VARCHAR, booleans → BOOLEAN, `t` fields →
// TIMESTAMP, designated timestamp `timestamp`, PARTITION BY from line.default.partition.by) and
// columns, checks types against existing columns, and appends rows. Nothing is visible until
// CommitAll(); RollbackAll() discards everything pending.
//
// Rows are staged column-wise in the batch, without touching the table's writer: values keep
// their line-protocol type (one staged column per name and type), tags are deduplicated into a
// small dictionary per column. Every check that can refuse a line (names, types against the
// table's schema, integer ranges) runs in Append(), so a refused line is reported with its own
// line number and leaves nothing behind. The writer is leased only to move staged rows in
// (TableWriter::AppendBatch: at CommitAll(), or once a table has `flush_rows` rows staged) and
// is then held until the batch commits or rolls back. So concurrent requests to one table parse
// and stage in parallel and hold its writer only briefly.
//
// One IlpBatch per HTTP request (atomic) or per TCP ingest thread. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "http/line_protocol.h"

namespace sundial::http {

// Whether values of line-protocol type `from` can be stored in a column of type `to` at all
// (per-value checks — integer ranges, one-character CHAR — come on top).
bool IlpTypeFits(IlpType from, cairo::ColumnType to);
// QuestDB's refusal of a value whose line-protocol type does not fit the column.
core::Status IlpCastError(IlpType from, std::string_view column, cairo::ColumnType type,
                          std::string_view table);

struct IlpIngestOptions {
  cairo::PartitionBy partition_by = cairo::PartitionBy::kDay;
  int64_t writer_wait_ms = 5000;  // how long to wait for a busy table's writer
  int64_t flush_rows = 65536;     // staged rows of one table before they move into its writer
};

class IlpBatch {
 public:
  IlpBatch(cairo::Engine* engine, IlpIngestOptions options);
  ~IlpBatch();
  IlpBatch(const IlpBatch&) = delete;
  IlpBatch& operator=(const IlpBatch&) = delete;

  // Appends one row. `timestamp_us` is the designated timestamp (already converted). Errors:
  // InvalidArgument (bad name, type mismatch, value out of range; the row is not appended,
  // rows before it stay pending), and, when the row fills a table's staging, whatever moving
  // the staged rows into the writer returns (Unavailable: table busy; ResourceExhausted,
  // IOError from the engine).
  core::Status Append(const IlpLine& line, int64_t timestamp_us);
  // Same, for a line whose values are stored elsewhere (values[0..n)).
  core::Status Append(std::string_view table, const IlpValue* values, size_t n,
                      int64_t timestamp_us);
  // The fast path for a line laid out as the previous line appended to the same table (same
  // table spelling, the same tags and fields in the same order, tags and plain decimal fields
  // only, no escapes, no quotes): parses the line at `p` straight into the staging. Returns
  // false, having staged nothing, for any line it does not take — parse that one with
  // LineParser and Append() it. On true, `*next` is past the line's '\n' and `*status` is
  // what Append() would have returned for it (Ok, or the error of moving a full staging into
  // the writer). A line without a timestamp gets `now_us`.
  bool AppendLikeLast(char* p, char* end, IlpPrecision precision, int64_t now_us, char** next,
                      core::Status* status);
  // Moves every staged row into `target`'s writers (leasing them for `target`, creating tables
  // and columns as Flush does), in the order staged; `target` then commits or rolls them back
  // with its own. Lets parts of one request be parsed by separate batches in parallel and
  // committed together. On error, what moved so far stays with `target` (roll it back).
  core::Status MoveInto(IlpBatch* target);
  // The staged columns holding values: table, name, line-protocol type, and the column type
  // they were checked against (the table's, or the one a new column gets).
  struct StagedColumn {
    std::string table;
    std::string column;
    IlpType type;
    cairo::ColumnType target;
  };
  std::vector<StagedColumn> StagedColumns() const;
  // Commits every table with pending rows. On the first failure the rest are rolled back and
  // the error returned (tables committed before it stay committed).
  core::Status CommitAll();
  void RollbackAll();
  // Rolls back and returns every writer lease.
  void ReleaseAll();
  int64_t pending_rows() const { return pending_rows_; }
  int64_t committed_rows() const { return committed_rows_; }

 private:
  struct LocalColumn;
  struct TableState;
  struct FastLayout;

  // Brings `t`'s fast layout in line with the line Append() just staged (`n` values).
  void NoteLayout(TableState* t, size_t n);

  core::Result<TableState*> GetTable(std::string_view table);
  core::Result<cairo::WriterLease> AcquireWriter(const std::string& name);
  // The staged column for the k-th value of a line (`position` = k) when the by-position cache
  // missed: found by name and type, or created (checked against the table).
  core::Result<LocalColumn*> ResolveColumn(TableState* t, size_t position, const IlpValue& v);
  core::Result<LocalColumn*> NewColumn(TableState* t, const IlpValue& v);
  // Moves the table's staged rows into its writer (leasing it first).
  core::Status Flush(TableState* t);
  // Moves `t`'s staged rows into the writer `owner` holds (leasing it first): `owner` is `t`,
  // or the same table's state in the batch of MoveInto().
  core::Status FlushTo(TableState* t, TableState* owner);
  void ClearStaging(TableState* t);
  // An emptied staged column kept by ReleaseAll() (of `type` if there is one), or a new one.
  std::unique_ptr<LocalColumn> TakeSpareColumn(IlpType type);

  cairo::Engine* engine_;
  IlpIngestOptions options_;
  std::vector<std::unique_ptr<TableState>> tables_;
  TableState* last_ = nullptr;
  int64_t pending_rows_ = 0;
  int64_t committed_rows_ = 0;
  // Staging of released tables, emptied but keeping its capacity (a TCP ingest thread releases
  // its tables after every commit and stages the same columns again).
  static constexpr size_t kMaxSpareBytes = size_t{64} << 20;
  std::vector<std::unique_ptr<LocalColumn>> spare_columns_;
  size_t spare_bytes_ = 0;
  std::vector<int64_t> spare_timestamps_;
};

}  // namespace sundial::http
