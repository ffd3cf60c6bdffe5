// The bound expression node kinds. Each Eval computes a whole batch with a tight loop per
// (operator, physical type); `column op constant` compares against a scalar.
#include "sql/expr_nodes.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "sql/lexer.h"
#include "sql/query_budget.h"

namespace sundial::sql {
namespace {

bool Nullable(ColumnType t) {
  return !(t == ColumnType::kBoolean || t == ColumnType::kByte || t == ColumnType::kShort);
}

class ConstantExpr final : public BoundExpr {
 public:
  ConstantExpr(Value v, int32_t pos) : BoundExpr(v.type, pos), v_(std::move(v)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    FillConstant(v_, in.n, out);
    return core::Status::Ok();
  }
  const Value* constant() const override { return &v_; }

 private:
  Value v_;
};

class ColumnRefExpr final : public BoundExpr {
 public:
  ColumnRefExpr(int index, ColumnType type, int32_t pos) : BoundExpr(type, pos), index_(index) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    out->ViewOf(in.cols[index_]);
    out->n = in.n;
    return core::Status::Ok();
  }
  int column_index() const override { return index_; }

 private:
  int index_;
};

// Loads a numeric vector as doubles (int64 nulls become NaN).
const double* AsDoubles(const Vec& v, std::vector<double>* tmp) {
  if (v.phys() == Phys::kF64) return v.d;
  tmp->resize(v.n);
  bool nullable = Nullable(v.type);
  for (size_t r = 0; r < v.n; ++r) {
    (*tmp)[r] = nullable && v.i[r] == kNullI64 ? std::nan("") : static_cast<double>(v.i[r]);
  }
  return tmp->data();
}

class ArithExpr final : public BoundExpr {
 public:
  ArithExpr(char op, BoundPtr l, BoundPtr r, ColumnType type, int32_t pos)
      : BoundExpr(type, pos), op_(op), l_(std::move(l)), r_(std::move(r)) {}

  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a, b;
    RETURN_IF_ERROR(l_->Eval(in, &a));
    RETURN_IF_ERROR(r_->Eval(in, &b));
    const size_t n = in.n;
    out->Reset(type_, n);
    if (PhysOf(type_) == Phys::kF64) {
      std::vector<double> ta, tb;
      const double* x = AsDoubles(a, &ta);
      const double* y = AsDoubles(b, &tb);
      double* o = out->AllocD(n);
      switch (op_) {
        case '+': for (size_t k = 0; k < n; ++k) o[k] = x[k] + y[k]; break;
        case '-': for (size_t k = 0; k < n; ++k) o[k] = x[k] - y[k]; break;
        case '*': for (size_t k = 0; k < n; ++k) o[k] = x[k] * y[k]; break;
        case '/': for (size_t k = 0; k < n; ++k) o[k] = x[k] / y[k]; break;
        case '%': for (size_t k = 0; k < n; ++k) o[k] = std::fmod(x[k], y[k]); break;
      }
      if (type_ == ColumnType::kFloat) {
        for (size_t k = 0; k < n; ++k) o[k] = static_cast<float>(o[k]);
      }
      return core::Status::Ok();
    }
    const int64_t* x = a.i;
    const int64_t* y = b.i;
    int64_t* o = out->AllocI(n);
    bool na = Nullable(a.type), nb = Nullable(b.type);
    for (size_t k = 0; k < n; ++k) {
      int64_t u = x[k], v = y[k];
      if ((na && u == kNullI64) || (nb && v == kNullI64)) {
        o[k] = kNullI64;
        continue;
      }
      uint64_t uu = static_cast<uint64_t>(u), uv = static_cast<uint64_t>(v);
      int64_t res;
      switch (op_) {
        case '+': res = static_cast<int64_t>(uu + uv); break;
        case '-': res = static_cast<int64_t>(uu - uv); break;
        case '*': res = static_cast<int64_t>(uu * uv); break;
        case '/':
          if (v == 0 || (u == INT64_MIN && v == -1)) {
            res = kNullI64;
          } else {
            res = u / v;
          }
          break;
        default:
          if (v == 0 || v == -1) {
            res = v == 0 ? kNullI64 : 0;
          } else {
            res = u % v;
          }
          break;
      }
      if (type_ == ColumnType::kInt && res != kNullI64) {
        int32_t w = static_cast<int32_t>(res);
        res = w == cairo::kNullInt ? kNullI64 : w;
      }
      o[k] = res;
    }
    return core::Status::Ok();
  }

