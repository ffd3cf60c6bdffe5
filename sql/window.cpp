// Window functions: the registry of functions, binding of OVER specs, and the window operator.
// Sorting and the per-function passes are in window_eval.cpp.
#include "sql/window.h"

#include <algorithm>

#include "sql/lexer.h"
#include "sql/query_budget.h"
#include "sql/window_internal.h"

namespace sundial::sql {

namespace {

using core::Status;
using window::Fn;

// The registry: what each window function accepts and whether frames apply to it.
struct FnInfo {
  std::string_view name;
  Fn fn;
  int min_args, max_args;
  bool allows_ignore_nulls;
};
constexpr FnInfo kFunctions[] = {
    {"row_number", Fn::kRowNumber, 0, 0, false},
    {"rank", Fn::kRank, 0, 0, false},
    {"dense_rank", Fn::kDenseRank, 0, 0, false},
    {"percent_rank", Fn::kPercentRank, 0, 0, false},
    {"cume_dist", Fn::kCumeDist, 0, 0, false},
    {"lag", Fn::kLag, 1, 3, true},
    {"lead", Fn::kLead, 1, 3, true},
    {"first_value", Fn::kFirstValue, 1, 1, true},
    {"last_value", Fn::kLastValue, 1, 1, true},
    {"count", Fn::kCount, 0, 1, false},
    {"sum", Fn::kSum, 1, 1, false},
    {"avg", Fn::kAvg, 1, 1, false},
    {"min", Fn::kMin, 1, 1, false},
    {"max", Fn::kMax, 1, 1, false},
};

const FnInfo* FindFunction(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool UsesFrame(Fn fn) {
  switch (fn) {
    case Fn::kFirstValue:
    case Fn::kLastValue:
    case Fn::kCount:
    case Fn::kSum:
    case Fn::kAvg:
    case Fn::kMin:
    case Fn::kMax:
      return true;
    default:
      return false;
  }
}

// The spec `call` names, merged with the named windows it builds on (WINDOW w AS (...) and
// OVER (w ORDER BY ...)): PARTITION BY comes from the base, ORDER BY and the frame from the
// nearest spec that has them.
core::Result<WindowSpec> ResolveSpec(
    const WindowSpec& spec, const std::vector<std::pair<std::string, WindowSpecPtr>>& named,
    size_t depth = 0) {
  if (spec.base_name.empty()) return spec;
  if (depth > named.size()) {
    return Status::InvalidArgument("window definitions refer to each other in a cycle",
                                   spec.base_pos);
  }
  const WindowSpec* base = nullptr;
  for (const auto& [name, s] : named) {
    if (name == spec.base_name) base = s.get();
  }
  if (base == nullptr) {
    return Status::InvalidArgument("window is not defined: " + spec.base_name, spec.base_pos);
  }
  ASSIGN_OR_RETURN(WindowSpec merged, ResolveSpec(*base, named, depth + 1));
  if (!spec.partition_by.empty()) {
    return Status::InvalidArgument("cannot override PARTITION BY of window " + spec.base_name,
                                   spec.partition_by[0]->pos);
  }
  if (!spec.order_by.empty()) {
    if (!merged.order_by.empty()) {
      return Status::InvalidArgument("cannot override ORDER BY of window " + spec.base_name,
                                     spec.order_by[0].expr->pos);
    }
    merged.order_by = spec.order_by;
  }
  if (spec.mode != FrameMode::kDefault) {
    merged.mode = spec.mode;
    merged.start = spec.start;
    merged.end = spec.end;
    merged.exclude_current_row = spec.exclude_current_row;
  }
  merged.base_name.clear();
  merged.pos = spec.pos;
  return merged;
}

int BoundRank(FrameBoundKind k) { return static_cast<int>(k); }

// Frame checks; `order_types` are the bound ORDER BY key types.
core::Result<window::Frame> ResolveFrame(const WindowSpec& spec,
                                         const std::vector<ColumnType>& order_types) {
  window::Frame f;
  f.exclude_current_row = spec.exclude_current_row;
  if (spec.mode == FrameMode::kDefault) {
    // Whole partition without ORDER BY; the row and its peers after the ones before with it.
    f.is_rows = false;
    f.start.kind = FrameBoundKind::kUnboundedPreceding;
    f.end.kind =
        order_types.empty() ? FrameBoundKind::kUnboundedFollowing : FrameBoundKind::kCurrentRow;
    return f;
  }
  f.is_rows = spec.mode == FrameMode::kRows;
  f.start = spec.start;
  f.end = spec.end;
  if (f.start.kind == FrameBoundKind::kUnboundedFollowing) {
    return Status::InvalidArgument("frame start cannot be UNBOUNDED FOLLOWING", f.start.pos);
  }
  if (f.end.kind == FrameBoundKind::kUnboundedPreceding) {
    return Status::InvalidArgument("frame end cannot be UNBOUNDED PRECEDING", f.end.pos);
  }
  // A frame that starts after it ends in kind (CURRENT ROW .. n PRECEDING, n FOLLOWING ..
  // CURRENT ROW) is refused as PostgreSQL refuses it.
  if (BoundRank(f.start.kind) > BoundRank(f.end.kind)) {
    return Status::InvalidArgument(
        "frame starting from " +
            std::string(f.start.kind == FrameBoundKind::kCurrentRow ? "current row"
                                                                    : "following row") +
            " cannot end with preceding rows",
        f.end.pos);
  }
  for (const FrameBound* b : {&f.start, &f.end}) {
    const bool has_offset =
        b->kind == FrameBoundKind::kPreceding || b->kind == FrameBoundKind::kFollowing;
    if (f.is_rows && b->has_unit) {
      return Status::InvalidArgument("time units are allowed only in RANGE frames", b->pos);
    }
    if (f.is_rows || !has_offset) continue;
    if (order_types.size() != 1) {
      return Status::InvalidArgument("RANGE with an offset requires exactly one ORDER BY column",
                                     b->pos);
    }
    const ColumnType t = order_types[0];
    if (t != ColumnType::kTimestamp && !(IsIntegral(t) && !b->has_unit)) {
      return Status::InvalidArgument(
          b->has_unit ? "RANGE with a time unit requires ORDER BY a TIMESTAMP column"
                      : "RANGE with an offset requires ORDER BY an integer or TIMESTAMP column",
          b->pos);
    }
  }
  return f;
}

core::Result<ColumnType> ResultType(Fn fn, const BoundExpr* arg, int32_t pos,
                                    std::string_view name) {
  switch (fn) {
    case Fn::kRowNumber:
    case Fn::kRank:
    case Fn::kDenseRank:
    case Fn::kCount:
      return ColumnType::kLong;
    case Fn::kPercentRank:
    case Fn::kCumeDist:
      return ColumnType::kDouble;
    case Fn::kSum:
    case Fn::kAvg:
      if (!IsNumeric(arg->type()) && !(arg->constant() && arg->constant()->is_untyped_null)) {
        return Status::InvalidArgument(
            "unexpected argument for function: " + std::string(name) +
                " [type=" + std::string(cairo::ColumnTypeName(arg->type())) + "]",
            pos);
      }
      return ColumnType::kDouble;
    case Fn::kMin:
    case Fn::kMax:
      if (arg->type() == ColumnType::kTimestamp || arg->type() == ColumnType::kDate) {
        return arg->type();
      }
      if (!IsNumeric(arg->type()) && !(arg->constant() && arg->constant()->is_untyped_null)) {
        return Status::InvalidArgument(
            "unexpected argument for function: " + std::string(name) +
                " [type=" + std::string(cairo::ColumnTypeName(arg->type())) + "]",
            pos);
      }
      return ColumnType::kDouble;
    case Fn::kLag:
    case Fn::kLead:
    case Fn::kFirstValue:
    case Fn::kLastValue:
      if (arg->constant() && arg->constant()->is_untyped_null) return ColumnType::kDouble;
      return arg->type();
  }
  return ColumnType::kDouble;
}

// lag/lead(x [, offset [, default]]): a constant non-negative offset, a constant default.
Status BindOffsets(const Expr& call, BindContext& bc, window::Function* f) {
  if (call.args.size() >= 2) {
    ASSIGN_OR_RETURN(BoundPtr off, Bind(*call.args[1], bc));
    const Value* v = off->constant();
    if (v == nullptr || !IsIntegral(v->type) || v->is_null || v->i < 0) {
      return Status::InvalidArgument("offset must be a non-negative integer constant",
                                     call.args[1]->pos);
    }
    f->offset = v->i;
  }
  f->default_value = Value::Null(f->type);
  if (call.args.size() == 3) {
    ASSIGN_OR_RETURN(BoundPtr def, Bind(*call.args[2], bc));
    const Value* v = def->constant();
    if (v == nullptr) {
      return Status::InvalidArgument("default value must be a constant", call.args[2]->pos);
    }
    if (!v->is_null) {
      ASSIGN_OR_RETURN(f->default_value, CastValue(*v, f->type, call.args[2]->pos));
    }
  }
  return Status::Ok();
}

class WindowOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    return {"Window functions: " + std::to_string(fns_.size()) +
                " orderings: " + std::to_string(specs_.size()),
            {},
            {child_.get()}};
  }
  WindowOp(OpPtr child, std::vector<window::Spec> specs, std::vector<window::Function> fns)
      : child_(std::move(child)), specs_(std::move(specs)), fns_(std::move(fns)) {
    cols_ = child_->columns();
    ts_index_ = child_->timestamp_index();
    for (size_t k = 0; k < fns_.size(); ++k) {
      cols_.push_back({"$w" + std::to_string(k), fns_[k].type, ""});
    }
  }

