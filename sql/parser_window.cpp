// Parsing of window functions: f(args) [IGNORE NULLS | RESPECT NULLS] OVER (...) / OVER w, and
// the WINDOW clause. What the spec means is sql/window.h's business; here only its shape.
#include <limits>

#include "sql/parser_internal.h"

namespace sundial::sql {

namespace {

// Microseconds per RANGE time unit ('5' SECOND PRECEDING), 0 when `word` is no unit.
int64_t TimeUnitMicros(const Token& t) {
  static constexpr struct {
    std::string_view singular, plural;
    int64_t micros;
  } kUnits[] = {
      {"microsecond", "microseconds", 1},           {"millisecond", "milliseconds", 1000},
      {"second", "seconds", 1000 * 1000},           {"minute", "minutes", 60LL * 1000 * 1000},
      {"hour", "hours", 3600LL * 1000 * 1000},      {"day", "days", 86400LL * 1000 * 1000},
      {"week", "weeks", 7 * 86400LL * 1000 * 1000},
  };
  if (t.kind != TokenKind::kIdent) return 0;
  for (const auto& u : kUnits) {
    if (t.IsKeyword(u.singular) || t.IsKeyword(u.plural)) return u.micros;
  }
  return 0;
}

const char* BoundKeyword(FrameBoundKind k) {
  switch (k) {
    case FrameBoundKind::kUnboundedPreceding:
      return "unbounded preceding";
    case FrameBoundKind::kPreceding:
      return "preceding";
    case FrameBoundKind::kCurrentRow:
      return "current row";
    case FrameBoundKind::kFollowing:
      return "following";
    case FrameBoundKind::kUnboundedFollowing:
      return "unbounded following";
  }
  return "?";
}

}  // namespace

core::Status Parser::WindowSuffix(Expr* call) {
  if ((Peek().IsKeyword("ignore") || Peek().IsKeyword("respect")) && Peek(1).IsKeyword("nulls")) {
    if (!Peek(2).IsKeyword("over")) return Error("'over' expected", Peek(2).pos);
    call->ignore_nulls = Peek().IsKeyword("ignore");
    i_ += 2;
  }
  if (!Peek().IsKeyword("over")) return core::Status::Ok();
  const int32_t over_pos = Next().pos;
  if (AcceptOp("(")) {
    ASSIGN_OR_RETURN(call->over, WindowBody(over_pos));
    return core::Status::Ok();
  }
  auto spec = std::make_shared<WindowSpec>();
  spec->pos = over_pos;
  spec->base_pos = Peek().pos;
  ASSIGN_OR_RETURN(spec->base_name, Identifier("'(' or window name expected"));
  spec->base_name = ToLower(spec->base_name);
  call->over = spec;
  return core::Status::Ok();
}

core::Result<WindowSpecPtr> Parser::WindowBody(int32_t pos) {
  DepthGuard guard(this);
  if (guard.exceeded()) return DepthError();
  auto spec = std::make_shared<WindowSpec>();
  spec->pos = pos;
  auto is_clause_word = [&](const Token& t) {
    return t.IsKeyword("partition") || t.IsKeyword("order") || t.IsKeyword("rows") ||
           t.IsKeyword("range") || t.IsKeyword("cumulative") || t.IsKeyword("exclude");
  };
  // OVER (w ORDER BY ...): builds on the named window w.
  if ((Peek().kind == TokenKind::kIdent && !is_clause_word(Peek())) ||
      Peek().kind == TokenKind::kQuotedIdent) {
    spec->base_pos = Peek().pos;
    spec->base_name = ToLower(Next().text);
  }
  if (Peek().IsKeyword("partition")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("by"));
    for (;;) {
      ASSIGN_OR_RETURN(ExprPtr key, Expression());
      spec->partition_by.push_back(key);
      if (!AcceptOp(",")) break;
    }
  }
  if (Peek().IsKeyword("order")) {
    Next();
    RETURN_IF_ERROR(ExpectKeyword("by"));
    RETURN_IF_ERROR(OrderByItems(&spec->order_by));
  }
  auto bound = [&](FrameBound* b) -> core::Status {
    b->pos = Peek().pos;
    if (AcceptKeyword("unbounded")) {
      if (AcceptKeyword("preceding")) {
        b->kind = FrameBoundKind::kUnboundedPreceding;
      } else if (AcceptKeyword("following")) {
        b->kind = FrameBoundKind::kUnboundedFollowing;
      } else {
        return Error("'preceding' or 'following' expected", Peek().pos);
      }
      return core::Status::Ok();
    }
    if (AcceptKeyword("current")) {
      RETURN_IF_ERROR(ExpectKeyword("row"));
      b->kind = FrameBoundKind::kCurrentRow;
      return core::Status::Ok();
    }
    // n PRECEDING | '5' MINUTE PRECEDING: a non-negative integer (as a number or a string).
    const Token& t = Peek();
    std::string digits = t.text;
    if ((t.kind != TokenKind::kInteger && t.kind != TokenKind::kString) || digits.empty() ||
        digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
      return Error("non-negative integer expected", t.pos);
    }
    Next();
    b->offset = std::stoll(digits);
    if (int64_t unit = TimeUnitMicros(Peek()); unit != 0) {
      Next();
      if (b->offset > std::numeric_limits<int64_t>::max() / unit) {
        return Error("frame offset is too large", b->pos);
      }
      b->offset *= unit;
      b->has_unit = true;
    }
    if (AcceptKeyword("preceding")) {
      b->kind = FrameBoundKind::kPreceding;
    } else if (AcceptKeyword("following")) {
      b->kind = FrameBoundKind::kFollowing;
    } else {
      return Error("'preceding' or 'following' expected", Peek().pos);
    }
    return core::Status::Ok();
  };
  if (AcceptKeyword("cumulative")) {
    spec->mode = FrameMode::kRows;
    spec->start.kind = FrameBoundKind::kUnboundedPreceding;
    spec->end.kind = FrameBoundKind::kCurrentRow;
  } else if (Peek().IsKeyword("rows") || Peek().IsKeyword("range")) {
    spec->mode = Next().IsKeyword("rows") ? FrameMode::kRows : FrameMode::kRange;
    if (AcceptKeyword("between")) {
      RETURN_IF_ERROR(bound(&spec->start));
      RETURN_IF_ERROR(ExpectKeyword("and"));
      RETURN_IF_ERROR(bound(&spec->end));
    } else {
      RETURN_IF_ERROR(bound(&spec->start));
      spec->end.kind = FrameBoundKind::kCurrentRow;
      spec->end.pos = spec->start.pos;
    }
  }
  if (Peek().IsKeyword("exclude")) {
    const int32_t exclude_pos = Next().pos;
    if (AcceptKeyword("current")) {
      RETURN_IF_ERROR(ExpectKeyword("row"));
      spec->exclude_current_row = true;
    } else if (AcceptKeyword("no")) {
      RETURN_IF_ERROR(ExpectKeyword("others"));
    } else {
      return Error("'current row' or 'no others' expected", exclude_pos + 8);
    }
    if (spec->mode == FrameMode::kDefault) {
      return Error("EXCLUDE needs a frame clause (ROWS or RANGE)", exclude_pos);
    }
  }
  if (!AcceptOp(")")) return Error("')' expected", Peek().pos);
  return WindowSpecPtr(spec);
}

