// http/ilp_ingest.h — applies parsed line-protocol lines to tables: auto-creates tables (tags →
// SYMBOL, floats → DOUBLE, integers → LONG, strings → VARCHAR, booleans → BOOLEAN, `t` fields →
// TIMESTAMP, designated timestamp `timestamp`, PARTITION BY from line.default.partition.by) and
// columns, checks types against existing columns, and appends rows to writer leases held for
// the batch. Nothing is visible until CommitAll(); RollbackAll() discards everything pending.
//
// One IlpBatch per HTTP request (atomic) or per TCP ingest thread. Not thread-safe. Column
// indexes are cached per table per batch (by position in the line, then by name), so the hot
// path does no hashing and no allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cairo/engine.h"
#include "http/line_protocol.h"

namespace sundial::http {

struct IlpIngestOptions {
  cairo::PartitionBy partition_by = cairo::PartitionBy::kDay;
  int64_t writer_wait_ms = 5000;  // how long to wait for a busy table's writer
};

class IlpBatch {
 public:
  IlpBatch(cairo::Engine* engine, IlpIngestOptions options);
  ~IlpBatch();

  // Appends one row. `timestamp_us` is the designated timestamp (already converted). Errors:
  // InvalidArgument (bad name, type mismatch; the row is not appended), Unavailable (table
  // busy), ResourceExhausted / IOError from the engine.
  core::Status Append(const IlpLine& line, int64_t timestamp_us);
  // Same, for a line whose values are stored elsewhere (values[0..n)).
  core::Status Append(std::string_view table, const IlpValue* values, size_t n,
                      int64_t timestamp_us);
  // Commits every table with pending rows. On the first failure the rest are rolled back and
  // the error returned (tables committed before it stay committed).
  core::Status CommitAll();
  void RollbackAll();
  // Rolls back and returns every writer lease.
  void ReleaseAll();
  int64_t pending_rows() const { return pending_rows_; }
  int64_t committed_rows() const { return committed_rows_; }

 private:
  struct CachedColumn {
    std::string name;
    int index = -1;
    cairo::ColumnType type = cairo::ColumnType::kDouble;
  };
  struct TableState {
    std::string name;
    cairo::WriterLease lease;
    std::vector<CachedColumn> by_position;  // column for the k-th value of the last line
    int timestamp_index = -1;
    int64_t pending = 0;
  };

  core::Result<TableState*> GetTable(std::string_view table, const IlpValue* values, size_t n);
  core::Result<cairo::WriterLease> AcquireWriter(const std::string& name);
  core::Result<int> ResolveColumn(TableState* t, size_t position, const IlpValue& v);
  core::Status PutValue(cairo::TableWriter* w, int col, cairo::ColumnType type,
                        const IlpValue& v, const TableState& t);

  cairo::Engine* engine_;
  IlpIngestOptions options_;
  std::vector<std::unique_ptr<TableState>> tables_;
  TableState* last_ = nullptr;
  int64_t pending_rows_ = 0;
  int64_t committed_rows_ = 0;
};

}  // namespace sundial::http
