// sql/functions/registry.h — the one list of SQL functions: every scalar function with its
// overloads (an argument check and a binder each), and the names of aggregate and table
// functions (bound elsewhere: aggregates by the planner and aggregate.cpp, table functions by
// introspection.cpp), so that `functions()` and the documentation can list them all.
//
// A family file (time.cpp, math.cpp, string.cpp, conditional.cpp, random.cpp, meta.cpp,
// catalog.cpp, types.cpp, geo.cpp, aggregate_names.cpp) adds its functions in its Register*
// function; the registry is built once, on first use, and is immutable (thread-safe)
// afterwards.
//
// Binding a call (BindFunction in expr.h): the function is found by its lower-case name; its
// overloads are tried in order and the first whose check accepts the bound argument types binds
// the call. No overload accepting: `unexpected argument types for function `f`: (INT, ...)` at
// the call's position.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/expr.h"

namespace sundial::sql {

enum class FunctionKind : uint8_t { kScalar, kAggregate, kTable };

using FunctionArgs = std::vector<BoundPtr>;
using ArgCheck = std::function<bool(const FunctionArgs& args)>;
using ScalarBinder =
    std::function<core::Result<BoundPtr>(const Expr& call, FunctionArgs args, BindContext& ctx)>;

struct FunctionOverload {
  std::string signature;  // for people: `date_trunc(unit VARCHAR, ts TIMESTAMP)`
  ArgCheck accepts;       // null: accepts anything (the binder checks)
  ScalarBinder bind;      // null for aggregates and table functions
};

struct FunctionDef {
  std::string name;    // lower case
  std::string family;  // time, math, string, conditional, random, meta, aggregate, table
  FunctionKind kind = FunctionKind::kScalar;
  std::string summary;  // one line for the function list
  std::vector<FunctionOverload> overloads;
};

class FunctionRegistry {
 public:
  // The registry with every family registered.
  static const FunctionRegistry& Get();

  // nullptr when no function has this (lower-case) name.
  const FunctionDef* Find(std::string_view name) const;
  // Every function, ordered by name.
  std::vector<const FunctionDef*> All() const;

  // Used by the family files while the registry is built.
  FunctionDef& Add(std::string name, std::string family, FunctionKind kind, std::string summary);

 private:
  std::vector<FunctionDef> defs_;
};

// Family registrars (one per file in sql/functions/).
void RegisterTimeFunctions(FunctionRegistry& r);
void RegisterMathFunctions(FunctionRegistry& r);
void RegisterStringFunctions(FunctionRegistry& r);
void RegisterConditionalFunctions(FunctionRegistry& r);
void RegisterRandomFunctions(FunctionRegistry& r);
void RegisterMetaFunctions(FunctionRegistry& r);
void RegisterCatalogFunctions(FunctionRegistry& r);
void RegisterAggregateAndTableNames(FunctionRegistry& r);
void RegisterTypeFunctions(FunctionRegistry& r);  // types.cpp: IPv4, UUID, LONG128
void RegisterGeoFunctions(FunctionRegistry& r);   // geo.cpp: GEOHASH

// The function list as a Markdown table (name, kind, signatures, summary): the source of the
// list in sql/README.md.
std::string FunctionListMarkdown();

}  // namespace sundial::sql
