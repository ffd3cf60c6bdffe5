// Query planning: sources, WHERE (with timestamp intervals), aggregation, projection,
// set operations, ORDER BY and LIMIT. LATEST ON and joins are in planner_latest.cpp and
// join.cpp.
#include "sql/planner.h"

#include <algorithm>

#include "core/timestamp.h"
#include "sql/aggregate.h"
#include "sql/expr_nodes.h"
#include "sql/fast_aggregate.h"
#include "sql/join.h"
#include "sql/latest.h"
#include "sql/lexer.h"
#include "sql/table_functions.h"
#include "sql/window.h"

namespace sundial::sql {

std::string UniqueName(const std::string& base, std::vector<std::string>* used) {
  auto taken = [&](const std::string& n) {
    for (const auto& u : *used) {
      if (EqualsIgnoreCase(u, n)) return true;
    }
    return false;
  };
  if (!taken(base)) {
    used->push_back(base);
    return base;
  }
  // As QuestDB's SqlUtil.createColumnAlias: a number is no base for suffixes.
  bool is_integer = !base.empty() && std::all_of(base.begin(), base.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  const std::string stem = is_integer ? "column" : base;
  std::string name = stem;
  for (int k = 1; taken(name); ++k) name = stem + std::to_string(k);
  used->push_back(name);
  return name;
}

std::string DerivedName(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kColumn: return e.sval;
    case ExprKind::kCall:
      if (!e.is_operator) return e.sval;
      if (e.sval == "concat") return "concat";
      return "column";
    case ExprKind::kInteger:
    case ExprKind::kFloat:
      // Folded negative literals ("-1") stay "column": QuestDB sees a unary minus there.
      if (!e.text.empty() && e.text[0] != '-') return e.text;
      return "column";
    case ExprKind::kCast: return "cast";
    case ExprKind::kCase: return "case";
    default: return "column";
  }
}

namespace {

using core::Status;

struct Source {
  OpPtr op;
  std::shared_ptr<std::vector<bool>> needed;  // set for a direct table scan
  std::optional<ScanSpec> scan;               // pending scan (created after WHERE analysis)
};

void Conjuncts(const ExprPtr& e, std::vector<ExprPtr>* out) {
  if (e->kind == ExprKind::kCall && e->is_operator && e->sval == "and") {
    Conjuncts(e->args[0], out);
    Conjuncts(e->args[1], out);
  } else {
    out->push_back(e);
  }
}

bool IsTsColumn(const Expr& e, const std::vector<ColInfo>& cols, int ts_index) {
  if (e.kind != ExprKind::kColumn || ts_index < 0) return false;
  return FindColumn(cols, e.qualifier, e.sval) == ts_index;
}

// A constant timestamp bound (string literal, timestamp expression); nullopt if not constant.
core::Result<std::optional<int64_t>> ConstTimestamp(const Expr& e, PlanContext& ctx) {
  std::vector<ColInfo> none;
  BindContext bc;
  bc.cols = &none;
  bc.now_us = ctx.now_us;
  auto b = Bind(e, bc);
  if (!b.ok()) return std::optional<int64_t>();
  const Value* c = (*b)->constant();
  if (!c || c->is_null) return std::optional<int64_t>();
  if (IsStringLike(c->type)) {
    auto ts = core::ParseTimestamp(c->s);
    if (!ts.ok()) return Status::InvalidArgument("Invalid date [str=" + c->s + "]", e.pos);
    return std::optional<int64_t>(*ts);
  }
  if (c->type == ColumnType::kTimestamp || IsIntegral(c->type)) return std::optional<int64_t>(c->i);
  if (c->type == ColumnType::kDate) return std::optional<int64_t>(c->i * 1000);
  return std::optional<int64_t>();
}

// Interval of a conjunct on the designated timestamp; nullopt if it is not one.
core::Result<std::optional<std::vector<Interval>>> ConjunctInterval(const Expr& e,
                                                                    const std::vector<ColInfo>& cols,
                                                                    int ts, PlanContext& ctx) {
  using R = std::optional<std::vector<Interval>>;
  if (e.kind == ExprKind::kIn && !e.negated && IsTsColumn(*e.args[0], cols, ts)) {
    std::vector<Interval> all;
    for (size_t k = 1; k < e.args.size(); ++k) {
      const Expr& v = *e.args[k];
      if (v.kind != ExprKind::kString) return R();
      ASSIGN_OR_RETURN(std::vector<Interval> ivs, ParseIntervalString(v.sval, v.pos));
      all.insert(all.end(), ivs.begin(), ivs.end());
    }
    return R(NormalizeIntervals(all));
  }
  if (e.kind == ExprKind::kBetween && !e.negated && IsTsColumn(*e.args[0], cols, ts)) {
    ASSIGN_OR_RETURN(auto lo, ConstTimestamp(*e.args[1], ctx));
    ASSIGN_OR_RETURN(auto hi, ConstTimestamp(*e.args[2], ctx));
    if (!lo || !hi) return R();
    int64_t a = std::min(*lo, *hi), b = std::max(*lo, *hi);
    return R(std::vector<Interval>{{a, b}});
  }
  if (e.kind == ExprKind::kCall && e.is_operator && e.args.size() == 2) {
    std::string op = e.sval;
    const Expr* col = e.args[0].get();
    const Expr* val = e.args[1].get();
    if (!IsTsColumn(*col, cols, ts)) {
      std::swap(col, val);
      if (op == "<") op = ">";
      else if (op == ">") op = "<";
      else if (op == "<=") op = ">=";
      else if (op == ">=") op = "<=";
    }
    if (!IsTsColumn(*col, cols, ts)) return R();
    if (op != "<" && op != ">" && op != "<=" && op != ">=" && op != "=") return R();
    ASSIGN_OR_RETURN(auto v, ConstTimestamp(*val, ctx));
    if (!v) return R();
    int64_t x = *v;
    Interval iv;
    if (op == ">") iv.lo = x == INT64_MAX ? x : x + 1;
    if (op == ">=") iv.lo = x;
    if (op == "<") iv.hi = x == INT64_MIN ? x : x - 1;
    if (op == "<=") iv.hi = x;
    if (op == "=") iv = {x, x};
    return R(std::vector<Interval>{iv});
  }
  return R();
}

// A conjunct `k = literal` or `k IN (literal, ...)` holding key column `k` of LATEST ON to
// listed values (sql/latest.h KeyValueList); nullopt if it is not one. Only where equality is
// identity on what the column stores, so that a listed value matches at most one key:
// SYMBOL and VARCHAR against strings, integer columns against integers, BOOLEAN against
// booleans (NULL listed as such). Floating point (-0.0 = 0.0), time types (`IN '2024-01'` is an
// interval) and conversions between types are left alone.
std::optional<KeyValueList> ConjunctKeyValues(const Expr& e, const std::vector<ColInfo>& cols,
                                              const std::vector<int>& key_columns) {
  const Expr* col = nullptr;
  std::vector<const Expr*> literals;
  if (e.kind == ExprKind::kIn && !e.negated) {
    col = e.args[0].get();
    for (size_t k = 1; k < e.args.size(); ++k) literals.push_back(e.args[k].get());
  } else if (e.kind == ExprKind::kCall && e.is_operator && e.sval == "=" && e.args.size() == 2) {
    col = e.args[0].get();
    literals.push_back(e.args[1].get());
    if (col->kind != ExprKind::kColumn) std::swap(col, literals[0]);
  }
  if (col == nullptr || col->kind != ExprKind::kColumn || literals.empty()) return std::nullopt;
  const int c = FindColumn(cols, col->qualifier, col->sval);
  if (c < 0 || std::find(key_columns.begin(), key_columns.end(), c) == key_columns.end()) {
    return std::nullopt;
  }
  ExprKind wanted;
  switch (cols[c].type) {
    case ColumnType::kSymbol:
    case ColumnType::kVarchar:
      wanted = ExprKind::kString;
      break;
    case ColumnType::kByte:
    case ColumnType::kShort:
    case ColumnType::kInt:
    case ColumnType::kLong:
      wanted = ExprKind::kInteger;
      break;
    case ColumnType::kBoolean:
      wanted = ExprKind::kBool;
      break;
    default:
      return std::nullopt;
  }
  KeyValueList list;
  list.column = c;
  for (const Expr* v : literals) {
    if (v->kind == ExprKind::kNull) {
      list.values.emplace_back(std::nullopt);
    } else if (v->kind != wanted) {
      return std::nullopt;
    } else {
      list.values.emplace_back(wanted == ExprKind::kString ? v->sval : std::to_string(v->ival));
    }
  }
  return list;
}

class Planner {
 public:
  explicit Planner(PlanContext& ctx) : ctx_(ctx) {}

