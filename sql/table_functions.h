// sql/table_functions.h — the one list of table functions and catalogue relations: what may
// stand in FROM as `name(args)` (tables(), long_sequence(n), pg_class(), ...), or as a
// schema-qualified name (`pg_catalog.pg_class`, `information_schema.columns`), or, for the
// PostgreSQL catalogue relations, as a bare name (`FROM pg_class`) when no table has that name.
//
// Each family file registers its relations: introspection.cpp (tables(), table_columns(), ...),
// pg_catalog.cpp (pg_catalog and information_schema), meta_relations.cpp (QuestDB's meta
// functions: keywords(), memory_metrics(), ...). The registry is built once, on first use, and
// is immutable (thread-safe) afterwards. functions() and the function list in sql/README.md
// take the names from here (aggregate_names.cpp).
//
// Names: lower case; pg_catalog relations under their own name (`pg_class`: the `pg_catalog.`
// prefix is dropped by the parser), information_schema relations with their schema
// (`information_schema.columns`), since their bare names are taken (`tables()`).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/operator.h"
#include "sql/planner.h"

namespace sundial::sql {

using RelationPlanner = std::function<core::Result<OpPtr>(const TableRef& ref, PlanContext& ctx)>;

struct TableFunctionDef {
  std::string name;     // lower case
  std::string summary;  // one line for the function list
  RelationPlanner plan;
  // A PostgreSQL catalogue relation: also found by its bare name in FROM (`FROM pg_class`)
  // when no table or CTE has that name.
  bool is_catalog_relation = false;
};

class TableFunctionRegistry {
 public:
  static const TableFunctionRegistry& Get();
  // nullptr when there is no such (lower-case) name.
  const TableFunctionDef* Find(std::string_view name) const;
  // Every entry, ordered by name.
  std::vector<const TableFunctionDef*> All() const;

  TableFunctionDef& Add(std::string name, std::string summary, RelationPlanner plan,
                        bool is_catalog_relation = false);

 private:
  std::vector<TableFunctionDef> defs_;
};

void RegisterIntrospectionRelations(TableFunctionRegistry& r);
void RegisterPgCatalogRelations(TableFunctionRegistry& r);
void RegisterMetaRelations(TableFunctionRegistry& r);

// Builds a materialised result row by row (values of each column's type; Value::is_null for
// NULL). For the small results of catalogue relations and meta functions.
class RowsBuilder {
 public:
  explicit RowsBuilder(std::vector<ColInfo> cols) : cols_(std::move(cols)) {}
  void Add(std::vector<Value> row) { rows_.push_back(std::move(row)); }
  OpPtr Build(int ts_index = -1);

 private:
  std::vector<ColInfo> cols_;
  std::vector<std::vector<Value>> rows_;
};

// Value helpers for RowsBuilder rows.
Value TextValue(std::string s);  // VARCHAR; see TextOrNull for empty-as-NULL
Value TextOrNull(const std::string& s);
Value IntValue(int64_t v);
Value LongValue(int64_t v);
Value ShortValue(int64_t v);
Value BoolValue(bool v);
Value CharValue(char c);           // 0: the null char
Value TimestampValue(int64_t us);  // kNullI64: NULL

// The constant text argument `k` of a table function (e.g. a table name); InvalidArgument
// `<what> expected` at the argument otherwise.
core::Result<std::string> RelationTextArg(const TableRef& ref, size_t k, PlanContext& ctx,
                                          std::string_view what);
// Refuses arguments for a relation that takes none.
core::Status NoRelationArgs(const TableRef& ref);

}  // namespace sundial::sql
