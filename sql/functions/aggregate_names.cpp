// The names of aggregate functions (bound by the planner, computed by aggregate.cpp and
// fast_aggregate.cpp) and of table functions (from sql/table_functions.h), so the registry lists
// every function and IsAggregateFunction has one source.
#include "sql/functions/registry.h"
#include "sql/table_functions.h"

namespace sundial::sql {

void RegisterAggregateAndTableNames(FunctionRegistry& r) {
  static constexpr std::pair<std::string_view, std::string_view> kAggregates[] = {
      {"count", "rows, or non-null values of the argument"},
      {"count_distinct", "distinct non-null values"},
      {"approx_count_distinct", "distinct non-null values (computed exactly)"},
      {"sum", "sum of non-null values"},
      {"ksum", "sum with Kahan compensation"},
      {"nsum", "sum with Neumaier compensation"},
      {"avg", "mean of non-null values"},
      {"min", "least non-null value"},
      {"max", "greatest non-null value"},
      {"first", "value of the first row"},
      {"last", "value of the last row"},
      {"first_not_null", "first non-null value"},
      {"last_not_null", "last non-null value"},
      {"stddev", "sample standard deviation"},
      {"stddev_samp", "sample standard deviation"},
      {"stddev_pop", "population standard deviation"},
      {"variance", "sample variance"},
      {"var_samp", "sample variance"},
      {"var_pop", "population variance"},
      {"string_agg", "non-null values joined with a delimiter"},
      {"mode", "most frequent non-null value (ties: the one seen first)"},
      {"vwap", "volume-weighted average price: sum(price * volume) / sum(volume)"},
      {"corr", "Pearson correlation of two columns"},
      {"covar_pop", "population covariance of two columns"},
      {"covar_samp", "sample covariance of two columns"},
      {"approx_percentile", "value at a percentile in [0, 1] (nearest rank, exact)"},
      {"isordered", "whether the values come in ascending order (NULL smallest)"},
  };
  for (auto [name, summary] : kAggregates) {
    r.Add(std::string(name), "aggregate", FunctionKind::kAggregate, std::string(summary));
  }
  for (const TableFunctionDef* t : TableFunctionRegistry::Get().All()) {
    r.Add(t->name, "table", FunctionKind::kTable, t->summary);
  }
}

}  // namespace sundial::sql
