// Hash/dense aggregation. Per batch: keys are encoded to int64 codes, codes to dense group
// ids, then each aggregate updates its state arrays with one tight loop over the batch.
#include "sql/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "core/timestamp.h"
#include "sql/interval.h"
#include "sql/lexer.h"
#include "sql/query_budget.h"
#include "sql/sample_grid.h"

namespace sundial::sql {

AggregateShape AggregateArgShape(std::string_view f) {
  if (f == "vwap" || f == "corr" || f == "covar_pop" || f == "covar_samp") return {2, 0, 0};
  if (f == "string_agg") return {1, 0, 1};
  if (f == "approx_percentile") return {1, 1, 2};
  return {1, 0, 0};
}

core::Status CheckAggregateParams(AggSpec& spec, int32_t pos) {
  if (spec.function == "approx_percentile") {
    for (Value& v : spec.params) {
      if (v.is_null || !IsNumeric(v.type)) {
        return core::Status::InvalidArgument("approx_percentile expects a numeric constant", pos);
      }
      if (PhysOf(v.type) != Phys::kF64) v = Value::Double(ColumnType::kDouble, static_cast<double>(v.i));
    }
    double p = spec.params[0].d;
    if (!(p >= 0 && p <= 1)) {
      return core::Status::InvalidArgument("percentile must be between 0.0 and 1.0", pos);
    }
  } else if (spec.function == "string_agg" && !spec.params.empty()) {
    if (!spec.params[0].is_null && !IsStringLike(spec.params[0].type)) {
      return core::Status::InvalidArgument("string_agg expects a text delimiter", pos);
    }
  }
  return core::Status::Ok();
}

core::Result<ColumnType> AggregateType(std::string_view f, const BoundExpr* arg, bool distinct,
                                       int32_t pos) {
  if (f == "count" || f == "count_distinct" || f == "approx_count_distinct") {
    return ColumnType::kLong;
  }
  if (!arg) {
    return core::Status::InvalidArgument("function `" + std::string(f) + "` requires arguments", pos);
  }
  ColumnType t = arg->type();
  if (f == "sum" || f == "ksum" || f == "nsum") {
    if (IsIntegral(t)) return ColumnType::kLong;
    if (PhysOf(t) == Phys::kF64) return f == "sum" ? t : ColumnType::kDouble;
  } else if (f == "avg" || f == "stddev" || f == "stddev_samp" || f == "stddev_pop" ||
             f == "variance" || f == "var_samp" || f == "var_pop" || f == "vwap" || f == "corr" ||
             f == "covar_pop" || f == "covar_samp" || f == "approx_percentile") {
    if (IsNumeric(t)) return ColumnType::kDouble;
  } else if (f == "mode") {
    if (IsNumeric(t) || IsTimeType(t) || t == ColumnType::kBoolean || IsStringLike(t)) {
      return t == ColumnType::kSymbol ? ColumnType::kVarchar : t;
    }
  } else if (f == "min" || f == "max") {
    if (IsNumeric(t) || IsTimeType(t) || t == ColumnType::kBoolean || IsStringLike(t)) {
      if (t == ColumnType::kByte || t == ColumnType::kShort) return ColumnType::kInt;
      return t == ColumnType::kSymbol ? ColumnType::kSymbol : t;
    }
  } else if (f == "first" || f == "last" || f == "first_not_null" || f == "last_not_null") {
    return t;
  } else if (f == "string_agg") {
    return ColumnType::kVarchar;
  } else if (f == "isordered") {
    if (IsNumeric(t) || IsTimeType(t)) return ColumnType::kBoolean;
  }
  return core::Status::InvalidArgument("unexpected argument type for `" + std::string(f) +
                                           "`: " + std::string(cairo::ColumnTypeName(t)),
                                       pos);
}

namespace {

// Interns strings to dense codes; keeps the bytes.
class Interner {
 public:
  int64_t Code(std::string_view s) {
    if (s.data() == nullptr) return -1;
    auto it = map_.find(s);
    if (it != map_.end()) return it->second;
    std::string_view stored = pool_.Add(s);
    int64_t code = static_cast<int64_t>(strings_.size());
    strings_.push_back(stored);
    map_.emplace(stored, code);
    return code;
  }
  std::string_view Get(int64_t code) const { return code < 0 ? std::string_view() : strings_[code]; }

 private:
  StringPool pool_;
  std::vector<std::string_view> strings_;
  std::unordered_map<std::string_view, int64_t> map_;
};

// Maps one key column's values to int64 codes that round-trip to output values.
class KeyEncoder {
 public:
  explicit KeyEncoder(ColumnType type) : type_(type) {}
  bool is_string() const { return IsStringLike(type_) || PhysOf(type_) == Phys::kStr; }

  void Encode(const Vec& v, size_t n, int64_t* out) {
    if (v.has_keys()) {
      if (v.symtab != dict_) {
        dict_ = v.symtab;
        dict_codes_.assign(static_cast<size_t>(dict_->size()), INT64_MIN);
      }
      for (size_t k = 0; k < n; ++k) {
        int64_t key = v.i[k];
        if (key < 0 || key >= static_cast<int64_t>(dict_codes_.size())) {
          out[k] = -1;
          continue;
        }
        int64_t& c = dict_codes_[key];
        if (c == INT64_MIN) c = interner_.Code(dict_->Value(static_cast<int32_t>(key)));
        out[k] = c;
      }
      return;
    }
    switch (v.phys()) {
      case Phys::kI64:
        if (n) std::memcpy(out, v.i, n * 8);
        break;
      case Phys::kF64:
        for (size_t k = 0; k < n; ++k) {
          double d = v.d[k];
          if (std::isnan(d)) d = std::nan("");
          if (d == 0) d = 0;
          std::memcpy(&out[k], &d, 8);
        }
        break;
      case Phys::kStr:
        for (size_t k = 0; k < n; ++k) out[k] = interner_.Code(v.s[k]);
        break;
    }
  }
  // Dense codes (strings) allow array-indexed group lookup.
  bool dense() const { return is_string(); }