 private:
  char op_;
  BoundPtr l_, r_;
};

class NegExpr final : public BoundExpr {
 public:
  NegExpr(BoundPtr a, int32_t pos) : BoundExpr(a->type(), pos), a_(std::move(a)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(type_, in.n);
    if (a.phys() == Phys::kF64) {
      double* o = out->AllocD(in.n);
      for (size_t k = 0; k < in.n; ++k) o[k] = -a.d[k];
    } else {
      int64_t* o = out->AllocI(in.n);
      for (size_t k = 0; k < in.n; ++k) {
        o[k] = a.i[k] == kNullI64 ? kNullI64 : static_cast<int64_t>(0ull - static_cast<uint64_t>(a.i[k]));
      }
    }
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
};

enum class Op : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

Op ParseOp(std::string_view op) {
  if (op == "=") return Op::kEq;
  if (op == "!=") return Op::kNe;
  if (op == "<") return Op::kLt;
  if (op == "<=") return Op::kLe;
  if (op == ">") return Op::kGt;
  return Op::kGe;
}

template <typename T, typename Cmp>
void CompareLoop(const T* x, const T* y, bool y_scalar, size_t n, int64_t* o, Cmp cmp) {
  if (y_scalar) {
    T c = y[0];
    for (size_t k = 0; k < n; ++k) o[k] = cmp(x[k], c);
  } else {
    for (size_t k = 0; k < n; ++k) o[k] = cmp(x[k], y[k]);
  }
}

class CompareExpr final : public BoundExpr {
 public:
  bool AsSimplePredicates(std::vector<SimplePredicate>* out) const override {
    const Value* c = r_->constant();
    int col = l_->column_index();
    if (!c || c->is_null || col < 0 || domain_ == CmpDomain::kStr) return false;
    if (op_ == Op::kEq || op_ == Op::kNe) return false;
    SimplePredicate p;
    p.column = col;
    p.op = op_ == Op::kLt ? '<' : op_ == Op::kLe ? '[' : op_ == Op::kGt ? '>' : ']';
    p.is_double = domain_ == CmpDomain::kF64;
    p.dval = PhysOf(c->type) == Phys::kF64 ? c->d : static_cast<double>(c->i);
    p.ival = c->i;
    out->push_back(p);
    return true;
  }
  CompareExpr(Op op, BoundPtr l, BoundPtr r, CmpDomain domain, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), op_(op), l_(std::move(l)), r_(std::move(r)),
        domain_(domain) {}

  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a, b;
    RETURN_IF_ERROR(l_->Eval(in, &a));
    const Value* rc = r_->constant();
    const size_t n = in.n;
    out->Reset(ColumnType::kBoolean, n);
    int64_t* o = out->AllocI(n);
    switch (domain_) {
      case CmpDomain::kF64: {
        std::vector<double> ta, tb;
        const double* x = AsDoubles(a, &ta);
        const double* y;
        double c;
        if (rc) {
          c = rc->is_null ? std::nan("")
                          : (PhysOf(rc->type) == Phys::kF64 ? rc->d : static_cast<double>(rc->i));
          y = &c;
        } else {
          RETURN_IF_ERROR(r_->Eval(in, &b));
          y = AsDoubles(b, &tb);
        }
        bool sc = rc != nullptr;
        switch (op_) {
          case Op::kEq:
            CompareLoop(x, y, sc, n, o, [](double u, double v) {
              return u == v || (std::isnan(u) && std::isnan(v));
            });
            break;
          case Op::kNe:
            CompareLoop(x, y, sc, n, o, [](double u, double v) {
              return !(u == v || (std::isnan(u) && std::isnan(v)));
            });
            break;
          case Op::kLt: CompareLoop(x, y, sc, n, o, [](double u, double v) { return u < v; }); break;
          case Op::kLe: CompareLoop(x, y, sc, n, o, [](double u, double v) { return u <= v; }); break;
          case Op::kGt: CompareLoop(x, y, sc, n, o, [](double u, double v) { return u > v; }); break;
          case Op::kGe: CompareLoop(x, y, sc, n, o, [](double u, double v) { return u >= v; }); break;
        }
        return core::Status::Ok();
      }
      case CmpDomain::kI64: {
        const int64_t* x = a.i;
        const int64_t* y;
        int64_t c;
        if (rc) {
          c = rc->is_null ? kNullI64 : rc->i;
          y = &c;
        } else {
          RETURN_IF_ERROR(r_->Eval(in, &b));
          y = b.i;
        }
        bool sc = rc != nullptr;
        constexpr int64_t N = kNullI64;
        bool nullable = Nullable(a.type) || (rc ? Nullable(rc->type) : Nullable(b.type));
        switch (op_) {
          case Op::kEq: CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u == v; }); break;
          case Op::kNe: CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u != v; }); break;
          case Op::kLt:
            if (nullable) CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u != N && v != N && u < v; });
            else CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u < v; });
            break;
          case Op::kLe:
            if (nullable) CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u != N && v != N && u <= v; });
            else CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u <= v; });
            break;
          case Op::kGt:
            if (nullable) CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u != N && v != N && u > v; });
            else CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u > v; });
            break;
          case Op::kGe:
            if (nullable) CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u != N && v != N && u >= v; });
            else CompareLoop(x, y, sc, n, o, [](int64_t u, int64_t v) { return u >= v; });
            break;
        }
        return core::Status::Ok();
      }
      case CmpDomain::kStr: {
        // Symbol column = constant: compare dictionary keys.
        if (rc && a.has_keys() && (op_ == Op::kEq || op_ == Op::kNe)) {
          int64_t key = rc->is_null ? kNullI64 : a.symtab->Find(rc->s);
          if (!rc->is_null && key == cairo::kNullSymbolKey) key = -2;  // matches nothing
          bool eq = op_ == Op::kEq;
          for (size_t k = 0; k < n; ++k) o[k] = (a.i[k] == key) == eq;
          return core::Status::Ok();
        }
        std::string_view cs;
        if (rc) {
          cs = rc->is_null ? std::string_view() : std::string_view(rc->s.data(), rc->s.size());
          if (!rc->is_null && rc->s.empty()) cs = std::string_view(StringPool::kEmpty, 0);
        } else {
          RETURN_IF_ERROR(r_->Eval(in, &b));
        }
        for (size_t k = 0; k < n; ++k) {
          std::string_view u = a.Str(k);
          std::string_view v = rc ? cs : b.Str(k);
          bool un = u.data() == nullptr, vn = v.data() == nullptr;
          bool res;
          if (un || vn) {
            res = op_ == Op::kEq ? (un && vn) : op_ == Op::kNe ? !(un && vn) : false;
          } else {
            int c = u.compare(v);
            switch (op_) {
              case Op::kEq: res = c == 0; break;
              case Op::kNe: res = c != 0; break;
              case Op::kLt: res = c < 0; break;
              case Op::kLe: res = c <= 0; break;
              case Op::kGt: res = c > 0; break;
              default: res = c >= 0; break;
            }
          }
          o[k] = res;
        }
        return core::Status::Ok();
      }
    }
    return core::Status::Ok();
  }

 private:
  Op op_;
  BoundPtr l_, r_;
  CmpDomain domain_;
};

