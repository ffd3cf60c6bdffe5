// sql/window.h — window functions: f(args) OVER (PARTITION BY ... ORDER BY ... frame).
//
// The planner collects the window calls of a SELECT (CollectWindowCalls) after WHERE has been
// applied and hands them with the filtered input to MakeWindowOp, which binds them (the small
// registry of window functions lives in window.cpp) and returns an operator that passes its
// input's rows through unchanged and in order, with one more column per call ("$w0", "$w1",
// ...). The projection then reads those columns in place of the calls, so window functions
// may appear inside expressions (`x - lag(x) OVER (...)`) and ORDER BY/LIMIT apply after them.
//
// Semantics (PostgreSQL's, which QuestDB follows): rows are partitioned by the PARTITION BY
// values (NULL is one partition) and ordered by ORDER BY (ascending NULLs first, descending
// NULLs last; ties keep the input order, so row_number() is deterministic). Without a frame
// clause the frame is the whole partition, or RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT
// ROW (the row and its peers) with ORDER BY. RANGE offsets need one integer or TIMESTAMP ORDER
// BY key (time units only with TIMESTAMP); for a row with a NULL key they select its peers.
// Aggregates skip NULLs (count(*) counts rows); an empty frame gives NULL (count 0).
//
// Execution: the input is materialised once (charged to the query's memory budget, deadline
// checked as it goes); each distinct (PARTITION BY, ORDER BY) pair sorts row numbers once
// (partition ids from symbol keys or hashed values, a stable counting sort by partition, and a
// comparison sort only when the rows are not already in ORDER BY order); each function then
// makes one pass: ROWS/RANGE frames move monotonically, so sums, counts and averages add and
// remove rows and min/max keep a monotonic deque — O(n) per function after the sort.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sql/ast.h"
#include "sql/expr.h"
#include "sql/operator.h"

namespace sundial::sql {

// True if `e` is or contains a window function call.
bool ContainsWindow(const Expr& e);

// Appends the window calls in `e` (outermost ones; duplicates by CanonicalText skipped).
// InvalidArgument at the inner call when a window call is nested in another's arguments or
// window spec.
core::Status CollectWindowCalls(const ExprPtr& e, std::vector<ExprPtr>* calls);

// Binds `calls` against `input`'s columns (`bc.cols` must be input->columns(); `bc.used` marks
// the columns they read) and returns the window operator. `named` is the query's WINDOW
// clause. Errors (unknown function, wrong arguments, bad frame, unknown window name) carry the
// position of the offending token.
core::Result<OpPtr> MakeWindowOp(OpPtr input, const std::vector<ExprPtr>& calls,
                                 const std::vector<std::pair<std::string, WindowSpecPtr>>& named,
                                 BindContext bc);

}  // namespace sundial::sql
