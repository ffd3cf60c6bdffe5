// Conversions between column types (CAST, INSERT coercion, UNION type unification) and
// constant vectors.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/number_format.h"
#include "core/timestamp.h"
#include "sql/expr.h"
#include "sql/lexer.h"

namespace sundial::sql {

std::string FormatDouble(double v) {
  std::string out;
  core::AppendDouble(&out, v);
  return out;
}

bool IsImplicitlyConvertible(ColumnType from, ColumnType to) {
  if (from == to) return true;
  if (IsNumeric(from) && IsNumeric(to)) return true;
  if (IsStringLike(from) && IsStringLike(to)) return true;
  if (IsStringLike(from) && (IsTimeType(to) || to == ColumnType::kChar)) return true;
  if (IsTimeType(from) && IsTimeType(to)) return true;
  if (IsIntegral(from) && IsTimeType(to)) return true;
  if (from == ColumnType::kChar && IsStringLike(to)) return true;
  return false;
}

void FillConstant(const Value& v, size_t n, Vec* out) {
  out->Reset(v.type, n);
  switch (PhysOf(v.type)) {
    case Phys::kF64: {
      double* p = out->AllocD(n);
      double x = v.is_null ? std::nan("") : v.d;
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
    case Phys::kStr: {
      std::string_view* p = out->AllocS(n);
      std::string_view x;
      if (!v.is_null) x = out->Pool()->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                                       : std::string_view(v.s));
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
    case Phys::kI64: {
      if (v.type == ColumnType::kSymbol) {  // a symbol constant is a string without a dictionary
        std::string_view* p = out->AllocS(n);
        std::string_view x;
        if (!v.is_null) x = out->Pool()->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0)
                                                         : std::string_view(v.s));
        for (size_t r = 0; r < n; ++r) p[r] = x;
        break;
      }
      int64_t* p = out->AllocI(n);
      int64_t x = v.is_null ? kNullI64 : v.i;
      for (size_t r = 0; r < n; ++r) p[r] = x;
      break;
    }
  }
}

Value ValueAt(const Vec& v, size_t r) {
  Value out;
  out.type = v.type;
  out.is_null = v.IsNull(r);
  if (out.is_null) return out;
  switch (v.phys()) {
    case Phys::kI64:
      if (v.has_keys()) {
        out.s = std::string(v.Str(r));
      } else {
        out.i = v.i[r];
      }
      break;
    case Phys::kF64: out.d = v.d[r]; break;
    case Phys::kStr: out.s = std::string(v.s[r]); break;
  }
  return out;
}

