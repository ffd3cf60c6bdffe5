// Shared helpers of the function families (function_util.h).
#include "sql/functions/function_util.h"

#include <cmath>

namespace sundial::sql::fn {

Status ArgError(const Expr& call, const Args& args) {
  std::string s;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k) s += ", ";
    s += cairo::ColumnTypeName(args[k]->type());
  }
  return Status::InvalidArgument(
      "unexpected argument types for function `" + call.sval + "`: (" + s + ")", call.pos);
}

bool IsNullArg(const BoundPtr& a) {
  const Value* c = a->constant();
  return c && c->is_untyped_null;
}

bool IsTimeArg(const BoundPtr& a) { return IsTimeType(a->type()) || IsNullArg(a); }
bool IsStringArg(const BoundPtr& a) { return IsStringLike(a->type()) || IsNullArg(a); }
bool IsNumericArg(const BoundPtr& a) { return IsNumeric(a->type()) || IsNullArg(a); }

double ToD(const Value& v) { return PhysOf(v.type) == Phys::kF64 ? v.d : static_cast<double>(v.i); }

core::Result<BoundPtr> AsTimestamp(BoundPtr a) {
  if (a->type() == ColumnType::kTimestamp && !IsNullArg(a)) return a;
  if (IsNullArg(a)) return MakeConstant(Value::Null(ColumnType::kTimestamp), a->pos());
  if (IsStringLike(a->type()) || a->type() == ColumnType::kDate || IsIntegral(a->type())) {
    BoundPtr c = MakeCast(a, ColumnType::kTimestamp, a->pos());
    if (a->constant()) {
      ASSIGN_OR_RETURN(Value v, EvalConstant(*c));
      return MakeConstant(v, a->pos());
    }
    return c;
  }
  return Status::InvalidArgument("timestamp expected", a->pos());
}

core::Result<std::string> ConstantText(const BoundPtr& a, std::string_view what) {
  const Value* c = a->constant();
  if (!c || c->is_null || !IsStringLike(c->type)) {
    return Status::InvalidArgument(std::string(what) + " must be a constant", a->pos());
  }
  return c->s;
}

BoundPtr MathFn(const Expr& call, Args args, ColumnType out_type,
                std::function<double(double)> fn) {
  return MakeFunction(
      call.sval, out_type, std::move(args),
      [fn](const std::vector<Vec>& a, size_t n, Vec* out) {
        double* o = out->AllocD(n);
        const Vec& x = a[0];
        for (size_t k = 0; k < n; ++k) {
          double v = x.phys() == Phys::kF64 ? x.d[k]
                     : x.i[k] == kNullI64   ? std::nan("")
                                            : static_cast<double>(x.i[k]);
          o[k] = std::isnan(v) ? v : fn(v);
        }
        return Status::Ok();
      },
      true, call.pos);
}

BoundPtr TimeFn(const Expr& call, Args args, ColumnType out_type,
                std::function<int64_t(int64_t)> fn, bool date_input) {
  return MakeFunction(
      call.sval, out_type, std::move(args),
      [fn, date_input](const std::vector<Vec>& a, size_t n, Vec* out) {
        int64_t* o = out->AllocI(n);
        const Vec& x = a.back();
        for (size_t k = 0; k < n; ++k) {
          int64_t v = x.i[k];
          o[k] = v == kNullI64 ? kNullI64 : fn(date_input ? v * 1000 : v);
        }
        return Status::Ok();
      },
      true, call.pos);
}

BoundPtr StrFn(const Expr& call, Args args, std::function<std::string(std::string_view)> fn) {
  return MakeFunction(
      call.sval, ColumnType::kVarchar, std::move(args),
      [fn](const std::vector<Vec>& a, size_t n, Vec* out) {
        std::string_view* o = out->AllocS(n);
        StringPool* pool = out->Pool();
        for (size_t k = 0; k < n; ++k) {
          std::string_view s = a[0].Str(k);
          if (s.data() == nullptr) {
            o[k] = {};
            continue;
          }
          std::string r = fn(s);
          o[k] = r.empty() ? std::string_view(StringPool::kEmpty, 0) : pool->Add(r);
        }
        return Status::Ok();
      },
      true, call.pos);
}

BoundPtr RowFn(const Expr& call, Args args, ColumnType out_type,
               std::function<core::Result<Value>(const std::vector<Value>&)> fn,
               bool deterministic) {
  int32_t pos = call.pos;
  return MakeFunction(
      call.sval, out_type, std::move(args),
      [fn, out_type, pos](const std::vector<Vec>& a, size_t n, Vec* out) -> Status {
        std::vector<Value> vals(a.size());
        Vec res;
        res.Reset(out_type, n);
        Phys p = out_type == ColumnType::kSymbol ? Phys::kStr : PhysOf(out_type);
        int64_t* oi = p == Phys::kI64 ? res.AllocI(n) : nullptr;
        double* od = p == Phys::kF64 ? res.AllocD(n) : nullptr;
        std::string_view* os = p == Phys::kStr ? res.AllocS(n) : nullptr;
        for (size_t k = 0; k < n; ++k) {
          for (size_t j = 0; j < a.size(); ++j) vals[j] = ValueAt(a[j], k);
          ASSIGN_OR_RETURN(Value v, fn(vals));
          if (v.type != out_type && !v.is_null) {
            ASSIGN_OR_RETURN(v, CastValue(v, out_type, pos));
          }
          if (oi) oi[k] = v.is_null ? kNullI64 : v.i;
          if (od) od[k] = v.is_null ? std::nan("") : v.d;
          if (os) {
            os[k] = v.is_null     ? std::string_view()
                    : v.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                  : res.Pool()->Add(v.s);
          }
        }
        *out = std::move(res);
        return Status::Ok();
      },
      deterministic, pos);
}

ArgCheck Arity(size_t n) {
  return [n](const Args& a) { return a.size() == n; };
}

ArgCheck ArityBetween(size_t lo, size_t hi) {
  return [lo, hi](const Args& a) { return a.size() >= lo && a.size() <= hi; };
}

ArgCheck ArgsAre(std::vector<std::function<bool(const BoundPtr&)>> preds) {
  return [preds](const Args& a) {
    if (a.size() != preds.size()) return false;
    for (size_t k = 0; k < a.size(); ++k) {
      if (!preds[k](a[k])) return false;
    }
    return true;
  };
}

void Overload(FunctionDef& def, std::string signature, ArgCheck accepts, ScalarBinder bind) {
  def.overloads.push_back({std::move(signature), std::move(accepts), std::move(bind)});
}

}  // namespace sundial::sql::fn
