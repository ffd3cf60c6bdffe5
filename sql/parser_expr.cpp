// Expressions, by precedence (lowest first): OR, AND, NOT, comparison (= != <> < <= > >= IN
// BETWEEN LIKE ILIKE IS [NOT] NULL WITHIN ~ !~), ||, + -, * / %, unary - +, postfix ::type,
// primary.
#include <cerrno>
#include <cstdlib>

#include "cairo/column_text.h"
#include "sql/parser_internal.h"

namespace sundial::sql {

ExprPtr MakeCall(std::string name, int32_t pos, std::vector<ExprPtr> args, bool is_operator) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = pos;
  e->text = name;
  e->sval = ToLower(name);
  e->args = std::move(args);
  e->is_operator = is_operator;
  return e;
}

core::Result<ExprPtr> Parser::Expression() {
  DepthGuard guard(this);
  if (guard.exceeded()) return DepthError();
  return Or();
}

core::Result<ExprPtr> Parser::Or() {
  ASSIGN_OR_RETURN(ExprPtr left, And());
  while (Peek().IsKeyword("or")) {
    int32_t pos = Next().pos;
    ASSIGN_OR_RETURN(ExprPtr right, And());
    left = MakeCall("or", pos, {left, right}, true);
  }
  return left;
}

core::Result<ExprPtr> Parser::And() {
  ASSIGN_OR_RETURN(ExprPtr left, Not());
  while (Peek().IsKeyword("and")) {
    int32_t pos = Next().pos;
    ASSIGN_OR_RETURN(ExprPtr right, Not());
    left = MakeCall("and", pos, {left, right}, true);
  }
  return left;
}

core::Result<ExprPtr> Parser::Not() {
  if (Peek().IsKeyword("not")) {
    DepthGuard guard(this);
    if (guard.exceeded()) return DepthError();
    int32_t pos = Next().pos;
    ASSIGN_OR_RETURN(ExprPtr arg, Not());
    return MakeCall("not", pos, {arg}, true);
  }
  return Comparison();
}

core::Result<ExprPtr> Parser::Comparison() {
  ASSIGN_OR_RETURN(ExprPtr left, Concat());
  for (;;) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kOperator &&
        (t.text == "=" || t.text == "!=" || t.text == "<>" || t.text == "<" || t.text == "<=" ||
         t.text == ">" || t.text == ">=" || t.text == "~" || t.text == "!~" || t.text == "<<" ||
         t.text == "<<=" || t.text == ">>" || t.text == ">>=")) {
      std::string op = t.text == "<>" ? "!=" : t.text;
      int32_t pos = Next().pos;
      ASSIGN_OR_RETURN(ExprPtr right, Concat());
      left = MakeCall(op, pos, {left, right}, true);
      continue;
    }
    bool negated = false;
    size_t save = i_;
    if (t.IsKeyword("not")) {
      negated = true;
      Next();
    }
    const Token& k = Peek();
    if (k.IsKeyword("in")) {
      int32_t pos = Next().pos;
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kIn;
      e->pos = pos;
      e->negated = negated;
      e->args.push_back(left);
      if (AcceptOp("(")) {
        for (;;) {
          ASSIGN_OR_RETURN(ExprPtr v, Expression());
          e->args.push_back(v);
          if (AcceptOp(",")) continue;
          RETURN_IF_ERROR(ExpectOp(")"));
          break;
        }
      } else {
        ASSIGN_OR_RETURN(ExprPtr v, Concat());
        e->args.push_back(v);
      }
      left = e;
      continue;
    }
    if (!negated && k.IsKeyword("within") && Peek(1).IsOp("(")) {
      // g WITHIN (#u33, #u34): true when g starts with one of the geohashes (a function call
      // `within(g, #u33, #u34)`, sql/functions/geo.cpp).
      int32_t pos = Next().pos;
      Next();
      std::vector<ExprPtr> args = {left};
      for (;;) {
        ASSIGN_OR_RETURN(ExprPtr v, Expression());
        args.push_back(v);
        if (AcceptOp(",")) continue;
        RETURN_IF_ERROR(ExpectOp(")"));
        break;
      }
      left = MakeCall("within", pos, std::move(args), false);
      continue;
    }
    if (k.IsKeyword("between")) {
      int32_t pos = Next().pos;
      ASSIGN_OR_RETURN(ExprPtr lo, Concat());
      RETURN_IF_ERROR(ExpectKeyword("and"));
      ASSIGN_OR_RETURN(ExprPtr hi, Concat());
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kBetween;
      e->pos = pos;
      e->negated = negated;
      e->args = {left, lo, hi};
      left = e;
      continue;
    }
    if (k.IsKeyword("like") || k.IsKeyword("ilike")) {
      bool ilike = k.IsKeyword("ilike");
      int32_t pos = Next().pos;
      ASSIGN_OR_RETURN(ExprPtr pattern, Concat());
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kLike;
      e->pos = pos;
      e->negated = negated;
      e->ilike = ilike;
      e->args = {left, pattern};
      left = e;
      continue;
    }
    if (negated) {
      i_ = save;
      return left;
    }
    if (k.IsKeyword("is")) {
      int32_t pos = Next().pos;
      bool is_not = AcceptKeyword("not");
      RETURN_IF_ERROR(ExpectKeyword("null"));
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kIsNull;
      e->pos = pos;
      e->negated = is_not;
      e->args = {left};
      left = e;
      continue;
    }
    return left;
  }
}

