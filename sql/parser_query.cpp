// Queries: WITH, SELECT cores joined by set operators, FROM sources and joins, WHERE,
// LATEST ON, SAMPLE BY, GROUP BY, ORDER BY and LIMIT.
#include "sql/interval.h"
#include "sql/parser_internal.h"

namespace sundial::sql {

namespace {

bool IsSetOpStart(const Token& t) {
  return t.IsKeyword("union") || t.IsKeyword("except") || t.IsKeyword("intersect");
}

}  // namespace

bool IsCatalogSchema(std::string_view name) {
  return EqualsIgnoreCase(name, "pg_catalog") || EqualsIgnoreCase(name, "information_schema") ||
         EqualsIgnoreCase(name, "public");
}

std::span<const std::string_view> ReservedWords() {
  static constexpr std::string_view kWords[] = {
      "select", "from", "where", "join", "inner", "left", "right", "outer", "cross", "asof",
      "lt", "splice", "on", "sample", "latest", "order", "group", "limit", "union", "except",
      "intersect", "as", "partition", "fill", "align", "by", "and", "or", "not", "in", "is",
      "like", "ilike", "between", "when", "then", "else", "end", "with", "distinct", "table"};
  return kWords;
}

bool Parser::IsReservedWord(const Token& t) const {
  if (t.kind != TokenKind::kIdent) return false;
  for (auto w : ReservedWords()) {
    if (t.IsKeyword(w)) return true;
  }
  return false;
}

core::Result<QueryPtr> Parser::QueryExpr() {
  DepthGuard guard(this);
  if (guard.exceeded()) return DepthError();
  auto q = std::make_shared<Query>();
  q->pos = Peek().pos;
  if (AcceptKeyword("with")) {
    for (;;) {
      Cte cte;
      ASSIGN_OR_RETURN(cte.name, Identifier("CTE name expected", &cte.pos));
      RETURN_IF_ERROR(ExpectKeyword("as"));
      RETURN_IF_ERROR(ExpectOp("("));
      ASSIGN_OR_RETURN(cte.query, QueryExpr());
      RETURN_IF_ERROR(ExpectOp(")"));
      q->with.push_back(std::move(cte));
      if (!AcceptOp(",")) break;
    }
  }
  ASSIGN_OR_RETURN(SelectCore first, SelectCoreExpr());
  q->cores.push_back(std::move(first));
  while (IsSetOpStart(Peek())) {
    const Token& t = Next();
    SetOp op = SetOp::kUnion;
    if (t.IsKeyword("union")) {
      op = AcceptKeyword("all") ? SetOp::kUnionAll : SetOp::kUnion;
    } else if (t.IsKeyword("except")) {
      AcceptKeyword("all");
      op = SetOp::kExcept;
    } else {
      AcceptKeyword("all");
      op = SetOp::kIntersect;
    }
    ASSIGN_OR_RETURN(SelectCore next, SelectCoreExpr());
    q->ops.push_back(op);
    q->cores.push_back(std::move(next));
  }
  if (Peek().IsKeyword("order") && Peek(1).IsKeyword("by")) {
    i_ += 2;
    RETURN_IF_ERROR(OrderByItems(&q->order_by));
  }
  if (AcceptKeyword("limit")) {
    ASSIGN_OR_RETURN(q->limit_lo, Expression());
    if (AcceptOp(",")) {
      ASSIGN_OR_RETURN(q->limit_hi, Expression());
    }
  }
  return QueryPtr(q);
}

core::Result<SelectCore> Parser::SelectCoreExpr() {
  SelectCore core;
  core.pos = Peek().pos;
  if (Peek().IsOp("(")) {
    Next();
    ASSIGN_OR_RETURN(core.nested, QueryExpr());
    RETURN_IF_ERROR(ExpectOp(")"));
    return core;
  }
  if (AcceptKeyword("select")) {
    if (AcceptKeyword("distinct")) core.distinct = true;
    RETURN_IF_ERROR(SelectList(&core));
    if (AcceptKeyword("from")) {
      ASSIGN_OR_RETURN(core.from, TableReference());
    }
  } else {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdent && t.kind != TokenKind::kQuotedIdent &&
        t.kind != TokenKind::kString) {
      if (t.kind == TokenKind::kEnd) return Error("empty query", t.pos);
      return Unexpected(t);
    }
    if (IsReservedWord(t)) return Unexpected(t);
    // `t` alone is `select * from t` in QuestDB.
    core.select_star_implicit = true;
    ASSIGN_OR_RETURN(core.from, TableReference());
  }
  if (core.from) {
    for (;;) {
      const Token& t = Peek();
      JoinClause join;
      join.pos = t.pos;
      if (t.IsOp(",")) {
        Next();
        join.type = JoinType::kCross;
      } else if (t.IsKeyword("join")) {
        Next();
      } else if (t.IsKeyword("inner") && Peek(1).IsKeyword("join")) {
        i_ += 2;
      } else if (t.IsKeyword("left")) {
        Next();
        AcceptKeyword("outer");
        RETURN_IF_ERROR(ExpectKeyword("join"));
        join.type = JoinType::kLeft;
      } else if (t.IsKeyword("cross") && Peek(1).IsKeyword("join")) {
        i_ += 2;
        join.type = JoinType::kCross;
      } else if (t.IsKeyword("asof") && Peek(1).IsKeyword("join")) {
        i_ += 2;
        join.type = JoinType::kAsof;
      } else if (t.IsKeyword("lt") && Peek(1).IsKeyword("join")) {
        i_ += 2;
        join.type = JoinType::kLt;
      } else if (t.IsKeyword("splice") && Peek(1).IsKeyword("join")) {
        i_ += 2;
        join.type = JoinType::kSplice;
      } else {
        break;
      }
      ASSIGN_OR_RETURN(join.table, TableReference());
      if (join.type != JoinType::kCross && AcceptKeyword("on")) {
        ASSIGN_OR_RETURN(join.on, Expression());
      } else if (join.type == JoinType::kInner || join.type == JoinType::kLeft) {
        return Error("'on' expected", Peek().pos);
      }
      if ((join.type == JoinType::kAsof || join.type == JoinType::kLt) &&
          AcceptKeyword("tolerance")) {
        // A positive count and a fixed unit (U T s m h d w): months and years have no fixed
        // length.
        const Token& d = Peek();
        char unit = 0;
        int64_t count = 0;
        int64_t micros = 0;
        if (d.kind != TokenKind::kDuration || !ParseDurationText(d.text, &unit, &count) ||
            count <= 0 || (micros = FixedUnitMicros(unit)) == 0 || count > INT64_MAX / micros) {
          return Error(
              "invalid tolerance value, expected a positive number and a unit (U, T, "
              "s, m, h, d, w), e.g. 50T",
              d.pos);
        }
        Next();
        join.tolerance_us = count * micros;
      }
      core.joins.push_back(std::move(join));
    }
  }
  auto latest = [&]() -> core::Status {
    if (Peek().IsKeyword("latest")) {
      Next();
      if (AcceptKeyword("by")) {  // legacy LATEST BY sym
        for (;;) {
          ASSIGN_OR_RETURN(ExprPtr key, Expression());
          core.latest_partition_by.push_back(key);
          if (!AcceptOp(",")) break;
        }
        auto ts = std::make_shared<Expr>();
        ts->kind = ExprKind::kNull;  // designated timestamp, resolved by the planner
        ts->pos = core.latest_partition_by.front()->pos;
        core.latest_on = ts;
        return core::Status::Ok();
      }
      RETURN_IF_ERROR(ExpectKeyword("on"));
      ASSIGN_OR_RETURN(core.latest_on, Primary());
      RETURN_IF_ERROR(ExpectKeyword("partition"));
      RETURN_IF_ERROR(ExpectKeyword("by"));
      for (;;) {
        ASSIGN_OR_RETURN(ExprPtr key, Expression());
        core.latest_partition_by.push_back(key);
        if (!AcceptOp(",")) break;
      }
    }
    return core::Status::Ok();
  };
  RETURN_IF_ERROR(latest());
  if (AcceptKeyword("where")) {
    ASSIGN_OR_RETURN(core.where, Expression());
  }
  if (!core.latest_on) RETURN_IF_ERROR(latest());
  if (Peek().IsKeyword("sample")) {
    RETURN_IF_ERROR(SampleByClause(&core));
  }
  if (Peek().IsKeyword("group") && Peek(1).IsKeyword("by")) {
    i_ += 2;
    for (;;) {
      ASSIGN_OR_RETURN(ExprPtr key, Expression());
      core.group_by.push_back(key);
      if (!AcceptOp(",")) break;
    }
  }
  if (Peek().IsKeyword("window")) RETURN_IF_ERROR(WindowClause(&core));
  return core;
}

