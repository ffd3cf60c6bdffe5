#include "cairo/table_schema.h"

namespace sundial::cairo {

int TableSchema::FindColumn(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (NamesEqualIgnoreCase(columns[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace sundial::cairo