  core::Result<OpPtr> Query_(const Query& q);
  core::Result<OpPtr> Core(const SelectCore& core, const std::vector<ExprPtr>& hidden);

 private:
  core::Result<Source> FromSource(const TableRef& ref);
  core::Result<OpPtr> Finish(Source src);
  // `input` is either an operator, or (for a direct table scan) null with `scan` and
  // `filter` given separately so that the specialised aggregation can read the columns.
  core::Result<OpPtr> PlanAggregate(const SelectCore& core, OpPtr input,
                                    std::optional<ScanSpec> scan, BoundPtr filter,
                                    const std::vector<ColInfo>& cols, int ts_index,
                                    std::vector<SelectItem> items, size_t visible,
                                    std::vector<bool>* used,
                                    const std::optional<SampleSpec>& sample);
  // SAMPLE BY's alignment: stride, WITH OFFSET, TIME ZONE and the FROM/TO range.
  core::Result<SampleSpec> SampleAlignment(const SampleBy& sb);
  core::Result<std::vector<SelectItem>> ExpandItems(const SelectCore& core,
                                                    const std::vector<ColInfo>& cols);
  BindContext Ctx(const std::vector<ColInfo>& cols, std::vector<bool>* used) {
    BindContext bc;
    bc.cols = &cols;
    bc.used = used;
    bc.now_us = ctx_.now_us;
    bc.max_depth = ctx_.max_depth;
    return bc;
  }
  // Binds an aggregate call's arguments as AggregateArgShape splits them: row arguments into
  // a->arg/arg2, then constants into a->params.
  core::Status BindAggregateArgs(const Expr& e, const std::vector<ColInfo>& cols,
                                 std::vector<bool>* used, AggSpec* a) {
    AggregateShape shape = AggregateArgShape(a->function);
    int n = static_cast<int>(e.args.size());
    if (n > shape.row_args + shape.max_params) {
      return Status::InvalidArgument("too many arguments for `" + a->function + "`", e.pos);
    }
    if (n < shape.row_args + shape.min_params) {
      return Status::InvalidArgument("not enough arguments for `" + a->function + "`", e.pos);
    }
    for (int k = 0; k < n; ++k) {
      const ExprPtr& arg = e.args[static_cast<size_t>(k)];
      if (ContainsAggregate(*arg)) {
        return Status::InvalidArgument("aggregate function calls cannot be nested", arg->pos);
      }
      BindContext bc = Ctx(cols, used);
      ASSIGN_OR_RETURN(BoundPtr b, Bind(*arg, bc));
      if (k == 0) {
        a->arg = b;
      } else if (k < shape.row_args) {
        a->arg2 = b;
      } else {
        if (!b->constant()) return Status::InvalidArgument("constant expected", arg->pos);
        a->params.push_back(*b->constant());
      }
    }
    if (a->arg->constant() && a->function == "count") a->arg = nullptr;
    return CheckAggregateParams(*a, e.pos);
  }

