// The pg_catalog and information_schema relations: what PostgreSQL clients and BI tools query
// to discover the schema. They describe this server's real tables and columns (pg_class,
// pg_attribute, information_schema.tables/columns), its one database, schema pair, role and
// types; relations of things this server does not have (indexes, column defaults, comments,
// inheritance, range types, PostgreSQL locks) have PostgreSQL's columns and no rows. Column
// sets follow QuestDB's (which follow PostgreSQL's, cut to what clients read).
#include "sql/pg_catalog.h"

#include <algorithm>

#include "cairo/engine.h"
#include "sql/functions/registry.h"
#include "sql/parser.h"
#include "sql/table_functions.h"

namespace sundial::sql {
namespace {

using cairo::ColumnType;
using core::Status;

constexpr PgType kTypes[] = {
    {16, "bool", "boolean", 1, 'B'},
    {17, "bytea", "bytea", -1, 'U'},
    {18, "char", "\"char\"", 1, 'Z'},
    {20, "int8", "bigint", 8, 'N'},
    {21, "int2", "smallint", 2, 'N'},
    {23, "int4", "integer", 4, 'N'},
    {700, "float4", "real", 4, 'N'},
    {701, "float8", "double precision", 8, 'N'},
    {1043, "varchar", "character varying", -1, 'S'},
    {1082, "date", "date", 4, 'D'},
    {1114, "timestamp", "timestamp without time zone", 8, 'D'},
    {1184, "timestamptz", "timestamp with time zone", 8, 'D'},
    {1700, "numeric", "numeric", -1, 'N'},
    {2950, "uuid", "uuid", 16, 'U'},
};

ColInfo Col(std::string name, ColumnType type) { return {std::move(name), type, ""}; }

// Every table, pinned. A table dropped between the listing and the pin is left out; any other
// failure to read one is the relation's error.
core::Result<std::vector<cairo::TableView>> PinAll(PlanContext& ctx, int32_t pos) {
  std::vector<cairo::TableView> views;
  for (const auto& name : ctx.engine->ListTables()) {
    auto v = ctx.engine->Pin(name);
    if (!v.ok()) {
      if (v.status().code() == core::StatusCode::kNotFound) continue;
      return v.status().WithPosition(pos);
    }
    views.push_back(std::move(v).value());
  }
  return views;
}

Value Oid(int64_t v) { return IntValue(v); }
Value Null(ColumnType t) { return Value::Null(t); }

core::Result<OpPtr> PgNamespace(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("oid", ColumnType::kInt), Col("nspname", ColumnType::kVarchar),
                  Col("nspowner", ColumnType::kInt), Col("nspacl", ColumnType::kVarchar)});
  rb.Add(
      {Oid(kPgCatalogOid), TextValue("pg_catalog"), Oid(kPgUserOid), Null(ColumnType::kVarchar)});
  rb.Add({Oid(kPgPublicOid), TextValue(std::string(kPgSchemaName)), Oid(kPgUserOid),
          Null(ColumnType::kVarchar)});
  return rb.Build();
}

