// QuestDB's meta table functions, each saying what this server can honestly tell:
// keywords(), server_conf(), memory_metrics(), table_writer_metrics(), permissions(),
// all_permissions(), and reader_pool() / wal_tables(), which have QuestDB's columns and no
// rows since this server keeps no reader pool and has no WAL tables.
#include <algorithm>

#include "cairo/engine.h"
#include "core/config.h"
#include "core/process_memory.h"
#include "sql/parser.h"
#include "sql/table_functions.h"

namespace sundial::sql {
namespace {

using cairo::ColumnType;

ColInfo Col(std::string name, ColumnType type) { return {std::move(name), type, ""}; }

// The statements the read-only rule (IsWrite, ast.h) tells apart, as QuestDB names the
// permission to run them.
struct PermissionName {
  Statement::Kind kind;
  const char* name;
};
constexpr PermissionName kPermissions[] = {
    {Statement::Kind::kQuery, "SELECT"},
    {Statement::Kind::kShow, "SHOW"},
    {Statement::Kind::kExplain, "EXPLAIN"},
    {Statement::Kind::kVerifyBackup, "VERIFY BACKUP"},
    {Statement::Kind::kInsert, "INSERT"},
    {Statement::Kind::kUpdate, "UPDATE"},
    {Statement::Kind::kCreateTable, "CREATE TABLE"},
    {Statement::Kind::kDropTable, "DROP TABLE"},
    {Statement::Kind::kTruncate, "TRUNCATE TABLE"},
    {Statement::Kind::kRenameTable, "RENAME TABLE"},
    {Statement::Kind::kAlterTable, "ALTER TABLE"},
    {Statement::Kind::kBackup, "BACKUP DATABASE"},
    {Statement::Kind::kSnapshot, "SNAPSHOT"},
    {Statement::Kind::kRestoreTable, "RESTORE TABLE"},
};

core::Result<OpPtr> Keywords(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  std::vector<std::string_view> words(ReservedWords().begin(), ReservedWords().end());
  std::sort(words.begin(), words.end());
  RowsBuilder rb({Col("keyword", ColumnType::kVarchar)});
  for (std::string_view w : words) rb.Add({TextValue(std::string(w))});
  return rb.Build();
}

// A key whose value is a credential: shown as ****.
bool IsSensitiveKey(std::string_view key) {
  for (std::string_view part : {"password", "secret", "token", "access.key", "credential"}) {
    if (key.find(part) != std::string_view::npos) return true;
  }
  return false;
}

// server_conf(): the settings the server started with (server.conf, with QDB_/SUNDIAL_
// environment variables applied); none when the engine runs without a configuration.
core::Result<OpPtr> ServerConf(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("property_path", ColumnType::kVarchar),
                  Col("env_var_name", ColumnType::kVarchar), Col("value", ColumnType::kVarchar),
                  Col("sensitive", ColumnType::kBoolean), Col("dynamic", ColumnType::kBoolean)});
  if (ctx.server_conf != nullptr) {
    for (const auto& [key, value] : ctx.server_conf->values()) {
      const bool sensitive = IsSensitiveKey(key);
      rb.Add({TextValue(key), TextValue(core::Properties::EnvName("QDB_", key)),
              TextValue(sensitive ? "****" : value), BoolValue(sensitive), BoolValue(false)});
    }
  }
  return rb.Build();
}

// memory_metrics(): the process's resident memory as the kernel reports it (one row per kind).
core::Result<OpPtr> MemoryMetrics(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  auto mem = core::ReadProcessMemory();
  if (!mem.ok()) return mem.status().WithPosition(ref.pos);
  RowsBuilder rb({Col("memory_tag", ColumnType::kVarchar), Col("bytes", ColumnType::kLong)});
  auto add = [&](const char* tag, uint64_t bytes) {
    rb.Add({TextValue(tag), LongValue(static_cast<int64_t>(bytes))});
  };
  add("RSS", mem->rss_bytes);
  add("RSS_ANON", mem->rss_anon_bytes);
  add("RSS_FILE", mem->rss_file_bytes);
  add("RSS_SHMEM", mem->rss_shmem_bytes);
  add("RSS_PEAK", mem->vm_hwm_bytes);
  return rb.Build();
}

// table_writer_metrics(): commits and committed rows since the engine opened; what the engine
// does not count (out-of-order commits, rollbacks, rows physically written) is NULL.
core::Result<OpPtr> TableWriterMetrics(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  const cairo::EngineCounters c = ctx.engine->counters();
  RowsBuilder rb({Col("total_commits", ColumnType::kLong), Col("o3commits", ColumnType::kLong),
                  Col("rollbacks", ColumnType::kLong), Col("committed_rows", ColumnType::kLong),
                  Col("physically_written_rows", ColumnType::kLong)});
  rb.Add({LongValue(static_cast<int64_t>(c.commits)), Value::Null(ColumnType::kLong),
          Value::Null(ColumnType::kLong), LongValue(static_cast<int64_t>(c.committed_rows)),
          Value::Null(ColumnType::kLong)});
  return rb.Build();
}

// all_permissions(): every permission this server tells apart; permissions(): those granted
// (all, or only the reads in read-only mode: http.security.readonly).
core::Result<OpPtr> AllPermissions(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("permission", ColumnType::kVarchar), Col("is_write", ColumnType::kBoolean)});
  for (const auto& p : kPermissions) rb.Add({TextValue(p.name), BoolValue(IsWrite(p.kind))});
  return rb.Build();
}

core::Result<OpPtr> Permissions(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("permission", ColumnType::kVarchar), Col("table_name", ColumnType::kVarchar),
                  Col("column_name", ColumnType::kVarchar),
                  Col("grant_option", ColumnType::kBoolean)});
  for (const auto& p : kPermissions) {
    if (ctx.read_only && IsWrite(p.kind)) continue;
    rb.Add({TextValue(p.name), Value::Null(ColumnType::kVarchar), Value::Null(ColumnType::kVarchar),
            BoolValue(false)});
  }
  return rb.Build();
}

RelationPlanner Empty(std::vector<ColInfo> cols) {
  return [cols](const TableRef& ref, PlanContext&) -> core::Result<OpPtr> {
    RETURN_IF_ERROR(NoRelationArgs(ref));
    return RowsBuilder(cols).Build();
  };
}

}  // namespace

void RegisterMetaRelations(TableFunctionRegistry& r) {
  r.Add("keywords", "the reserved words of the SQL dialect", Keywords);
  r.Add("server_conf", "the server's configuration (credentials masked)", ServerConf);
  r.Add("memory_metrics", "the process's resident memory by kind", MemoryMetrics);
  r.Add("table_writer_metrics", "commits and committed rows since the engine opened",
        TableWriterMetrics);
  r.Add("all_permissions", "the permissions this server tells apart", AllPermissions);
  r.Add("permissions", "the permissions granted (reads only in read-only mode)", Permissions);
  r.Add("reader_pool", "pooled table readers (none: queries pin a table while they run)",
        Empty({Col("table_name", ColumnType::kVarchar), Col("owner_thread_id", ColumnType::kLong),
               Col("current_txn", ColumnType::kLong),
               Col("last_access_timestamp", ColumnType::kTimestamp)}));
  r.Add("wal_tables", "WAL tables (none: every table commits directly)",
        Empty({Col("name", ColumnType::kVarchar), Col("suspended", ColumnType::kBoolean),
               Col("writerTxn", ColumnType::kLong), Col("writerLagTxnCount", ColumnType::kLong),
               Col("sequencerTxn", ColumnType::kLong)}));
}

}  // namespace sundial::sql
