// UPDATE t [[AS] alias] SET col = expr [, ...] [WHERE cond] (QuestDB's form, without FROM).
//
// Runs under the table's writer lease: every partition entry is scanned in batches (entries
// outside the designated-timestamp intervals WHERE implies are skipped unread), the WHERE
// predicate picks rows, the SET expressions are evaluated over the picked rows only and
// converted to the column types (INSERT's conversions). An entry with picked rows is written
// as a new version holding the new values of the SET columns and copies of the others
// (TableWriter::RewriteEntries); all such entries are published as one txn. An error anywhere
// leaves the table as it was. The designated timestamp cannot be updated (rows keep their
// places and partitions).
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "sql/expr_nodes.h"
#include "sql/interval.h"
#include "sql/operator.h"
#include "sql/planner.h"
#include "sql/statements.h"

namespace sundial::sql {

using core::Status;

namespace {

template <typename T>
void Store(uint8_t* out, int64_t row, T v) {
  std::memcpy(out + row * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

struct SetColumn {
  int column = -1;
  ColumnType type = ColumnType::kDouble;
  ColumnType cast_to = ColumnType::kDouble;  // SYMBOL columns take VARCHAR values
  BoundPtr value;
  int32_t pos = 0;
};

class UpdateRewriter final : public cairo::EntryRewriter {
 public:
  // `intervals`: designated-timestamp intervals outside which no row can match (entries
  // outside all of them are skipped unread); nullopt: every entry is read.
  UpdateRewriter(cairo::TableWriter* writer, std::vector<SetColumn> sets, BoundPtr where,
                 std::vector<bool> used, std::optional<std::vector<Interval>> intervals)
      : writer_(writer),
        sets_(std::move(sets)),
        where_(std::move(where)),
        used_(std::move(used)),
        intervals_(std::move(intervals)) {}

  int64_t updated() const { return updated_; }

  Status Rewrite(const cairo::TableView& view, size_t entry,
                 std::vector<cairo::ColumnValues>* out) override {
    const cairo::TableSchema& schema = view.schema();
    const cairo::PartitionInfo& part = view.partitions()[entry];
    const int64_t rows = part.row_count;
    if (intervals_) {
      bool overlaps = false;
      for (const Interval& iv : *intervals_) {
        overlaps |= iv.lo <= part.max_timestamp_us && iv.hi >= part.min_timestamp_us;
      }
      if (!overlaps) return Status::Ok();
    }
    // Per SET column: the entry's values so far (fixed: storage bytes; VARCHAR: new strings of
    // the picked rows, the others read from `old` when the entry is assembled).
    struct Target {
      cairo::ColumnData old;
      cairo::DecodedRows old_rows;  // what `old` points into, for a compressed entry
      std::vector<uint8_t> fixed;
      // VARCHAR: (row, new value) of the picked rows, in row order (rows come in ascending).
      std::vector<std::pair<int64_t, std::string_view>> str;
      StringPool pool;
    };
    std::vector<Target> targets;
    int64_t picked_rows = 0;
    Batch in;
    in.cols.resize(schema.columns.size());
    Batch sel_batch;
    std::vector<uint8_t> mask;
    std::vector<uint32_t> sel;
    Vec value, conv;
    for (int64_t lo = 0; lo < rows; lo += static_cast<int64_t>(kBatchRows)) {
      const int64_t hi = std::min<int64_t>(rows, lo + static_cast<int64_t>(kBatchRows));
      const size_t n = static_cast<size_t>(hi - lo);
      for (size_t c = 0; c < schema.columns.size(); ++c) {
        if (used_[c]) {
          RETURN_IF_ERROR(LoadColumn(view, entry, static_cast<int>(c), lo, hi, &in.cols[c]));
        } else {
          in.cols[c].Reset(schema.columns[c].type, n);
        }
      }
      in.n = n;
      sel.clear();
      if (where_) {
        RETURN_IF_ERROR(EvalPredicate(*where_, in, &mask));
        for (size_t k = 0; k < n; ++k) {
          if (mask[k]) sel.push_back(static_cast<uint32_t>(k));
        }
      } else {
        for (size_t k = 0; k < n; ++k) sel.push_back(static_cast<uint32_t>(k));
      }
      if (sel.empty()) continue;
      if (targets.empty()) RETURN_IF_ERROR(StartEntry(view, entry, rows, &targets));
      const Batch* src = &in;
      if (sel.size() < n) {  // the SET expressions see the picked rows only
        sel_batch.cols.resize(in.cols.size());
        for (size_t c = 0; c < in.cols.size(); ++c) {
          if (used_[c]) {
            GatherVec(in.cols[c], sel.data(), sel.size(), &sel_batch.cols[c]);
          } else {
            sel_batch.cols[c].Reset(in.cols[c].type, sel.size());
          }
        }
        sel_batch.n = sel.size();
        src = &sel_batch;
      }
      for (size_t k = 0; k < sets_.size(); ++k) {
        const SetColumn& s = sets_[k];
        RETURN_IF_ERROR(s.value->Eval(*src, &value));
        value.n = src->n;
        RETURN_IF_ERROR(CheckImplicitNarrowing(value, s.cast_to, s.pos));
        RETURN_IF_ERROR(CastVec(value, s.cast_to, &conv, s.pos));
        Target& t = targets[k];
        for (size_t j = 0; j < sel.size(); ++j) {
          RETURN_IF_ERROR(Put(s, conv, j, lo + sel[j], &t.fixed, &t.str, &t.pool));
        }
      }
      picked_rows += static_cast<int64_t>(sel.size());
    }
    if (targets.empty()) return Status::Ok();
    for (size_t k = 0; k < sets_.size(); ++k) {
      Target& t = targets[k];
      cairo::ColumnValues cv;
      cv.column = sets_[k].column;
      if (sets_[k].type != ColumnType::kVarchar) {
        cv.fixed = std::move(t.fixed);
      } else {
        cv.var_ends.reserve(static_cast<size_t>(rows));
        size_t next = 0;  // the next picked row in t.str
        for (int64_t r = 0; r < rows; ++r) {
          std::string_view s;
          bool is_null;
          if (next < t.str.size() && t.str[next].first == r) {
            s = t.str[next++].second;
            is_null = s.data() == nullptr;
          } else {
            is_null = t.old.is_all_null || t.old.IsVarcharNull(r);
            if (!is_null) s = t.old.Varchar(r);
          }
          cv.var_bytes.append(s);
          cv.var_ends.push_back(cv.var_bytes.size() | (is_null ? cairo::ColumnData::kNullBit : 0));
        }
      }
      out->push_back(std::move(cv));
    }
    updated_ += picked_rows;
    return Status::Ok();
  }

 private:
  // The SET columns' current contents for the whole entry, to be overwritten at picked rows.
  template <typename TargetT>
  Status StartEntry(const cairo::TableView& view, size_t entry, int64_t rows,
                    std::vector<TargetT>* targets) {
    targets->resize(sets_.size());
    for (size_t k = 0; k < sets_.size(); ++k) {
      const SetColumn& s = sets_[k];
      TargetT& t = (*targets)[k];
      ASSIGN_OR_RETURN(t.old, view.ColumnRows(entry, s.column, 0, rows, &t.old_rows));
      if (s.type == ColumnType::kVarchar) continue;
      const size_t bytes = static_cast<size_t>(rows) * cairo::ColumnTypeSize(s.type);
      t.fixed.resize(bytes);
      if (t.old.is_all_null || t.old.data == nullptr) {
        cairo::FillNulls(s.type, t.fixed.data(), static_cast<size_t>(rows));
      } else if (bytes > 0) {
        std::memcpy(t.fixed.data(), t.old.data, bytes);
      }
    }
    return Status::Ok();
  }

  // Stores row `j` of `v` (already cast to s.cast_to) as row `row` of the column.
  Status Put(const SetColumn& s, const Vec& v, size_t j, int64_t row, std::vector<uint8_t>* fixed,
             std::vector<std::pair<int64_t, std::string_view>>* str, StringPool* pool) {
    uint8_t* out = fixed->data();
    if (cairo::IsGeoHash(s.type)) {
      return StoreTypedValue(v, j, out + static_cast<size_t>(row) * cairo::ColumnTypeSize(s.type));
    }
    switch (s.type) {
      case ColumnType::kBoolean: Store<uint8_t>(out, row, v.i[j] == 1 ? 1 : 0); break;
      case ColumnType::kByte:
        Store<int8_t>(out, row, static_cast<int8_t>(v.i[j] == kNullI64 ? 0 : v.i[j]));
        break;
      case ColumnType::kShort:
        Store<int16_t>(out, row, static_cast<int16_t>(v.i[j] == kNullI64 ? 0 : v.i[j]));
        break;
      case ColumnType::kChar:
        Store<uint16_t>(out, row, static_cast<uint16_t>(v.i[j] == kNullI64 ? 0 : v.i[j]));
        break;
      case ColumnType::kInt:
        Store<int32_t>(out, row,
                       v.i[j] == kNullI64 ? cairo::kNullInt : static_cast<int32_t>(v.i[j]));
        break;
      case ColumnType::kLong:
      case ColumnType::kDate:
      case ColumnType::kTimestamp: Store<int64_t>(out, row, v.i[j]); break;
      case ColumnType::kFloat: Store<float>(out, row, static_cast<float>(v.d[j])); break;
      case ColumnType::kDouble: Store<double>(out, row, v.d[j]); break;
      case ColumnType::kSymbol: {
        std::string_view sv = v.Str(j);
        int32_t key = cairo::kNullSymbolKey;
        if (sv.data() != nullptr) {
          ASSIGN_OR_RETURN(key, writer_->SymbolKey(s.column, sv));
        }
        Store<int32_t>(out, row, key);
        break;
      }
      case ColumnType::kVarchar: {
        std::string_view sv = v.Str(j);
        str->emplace_back(row, sv.data() == nullptr
                                   ? std::string_view()
                                   : pool->Add(sv.empty() ? std::string_view(StringPool::kEmpty, 0) : sv));
        break;
      }
      case ColumnType::kIPv4:
      case ColumnType::kUuid:
      case ColumnType::kLong128:
      case ColumnType::kLong256:
        RETURN_IF_ERROR(
            StoreTypedValue(v, j, out + static_cast<size_t>(row) * cairo::ColumnTypeSize(s.type)));
        break;
      case ColumnType::kGeoHash:
        return Status::Unsupported("unsupported column type");
      case ColumnType::kBinary:
        return Status::Unsupported("UPDATE of a BINARY column is not supported");
    }
    return Status::Ok();
  }

  cairo::TableWriter* writer_;
  std::vector<SetColumn> sets_;
  BoundPtr where_;
  std::vector<bool> used_;
  std::optional<std::vector<Interval>> intervals_;
  int64_t updated_ = 0;
};

}  // namespace

core::Result<ExecResult> ExecuteUpdate(const UpdateStmt& s, PlanContext& ctx) {
  ASSIGN_OR_RETURN(cairo::WriterLease lease, AcquireTableWriter(ctx.engine, s.table, s.table_pos));
  cairo::TableWriter* w = lease.get();
  const cairo::TableSchema& schema = w->schema();
  std::vector<ColInfo> cols;
  const std::string& qualifier = s.alias.empty() ? s.table : s.alias;
  for (const auto& c : schema.columns) cols.push_back({c.name, c.type, qualifier});
  std::vector<bool> used(cols.size(), false);
  auto bind = [&](const Expr& e) -> core::Result<BoundPtr> {
    if (ContainsAggregate(e)) {
      return Status::InvalidArgument("aggregate functions are not allowed in UPDATE", e.pos);
    }
    BindContext bc;
    bc.cols = &cols;
    bc.used = &used;
    bc.now_us = ctx.now_us;
    bc.max_depth = ctx.max_depth;
    return Bind(e, bc);
  };
  std::vector<SetColumn> sets;
  for (size_t k = 0; k < s.columns.size(); ++k) {
    const int32_t cpos = s.column_positions[k];
    const std::string& q = s.qualifiers[k];
    const bool qualifier_ok =
        q.empty() || (q.size() == qualifier.size() &&
                      strncasecmp(q.c_str(), qualifier.c_str(), q.size()) == 0);
    int c = qualifier_ok ? schema.FindColumn(s.columns[k]) : -1;
    if (c < 0) {
      return Status::InvalidArgument(
          "Invalid column: " + (q.empty() ? s.columns[k] : q + "." + s.columns[k]), cpos);
    }
    if (c == schema.timestamp_index) {
      return Status::InvalidArgument("Designated timestamp column cannot be updated", cpos);
    }
    for (const SetColumn& prev : sets) {
      if (prev.column == c) {
        return Status::InvalidArgument("Duplicate column " + s.columns[k] + " in SET clause", cpos);
      }
    }
    SetColumn sc;
    sc.column = c;
    sc.type = schema.columns[c].type;
    sc.cast_to = sc.type == ColumnType::kSymbol ? ColumnType::kVarchar : sc.type;
    sc.pos = s.values[k]->pos;
    ASSIGN_OR_RETURN(sc.value, bind(*s.values[k]));
    const ColumnType from = sc.value->type();
    const ColumnType to = sc.type;
    if (!IsStorableAs(from, to)) {
      return Status::InvalidArgument("inconvertible types: " +
                                         std::string(cairo::ColumnTypeName(from)) + " -> " +
                                         std::string(cairo::ColumnTypeName(to)) + " [from=" +
                                         ExprToString(*s.values[k]) + ", to=" +
                                         schema.columns[c].name + "]",
                                     sc.pos);
    }
    sets.push_back(std::move(sc));
  }
  BoundPtr where;
  std::optional<std::vector<Interval>> intervals;
  if (s.where) {
    ASSIGN_OR_RETURN(where, bind(*s.where));
    if (where->type() != ColumnType::kBoolean) {
      return Status::InvalidArgument("boolean expression expected", s.where->pos);
    }
    ASSIGN_OR_RETURN(intervals,
                     WhereTimestampIntervals(s.where, cols, schema.timestamp_index, ctx));
  }
  UpdateRewriter rewriter(w, std::move(sets), std::move(where), std::move(used),
                          std::move(intervals));
  auto txn = w->RewriteEntries(rewriter);
  if (!txn.ok()) {
    const Status& st = txn.status();
    return st.position() >= 0 ? st : st.WithPosition(s.table_pos);
  }
  ExecResult r;
  r.kind = StatementKind::kDml;
  r.is_update = true;
  r.affected_rows = rewriter.updated();
  return r;
}

}  // namespace sundial::sql