core::Result<ExprPtr> Parser::Concat() {
  ASSIGN_OR_RETURN(ExprPtr left, Additive());
  while (Peek().IsOp("||")) {
    int32_t pos = Next().pos;
    ASSIGN_OR_RETURN(ExprPtr right, Additive());
    left = MakeCall("concat", pos, {left, right}, true);
  }
  return left;
}

core::Result<ExprPtr> Parser::Additive() {
  ASSIGN_OR_RETURN(ExprPtr left, Multiplicative());
  while (Peek().IsOp("+") || Peek().IsOp("-")) {
    const Token& t = Next();
    std::string op = t.text;
    ASSIGN_OR_RETURN(ExprPtr right, Multiplicative());
    left = MakeCall(op, t.pos, {left, right}, true);
  }
  return left;
}

core::Result<ExprPtr> Parser::Multiplicative() {
  ASSIGN_OR_RETURN(ExprPtr left, Unary());
  while (Peek().IsOp("*") || Peek().IsOp("/") || Peek().IsOp("%")) {
    const Token& t = Next();
    std::string op = t.text;
    ASSIGN_OR_RETURN(ExprPtr right, Unary());
    left = MakeCall(op, t.pos, {left, right}, true);
  }
  return left;
}

core::Result<ExprPtr> Parser::Unary() {
  if (Peek().IsOp("-") || Peek().IsOp("+")) {
    DepthGuard guard(this);
    if (guard.exceeded()) return DepthError();
    const Token& t = Next();
    bool minus = t.text == "-";
    int32_t pos = t.pos;
    ASSIGN_OR_RETURN(ExprPtr arg, Unary());
    if (!minus) return arg;
    // Fold negative numeric literals so that -2147483648 is an INT and -9223372036854775808 a
    // LONG, as QuestDB parses them.
    if (arg->kind == ExprKind::kInteger || arg->kind == ExprKind::kFloat) {
      auto e = std::make_shared<Expr>(*arg);
      e->pos = pos;
      e->text = "-" + arg->text;
      if (arg->kind == ExprKind::kInteger) {
        e->ival = static_cast<int64_t>(0ull - static_cast<uint64_t>(arg->ival));
      } else {
        e->dval = -arg->dval;
      }
      return ExprPtr(e);
    }
    return MakeCall("neg", pos, {arg}, true);
  }
  return Postfix();
}

core::Result<ExprPtr> Parser::Postfix() {
  ASSIGN_OR_RETURN(ExprPtr e, Primary());
  while (Peek().IsOp("::")) {
    int32_t pos = Next().pos;
    int32_t type_pos = 0;
    ASSIGN_OR_RETURN(cairo::ColumnType type, TypeName(&type_pos));
    auto c = std::make_shared<Expr>();
    c->kind = ExprKind::kCast;
    c->pos = pos;
    c->cast_type = type;
    c->args = {e};
    e = c;
  }
  return e;
}