core::Status Parser::SelectList(SelectCore* core) {
  for (;;) {
    SelectItem item;
    if (Peek().kind == TokenKind::kEnd || Peek().IsKeyword("from")) {
      return Error("column name expected", Peek().pos);
    }
    ASSIGN_OR_RETURN(item.expr, Expression());
    if (AcceptKeyword("as")) {
      const Token& a = Peek();
      if (a.kind != TokenKind::kIdent && a.kind != TokenKind::kQuotedIdent &&
          a.kind != TokenKind::kString) {
        return Error("alias expected", a.pos);
      }
      item.alias = a.text;
      item.alias_pos = a.pos;
      Next();
    } else if ((Peek().kind == TokenKind::kIdent && !IsReservedWord(Peek())) ||
               Peek().kind == TokenKind::kQuotedIdent) {
      item.alias = Peek().text;
      item.alias_pos = Peek().pos;
      Next();
    }
    core->items.push_back(std::move(item));
    if (!AcceptOp(",")) break;
  }
  return core::Status::Ok();
}

core::Result<TableRef> Parser::TableReference() {
  TableRef ref;
  const Token& t = Peek();
  ref.pos = t.pos;
  if (t.IsOp("(")) {
    Next();
    ref.kind = TableRef::Kind::kSubquery;
    ASSIGN_OR_RETURN(ref.subquery, QueryExpr());
    RETURN_IF_ERROR(ExpectOp(")"));
  } else if (t.kind == TokenKind::kIdent && Peek(1).IsOp(".") &&
             (Peek(2).kind == TokenKind::kIdent || Peek(2).kind == TokenKind::kQuotedIdent) &&
             IsCatalogSchema(t.text)) {
    // A schema-qualified name: pg_catalog.pg_class and information_schema.columns name
    // catalogue relations (with or without `()`); public.t is the table t.
    const std::string schema = ToLower(t.text);
    const Token& name = Peek(2);
    i_ += 3;
    if (schema == "public" && !Peek().IsOp("(")) {
      ref.name = name.text;
    } else {
      ref.kind = TableRef::Kind::kFunction;
      ref.name =
          schema == "information_schema" ? schema + "." + ToLower(name.text) : ToLower(name.text);
      if (Peek().IsOp("(")) {
        Next();
        RETURN_IF_ERROR(ExpectOp(")"));
      }
    }
  } else if (t.kind == TokenKind::kIdent && Peek(1).IsOp("(")) {
    ref.kind = TableRef::Kind::kFunction;
    ref.name = ToLower(t.text);
    Next();
    Next();
    if (!AcceptOp(")")) {
      for (;;) {
        ASSIGN_OR_RETURN(ExprPtr arg, Expression());
        ref.func_args.push_back(arg);
        if (AcceptOp(",")) continue;
        RETURN_IF_ERROR(ExpectOp(")"));
        break;
      }
    }
  } else {
    int32_t pos = 0;
    ASSIGN_OR_RETURN(ref.name, TableName(&pos));
  }
  if (Peek().IsKeyword("timestamp") && Peek(1).IsOp("(")) {
    i_ += 2;
    ASSIGN_OR_RETURN(ref.timestamp_column, Identifier("column name expected"));
    RETURN_IF_ERROR(ExpectOp(")"));
  }
  if (AcceptKeyword("as")) {
    ASSIGN_OR_RETURN(ref.alias, Identifier("alias expected"));
  } else if ((Peek().kind == TokenKind::kIdent && !IsReservedWord(Peek()) &&
              !Peek().IsKeyword("timestamp") && !Peek().IsKeyword("tolerance") &&
              !(Peek().IsKeyword("window") && Peek(2).IsKeyword("as"))) ||
             Peek().kind == TokenKind::kQuotedIdent) {
    ref.alias = Next().text;
  }
  return ref;
}

