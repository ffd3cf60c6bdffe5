// sql/ast.h — the syntax tree produced by the parser. Every node keeps the 0-based byte
// position of its first token, so later stages (binder, planner, executor) report errors at
// the right place. Nodes are immutable after parsing and shared through shared_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairo/column_type.h"

namespace sundial::sql {

struct Expr;
struct Query;
struct WindowSpec;
using ExprPtr = std::shared_ptr<const Expr>;
using QueryPtr = std::shared_ptr<const Query>;
using WindowSpecPtr = std::shared_ptr<const WindowSpec>;

enum class ExprKind : uint8_t {
  kNull,     // NULL
  kBool,     // true/false (ival 0/1)
  kInteger,  // ival (INT if it fits in 32 bits, else LONG)
  kFloat,    // dval
  kString,   // sval
  kColumn,   // [qualifier.]name
  kStar,     // * or qualifier.*
  kCall,     // name(args), also operators: name is the operator ("+", "=", "and", "not", ...)
  kCase,     // args: [operand?] when1 then1 ... [else]; has_operand / has_else
  kCast,     // args[0]::cast_type
  kIn,       // args[0] IN (args[1..]); negated
  kBetween,  // args[0] BETWEEN args[1] AND args[2]; negated
  kLike,     // args[0] LIKE args[1]; negated, ilike
  kIsNull,   // args[0] IS [NOT] NULL; negated
  kGeoHash,  // #u33d8, ##0110: ival its bits' value, cast_type its GEOHASH type, text as written
};

struct Expr {
  ExprKind kind = ExprKind::kNull;
  int32_t pos = 0;
  int64_t ival = 0;
  double dval = 0;
  std::string sval;       // string literal, column name, function/operator name (lower case)
  std::string qualifier;  // table alias of a column
  std::string text;       // source text of a literal or a function name as written
  std::vector<ExprPtr> args;
  bool negated = false;
  bool ilike = false;
  bool distinct = false;     // count(distinct x)
  bool star_arg = false;     // count(*)
  bool has_operand = false;  // CASE x WHEN ...
  bool has_else = false;
  bool is_operator = false;   // kCall built from an operator
  bool long_literal = false;  // kInteger written with the L suffix (42L): LONG even if it fits INT
  bool ignore_nulls = false;  // f(x) IGNORE NULLS OVER (...)
  cairo::ColumnType cast_type = cairo::ColumnType::kDouble;
  WindowSpecPtr over;  // set for a window function call: f(x) OVER (...)
};

struct SelectItem {
  ExprPtr expr;
  std::string alias;  // empty: derived
  int32_t alias_pos = -1;
};

struct TableRef {
  enum class Kind : uint8_t { kTable, kSubquery, kFunction } kind = Kind::kTable;
  std::string name;  // table (or CTE) name; function name for kFunction
  int32_t pos = 0;
  QueryPtr subquery;
  std::vector<ExprPtr> func_args;
  std::string alias;
  // Optional timestamp(col) after a subquery: the designated timestamp of that source.
  std::string timestamp_column;
};

enum class JoinType : uint8_t { kInner, kLeft, kCross, kAsof, kLt, kSplice };

struct JoinClause {
  JoinType type = JoinType::kInner;
  TableRef table;
  ExprPtr on;  // may be null (cross, asof without key)
  int32_t pos = 0;
  // ASOF/LT JOIN ... TOLERANCE 50T: the largest left.ts - right.ts a match may have, in µs
  // (-1: none).
  int64_t tolerance_us = -1;
};

enum class FillKind : uint8_t { kNone, kNull, kPrev, kLinear, kValue };

struct SampleBy {
  int64_t count = 1;
  char unit = 'h';  // U T s m h d w M y
  int32_t pos = 0;
  std::vector<FillKind> fills;       // one per aggregate (the last repeats); empty = NONE
  std::vector<ExprPtr> fill_values;  // for kValue, parallel to fills
  bool align_calendar = true;
  std::string align_offset;  // WITH OFFSET '+01:00'
  int32_t align_offset_pos = -1;
  // ALIGN TO CALENDAR TIME ZONE 'Europe/Berlin' (an IANA name or a fixed offset); empty = UTC.
  std::string time_zone;
  int32_t time_zone_pos = -1;
  // FROM lo TO hi: constant timestamps (local time of the zone); null when omitted.
  ExprPtr from, to;
  int32_t from_pos = -1, to_pos = -1;
};

struct OrderItem {
  ExprPtr expr;
  bool descending = false;
};

// One end of a window frame: UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING,
// UNBOUNDED FOLLOWING. `offset` is in rows (ROWS) or in units of the ORDER BY key (RANGE),
// already scaled to microseconds when a time unit was written ('1' MINUTE PRECEDING).
enum class FrameBoundKind : uint8_t {
  kUnboundedPreceding,
  kPreceding,
  kCurrentRow,
  kFollowing,
  kUnboundedFollowing
};
struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::kCurrentRow;
  int64_t offset = 0;
  bool has_unit = false;  // a time unit was written (RANGE over a TIMESTAMP key only)
  int32_t pos = 0;
};