namespace {

std::string TypeLabel(ColumnType t) { return std::string(cairo::ColumnTypeName(t)); }

core::Status Inconvertible(std::string_view text, ColumnType from, ColumnType to, int32_t pos) {
  return core::Status::InvalidArgument("inconvertible value: `" + std::string(text) + "` [" +
                                           TypeLabel(from) + " -> " + TypeLabel(to) + "]",
                                       pos);
}

bool ParseLong(std::string_view s, int64_t* out) {
  std::string t(s);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  size_t b = 0;
  while (b < t.size() && t[b] == ' ') ++b;
  if (b == t.size()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str() + b, &end, 10);
  if (errno != 0 || *end != 0) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  std::string t(s);
  if (t.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  while (*end == ' ') ++end;
  if (*end != 0) return false;
  *out = v;
  return true;
}

int64_t RangeLimit(ColumnType t, int64_t v, bool* ok) {
  *ok = true;
  switch (t) {
    case ColumnType::kByte: return static_cast<int8_t>(v);
    case ColumnType::kShort: return static_cast<int16_t>(v);
    case ColumnType::kChar: return static_cast<uint16_t>(v);
    case ColumnType::kInt: {
      int32_t x = static_cast<int32_t>(v);
      if (x == cairo::kNullInt) return kNullI64;
      return x;
    }
    case ColumnType::kBoolean: return v != 0;
    default: return v;
  }
}

}  // namespace

core::Status CheckImplicitNarrowing(const Vec& in, ColumnType to, int32_t pos) {
  const ColumnType from = in.type;
  if (in.phys() != Phys::kI64 || !IsIntegral(from) || from == ColumnType::kChar) {
    return core::Status::Ok();
  }
  int64_t lo = 0, hi = 0;
  switch (to) {
    case ColumnType::kByte: lo = INT8_MIN; hi = INT8_MAX; break;
    case ColumnType::kShort: lo = INT16_MIN; hi = INT16_MAX; break;
    case ColumnType::kInt: lo = INT32_MIN; hi = INT32_MAX; break;
    default: return core::Status::Ok();
  }
  if (cairo::ColumnTypeSize(from) <= cairo::ColumnTypeSize(to)) return core::Status::Ok();
  for (size_t r = 0; r < in.n; ++r) {
    const int64_t x = in.i[r];
    if (x == kNullI64 || (x >= lo && x <= hi)) continue;
    return core::Status::InvalidArgument("inconvertible value: " + std::to_string(x) + " [" +
                                             TypeLabel(from) + " -> " + TypeLabel(to) + "]",
                                         pos);
  }
  return core::Status::Ok();
}

core::Status CastVec(const Vec& in, ColumnType to, Vec* out, int32_t pos) {
  const size_t n = in.n;
  ColumnType from = in.type;
  if (from == to && !(to == ColumnType::kSymbol && in.symtab)) {
    // A copy, not a view: `in` is often a temporary (an expression's result) that dies when
    // the caller returns. Views of pinned storage stay views; data `in` owns is copied.
    *out = in;
    return core::Status::Ok();
  }
  Vec res;
  res.Reset(to, n);
  Phys fp = in.phys();
  bool from_str = fp == Phys::kStr || in.has_keys();
  switch (PhysOf(to)) {
    case Phys::kF64: {
      double* p = res.AllocD(n);
      for (size_t r = 0; r < n; ++r) {
        if (in.IsNull(r)) {
          p[r] = std::nan("");
        } else if (from_str) {
          std::string_view s = in.Str(r);
          if (!ParseDouble(s, &p[r])) return Inconvertible(s, from, to, pos);
        } else if (fp == Phys::kF64) {
          p[r] = to == ColumnType::kFloat ? static_cast<float>(in.d[r]) : in.d[r];
        } else {
          p[r] = static_cast<double>(in.i[r]);
        }
      }
      break;
    }
    case Phys::kI64: {
      if (to == ColumnType::kSymbol) {
        std::string_view* p = res.AllocS(n);
        StringPool* pool = nullptr;
        for (size_t r = 0; r < n; ++r) {
          if (in.IsNull(r)) {
            p[r] = {};
          } else if (from_str) {
            p[r] = in.Str(r);
          } else {
            Value v = ValueAt(in, r);
            ASSIGN_OR_RETURN(Value sv, CastValue(v, ColumnType::kVarchar, pos));
            if (!pool) pool = res.Pool();
            p[r] = pool->Add(sv.s);
          }
        }
        if (in.pool && !pool) res.pool = in.pool;
        break;
      }
      int64_t* p = res.AllocI(n);
      for (size_t r = 0; r < n; ++r) {
        bool nullable_from = !(from == ColumnType::kBoolean || from == ColumnType::kByte ||
                               from == ColumnType::kShort);
        if (nullable_from && in.IsNull(r)) {
          p[r] = (to == ColumnType::kBoolean || to == ColumnType::kByte ||
                  to == ColumnType::kShort || to == ColumnType::kChar)
                     ? 0
                     : kNullI64;
          continue;
        }
        if (from_str) {
          std::string_view s = in.Str(r);
          if (IsTimeType(to)) {
            auto ts = core::ParseTimestamp(s);
            if (!ts.ok()) {
              int64_t raw;
              if (ParseLong(s, &raw)) {
                p[r] = raw;
                continue;
              }
              return Inconvertible(s, from, to, pos);
            }
            p[r] = to == ColumnType::kDate ? core::FloorDiv(*ts, 1000) : *ts;
          } else if (to == ColumnType::kBoolean) {
            if (EqualsIgnoreCase(s, "true")) {
              p[r] = 1;
            } else if (EqualsIgnoreCase(s, "false")) {
              p[r] = 0;
            } else {
              return Inconvertible(s, from, to, pos);
            }
          } else if (to == ColumnType::kChar) {
            if (s.size() != 1) return Inconvertible(s, from, to, pos);
            p[r] = static_cast<unsigned char>(s[0]);
          } else {
            int64_t v;
            if (!ParseLong(s, &v)) {
              double dv;
              if (!ParseDouble(s, &dv) || std::isnan(dv)) return Inconvertible(s, from, to, pos);
              v = static_cast<int64_t>(dv);
            }
            bool ok;
            p[r] = RangeLimit(to, v, &ok);
          }
        } else if (fp == Phys::kF64) {
          double v = in.d[r];
          if (std::isnan(v) || std::isinf(v)) {
            p[r] = (to == ColumnType::kBoolean || to == ColumnType::kByte ||
                    to == ColumnType::kShort)
                       ? 0
                       : kNullI64;
            continue;
          }
          bool ok;
          if (to == ColumnType::kBoolean) {
            p[r] = v != 0;
          } else {
            p[r] = RangeLimit(to, static_cast<int64_t>(v), &ok);
          }
        } else {
          int64_t v = in.i[r];
          if (from == ColumnType::kDate && to == ColumnType::kTimestamp) {
            v *= 1000;
          } else if (from == ColumnType::kTimestamp && to == ColumnType::kDate) {
            v = core::FloorDiv(v, 1000);
          }
          bool ok;
          p[r] = RangeLimit(to, v, &ok);
        }
      }
      break;
    }
    case Phys::kStr: {
      std::string_view* p = res.AllocS(n);
      if (from_str) {
        for (size_t r = 0; r < n; ++r) p[r] = in.Str(r);
        res.pool = in.pool;
        break;
      }
      StringPool* pool = res.Pool();
      std::string tmp;
      for (size_t r = 0; r < n; ++r) {
        if (in.IsNull(r) && from != ColumnType::kBoolean && from != ColumnType::kByte &&
            from != ColumnType::kShort) {
          p[r] = {};
          continue;
        }
        tmp.clear();
        switch (from) {
          case ColumnType::kBoolean: tmp = in.i[r] ? "true" : "false"; break;
          case ColumnType::kChar: tmp.push_back(static_cast<char>(in.i[r])); break;
          case ColumnType::kTimestamp: core::AppendTimestamp(&tmp, in.i[r]); break;
          case ColumnType::kDate: core::AppendDateMillis(&tmp, in.i[r]); break;
          case ColumnType::kFloat: core::AppendFloat(&tmp, static_cast<float>(in.d[r])); break;
          case ColumnType::kDouble: core::AppendDouble(&tmp, in.d[r]); break;
          default: tmp = std::to_string(in.i[r]); break;
        }
        p[r] = pool->Add(tmp);
      }
      break;
    }
  }
  *out = std::move(res);
  return core::Status::Ok();
}

core::Result<Value> CastValue(const Value& v, ColumnType to, int32_t pos) {
  Vec in, out;
  FillConstant(v, 1, &in);
  if (v.type == ColumnType::kSymbol) in.type = ColumnType::kSymbol;
  RETURN_IF_ERROR(CastVec(in, to, &out, pos));
  Value r = ValueAt(out, 0);
  r.type = to;
  return r;
}

}  // namespace sundial::sql