  void Output(const std::vector<int64_t>& codes, Vec* out) {
    size_t n = codes.size();
    out->Reset(type_, n);
    if (is_string()) {
      std::string_view* p = out->AllocS(n);
      for (size_t k = 0; k < n; ++k) p[k] = interner_.Get(codes[k]);
      return;
    }
    if (PhysOf(type_) == Phys::kF64) {
      double* p = out->AllocD(n);
      if (n) std::memcpy(p, codes.data(), n * 8);
      return;
    }
    int64_t* p = out->AllocI(n);
    if (n) std::memcpy(p, codes.data(), n * 8);
  }
  std::string_view StringOf(int64_t code) const { return interner_.Get(code); }

 private:
  ColumnType type_;
  Interner interner_;
  const cairo::SymbolTable* dict_ = nullptr;
  std::vector<int64_t> dict_codes_;
};

// One aggregate's per-group state.
class AggState {
 public:
  AggState(const AggSpec& spec) : spec_(spec) {
    const std::string& f = spec.function;
    if (f == "count" || f == "count_distinct" || f == "approx_count_distinct") {
      kind_ = spec.distinct || f != "count" ? Kind::kCountDistinct : (spec.arg ? Kind::kCountCol : Kind::kCount);
    } else if (f == "sum" || f == "ksum" || f == "nsum") {
      kind_ = Kind::kSum;
    } else if (f == "avg") {
      kind_ = Kind::kAvg;
    } else if (f == "min") {
      kind_ = Kind::kMin;
    } else if (f == "max") {
      kind_ = Kind::kMax;
    } else if (f == "first" || f == "first_not_null") {
      kind_ = Kind::kFirst;
      skip_nulls_ = f == "first_not_null";
    } else if (f == "last" || f == "last_not_null") {
      kind_ = Kind::kLast;
      skip_nulls_ = f == "last_not_null";
    } else if (f == "string_agg") {
      kind_ = Kind::kStringAgg;
      delimiter_ = spec.params.empty() || spec.params[0].is_null ? "," : spec.params[0].s;
    } else if (f == "vwap") {
      kind_ = Kind::kVwap;
    } else if (f == "corr" || f == "covar_pop" || f == "covar_samp") {
      kind_ = Kind::kCovar;
    } else if (f == "approx_percentile") {
      kind_ = Kind::kPercentile;
      percentile_ = spec.params.empty() ? 0.5 : spec.params[0].d;
    } else if (f == "mode") {
      kind_ = Kind::kMode;
    } else if (f == "isordered") {
      kind_ = Kind::kIsOrdered;
    } else {
      kind_ = Kind::kVariance;
    }
    arg_type_ = spec.arg ? spec.arg->type() : ColumnType::kLong;
    is_str_ = IsStringLike(arg_type_) || PhysOf(arg_type_) == Phys::kStr;
    is_f64_ = PhysOf(arg_type_) == Phys::kF64;
  }

  void Resize(size_t groups) {
    cnt_.resize(groups, 0);
    if (kind_ == Kind::kCountDistinct) sets_.resize(groups);
    if (kind_ == Kind::kStringAgg) strs_.resize(groups);
    if (kind_ == Kind::kVariance || kind_ == Kind::kVwap || kind_ == Kind::kCovar) {
      mean_.resize(groups, 0);
      m2_.resize(groups, 0);
    }
    if (kind_ == Kind::kCovar) co_.resize(groups, {0, 0, 0});
    if (kind_ == Kind::kPercentile) values_.resize(groups);
    if (kind_ == Kind::kMode) counts_.resize(groups);
    if (kind_ == Kind::kIsOrdered) ordered_.resize(groups, 1);
    dv_.resize(groups, 0);
    iv_.resize(groups, 0);
  }

