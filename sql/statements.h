// sql/statements.h — execution of the non-query statements (ddl.cpp, insert.cpp) and the
// adapter from an operator tree to the server's RowSource (row_source.cpp).
#pragma once

#include "cairo/engine.h"
#include "sql/ast.h"
#include "sql/planner.h"
#include "sql/result.h"

namespace sundial::sql {

core::Result<ExecResult> ExecuteCreateTable(const CreateTableStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteDropTable(const DropTableStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteTruncate(const TruncateStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteRenameTable(const RenameTableStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteAlterTable(const AlterTableStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteInsert(const InsertStmt& s, PlanContext& ctx);
core::Result<ExecResult> ExecuteUpdate(const UpdateStmt& s, PlanContext& ctx);

// May values of type `from` be written into a column of type `to` (INSERT ... SELECT and
// UPDATE's SET values; the values themselves are converted, and may still be refused, later)?
bool IsStorableAs(cairo::ColumnType from, cairo::ColumnType to);

// The writer lease of `table`; a missing table is NotFound "table does not exist [table=...]",
// every error carries `table_pos`.
core::Result<cairo::WriterLease> AcquireTableWriter(cairo::Engine* engine, const std::string& table,
                                                    int32_t table_pos);

// Inserts all rows of `op` into `table` through one writer lease, mapping op columns by
// position to `target_columns` (indexes in the table schema). Commits once; on any error
// nothing is committed. Returns the row count.
core::Result<int64_t> InsertRows(cairo::Engine* engine, const std::string& table, int32_t table_pos,
                                 Operator* op, const std::vector<int>& target_columns);

std::unique_ptr<RowSource> MakeRowSource(OpPtr op);

}  // namespace sundial::sql
