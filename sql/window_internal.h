// sql/window_internal.h — the bound form of window functions shared by window.cpp (binding,
// the operator) and window_eval.cpp (sorting and the per-function passes). Not a public header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sql/ast.h"
#include "sql/expr.h"
#include "sql/vector.h"

namespace sundial::sql::window {

enum class Fn : uint8_t {
  kRowNumber,
  kRank,
  kDenseRank,
  kPercentRank,
  kCumeDist,  // ranking: frames do not apply
  kLag,
  kLead,  // offsets: frames do not apply
  kFirstValue,
  kLastValue,  // frame ends
  kCount,
  kSum,
  kAvg,
  kMin,
  kMax,  // frame aggregates
};

// A frame resolved against its spec: ROWS, or RANGE (offsets in units of the one ORDER BY key).
struct Frame {
  bool is_rows = false;
  FrameBound start, end;
  bool exclude_current_row = false;
};

// One distinct (PARTITION BY, ORDER BY): sorted once for every function that uses it.
struct Spec {
  std::string text;  // canonical text of the partition and order keys
  std::vector<BoundPtr> partition;
  std::vector<BoundPtr> order;
  std::vector<bool> descending;
};

struct Function {
  Fn fn = Fn::kRowNumber;
  size_t spec = 0;
  Frame frame;
  BoundPtr arg;         // null: no argument, or count(*)
  int64_t offset = 1;   // lag/lead
  Value default_value;  // lag/lead, already of `type`
  bool ignore_nulls = false;
  ColumnType type = ColumnType::kLong;
};

// The rows of one spec in window order: `perm` lists input row numbers partition by
// partition; for position p of perm, partition [part_start, part_end) and peer group (rows
// with equal ORDER BY keys) [peer_start, peer_end), all positions in perm.
struct Layout {
  std::vector<uint32_t> perm;
  std::vector<uint32_t> part_start, part_end, peer_start, peer_end;
  // The one ORDER BY key as int64 in window order (ascending, descending negated), for RANGE
  // offsets; empty when the spec has not exactly one integer/timestamp key.
  std::vector<int64_t> range_key;
};

// Sorts `rows` rows of `input` by `spec` (the keys evaluated over `input`).
core::Status BuildLayout(const Spec& spec, const Batch& input, Layout* layout);

// Computes `f` for every row (in input order) into `out`; `arg` is f.arg evaluated over the
// input (unused when f.arg is null). Checks the query's deadline as it goes.
core::Status Evaluate(const Function& f, const Layout& layout, const Vec& arg, size_t rows,
                      Vec* out);

}  // namespace sundial::sql::window