  // `b` is the second row argument's vector (vwap, corr, covar_*), else null.
  core::Status Update(const Vec& a, const Vec* b, const uint32_t* g, size_t n) {
    switch (kind_) {
      case Kind::kVwap:
      case Kind::kCovar: {
        // vwap: dv_ = sum(price * volume), mean_ = sum(volume), over rows where both are
        // non-null and the volume is positive. covar/corr: Welford-style co-moments.
        for (size_t k = 0; k < n; ++k) {
          double x = Num(a, k), y = Num(*b, k);
          if (x != x || y != y) continue;
          uint32_t gi = g[k];
          if (kind_ == Kind::kVwap) {
            if (y <= 0) continue;
            dv_[gi] += x * y;
            mean_[gi] += y;
            cnt_[gi]++;
            continue;
          }
          int64_t c = ++cnt_[gi];
          Comoment& m = co_[gi];
          double dx = x - m.mean_x;
          m.mean_x += dx / static_cast<double>(c);
          double dy = y - m.mean_y;
          m.mean_y += dy / static_cast<double>(c);
          m.c += dx * (y - m.mean_y);
          mean_[gi] += dx * (x - m.mean_x);  // M2 of x
          m2_[gi] += dy * (y - m.mean_y);    // M2 of y
        }
        return core::Status::Ok();
      }
      case Kind::kPercentile:
        for (size_t k = 0; k < n; ++k) {
          double x = Num(a, k);
          if (x == x) {
            values_[g[k]].push_back(x);
            held_bytes_ += 8;
          }
        }
        return core::Status::Ok();
      case Kind::kMode: {
        std::vector<int64_t> codes(n);
        KeyEncode(a, n, codes.data());
        for (size_t k = 0; k < n; ++k) {
          if (a.IsNull(k)) continue;
          auto& m = counts_[g[k]];
          auto it = m.find(codes[k]);
          // Count and first-seen order: ties go to the value seen first.
          if (it == m.end()) {
            m.emplace(codes[k], std::pair<int64_t, int64_t>{1, seen_++});
            held_bytes_ += 48;  // a hash node: key, count, order, links
          } else {
            it->second.first++;
          }
        }
        return core::Status::Ok();
      }
      case Kind::kIsOrdered:
        // Rows arrive in input order; a group stays ordered while each value is at least the
        // one before. NULL is the smallest value (as ORDER BY puts nulls first).
        for (size_t k = 0; k < n; ++k) {
          const uint32_t gi = g[k];
          if (a.phys() == Phys::kF64) {
            const double x = a.d[k] != a.d[k] ? -HUGE_VAL : a.d[k];
            if (cnt_[gi]++ && x < dv_[gi]) ordered_[gi] = 0;
            dv_[gi] = x;
          } else {
            const int64_t x = a.i[k];  // INT64_MIN is NULL: the smallest already
            if (cnt_[gi]++ && x < iv_[gi]) ordered_[gi] = 0;
            iv_[gi] = x;
          }
        }
        return core::Status::Ok();
      case Kind::kCount:
        for (size_t k = 0; k < n; ++k) cnt_[g[k]]++;
        return core::Status::Ok();
      case Kind::kCountCol:
        for (size_t k = 0; k < n; ++k) cnt_[g[k]] += !a.IsNull(k);
        return core::Status::Ok();
      case Kind::kCountDistinct: {
        std::vector<int64_t> codes(n);
        KeyEncode(a, n, codes.data());
        for (size_t k = 0; k < n; ++k) {
          if (!a.IsNull(k)) sets_[g[k]].insert(codes[k]);
        }
        return core::Status::Ok();
      }
      case Kind::kSum:
      case Kind::kAvg:
        if (is_f64_) {
          for (size_t k = 0; k < n; ++k) {
            double v = a.d[k];
            if (v == v) {
              dv_[g[k]] += v;
              cnt_[g[k]]++;
            }
          }
        } else {
          for (size_t k = 0; k < n; ++k) {
            int64_t v = a.i[k];
            if (v != kNullI64) {
              iv_[g[k]] += v;
              dv_[g[k]] += static_cast<double>(v);
              cnt_[g[k]]++;
            }
          }
        }
        return core::Status::Ok();
      case Kind::kMin:
      case Kind::kMax: {
        bool mx = kind_ == Kind::kMax;
        if (is_str_) {
          if (strs_.empty()) strs_.resize(cnt_.size());
          if (strs_.size() < cnt_.size()) strs_.resize(cnt_.size());
          for (size_t k = 0; k < n; ++k) {
            std::string_view s = a.Str(k);
            if (s.data() == nullptr) continue;
            uint32_t gi = g[k];
            if (!cnt_[gi] || (mx ? s > std::string_view(strs_[gi]) : s < std::string_view(strs_[gi]))) {
              strs_[gi] = std::string(s);
            }
            cnt_[gi] = 1;
          }
        } else if (is_f64_) {
          for (size_t k = 0; k < n; ++k) {
            double v = a.d[k];
            if (v != v) continue;
            uint32_t gi = g[k];
            if (!cnt_[gi] || (mx ? v > dv_[gi] : v < dv_[gi])) dv_[gi] = v;
            cnt_[gi] = 1;
          }
        } else {
          for (size_t k = 0; k < n; ++k) {
            int64_t v = a.i[k];
            if (v == kNullI64) continue;
            uint32_t gi = g[k];
            if (!cnt_[gi] || (mx ? v > iv_[gi] : v < iv_[gi])) iv_[gi] = v;
            cnt_[gi] = 1;
          }
        }
        return core::Status::Ok();
      }
      case Kind::kFirst:
      case Kind::kLast: {
        bool last = kind_ == Kind::kLast;
        if (is_str_ && strs_.size() < cnt_.size()) strs_.resize(cnt_.size());
        for (size_t k = 0; k < n; ++k) {
          uint32_t gi = g[k];
          if (!last && cnt_[gi]) continue;
          bool null = a.IsNull(k) && arg_type_ != ColumnType::kBoolean &&
                      arg_type_ != ColumnType::kByte && arg_type_ != ColumnType::kShort;
          if (skip_nulls_ && null) continue;
          cnt_[gi] = 1;
          nulls_.resize(cnt_.size(), 0);
          nulls_[gi] = null;
          if (is_str_) {
            std::string_view s = a.Str(k);
            strs_[gi] = s.data() ? std::string(s) : std::string();
          } else if (is_f64_) {
            dv_[gi] = a.d[k];
          } else {
            iv_[gi] = a.i[k];
          }
        }
        return core::Status::Ok();
      }
      case Kind::kStringAgg: {
        for (size_t k = 0; k < n; ++k) {
          std::string_view s = a.Str(k);
          if (s.data() == nullptr) continue;
          uint32_t gi = g[k];
          if (cnt_[gi]) strs_[gi].append(delimiter_);
          strs_[gi].append(s);
          cnt_[gi] = 1;
        }
        return core::Status::Ok();
      }
      case Kind::kVariance: {
        for (size_t k = 0; k < n; ++k) {
          double v = is_f64_ ? a.d[k] : (a.i[k] == kNullI64 ? std::nan("") : static_cast<double>(a.i[k]));
          if (v != v) continue;
          uint32_t gi = g[k];
          int64_t c = ++cnt_[gi];
          double d = v - mean_[gi];
          mean_[gi] += d / static_cast<double>(c);
          m2_[gi] += d * (v - mean_[gi]);
        }
        return core::Status::Ok();
      }
    }
    return core::Status::Ok();
  }