class LogicExpr final : public BoundExpr {
 public:
  bool AsSimplePredicates(std::vector<SimplePredicate>* out) const override {
    return and_ && l_->AsSimplePredicates(out) && r_->AsSimplePredicates(out);
  }
  LogicExpr(bool is_and, BoundPtr l, BoundPtr r, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), and_(is_and), l_(std::move(l)), r_(std::move(r)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a, b;
    RETURN_IF_ERROR(l_->Eval(in, &a));
    RETURN_IF_ERROR(r_->Eval(in, &b));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    if (and_) {
      for (size_t k = 0; k < in.n; ++k) o[k] = (a.i[k] == 1) & (b.i[k] == 1);
    } else {
      for (size_t k = 0; k < in.n; ++k) o[k] = (a.i[k] == 1) | (b.i[k] == 1);
    }
    return core::Status::Ok();
  }

 private:
  bool and_;
  BoundPtr l_, r_;
};

class NotExpr final : public BoundExpr {
 public:
  NotExpr(BoundPtr a, int32_t pos) : BoundExpr(ColumnType::kBoolean, pos), a_(std::move(a)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    for (size_t k = 0; k < in.n; ++k) o[k] = a.i[k] != 1;
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
};

class IsNullExpr final : public BoundExpr {
 public:
  IsNullExpr(BoundPtr a, bool negated, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), a_(std::move(a)), negated_(negated) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    bool nullable = Nullable(a.type);
    for (size_t k = 0; k < in.n; ++k) o[k] = (nullable && a.IsNull(k)) != negated_;
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
  bool negated_;
};

class InExpr final : public BoundExpr {
 public:
  InExpr(BoundPtr a, std::vector<Value> values, CmpDomain domain, bool negated, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), a_(std::move(a)), domain_(domain),
        negated_(negated) {
    for (const Value& v : values) {
      if (v.is_null) {
        has_null_ = true;
      } else if (domain == CmpDomain::kI64) {
        ints_.insert(v.i);
      } else if (domain == CmpDomain::kF64) {
        doubles_.push_back(PhysOf(v.type) == Phys::kF64 ? v.d : static_cast<double>(v.i));
      } else {
        strings_.insert(v.s);
      }
    }
  }
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    for (size_t k = 0; k < in.n; ++k) {
      bool hit;
      if (a.IsNull(k) && Nullable(a.type)) {
        hit = has_null_;
      } else if (domain_ == CmpDomain::kI64) {
        hit = ints_.count(a.i[k]) > 0;
      } else if (domain_ == CmpDomain::kF64) {
        double x = a.phys() == Phys::kF64 ? a.d[k] : static_cast<double>(a.i[k]);
        hit = std::find(doubles_.begin(), doubles_.end(), x) != doubles_.end();
      } else {
        hit = strings_.count(std::string(a.Str(k))) > 0;
      }
      o[k] = hit != negated_;
    }
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
  CmpDomain domain_;
  bool negated_;
  bool has_null_ = false;
  std::unordered_set<int64_t> ints_;
  std::vector<double> doubles_;
  std::unordered_set<std::string> strings_;
};

// LIKE with % and _ (and \ escapes), matched iteratively with backtracking on the last %.
bool LikeMatch(std::string_view s, std::string_view p, bool fold) {
  size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  auto eq = [fold](char a, char b) {
    return fold ? std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b))
                : a == b;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '%') {
      star_p = pi++;
      star_s = si;
    } else if (pi < p.size() && p[pi] == '\\' && pi + 1 < p.size() && eq(p[pi + 1], s[si])) {
      pi += 2;
      ++si;
    } else if (pi < p.size() && (p[pi] == '_' || (p[pi] != '\\' && eq(p[pi], s[si])))) {
      ++pi;
      ++si;
    } else if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

