// sql/expr.h — bound (typed, resolved) expressions evaluated over whole batches.
//
// The binder turns an AST Expr into a tree of BoundExpr whose column references are indexes
// into the input batch. Evaluation is vectorised: each node computes a whole Vec per call, with
// tight loops per operator and type (and scalar fast paths for `column op constant`).
// Eval is const and keeps no state, so one bound tree may be evaluated by several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "sql/ast.h"
#include "sql/vector.h"

namespace sundial::sql {

// A constant value; `type` is the SQL type, null when is_null.
struct Value {
  ColumnType type = ColumnType::kVarchar;
  bool is_null = true;
  bool is_untyped_null = false;  // the NULL literal (adapts to any type)
  int64_t i = 0;
  double d = 0;
  std::string s;

  static Value Null(ColumnType t) {
    Value v;
    v.type = t;
    return v;
  }
  static Value Long(ColumnType t, int64_t x) {
    Value v;
    v.type = t;
    v.is_null = false;
    v.i = x;
    return v;
  }
  static Value Double(ColumnType t, double x) {
    Value v;
    v.type = t;
    v.is_null = false;
    v.d = x;
    return v;
  }
  static Value Str(ColumnType t, std::string x) {
    Value v;
    v.type = t;
    v.is_null = false;
    v.s = std::move(x);
    return v;
  }
};

class BoundExpr {
 public:
  BoundExpr(ColumnType type, int32_t pos) : type_(type), pos_(pos) {}
  virtual ~BoundExpr() = default;
  ColumnType type() const { return type_; }
  int32_t pos() const { return pos_; }
  // Computes in.n rows into `out`.
  virtual core::Status Eval(const Batch& in, Vec* out) const = 0;
  // The constant value, if this expression is one.
  virtual const Value* constant() const { return nullptr; }
  // The input column index, if this is a plain column reference.
  virtual int column_index() const { return -1; }
  // False for now(), rnd_*() and the like (not folded).
  virtual bool deterministic() const { return true; }

  // `column <op> constant` conjunctions (op one of < <= > >=) that scans may evaluate
  // straight over raw column data. Appends them and returns true if the whole expression
  // is such a conjunction.
  struct SimplePredicate {
    int column = -1;
    char op = '<';        // '<' '[' (<=) '>' ']' (>=)
    bool is_double = false;
    double dval = 0;
    int64_t ival = 0;
  };
  virtual bool AsSimplePredicates(std::vector<SimplePredicate>* out) const { return false; }

 protected:
  ColumnType type_;
  int32_t pos_;
};
using BoundPtr = std::shared_ptr<const BoundExpr>;

// Writes `v` repeated n times into `out`.
void FillConstant(const Value& v, size_t n, Vec* out);
// Reads row `r` of `v` as a Value.
Value ValueAt(const Vec& v, size_t r);

BoundPtr MakeConstant(Value v, int32_t pos);
BoundPtr MakeColumnRef(int index, ColumnType type, int32_t pos);

// How a conversion treats text that does not convert: kImplicit (INSERT, UPDATE, set
// operations) refuses it with `inconvertible value`; kExplicit (CAST, ::, the binder's own
// casts) gives null as QuestDB's casts do (BOOLEAN: false unless 'true'; CHAR: the first
// character).
enum class CastMode : uint8_t { kImplicit, kExplicit };

// Converts `in` to `to` with QuestDB's explicit-cast rules: integers narrow by wrapping
// (Java's casts; INT's minimum and CHAR 0 are null), FLOAT/DOUBLE truncate (NaN and values out
// of INT/LONG range are null), BOOLEAN <-> CHAR is 'T'/'F', DATE <-> TIMESTAMP scales, text
// parses (see CastMode) and values format as QuestDB prints them. Every pair of types converts.
// `out` owns its data or views what `in` viewed (never `in` itself), so it may outlive `in`.
// Errors (with `pos`) only for text that does not convert under kImplicit.
core::Status CastVec(const Vec& in, ColumnType to, Vec* out, int32_t pos,
                     CastMode mode = CastMode::kImplicit);
// For the implicit conversions of INSERT and UPDATE (explicit casts wrap, as Java's do): an
// integer that does not fit the narrower integer type `to` (LONG/INT/SHORT -> INT/SHORT/BYTE)
// is refused as QuestDB refuses it: `inconvertible value: 40000 [INT -> SHORT]`.
core::Status CheckImplicitNarrowing(const Vec& in, ColumnType to, int32_t pos);
// Row `r` of `v` (of type IPv4, UUID, LONG128 or LONG256, as CastVec makes it) in the column's
// storage layout (ColumnTypeSize(v.type) bytes at `out`, cairo/column_text.h); null rows as the
// type's null.
core::Status StoreTypedValue(const Vec& v, size_t r, void* out);
core::Result<Value> CastValue(const Value& v, ColumnType to, int32_t pos,
                              CastMode mode = CastMode::kImplicit);
// Java's Double.toString layout, as QuestDB prints doubles (core::AppendDouble).
std::string FormatDouble(double v);

struct BindContext {
  const std::vector<ColInfo>* cols = nullptr;
  std::vector<bool>* used = nullptr;  // marks referenced input columns (may be null)
  int64_t now_us = 0;
  int max_depth = 256;
  int depth = 0;
  // Expressions (by canonical text) already computed as input columns, e.g. aggregates and
  // group keys after an aggregation. Checked before anything else.
  const std::vector<std::pair<std::string, int>>* substitutions = nullptr;
};

core::Result<BoundPtr> Bind(const Expr& e, BindContext& ctx);
// Canonical (lower-case) text of an expression for matching GROUP BY keys and aggregates.
std::string CanonicalText(const Expr& e);
// Resolves a column name against `cols`: index, or -1 if absent, -2 if ambiguous.
int FindColumn(const std::vector<ColInfo>& cols, std::string_view qualifier, std::string_view name);

bool IsAggregateFunction(std::string_view lower_name);
// True when `e` contains an aggregate call.
bool ContainsAggregate(const Expr& e);

// Evaluates a bound expression that needs no input rows (INSERT VALUES, LIMIT, FILL values).
core::Result<Value> EvalConstant(const BoundExpr& e);

// Scalar function binding through the function registry (sql/functions/registry.h).
// nullopt: no scalar function of that name.
std::optional<core::Result<BoundPtr>> BindFunction(const Expr& call, std::vector<BoundPtr> args,
                                                   BindContext& ctx);

}  // namespace sundial::sql
