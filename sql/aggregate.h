// sql/aggregate.h — GROUP BY (explicit or QuestDB's implicit keys) and SAMPLE BY.
//
// Output columns: [bucket timestamp if SAMPLE BY] + keys + aggregates, in that order. Groups
// are numbered by first appearance; SAMPLE BY output is ordered by bucket, then by first
// appearance of the key. Keys map to dense group ids: a single SYMBOL key from a table uses
// its dictionary key directly, others are interned into dense codes and hashed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/operator.h"
#include "sql/zone.h"

namespace sundial::sql {

struct AggSpec {
  std::string function;  // lower-case: count, sum, avg, min, max, first, last, ...
  BoundPtr arg;          // null for count()
  BoundPtr arg2;         // the second row argument: vwap's volume, corr/covar_*'s y
  // Constant arguments after the row arguments: string_agg's delimiter, approx_percentile's
  // percentile (and precision, accepted and ignored: the percentile is exact).
  std::vector<Value> params;
  bool distinct = false;
  ColumnType type = ColumnType::kLong;  // output type
  std::string name;
};

// How an aggregate's arguments are split: `row_args` expressions evaluated per row (0..2), then
// between min_params and max_params constants. One table for the planner and AggregateType.
struct AggregateShape {
  int row_args = 1;
  int min_params = 0;
  int max_params = 0;
};
AggregateShape AggregateArgShape(std::string_view function);
// Checks (and normalises) an aggregate's constant arguments: approx_percentile's percentile is
// a number in [0, 1] (converted to DOUBLE), string_agg's delimiter is text.
core::Status CheckAggregateParams(AggSpec& spec, int32_t pos);

// Output type of an aggregate over an argument type; error for unsupported combinations.
core::Result<ColumnType> AggregateType(std::string_view function, const BoundExpr* arg,
                                       bool distinct, int32_t pos);

struct SampleSpec {
  int ts_column = -1;  // input column of the designated timestamp
  char unit = 'h';
  int64_t stride = 1;
  bool calendar = true;
  int64_t offset_us = 0;
  std::shared_ptr<const Zone> zone;  // ALIGN TO CALENDAR TIME ZONE; null: UTC
  // FROM lo TO hi: FILL covers every bucket from FROM's to the last one starting before TO,
  // rows or not (the planner also restricts the rows to [from_utc_us, to_utc_us)).
  bool has_from = false, has_to = false;
  int64_t from_local_us = 0;  // FROM as written: wall time in the zone
  int64_t from_utc_us = 0, to_utc_us = 0;
  std::vector<FillKind> fills;   // per aggregate (already expanded)
  std::vector<Value> fill_values;
  std::string bucket_name;
};

struct AggregateSpec {
  std::vector<BoundPtr> keys;
  std::vector<std::string> key_names;
  std::vector<AggSpec> aggs;
  std::optional<SampleSpec> sample;
  int worker_threads = 1;
};

OpPtr MakeAggregate(OpPtr child, AggregateSpec spec);

}  // namespace sundial::sql