  core::Result<bool> Next(Batch* out) override {
    if (!computed_) {
      RETURN_IF_ERROR(Compute());
      computed_ = true;
    }
    if (offset_ >= all_.n) return false;
    const size_t count = std::min(kBatchRows, all_.n - offset_);
    out->n = count;
    out->cols.resize(cols_.size());
    for (size_t c = 0; c < cols_.size(); ++c) {
      const Vec& src = c < all_.cols.size() ? all_.cols[c] : results_[c - all_.cols.size()];
      Vec& v = out->cols[c];
      v.Reset(src.type, count);
      v.symtab = src.symtab;
      v.pool = src.pool;
      if (src.i) v.i = src.i + offset_;
      if (src.d) v.d = src.d + offset_;
      if (src.s) v.s = src.s + offset_;
    }
    offset_ += count;
    return true;
  }

 private:
  Status Compute() {
    RETURN_IF_ERROR(Materialize(child_.get(), &all_, &input_memory_));
    if (all_.n >= UINT32_MAX) {
      return Status::ResourceExhausted("too many rows for window functions");
    }
    const size_t n = all_.n;
    results_.resize(fns_.size());
    std::vector<Vec> args(fns_.size());
    int64_t bytes = 0;
    for (size_t s = 0; s < specs_.size(); ++s) {
      window::Layout layout;
      // perm, four boundary arrays and the range key, while the layout lives.
      const int64_t layout_bytes = static_cast<int64_t>(n) * (5 * 4 + 8);
      RETURN_IF_ERROR(work_memory_.Update(bytes + layout_bytes));
      RETURN_IF_ERROR(window::BuildLayout(specs_[s], all_, &layout));
      for (size_t k = 0; k < fns_.size(); ++k) {
        if (fns_[k].spec != s) continue;
        RETURN_IF_ERROR(CheckQueryTime());
        if (fns_[k].arg) RETURN_IF_ERROR(fns_[k].arg->Eval(all_, &args[k]));
        bytes += static_cast<int64_t>(n) * 16;  // the argument and the result
        RETURN_IF_ERROR(work_memory_.Update(bytes + layout_bytes));
        RETURN_IF_ERROR(window::Evaluate(fns_[k], layout, args[k], n, &results_[k]));
      }
    }
    // Results of lag/lead/first_value/last_value may view their argument's strings.
    args_ = std::move(args);
    return work_memory_.Update(bytes);
  }

