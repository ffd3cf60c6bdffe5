// sql/sql_engine.h — the entry point from the server (and tests) to SQL: parse, bind, plan,
// execute. One SqlEngine per server, shared by all connections; Execute() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairo/engine.h"
#include "core/config.h"
#include "core/status.h"
#include "sql/result.h"

namespace sundial::cairo {
class BackupService;
class BackupScheduler;
}

namespace sundial::sql {

struct SqlOptions {
  int worker_threads = 0;          // 0: one per core
  size_t max_query_length = 1 << 20;
  int max_expression_depth = 256;
  // http.security.readonly: refuse every statement IsWrite (ast.h) calls a write, before it
  // runs, with PermissionDenied "Write permission denied: server is in read-only mode".
  bool read_only = false;
  // query.timeout: a statement still running this long after Execute() began ends with
  // `timeout, query aborted` (checked per batch inside scans' filters, GROUP BY, SAMPLE BY,
  // ORDER BY, DISTINCT and joins' build sides). 0: no timeout.
  int64_t query_timeout_ms = 0;
  // cairo.sql.max.query.memory: most bytes one statement's hash tables, sort buffers and join
  // build sides may hold; more ends it with `query memory limit exceeded`. 0: a quarter of the
  // machine's memory; negative: no limit.
  int64_t max_query_memory = 0;
  // The server's backup schedule, shown by `backup_schedule()`; null: no schedule (no rows).
  // Must outlive the SqlEngine.
  const cairo::BackupScheduler* backup_schedule = nullptr;
  // The server's settings, listed by `server_conf()`; null: none (no rows). Must outlive the
  // SqlEngine.
  const core::Properties* server_conf = nullptr;
};

struct ExecContext {
  // Bound once per request; now() is fixed for the whole statement.
  int64_t now_us = 0;  // 0: take the clock at Execute()
  // Non-null: this request accepts only queries (/exp); any statement IsWrite calls a write is
  // refused before it runs with InvalidArgument `queries_only` at 0.
  const char* queries_only = nullptr;
};

class SqlEngine {
 public:
  // `backup` may be null (BACKUP/SNAPSHOT statements then fail with a clear error).
  SqlEngine(cairo::Engine* engine, cairo::BackupService* backup, SqlOptions options);
  ~SqlEngine();

  // Runs one statement (a trailing ';' is allowed). Errors carry a message and the 0-based
  // character position of the fault, QuestDB-style ("Invalid column: z" at 10). A failed
  // statement changes no data. Order of the checks: a statement starting with BACKUP is refused
  // in read-only mode, then with no backup root (backup_statement.h), before it is parsed;
  // every other statement is parsed first, then refused if it is a write (IsWrite) and
  // writes are not allowed (read_only, ExecContext::queries_only), then run.
  core::Result<ExecResult> Execute(std::string_view sql, const ExecContext& ctx = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sundial::sql
