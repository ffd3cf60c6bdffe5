// sql/fast_aggregate.h — the specialised aggregation over a table scan used when the shape
// allows it: at most one SYMBOL key column, optional SAMPLE BY with a fixed-size unit and no
// FILL, and count()/count(col)/sum/avg/min/max over plain numeric columns, with an optional
// WHERE filter. Groups are dense arrays indexed by (bucket, symbol key); the partitions'
// row ranges are split into chunks aggregated on `worker_threads` threads straight from the
// column mmaps, then merged. Output layout and order are those of AggregateOp (groups by
// bucket, then first appearance), so the planner's projection is the same.
#pragma once

#include "sql/aggregate.h"

namespace sundial::sql {

// Returns the operator, or nullptr when the shape is not supported (use AggregateOp).
OpPtr TryMakeFastAggregate(const ScanSpec& scan, BoundPtr filter, const AggregateSpec& spec);

}  // namespace sundial::sql