core::Status Parser::OrderByItems(std::vector<OrderItem>* out) {
  for (;;) {
    OrderItem item;
    ASSIGN_OR_RETURN(item.expr, Expression());
    if (AcceptKeyword("desc")) {
      item.descending = true;
    } else {
      AcceptKeyword("asc");
    }
    out->push_back(std::move(item));
    if (!AcceptOp(",")) break;
  }
  return core::Status::Ok();
}

core::Status Parser::SampleByClause(SelectCore* core) {
  Next();  // sample
  RETURN_IF_ERROR(ExpectKeyword("by"));
  SampleBy sb;
  const Token& t = Peek();
  sb.pos = t.pos;
  std::string text = t.text;
  if (t.kind == TokenKind::kDuration) {
    Next();
  } else if (t.kind == TokenKind::kInteger && Peek(1).kind == TokenKind::kIdent) {
    Next();
    text += Next().text;
  } else if (t.kind == TokenKind::kIdent && text.size() == 1) {
    Next();
    text = "1" + text;
  } else {
    return Error("one letter sample by period unit expected", t.pos);
  }
  size_t k = 0;
  while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
  std::string unit = text.substr(k);
  if (unit.size() != 1 || std::string_view("UTsmhdwMy").find(unit[0]) == std::string_view::npos) {
    return Error("one letter sample by period unit expected", t.pos + static_cast<int32_t>(k));
  }
  if (k > 9) return Error("sample by period is too large", t.pos);
  sb.count = k == 0 ? 1 : std::stoll(text.substr(0, k));
  if (sb.count <= 0) return Error("sample by period must be positive", t.pos);
  sb.unit = unit[0];
  // FROM lo TO hi (either may be omitted): the range of buckets (sql/README.md "SAMPLE BY").
  if (Peek().IsKeyword("from")) {
    sb.from_pos = Next().pos;
    ASSIGN_OR_RETURN(sb.from, Expression());
  }
  if (Peek().IsKeyword("to")) {
    sb.to_pos = Next().pos;
    ASSIGN_OR_RETURN(sb.to, Expression());
  }
  if (AcceptKeyword("fill")) {
    RETURN_IF_ERROR(ExpectOp("("));
    for (;;) {
      const Token& f = Peek();
      if (f.IsKeyword("none")) {
        Next();
        sb.fills.push_back(FillKind::kNone);
        sb.fill_values.push_back(nullptr);
      } else if (f.IsKeyword("null")) {
        Next();
        sb.fills.push_back(FillKind::kNull);
        sb.fill_values.push_back(nullptr);
      } else if (f.IsKeyword("prev")) {
        Next();
        sb.fills.push_back(FillKind::kPrev);
        sb.fill_values.push_back(nullptr);
      } else if (f.IsKeyword("linear")) {
        Next();
        sb.fills.push_back(FillKind::kLinear);
        sb.fill_values.push_back(nullptr);
      } else {
        ASSIGN_OR_RETURN(ExprPtr v, Expression());
        sb.fills.push_back(FillKind::kValue);
        sb.fill_values.push_back(v);
      }
      if (AcceptOp(",")) continue;
      RETURN_IF_ERROR(ExpectOp(")"));
      break;
    }
  }
  if (AcceptKeyword("align")) {
    RETURN_IF_ERROR(ExpectKeyword("to"));
    if (AcceptKeyword("calendar")) {
      sb.align_calendar = true;
      if (AcceptKeyword("time")) {
        RETURN_IF_ERROR(ExpectKeyword("zone"));
        const Token& z = Peek();
        if (z.kind != TokenKind::kString) return Error("time zone expected", z.pos);
        sb.time_zone = z.text;  // loaded (and refused when unknown) by the planner
        sb.time_zone_pos = z.pos;
        Next();
      }
      if (AcceptKeyword("with")) {
        RETURN_IF_ERROR(ExpectKeyword("offset"));
        const Token& o = Peek();
        if (o.kind != TokenKind::kString) return Error("offset expected", o.pos);
        sb.align_offset = o.text;
        sb.align_offset_pos = o.pos;
        Next();
      }
    } else if (AcceptKeyword("first")) {
      RETURN_IF_ERROR(ExpectKeyword("observation"));
      sb.align_calendar = false;
    } else {
      return Error("'calendar' or 'first observation' expected", Peek().pos);
    }
  }
  core->sample_by = std::move(sb);
  return core::Status::Ok();
}

}  // namespace sundial::sql
