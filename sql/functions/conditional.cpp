// Conditional and null-handling functions: coalesce (nvl, ifnull), greatest, least, nullif,
// isnull, switch.
#include <cmath>
#include <string>

#include "sql/functions/function_util.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

// The common type of the arguments (NULL literals adapt); error when they do not mix.
core::Result<ColumnType> CommonType(const Expr& call, const Args& args) {
  ColumnType type = ColumnType::kVarchar;
  bool any = false;
  for (const auto& a : args) {
    if (IsNullArg(a)) continue;
    if (!any) {
      type = a->type();
      any = true;
    } else if (a->type() != type) {
      if (IsNumeric(type) && IsNumeric(a->type())) {
        type = PhysOf(type) == Phys::kF64 || PhysOf(a->type()) == Phys::kF64 ? ColumnType::kDouble
               : type == ColumnType::kLong || a->type() == ColumnType::kLong ? ColumnType::kLong
                                                                             : ColumnType::kInt;
      } else if (IsStringLike(type) && IsStringLike(a->type())) {
        type = ColumnType::kVarchar;
      } else if (IsTimeType(type) && IsStringLike(a->type())) {
      } else {
        return ArgError(call, args);
      }
    }
  }
  return type;
}

void ToCommonType(Args* args, ColumnType type) {
  for (auto& a : *args) {
    if (IsNullArg(a)) {
      a = MakeConstant(Value::Null(type), a->pos());
    } else if (a->type() != type) {
      a = MakeCast(a, type, a->pos());
    }
  }
}

Status NullIf(const std::vector<Vec>& a, size_t rows, Phys p, Vec* o) {
  Vec res;
  CopyVec(a[0], &res);
  for (size_t k = 0; k < rows; ++k) {
    bool eq = false;
    if (!a[0].IsNull(k) && !a[1].IsNull(k)) {
      if (p == Phys::kF64) {
        eq = a[0].d[k] == a[1].d[k];
      } else if (p == Phys::kI64) {
        eq = a[0].i[k] == a[1].i[k];
      } else {
        eq = a[0].Str(k) == a[1].Str(k);
      }
    }
    if (eq) {
      if (p == Phys::kF64) {
        res.own_d[k] = std::nan("");
      } else if (p == Phys::kI64) {
        res.own_i[k] = kNullI64;
      } else {
        res.own_s[k] = {};
      }
    }
  }
  *o = std::move(res);
  return Status::Ok();
}

// Picks, per row, one argument's value: the first non-null (coalesce), the greatest or the
// least non-null one.
Status Pick(const std::vector<Vec>& a, size_t rows, ColumnType type, std::string_view fn, Vec* o) {
  Phys p = type == ColumnType::kSymbol ? Phys::kStr : PhysOf(type);
  Vec res;
  res.Reset(type, rows);
  int64_t* oi = p == Phys::kI64 ? res.AllocI(rows) : nullptr;
  double* od = p == Phys::kF64 ? res.AllocD(rows) : nullptr;
  std::string_view* os = p == Phys::kStr ? res.AllocS(rows) : nullptr;
  bool least = fn == "least", first = fn == "coalesce";
  for (size_t k = 0; k < rows; ++k) {
    int best = -1;
    for (size_t j = 0; j < a.size(); ++j) {
      if (a[j].IsNull(k)) continue;
      if (best < 0) {
        best = static_cast<int>(j);
        if (first) break;
        continue;
      }
      int cmp;
      if (p == Phys::kF64) {
        cmp = a[j].d[k] < a[best].d[k] ? -1 : a[j].d[k] > a[best].d[k];
      } else if (p == Phys::kI64) {
        cmp = a[j].i[k] < a[best].i[k] ? -1 : a[j].i[k] > a[best].i[k];
      } else {
        cmp = a[j].Str(k).compare(a[best].Str(k));
      }
      if (least ? cmp < 0 : cmp > 0) best = static_cast<int>(j);
    }
    if (oi) oi[k] = best < 0 ? kNullI64 : a[best].i[k];
    if (od) od[k] = best < 0 ? std::nan("") : a[best].d[k];
    if (os) os[k] = best < 0 ? std::string_view() : res.Pool()->Add(a[best].Str(k));
  }
  *o = std::move(res);
  return Status::Ok();
}

core::Result<BoundPtr> BindPick(const Expr& call, Args args, std::string fn) {
  ASSIGN_OR_RETURN(ColumnType type, CommonType(call, args));
  ToCommonType(&args, type);
  return MakeFunction(
      call.sval, type, std::move(args),
      [fn, type](const std::vector<Vec>& a, size_t rows, Vec* o) -> Status {
        if (fn == "nullif") {
          return NullIf(a, rows, type == ColumnType::kSymbol ? Phys::kStr : PhysOf(type), o);
        }
        return Pick(a, rows, type, fn, o);
      },
      true, call.pos);
}

// switch(key, k1, v1, k2, v2, ... [, default]) is CASE key WHEN k1 THEN v1 ... [ELSE default]
// END: it is bound as that CASE, so it follows CASE's comparison and result-type rules.
core::Result<BoundPtr> BindSwitch(const Expr& call, BindContext& ctx) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCase;
  e->pos = call.pos;
  e->has_operand = true;
  e->args = call.args;
  e->has_else = call.args.size() % 2 == 0;
  return Bind(*e, ctx);
}

}  // namespace

void RegisterConditionalFunctions(FunctionRegistry& r) {
  static constexpr std::pair<std::string_view, std::string_view> kPick[] = {
      {"coalesce", "the first non-null argument"},
      {"nvl", "the first non-null argument (coalesce)"},
      {"ifnull", "the first non-null argument (coalesce)"},
      {"greatest", "the greatest non-null argument"},
      {"least", "the least non-null argument"}};
  for (auto [name, summary] : kPick) {
    auto& d = r.Add(std::string(name), "conditional", FunctionKind::kScalar, std::string(summary));
    // nvl and ifnull are coalesce of exactly two arguments.
    bool pair = name == "nvl" || name == "ifnull";
    std::string fn = pair ? "coalesce" : std::string(name);
    Overload(
        d, std::string(name) + (pair ? "(value, fallback)" : "(value, ...)"),
        [pair](const Args& a) { return pair ? a.size() == 2 : !a.empty(); },
        [fn](const Expr& call, Args args, BindContext&) { return BindPick(call, args, fn); });
  }
  {
    auto& d = r.Add("nullif", "conditional", FunctionKind::kScalar,
                    "NULL when the two arguments are equal, else the first");
    Overload(d, "nullif(a, b)", Arity(2), [](const Expr& call, Args args, BindContext&) {
      return BindPick(call, args, "nullif");
    });
  }
  {
    auto& d = r.Add("switch", "conditional", FunctionKind::kScalar,
                    "the value paired with the first key equal to the first argument, else the "
                    "default (or NULL)");
    Overload(
        d, "switch(key, k1, v1 [, k2, v2 ...] [, default])",
        [](const Args& a) { return a.size() >= 3; },
        [](const Expr& call, Args, BindContext& ctx) { return BindSwitch(call, ctx); });
  }
  for (std::string_view name : {"isnull", "is_null"}) {
    auto& d = r.Add(std::string(name), "conditional", FunctionKind::kScalar,
                    "whether the argument is NULL");
    Overload(d, std::string(name) + "(value)", Arity(1),
             [](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return MakeIsNull(args[0], false, call.pos);
             });
  }
}

}  // namespace sundial::sql