  OpPtr child_;
  std::vector<window::Spec> specs_;
  std::vector<window::Function> fns_;
  Batch all_;
  std::vector<Vec> results_, args_;
  MemoryCharge input_memory_, work_memory_;
  bool computed_ = false;
  size_t offset_ = 0;
};

}  // namespace

bool ContainsWindow(const Expr& e) {
  if (e.over) return true;
  for (const auto& a : e.args) {
    if (a && ContainsWindow(*a)) return true;
  }
  return false;
}

core::Status CollectWindowCalls(const ExprPtr& e, std::vector<ExprPtr>* calls) {
  if (e->over) {
    for (const auto& a : e->args) {
      if (ContainsWindow(*a)) {
        const Expr* inner = a.get();
        while (!inner->over) {
          for (const auto& b : inner->args) {
            if (b && ContainsWindow(*b)) {
              inner = b.get();
              break;
            }
          }
        }
        return Status::InvalidArgument("window function calls cannot be nested", inner->pos);
      }
    }
    const std::string text = CanonicalText(*e);
    for (const auto& c : *calls) {
      if (CanonicalText(*c) == text) return Status::Ok();
    }
    calls->push_back(e);
    return Status::Ok();
  }
  for (const auto& a : e->args) {
    if (a) RETURN_IF_ERROR(CollectWindowCalls(a, calls));
  }
  return Status::Ok();
}