core::Result<cairo::ColumnType> Parser::TypeName(int32_t* pos) {
  const Token& t = Peek();
  *pos = t.pos;
  if (t.kind != TokenKind::kIdent) {
    return Error("column type expected", t.pos);
  }
  if (t.IsKeyword("geohash")) {
    // GEOHASH(<n>c) or GEOHASH(<n>b): the lexer reads `8c` as one duration-like token.
    Next();
    if (!Peek().IsOp("(")) return Error("missing GEOHASH precision", Peek().pos);
    Next();
    const Token& p = Peek();
    auto bits =
        p.kind == TokenKind::kDuration ? cairo::ParseGeoHashPrecision(p.text) : std::nullopt;
    if (!bits) {
      return Error("invalid GEOHASH size, must be number followed by 'C' or 'B' character "
                   "(1..12 chars or 1..60 bits)",
                   p.pos);
    }
    Next();
    RETURN_IF_ERROR(ExpectOp(")"));
    return cairo::GeoHashType(*bits);
  }
  auto type = cairo::ParseColumnType(t.text);
  if (!type) {
    return Error("unsupported column type: " + t.text, t.pos);
  }
  Next();
  if (*type == cairo::ColumnType::kDouble) AcceptKeyword("precision");
  // VARCHAR(n), TIMESTAMP(6): a size in parentheses is accepted and ignored.
  if (Peek().IsOp("(") && Peek(1).kind == TokenKind::kInteger && Peek(2).IsOp(")")) {
    i_ += 3;
  }
  return *type;
}