enum class FrameMode : uint8_t { kDefault, kRows, kRange };

// The window of OVER (...) or of a WINDOW clause entry (sql/window.h evaluates it).
struct WindowSpec {
  std::string base_name;  // OVER w, or OVER (w ...): a named window this one builds on
  int32_t base_pos = -1;
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
  FrameMode mode = FrameMode::kDefault;  // kDefault: no frame clause written
  FrameBound start, end;
  bool exclude_current_row = false;
  int32_t pos = 0;
};

// One SELECT (or a parenthesised query used as a set operand).
struct SelectCore {
  bool distinct = false;
  bool select_star_implicit = false;  // `t` alone as a query
  std::vector<SelectItem> items;
  std::optional<TableRef> from;
  std::vector<JoinClause> joins;
  ExprPtr where;
  std::optional<SampleBy> sample_by;
  ExprPtr latest_on;  // timestamp column
  std::vector<ExprPtr> latest_partition_by;
  std::vector<ExprPtr> group_by;
  // WINDOW w AS (...), ...: named windows for OVER w (lower-case names).
  std::vector<std::pair<std::string, WindowSpecPtr>> windows;
  QueryPtr nested;  // set when this operand is a parenthesised query
  int32_t pos = 0;
};

enum class SetOp : uint8_t { kUnion, kUnionAll, kExcept, kIntersect };

struct Cte {
  std::string name;
  QueryPtr query;
  int32_t pos = 0;
};

struct Query {
  std::vector<Cte> with;
  std::vector<SelectCore> cores;  // cores[0] op[0] cores[1] ...
  std::vector<SetOp> ops;
  std::vector<OrderItem> order_by;
  ExprPtr limit_lo;  // LIMIT n or LIMIT lo, hi
  ExprPtr limit_hi;
  int32_t pos = 0;
};

struct ColumnSpec {
  std::string name;
  int32_t pos = 0;
  cairo::ColumnType type = cairo::ColumnType::kDouble;
  int32_t type_pos = 0;
};

struct CreateTableStmt {
  std::string name;
  int32_t name_pos = 0;
  bool if_not_exists = false;
  std::vector<ColumnSpec> columns;
  QueryPtr as_query;
  std::string timestamp_column;
  int32_t timestamp_pos = -1;
  cairo::PartitionBy partition_by = cairo::PartitionBy::kNone;
  bool has_partition_by = false;
  int32_t partition_pos = -1;
};

struct DropTableStmt {
  std::string name;
  int32_t name_pos = 0;
  bool if_exists = false;
};

struct TruncateStmt {
  std::string name;
  int32_t name_pos = 0;
};

struct RenameTableStmt {
  std::string from, to;
  int32_t from_pos = 0, to_pos = 0;
};

struct AlterTableStmt {
  // kAccepted: QuestDB statements with nothing to do here (ALTER COLUMN ... ADD INDEX / CACHE,
  // SET PARAM, SET TYPE WAL); the table (and a named column) must still exist.
  enum class Action : uint8_t {
    kAddColumn,
    kDropColumn,
    kRenameColumn,
    kDropPartition,
    kConvertPartition,  // CONVERT PARTITION TO COMPRESSED | NATIVE (LIST or WHERE, as DROP)
    kAccepted
  };
  Action action = Action::kAddColumn;
  std::string table;
  int32_t table_pos = 0;
  std::vector<ColumnSpec> columns;  // ADD COLUMN (one or more)
  std::vector<std::string> names;   // DROP COLUMN names / RENAME from,to
  std::vector<int32_t> name_positions;
  std::vector<std::string> partitions;  // DROP PARTITION LIST
  std::vector<int32_t> partition_positions;
  ExprPtr partition_where;     // DROP PARTITION WHERE ts < ...
  bool to_compressed = false;  // CONVERT PARTITION TO COMPRESSED (else NATIVE)
};

struct InsertStmt {
  std::string table;
  int32_t table_pos = 0;
  std::vector<std::string> columns;
  std::vector<int32_t> column_positions;
  std::vector<std::vector<ExprPtr>> rows;  // VALUES
  QueryPtr query;                          // INSERT ... SELECT
};

// UPDATE t [[AS] alias] SET col = expr [, ...] [WHERE cond]
struct UpdateStmt {
  std::string table;
  int32_t table_pos = 0;
  std::string alias;
  std::vector<std::string> columns;
  std::vector<std::string> qualifiers;  // `a.col`: "a"; empty when not qualified
  std::vector<int32_t> column_positions;
  std::vector<ExprPtr> values;
  ExprPtr where;
};

