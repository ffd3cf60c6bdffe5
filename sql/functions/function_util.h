// sql/functions/function_util.h — helpers the function families share: argument checks,
// argument errors, and node builders for the common shapes (double -> double, timestamp ->
// int64, string -> string, and a row-at-a-time form over Values for rarely hot functions).
// Internal to sql/functions/.
#pragma once

#include <functional>
#include <string>

#include "sql/expr_nodes.h"
#include "sql/functions/registry.h"

namespace sundial::sql::fn {

using core::Status;
using Args = FunctionArgs;

// `unexpected argument types for function `f`: (INT, VARCHAR)` at the call.
Status ArgError(const Expr& call, const Args& args);

// The untyped NULL literal.
bool IsNullArg(const BoundPtr& a);
bool IsTimeArg(const BoundPtr& a);     // TIMESTAMP, DATE or NULL
bool IsStringArg(const BoundPtr& a);   // VARCHAR, SYMBOL or NULL
bool IsNumericArg(const BoundPtr& a);  // a numeric type or NULL
double ToD(const Value& v);

// Casts a string/integer/DATE argument to TIMESTAMP (folded when constant); error otherwise.
core::Result<BoundPtr> AsTimestamp(BoundPtr a);
// The text of a constant string argument, or an error at the argument: `what` must be a
// constant.
core::Result<std::string> ConstantText(const BoundPtr& a, std::string_view what);

// double -> double over a numeric argument (nulls propagate).
BoundPtr MathFn(const Expr& call, Args args, ColumnType out_type, std::function<double(double)> fn);
// int64 timestamp (the last argument) -> int64; nulls propagate. date_input: the argument is
// a DATE (ms), scaled to µs first.
BoundPtr TimeFn(const Expr& call, Args args, ColumnType out_type,
                std::function<int64_t(int64_t)> fn, bool date_input = false);
// string -> string (null in, null out).
BoundPtr StrFn(const Expr& call, Args args, std::function<std::string(std::string_view)> fn);
// Row at a time over Values; results of another type are cast to out_type.
BoundPtr RowFn(const Expr& call, Args args, ColumnType out_type,
               std::function<core::Result<Value>(const std::vector<Value>&)> fn,
               bool deterministic = true);

// Argument checks for overloads.
ArgCheck Arity(size_t n);
ArgCheck ArityBetween(size_t lo, size_t hi);
// Exactly these per-argument predicates.
ArgCheck ArgsAre(std::vector<std::function<bool(const BoundPtr&)>> preds);

// Adds one overload to `def`.
void Overload(FunctionDef& def, std::string signature, ArgCheck accepts, ScalarBinder bind);

}  // namespace sundial::sql::fn