core::Status Parser::WindowClause(SelectCore* core) {
  Next();  // window
  for (;;) {
    int32_t name_pos = Peek().pos;
    ASSIGN_OR_RETURN(std::string name, Identifier("window name expected", &name_pos));
    name = ToLower(name);
    for (const auto& [other, spec] : core->windows) {
      if (other == name) return Error("duplicate window name: " + name, name_pos);
    }
    RETURN_IF_ERROR(ExpectKeyword("as"));
    const int32_t pos = Peek().pos;
    RETURN_IF_ERROR(ExpectOp("("));
    ASSIGN_OR_RETURN(WindowSpecPtr spec, WindowBody(pos));
    core->windows.emplace_back(std::move(name), std::move(spec));
    if (!AcceptOp(",")) break;
  }
  return core::Status::Ok();
}

std::string WindowSpecToString(const WindowSpec& w) {
  std::string s;
  auto sep = [&] {
    if (!s.empty()) s += " ";
  };
  if (!w.base_name.empty()) s += w.base_name;
  if (!w.partition_by.empty()) {
    sep();
    s += "partition by ";
    for (size_t i = 0; i < w.partition_by.size(); ++i) {
      if (i) s += ", ";
      s += ExprToString(*w.partition_by[i]);
    }
  }
  if (!w.order_by.empty()) {
    sep();
    s += "order by ";
    for (size_t i = 0; i < w.order_by.size(); ++i) {
      if (i) s += ", ";
      s += ExprToString(*w.order_by[i].expr) + (w.order_by[i].descending ? " desc" : "");
    }
  }
  if (w.mode != FrameMode::kDefault) {
    auto bound = [](const FrameBound& b) {
      if (b.kind == FrameBoundKind::kPreceding || b.kind == FrameBoundKind::kFollowing) {
        return std::to_string(b.offset) + (b.has_unit ? "us " : " ") + BoundKeyword(b.kind);
      }
      return std::string(BoundKeyword(b.kind));
    };
    sep();
    s += w.mode == FrameMode::kRows ? "rows between " : "range between ";
    s += bound(w.start) + " and " + bound(w.end);
  }
  if (w.exclude_current_row) s += " exclude current row";
  return s;
}

}  // namespace sundial::sql