struct ShowStmt {
  enum class What : uint8_t {
    kTables,
    kColumns,
    kPartitions,
    kCreateTable,
    kBackups,  // SHOW BACKUPS: the rows of backups()
  } what = What::kTables;
  std::string table;
  int32_t table_pos = 0;
};

// BACKUP DATABASE [ASYNC] | BACKUP TABLE a, 'b', "c" [ASYNC] (names as written, validated by the
// parser; whether they exist is checked when the statement runs) | BACKUP ABORT.
struct BackupStmt {
  bool database = false;
  bool async = false;  // ASYNC: reply at once with the backup's timestamp
  bool abort = false;  // BACKUP ABORT
  std::vector<std::string> tables;
  std::vector<int32_t> table_positions;
};

// VERIFY BACKUP 'name': checks one backup directory of the backup root against its manifest
// (cairo/backup_verify.h). A read: allowed in read-only mode.
struct VerifyBackupStmt {
  std::string name;  // as written; confined to the backup root when the statement runs
  int32_t name_pos = 0;
};

// RESTORE TABLE t FROM BACKUP 'name' [AS t2] [OVERWRITE] (cairo/backup_restore.h). A write.
struct RestoreTableStmt {
  std::string table;   // the table in the backup, as written
  std::string backup;  // the backup directory's name; confined to the root when it runs
  std::string target;  // AS t2; empty: the table's own name
  bool overwrite = false;
  // Where each name starts in the statement, for errors about it (target_pos: the AS name, or
  // the table's when there is none).
  int32_t table_pos = 0;
  int32_t backup_pos = 0;
  int32_t target_pos = 0;
};

// SNAPSHOT PREPARE | SNAPSHOT COMPLETE, and QuestDB's newer spelling CHECKPOINT CREATE | RELEASE.
struct SnapshotStmt {
  bool checkpoint = false;  // spelled CHECKPOINT (error messages say so)
  bool prepare = false;     // PREPARE / CREATE; else COMPLETE / RELEASE
};

struct Statement {
  enum class Kind : uint8_t {
    kQuery,
    kCreateTable,
    kDropTable,
    kTruncate,
    kRenameTable,
    kAlterTable,
    kInsert,
    kUpdate,
    kShow,
    kBackup,        // BACKUP DATABASE / TABLE
    kSnapshot,      // SNAPSHOT PREPARE / COMPLETE, CHECKPOINT CREATE / RELEASE
    kVerifyBackup,  // VERIFY BACKUP 'name' (a read)
    kRestoreTable,  // RESTORE TABLE t FROM BACKUP 'name' [AS t2] [OVERWRITE]
    kExplain,       // EXPLAIN <query> (the query in `query`; a read)
  } kind = Kind::kQuery;
  int32_t pos = 0;
  QueryPtr query;
  std::shared_ptr<CreateTableStmt> create;
  std::shared_ptr<DropTableStmt> drop;
  std::shared_ptr<TruncateStmt> truncate;
  std::shared_ptr<RenameTableStmt> rename;
  std::shared_ptr<AlterTableStmt> alter;
  std::shared_ptr<InsertStmt> insert;
  std::shared_ptr<UpdateStmt> update;
  std::shared_ptr<ShowStmt> show;
  std::shared_ptr<BackupStmt> backup;
  std::shared_ptr<SnapshotStmt> snapshot;
  std::shared_ptr<VerifyBackupStmt> verify_backup;
  std::shared_ptr<RestoreTableStmt> restore_table;
};

// The read-only rule, decided here once for every statement kind: true for everything but
// queries (SELECT, WITH, a bare table name, SHOW, EXPLAIN) and VERIFY BACKUP. Read-only mode
// (SqlOptions::read_only, i.e. http.security.readonly) refuses exactly these, as QuestDB's
// read-only security context does: BACKUP, SNAPSHOT and CHECKPOINT included, and the ALTER TABLE
// forms that are accepted and change nothing here (ALTER COLUMN ... ADD INDEX, SET PARAM) too,
// since they are writes in QuestDB.
constexpr bool IsWrite(Statement::Kind kind) {
  switch (kind) {
    case Statement::Kind::kQuery:
    case Statement::Kind::kShow:
    case Statement::Kind::kVerifyBackup:
    case Statement::Kind::kExplain:
      return false;
    case Statement::Kind::kCreateTable:
    case Statement::Kind::kDropTable:
    case Statement::Kind::kTruncate:
    case Statement::Kind::kRenameTable:
    case Statement::Kind::kAlterTable:
    case Statement::Kind::kInsert:
    case Statement::Kind::kUpdate:
    case Statement::Kind::kBackup:
    case Statement::Kind::kSnapshot:
    case Statement::Kind::kRestoreTable:
      return true;
  }
  return true;
}
inline bool IsWrite(const Statement& st) { return IsWrite(st.kind); }

// Compact textual form for tests and debugging, e.g. "(a + (b * 2))".
std::string ExprToString(const Expr& e);
std::string WindowSpecToString(const WindowSpec& w);

}  // namespace sundial::sql
