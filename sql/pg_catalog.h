// sql/pg_catalog.h — how this server presents itself to PostgreSQL-speaking clients and BI
// tools: the names and ids the pg_catalog and information_schema relations (pg_catalog.cpp)
// and the catalogue functions (functions/catalog.cpp, functions/meta.cpp) share, so that a
// client joining pg_class to pg_namespace, pg_attribute to pg_type, or calling
// pg_get_userbyid(relowner) finds the same ids everywhere.
//
// Ids: a table's oid is its table id (tables().id); the namespaces are pg_catalog (11) and
// public (2200), where every table lives; the one role is `admin` (oid 10), owner of everything;
// the one database is `qdb`. Column types map to PostgreSQL type oids as QuestDB maps them
// (SYMBOL and VARCHAR -> varchar 1043, DATE and TIMESTAMP -> timestamp 1114, BYTE and SHORT ->
// int2 21, CHAR -> "char" 18, ...).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cairo/column_type.h"

namespace sundial::sql {

inline constexpr std::string_view kPgDatabaseName = "qdb";
inline constexpr std::string_view kPgSchemaName = "public";
inline constexpr std::string_view kPgUserName = "admin";
inline constexpr int32_t kPgCatalogOid = 11;
inline constexpr int32_t kPgPublicOid = 2200;
inline constexpr int32_t kPgUserOid = 10;
inline constexpr int32_t kPgDatabaseOid = 1;

// One PostgreSQL type this server's columns and results map to (a row of pg_type).
struct PgType {
  int32_t oid;
  std::string_view name;         // pg_type.typname: int4, varchar, ...
  std::string_view format_name;  // format_type(): integer, character varying, ...
  int16_t length;                // pg_type.typlen: bytes, -1 variable
  char category;                 // pg_type.typcategory: N numeric, S string, D date/time, ...
};

// Every type of the table, ordered by oid.
std::span<const PgType> PgTypes();
// The type a column type maps to (never null).
const PgType& PgTypeOf(cairo::ColumnType type);
// nullptr for an oid not in PgTypes().
const PgType* FindPgType(int64_t oid);

}  // namespace sundial::sql