class LikeExpr final : public BoundExpr {
 public:
  LikeExpr(BoundPtr a, std::string pattern, bool ilike, bool negated, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), a_(std::move(a)), pattern_(std::move(pattern)),
        ilike_(ilike), negated_(negated) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    if (a.has_keys()) {  // match each dictionary entry once
      std::vector<int8_t> memo(a.symtab->size(), -1);
      for (size_t k = 0; k < in.n; ++k) {
        int64_t key = a.i[k];
        if (key < 0 || key >= static_cast<int64_t>(memo.size())) {
          o[k] = false;
          continue;
        }
        if (memo[key] < 0) memo[key] = LikeMatch(a.symtab->Value(static_cast<int32_t>(key)), pattern_, ilike_);
        o[k] = (memo[key] == 1) != negated_;
      }
      return core::Status::Ok();
    }
    for (size_t k = 0; k < in.n; ++k) {
      std::string_view s = a.Str(k);
      o[k] = s.data() == nullptr ? false : LikeMatch(s, pattern_, ilike_) != negated_;
    }
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
  std::string pattern_;
  bool ilike_, negated_;
};

class RegexExpr final : public BoundExpr {
 public:
  RegexExpr(BoundPtr a, std::shared_ptr<const core::Regex> re, bool negated, int32_t pos)
      : BoundExpr(ColumnType::kBoolean, pos), a_(std::move(a)), re_(std::move(re)),
        negated_(negated) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    out->Reset(ColumnType::kBoolean, in.n);
    int64_t* o = out->AllocI(in.n);
    const QueryBudget* budget = CurrentBudget();
    size_t bytes_since_check = 0;
    for (size_t k = 0; k < in.n; ++k) {
      std::string_view s = a.Str(k);
      if (s.data() == nullptr) {
        o[k] = false;
        continue;
      }
      // One row's match is bounded (core::Regex's step limit) but a batch of long texts is
      // not: the query's deadline is checked between rows every 64 KiB of text.
      bytes_since_check += s.size();
      if (budget && bytes_since_check > 65536) {
        RETURN_IF_ERROR(budget->CheckTime());
        bytes_since_check = 0;
      }
      core::Result<bool> m = re_->Search(s);
      if (!m.ok()) return core::Status(m.status().code(), m.status().message(), pos_);
      o[k] = *m != negated_;
    }
    return core::Status::Ok();
  }

 private:
  BoundPtr a_;
  std::shared_ptr<const core::Regex> re_;
  bool negated_;
};