core::Result<ExprPtr> Parser::Primary() {
  DepthGuard guard(this);
  if (guard.exceeded()) return DepthError();
  const Token& t = Peek();
  auto e = std::make_shared<Expr>();
  e->pos = t.pos;
  e->text = t.text;
  switch (t.kind) {
    case TokenKind::kInteger: {
      Next();
      errno = 0;
      char* end = nullptr;
      unsigned long long v = std::strtoull(e->text.c_str(), &end, 10);
      e->long_literal = *end == 'L' || *end == 'l';
      if (e->long_literal && (errno == ERANGE || v > 9223372036854775808ull)) {
        return Error("invalid constant: " + e->text, e->pos);
      }
      if (errno == ERANGE || v > 9223372036854775808ull) {
        e->kind = ExprKind::kFloat;
        e->dval = std::strtod(e->text.c_str(), nullptr);
      } else {
        e->kind = ExprKind::kInteger;
        e->ival = static_cast<int64_t>(v);  // 2^63 wraps; only valid after unary minus
      }
      return ExprPtr(e);
    }
    case TokenKind::kFloat:
      Next();
      e->kind = ExprKind::kFloat;
      e->dval = std::strtod(e->text.c_str(), nullptr);
      return ExprPtr(e);
    case TokenKind::kString:
      Next();
      e->kind = ExprKind::kString;
      e->sval = t.text;
      return ExprPtr(e);
    case TokenKind::kQuotedIdent:
    case TokenKind::kIdent: {
      bool quoted = t.kind == TokenKind::kQuotedIdent;
      if (!quoted) {
        if (t.IsKeyword("null")) {
          Next();
          e->kind = ExprKind::kNull;
          return ExprPtr(e);
        }
        if (t.IsKeyword("true") || t.IsKeyword("false")) {
          Next();
          e->kind = ExprKind::kBool;
          e->ival = t.IsKeyword("true") ? 1 : 0;
          return ExprPtr(e);
        }
        if (t.IsKeyword("case")) {
          Next();
          return CaseExpr(e->pos);
        }
        if (t.IsKeyword("cast") && Peek(1).IsOp("(")) {
          Next();
          Next();
          ASSIGN_OR_RETURN(ExprPtr arg, Expression());
          RETURN_IF_ERROR(ExpectKeyword("as"));
          int32_t type_pos = 0;
          ASSIGN_OR_RETURN(cairo::ColumnType type, TypeName(&type_pos));
          RETURN_IF_ERROR(ExpectOp(")"));
          e->kind = ExprKind::kCast;
          e->cast_type = type;
          e->args = {arg};
          return ExprPtr(e);
        }
        // Typed literals of QuestDB's docs: ipv4 '1.2.3.4', uuid '...' (a cast of the text).
        if ((t.IsKeyword("ipv4") || t.IsKeyword("uuid")) && Peek(1).kind == TokenKind::kString) {
          e->kind = ExprKind::kCast;
          e->cast_type = t.IsKeyword("ipv4") ? cairo::ColumnType::kIPv4 : cairo::ColumnType::kUuid;
          Next();
          const Token& lit = Next();
          auto arg = std::make_shared<Expr>();
          arg->kind = ExprKind::kString;
          arg->pos = lit.pos;
          arg->text = lit.text;
          arg->sval = lit.text;
          e->args = {arg};
          return ExprPtr(e);
        }
        if (t.IsKeyword("extract") && Peek(1).IsOp("(")) {
          Next();
          Next();
          const Token& field = Peek();
          if (field.kind != TokenKind::kIdent && field.kind != TokenKind::kString) {
            return Error("unit expected", field.pos);
          }
          auto unit = std::make_shared<Expr>();
          unit->kind = ExprKind::kString;
          unit->pos = field.pos;
          unit->sval = ToLower(field.text);
          Next();
          RETURN_IF_ERROR(ExpectKeyword("from"));
          ASSIGN_OR_RETURN(ExprPtr arg, Expression());
          RETURN_IF_ERROR(ExpectOp(")"));
          return MakeCall("extract", e->pos, {unit, arg}, false);
        }
        if (IsReservedWord(t) && !Peek(1).IsOp("(")) {
          return Error("function, literal or constant is expected", t.pos);
        }
      }
      const Token& name = Next();
      if (Peek().IsOp("(") && !quoted) return FunctionCall(name);
      if (!quoted && Peek().IsOp(".") && Peek(1).kind == TokenKind::kIdent && Peek(2).IsOp("(") &&
          IsCatalogSchema(name.text)) {
        // pg_catalog.version(), information_schema._pg_expandarray(x): the function itself.
        Next();
        Token fn = Next();
        fn.pos = name.pos;
        return FunctionCall(fn);
      }
      if (Peek().IsOp(".")) {
        Next();
        const Token& col = Peek();
        if (col.IsOp("*")) {
          Next();
          e->kind = ExprKind::kStar;
          e->qualifier = name.text;
          return ExprPtr(e);
        }
        if (col.kind != TokenKind::kIdent && col.kind != TokenKind::kQuotedIdent) {
          return Error("column name expected", col.pos);
        }
        Next();
        e->kind = ExprKind::kColumn;
        e->qualifier = name.text;
        e->sval = col.text;
        return ExprPtr(e);
      }
      e->kind = ExprKind::kColumn;
      e->sval = name.text;
      return ExprPtr(e);
    }
    case TokenKind::kOperator:
      if (t.IsOp("(")) {
        Next();
        ASSIGN_OR_RETURN(ExprPtr inner, Expression());
        RETURN_IF_ERROR(ExpectOp(")"));
        return inner;
      }
      if (t.IsOp("*")) {
        Next();
        e->kind = ExprKind::kStar;
        return ExprPtr(e);
      }
      break;
    case TokenKind::kGeoHash: {
      auto lit = cairo::ParseGeoHashLiteral(t.text);
      if (!lit) return Error("invalid geohash literal: " + t.text, t.pos);
      Next();
      e->kind = ExprKind::kGeoHash;
      e->ival = lit->value;
      e->cast_type = cairo::GeoHashType(lit->bits);
      return ExprPtr(e);
    }
    case TokenKind::kDuration:
    case TokenKind::kEnd:
      break;
  }
  return Error("function, literal or constant is expected", t.pos);
}

core::Result<ExprPtr> Parser::FunctionCall(const Token& name) {
  int32_t pos = name.pos;
  Next();  // (
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = pos;
  e->text = name.text;
  e->sval = ToLower(name.text);
  if (AcceptOp(")")) {
    RETURN_IF_ERROR(WindowSuffix(e.get()));
    return ExprPtr(e);
  }
  if (Peek().IsOp("*") && Peek(1).IsOp(")")) {
    i_ += 2;
    e->star_arg = true;
    RETURN_IF_ERROR(WindowSuffix(e.get()));
    return ExprPtr(e);
  }
  if (AcceptKeyword("distinct")) e->distinct = true;
  for (;;) {
    ASSIGN_OR_RETURN(ExprPtr arg, Expression());
    e->args.push_back(arg);
    if (AcceptOp(",")) continue;
    if (Peek().IsOp(")")) {
      Next();
      break;
    }
    return Error("',' or ')' expected", Peek().pos);
  }
  RETURN_IF_ERROR(WindowSuffix(e.get()));
  return ExprPtr(e);
}

