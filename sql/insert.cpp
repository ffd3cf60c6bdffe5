// INSERT INTO t [(cols)] VALUES ... | SELECT ...: values are converted to the column types
// (string literals to timestamps, numbers widened or narrowed), then written through one
// writer lease and committed once. Any error rolls everything back.
#include "core/timestamp.h"
#include "sql/expr.h"
#include "sql/lexer.h"
#include "sql/statements.h"

namespace sundial::sql {

using core::Status;

// The one rule of what INSERT (VALUES and SELECT) and UPDATE store in a column, QuestDB's
// implicit conversions: text into anything (each value must parse), numbers into numbers
// (integers must fit), anything into text, BOOLEAN into anything, integers and FLOAT/DOUBLE
// into DATE/TIMESTAMP, DATE/TIMESTAMP into each other, LONG and DOUBLE, a GEOHASH into one of
// no more bits. Refused: numbers and times into BOOLEAN, CHAR into BOOLEAN, times into
// BYTE/SHORT/CHAR/INT/FLOAT, a GEOHASH into a wider one, BINARY from or into anything else.
bool IsStorableAs(ColumnType from, ColumnType to) {
  if (from == ColumnType::kBinary || to == ColumnType::kBinary) return from == to;
  if (from == to || IsStringLike(from) || IsStringLike(to)) return true;
  // GEOHASH: from text (above) or a GEOHASH of at least as many bits (cut to the column's).
  if (cairo::IsGeoHash(to) || cairo::IsGeoHash(from)) {
    return cairo::IsGeoHash(to) && cairo::IsGeoHash(from) &&
           cairo::GeoHashBits(from) >= cairo::GeoHashBits(to);
  }
  // IPv4, UUID, LONG128, LONG256: from text (above), from their own kind, IPv4 from integers.
  if (to == ColumnType::kIPv4) return IsIntegral(from) && from != ColumnType::kChar;
  if (IsTextValueType(to))
    return IsTextValueType(from) && to != ColumnType::kLong256 && from != ColumnType::kLong256;
  if (from == ColumnType::kIPv4 || IsTextValueType(from)) return false;
  if (from == ColumnType::kBoolean) return true;
  if (to == ColumnType::kBoolean) return false;
  if (IsNumeric(from) && IsNumeric(to)) return true;  // CHAR counts as an integer here
  if (IsTimeType(to)) return IsNumeric(from) || IsTimeType(from);
  if (IsTimeType(from)) return to == ColumnType::kLong || to == ColumnType::kDouble;
  return false;
}

core::Result<cairo::WriterLease> AcquireTableWriter(cairo::Engine* engine, const std::string& table,
                                                    int32_t table_pos) {
  auto lease = engine->AcquireWriter(table);
  if (!lease.ok()) {
    if (lease.status().code() == core::StatusCode::kNotFound) {
      return Status::NotFound("table does not exist [table=" + table + "]", table_pos);
    }
    return lease.status().WithPosition(table_pos);
  }
  return lease;
}

core::Result<int64_t> InsertRows(cairo::Engine* engine, const std::string& table, int32_t table_pos,
                                 Operator* op, const std::vector<int>& targets) {
  ASSIGN_OR_RETURN(cairo::WriterLease lease, AcquireTableWriter(engine, table, table_pos));
  cairo::TableWriter* w = lease.get();
  const cairo::TableSchema& schema = w->schema();
  const int ts = schema.timestamp_index;
  int ts_source = -1;
  for (size_t k = 0; k < targets.size(); ++k) {
    if (targets[k] == ts) ts_source = static_cast<int>(k);
  }
  if (ts >= 0 && ts_source < 0) {
    return Status::InvalidArgument("designated timestamp column is not in the column list [column=" +
                                       schema.columns[ts].name + "]",
                                   table_pos);
  }
  const auto& src_cols = op->columns();
  for (size_t k = 0; k < targets.size(); ++k) {
    ColumnType from = src_cols[k].type, to = schema.columns[targets[k]].type;
    if (!IsStorableAs(from, to)) {
      return Status::InvalidArgument("inconvertible types: " + std::string(cairo::ColumnTypeName(from)) +
                                         " -> " + std::string(cairo::ColumnTypeName(to)) +
                                         " [from=" + src_cols[k].name + ", to=" +
                                         schema.columns[targets[k]].name + "]",
                                     table_pos);
    }
  }
  int64_t rows = 0;
  Batch b;
  std::vector<Vec> conv(targets.size());
  for (;;) {
    ASSIGN_OR_RETURN(bool more, op->Next(&b));
    if (!more) break;
    for (size_t k = 0; k < targets.size(); ++k) {
      b.cols[k].n = b.n;
      ColumnType to = schema.columns[targets[k]].type;
      if (to == ColumnType::kSymbol) to = ColumnType::kVarchar;
      RETURN_IF_ERROR(CheckImplicitNarrowing(b.cols[k], to, table_pos));
      RETURN_IF_ERROR(CastVec(b.cols[k], to, &conv[k], table_pos));
    }
    for (size_t r = 0; r < b.n; ++r) {
      int64_t t = ts_source >= 0 ? conv[ts_source].i[r] : 0;
      if (ts >= 0 && t == kNullI64) {
        return Status::InvalidArgument("designated timestamp column cannot be NULL [column=" +
                                           schema.columns[ts].name + "]",
                                       table_pos);
      }
      Status st = w->NewRow(t);
      if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(table_pos);
      for (size_t k = 0; k < targets.size(); ++k) {
        int col = targets[k];
        if (col == ts) continue;
        const Vec& v = conv[k];
        ColumnType type = schema.columns[col].type;
        if (cairo::IsGeoHash(type)) {
          uint8_t stored[8];
          st = StoreTypedValue(v, r, stored);
          if (!st.ok()) return st.WithPosition(table_pos);
          w->PutFixed(col, stored);
          continue;
        }
        switch (type) {
          case ColumnType::kBoolean: w->PutBool(col, v.i[r] == 1); break;
          case ColumnType::kByte:
          case ColumnType::kShort:
            w->PutLong(col, v.i[r] == kNullI64 ? 0 : v.i[r]);
            break;
          case ColumnType::kChar:
            if (v.i[r] == kNullI64) w->PutNull(col); else w->PutChar(col, static_cast<uint16_t>(v.i[r]));
            break;
          case ColumnType::kInt:
          case ColumnType::kLong:
          case ColumnType::kDate:
          case ColumnType::kTimestamp:
            if (v.i[r] == kNullI64) w->PutNull(col); else w->PutLong(col, v.i[r]);
            break;
          case ColumnType::kFloat:
          case ColumnType::kDouble:
            if (std::isnan(v.d[r])) w->PutNull(col); else w->PutDouble(col, v.d[r]);
            break;
          case ColumnType::kSymbol: {
            std::string_view s = v.Str(r);
            if (s.data() == nullptr) w->PutNull(col); else w->PutSymbol(col, s);
            break;
          }
          case ColumnType::kVarchar:
          case ColumnType::kBinary: {
            std::string_view s = v.Str(r);
            if (s.data() == nullptr) w->PutNull(col); else w->PutVarchar(col, s);
            break;
          }
          case ColumnType::kIPv4:
          case ColumnType::kUuid:
          case ColumnType::kLong128:
          case ColumnType::kLong256: {
            uint8_t stored[32];
            st = StoreTypedValue(v, r, stored);
            if (!st.ok()) return st.WithPosition(table_pos);
            w->PutFixed(col, stored);
            break;
          }
          case ColumnType::kGeoHash:
            return Status::Unsupported("unsupported column type", table_pos);
        }
      }
      st = w->EndRow();
      if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(table_pos);
      ++rows;
    }
  }
  auto committed = w->Commit();
  if (!committed.ok()) return committed.status();
  return rows;
}

core::Result<ExecResult> ExecuteInsert(const InsertStmt& s, PlanContext& ctx) {
  auto view = ctx.engine->Pin(s.table);
  if (!view.ok()) {
    if (view.status().code() == core::StatusCode::kNotFound) {
      return Status::NotFound("table does not exist [table=" + s.table + "]", s.table_pos);
    }
    return view.status().WithPosition(s.table_pos);
  }
  const cairo::TableSchema& schema = view->schema();
  std::vector<int> targets;
  if (s.columns.empty()) {
    for (size_t k = 0; k < schema.columns.size(); ++k) targets.push_back(static_cast<int>(k));
  } else {
    for (size_t k = 0; k < s.columns.size(); ++k) {
      int c = schema.FindColumn(s.columns[k]);
      if (c < 0) return Status::InvalidArgument("Invalid column: " + s.columns[k], s.column_positions[k]);
      for (int t : targets) {
        if (t == c) return Status::InvalidArgument("Duplicate column [name=" + s.columns[k] + "]", s.column_positions[k]);
      }
      targets.push_back(c);
    }
  }
  OpPtr source;
  if (s.query) {
    ASSIGN_OR_RETURN(source, PlanQuery(*s.query, ctx));
    if (source->columns().size() != targets.size()) {
      return Status::InvalidArgument("select clause must provide values for all columns [expected=" +
                                         std::to_string(targets.size()) + ", actual=" +
                                         std::to_string(source->columns().size()) + "]",
                                     s.query->pos);
    }
  } else {
    // VALUES: each value bound as a constant expression and converted to its column's type.
    std::vector<ColInfo> cols;
    for (int t : targets) {
      ColumnType ct = schema.columns[t].type;
      cols.push_back({schema.columns[t].name, ct == ColumnType::kSymbol ? ColumnType::kVarchar : ct, ""});
    }
    Batch b;
    b.n = s.rows.size();
    b.cols.resize(cols.size());
    std::vector<std::vector<Value>> values(cols.size(), std::vector<Value>(b.n));
    for (size_t r = 0; r < s.rows.size(); ++r) {
      const auto& row = s.rows[r];
      if (row.size() != targets.size()) {
        return Status::InvalidArgument("row value count does not match column count [expected=" +
                                           std::to_string(targets.size()) + ", actual=" +
                                           std::to_string(row.size()) + ", tuple=" + std::to_string(r + 1) + "]",
                                       row.empty() ? s.table_pos : row[0]->pos);
      }
      for (size_t k = 0; k < row.size(); ++k) {
        std::vector<ColInfo> none;
        BindContext bc;
        bc.cols = &none;
        bc.now_us = ctx.now_us;
        ASSIGN_OR_RETURN(BoundPtr e, Bind(*row[k], bc));
        ASSIGN_OR_RETURN(Value v, EvalConstant(*e));
        ColumnType to = cols[k].type;
        if (v.is_null) {
          values[k][r] = Value::Null(to);
          continue;
        }
        ColumnType from = e->type();
        if (!IsStorableAs(from, to)) {  // the same rule as INSERT ... SELECT
          return Status::InvalidArgument("inconvertible types: " + std::string(cairo::ColumnTypeName(from)) +
                                             " -> " + std::string(cairo::ColumnTypeName(to)) + " [from=" +
                                             ExprToString(*row[k]) + ", to=" + cols[k].name + "]",
                                         row[k]->pos);
        }
        if (IsIntegral(from) && !v.is_null) {  // 40000 into a SHORT is refused, not wrapped
          Vec one;
          one.Reset(from, 1);
          one.AllocI(1)[0] = v.i;
          RETURN_IF_ERROR(CheckImplicitNarrowing(one, to, row[k]->pos));
        }
        auto cv = CastValue(v, to, row[k]->pos);
        if (!cv.ok()) {
          if (IsTimeType(to)) {
            return Status::InvalidArgument("Invalid timestamp: " + v.s, row[k]->pos);
          }
          return cv.status();
        }
        values[k][r] = *cv;
      }
    }
    for (size_t k = 0; k < cols.size(); ++k) {
      Vec& v = b.cols[k];
      v.Reset(cols[k].type, b.n);
      Phys p = PhysOf(cols[k].type);
      if (p == Phys::kStr) {
        std::string_view* o = v.AllocS(b.n);
        for (size_t r = 0; r < b.n; ++r) {
          const Value& x = values[k][r];
          o[r] = x.is_null ? std::string_view() : v.Pool()->Add(x.s.empty() ? std::string_view(StringPool::kEmpty, 0) : std::string_view(x.s));
        }
      } else if (p == Phys::kF64) {
        double* o = v.AllocD(b.n);
        for (size_t r = 0; r < b.n; ++r) o[r] = values[k][r].is_null ? std::nan("") : values[k][r].d;
      } else {
        int64_t* o = v.AllocI(b.n);
        for (size_t r = 0; r < b.n; ++r) o[r] = values[k][r].is_null ? kNullI64 : values[k][r].i;
      }
    }
    std::vector<Batch> batches;
    batches.push_back(std::move(b));
    source = MakeMaterialized(cols, std::move(batches));
  }
  ASSIGN_OR_RETURN(int64_t rows, InsertRows(ctx.engine, s.table, s.table_pos, source.get(), targets));
  ExecResult r;
  r.kind = StatementKind::kDml;
  r.affected_rows = rows;
  return r;
}

}  // namespace sundial::sql