class CaseExpr final : public BoundExpr {
 public:
  CaseExpr(std::vector<BoundPtr> whens, std::vector<BoundPtr> thens, BoundPtr other,
           ColumnType type, int32_t pos)
      : BoundExpr(type, pos), whens_(std::move(whens)), thens_(std::move(thens)),
        else_(std::move(other)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    const size_t n = in.n;
    std::vector<int> choice(n, -1);
    for (size_t w = 0; w < whens_.size(); ++w) {
      Vec c;
      RETURN_IF_ERROR(whens_[w]->Eval(in, &c));
      for (size_t k = 0; k < n; ++k) {
        if (choice[k] < 0 && c.i[k] == 1) choice[k] = static_cast<int>(w);
      }
    }
    std::vector<Vec> vals(thens_.size() + 1);
    for (size_t w = 0; w < thens_.size(); ++w) RETURN_IF_ERROR(thens_[w]->Eval(in, &vals[w]));
    if (else_) {
      RETURN_IF_ERROR(else_->Eval(in, &vals.back()));
    } else {
      FillConstant(Value::Null(type_), n, &vals.back());
    }
    Vec res;
    res.Reset(type_, n);
    Phys p = PhysOf(type_);
    if (type_ == ColumnType::kSymbol) p = Phys::kStr;
    auto src = [&](size_t k) -> const Vec& {
      return choice[k] < 0 ? vals.back() : vals[choice[k]];
    };
    switch (p) {
      case Phys::kI64: {
        int64_t* o = res.AllocI(n);
        for (size_t k = 0; k < n; ++k) o[k] = src(k).i[k];
        break;
      }
      case Phys::kF64: {
        double* o = res.AllocD(n);
        for (size_t k = 0; k < n; ++k) o[k] = src(k).d[k];
        break;
      }
      case Phys::kStr: {
        std::string_view* o = res.AllocS(n);
        StringPool* pool = res.Pool();
        for (size_t k = 0; k < n; ++k) o[k] = pool->Add(src(k).Str(k));
        break;
      }
    }
    *out = std::move(res);
    return core::Status::Ok();
  }

 private:
  std::vector<BoundPtr> whens_, thens_;
  BoundPtr else_;
};

class CastExpr final : public BoundExpr {
 public:
  CastExpr(BoundPtr a, ColumnType to, int32_t pos) : BoundExpr(to, pos), a_(std::move(a)) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    if (a_->type() == type_ && type_ != ColumnType::kSymbol) return a_->Eval(in, out);  // identity
    Vec a;
    RETURN_IF_ERROR(a_->Eval(in, &a));
    return CastVec(a, type_, out, pos_, CastMode::kExplicit);
  }

 private:
  BoundPtr a_;
};