  // Value of group g as a Value (for fills) and bulk output.
  Value Get(size_t gi) const {
    ColumnType t = spec_.type;
    switch (kind_) {
      case Kind::kCount:
      case Kind::kCountCol: return Value::Long(t, cnt_[gi]);
      case Kind::kIsOrdered:
        return Value::Long(t, ordered_[gi]);
      case Kind::kCountDistinct: return Value::Long(t, static_cast<int64_t>(sets_[gi].size()));
      case Kind::kSum:
        if (!cnt_[gi]) return Value::Null(t);
        return PhysOf(t) == Phys::kF64 ? Value::Double(t, dv_[gi]) : Value::Long(t, iv_[gi]);
      case Kind::kAvg:
        if (!cnt_[gi]) return Value::Null(t);
        return Value::Double(t, dv_[gi] / static_cast<double>(cnt_[gi]));
      case Kind::kMin:
      case Kind::kMax:
      case Kind::kFirst:
      case Kind::kLast:
        if (!cnt_[gi] || (!nulls_.empty() && gi < nulls_.size() && nulls_[gi])) return Value::Null(t);
        if (is_str_) return Value::Str(t, strs_[gi]);
        if (PhysOf(t) == Phys::kF64) return Value::Double(t, dv_[gi]);
        return Value::Long(t, iv_[gi]);
      case Kind::kStringAgg:
        if (!cnt_[gi]) return Value::Null(t);
        return Value::Str(t, strs_[gi]);
      case Kind::kVwap:
        if (!cnt_[gi] || mean_[gi] == 0) return Value::Null(t);
        return Value::Double(t, dv_[gi] / mean_[gi]);
      case Kind::kCovar: {
        const std::string& f = spec_.function;
        int64_t c = cnt_[gi];
        if (c == 0 || (f != "covar_pop" && c < 2)) return Value::Null(t);
        const Comoment& m = co_[gi];
        if (f == "corr") {
          double den = std::sqrt(mean_[gi] * m2_[gi]);
          if (den == 0) return Value::Null(t);
          return Value::Double(t, m.c / den);
        }
        return Value::Double(t, m.c / static_cast<double>(f == "covar_pop" ? c : c - 1));
      }
      case Kind::kPercentile: {
        // Nearest rank: the smallest value with at least `percentile` of the values at or
        // below it.
        std::vector<double>& v = const_cast<std::vector<double>&>(values_[gi]);
        if (v.empty()) return Value::Null(t);
        double rank = std::ceil(percentile_ * static_cast<double>(v.size()));
        size_t idx = rank < 1 ? 0 : std::min(v.size() - 1, static_cast<size_t>(rank) - 1);
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
        return Value::Double(t, v[idx]);
      }
      case Kind::kMode: {
        const auto& m = counts_[gi];
        if (m.empty()) return Value::Null(t);
        auto best = m.begin();
        for (auto it = m.begin(); it != m.end(); ++it) {
          if (it->second.first > best->second.first ||
              (it->second.first == best->second.first && it->second.second < best->second.second)) {
            best = it;
          }
        }
        int64_t code = best->first;
        if (is_str_) return Value::Str(t, std::string(distinct_encoder_->StringOf(code)));
        if (is_f64_) {
          double d;
          std::memcpy(&d, &code, 8);
          return Value::Double(t, d);
        }
        return Value::Long(t, code);
      }
      case Kind::kVariance: {
        const std::string& f = spec_.function;
        bool pop = f == "stddev_pop" || f == "var_pop";
        int64_t c = cnt_[gi];
        if (c == 0 || (!pop && c < 2)) return Value::Null(t);
        double var = m2_[gi] / static_cast<double>(pop ? c : c - 1);
        bool sd = f.rfind("stddev", 0) == 0;
        return Value::Double(t, sd ? std::sqrt(var) : var);
      }
    }
    return Value::Null(t);
  }