// pg_class: one row per table (relkind 'r'); reltuples is the committed row count and
// relnatts the column count.
core::Result<OpPtr> PgClass(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  ASSIGN_OR_RETURN(auto views, PinAll(ctx, ref.pos));
  RowsBuilder rb({Col("oid", ColumnType::kInt),
                  Col("relname", ColumnType::kVarchar),
                  Col("relnamespace", ColumnType::kInt),
                  Col("reltype", ColumnType::kInt),
                  Col("reloftype", ColumnType::kInt),
                  Col("relowner", ColumnType::kInt),
                  Col("relam", ColumnType::kInt),
                  Col("relfilenode", ColumnType::kInt),
                  Col("reltablespace", ColumnType::kInt),
                  Col("relpages", ColumnType::kInt),
                  Col("reltuples", ColumnType::kFloat),
                  Col("relallvisible", ColumnType::kInt),
                  Col("reltoastrelid", ColumnType::kInt),
                  Col("relhasindex", ColumnType::kBoolean),
                  Col("relisshared", ColumnType::kBoolean),
                  Col("relpersistence", ColumnType::kChar),
                  Col("relkind", ColumnType::kChar),
                  Col("relnatts", ColumnType::kShort),
                  Col("relchecks", ColumnType::kShort),
                  Col("relhasrules", ColumnType::kBoolean),
                  Col("relhastriggers", ColumnType::kBoolean),
                  Col("relhassubclass", ColumnType::kBoolean),
                  Col("relrowsecurity", ColumnType::kBoolean),
                  Col("relforcerowsecurity", ColumnType::kBoolean),
                  Col("relispopulated", ColumnType::kBoolean),
                  Col("relreplident", ColumnType::kChar),
                  Col("relispartition", ColumnType::kBoolean),
                  Col("relrewrite", ColumnType::kInt),
                  Col("relfrozenxid", ColumnType::kLong),
                  Col("relminmxid", ColumnType::kLong),
                  Col("relacl", ColumnType::kVarchar),
                  Col("reloptions", ColumnType::kVarchar),
                  Col("relpartbound", ColumnType::kVarchar)});
  for (const auto& v : views) {
    rb.Add({Oid(v.table_id()),
            TextValue(v.table_name()),
            Oid(kPgPublicOid),
            Oid(0),
            Oid(0),
            Oid(kPgUserOid),
            Oid(0),
            Oid(0),
            Oid(0),
            Oid(0),
            Value::Double(ColumnType::kFloat, static_cast<double>(v.row_count())),
            Oid(0),
            Oid(0),
            BoolValue(false),
            BoolValue(false),
            CharValue('p'),
            CharValue('r'),
            ShortValue(static_cast<int64_t>(v.schema().columns.size())),
            ShortValue(0),
            BoolValue(false),
            BoolValue(false),
            BoolValue(false),
            BoolValue(false),
            BoolValue(false),
            BoolValue(true),
            CharValue('d'),
            BoolValue(false),
            Oid(0),
            LongValue(0),
            LongValue(0),
            Null(ColumnType::kVarchar),
            Null(ColumnType::kVarchar),
            Null(ColumnType::kVarchar)});
  }
  return rb.Build();
}

// pg_attribute: one row per column of every table, attnum from 1, the type's oid and length.
core::Result<OpPtr> PgAttribute(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  ASSIGN_OR_RETURN(auto views, PinAll(ctx, ref.pos));
  RowsBuilder rb({Col("attrelid", ColumnType::kInt), Col("attname", ColumnType::kVarchar),
                  Col("attnum", ColumnType::kShort), Col("atttypid", ColumnType::kInt),
                  Col("attnotnull", ColumnType::kBoolean), Col("atttypmod", ColumnType::kInt),
                  Col("attlen", ColumnType::kShort), Col("attidentity", ColumnType::kChar),
                  Col("attisdropped", ColumnType::kBoolean),
                  Col("atthasdef", ColumnType::kBoolean)});
  for (const auto& v : views) {
    const auto& cols = v.schema().columns;
    for (size_t c = 0; c < cols.size(); ++c) {
      const PgType& t = PgTypeOf(cols[c].type);
      rb.Add({Oid(v.table_id()), TextValue(cols[c].name), ShortValue(static_cast<int64_t>(c) + 1),
              Oid(t.oid), BoolValue(false), IntValue(-1), ShortValue(t.length), CharValue(0),
              BoolValue(false), BoolValue(false)});
    }
  }
  return rb.Build();
}

core::Result<OpPtr> PgTypeRelation(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("oid", ColumnType::kInt), Col("typname", ColumnType::kVarchar),
                  Col("typbasetype", ColumnType::kInt), Col("typarray", ColumnType::kInt),
                  Col("typnamespace", ColumnType::kInt), Col("typnotnull", ColumnType::kBoolean),
                  Col("typtypmod", ColumnType::kInt), Col("typinput", ColumnType::kVarchar),
                  Col("typrelid", ColumnType::kInt), Col("typelem", ColumnType::kInt),
                  Col("typlen", ColumnType::kShort), Col("typtype", ColumnType::kChar),
                  Col("typcategory", ColumnType::kChar), Col("typdefault", ColumnType::kVarchar),
                  Col("typowner", ColumnType::kInt)});
  for (const PgType& t : kTypes) {
    rb.Add({Oid(t.oid), TextValue(std::string(t.name)), Oid(0), Oid(0), Oid(kPgCatalogOid),
            BoolValue(false), IntValue(-1), TextValue(std::string(t.name) + "in"), Oid(0), Oid(0),
            ShortValue(t.length), CharValue('b'), CharValue(t.category), Null(ColumnType::kVarchar),
            Oid(kPgUserOid)});
  }
  return rb.Build();
}

