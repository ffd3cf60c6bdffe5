// sql/latest.h — LATEST ON ts PARTITION BY k1[, k2...]: the newest row per key combination.
//
// Scans the table's partitions backwards (newest first), reading only the key columns (and
// the filter's), and remembers the first row seen for each key; the chosen rows are then
// gathered in timestamp order. The WHERE filter is applied before choosing (QuestDB 7+).
//
// The scan stops once it has found as many key combinations as the table can hold (the key
// bound): a SYMBOL key holds its dictionary's values (and NULL when the `_txn` says it may),
// BOOLEAN/BYTE/SHORT/CHAR their value ranges, and a key column that the filter holds to listed
// constants (`KeyValueList`) at most those values. Partitions older than the one where the last
// of them was found are never read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql/operator.h"

namespace sundial::sql {

// A conjunct of the WHERE filter `k = c` or `k IN (c1, ...)` on a key column `k`, with literal
// constants: a row passes only with one of the listed values in `k`. Made by the planner only
// where equality is identity on the stored values (SYMBOL and VARCHAR against strings, integer
// columns against integers, BOOLEAN against booleans), so each listed value is at most one key.
struct KeyValueList {
  int column = -1;
  std::vector<std::optional<std::string>> values;  // as written; nullopt for NULL
};

struct LatestSpec {
  ScanSpec scan;
  std::vector<int> key_columns;
  BoundPtr filter;                            // may be null
  std::vector<KeyValueList> key_value_lists;  // conjuncts of `filter` bounding key columns
};

OpPtr MakeLatestOn(LatestSpec spec);

}  // namespace sundial::sql