  // Fast bulk output for the common numeric kinds.
  void Output(const std::vector<uint32_t>& groups, Vec* out) const {
    ColumnType t = spec_.type;
    size_t n = groups.size();
    out->Reset(t, n);
    Phys p = t == ColumnType::kSymbol ? Phys::kStr : PhysOf(t);
    if (p == Phys::kStr) {
      std::string_view* o = out->AllocS(n);
      StringPool* pool = out->Pool();
      for (size_t k = 0; k < n; ++k) {
        Value v = Get(groups[k]);
        o[k] = v.is_null ? std::string_view() : pool->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0) : std::string_view(v.s));
      }
      return;
    }
    if (p == Phys::kF64) {
      double* o = out->AllocD(n);
      for (size_t k = 0; k < n; ++k) {
        Value v = Get(groups[k]);
        o[k] = v.is_null ? std::nan("") : v.d;
      }
      return;
    }
    int64_t* o = out->AllocI(n);
    for (size_t k = 0; k < n; ++k) {
      Value v = Get(groups[k]);
      o[k] = v.is_null ? kNullI64 : v.i;
    }
  }

  const AggSpec& spec() const { return spec_; }
  // Bytes held per value rather than per group (approx_percentile's values, mode's counts),
  // for the query's memory budget.
  int64_t held_bytes() const { return held_bytes_; }

 private:
  enum class Kind {
    kCount,
    kCountCol,
    kCountDistinct,
    kSum,
    kAvg,
    kMin,
    kMax,
    kFirst,
    kLast,
    kStringAgg,
    kVariance,
    kVwap,
    kCovar,
    kPercentile,
    kMode,
    kIsOrdered
  };
  struct Comoment {
    double mean_x, mean_y, c;
  };

  static double Num(const Vec& v, size_t k) {
    if (v.phys() == Phys::kF64) return v.d[k];
    return v.i[k] == kNullI64 ? std::nan("") : static_cast<double>(v.i[k]);
  }

  void KeyEncode(const Vec& a, size_t n, int64_t* out) {
    if (!distinct_encoder_) distinct_encoder_ = std::make_unique<KeyEncoder>(a.type);
    distinct_encoder_->Encode(a, n, out);
  }

  AggSpec spec_;
  Kind kind_;
  ColumnType arg_type_;
  bool is_str_ = false, is_f64_ = false, skip_nulls_ = false;
  std::vector<int64_t> cnt_;
  std::vector<double> dv_, mean_, m2_;
  std::vector<int64_t> iv_;
  std::vector<uint8_t> nulls_;
  std::vector<std::string> strs_;
  std::vector<std::unordered_set<int64_t>> sets_;
  std::vector<Comoment> co_;
  std::vector<std::vector<double>> values_;
  // mode: per group, value code -> (count, first-seen order).
  std::vector<std::unordered_map<int64_t, std::pair<int64_t, int64_t>>> counts_;
  std::vector<uint8_t> ordered_;  // isOrdered: the group is still in order
  int64_t seen_ = 0;
  int64_t held_bytes_ = 0;
  std::string delimiter_ = ",";
  double percentile_ = 0.5;
  std::unique_ptr<KeyEncoder> distinct_encoder_;
};

struct TupleHash {
  size_t operator()(const std::string& s) const { return std::hash<std::string>()(s); }
};

class AggregateOp final : public Operator {
 public:
  ExplainNode Explain() const override {
    std::string line = spec_.sample ? "SampleBy " + std::to_string(spec_.sample->stride) +
                                          std::string(1, spec_.sample->unit)
                                    : std::string("GroupBy");
    ExplainNode node{line, {}, {child_.get()}};
    // Keys are expressions computed from the input (their types shown); values are named by
    // their function.
    std::string keys, values;
    for (const auto& k : spec_.keys) {
      keys += (keys.empty() ? "" : ", ") + std::string(cairo::ColumnTypeName(k->type()));
    }
    for (const auto& a : spec_.aggs) values += (values.empty() ? "" : ", ") + a.function;
    if (!keys.empty()) node.details.push_back("keys: [" + keys + "]");
    node.details.push_back("values: [" + values + "]");
    if (spec_.sample && !spec_.sample->fills.empty()) node.details.push_back("fill");
    return node;
  }
  AggregateOp(OpPtr child, AggregateSpec spec) : child_(std::move(child)), spec_(std::move(spec)) {
    if (spec_.sample) {
      grid_.emplace(*spec_.sample);
      cols_.push_back({spec_.sample->bucket_name, ColumnType::kTimestamp, ""});
      ts_index_ = 0;
    }
    for (size_t k = 0; k < spec_.keys.size(); ++k) {
      cols_.push_back({spec_.key_names[k], spec_.keys[k]->type(), ""});
      encoders_.emplace_back(spec_.keys[k]->type());
    }
    for (const auto& a : spec_.aggs) {
      cols_.push_back({a.name, a.type, ""});
      states_.emplace_back(a);
    }
    width_ = spec_.keys.size() + (spec_.sample ? 1 : 0);
  }

  core::Result<bool> Next(Batch* out) override {
    if (!done_) {
      RETURN_IF_ERROR(Consume());
      RETURN_IF_ERROR(BuildOutput());
      done_ = true;
    }
    if (pos_ >= out_rows_) return false;
    size_t hi = std::min(out_rows_, pos_ + kBatchRows);
    std::vector<uint32_t> rows(hi - pos_);
    std::iota(rows.begin(), rows.end(), static_cast<uint32_t>(pos_));
    out->n = rows.size();
    out->cols.resize(result_.cols.size());
    for (size_t c = 0; c < result_.cols.size(); ++c) {
      GatherVec(result_.cols[c], rows.data(), rows.size(), &out->cols[c]);
    }
    pos_ = hi;
    return true;
  }

