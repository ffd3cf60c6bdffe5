// sql/latest.h — LATEST ON ts PARTITION BY k1[, k2...]: the newest row per key combination.
//
// Scans the table's partitions backwards (newest first), reading only the key columns (and
// the filter's), and remembers the first row seen for each key; the chosen rows are then
// gathered in timestamp order. The WHERE filter is applied before choosing (QuestDB 7+).
#pragma once

#include <vector>

#include "sql/operator.h"

namespace sundial::sql {

struct LatestSpec {
  ScanSpec scan;
  std::vector<int> key_columns;
  BoundPtr filter;  // may be null
};

OpPtr MakeLatestOn(LatestSpec spec);

}  // namespace sundial::sql
