// sql/operator.h — the pull-based physical operators of the executor.
//
// Each operator produces batches of at most ~kBatchRows rows through Next(). Batches returned
// by Next() stay valid until the next call on the same operator (they may view the child's
// data or pinned table storage). Operators that must see all input first (sort, group by,
// joins' build sides) materialise it. An operator tree is used by one thread at a time; the
// few operators that run work in parallel (aggregation over table partitions) join their
// threads before Next() returns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cairo/table_view.h"
#include "core/status.h"
#include "sql/expr.h"
#include "sql/interval.h"
#include "sql/query_budget.h"
#include "sql/vector.h"

namespace sundial::sql {

class Operator;

// What EXPLAIN prints for one operator (sql/README.md, "EXPLAIN"): its name and settings on one
// line, details on the lines below it, and the operators it reads from, printed beneath it.
struct ExplainNode {
  std::string line;
  std::vector<std::string> details;
  std::vector<const Operator*> inputs;
};

class Operator {
 public:
  virtual ~Operator() = default;
  const std::vector<ColInfo>& columns() const { return cols_; }
  // The designated timestamp column of the output, or -1.
  int timestamp_index() const { return ts_index_; }
  void set_timestamp_index(int k) { ts_index_ = k; }
  void set_qualifier(const std::string& q) {
    for (auto& c : cols_) c.qualifier = q;
  }
  // Fills `out` with the next rows (out->n > 0) and returns true, or returns false at the end.
  virtual core::Result<bool> Next(Batch* out) = 0;
  // What this operator does, for EXPLAIN; callable before Next() and without reading data.
  virtual ExplainNode Explain() const = 0;

 protected:
  std::vector<ColInfo> cols_;
  int ts_index_ = -1;
};
using OpPtr = std::unique_ptr<Operator>;

// A scan of one pinned table. `needed` (shared with the binder) says which columns to load;
// the others stay empty. `intervals` (inclusive, sorted) restrict the designated timestamp:
// partitions outside are skipped and row ranges are found by binary search.
struct ScanSpec {
  cairo::TableView view;
  std::string qualifier;
  std::shared_ptr<std::vector<bool>> needed;
  std::vector<Interval> intervals;  // empty: all rows
  bool has_intervals = false;
};
OpPtr MakeTableScan(ScanSpec spec);
// EXPLAIN's text for a scan: `TableScan t columns: [a, b] intervals: [lo..hi, ...]` (the
// columns the query reads; intervals only when WHERE restricts the designated timestamp).
std::string ExplainScan(const ScanSpec& spec);
// `[a, b, c]`: the names of `cols`.
std::string ExplainNames(const std::vector<ColInfo>& cols);
// The lines of EXPLAIN for the tree under `root`: each operator's line indented by four spaces
// per level, its details one level deeper, then its inputs one level deeper.
std::vector<std::string> ExplainLines(const Operator& root);

// Row ranges of partition `p` that fall within `intervals` (all rows if none).
struct RowRange {
  size_t partition = 0;
  int64_t lo = 0, hi = 0;  // [lo, hi)
};
core::Result<std::vector<RowRange>> PlanRowRanges(const cairo::TableView& view,
                                                  const std::vector<Interval>& intervals,
                                                  bool has_intervals);
// Loads column `col` of partition `p`, rows [lo, hi) into `out` (zero-copy where the stored
// form matches the vector form).
core::Status LoadColumn(const cairo::TableView& view, size_t p, int col, int64_t lo, int64_t hi,
                        Vec* out);

OpPtr MakeFilter(OpPtr child, BoundPtr predicate);
// Output columns are `exprs` named `names`; `ts_index` is the designated timestamp or -1.
OpPtr MakeProject(OpPtr child, std::vector<BoundPtr> exprs, std::vector<std::string> names,
                  int ts_index);
// QuestDB LIMIT semantics; hi < 0 means "no hi".
OpPtr MakeLimit(OpPtr child, int64_t lo, std::optional<int64_t> hi);
OpPtr MakeSingleRow();
// Streams pre-built batches (introspection functions, VALUES).
OpPtr MakeMaterialized(std::vector<ColInfo> cols, std::vector<Batch> batches, int ts_index = -1);
OpPtr MakeDistinct(OpPtr child);
// Converts each child's columns to `types` and concatenates them (UNION ALL).
OpPtr MakeUnionAll(std::vector<OpPtr> children, std::vector<ColInfo> cols);
// EXCEPT / INTERSECT (distinct semantics).
OpPtr MakeSetDifference(OpPtr left, OpPtr right, bool intersect);
OpPtr MakeLongSequence(int64_t count);

struct SortKey {
  int column = 0;
  bool descending = false;
};
OpPtr MakeSort(OpPtr child, std::vector<SortKey> keys, int ts_index_after);
// Keeps only the first `visible` columns (drops hidden sort columns).
OpPtr MakeTrim(OpPtr child, size_t visible);

// Reads all of `op` into one batch (each column concatenated). Checks the query's deadline per
// batch and charges what it holds to `memory` (the caller's share of the query's memory), so a
// sort or a join's build side ends with the query's timeout or memory-limit error.
core::Status Materialize(Operator* op, Batch* all, MemoryCharge* memory = nullptr);
// Ends a query on its deadline: wraps the root of a query's tree so that every Next() runs
// with `budget` installed (CurrentBudget()); the budget outlives the tree.
OpPtr MakeBudgeted(OpPtr child, std::shared_ptr<QueryBudget> budget);
// Appends the encoded row `r` of `b` (all columns) to `key` (for hashing rows).
void EncodeRow(const Batch& b, size_t r, std::string* key);
void EncodeValue(const Vec& v, size_t r, std::string* key);

}  // namespace sundial::sql