  PlanContext& ctx_;
};

core::Result<Source> Planner::FromSource(const TableRef& ref) {
  Source s;
  switch (ref.kind) {
    case TableRef::Kind::kSubquery: {
      ASSIGN_OR_RETURN(s.op, PlanQuery(*ref.subquery, ctx_));
      s.op->set_qualifier(ref.alias);
      break;
    }
    case TableRef::Kind::kFunction: {
      ASSIGN_OR_RETURN(s.op, PlanTableFunction(ref, ctx_));
      s.op->set_qualifier(ref.alias.empty() ? ref.name : ref.alias);
      break;
    }
    case TableRef::Kind::kTable: {
      for (auto it = ctx_.ctes.rbegin(); it != ctx_.ctes.rend(); ++it) {
        if (EqualsIgnoreCase(it->first, ref.name)) {
          // Plan the CTE with only the CTEs defined before it visible.
          PlanContext sub = ctx_;
          sub.ctes.assign(ctx_.ctes.begin(), it.base() - 1);
          ASSIGN_OR_RETURN(s.op, PlanQuery(*it->second, sub));
          s.op->set_qualifier(ref.alias.empty() ? ref.name : ref.alias);
          break;
        }
      }
      if (s.op) break;
      auto view = ctx_.engine->Pin(ref.name);
      if (!view.ok()) {
        if (view.status().code() == core::StatusCode::kNotFound) {
          // `FROM pg_class`: a catalogue relation by its bare name, when no table has it.
          const TableFunctionDef* rel = TableFunctionRegistry::Get().Find(ToLower(ref.name));
          if (rel != nullptr && rel->is_catalog_relation) {
            ASSIGN_OR_RETURN(s.op, rel->plan(ref, ctx_));
            s.op->set_qualifier(ref.alias.empty() ? ref.name : ref.alias);
            break;
          }
          return Status::NotFound("table does not exist [table=" + ref.name + "]", ref.pos);
        }
        return view.status().WithPosition(ref.pos);
      }
      ScanSpec spec;
      spec.view = std::move(view).value();
      spec.qualifier = ref.alias.empty() ? spec.view.table_name() : ref.alias;
      s.needed = std::make_shared<std::vector<bool>>(spec.view.schema().columns.size(), false);
      spec.needed = s.needed;
      s.scan = std::move(spec);
      break;
    }
  }
  if (!ref.timestamp_column.empty()) {
    if (!s.op) {
      ASSIGN_OR_RETURN(OpPtr op, Finish(std::move(s)));
      s = Source();
      s.op = std::move(op);
    }
    int k = FindColumn(s.op->columns(), "", ref.timestamp_column);
    if (k < 0) return Status::InvalidArgument("Invalid column: " + ref.timestamp_column, ref.pos);
    if (s.op->columns()[k].type != ColumnType::kTimestamp) {
      return Status::InvalidArgument("TIMESTAMP column expected", ref.pos);
    }
    s.op->set_timestamp_index(k);
  }
  return s;
}

core::Result<OpPtr> Planner::Finish(Source src) {
  if (src.op) return std::move(src.op);
  return MakeTableScan(std::move(*src.scan));
}

core::Result<std::vector<SelectItem>> Planner::ExpandItems(const SelectCore& core,
                                                           const std::vector<ColInfo>& cols) {
  std::vector<SelectItem> items;
  auto all = [&](const std::string& qualifier, int32_t pos) -> Status {
    bool any = false;
    for (const auto& c : cols) {
      if (!qualifier.empty() && !EqualsIgnoreCase(c.qualifier, qualifier)) continue;
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::kColumn;
      e->pos = pos;
      e->sval = c.name;
      e->qualifier = c.qualifier;
      SelectItem it;
      it.expr = e;
      items.push_back(std::move(it));
      any = true;
    }
    if (!any && !qualifier.empty()) return Status::InvalidArgument("invalid table alias: " + qualifier, pos);
    return Status::Ok();
  };
  if (core.select_star_implicit) {
    RETURN_IF_ERROR(all("", core.pos));
    return items;
  }
  for (const auto& it : core.items) {
    if (it.expr->kind == ExprKind::kStar) {
      if (!core.from) return Status::SyntaxError("'*' requires a FROM clause", it.expr->pos);
      RETURN_IF_ERROR(all(it.expr->qualifier, it.expr->pos));
    } else {
      items.push_back(it);
    }
  }
  return items;
}

core::Result<OpPtr> Planner::Core(const SelectCore& core, const std::vector<ExprPtr>& hidden) {
  if (core.nested) return PlanQuery(*core.nested, ctx_);
  Source src;
  if (!core.from) {
    src.op = MakeSingleRow();
  } else {
    ASSIGN_OR_RETURN(src, FromSource(*core.from));
  }
  // Joins.
  if (!core.joins.empty()) {
    if (src.needed) std::fill(src.needed->begin(), src.needed->end(), true);
    ASSIGN_OR_RETURN(OpPtr left, Finish(std::move(src)));
    for (const JoinClause& j : core.joins) {
      ASSIGN_OR_RETURN(Source rs, FromSource(j.table));
      if (rs.needed) std::fill(rs.needed->begin(), rs.needed->end(), true);
      ASSIGN_OR_RETURN(OpPtr right, Finish(std::move(rs)));
      JoinContext jc{ctx_.now_us, ctx_.max_depth};
      ASSIGN_OR_RETURN(left, MakeJoin(std::move(left), std::move(right), j, jc));
    }
    src = Source();
    src.op = std::move(left);
  }
  std::vector<ColInfo> cols = src.op ? src.op->columns() : std::vector<ColInfo>();
  int ts_index = src.op ? src.op->timestamp_index() : -1;
  if (src.scan) {
    for (const auto& c : src.scan->view.schema().columns) cols.push_back({c.name, c.type, src.scan->qualifier});
    ts_index = src.scan->view.schema().timestamp_index;
  }
  std::vector<bool>* used = src.needed.get();

  // SAMPLE BY ... FROM lo TO hi keeps the rows in [lo, hi) (QuestDB adds the same WHERE).
  std::optional<SampleSpec> sample;
  std::vector<ExprPtr> range_conj;
  if (core.sample_by) {
    ASSIGN_OR_RETURN(SampleSpec ss, SampleAlignment(*core.sample_by));
    if (ts_index >= 0 && (ss.has_from || ss.has_to)) {
      auto bound = [&](const char* op, int64_t v) {
        auto col = std::make_shared<Expr>();
        col->kind = ExprKind::kColumn;
        col->sval = cols[ts_index].name;
        col->qualifier = cols[ts_index].qualifier;
        auto lit = std::make_shared<Expr>();
        lit->kind = ExprKind::kInteger;
        lit->ival = v;
        lit->long_literal = true;
        lit->text = std::to_string(v);
        auto cmp = std::make_shared<Expr>();
        cmp->kind = ExprKind::kCall;
        cmp->is_operator = true;
        cmp->sval = op;
        cmp->args = {col, lit};
        return ExprPtr(cmp);
      };
      if (ss.has_from) range_conj.push_back(bound(">=", ss.from_utc_us));
      if (ss.has_to) range_conj.push_back(bound("<", ss.to_utc_us));
    }
    sample = std::move(ss);
  }
  // WHERE: timestamp intervals for direct scans, the rest as a filter.
  BoundPtr filter;
  if (core.where || !range_conj.empty()) {
    std::vector<ExprPtr> conj;
    if (core.where) Conjuncts(core.where, &conj);
    conj.insert(conj.end(), range_conj.begin(), range_conj.end());
    std::vector<ExprPtr> rest;
    if (src.scan && ts_index >= 0) {
      std::optional<std::vector<Interval>> acc;
      for (const auto& c : conj) {
        ASSIGN_OR_RETURN(auto iv, ConjunctInterval(*c, cols, ts_index, ctx_));
        if (iv) {
          acc = acc ? IntersectIntervals(*acc, *iv) : *iv;
        } else {
          rest.push_back(c);
        }
      }
      if (acc) {
        src.scan->intervals = *acc;
        src.scan->has_intervals = true;
      }
    } else {
      rest = conj;
    }
    for (const auto& c : rest) {
      BindContext bc = Ctx(cols, used);
      ASSIGN_OR_RETURN(BoundPtr b, Bind(*c, bc));
      if (b->type() != ColumnType::kBoolean) {
        return Status::InvalidArgument("boolean expression expected", c->pos);
      }
      filter = filter ? MakeAnd(filter, b, c->pos) : b;
    }
  }

  // LATEST ON.
  if (core.latest_on) {
    if (!src.scan) {
      return Status::Unsupported("LATEST ON is supported on tables only", core.latest_on->pos);
    }
    int ts_col = ts_index;
    if (core.latest_on->kind == ExprKind::kColumn) {
      ts_col = FindColumn(cols, core.latest_on->qualifier, core.latest_on->sval);
      if (ts_col < 0) return Status::InvalidArgument("Invalid column: " + core.latest_on->sval, core.latest_on->pos);
      if (ts_col != ts_index) {
        return Status::InvalidArgument("latest on column must be the designated timestamp", core.latest_on->pos);
      }
    }
    if (ts_col < 0) return Status::InvalidArgument("designated timestamp expected", core.latest_on->pos);
    LatestSpec ls;
    for (const auto& k : core.latest_partition_by) {
      if (k->kind != ExprKind::kColumn) return Status::InvalidArgument("column name expected", k->pos);
      int c = FindColumn(cols, k->qualifier, k->sval);
      if (c < 0) return Status::InvalidArgument("Invalid column: " + k->sval, k->pos);
      ls.key_columns.push_back(c);
      (*used)[c] = true;
    }
    (*used)[ts_col] = true;
    if (core.where) {
      std::vector<ExprPtr> conj;
      Conjuncts(core.where, &conj);
      for (const auto& c : conj) {
        if (auto list = ConjunctKeyValues(*c, cols, ls.key_columns)) {
          ls.key_value_lists.push_back(std::move(*list));
        }
      }
    }
    ls.filter = filter;
    filter = nullptr;
    ls.scan = std::move(*src.scan);
    src.scan.reset();
    src.op = MakeLatestOn(std::move(ls));
  }

  // Select list (bound below, after the source op exists).
  ASSIGN_OR_RETURN(std::vector<SelectItem> items, ExpandItems(core, cols));
  size_t visible = items.size();
  for (const auto& h : hidden) {
    SelectItem it;
    it.expr = h;
    it.alias = "$hidden" + std::to_string(items.size());
    items.push_back(std::move(it));
  }
  bool aggregate = core.sample_by.has_value() || !core.group_by.empty();
  for (const auto& it : items) aggregate |= ContainsAggregate(*it.expr);
  // Window functions (window.h) run over the rows WHERE keeps, before ORDER BY and LIMIT.
  std::vector<ExprPtr> window_calls;
  for (const auto& it : items) RETURN_IF_ERROR(CollectWindowCalls(it.expr, &window_calls));
  if (!window_calls.empty() && aggregate) {
    return Status::Unsupported(
        "window functions cannot be combined with GROUP BY, SAMPLE BY or aggregates in one "
        "SELECT: aggregate in a subquery",
        window_calls[0]->pos);
  }

  if (aggregate) {
    if (src.scan && core.sample_by && ts_index >= 0) (*used)[ts_index] = true;
    OpPtr in_op = std::move(src.op);
    if (in_op && filter) in_op = MakeFilter(std::move(in_op), filter);
    std::optional<ScanSpec> scan = std::move(src.scan);
    BoundPtr scan_filter = scan ? filter : nullptr;
    ASSIGN_OR_RETURN(OpPtr out,
                     PlanAggregate(core, std::move(in_op), std::move(scan), scan_filter, cols,
                                   ts_index, std::move(items), visible, used, sample));
    if (core.distinct) out = MakeDistinct(std::move(out));
    return out;
  }
  // Mark the columns the projection needs before the scan starts.
  OpPtr input;
  if (src.scan) {
    ASSIGN_OR_RETURN(input, Finish(std::move(src)));
  } else {
    input = std::move(src.op);
  }
  if (filter) input = MakeFilter(std::move(input), filter);
  std::vector<std::pair<std::string, int>> window_columns;
  if (!window_calls.empty()) {
    ASSIGN_OR_RETURN(input,
                     MakeWindowOp(std::move(input), window_calls, core.windows, Ctx(cols, used)));
    for (size_t k = 0; k < window_calls.size(); ++k) {
      window_columns.emplace_back(CanonicalText(*window_calls[k]),
                                  static_cast<int>(cols.size() + k));
    }
    cols = input->columns();
  }

  std::vector<BoundPtr> exprs;
  std::vector<std::string> names, used_names;
  int out_ts = -1;
  for (size_t k = 0; k < items.size(); ++k) {
    BindContext bc = Ctx(cols, used);
    if (!window_columns.empty()) bc.substitutions = &window_columns;
    ASSIGN_OR_RETURN(BoundPtr b, Bind(*items[k].expr, bc));
    if (IsStringLike(b->type()) && b->constant() && b->constant()->is_untyped_null) {
      b = MakeConstant(Value::Null(ColumnType::kVarchar), b->pos());
    }
    if (out_ts < 0 && ts_index >= 0 && b->column_index() == ts_index && k < visible) {
      out_ts = static_cast<int>(k);
    }
    std::string base = items[k].alias.empty() ? DerivedName(*items[k].expr) : items[k].alias;
    names.push_back(k < visible ? UniqueName(base, &used_names) : base);
    exprs.push_back(std::move(b));
  }
  OpPtr out = MakeProject(std::move(input), std::move(exprs), std::move(names), out_ts);
  if (core.distinct) out = MakeDistinct(std::move(out));
  return out;
}

core::Result<SampleSpec> Planner::SampleAlignment(const SampleBy& sb) {
  SampleSpec ss;
  ss.unit = sb.unit;
  ss.stride = sb.count;
  ss.calendar = sb.align_calendar;
  if (!sb.align_offset.empty()) {
    // '+hh:mm', '-hh:mm' or 'hh:mm' (QuestDB's WITH OFFSET forms).
    std::string o = sb.align_offset;
    if (!o.empty() && o[0] != '+' && o[0] != '-') o = "+" + o;
    if (!ParseFixedOffset(o, &ss.offset_us)) {
      return Status::InvalidArgument("invalid offset: " + sb.align_offset, sb.align_offset_pos);
    }
  }
  if (!sb.time_zone.empty()) {
    ASSIGN_OR_RETURN(Zone zone, LoadZone(sb.time_zone, sb.time_zone_pos));
    // 'UTC' (or '+00:00') is no zone at all, so such queries keep FastAggregateOp.
    if (zone.tz || zone.fixed_offset_us != 0)
      ss.zone = std::make_shared<const Zone>(std::move(zone));
  }
  if (!sb.from && !sb.to) return ss;
  if (!sb.align_calendar) {
    return Status::Unsupported("FROM-TO intervals are only supported with ALIGN TO CALENDAR",
                               sb.from ? sb.from_pos : sb.to_pos);
  }
  // The bounds are wall times in the zone (UTC without one); the rows kept are those in
  // [to_utc(FROM), to_utc(TO)).
  Zone utc;
  const Zone& zone = ss.zone ? *ss.zone : utc;
  auto bound = [&](const ExprPtr& e, int32_t pos) -> core::Result<int64_t> {
    ASSIGN_OR_RETURN(std::optional<int64_t> v, ConstTimestamp(*e, ctx_));
    if (!v) return Status::InvalidArgument("constant timestamp expected", e ? e->pos : pos);
    // Years 0001..9999, so that zone arithmetic on the bound cannot overflow.
    constexpr int64_t kMinBound = -62135596800000000, kMaxBound = 253402300799999999;
    if (*v < kMinBound || *v > kMaxBound) {
      return Status::InvalidArgument("timestamp out of range", e->pos);
    }
    return *v;
  };
  if (sb.from) {
    ASSIGN_OR_RETURN(ss.from_local_us, bound(sb.from, sb.from_pos));
    ss.from_utc_us = zone.ToUtc(ss.from_local_us);
    ss.has_from = true;
  }
  if (sb.to) {
    ASSIGN_OR_RETURN(int64_t to_local, bound(sb.to, sb.to_pos));
    ss.to_utc_us = zone.ToUtc(to_local);
    ss.has_to = true;
  }
  if (ss.has_from && ss.has_to && ss.from_utc_us > ss.to_utc_us) {
    return Status::InvalidArgument("FROM timestamp is after TO timestamp", sb.from_pos);
  }
  return ss;
}

core::Result<OpPtr> Planner::PlanAggregate(const SelectCore& core, OpPtr input,
                                           std::optional<ScanSpec> scan, BoundPtr filter,
                                           const std::vector<ColInfo>& cols, int ts_index,
                                           std::vector<SelectItem> items, size_t visible,
                                           std::vector<bool>* used,
                                           const std::optional<SampleSpec>& sample) {
  AggregateSpec spec;
  spec.worker_threads = ctx_.worker_threads;
  std::vector<std::pair<std::string, int>> subst;
  std::vector<std::string> key_texts;
  size_t out_col = 0;
  std::string ts_text;
  if (core.sample_by) {
    if (ts_index < 0) {
      return Status::InvalidArgument("base query does not provide designated timestamp column",
                                     core.sample_by->pos);
    }
    SampleSpec ss = *sample;
    ss.ts_column = ts_index;
    ss.bucket_name = cols[ts_index].name;
    spec.sample = ss;
    ts_text = ToLower(cols[ts_index].name);
    out_col = 1;
  }
  // Keys: GROUP BY items, then non-aggregate select items.
  std::vector<ExprPtr> key_exprs;
  auto add_key = [&](const ExprPtr& e) -> Status {
    std::string t = CanonicalText(*e);
    if (core.sample_by && e->kind == ExprKind::kColumn &&
        FindColumn(cols, e->qualifier, e->sval) == ts_index) {
      return Status::Ok();  // the bucket
    }
    for (const auto& k : key_texts) {
      if (k == t) return Status::Ok();
    }
    key_texts.push_back(t);
    key_exprs.push_back(e);
    return Status::Ok();
  };
  for (const auto& g : core.group_by) {
    ExprPtr e = g;
    if (g->kind == ExprKind::kInteger) {
      if (g->ival < 1 || g->ival > static_cast<int64_t>(visible)) {
        return Status::InvalidArgument("GROUP BY position out of range", g->pos);
      }
      e = items[g->ival - 1].expr;
    } else if (g->kind == ExprKind::kColumn && g->qualifier.empty() &&
               FindColumn(cols, "", g->sval) < 0) {
      for (const auto& it : items) {
        if (!it.alias.empty() && EqualsIgnoreCase(it.alias, g->sval)) e = it.expr;
      }
    }
    if (ContainsAggregate(*e)) return Status::InvalidArgument("aggregate functions are not allowed in GROUP BY", g->pos);
    RETURN_IF_ERROR(add_key(e));
  }
  for (const auto& it : items) {
    if (!ContainsAggregate(*it.expr)) RETURN_IF_ERROR(add_key(it.expr));
  }
  for (size_t k = 0; k < key_exprs.size(); ++k) {
    BindContext bc = Ctx(cols, used);
    ASSIGN_OR_RETURN(BoundPtr b, Bind(*key_exprs[k], bc));
    spec.keys.push_back(b);
    spec.key_names.push_back("$key" + std::to_string(k));
    subst.emplace_back(key_texts[k], static_cast<int>(out_col + k));
  }
  // Aggregates, deduplicated by text.
  std::vector<std::string> agg_texts;
  std::function<Status(const ExprPtr&)> collect = [&](const ExprPtr& e) -> Status {
    if (e->kind == ExprKind::kCall && !e->is_operator && IsAggregateFunction(e->sval)) {
      std::string t = CanonicalText(*e);
      for (const auto& a : agg_texts) {
        if (a == t) return Status::Ok();
      }
      AggSpec a;
      a.function = e->sval;
      a.distinct = e->distinct;
      if (a.function == "count" && e->args.size() == 1 && e->args[0]->kind == ExprKind::kStar) {
        // count(*) written with the star as an expression
      } else if (!e->args.empty()) {
        RETURN_IF_ERROR(BindAggregateArgs(*e, cols, used, &a));
      }
      ASSIGN_OR_RETURN(a.type, AggregateType(a.function, a.arg.get(), a.distinct, e->pos));
      a.name = "$agg" + std::to_string(agg_texts.size());
      agg_texts.push_back(t);
      spec.aggs.push_back(std::move(a));
      return Status::Ok();
    }
    for (const auto& a : e->args) {
      if (a) RETURN_IF_ERROR(collect(a));
    }
    return Status::Ok();
  };
  for (const auto& it : items) RETURN_IF_ERROR(collect(it.expr));
  size_t agg_base = out_col + key_exprs.size();
  for (size_t k = 0; k < agg_texts.size(); ++k) {
    subst.emplace_back(agg_texts[k], static_cast<int>(agg_base + k));
  }
  if (core.sample_by) {
    subst.emplace_back(ts_text, 0);
    // Fills, one per aggregate (the last one repeats).
    const SampleBy& sb = *core.sample_by;
    for (size_t k = 0; k < spec.aggs.size() && !sb.fills.empty(); ++k) {
      size_t f = std::min(k, sb.fills.size() - 1);
      if (sb.fills[f] == FillKind::kLinear && !spec.keys.empty()) {
        return Status::Unsupported("linear interpolation is not supported when using fill values for keyed sample by expression",
                                   sb.pos);
      }
      spec.sample->fills.push_back(sb.fills[f]);
      Value v = Value::Null(spec.aggs[k].type);
      if (sb.fills[f] == FillKind::kValue) {
        std::vector<ColInfo> none;
        BindContext bc = Ctx(none, nullptr);
        ASSIGN_OR_RETURN(BoundPtr fb, Bind(*sb.fill_values[f], bc));
        if (!fb->constant()) return Status::InvalidArgument("constant expected", sb.fill_values[f]->pos);
        ASSIGN_OR_RETURN(v, CastValue(*fb->constant(), spec.aggs[k].type, fb->pos()));
      }
      spec.sample->fill_values.push_back(v);
    }
  }
  OpPtr agg;
  if (scan) {
    agg = TryMakeFastAggregate(*scan, filter, spec);
    if (!agg) {
      input = MakeTableScan(std::move(*scan));
      if (filter) input = MakeFilter(std::move(input), filter);
    }
  }
  if (!agg) agg = MakeAggregate(std::move(input), std::move(spec));
  // Project the select items over [bucket, keys, aggregates].
  const std::vector<ColInfo> acols = agg->columns();
  std::vector<BoundPtr> exprs;
  std::vector<std::string> names, used_names;
  int out_ts = -1;
  for (size_t k = 0; k < items.size(); ++k) {
    BindContext bc = Ctx(acols, nullptr);
    bc.substitutions = &subst;
    auto b = Bind(*items[k].expr, bc);
    if (!b.ok()) {
      if (b.status().message().rfind("Invalid column", 0) == 0) return b.status();
      return b.status();
    }
    if (core.sample_by && (*b)->column_index() == 0 && out_ts < 0 && k < visible) out_ts = static_cast<int>(k);
    std::string base = items[k].alias.empty() ? DerivedName(*items[k].expr) : items[k].alias;
    names.push_back(k < visible ? UniqueName(base, &used_names) : base);
    exprs.push_back(*b);
  }
  return MakeProject(std::move(agg), std::move(exprs), std::move(names), out_ts);
}

core::Result<OpPtr> Planner::Query_(const Query& q) {
  size_t cte_mark = ctx_.ctes.size();
  for (const auto& c : q.with) ctx_.ctes.emplace_back(c.name, c.query);
  struct Pop {
    PlanContext& c;
    size_t mark;
    ~Pop() { c.ctes.resize(mark); }
  } pop{ctx_, cte_mark};

  // ORDER BY keys that are not output columns become hidden columns of a single core.
  ASSIGN_OR_RETURN(OpPtr out, Core(q.cores[0], {}));
  std::vector<ExprPtr> hidden;
  auto resolve_order = [&](const Operator& op, const ExprPtr& e, int* col) -> bool {
    if (e->kind == ExprKind::kInteger) return true;
    if (e->kind == ExprKind::kColumn) {
      int k = FindColumn(op.columns(), "", e->sval);
      if (k >= 0) {
        *col = k;
        return true;
      }
      // qualified reference to an output column
      if (!e->qualifier.empty()) {
        k = FindColumn(op.columns(), e->qualifier, e->sval);
        if (k >= 0) {
          *col = k;
          return true;
        }
      }
    }
    return false;
  };
  if (q.cores.size() == 1 && !q.order_by.empty()) {
    for (const auto& o : q.order_by) {
      int c = -1;
      if (!resolve_order(*out, o.expr, &c)) hidden.push_back(o.expr);
    }
    if (!hidden.empty()) {
      if (q.cores[0].distinct) {
        return Status::InvalidArgument("ORDER BY expression must appear in the select list of SELECT DISTINCT",
                                       hidden[0]->pos);
      }
      ASSIGN_OR_RETURN(out, Core(q.cores[0], hidden));
    }
  }
  size_t visible = out->columns().size() - hidden.size();

  for (size_t k = 1; k < q.cores.size(); ++k) {
    ASSIGN_OR_RETURN(OpPtr right, Core(q.cores[k], {}));
    const auto& lc = out->columns();
    const auto& rc = right->columns();
    if (lc.size() != rc.size()) {
      return Status::InvalidArgument("queries have different number of columns", q.cores[k].pos);
    }
    std::vector<ColInfo> cols = lc;
    for (size_t c = 0; c < cols.size(); ++c) {
      ColumnType a = lc[c].type, b = rc[c].type;
      cols[c].qualifier.clear();
      if (a == b) continue;
      if (IsNumeric(a) && IsNumeric(b)) {
        cols[c].type = (PhysOf(a) == Phys::kF64 || PhysOf(b) == Phys::kF64) ? ColumnType::kDouble
                       : (a == ColumnType::kLong || b == ColumnType::kLong) ? ColumnType::kLong
                                                                            : ColumnType::kInt;
      } else if (IsTimeType(a) && IsTimeType(b)) {
        cols[c].type = ColumnType::kTimestamp;
      } else {
        cols[c].type = ColumnType::kVarchar;
      }
    }
    SetOp op = q.ops[k - 1];
    if (op == SetOp::kUnion || op == SetOp::kUnionAll) {
      std::vector<OpPtr> children;
      children.push_back(std::move(out));
      children.push_back(std::move(right));
      out = MakeUnionAll(std::move(children), cols);
      if (op == SetOp::kUnion) out = MakeDistinct(std::move(out));
    } else {
      out = MakeSetDifference(std::move(out), std::move(right), op == SetOp::kIntersect);
    }
  }

  if (!q.order_by.empty()) {
    std::vector<SortKey> keys;
    size_t next_hidden = visible;
    for (const auto& o : q.order_by) {
      SortKey key;
      key.descending = o.descending;
      if (o.expr->kind == ExprKind::kInteger) {
        if (o.expr->ival < 1 || o.expr->ival > static_cast<int64_t>(visible)) {
          return Status::InvalidArgument("order column position is out of range [max=" +
                                             std::to_string(visible) + "]",
                                         o.expr->pos);
        }
        key.column = static_cast<int>(o.expr->ival - 1);
      } else if (!resolve_order(*out, o.expr, &key.column)) {
        if (next_hidden >= out->columns().size()) {
          if (o.expr->kind == ExprKind::kColumn) {
            return Status::InvalidArgument("Invalid column: " + o.expr->sval, o.expr->pos);
          }
          return Status::InvalidArgument("ORDER BY expression must be a column", o.expr->pos);
        }
        key.column = static_cast<int>(next_hidden++);
      }
      keys.push_back(key);
    }
    int ts = out->timestamp_index();
    int ts_after = (!keys.empty() && keys[0].column == ts && !keys[0].descending) ? ts : -1;
    out = MakeSort(std::move(out), std::move(keys), ts_after);
  }
  if (out->columns().size() > visible) out = MakeTrim(std::move(out), visible);

  if (q.limit_lo) {
    auto eval = [&](const ExprPtr& e) -> core::Result<int64_t> {
      std::vector<ColInfo> none;
      BindContext bc = Ctx(none, nullptr);
      ASSIGN_OR_RETURN(BoundPtr b, Bind(*e, bc));
      const Value* c = b->constant();
      if (!c || !IsIntegral(c->type)) return Status::InvalidArgument("LIMIT expects an integer constant", e->pos);
      return c->is_null ? int64_t{0} : c->i;
    };
    ASSIGN_OR_RETURN(int64_t lo, eval(q.limit_lo));
    std::optional<int64_t> hi;
    if (q.limit_hi) {
      ASSIGN_OR_RETURN(int64_t h, eval(q.limit_hi));
      hi = h;
    }
    out = MakeLimit(std::move(out), lo, hi);
  }
  return out;
}

}  // namespace

core::Result<std::optional<std::vector<Interval>>> WhereTimestampIntervals(
    const ExprPtr& where, const std::vector<ColInfo>& cols, int ts_index, PlanContext& ctx) {
  std::optional<std::vector<Interval>> acc;
  if (!where || ts_index < 0) return acc;
  std::vector<ExprPtr> conj;
  Conjuncts(where, &conj);
  for (const auto& c : conj) {
    ASSIGN_OR_RETURN(auto iv, ConjunctInterval(*c, cols, ts_index, ctx));
    if (iv) acc = acc ? IntersectIntervals(*acc, *iv) : *iv;
  }
  return acc;
}

core::Result<OpPtr> PlanQuery(const Query& q, PlanContext& ctx) {
  if (++ctx.depth > ctx.max_depth) {
    --ctx.depth;
    return Status::SyntaxError("query is too deeply nested", q.pos);
  }
  Planner p(ctx);
  auto r = p.Query_(q);
  --ctx.depth;
  return r;
}

}  // namespace sundial::sql
