// sql/aggregate.h — GROUP BY (explicit or QuestDB's implicit keys) and SAMPLE BY.
//
// Output columns: [bucket timestamp if SAMPLE BY] + keys + aggregates, in that order. Groups
// are numbered by first appearance; SAMPLE BY output is ordered by bucket, then by first
// appearance of the key. Keys map to dense group ids: a single SYMBOL key from a table uses
// its dictionary key directly, others are interned into dense codes and hashed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/operator.h"

namespace sundial::sql {

struct AggSpec {
  std::string function;  // lower-case: count, sum, avg, min, max, first, last, ...
  BoundPtr arg;          // null for count()
  bool distinct = false;
  ColumnType type = ColumnType::kLong;  // output type
  std::string name;
};

// Output type of an aggregate over an argument type; error for unsupported combinations.
core::Result<ColumnType> AggregateType(std::string_view function, const BoundExpr* arg,
                                       bool distinct, int32_t pos);

struct SampleSpec {
  int ts_column = -1;  // input column of the designated timestamp
  char unit = 'h';
  int64_t stride = 1;
  bool calendar = true;
  int64_t offset_us = 0;
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
