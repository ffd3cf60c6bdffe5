// sql/expr_nodes.h — constructors of the bound expression node kinds (expr_nodes.cpp).
// Internal to sql/: the binder (binder.cpp) and the function families (functions/) build trees with these.
#pragma once

#include <functional>

#include "core/regex.h"
#include "sql/expr.h"

namespace sundial::sql {

enum class CmpDomain : uint8_t { kI64, kF64, kStr };

BoundPtr MakeArith(char op, BoundPtr l, BoundPtr r, ColumnType result, int32_t pos);
BoundPtr MakeNeg(BoundPtr arg, int32_t pos);
// op: one of = != < <= > >=. Null semantics as QuestDB: NULL = NULL is true; an ordering
// comparison with a NULL is false.
BoundPtr MakeCompare(std::string_view op, BoundPtr l, BoundPtr r, CmpDomain domain, int32_t pos);
BoundPtr MakeAnd(BoundPtr l, BoundPtr r, int32_t pos);
BoundPtr MakeOr(BoundPtr l, BoundPtr r, int32_t pos);
BoundPtr MakeNot(BoundPtr arg, int32_t pos);
BoundPtr MakeIsNull(BoundPtr arg, bool negated, int32_t pos);
// `values` already converted to arg's comparison domain.
BoundPtr MakeIn(BoundPtr arg, std::vector<Value> values, CmpDomain domain, bool negated,
                int32_t pos);
BoundPtr MakeLike(BoundPtr arg, std::string pattern, bool ilike, bool negated, int32_t pos);
BoundPtr MakeRegex(BoundPtr arg, std::shared_ptr<const core::Regex> re, bool negated, int32_t pos);
// whens/thens pairs; else_expr may be null (NULL). All thens already cast to `type`.
BoundPtr MakeCase(std::vector<BoundPtr> whens, std::vector<BoundPtr> thens, BoundPtr else_expr,
                  ColumnType type, int32_t pos);
BoundPtr MakeCast(BoundPtr arg, ColumnType to, int32_t pos);

// A scalar function evaluated from its argument vectors.
using ScalarImpl = std::function<core::Status(const std::vector<Vec>& args, size_t n, Vec* out)>;
BoundPtr MakeFunction(std::string name, ColumnType type, std::vector<BoundPtr> args,
                      ScalarImpl impl, bool deterministic, int32_t pos);

// Evaluates `e` to a bool vector (int64 0/1; NULL counts as false).
core::Status EvalPredicate(const BoundExpr& e, const Batch& in, std::vector<uint8_t>* mask);

}  // namespace sundial::sql
