// CREATE TABLE [AS SELECT], DROP, TRUNCATE, RENAME, ALTER TABLE.
#include <algorithm>

#include "core/timestamp.h"
#include "sql/expr.h"
#include "sql/lexer.h"
#include "sql/statements.h"

namespace sundial::sql {

using core::Status;

namespace {

Status MapEngineError(const Status& st, const std::string& table, int32_t pos) {
  if (st.code() == core::StatusCode::kNotFound) {
    return Status::NotFound("table does not exist [table=" + table + "]", pos);
  }
  if (st.code() == core::StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("table already exists", pos);
  }
  return st.position() >= 0 ? st : st.WithPosition(pos);
}

ExecResult Ddl() {
  ExecResult r;
  r.kind = StatementKind::kDdl;
  return r;
}

Status CheckTableName(const std::string& name, int32_t pos) {
  std::string err = cairo::ValidateTableName(name);
  if (!err.empty()) return Status::InvalidArgument(err, pos);
  return Status::Ok();
}

}  // namespace

core::Result<ExecResult> ExecuteCreateTable(const CreateTableStmt& s, PlanContext& ctx) {
  RETURN_IF_ERROR(CheckTableName(s.name, s.name_pos));
  if (ctx.engine->HasTable(s.name)) {
    if (s.if_not_exists) return Ddl();
    return Status::AlreadyExists("table already exists", s.name_pos);
  }
  cairo::TableSchema schema;
  OpPtr source;
  if (s.as_query) {
    ASSIGN_OR_RETURN(source, PlanQuery(*s.as_query, ctx));
    for (const auto& c : source->columns()) schema.columns.push_back({c.name, c.type, 0});
    // `, cast(col as TYPE)` clauses.
    for (const auto& cs : s.columns) {
      int k = schema.FindColumn(cs.name);
      if (k < 0) return Status::InvalidArgument("Invalid column: " + cs.name, cs.pos);
      schema.columns[k].type = cs.type;
    }
  } else {
    for (const auto& c : s.columns) {
      std::string err = cairo::ValidateColumnName(c.name);
      if (!err.empty()) return Status::InvalidArgument(err, c.pos);
      if (schema.FindColumn(c.name) >= 0) {
        return Status::InvalidArgument("Duplicate column [name=" + c.name + "]", c.pos);
      }
      schema.columns.push_back({c.name, c.type, 0});
    }
  }
  if (schema.columns.empty()) return Status::InvalidArgument("table has no columns", s.name_pos);
  if (!s.timestamp_column.empty()) {
    int k = schema.FindColumn(s.timestamp_column);
    if (k < 0)
      return Status::InvalidArgument("Invalid column: " + s.timestamp_column, s.timestamp_pos);
    if (schema.columns[k].type != cairo::ColumnType::kTimestamp) {
      return Status::InvalidArgument(
          "TIMESTAMP column expected [actual=" +
              std::string(cairo::ColumnTypeName(schema.columns[k].type)) + "]",
          s.timestamp_pos);
    }
    schema.timestamp_index = k;
  }
  schema.partition_by = s.partition_by;
  if (schema.partition_by != cairo::PartitionBy::kNone && schema.timestamp_index < 0) {
    return Status::InvalidArgument(
        "partitioning is possible only on tables with designated timestamps", s.partition_pos);
  }
  RETURN_IF_ERROR(MapEngineError(ctx.engine->CreateTable(s.name, schema), s.name, s.name_pos));
  if (source) {
    std::vector<int> targets(schema.columns.size());
    for (size_t k = 0; k < targets.size(); ++k) targets[k] = static_cast<int>(k);
    auto inserted = InsertRows(ctx.engine, s.name, s.name_pos, source.get(), targets);
    if (!inserted.ok()) {
      (void)ctx.engine->DropTable(s.name);  // a failed CREATE AS leaves nothing behind
      return inserted.status();
    }
  }
  return Ddl();
}

core::Result<ExecResult> ExecuteDropTable(const DropTableStmt& s, PlanContext& ctx) {
  if (!ctx.engine->HasTable(s.name)) {
    if (s.if_exists) return Ddl();
    return Status::NotFound("table does not exist [table=" + s.name + "]", s.name_pos);
  }
  RETURN_IF_ERROR(MapEngineError(ctx.engine->DropTable(s.name), s.name, s.name_pos));
  return Ddl();
}

core::Result<ExecResult> ExecuteTruncate(const TruncateStmt& s, PlanContext& ctx) {
  if (!ctx.engine->HasTable(s.name)) {
    return Status::NotFound("table does not exist [table=" + s.name + "]", s.name_pos);
  }
  RETURN_IF_ERROR(MapEngineError(ctx.engine->Truncate(s.name), s.name, s.name_pos));
  return Ddl();
}

core::Result<ExecResult> ExecuteRenameTable(const RenameTableStmt& s, PlanContext& ctx) {
  if (!ctx.engine->HasTable(s.from)) {
    return Status::NotFound("table does not exist [table=" + s.from + "]", s.from_pos);
  }
  RETURN_IF_ERROR(CheckTableName(s.to, s.to_pos));
  if (ctx.engine->HasTable(s.to) && !EqualsIgnoreCase(s.from, s.to)) {
    return Status::AlreadyExists("table already exists", s.to_pos);
  }
  Status st = ctx.engine->RenameTable(s.from, s.to);
  if (!st.ok()) {
    if (st.code() == core::StatusCode::kAlreadyExists)
      return Status::AlreadyExists("table already exists", s.to_pos);
    return MapEngineError(st, s.from, s.from_pos);
  }
  return Ddl();
}

namespace {

// The partitions DROP PARTITION / CONVERT PARTITION name: LIST 'name', ... (each must exist:
// NotFound "<missing> '<name>'") or WHERE <condition on the designated timestamp> (partitions
// whose every row matches). Partition starts, ascending.
core::Result<std::vector<int64_t>> SelectPartitions(const AlterTableStmt& s,
                                                    const cairo::TableView& view, PlanContext& ctx,
                                                    std::string_view missing) {
  const cairo::TableSchema& schema = view.schema();
  std::vector<int64_t> starts;
  if (s.partition_where) {
    std::vector<ColInfo> cols;
    for (const auto& c : schema.columns) cols.push_back({c.name, c.type, ""});
    BindContext bc;
    bc.cols = &cols;
    bc.now_us = ctx.now_us;
    ASSIGN_OR_RETURN(BoundPtr pred, Bind(*s.partition_where, bc));
    // A partition may be held by several entries (splits): judge it as a whole.
    std::vector<cairo::PartitionInfo> whole;
    for (const auto& p : view.partitions()) {
      if (!whole.empty() && whole.back().partition_start_us == p.partition_start_us) {
        whole.back().min_timestamp_us = std::min(whole.back().min_timestamp_us, p.min_timestamp_us);
        whole.back().max_timestamp_us = std::max(whole.back().max_timestamp_us, p.max_timestamp_us);
      } else {
        whole.push_back(p);
      }
    }
    for (const auto& p : whole) {
      Batch b;
      b.n = 2;
      b.cols.resize(cols.size());
      for (size_t c = 0; c < cols.size(); ++c) {
        b.cols[c].Reset(cols[c].type, 2);
        Value v = Value::Null(cols[c].type);
        FillConstant(v, 2, &b.cols[c]);
      }
      int ts = schema.timestamp_index;
      int64_t* t = b.cols[ts].AllocI(2);
      t[0] = p.min_timestamp_us;
      t[1] = p.max_timestamp_us;
      std::vector<uint8_t> mask;
      Vec out;
      RETURN_IF_ERROR(pred->Eval(b, &out));
      if (out.i[0] == 1 && out.i[1] == 1) starts.push_back(p.partition_start_us);
    }
  } else {
    for (size_t k = 0; k < s.partitions.size(); ++k) {
      auto start = cairo::ParsePartitionName(schema.partition_by, s.partitions[k]);
      if (!start) {
        return Status::InvalidArgument("'" + s.partitions[k] + "' is not a valid partition name",
                                       s.partition_positions[k]);
      }
      bool exists = false;
      for (const auto& p : view.partitions()) exists |= p.partition_start_us == *start;
      if (!exists) {
        return Status::NotFound(std::string(missing) + " '" + s.partitions[k] + "'",
                                s.partition_positions[k]);
      }
      starts.push_back(*start);
    }
  }
  return starts;
}

}  // namespace

core::Result<ExecResult> ExecuteAlterTable(const AlterTableStmt& s, PlanContext& ctx) {
  auto view = ctx.engine->Pin(s.table);
  if (!view.ok()) return MapEngineError(view.status(), s.table, s.table_pos);
  const cairo::TableSchema& schema = view->schema();
  switch (s.action) {
    case AlterTableStmt::Action::kAddColumn: {
      for (const auto& c : s.columns) {
        if (schema.FindColumn(c.name) >= 0) {
          return Status::AlreadyExists("column '" + c.name + "' already exists", c.pos);
        }
        std::string err = cairo::ValidateColumnName(c.name);
        if (!err.empty()) return Status::InvalidArgument(err, c.pos);
      }
      for (const auto& c : s.columns) {
        Status st = ctx.engine->AddColumn(s.table, c.name, c.type);
        if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(c.pos);
      }
      return Ddl();
    }
    case AlterTableStmt::Action::kDropColumn: {
      for (size_t k = 0; k < s.names.size(); ++k) {
        int c = schema.FindColumn(s.names[k]);
        if (c < 0)
          return Status::InvalidArgument("Invalid column: " + s.names[k], s.name_positions[k]);
        if (c == schema.timestamp_index) {
          return Status::InvalidArgument("cannot drop designated timestamp column",
                                         s.name_positions[k]);
        }
      }
      for (size_t k = 0; k < s.names.size(); ++k) {
        Status st = ctx.engine->DropColumn(s.table, s.names[k]);
        if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(s.name_positions[k]);
      }
      return Ddl();
    }
    case AlterTableStmt::Action::kAccepted: {
      for (size_t k = 0; k < s.names.size(); ++k) {
        if (schema.FindColumn(s.names[k]) < 0) {
          return Status::InvalidArgument("Invalid column: " + s.names[k], s.name_positions[k]);
        }
      }
      return Ddl();
    }
    case AlterTableStmt::Action::kRenameColumn: {
      int c = schema.FindColumn(s.names[0]);
      if (c < 0)
        return Status::InvalidArgument("Invalid column: " + s.names[0], s.name_positions[0]);
      if (schema.FindColumn(s.names[1]) >= 0 && !EqualsIgnoreCase(s.names[0], s.names[1])) {
        return Status::AlreadyExists("column '" + s.names[1] + "' already exists",
                                     s.name_positions[1]);
      }
      std::string err = cairo::ValidateColumnName(s.names[1]);
      if (!err.empty()) return Status::InvalidArgument(err, s.name_positions[1]);
      Status st = ctx.engine->RenameColumn(s.table, s.names[0], s.names[1]);
      if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(s.name_positions[0]);
      return Ddl();
    }
    case AlterTableStmt::Action::kDropPartition: {
      if (schema.partition_by == cairo::PartitionBy::kNone) {
        return Status::InvalidArgument("table is not partitioned", s.table_pos);
      }
      ASSIGN_OR_RETURN(std::vector<int64_t> starts,
                       SelectPartitions(s, *view, ctx, "could not remove partition"));
      if (starts.empty()) return Ddl();
      Status st = ctx.engine->DropPartitions(s.table, starts);
      if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(s.table_pos);
      return Ddl();
    }
    case AlterTableStmt::Action::kConvertPartition: {
      if (schema.partition_by == cairo::PartitionBy::kNone || schema.timestamp_index < 0) {
        return Status::InvalidArgument("table is not partitioned", s.table_pos);
      }
      ASSIGN_OR_RETURN(std::vector<int64_t> starts,
                       SelectPartitions(s, *view, ctx, "could not convert partition"));
      if (starts.empty()) return Ddl();
      const int64_t active = view->partitions().back().partition_start_us;
      for (size_t k = 0; k < starts.size(); ++k) {
        if (starts[k] != active) continue;
        // The newest partition takes in-order appends: it stays uncompressed.
        const int32_t pos = s.partitions.empty() ? s.table_pos : s.partition_positions[k];
        if (!s.to_compressed) return Ddl();  // already native
        return Status::InvalidArgument("cannot convert active partition '" +
                                           cairo::PartitionName(schema.partition_by, active) + "'",
                                       pos);
      }
      Status st = ctx.engine->ConvertPartitions(s.table, starts, s.to_compressed);
      if (!st.ok()) return st.position() >= 0 ? st : st.WithPosition(s.table_pos);
      return Ddl();
    }
  }
  return Status::Internal("unknown ALTER action");
}

}  // namespace sundial::sql
