// Table functions and SHOW: tables(), table_columns('t'), table_partitions('t'),
// long_sequence(n), backups(), backup_schedule(), SHOW TABLES / COLUMNS / PARTITIONS /
// CREATE TABLE / BACKUPS.
#include <algorithm>

#include "cairo/backup.h"
#include "cairo/backup_schedule.h"
#include "core/timestamp.h"
#include "sql/functions/registry.h"
#include "sql/lexer.h"
#include "sql/planner.h"
#include "sql/table_functions.h"

namespace sundial::sql {
namespace {

using core::Status;

Value S(std::string s) { return TextValue(std::move(s)); }
Value I(int64_t v) { return IntValue(v); }
Value L(int64_t v) { return LongValue(v); }
Value B(bool v) { return BoolValue(v); }
Value T(int64_t v) { return TimestampValue(v); }

core::Result<cairo::TableView> PinTable(PlanContext& ctx, const std::string& name, int32_t pos) {
  auto v = ctx.engine->Pin(name);
  if (!v.ok()) {
    if (v.status().code() == core::StatusCode::kNotFound) {
      return Status::NotFound("table does not exist [table=" + name + "]", pos);
    }
    return v.status().WithPosition(pos);
  }
  return std::move(v).value();
}

OpPtr Columns(const cairo::TableView& view) {
  RowsBuilder rb({{"column", ColumnType::kVarchar, ""},
                  {"type", ColumnType::kVarchar, ""},
                  {"indexed", ColumnType::kBoolean, ""},
                  {"indexBlockCapacity", ColumnType::kInt, ""},
                  {"symbolCached", ColumnType::kBoolean, ""},
                  {"symbolCapacity", ColumnType::kInt, ""},
                  {"designated", ColumnType::kBoolean, ""},
                  {"upsertKey", ColumnType::kBoolean, ""}});
  const auto& schema = view.schema();
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const auto& col = schema.columns[c];
    bool sym = col.type == ColumnType::kSymbol;
    rb.Add({S(col.name), S(std::string(cairo::ColumnTypeName(col.type))), B(false), I(0), B(sym),
            I(sym ? 256 : 0), B(static_cast<int>(c) == schema.timestamp_index), B(false)});
  }
  return rb.Build();
}

// Bytes entry `entry`'s column files take uncompressed (`.d` and `.i`): for a compressed entry,
// what its decoded columns hold (a VARCHAR column's byte count is known only once decoded,
// which is done a window of rows at a time).
core::Result<uint64_t> RawSize(const cairo::TableView& view, size_t entry) {
  constexpr int64_t kWindow = 65536;
  cairo::DecodedRows decoded;
  const cairo::PartitionInfo& part = view.partitions()[entry];
  const uint64_t rows = static_cast<uint64_t>(part.row_count);
  uint64_t size = 0;
  for (size_t c = 0; c < view.schema().columns.size(); ++c) {
    const ColumnType type = view.schema().columns[c].type;
    if (part.knows_column_files() && !part.column_files[c]) continue;
    if (!cairo::IsVarSize(type)) {
      size += rows * cairo::ColumnTypeSize(type);
      continue;
    }
    const int ci = static_cast<int>(c);
    ASSIGN_OR_RETURN(cairo::ColumnData none, view.ColumnRows(entry, ci, 0, 0, &decoded));
    if (none.is_all_null) continue;
    size += (rows + 1) * 8;
    for (int64_t lo = 0; lo < part.row_count; lo += kWindow) {
      const int64_t hi = std::min(part.row_count, lo + kWindow);
      ASSIGN_OR_RETURN(cairo::ColumnData d, view.ColumnRows(entry, ci, lo, hi, &decoded));
      const uint64_t mask = cairo::ColumnData::kOffsetMask;
      size += (d.varchar_index[hi - lo] & mask) - (d.varchar_index[0] & mask);
    }
  }
  return size;
}

core::Result<OpPtr> Partitions(const cairo::TableView& view) {
  RowsBuilder rb({{"index", ColumnType::kInt, ""},
                  {"partitionBy", ColumnType::kVarchar, ""},
                  {"name", ColumnType::kVarchar, ""},
                  {"minTimestamp", ColumnType::kTimestamp, ""},
                  {"maxTimestamp", ColumnType::kTimestamp, ""},
                  {"numRows", ColumnType::kLong, ""},
                  {"diskSize", ColumnType::kLong, ""},
                  {"diskSizeHuman", ColumnType::kVarchar, ""},
                  {"readOnly", ColumnType::kBoolean, ""},
                  {"active", ColumnType::kBoolean, ""},
                  {"attached", ColumnType::kBoolean, ""},
                  {"detached", ColumnType::kBoolean, ""},
                  {"attachable", ColumnType::kBoolean, ""},
                  // Ours: compressed partitions (ALTER TABLE ... CONVERT PARTITION).
                  {"isCompressed", ColumnType::kBoolean, ""},
                  {"compressedSize", ColumnType::kLong, ""},
                  {"rawSize", ColumnType::kLong, ""}});
  const auto& parts = view.partitions();
  ASSIGN_OR_RETURN(std::vector<cairo::CommittedFile> files, view.CommittedFiles());
  cairo::PartitionBy by = view.schema().partition_by;
  bool has_ts = view.schema().timestamp_index >= 0;
  // One row per partition, however many entries (splits) hold it.
  int64_t index = 0;
  for (size_t p = 0; p < parts.size();) {
    const auto& info = parts[p];
    int64_t rows = 0, min_ts = info.min_timestamp_us, max_ts = info.max_timestamp_us;
    uint64_t size = 0, compressed_size = 0, raw_size = 0;
    bool is_compressed = false;
    size_t q = p;
    for (; q < parts.size() && parts[q].partition_start_us == info.partition_start_us; ++q) {
      ASSIGN_OR_RETURN(uint64_t raw, RawSize(view, q));
      raw_size += raw;
      is_compressed |= parts[q].is_compressed;
      rows += parts[q].row_count;
      min_ts = std::min(min_ts, parts[q].min_timestamp_us);
      max_ts = std::max(max_ts, parts[q].max_timestamp_us);
      std::string prefix = parts[q].dir_name + "/";
      for (const auto& f : files) {
        if (f.relative_path.rfind(prefix, 0) != 0) continue;
        size += f.committed_size;
        if (parts[q].is_compressed) compressed_size += f.committed_size;
      }
    }
    char human[32];
    if (size >= (1u << 30)) {
      std::snprintf(human, sizeof human, "%.1f GiB", size / double(1u << 30));
    } else if (size >= (1u << 20)) {
      std::snprintf(human, sizeof human, "%.1f MiB", size / double(1u << 20));
    } else if (size >= 1024) {
      std::snprintf(human, sizeof human, "%.1f KiB", size / 1024.0);
    } else {
      std::snprintf(human, sizeof human, "%llu.0 B", static_cast<unsigned long long>(size));
    }
    rb.Add({I(index++), S(std::string(cairo::PartitionByName(by))),
            S(cairo::PartitionName(by, info.partition_start_us)), has_ts ? T(min_ts) : T(kNullI64),
            has_ts ? T(max_ts) : T(kNullI64), L(rows), L(static_cast<int64_t>(size)), S(human),
            B(false), B(q == parts.size()), B(true), B(false), B(false), B(is_compressed),
            L(static_cast<int64_t>(compressed_size)), L(static_cast<int64_t>(raw_size))});
    p = q;
  }
  return rb.Build();
}

OpPtr Tables(PlanContext& ctx) {
  RowsBuilder rb({{"id", ColumnType::kInt, ""},
                  {"table_name", ColumnType::kVarchar, ""},
                  {"designatedTimestamp", ColumnType::kVarchar, ""},
                  {"partitionBy", ColumnType::kVarchar, ""},
                  {"maxUncommittedRows", ColumnType::kInt, ""},
                  {"o3MaxLag", ColumnType::kLong, ""},
                  {"walEnabled", ColumnType::kBoolean, ""},
                  {"directoryName", ColumnType::kVarchar, ""},
                  {"dedup", ColumnType::kBoolean, ""}});
  for (const auto& name : ctx.engine->ListTables()) {
    auto v = ctx.engine->Pin(name);
    if (!v.ok()) continue;
    const auto& schema = v->schema();
    Value ts = schema.timestamp_index >= 0 ? S(schema.columns[schema.timestamp_index].name)
                                           : Value::Null(ColumnType::kVarchar);
    rb.Add({I(v->table_id()), S(v->table_name()), ts,
            S(std::string(cairo::PartitionByName(schema.partition_by))), I(500000), L(600000000),
            B(false), S(v->table_name()), B(false)});
  }
  return rb.Build();
}

Value SOrNull(const std::string& s) { return s.empty() ? Value::Null(ColumnType::kVarchar) : S(s); }

// backup_schedule(): one row for the server's schedule (backup.schedule.cron), none without.
OpPtr BackupSchedule(PlanContext& ctx) {
  RowsBuilder rb({{"cron", ColumnType::kVarchar, ""},
                  {"tz", ColumnType::kVarchar, ""},
                  {"next_run", ColumnType::kTimestamp, ""},
                  {"last_run", ColumnType::kTimestamp, ""},
                  {"last_status", ColumnType::kVarchar, ""},
                  {"last_error", ColumnType::kVarchar, ""}});
  if (ctx.backup_schedule != nullptr) {
    const cairo::BackupScheduleState st = ctx.backup_schedule->State();
    rb.Add({S(st.cron), S(st.tz), T(st.next_run_us), T(st.last_run_us), SOrNull(st.last_status),
            SOrNull(st.last_error)});
  }
  return rb.Build();
}

// backups() and SHOW BACKUPS: the backup history, newest first (cairo/backup_history.h).
// With no backup root, QuestDB's "backup is disabled ..." at `pos`.
core::Result<OpPtr> Backups(PlanContext& ctx, int32_t pos) {
  if (ctx.backup == nullptr || !ctx.backup->enabled()) {
    return Status::InvalidArgument(
        "backup is disabled, server.conf property 'cairo.sql.backup.root' is not set", pos);
  }
  auto history = ctx.backup->History();
  if (!history.ok()) return history.status().WithPosition(pos);
  RowsBuilder rb({{"name", ColumnType::kVarchar, ""},
                  {"kind", ColumnType::kVarchar, ""},
                  {"status", ColumnType::kVarchar, ""},
                  {"progress_percent", ColumnType::kInt, ""},
                  {"start_ts", ColumnType::kTimestamp, ""},
                  {"end_ts", ColumnType::kTimestamp, ""},
                  {"duration_us", ColumnType::kLong, ""},
                  {"tables", ColumnType::kVarchar, ""},
                  {"rows", ColumnType::kLong, ""},
                  {"bytes_copied", ColumnType::kLong, ""},
                  {"bytes_linked", ColumnType::kLong, ""},
                  {"backup_error", ColumnType::kVarchar, ""},
                  {"cleanup_error", ColumnType::kVarchar, ""},
                  {"removed_ts", ColumnType::kTimestamp, ""}});
  for (const cairo::BackupHistoryEntry& e : *history) {
    std::string tables;
    for (const auto& t : e.tables) tables += (tables.empty() ? "" : ",") + t;
    const bool running = e.end_us == 0;
    rb.Add({SOrNull(e.name),
            e.unreadable ? Value::Null(ColumnType::kVarchar)
                         : S(std::string(cairo::BackupKindName(e))),
            S(std::string(cairo::BackupStatusName(e.status))), I(e.progress_percent), T(e.start_us),
            T(running ? kNullI64 : e.end_us), L(e.duration_us), SOrNull(tables), L(e.rows),
            L(static_cast<int64_t>(e.bytes_copied)), L(static_cast<int64_t>(e.bytes_linked)),
            SOrNull(e.backup_error), SOrNull(e.cleanup_error),
            T(e.removed_us == 0 ? kNullI64 : e.removed_us)});
  }
  return rb.Build();
}

// functions(): one row per registered function and signature (QuestDB's columns name,
// signature, type: STANDARD, GROUP_BY or CURSOR).
OpPtr Functions() {
  RowsBuilder rb({{"name", ColumnType::kVarchar, ""},
                  {"signature", ColumnType::kVarchar, ""},
                  {"type", ColumnType::kVarchar, ""}});
  for (const FunctionDef* d : FunctionRegistry::Get().All()) {
    std::string type = d->kind == FunctionKind::kScalar      ? "STANDARD"
                       : d->kind == FunctionKind::kAggregate ? "GROUP_BY"
                                                             : "CURSOR";
    if (d->overloads.empty()) {
      rb.Add({S(d->name), S(d->name + "(...)"), S(type)});
      continue;
    }
    for (const auto& o : d->overloads) rb.Add({S(d->name), S(o.signature), S(type)});
  }
  return rb.Build();
}

core::Result<OpPtr> LongSequence(const TableRef& ref, PlanContext& ctx) {
  if (ref.func_args.empty()) {
    return Status::InvalidArgument("long_sequence expects a row count", ref.pos);
  }
  std::vector<ColInfo> none;
  BindContext bc;
  bc.cols = &none;
  bc.now_us = ctx.now_us;
  ASSIGN_OR_RETURN(BoundPtr b, Bind(*ref.func_args[0], bc));
  const Value* c = b->constant();
  if (!c || c->is_null || !IsIntegral(c->type)) {
    return Status::InvalidArgument("long_sequence expects an integer constant",
                                   ref.func_args[0]->pos);
  }
  if (c->i > 100'000'000) {
    return Status::ResourceExhausted("long_sequence is limited to 100000000 rows");
  }
  return MakeLongSequence(std::max<int64_t>(0, c->i));
}

}  // namespace