 private:
  // What the group tables hold, roughly: key tuples, hash entries, aggregate states.
  int64_t EstimatedBytes() const {
    const int64_t per_group = static_cast<int64_t>(width_ * 8 + states_.size() * 40) +
                              (map_.empty() ? 0 : static_cast<int64_t>(80 + width_ * 8));
    int64_t held = 0;
    for (const auto& st : states_) held += st.held_bytes();
    return static_cast<int64_t>(ngroups_) * per_group + static_cast<int64_t>(dense_.capacity() * 4) +
           held;
  }

  uint32_t NewGroup(const int64_t* tuple) {
    uint32_t g = static_cast<uint32_t>(ngroups_++);
    group_tuples_.insert(group_tuples_.end(), tuple, tuple + width_);
    return g;
  }

  core::Status Consume() {
    Batch in;
    std::vector<Vec> keyv(spec_.keys.size());
    std::vector<Vec> argv(states_.size());
    std::vector<Vec> argv2;
    std::vector<std::vector<int64_t>> codes(width_);
    std::vector<uint32_t> gids;
    const bool single_sym = !spec_.sample && spec_.keys.size() == 1;
    bool no_keys = width_ == 0;
    if (no_keys) {
      int64_t dummy = 0;
      NewGroup(&dummy);
      for (auto& s : states_) s.Resize(1);
    }
    std::string tuple_bytes;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, child_->Next(&in));
      if (!more) break;
      const size_t n = in.n;
      if (n == 0) continue;
      gids.resize(n);
      // Codes for the bucket and the keys.
      size_t w = 0;
      if (spec_.sample) {
        const Vec& tsv = in.cols[spec_.sample->ts_column];
        codes[0].resize(n);
        if (!grid_->anchored()) {
          for (size_t k = 0; k < n; ++k) {
            if (tsv.i[k] != kNullI64) {
              grid_->Anchor(tsv.i[k]);
              break;
            }
          }
          if (!grid_->anchored()) continue;
        }
        int64_t* c0 = codes[0].data();
        const SampleGrid& grid = *grid_;
        for (size_t k = 0; k < n; ++k) {
          c0[k] = tsv.i[k] == kNullI64 ? kNullI64 : grid.Floor(tsv.i[k]);
        }
        w = 1;
      }
      for (size_t k = 0; k < spec_.keys.size(); ++k) {
        RETURN_IF_ERROR(spec_.keys[k]->Eval(in, &keyv[k]));
        codes[w + k].resize(n);
        encoders_[k].Encode(keyv[k], n, codes[w + k].data());
      }
      if (no_keys) {
        std::fill(gids.begin(), gids.end(), 0u);
      } else if (width_ == 1 && (single_sym ? encoders_[0].dense() : false)) {
        // Dense codes: array lookup.
        const int64_t* c = codes[0].data();
        for (size_t k = 0; k < n; ++k) {
          size_t slot = static_cast<size_t>(c[k] + 1);
          if (slot >= dense_.size()) dense_.resize(std::max(slot + 1, dense_.size() * 2), UINT32_MAX);
          uint32_t g = dense_[slot];
          if (g == UINT32_MAX) {
            g = dense_[slot] = NewGroup(&c[k]);
          }
          gids[k] = g;
        }
      } else if (spec_.sample && width_ == 2 && encoders_[0].dense()) {
        // SAMPLE BY with one string/symbol key: a dense table for the current bucket, the
        // hash map for buckets seen before (input out of time order).
        const int64_t* b = codes[0].data();
        const int64_t* c = codes[1].data();
        for (size_t k = 0; k < n; ++k) {
          if (b[k] != cur_bucket_) {
            for (size_t s : touched_) dense_[s] = UINT32_MAX;
            touched_.clear();
            cur_bucket_ = b[k];
          }
          size_t slot = static_cast<size_t>(c[k] + 1);
          if (slot >= dense_.size()) dense_.resize(std::max(slot + 1, dense_.size() * 2), UINT32_MAX);
          uint32_t g = dense_[slot];
          if (g == UINT32_MAX) {
            int64_t t[2] = {b[k], c[k]};
            tuple_bytes.assign(reinterpret_cast<const char*>(t), 16);
            auto it = map_.find(tuple_bytes);
            if (it == map_.end()) {
              g = NewGroup(t);
              map_.emplace(tuple_bytes, g);
            } else {
              g = it->second;
            }
            dense_[slot] = g;
            touched_.push_back(slot);
          }
          gids[k] = g;
        }
      } else {
        std::vector<int64_t> t(width_);
        for (size_t k = 0; k < n; ++k) {
          for (size_t j = 0; j < width_; ++j) t[j] = codes[j][k];
          tuple_bytes.assign(reinterpret_cast<const char*>(t.data()), width_ * 8);
          auto it = map_.find(tuple_bytes);
          uint32_t g;
          if (it == map_.end()) {
            g = NewGroup(t.data());
            map_.emplace(tuple_bytes, g);
          } else {
            g = it->second;
          }
          gids[k] = g;
        }
      }
      RETURN_IF_ERROR(CheckQueryTime());
      RETURN_IF_ERROR(memory_.Update(EstimatedBytes()));
      for (size_t a = 0; a < states_.size(); ++a) {
        states_[a].Resize(ngroups_);
        if (spec_.aggs[a].arg) {
          RETURN_IF_ERROR(spec_.aggs[a].arg->Eval(in, &argv[a]));
          argv[a].n = n;
        } else {
          argv[a].Reset(ColumnType::kLong, n);
        }
        const Vec* second = nullptr;
        if (spec_.aggs[a].arg2) {
          argv2.resize(states_.size());
          RETURN_IF_ERROR(spec_.aggs[a].arg2->Eval(in, &argv2[a]));
          argv2[a].n = n;
          second = &argv2[a];
        }
        RETURN_IF_ERROR(states_[a].Update(argv[a], second, gids.data(), n));
      }
    }
    for (auto& s : states_) s.Resize(ngroups_);
    return core::Status::Ok();
  }

  core::Status BuildOutput() {
    std::vector<uint32_t> order(ngroups_);
    std::iota(order.begin(), order.end(), 0u);
    const size_t w = width_;
    bool fill = false;
    if (spec_.sample) {
      for (FillKind f : spec_.sample->fills) fill |= f != FillKind::kNone;
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return group_tuples_[a * w] < group_tuples_[b * w];
      });
    }
    // With FROM and TO the range is known even without rows; a keyed query without rows has no
    // key to fill for.
    const bool has_range = spec_.sample && spec_.sample->has_from && spec_.sample->has_to;
    if (spec_.sample && fill && (ngroups_ > 0 || (has_range && encoders_.empty()))) {
      return BuildFilled(order);
    }
    // Plain output: bucket codes, key codes, aggregate values.
    result_.cols.assign(cols_.size(), Vec());
    size_t c = 0;
    if (spec_.sample) {
      Vec& b = result_.cols[c++];
      b.Reset(ColumnType::kTimestamp, order.size());
      int64_t* p = b.AllocI(order.size());
      for (size_t k = 0; k < order.size(); ++k) p[k] = group_tuples_[order[k] * w];
    }
    size_t koff = spec_.sample ? 1 : 0;
    for (size_t k = 0; k < encoders_.size(); ++k) {
      std::vector<int64_t> codes(order.size());
      for (size_t r = 0; r < order.size(); ++r) codes[r] = group_tuples_[order[r] * w + koff + k];
      encoders_[k].Output(codes, &result_.cols[c++]);
    }
    for (auto& s : states_) s.Output(order, &result_.cols[c++]);
    out_rows_ = order.size();
    return core::Status::Ok();
  }

  // SAMPLE BY ... FILL: every bucket from the first to the last (FROM / TO when given), for every
  // key combination that has a row in the range.
  core::Status BuildFilled(const std::vector<uint32_t>& order) {
    const size_t w = width_;
    const SampleSpec& s = *spec_.sample;
    // Series = distinct key tuples (without the bucket) in first-seen order.
    std::unordered_map<std::string, size_t> series_index;
    std::vector<std::vector<int64_t>> series;
    std::vector<size_t> group_series(ngroups_);
    for (uint32_t g = 0; g < ngroups_; ++g) {
      std::string key(reinterpret_cast<const char*>(&group_tuples_[g * w + 1]), (w - 1) * 8);
      auto it = series_index.find(key);
      if (it == series_index.end()) {
        it = series_index.emplace(key, series.size()).first;
        series.emplace_back(group_tuples_.begin() + g * w + 1, group_tuples_.begin() + (g + 1) * w);
      }
      group_series[g] = it->second;
    }
    if (series.empty()) series.emplace_back();  // no rows: the one series of a non-keyed query
    // Buckets: from FROM's (else the first row's) to the last one starting before TO (else the
    // last row's).
    if (s.has_from) grid_->Anchor(s.from_utc_us);
    int64_t first = s.has_from ? grid_->Floor(s.from_utc_us) : group_tuples_[order.front() * w];
    int64_t last = group_tuples_.empty() ? first : group_tuples_[order.back() * w];
    std::vector<int64_t> buckets;
    for (int64_t b = first; s.has_to ? b < s.to_utc_us : b <= last;) {
      buckets.push_back(b);
      if (buckets.size() * series.size() > 10'000'000) {
        return core::Status::ResourceExhausted("SAMPLE BY FILL would produce too many rows");
      }
      int64_t next = grid_->Next(b);
      if (next <= b) break;
      b = next;
    }
    std::unordered_map<int64_t, size_t> bucket_index;
    for (size_t k = 0; k < buckets.size(); ++k) bucket_index[buckets[k]] = k;
    // cell[bucket][series] = group or -1
    std::vector<int64_t> cell(buckets.size() * series.size(), -1);
    for (uint32_t g = 0; g < ngroups_; ++g) {
      auto it = bucket_index.find(group_tuples_[g * w]);
      if (it == bucket_index.end()) continue;
      cell[it->second * series.size() + group_series[g]] = g;
    }
    size_t rows = buckets.size() * series.size();
    const size_t na = states_.size();
    std::vector<std::vector<Value>> vals(na, std::vector<Value>(rows));
    std::vector<std::vector<uint8_t>> present(na, std::vector<uint8_t>(rows, 0));
    for (size_t a = 0; a < na; ++a) {
      FillKind fk = a < s.fills.size() ? s.fills[a] : (s.fills.empty() ? FillKind::kNone : s.fills.back());
      ColumnType t = spec_.aggs[a].type;
      for (size_t si = 0; si < series.size(); ++si) {
        int64_t prev_row = -1;
        for (size_t bi = 0; bi < buckets.size(); ++bi) {
          size_t r = bi * series.size() + si;
          int64_t g = cell[r];
          if (g >= 0) {
            vals[a][r] = states_[a].Get(static_cast<size_t>(g));
            present[a][r] = 1;
            if (fk == FillKind::kLinear && prev_row >= 0 && static_cast<size_t>(prev_row) + series.size() < r) {
              // Interpolate the gap since prev_row.
              const Value& v0 = vals[a][prev_row];
              const Value& v1 = vals[a][r];
              size_t b0 = static_cast<size_t>(prev_row) / series.size();
              for (size_t bj = b0 + 1; bj < bi; ++bj) {
                size_t rr = bj * series.size() + si;
                if (v0.is_null || v1.is_null) {
                  vals[a][rr] = Value::Null(t);
                } else {
                  double x0 = PhysOf(t) == Phys::kF64 ? v0.d : static_cast<double>(v0.i);
                  double x1 = PhysOf(t) == Phys::kF64 ? v1.d : static_cast<double>(v1.i);
                  double f = static_cast<double>(buckets[bj] - buckets[b0]) /
                             static_cast<double>(buckets[bi] - buckets[b0]);
                  double y = x0 + (x1 - x0) * f;
                  vals[a][rr] = PhysOf(t) == Phys::kF64 ? Value::Double(t, y)
                                                        : Value::Long(t, static_cast<int64_t>(y));
                }
                present[a][rr] = 1;
              }
            }
            prev_row = static_cast<int64_t>(r);
            continue;
          }
          switch (fk) {
            case FillKind::kNone: break;
            case FillKind::kNull: vals[a][r] = Value::Null(t); present[a][r] = 1; break;
            case FillKind::kPrev:
              vals[a][r] = prev_row >= 0 ? vals[a][prev_row] : Value::Null(t);
              present[a][r] = 1;
              prev_row = static_cast<int64_t>(r);
              break;
            case FillKind::kLinear:
              // Between two rows the gap is interpolated below; before the first or after the
              // last row of an explicit FROM/TO range there is nothing to interpolate: NULL.
              vals[a][r] = Value::Null(t);
              present[a][r] = s.has_from || s.has_to ? 1 : 0;
              break;
            case FillKind::kValue: {
              Value v = a < s.fill_values.size() ? s.fill_values[a] : s.fill_values.back();
              vals[a][r] = v;
              present[a][r] = 1;
              break;
            }
          }
        }
      }
    }
    // A row is emitted if it had data or every aggregate filled it.
    std::vector<uint32_t> emit;
    for (size_t r = 0; r < rows; ++r) {
      bool any_missing = false;
      for (size_t a = 0; a < na; ++a) any_missing |= !present[a][r];
      if (cell[r] >= 0 || !any_missing) emit.push_back(static_cast<uint32_t>(r));
    }
    result_.cols.assign(cols_.size(), Vec());
    Vec& bv = result_.cols[0];
    bv.Reset(ColumnType::kTimestamp, emit.size());
    int64_t* bp = bv.AllocI(emit.size());
    for (size_t k = 0; k < emit.size(); ++k) bp[k] = buckets[emit[k] / series.size()];
    for (size_t k = 0; k < encoders_.size(); ++k) {
      std::vector<int64_t> codes(emit.size());
      for (size_t r = 0; r < emit.size(); ++r) codes[r] = series[emit[r] % series.size()][k];
      encoders_[k].Output(codes, &result_.cols[1 + k]);
    }
    for (size_t a = 0; a < na; ++a) {
      Vec& v = result_.cols[1 + encoders_.size() + a];
      ColumnType t = spec_.aggs[a].type;
      v.Reset(t, emit.size());
      Phys p = t == ColumnType::kSymbol ? Phys::kStr : PhysOf(t);
      if (p == Phys::kF64) {
        double* o = v.AllocD(emit.size());
        for (size_t k = 0; k < emit.size(); ++k) {
          const Value& x = vals[a][emit[k]];
          o[k] = x.is_null ? std::nan("") : (PhysOf(x.type) == Phys::kF64 ? x.d : static_cast<double>(x.i));
        }
      } else if (p == Phys::kI64) {
        int64_t* o = v.AllocI(emit.size());
        for (size_t k = 0; k < emit.size(); ++k) {
          const Value& x = vals[a][emit[k]];
          o[k] = x.is_null ? kNullI64 : (PhysOf(x.type) == Phys::kF64 ? static_cast<int64_t>(x.d) : x.i);
        }
      } else {
        std::string_view* o = v.AllocS(emit.size());
        for (size_t k = 0; k < emit.size(); ++k) {
          const Value& x = vals[a][emit[k]];
          o[k] = x.is_null ? std::string_view() : v.Pool()->Add(x.s);
        }
      }
    }
    out_rows_ = emit.size();
    return core::Status::Ok();
  }

  OpPtr child_;
  AggregateSpec spec_;
  std::vector<KeyEncoder> encoders_;
  std::vector<AggState> states_;
  size_t width_ = 0;
  size_t ngroups_ = 0;
  std::vector<int64_t> group_tuples_;
  std::vector<uint32_t> dense_;
  std::vector<size_t> touched_;
  int64_t cur_bucket_ = INT64_MIN;
  std::unordered_map<std::string, uint32_t, TupleHash> map_;
  MemoryCharge memory_;  // this operator's share of the query's memory
  std::optional<SampleGrid> grid_;
  bool done_ = false;
  Batch result_;
  size_t out_rows_ = 0, pos_ = 0;
};

}  // namespace

OpPtr MakeAggregate(OpPtr child, AggregateSpec spec) {
  return std::make_unique<AggregateOp>(std::move(child), std::move(spec));
}

}  // namespace sundial::sql
