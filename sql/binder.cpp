// Binds AST expressions to typed BoundExpr trees: resolves columns, applies QuestDB's type
// rules (INT/LONG/DOUBLE literals, string literals compared with timestamps are parsed as
// timestamps, NULL = x is IS NULL), and folds constant subtrees.
#include <strings.h>


#include "core/timestamp.h"

#include "sql/expr.h"
#include "sql/expr_nodes.h"
#include "sql/interval.h"
#include "sql/lexer.h"

namespace sundial::sql {

namespace {

std::string TypeName(ColumnType t) { return std::string(cairo::ColumnTypeName(t)); }

core::Status NoOperator(std::string_view op, ColumnType a, ColumnType b, int32_t pos) {
  return core::Status::InvalidArgument("there is no matching operator `" + std::string(op) +
                                           "` with the argument types: " + TypeName(a) + " " +
                                           std::string(op) + " " + TypeName(b),
                                       pos);
}

bool IsUntypedNull(const BoundPtr& e) {
  const Value* c = e->constant();
  return c && c->is_untyped_null;
}

// Evaluates a constant-only bound tree once and replaces it by its value.
core::Result<BoundPtr> Fold(BoundPtr e) {
  if (e->constant() || !e->deterministic()) return e;
  ASSIGN_OR_RETURN(Value v, EvalConstant(*e));
  v.type = e->type();
  return MakeConstant(std::move(v), e->pos());
}

core::Result<BoundPtr> FoldIf(bool inputs_constant, BoundPtr e) {
  if (!inputs_constant) return e;
  return Fold(std::move(e));
}

bool AllConstant(const std::vector<BoundPtr>& args) {
  for (const auto& a : args) {
    if (!a->constant()) return false;
  }
  return true;
}

ColumnType WiderNumeric(ColumnType a, ColumnType b) {
  auto rank = [](ColumnType t) {
    switch (t) {
      case ColumnType::kByte: return 1;
      case ColumnType::kShort: return 2;
      case ColumnType::kChar: return 2;
      case ColumnType::kInt: return 3;
      case ColumnType::kLong: return 4;
      case ColumnType::kFloat: return 5;
      case ColumnType::kDouble: return 6;
      default: return 0;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

// Converts a string constant to a timestamp constant (for comparisons with timestamps).
core::Result<BoundPtr> ToTimeSide(BoundPtr e, ColumnType time_type) {
  if (IsStringLike(e->type())) {
    if (const Value* c = e->constant()) {
      if (c->is_null) return MakeConstant(Value::Null(time_type), e->pos());
      ASSIGN_OR_RETURN(Value v, CastValue(*c, time_type, e->pos()));
      return MakeConstant(std::move(v), e->pos());
    }
    return MakeCast(e, time_type, e->pos());
  }
  if (IsTimeType(e->type()) && e->type() != time_type) {
    return FoldIf(e->constant() != nullptr, MakeCast(e, time_type, e->pos()));
  }
  return e;
}

}  // namespace

int FindColumn(const std::vector<ColInfo>& cols, std::string_view qualifier, std::string_view name) {
  int found = -1;
  for (size_t k = 0; k < cols.size(); ++k) {
    if (!EqualsIgnoreCase(cols[k].name, name)) continue;
    if (!qualifier.empty() && !EqualsIgnoreCase(cols[k].qualifier, qualifier)) continue;
    if (found >= 0) return -2;
    found = static_cast<int>(k);
  }
  return found;
}

bool ContainsAggregate(const Expr& e) {
  if (e.over) return false;  // a window function (sql/window.h), even when named avg or sum
  if (e.kind == ExprKind::kCall && !e.is_operator && IsAggregateFunction(e.sval)) return true;
  for (const auto& a : e.args) {
    if (a && ContainsAggregate(*a)) return true;
  }
  return false;
}

std::string CanonicalText(const Expr& e) { return ToLower(ExprToString(e)); }

core::Result<Value> EvalConstant(const BoundExpr& e) {
  Batch b;
  b.n = 1;
  Vec out;
  RETURN_IF_ERROR(e.Eval(b, &out));
  Value v = ValueAt(out, 0);
  v.type = e.type();
  return v;
}

namespace {

// Decides how two operands compare; may wrap them in casts.
core::Result<CmpDomain> CompareDomain(std::string_view op, BoundPtr* l, BoundPtr* r, int32_t pos) {
  ColumnType a = (*l)->type(), b = (*r)->type();
  if (IsTimeType(a) && (IsStringLike(b) || IsTimeType(b))) {
    ASSIGN_OR_RETURN(*r, ToTimeSide(*r, a));
    return CmpDomain::kI64;
  }
  if (IsTimeType(b) && IsStringLike(a)) {
    ASSIGN_OR_RETURN(*l, ToTimeSide(*l, b));
    return CmpDomain::kI64;
  }
  // GEOHASH: = and != (and IN) only, with a GEOHASH of the same precision or text cast to it.
  if (cairo::IsGeoHash(a) || cairo::IsGeoHash(b)) {
    if (op != "=" && op != "!=" && op != "in") return NoOperator(op, a, b, pos);
    if (cairo::IsGeoHash(a) && IsStringLike(b)) {
      const bool c = (*r)->constant() != nullptr;
      ASSIGN_OR_RETURN(*r, FoldIf(c, MakeCast(*r, a, (*r)->pos())));
      b = a;
    } else if (cairo::IsGeoHash(b) && IsStringLike(a)) {
      const bool c = (*l)->constant() != nullptr;
      ASSIGN_OR_RETURN(*l, FoldIf(c, MakeCast(*l, b, (*l)->pos())));
      a = b;
    }
    if (a != b) return NoOperator(op, a, b, pos);  // different precisions: BindCompare
    return CmpDomain::kI64;
  }
  // IPv4, UUID, LONG128, LONG256 compare with their own type, or with text cast to it (so
  // that '1.2.3.4' and an upper-case UUID literal compare as values).
  auto is_typed = [](ColumnType t) { return t == ColumnType::kIPv4 || IsTextValueType(t); };
  if (is_typed(a) || is_typed(b)) {
    if (is_typed(a) && IsStringLike(b)) {
      const bool c = (*r)->constant() != nullptr;
      ASSIGN_OR_RETURN(*r, FoldIf(c, MakeCast(*r, a, (*r)->pos())));
      b = a;
    } else if (is_typed(b) && IsStringLike(a)) {
      const bool c = (*l)->constant() != nullptr;
      ASSIGN_OR_RETURN(*l, FoldIf(c, MakeCast(*l, b, (*l)->pos())));
      a = b;
    }
    if (a != b) return NoOperator(op, a, b, pos);
    return a == ColumnType::kIPv4 ? CmpDomain::kI64 : CmpDomain::kStr;
  }
  if (IsStringLike(a) && IsStringLike(b)) return CmpDomain::kStr;
  if (a == ColumnType::kChar && IsStringLike(b)) {
    bool c = (*r)->constant() != nullptr;
    *r = MakeCast(*r, ColumnType::kChar, (*r)->pos());
    ASSIGN_OR_RETURN(*r, FoldIf(c, *r));
    return CmpDomain::kI64;
  }
  if (b == ColumnType::kChar && IsStringLike(a)) {
    bool c = (*l)->constant() != nullptr;
    *l = MakeCast(*l, ColumnType::kChar, (*l)->pos());
    ASSIGN_OR_RETURN(*l, FoldIf(c, *l));
    return CmpDomain::kI64;
  }
  bool an = IsNumeric(a) || IsTimeType(a) || a == ColumnType::kBoolean;
  bool bn = IsNumeric(b) || IsTimeType(b) || b == ColumnType::kBoolean;
  if (an && bn) {
    if ((a == ColumnType::kBoolean) != (b == ColumnType::kBoolean)) return NoOperator(op, a, b, pos);
    if (PhysOf(a) == Phys::kF64 || PhysOf(b) == Phys::kF64) return CmpDomain::kF64;
    return CmpDomain::kI64;
  }
  return NoOperator(op, a, b, pos);
}

core::Result<BoundPtr> BindCompare(std::string_view op, BoundPtr l, BoundPtr r, int32_t pos) {
  if (IsUntypedNull(l)) std::swap(l, r);
  if (IsUntypedNull(r)) {
    if (op == "=") return FoldIf(l->constant() != nullptr, MakeIsNull(l, false, pos));
    if (op == "!=") return FoldIf(l->constant() != nullptr, MakeIsNull(l, true, pos));
    return MakeConstant(Value::Long(ColumnType::kBoolean, 0), pos);
  }
  if (cairo::IsGeoHash(l->type()) && cairo::IsGeoHash(r->type()) && l->type() != r->type() &&
      (op == "=" || op == "!=")) {
    // As QuestDB: geohashes of different precisions are never equal.
    return MakeConstant(Value::Long(ColumnType::kBoolean, op == "!=" ? 1 : 0), pos);
  }
  ASSIGN_OR_RETURN(CmpDomain d, CompareDomain(op, &l, &r, pos));
  // Keep constants on the right for the scalar fast path.
  if (l->constant() && !r->constant()) {
    std::string_view flipped = op == "<" ? ">" : op == ">" ? "<" : op == "<=" ? ">=" : op == ">=" ? "<=" : op;
    return MakeCompare(flipped, r, l, d, pos);
  }
  return FoldIf(l->constant() && r->constant(), MakeCompare(op, l, r, d, pos));
}

core::Result<BoundPtr> BindArith(char op, BoundPtr l, BoundPtr r, int32_t pos) {
  ColumnType a = l->type(), b = r->type();
  if (IsUntypedNull(l)) a = b;
  if (IsUntypedNull(r)) b = a;
  if (IsUntypedNull(l) && IsUntypedNull(r)) {
    return MakeConstant(Value::Null(ColumnType::kDouble), pos);
  }
  if (IsUntypedNull(l)) l = MakeConstant(Value::Null(a), l->pos());
  if (IsUntypedNull(r)) r = MakeConstant(Value::Null(b), r->pos());
  std::string ops(1, op);
  ColumnType result;
  if (IsTimeType(a) || IsTimeType(b)) {
    if (IsTimeType(a) && IsTimeType(b) && op == '-') {
      result = ColumnType::kLong;
      if (a != b) {
        l = MakeCast(l, ColumnType::kTimestamp, pos);
        r = MakeCast(r, ColumnType::kTimestamp, pos);
      }
    } else if (IsTimeType(a) && IsIntegral(b) && (op == '+' || op == '-')) {
      result = a;
    } else if (IsTimeType(b) && IsIntegral(a) && op == '+') {
      result = b;
    } else {
      return NoOperator(ops, a, b, pos);
    }
  } else if (IsNumeric(a) && IsNumeric(b)) {
    ColumnType w = WiderNumeric(a, b);
    if (IsIntegral(w)) {
      result = (w == ColumnType::kLong) ? ColumnType::kLong : ColumnType::kInt;
    } else {
      result = w;
    }
  } else {
    return NoOperator(ops, a, b, pos);
  }
  return FoldIf(l->constant() && r->constant(), MakeArith(op, l, r, result, pos));
}

}  // namespace

core::Result<BoundPtr> Bind(const Expr& e, BindContext& ctx) {
  if (++ctx.depth > ctx.max_depth) {
    --ctx.depth;
    return core::Status::SyntaxError("expression is too deeply nested", e.pos);
  }
  struct DepthRelease {
    BindContext& c;
    ~DepthRelease() { --c.depth; }
  } release{ctx};

  if (ctx.substitutions && e.kind != ExprKind::kColumn) {
    std::string key = CanonicalText(e);
    for (const auto& [text, idx] : *ctx.substitutions) {
      if (text == key) return MakeColumnRef(idx, (*ctx.cols)[idx].type, e.pos);
    }
  }
  switch (e.kind) {
    case ExprKind::kNull: {
      Value v = Value::Null(ColumnType::kVarchar);
      v.is_untyped_null = true;
      return MakeConstant(std::move(v), e.pos);
    }
    case ExprKind::kBool: return MakeConstant(Value::Long(ColumnType::kBoolean, e.ival), e.pos);
    case ExprKind::kInteger: {
      bool fits = !e.long_literal && e.ival > INT32_MIN && e.ival <= INT32_MAX;
      return MakeConstant(Value::Long(fits ? ColumnType::kInt : ColumnType::kLong, e.ival), e.pos);
    }
    case ExprKind::kFloat: return MakeConstant(Value::Double(ColumnType::kDouble, e.dval), e.pos);
    case ExprKind::kString: return MakeConstant(Value::Str(ColumnType::kVarchar, e.sval), e.pos);
    case ExprKind::kGeoHash: return MakeConstant(Value::Long(e.cast_type, e.ival), e.pos);
    case ExprKind::kColumn: {
      int idx = FindColumn(*ctx.cols, e.qualifier, e.sval);
      if (idx == -2) {
        return core::Status::InvalidArgument("Ambiguous column [name=" + e.sval + "]", e.pos);
      }
      if (idx < 0 && ctx.substitutions) {
        std::string key = CanonicalText(e);
        for (const auto& [text, k] : *ctx.substitutions) {
          if (text == key) return MakeColumnRef(k, (*ctx.cols)[k].type, e.pos);
        }
      }
      if (idx < 0 && e.qualifier.empty() && e.sval.size() == 3 &&
          strncasecmp(e.sval.c_str(), "nan", 3) == 0) {
        // QuestDB's NaN constant: the DOUBLE null (unless a column of that name exists).
        return MakeConstant(Value::Null(ColumnType::kDouble), e.pos);
      }
      if (idx < 0) return core::Status::InvalidArgument("Invalid column: " + e.sval, e.pos);
      if (ctx.used && static_cast<size_t>(idx) < ctx.used->size()) (*ctx.used)[idx] = true;
      return MakeColumnRef(idx, (*ctx.cols)[idx].type, e.pos);
    }
    case ExprKind::kStar:
      return core::Status::SyntaxError("'*' is not expected here", e.pos);
    case ExprKind::kCast: {
      ASSIGN_OR_RETURN(BoundPtr a, Bind(*e.args[0], ctx));
      if (IsUntypedNull(a)) return MakeConstant(Value::Null(e.cast_type), e.pos);
      return FoldIf(a->constant() != nullptr, MakeCast(a, e.cast_type, e.pos));
    }
    case ExprKind::kIsNull: {
      ASSIGN_OR_RETURN(BoundPtr a, Bind(*e.args[0], ctx));
      return FoldIf(a->constant() != nullptr, MakeIsNull(a, e.negated, e.pos));
    }
    case ExprKind::kBetween: {
      ASSIGN_OR_RETURN(BoundPtr a, Bind(*e.args[0], ctx));
      ASSIGN_OR_RETURN(BoundPtr lo, Bind(*e.args[1], ctx));
      ASSIGN_OR_RETURN(BoundPtr hi, Bind(*e.args[2], ctx));
      // QuestDB accepts the bounds in either order.
      if (lo->constant() && hi->constant() && IsTimeType(a->type())) {
        ASSIGN_OR_RETURN(lo, ToTimeSide(lo, a->type()));
        ASSIGN_OR_RETURN(hi, ToTimeSide(hi, a->type()));
        if (!lo->constant()->is_null && !hi->constant()->is_null &&
            lo->constant()->i > hi->constant()->i) {
          std::swap(lo, hi);
        }
      }
      ASSIGN_OR_RETURN(BoundPtr ge, BindCompare(">=", a, lo, e.pos));
      ASSIGN_OR_RETURN(BoundPtr le, BindCompare("<=", a, hi, e.pos));
      BoundPtr both = MakeAnd(ge, le, e.pos);
      if (e.negated) both = MakeNot(both, e.pos);
      return FoldIf(a->constant() && lo->constant() && hi->constant(), both);
    }
    case ExprKind::kIn: {
      ASSIGN_OR_RETURN(BoundPtr a, Bind(*e.args[0], ctx));
      std::vector<BoundPtr> vals;
      for (size_t k = 1; k < e.args.size(); ++k) {
        ASSIGN_OR_RETURN(BoundPtr v, Bind(*e.args[k], ctx));
        vals.push_back(v);
      }
      // ts IN '2024-01-02' (and lists of such strings): interval semantics.
      if (IsTimeType(a->type())) {
        bool strings = true;
        for (const auto& v : vals) {
          if (!v->constant() || !IsStringLike(v->type()) || v->constant()->is_null) strings = false;
        }
        if (strings) {
          BoundPtr any;
          for (const auto& v : vals) {
            ASSIGN_OR_RETURN(std::vector<Interval> ivs,
                             ParseIntervalString(v->constant()->s, v->pos()));
            for (const Interval& iv : ivs) {
              int64_t lo = iv.lo, hi = iv.hi;
              if (a->type() == ColumnType::kDate) {
                lo = core::FloorDiv(lo, 1000);
                hi = core::FloorDiv(hi, 1000);
              }
              BoundPtr ge = MakeCompare(">=", a, MakeConstant(Value::Long(a->type(), lo), e.pos),
                                        CmpDomain::kI64, e.pos);
              BoundPtr le = MakeCompare("<=", a, MakeConstant(Value::Long(a->type(), hi), e.pos),
                                        CmpDomain::kI64, e.pos);
              BoundPtr both = MakeAnd(ge, le, e.pos);
              any = any ? MakeOr(any, both, e.pos) : both;
            }
          }
          if (!any) any = MakeConstant(Value::Long(ColumnType::kBoolean, 0), e.pos);
          if (e.negated) any = MakeNot(any, e.pos);
          return FoldIf(a->constant() != nullptr, any);
        }
      }
      std::vector<Value> values;
      CmpDomain domain = CmpDomain::kStr;
      for (auto& v : vals) {
        if (!v->constant()) {
          // Non-constant list: OR of equalities.
          BoundPtr any;
          for (auto& w : vals) {
            ASSIGN_OR_RETURN(BoundPtr eq, BindCompare("=", a, w, e.pos));
            any = any ? MakeOr(any, eq, e.pos) : eq;
          }
          if (e.negated) any = MakeNot(any, e.pos);
          return any;
        }
        BoundPtr l = a, r = v;
        if (IsUntypedNull(r)) {
          values.push_back(Value::Null(a->type()));
          continue;
        }
        ASSIGN_OR_RETURN(domain, CompareDomain("in", &l, &r, v->pos()));
        values.push_back(*r->constant());
        if (l != a) a = l;
      }
      if (values.empty()) return MakeConstant(Value::Long(ColumnType::kBoolean, e.negated), e.pos);
      if (IsTimeType(a->type()) || IsIntegral(a->type()) || a->type() == ColumnType::kBoolean) {
        domain = CmpDomain::kI64;
        for (auto& v : values) {
          if (!v.is_null && PhysOf(v.type) == Phys::kF64) domain = CmpDomain::kF64;
        }
      } else if (PhysOf(a->type()) == Phys::kF64) {
        domain = CmpDomain::kF64;
      }
      return FoldIf(a->constant() != nullptr, MakeIn(a, std::move(values), domain, e.negated, e.pos));
    }
    case ExprKind::kLike: {
      ASSIGN_OR_RETURN(BoundPtr a, Bind(*e.args[0], ctx));
      ASSIGN_OR_RETURN(BoundPtr p, Bind(*e.args[1], ctx));
      if (!IsStringLike(a->type()) && !IsUntypedNull(a)) {
        return core::Status::InvalidArgument("there is no matching function `like` with the argument types: (" +
                                                 TypeName(a->type()) + ", STRING)",
                                             e.pos);
      }
      const Value* pc = p->constant();
      if (!pc) return core::Status::Unsupported("LIKE pattern must be a constant", p->pos());
      if (pc->is_null) return MakeConstant(Value::Long(ColumnType::kBoolean, 0), e.pos);
      return FoldIf(a->constant() != nullptr, MakeLike(a, pc->s, e.ilike, e.negated, e.pos));
    }
    case ExprKind::kCase: {
      std::vector<BoundPtr> whens, thens;
      BoundPtr operand, other;
      size_t k = 0;
      if (e.has_operand) {
        ASSIGN_OR_RETURN(operand, Bind(*e.args[0], ctx));
        k = 1;
      }
      size_t end = e.args.size() - (e.has_else ? 1 : 0);
      for (; k + 1 < end + 1 && k < end; k += 2) {
        ASSIGN_OR_RETURN(BoundPtr w, Bind(*e.args[k], ctx));
        if (operand) {
          ASSIGN_OR_RETURN(w, BindCompare("=", operand, w, e.args[k]->pos));
        } else if (w->type() != ColumnType::kBoolean && !IsUntypedNull(w)) {
          return core::Status::InvalidArgument("boolean expression expected", e.args[k]->pos);
        }
        ASSIGN_OR_RETURN(BoundPtr t, Bind(*e.args[k + 1], ctx));
        whens.push_back(w);
        thens.push_back(t);
      }
      if (e.has_else) {
        ASSIGN_OR_RETURN(other, Bind(*e.args.back(), ctx));
        thens.push_back(other);
      }
      // Result type: the widest of the branches.
      ColumnType type = ColumnType::kVarchar;
      bool any = false;
      for (const auto& t : thens) {
        if (IsUntypedNull(t)) continue;
        ColumnType tt = t->type();
        if (!any) {
          type = tt;
          any = true;
        } else if (type != tt) {
          if (IsNumeric(type) && IsNumeric(tt)) {
            type = WiderNumeric(type, tt);
          } else if (IsStringLike(type) && IsStringLike(tt)) {
            type = ColumnType::kVarchar;
          } else {
            return core::Status::InvalidArgument("inconvertible types: " + TypeName(tt) + " -> " +
                                                     TypeName(type),
                                                 t->pos());
          }
        }
      }
      for (auto& t : thens) {
        if (IsUntypedNull(t)) {
          t = MakeConstant(Value::Null(type), t->pos());
        } else if (t->type() != type) {
          ASSIGN_OR_RETURN(t, FoldIf(t->constant() != nullptr, MakeCast(t, type, t->pos())));
        }
      }
      if (e.has_else) {
        other = thens.back();
        thens.pop_back();
      }
      return MakeCase(std::move(whens), std::move(thens), other, type, e.pos);
    }
    case ExprKind::kCall:
      break;
  }
  // Calls and operators.
  const std::string& name = e.sval;
  if (e.over) {
    // Window functions are computed by the window operator and reach here only where the
    // query has no place for them (WHERE, GROUP BY, an argument of another window function).
    return core::Status::InvalidArgument("window function is not allowed in this context", e.pos);
  }
  if (!e.is_operator && IsAggregateFunction(name)) {
    return core::Status::InvalidArgument("aggregate function is not allowed here: " + name, e.pos);
  }
  std::vector<BoundPtr> args;
  for (const auto& a : e.args) {
    ASSIGN_OR_RETURN(BoundPtr b, Bind(*a, ctx));
    args.push_back(b);
  }
  if (e.is_operator) {
    if (name == "and" || name == "or") {
      for (const auto& a : args) {
        if (a->type() != ColumnType::kBoolean && !IsUntypedNull(a)) {
          return core::Status::InvalidArgument("boolean expression expected", a->pos());
        }
      }
      BoundPtr r = name == "and" ? MakeAnd(args[0], args[1], e.pos) : MakeOr(args[0], args[1], e.pos);
      return AllConstant(args) ? Fold(r) : core::Result<BoundPtr>(r);
    }
    if (name == "not") {
      if (args[0]->type() != ColumnType::kBoolean) {
        return core::Status::InvalidArgument("boolean expression expected", args[0]->pos());
      }
      return FoldIf(args[0]->constant() != nullptr, MakeNot(args[0], e.pos));
    }
    if (name == "neg") {
      if (!IsNumeric(args[0]->type())) {
        return core::Status::InvalidArgument("there is no matching operator `-` with the argument type: " +
                                                 TypeName(args[0]->type()),
                                             e.pos);
      }
      return FoldIf(args[0]->constant() != nullptr, MakeNeg(args[0], e.pos));
    }
    if (name == "+" || name == "-" || name == "*" || name == "/" || name == "%") {
      return BindArith(name[0], args[0], args[1], e.pos);
    }
    if (name == "=" || name == "!=" || name == "<" || name == "<=" || name == ">" || name == ">=") {
      return BindCompare(name, args[0], args[1], e.pos);
    }
    if (name == "~" || name == "!~") {
      const Value* pc = args[1]->constant();
      if (!pc || pc->is_null) return core::Status::Unsupported("regex must be a constant", args[1]->pos());
      core::Result<core::Regex> re = core::Regex::Compile(pc->s);
      if (!re.ok()) return core::Status::InvalidArgument(re.status().message(), args[1]->pos());
      return MakeRegex(args[0], std::make_shared<const core::Regex>(std::move(re).value()),
                       name == "!~", e.pos);
    }
  }
  auto f = BindFunction(e, args, ctx);
  if (!f) {
    return core::Status::InvalidArgument("unknown function name: " + e.text + "(" +
                                             [&] {
                                               std::string s;
                                               for (size_t k = 0; k < args.size(); ++k) {
                                                 if (k) s += ",";
                                                 s += TypeName(args[k]->type());
                                               }
                                               return s;
                                             }() + ")",
                                         e.pos);
  }
  if (!f->ok()) return f->status();
  BoundPtr r = f->value();
  if (AllConstant(args) && r->deterministic()) return Fold(r);
  return r;
}

}  // namespace sundial::sql
