// Conversion and meta functions: to_long/to_int/to_double, typeOf, version and
// server_version, current_user/session_user, current_database/current_schema, size_pretty,
// and the registry's own list through functions() (a table function: introspection.cpp).
#include <cstdio>

#include "sql/functions/function_util.h"
#include "sql/pg_catalog.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

// What PostgreSQL clients parse from version(); QuestDB answers the same way, naming itself.
constexpr const char* kVersionText =
    "PostgreSQL 12.3, compiled by Visual C++ build 1914, 64-bit, Sundial";

// Bytes print as an integer ("1023 B"); larger sizes with one decimal and a binary unit
// ("1.5 KiB").
std::string SizePretty(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while ((v >= 1024 || v <= -1024) && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  }
  return buf;
}

void AddConstantText(FunctionRegistry& r, std::string_view name, std::string summary,
                     std::string value) {
  auto& d = r.Add(std::string(name), "meta", FunctionKind::kScalar, std::move(summary));
  Overload(d, std::string(name) + "()", Arity(0),
           [value](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
             return MakeConstant(Value::Str(ColumnType::kVarchar, value), call.pos);
           });
}

}  // namespace

void RegisterMetaFunctions(FunctionRegistry& r) {
  static constexpr std::pair<std::string_view, ColumnType> kTo[] = {
      {"to_long", ColumnType::kLong},
      {"to_int", ColumnType::kInt},
      {"to_double", ColumnType::kDouble}};
  for (auto [name, type] : kTo) {
    auto& d = r.Add(std::string(name), "conversion", FunctionKind::kScalar,
                    "CAST(value AS " + std::string(cairo::ColumnTypeName(type)) + ")");
    ColumnType t = type;
    Overload(d, std::string(name) + "(value)", Arity(1),
             [t](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return MakeCast(args[0], t, call.pos);
             });
  }
  {
    auto& d = r.Add("typeof", "meta", FunctionKind::kScalar, "the type name of the argument");
    Overload(d, "typeOf(value)", Arity(1),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               std::string name = IsNullArg(args[0])
                                      ? "NULL"
                                      : std::string(cairo::ColumnTypeName(args[0]->type()));
               return MakeConstant(Value::Str(ColumnType::kVarchar, name), call.pos);
             });
  }
  {
    auto& d = r.Add("current_schemas", "meta", FunctionKind::kScalar,
                    "the schema search path as text: {public}");
    Overload(d, "current_schemas(include_implicit BOOLEAN)",
             ArgsAre({[](const BoundPtr& a) { return a->type() == ColumnType::kBoolean; }}),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Str(ColumnType::kVarchar, "{public}"), call.pos);
             });
  }
  {
    auto& d = r.Add("pg_is_in_recovery", "meta", FunctionKind::kScalar,
                    "false: the server is never a recovering replica");
    Overload(d, "pg_is_in_recovery()", Arity(0),
             [](const Expr& call, Args, BindContext&) -> core::Result<BoundPtr> {
               return MakeConstant(Value::Long(ColumnType::kBoolean, 0), call.pos);
             });
  }
  AddConstantText(r, "version", "PostgreSQL-style version text", kVersionText);
  AddConstantText(r, "server_version", "the PostgreSQL version clients should assume", "12.3");
  AddConstantText(r, "current_user", "the user name (admin)", std::string(kPgUserName));
  AddConstantText(r, "session_user", "the user name (admin)", std::string(kPgUserName));
  AddConstantText(r, "current_database", "the database name (qdb)", std::string(kPgDatabaseName));
  AddConstantText(r, "current_schema", "the schema name (public)", std::string(kPgSchemaName));
  {
    auto& d = r.Add("size_pretty", "meta", FunctionKind::kScalar,
                    "a byte count as text with a binary unit (B, KiB, MiB, ...)");
    Overload(d, "size_pretty(bytes LONG)",
             ArgsAre({[](const BoundPtr& a) { return IsIntegral(a->type()) || IsNullArg(a); }}),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return RowFn(call, std::move(args), ColumnType::kVarchar,
                            [](const std::vector<Value>& v) -> core::Result<Value> {
                              if (v[0].is_null) return Value::Null(ColumnType::kVarchar);
                              return Value::Str(ColumnType::kVarchar, SizePretty(v[0].i));
                            });
             });
  }
}

}  // namespace sundial::sql