core::Result<OpPtr> PgDatabase(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("oid", ColumnType::kInt), Col("datname", ColumnType::kVarchar),
                  Col("datdba", ColumnType::kInt), Col("encoding", ColumnType::kInt),
                  Col("datcollate", ColumnType::kVarchar), Col("datctype", ColumnType::kVarchar),
                  Col("datistemplate", ColumnType::kBoolean),
                  Col("datallowconn", ColumnType::kBoolean), Col("datconnlimit", ColumnType::kInt),
                  Col("datlastsysoid", ColumnType::kInt), Col("datfrozenxid", ColumnType::kLong),
                  Col("datminmxid", ColumnType::kLong), Col("dattablespace", ColumnType::kInt),
                  Col("datacl", ColumnType::kVarchar)});
  // encoding 6: UTF8
  rb.Add({Oid(kPgDatabaseOid), TextValue(std::string(kPgDatabaseName)), Oid(kPgUserOid),
          IntValue(6), TextValue("C.UTF-8"), TextValue("C.UTF-8"), BoolValue(false),
          BoolValue(true), IntValue(-1), Oid(0), LongValue(0), LongValue(0), Oid(0),
          Null(ColumnType::kVarchar)});
  return rb.Build();
}

core::Result<OpPtr> PgRoles(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb(
      {Col("rolname", ColumnType::kVarchar), Col("rolsuper", ColumnType::kBoolean),
       Col("rolinherit", ColumnType::kBoolean), Col("rolcreaterole", ColumnType::kBoolean),
       Col("rolcreatedb", ColumnType::kBoolean), Col("rolcanlogin", ColumnType::kBoolean),
       Col("rolreplication", ColumnType::kBoolean), Col("rolconnlimit", ColumnType::kInt),
       Col("rolpassword", ColumnType::kVarchar), Col("rolvaliduntil", ColumnType::kTimestamp),
       Col("rolbypassrls", ColumnType::kBoolean), Col("rolconfig", ColumnType::kVarchar),
       Col("oid", ColumnType::kInt)});
  // The password column is masked, as PostgreSQL does.
  rb.Add({TextValue(std::string(kPgUserName)), BoolValue(true), BoolValue(true), BoolValue(true),
          BoolValue(true), BoolValue(true), BoolValue(false), IntValue(-1), TextValue("********"),
          TimestampValue(kNullI64), BoolValue(true), Null(ColumnType::kVarchar), Oid(kPgUserOid)});
  return rb.Build();
}

// pg_proc: one row per registered function (oid: its 1-based place in the sorted list, plus
// 100000 to stay clear of the type and namespace oids); prokind 'a' for aggregates, proretset
// for table functions.
core::Result<OpPtr> PgProc(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("oid", ColumnType::kInt), Col("proname", ColumnType::kVarchar),
                  Col("pronamespace", ColumnType::kInt), Col("proowner", ColumnType::kInt),
                  Col("prokind", ColumnType::kChar), Col("proretset", ColumnType::kBoolean),
                  Col("prosrc", ColumnType::kVarchar)});
  int64_t oid = 100000;
  for (const FunctionDef* d : FunctionRegistry::Get().All()) {
    rb.Add({Oid(++oid), TextValue(d->name), Oid(kPgCatalogOid), Oid(kPgUserOid),
            CharValue(d->kind == FunctionKind::kAggregate ? 'a' : 'f'),
            BoolValue(d->kind == FunctionKind::kTable), TextValue(d->name)});
  }
  return rb.Build();
}

core::Result<OpPtr> PgGetKeywords(const TableRef& ref, PlanContext&) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  RowsBuilder rb({Col("word", ColumnType::kVarchar), Col("catcode", ColumnType::kChar),
                  Col("catdesc", ColumnType::kVarchar)});
  std::vector<std::string_view> words(ReservedWords().begin(), ReservedWords().end());
  std::sort(words.begin(), words.end());
  for (std::string_view w : words) {
    rb.Add({TextValue(std::string(w)), CharValue('R'), TextValue("reserved")});
  }
  return rb.Build();
}