core::Result<ExprPtr> Parser::CaseExpr(int32_t pos) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kCase;
  e->pos = pos;
  if (!Peek().IsKeyword("when")) {
    ASSIGN_OR_RETURN(ExprPtr operand, Expression());
    e->args.push_back(operand);
    e->has_operand = true;
  }
  bool any = false;
  while (AcceptKeyword("when")) {
    any = true;
    ASSIGN_OR_RETURN(ExprPtr when, Expression());
    RETURN_IF_ERROR(ExpectKeyword("then"));
    ASSIGN_OR_RETURN(ExprPtr then, Expression());
    e->args.push_back(when);
    e->args.push_back(then);
  }
  if (!any) return Error("'when' expected", Peek().pos);
  if (AcceptKeyword("else")) {
    ASSIGN_OR_RETURN(ExprPtr other, Expression());
    e->args.push_back(other);
    e->has_else = true;
  }
  RETURN_IF_ERROR(ExpectKeyword("end"));
  return ExprPtr(e);
}

std::string ExprToString(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNull: return "null";
    case ExprKind::kBool: return e.ival ? "true" : "false";
    case ExprKind::kInteger:
      return std::to_string(e.ival) + (e.long_literal ? "L" : "");
    case ExprKind::kFloat: return e.text.empty() ? std::to_string(e.dval) : e.text;
    case ExprKind::kString: return "'" + e.sval + "'";
    case ExprKind::kColumn: return e.qualifier.empty() ? e.sval : e.qualifier + "." + e.sval;
    case ExprKind::kStar: return e.qualifier.empty() ? "*" : e.qualifier + ".*";
    case ExprKind::kCall: {
      if (e.is_operator && e.args.size() == 2) {
        return "(" + ExprToString(*e.args[0]) + " " + e.sval + " " + ExprToString(*e.args[1]) + ")";
      }
      if (e.is_operator && e.args.size() == 1) {
        return (e.sval == "neg" ? std::string("-") : e.sval + " ") + ExprToString(*e.args[0]);
      }
      std::string s = e.sval + "(";
      if (e.star_arg) s += "*";
      if (e.distinct) s += "distinct ";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) s += ", ";
        s += ExprToString(*e.args[i]);
      }
      s += ")";
      if (e.ignore_nulls) s += " ignore nulls";
      if (e.over) s += " over (" + WindowSpecToString(*e.over) + ")";
      return s;
    }
    case ExprKind::kCase: {
      std::string s = "case";
      size_t i = 0;
      if (e.has_operand) s += " " + ExprToString(*e.args[i++]);
      size_t end = e.args.size() - (e.has_else ? 1 : 0);
      for (; i + 1 < end + 1 && i < end; i += 2) {
        s += " when " + ExprToString(*e.args[i]) + " then " + ExprToString(*e.args[i + 1]);
      }
      if (e.has_else) s += " else " + ExprToString(*e.args.back());
      return s + " end";
    }
    case ExprKind::kCast:
      return ExprToString(*e.args[0]) + "::" + ToLower(cairo::ColumnTypeName(e.cast_type));
    case ExprKind::kIn: {
      std::string s = ExprToString(*e.args[0]) + (e.negated ? " not in (" : " in (");
      for (size_t i = 1; i < e.args.size(); ++i) {
        if (i > 1) s += ", ";
        s += ExprToString(*e.args[i]);
      }
      return s + ")";
    }
    case ExprKind::kBetween:
      return ExprToString(*e.args[0]) + (e.negated ? " not between " : " between ") +
             ExprToString(*e.args[1]) + " and " + ExprToString(*e.args[2]);
    case ExprKind::kLike:
      return ExprToString(*e.args[0]) + (e.negated ? " not " : " ") + (e.ilike ? "ilike " : "like ") +
             ExprToString(*e.args[1]);
    case ExprKind::kIsNull:
      return ExprToString(*e.args[0]) + (e.negated ? " is not null" : " is null");
    case ExprKind::kGeoHash: return e.text;
  }
  return "?";
}

}  // namespace sundial::sql