void RegisterIntrospectionRelations(TableFunctionRegistry& r) {
  r.Add("long_sequence", "rows 1..n in column x", LongSequence);
  auto tables = [](const TableRef&, PlanContext& ctx) -> core::Result<OpPtr> {
    return Tables(ctx);
  };
  r.Add("tables", "the tables", tables);
  r.Add("all_tables", "the tables (same as tables())", tables);
  r.Add("table_columns", "the columns of a table",
        [](const TableRef& ref, PlanContext& ctx) -> core::Result<OpPtr> {
          ASSIGN_OR_RETURN(std::string name, RelationTextArg(ref, 0, ctx, "table name"));
          ASSIGN_OR_RETURN(cairo::TableView view, PinTable(ctx, name, ref.func_args[0]->pos));
          return Columns(view);
        });
  r.Add("table_partitions", "the partitions of a table (QuestDB's columns, then `isCompressed`, `compressedSize`, `rawSize`)",
        [](const TableRef& ref, PlanContext& ctx) -> core::Result<OpPtr> {
          ASSIGN_OR_RETURN(std::string name, RelationTextArg(ref, 0, ctx, "table name"));
          ASSIGN_OR_RETURN(cairo::TableView view, PinTable(ctx, name, ref.func_args[0]->pos));
          return Partitions(view);
        });
  r.Add("backups", "the backup history",
        [](const TableRef& ref, PlanContext& ctx) { return Backups(ctx, ref.pos); });
  r.Add(
      "backup_schedule", "the backup schedule",
      [](const TableRef&, PlanContext& ctx) -> core::Result<OpPtr> { return BackupSchedule(ctx); });
  r.Add("functions", "the registered functions with their signatures",
        [](const TableRef&, PlanContext&) -> core::Result<OpPtr> { return Functions(); });
}

