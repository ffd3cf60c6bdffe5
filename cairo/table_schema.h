// cairo/table_schema.h — a table's structure as of one txn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairo/column_type.h"

namespace sundial::cairo {

struct ColumnDef {
  std::string name;
  ColumnType type = ColumnType::kDouble;
  // Distinguishes files of a column dropped and re-added under the same name; assigned by the
  // engine (callers leave it 0). File stem is `name` when 0, `name.<file_version>` otherwise.
  uint32_t file_version = 0;
};

struct TableSchema {
  std::vector<ColumnDef> columns;
  int timestamp_index = -1;  // designated timestamp column, -1 if none (only with NONE)
  PartitionBy partition_by = PartitionBy::kNone;

  // Index of the column named `name` (case-insensitive, as QuestDB), or -1.
  int FindColumn(std::string_view name) const;
};

}  // namespace sundial::cairo