// A relation of things this server does not have: PostgreSQL's columns, no rows.
RelationPlanner Empty(std::vector<ColInfo> cols) {
  return [cols](const TableRef& ref, PlanContext&) -> core::Result<OpPtr> {
    RETURN_IF_ERROR(NoRelationArgs(ref));
    return RowsBuilder(cols).Build();
  };
}

core::Result<OpPtr> InformationSchemaTables(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  ASSIGN_OR_RETURN(auto views, PinAll(ctx, ref.pos));
  RowsBuilder rb(
      {Col("table_catalog", ColumnType::kVarchar), Col("table_schema", ColumnType::kVarchar),
       Col("table_name", ColumnType::kVarchar), Col("table_type", ColumnType::kVarchar),
       Col("self_referencing_column_name", ColumnType::kVarchar),
       Col("reference_generation", ColumnType::kVarchar),
       Col("user_defined_type_catalog", ColumnType::kVarchar),
       Col("user_defined_type_schema", ColumnType::kVarchar),
       Col("user_defined_type_name", ColumnType::kVarchar),
       Col("is_insertable_into", ColumnType::kVarchar), Col("is_typed", ColumnType::kVarchar),
       Col("commit_action", ColumnType::kVarchar)});
  const Value none = Null(ColumnType::kVarchar);
  for (const auto& v : views) {
    rb.Add({TextValue(std::string(kPgDatabaseName)), TextValue(std::string(kPgSchemaName)),
            TextValue(v.table_name()), TextValue("BASE TABLE"), none, none, none, none, none,
            TextValue("YES"), TextValue("NO"), none});
  }
  return rb.Build();
}

// information_schema.columns: one row per column, ordinal_position from 1, data_type the
// column's type as SHOW COLUMNS names it, lower case.
core::Result<OpPtr> InformationSchemaColumns(const TableRef& ref, PlanContext& ctx) {
  RETURN_IF_ERROR(NoRelationArgs(ref));
  ASSIGN_OR_RETURN(auto views, PinAll(ctx, ref.pos));
  RowsBuilder rb(
      {Col("table_catalog", ColumnType::kVarchar), Col("table_schema", ColumnType::kVarchar),
       Col("table_name", ColumnType::kVarchar), Col("column_name", ColumnType::kVarchar),
       Col("ordinal_position", ColumnType::kInt), Col("column_default", ColumnType::kVarchar),
       Col("is_nullable", ColumnType::kVarchar), Col("data_type", ColumnType::kVarchar)});
  for (const auto& v : views) {
    const auto& cols = v.schema().columns;
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string type(cairo::ColumnTypeName(cols[c].type));
      std::transform(type.begin(), type.end(), type.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      rb.Add({TextValue(std::string(kPgDatabaseName)), TextValue(std::string(kPgSchemaName)),
              TextValue(v.table_name()), TextValue(cols[c].name),
              IntValue(static_cast<int64_t>(c) + 1), Null(ColumnType::kVarchar), TextValue("YES"),
              TextValue(type)});
    }
  }
  return rb.Build();
}

}  // namespace

std::span<const PgType> PgTypes() { return kTypes; }

const PgType* FindPgType(int64_t oid) {
  for (const PgType& t : kTypes) {
    if (t.oid == oid) return &t;
  }
  return nullptr;
}

const PgType& PgTypeOf(ColumnType type) {
  int32_t oid = 1043;  // varchar: SYMBOL, VARCHAR and any type without a closer match
  switch (type) {
    case ColumnType::kBoolean:
      oid = 16;
      break;
    case ColumnType::kByte:
    case ColumnType::kShort:
      oid = 21;
      break;
    case ColumnType::kChar:
      oid = 18;
      break;
    case ColumnType::kInt:
      oid = 23;
      break;
    case ColumnType::kLong:
      oid = 20;
      break;
    case ColumnType::kFloat:
      oid = 700;
      break;
    case ColumnType::kDouble:
      oid = 701;
      break;
    case ColumnType::kDate:
    case ColumnType::kTimestamp:
      oid = 1114;
      break;
    case ColumnType::kBinary:
      oid = 17;  // bytea, as QuestDB's wire protocol
      break;
    default:
      break;
  }
  return *FindPgType(oid);
}