core::Result<OpPtr> MakeWindowOp(OpPtr input, const std::vector<ExprPtr>& calls,
                                 const std::vector<std::pair<std::string, WindowSpecPtr>>& named,
                                 BindContext bc) {
  std::vector<window::Spec> specs;
  std::vector<window::Function> fns;
  for (const ExprPtr& call : calls) {
    const FnInfo* info = FindFunction(call->sval);
    if (info == nullptr) {
      return Status::InvalidArgument("not a window function: " + call->sval, call->pos);
    }
    const int nargs = static_cast<int>(call->args.size());
    if (call->distinct) {
      return Status::InvalidArgument("DISTINCT is not supported in window functions", call->pos);
    }
    if (call->star_arg && info->fn != Fn::kCount) {
      return Status::InvalidArgument("'*' is only allowed in count(*)", call->pos);
    }
    if (nargs < info->min_args || nargs > info->max_args) {
      return Status::InvalidArgument("wrong number of arguments for window function: " + call->sval,
                                     call->pos);
    }
    if (call->ignore_nulls && !info->allows_ignore_nulls) {
      return Status::InvalidArgument("IGNORE NULLS is not supported by " + call->sval, call->pos);
    }
    ASSIGN_OR_RETURN(WindowSpec spec, ResolveSpec(*call->over, named));
    window::Function f;
    f.fn = info->fn;
    f.ignore_nulls = call->ignore_nulls;
    if (nargs >= 1 && !(f.fn == Fn::kCount && call->args[0]->kind == ExprKind::kStar)) {
      BindContext abc = bc;
      ASSIGN_OR_RETURN(f.arg, Bind(*call->args[0], abc));
      // count(1), count('x'): rows, as count(*).
      if (f.fn == Fn::kCount && f.arg->constant() && !f.arg->constant()->is_null) f.arg = nullptr;
    }
    const BoundExpr* arg = f.arg.get();
    if (arg == nullptr && f.fn == Fn::kCount) {
      f.type = ColumnType::kLong;
    } else {
      ASSIGN_OR_RETURN(f.type, ResultType(f.fn, arg, call->pos, call->sval));
    }
    if (f.fn == Fn::kLag || f.fn == Fn::kLead) RETURN_IF_ERROR(BindOffsets(*call, bc, &f));
    // The spec: partition and order keys bound once per distinct text.
    window::Spec s;
    std::vector<ColumnType> order_types;
    for (const auto& p : spec.partition_by) {
      BindContext kbc = bc;
      ASSIGN_OR_RETURN(BoundPtr b, Bind(*p, kbc));
      s.partition.push_back(b);
      s.text += CanonicalText(*p) + ",";
    }
    s.text += "|";
    for (const auto& o : spec.order_by) {
      BindContext kbc = bc;
      ASSIGN_OR_RETURN(BoundPtr b, Bind(*o.expr, kbc));
      order_types.push_back(b->type());
      s.order.push_back(b);
      s.descending.push_back(o.descending);
      s.text += CanonicalText(*o.expr) + (o.descending ? " desc," : ",");
    }
    if (UsesFrame(f.fn)) {
      ASSIGN_OR_RETURN(f.frame, ResolveFrame(spec, order_types));
    }
    auto same = std::find_if(specs.begin(), specs.end(),
                             [&](const window::Spec& x) { return x.text == s.text; });
    f.spec = static_cast<size_t>(same - specs.begin());
    if (same == specs.end()) specs.push_back(std::move(s));
    fns.push_back(std::move(f));
  }
  return OpPtr(std::make_unique<WindowOp>(std::move(input), std::move(specs), std::move(fns)));
}

}  // namespace sundial::sql