class FunctionExpr final : public BoundExpr {
 public:
  FunctionExpr(std::string name, ColumnType type, std::vector<BoundPtr> args, ScalarImpl impl,
               bool deterministic, int32_t pos)
      : BoundExpr(type, pos), name_(std::move(name)), args_(std::move(args)),
        impl_(std::move(impl)), deterministic_(deterministic) {}
  core::Status Eval(const Batch& in, Vec* out) const override {
    std::vector<Vec> vals(args_.size());
    for (size_t k = 0; k < args_.size(); ++k) RETURN_IF_ERROR(args_[k]->Eval(in, &vals[k]));
    out->Reset(type_, in.n);
    RETURN_IF_ERROR(impl_(vals, in.n, out));
    out->type = type_;
    out->n = in.n;
    return core::Status::Ok();
  }
  bool deterministic() const override {
    if (!deterministic_) return false;
    for (const auto& a : args_) {
      if (!a->deterministic()) return false;
    }
    return true;
  }

 private:
  std::string name_;
  std::vector<BoundPtr> args_;
  ScalarImpl impl_;
  bool deterministic_;
};

}  // namespace

BoundPtr MakeConstant(Value v, int32_t pos) { return std::make_shared<ConstantExpr>(std::move(v), pos); }
BoundPtr MakeColumnRef(int index, ColumnType type, int32_t pos) {
  return std::make_shared<ColumnRefExpr>(index, type, pos);
}
BoundPtr MakeArith(char op, BoundPtr l, BoundPtr r, ColumnType result, int32_t pos) {
  return std::make_shared<ArithExpr>(op, std::move(l), std::move(r), result, pos);
}
BoundPtr MakeNeg(BoundPtr arg, int32_t pos) { return std::make_shared<NegExpr>(std::move(arg), pos); }
BoundPtr MakeCompare(std::string_view op, BoundPtr l, BoundPtr r, CmpDomain domain, int32_t pos) {
  return std::make_shared<CompareExpr>(ParseOp(op), std::move(l), std::move(r), domain, pos);
}
BoundPtr MakeAnd(BoundPtr l, BoundPtr r, int32_t pos) {
  return std::make_shared<LogicExpr>(true, std::move(l), std::move(r), pos);
}
BoundPtr MakeOr(BoundPtr l, BoundPtr r, int32_t pos) {
  return std::make_shared<LogicExpr>(false, std::move(l), std::move(r), pos);
}
BoundPtr MakeNot(BoundPtr arg, int32_t pos) { return std::make_shared<NotExpr>(std::move(arg), pos); }
BoundPtr MakeIsNull(BoundPtr arg, bool negated, int32_t pos) {
  return std::make_shared<IsNullExpr>(std::move(arg), negated, pos);
}
BoundPtr MakeIn(BoundPtr arg, std::vector<Value> values, CmpDomain domain, bool negated, int32_t pos) {
  return std::make_shared<InExpr>(std::move(arg), std::move(values), domain, negated, pos);
}
BoundPtr MakeLike(BoundPtr arg, std::string pattern, bool ilike, bool negated, int32_t pos) {
  return std::make_shared<LikeExpr>(std::move(arg), std::move(pattern), ilike, negated, pos);
}
BoundPtr MakeRegex(BoundPtr arg, std::shared_ptr<const core::Regex> re, bool negated, int32_t pos) {
  return std::make_shared<RegexExpr>(std::move(arg), std::move(re), negated, pos);
}
BoundPtr MakeCase(std::vector<BoundPtr> whens, std::vector<BoundPtr> thens, BoundPtr else_expr,
                  ColumnType type, int32_t pos) {
  return std::make_shared<CaseExpr>(std::move(whens), std::move(thens), std::move(else_expr), type, pos);
}
BoundPtr MakeCast(BoundPtr arg, ColumnType to, int32_t pos) {
  return std::make_shared<CastExpr>(std::move(arg), to, pos);
}
BoundPtr MakeFunction(std::string name, ColumnType type, std::vector<BoundPtr> args,
                      ScalarImpl impl, bool deterministic, int32_t pos) {
  return std::make_shared<FunctionExpr>(std::move(name), type, std::move(args), std::move(impl),
                                        deterministic, pos);
}

core::Status EvalPredicate(const BoundExpr& e, const Batch& in, std::vector<uint8_t>* mask) {
  Vec v;
  RETURN_IF_ERROR(e.Eval(in, &v));
  mask->resize(in.n);
  for (size_t k = 0; k < in.n; ++k) (*mask)[k] = v.i[k] == 1;
  return core::Status::Ok();
}

}  // namespace sundial::sql