void RegisterPgCatalogRelations(TableFunctionRegistry& r) {
  constexpr bool kCatalog = true;
  r.Add("pg_namespace", "pg_catalog: the schemas (pg_catalog, public)", PgNamespace, kCatalog);
  r.Add("pg_class", "pg_catalog: the tables", PgClass, kCatalog);
  r.Add("pg_attribute", "pg_catalog: the columns of every table", PgAttribute, kCatalog);
  r.Add("pg_type", "pg_catalog: the PostgreSQL types columns map to", PgTypeRelation, kCatalog);
  r.Add("pg_database", "pg_catalog: the database (qdb)", PgDatabase, kCatalog);
  r.Add("pg_roles", "pg_catalog: the role (admin)", PgRoles, kCatalog);
  r.Add("pg_proc", "pg_catalog: the functions", PgProc, kCatalog);
  r.Add("pg_get_keywords", "pg_catalog: the reserved words", PgGetKeywords, kCatalog);
  r.Add("pg_description", "pg_catalog: object comments (none here)",
        Empty({Col("objoid", ColumnType::kInt), Col("classoid", ColumnType::kInt),
               Col("objsubid", ColumnType::kInt), Col("description", ColumnType::kVarchar)}),
        kCatalog);
  r.Add("pg_shdescription", "pg_catalog: shared object comments (none here)",
        Empty({Col("objoid", ColumnType::kInt), Col("classoid", ColumnType::kInt),
               Col("description", ColumnType::kVarchar)}),
        kCatalog);
  r.Add(
      "pg_index", "pg_catalog: indexes (none here)",
      Empty({Col("indexrelid", ColumnType::kInt), Col("indrelid", ColumnType::kInt),
             Col("indnatts", ColumnType::kShort), Col("indnkeyatts", ColumnType::kShort),
             Col("indisunique", ColumnType::kBoolean), Col("indisprimary", ColumnType::kBoolean),
             Col("indisexclusion", ColumnType::kBoolean), Col("indimmediate", ColumnType::kBoolean),
             Col("indisclustered", ColumnType::kBoolean), Col("indisvalid", ColumnType::kBoolean),
             Col("indkey", ColumnType::kVarchar)}),
      kCatalog);
  r.Add("pg_inherits", "pg_catalog: table inheritance (none here)",
        Empty({Col("inhrelid", ColumnType::kInt), Col("inhparent", ColumnType::kInt),
               Col("inhseqno", ColumnType::kInt), Col("inhdetachpending", ColumnType::kBoolean)}),
        kCatalog);
  r.Add("pg_locks", "pg_catalog: PostgreSQL locks (none here)",
        Empty({Col("locktype", ColumnType::kVarchar), Col("database", ColumnType::kInt),
               Col("relation", ColumnType::kInt), Col("page", ColumnType::kInt),
               Col("tuple", ColumnType::kShort), Col("virtualxid", ColumnType::kVarchar),
               Col("transactionid", ColumnType::kInt), Col("classid", ColumnType::kInt),
               Col("objid", ColumnType::kInt), Col("objsubid", ColumnType::kShort),
               Col("virtualtransaction", ColumnType::kVarchar), Col("pid", ColumnType::kInt),
               Col("mode", ColumnType::kVarchar), Col("granted", ColumnType::kBoolean),
               Col("fastpath", ColumnType::kBoolean), Col("waitstart", ColumnType::kTimestamp)}),
        kCatalog);
  r.Add("pg_range", "pg_catalog: range types (none here)",
        Empty({Col("rngtypid", ColumnType::kInt), Col("rngsubtype", ColumnType::kInt),
               Col("rngmultitypid", ColumnType::kInt), Col("rngcollation", ColumnType::kInt),
               Col("rngsubopc", ColumnType::kInt), Col("rngcanonical", ColumnType::kVarchar),
               Col("rngsubdiff", ColumnType::kVarchar)}),
        kCatalog);
  r.Add("pg_attrdef", "pg_catalog: column defaults (none here)",
        Empty({Col("oid", ColumnType::kInt), Col("adrelid", ColumnType::kInt),
               Col("adnum", ColumnType::kShort), Col("adbin", ColumnType::kVarchar)}),
        kCatalog);
  r.Add("information_schema.tables", "information_schema: the tables", InformationSchemaTables);
  r.Add("information_schema.columns", "information_schema: the columns of every table",
        InformationSchemaColumns);
}

}  // namespace sundial::sql
