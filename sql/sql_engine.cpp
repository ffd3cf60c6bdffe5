// SqlEngine: the checks that come before parsing (read-only and backup root for BACKUP), parse,
// the read-only rule (IsWrite), then plan and run.
#include "sql/sql_engine.h"

#include <unistd.h>

#include <thread>

#include "core/timestamp.h"
#include "sql/backup_statement.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/planner.h"
#include "sql/query_budget.h"
#include "sql/statements.h"
#include "sql/table_functions.h"

namespace sundial::sql {

struct SqlEngine::Impl {
  cairo::Engine* engine;
  cairo::BackupService* backup;
  SqlOptions options;
};

SqlEngine::SqlEngine(cairo::Engine* engine, cairo::BackupService* backup, SqlOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->engine = engine;
  impl_->backup = backup;
  if (options.worker_threads <= 0) {
    options.worker_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (options.max_query_memory == 0) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    options.max_query_memory = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 4 : -1;
  }
  impl_->options = options;
}

SqlEngine::~SqlEngine() = default;

namespace {

// The one place writes are refused: read-only mode, or a request that takes queries only.
core::Status CheckAllowed(Statement::Kind kind, const SqlOptions& options, const ExecContext& ctx) {
  if (!IsWrite(kind)) return core::Status::Ok();
  if (options.read_only) {
    return core::Status(core::StatusCode::kPermissionDenied,
                        "Write permission denied: server is in read-only mode "
                        "(http.security.readonly)",
                        0);
  }
  if (ctx.queries_only != nullptr) return core::Status::InvalidArgument(ctx.queries_only, 0);
  return core::Status::Ok();
}

core::Result<ExecResult> Run(const Statement& st, PlanContext& ctx, cairo::BackupService* backup,
                             const std::shared_ptr<QueryBudget>& budget) {
  switch (st.kind) {
    case Statement::Kind::kQuery: {
      ASSIGN_OR_RETURN(OpPtr op, PlanQuery(*st.query, ctx));
      ExecResult r;
      r.kind = StatementKind::kQuery;
      r.rows = MakeRowSource(MakeBudgeted(std::move(op), budget));
      return r;
    }
    case Statement::Kind::kExplain: {
      // The plan the query would run, built (tables pinned, names bound) but not run.
      ASSIGN_OR_RETURN(OpPtr op, PlanQuery(*st.query, ctx));
      RowsBuilder rb({{"QUERY PLAN", ColumnType::kVarchar, ""}});
      for (std::string& line : ExplainLines(*op)) rb.Add({TextValue(std::move(line))});
      ExecResult r;
      r.kind = StatementKind::kQuery;
      r.rows = MakeRowSource(MakeBudgeted(rb.Build(), budget));
      return r;
    }
    case Statement::Kind::kShow: {
      ASSIGN_OR_RETURN(OpPtr op, PlanShow(*st.show, ctx));
      ExecResult r;
      r.kind = StatementKind::kQuery;
      r.rows = MakeRowSource(MakeBudgeted(std::move(op), budget));
      return r;
    }
    case Statement::Kind::kCreateTable: return ExecuteCreateTable(*st.create, ctx);
    case Statement::Kind::kDropTable: return ExecuteDropTable(*st.drop, ctx);
    case Statement::Kind::kTruncate: return ExecuteTruncate(*st.truncate, ctx);
    case Statement::Kind::kRenameTable: return ExecuteRenameTable(*st.rename, ctx);
    case Statement::Kind::kAlterTable: return ExecuteAlterTable(*st.alter, ctx);
    case Statement::Kind::kInsert: return ExecuteInsert(*st.insert, ctx);
    case Statement::Kind::kUpdate: return ExecuteUpdate(*st.update, ctx);
    case Statement::Kind::kBackup:
    case Statement::Kind::kSnapshot:
    case Statement::Kind::kVerifyBackup:
    case Statement::Kind::kRestoreTable:
      return ExecuteBackupStatement(st, backup);
  }
  return core::Status::Internal("unknown statement kind");
}

}  // namespace

core::Result<ExecResult> SqlEngine::Execute(std::string_view sql, const ExecContext& ctx) {
  try {
    // Ordering rule (QuestDB): a statement whose first word is BACKUP is a backup whatever
    // follows; it is refused as a write, then for want of a backup root, before it is parsed.
    if (StartsWithKeyword(sql, "backup")) {
      RETURN_IF_ERROR(CheckAllowed(Statement::Kind::kBackup, impl_->options, ctx));
      RETURN_IF_ERROR(CheckBackupBeforeParsing(sql, impl_->backup));
    }
    ParserLimits limits;
    limits.max_query_length = impl_->options.max_query_length;
    limits.max_expression_depth = impl_->options.max_expression_depth;
    ASSIGN_OR_RETURN(Statement st, ParseStatement(sql, limits));
    RETURN_IF_ERROR(CheckAllowed(st.kind, impl_->options, ctx));
    PlanContext pc;
    pc.engine = impl_->engine;
    pc.backup_schedule = impl_->options.backup_schedule;
    pc.backup = impl_->backup;
    pc.server_conf = impl_->options.server_conf;
    pc.read_only = impl_->options.read_only;
    pc.now_us = ctx.now_us != 0 ? ctx.now_us : impl_->engine->options().clock->NowMicros();
    pc.max_depth = impl_->options.max_expression_depth;
    pc.worker_threads = impl_->options.worker_threads;
    // One budget per statement: queries carry it into their RowSource; INSERT ... SELECT and
    // UPDATE run under it here.
    const SqlOptions& o = impl_->options;
    auto budget = std::make_shared<QueryBudget>(
        o.query_timeout_ms > 0 ? QueryBudget::NowMicros() + o.query_timeout_ms * 1000 : 0,
        o.max_query_memory > 0 ? o.max_query_memory : 0);
    BudgetScope scope(budget.get());
    return Run(st, pc, impl_->backup, budget);
  } catch (const std::bad_alloc&) {
    return core::Status::ResourceExhausted("out of memory while executing the statement");
  } catch (const std::exception& e) {
    return core::Status::Internal(std::string("statement failed: ") + e.what());
  }
}

}  // namespace sundial::sql
