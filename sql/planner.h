// sql/planner.h — turns a parsed query into a tree of physical operators.
//
// Binding happens here: FROM sources are resolved (tables pinned through the engine, CTEs,
// subqueries, table functions), WHERE conjuncts on the designated timestamp become scan
// intervals (partition pruning + binary search), aggregates and SAMPLE BY become an
// AggregateOp, LATEST ON a backward scan, and the SELECT list a projection with QuestDB's
// column names. Errors carry the position of the offending token.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairo/engine.h"
#include "core/config.h"
#include "core/status.h"
#include "sql/ast.h"
#include "sql/operator.h"

namespace sundial::cairo {
class BackupScheduler;
class BackupService;
}  // namespace sundial::cairo

namespace sundial::sql {

struct PlanContext {
  cairo::Engine* engine = nullptr;
  const cairo::BackupScheduler* backup_schedule = nullptr;  // backup_schedule(); may be null
  cairo::BackupService* backup = nullptr;  // backups() / SHOW BACKUPS; may be null
  const core::Properties* server_conf = nullptr;  // server_conf(); may be null
  bool read_only = false;                         // permissions(): SqlOptions::read_only
  int64_t now_us = 0;
  int max_depth = 256;
  int worker_threads = 1;
  int depth = 0;
  std::vector<std::pair<std::string, QueryPtr>> ctes;  // innermost last
};

core::Result<OpPtr> PlanQuery(const Query& q, PlanContext& ctx);

// The intervals of the designated timestamp `cols[ts_index]` that `where` restricts rows to:
// the intersection over its top-level AND conjuncts that compare the timestamp with constants
// (`ts IN '2024-01-02'`, `ts > '…'`, BETWEEN, ...); nullopt when no conjunct does. Rows outside
// cannot match `where`; rows inside still need the whole predicate.
core::Result<std::optional<std::vector<Interval>>> WhereTimestampIntervals(
    const ExprPtr& where, const std::vector<ColInfo>& cols, int ts_index, PlanContext& ctx);

// Table functions usable in FROM (tables(), table_columns('t'), table_partitions('t'),
// long_sequence(n), backups()) and SHOW statements (introspection.cpp).
core::Result<OpPtr> PlanTableFunction(const TableRef& ref, PlanContext& ctx);
core::Result<OpPtr> PlanShow(const ShowStmt& show, PlanContext& ctx);

// QuestDB's output names: duplicates get 1, 2, ... suffixes; a taken name that is an integer
// (the second `SELECT 1, 1`) becomes column, column1, ... rather than 11.
std::string UniqueName(const std::string& base, std::vector<std::string>* used);
// The derived name of a select expression without alias: a column keeps its name, a function
// call is named after the function, a non-negative number literal by its text (`SELECT 1`
// gives a column named 1), anything else `column` (cast, case as their keyword).
std::string DerivedName(const Expr& e);

}  // namespace sundial::sql
