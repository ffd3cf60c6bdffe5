// Default (row API) implementations of TableWriter's batch methods; the engine's writer
// overrides them with column-wise copies.
#include "cairo/table_writer.h"

namespace sundial::cairo {

core::Status TableWriter::AppendBatch(const int64_t* timestamps_us, int64_t row_count,
                                      const ColumnBatch* columns, size_t column_count) {
  const TableSchema& s = schema();
  for (int64_t r = 0; r < row_count; ++r) {
    RETURN_IF_ERROR(NewRow(timestamps_us != nullptr ? timestamps_us[r] : 0));
    for (size_t i = 0; i < column_count; ++i) {
      const ColumnBatch& b = columns[i];
      if (b.column_index < 0 || b.column_index >= static_cast<int>(s.columns.size())) {
        CancelRow();
        return core::Status::InvalidArgument("column index out of range");
      }
      ColumnType t = s.columns[b.column_index].type;
      int c = b.column_index;
      if (b.strings != nullptr) {
        std::string_view v = b.strings[r];
        if (v.data() == nullptr) {
          PutNull(c);
        } else if (t == ColumnType::kSymbol) {
          PutSymbol(c, v);
        } else {
          PutVarchar(c, v);
        }
        continue;
      }
      if (b.values == nullptr) continue;
      const char* p = static_cast<const char*>(b.values);
      if (IsGeoHash(t)) {
        PutFixed(c, p + r * ColumnTypeSize(t));
        continue;
      }
      switch (t) {
        case ColumnType::kBoolean: PutBool(c, reinterpret_cast<const int8_t*>(p)[r] != 0); break;
        case ColumnType::kByte: PutLong(c, reinterpret_cast<const int8_t*>(p)[r]); break;
        case ColumnType::kShort: PutLong(c, reinterpret_cast<const int16_t*>(p)[r]); break;
        case ColumnType::kChar: PutChar(c, reinterpret_cast<const uint16_t*>(p)[r]); break;
        case ColumnType::kInt: PutLong(c, reinterpret_cast<const int32_t*>(p)[r]); break;
        case ColumnType::kLong:
        case ColumnType::kDate:
        case ColumnType::kTimestamp: PutLong(c, reinterpret_cast<const int64_t*>(p)[r]); break;
        case ColumnType::kFloat: PutDouble(c, reinterpret_cast<const float*>(p)[r]); break;
        case ColumnType::kDouble: PutDouble(c, reinterpret_cast<const double*>(p)[r]); break;
        case ColumnType::kIPv4:
        case ColumnType::kUuid:
        case ColumnType::kLong256:
        case ColumnType::kLong128:
          PutFixed(c, p + r * ColumnTypeSize(t));
          break;
        case ColumnType::kGeoHash:
          CancelRow();
          return core::Status::InvalidArgument("unsupported column type");
        case ColumnType::kSymbol:
        case ColumnType::kVarchar:
        case ColumnType::kBinary:
          CancelRow();
          return core::Status::InvalidArgument("SYMBOL keys need the engine's writer");
      }
    }
    RETURN_IF_ERROR(EndRow());
  }
  return core::Status::Ok();
}

core::Result<int32_t> TableWriter::SymbolKey(int col, std::string_view value) {
  return core::Status::Unsupported("SymbolKey is not supported by this writer");
}

core::Result<uint64_t> TableWriter::RewriteEntries(EntryRewriter& rewriter) {
  return core::Status::Unsupported("UPDATE is not supported by this writer");
}

}  // namespace sundial::cairo