core::Result<OpPtr> PlanTableFunction(const TableRef& ref, PlanContext& ctx) {
  const TableFunctionDef* def = TableFunctionRegistry::Get().Find(ref.name);
  if (def == nullptr) return Status::InvalidArgument("unknown function name: " + ref.name, ref.pos);
  return def->plan(ref, ctx);
}

core::Result<OpPtr> PlanShow(const ShowStmt& show, PlanContext& ctx) {
  switch (show.what) {
    case ShowStmt::What::kTables: {
      RowsBuilder rb({{"table_name", ColumnType::kVarchar, ""}});
      for (const auto& name : ctx.engine->ListTables()) rb.Add({S(name)});
      return rb.Build();
    }
    case ShowStmt::What::kColumns: {
      ASSIGN_OR_RETURN(cairo::TableView view, PinTable(ctx, show.table, show.table_pos));
      return Columns(view);
    }
    case ShowStmt::What::kPartitions: {
      ASSIGN_OR_RETURN(cairo::TableView view, PinTable(ctx, show.table, show.table_pos));
      return Partitions(view);
    }
    case ShowStmt::What::kBackups:
      return Backups(ctx, 0);
    case ShowStmt::What::kCreateTable: {
      ASSIGN_OR_RETURN(cairo::TableView view, PinTable(ctx, show.table, show.table_pos));
      const auto& schema = view.schema();
      std::string ddl = "CREATE TABLE '" + view.table_name() + "' ( \n";
      for (size_t c = 0; c < schema.columns.size(); ++c) {
        ddl += "\t" + schema.columns[c].name + " " +
               std::string(cairo::ColumnTypeName(schema.columns[c].type));
        ddl += c + 1 < schema.columns.size() ? ",\n" : "\n";
      }
      ddl += ")";
      if (schema.timestamp_index >= 0)
        ddl += " timestamp(" + schema.columns[schema.timestamp_index].name + ")";
      ddl += " PARTITION BY " + std::string(cairo::PartitionByName(schema.partition_by)) +
             " BYPASS WAL;";
      RowsBuilder rb({{"ddl", ColumnType::kVarchar, ""}});
      rb.Add({S(ddl)});
      return rb.Build();
    }
  }
  return Status::Internal("unknown SHOW");
}

}  // namespace sundial::sql
