// Scalar functions: time (now, to_timestamp, timestamp_floor, dateadd, datediff, extract,
// hour/day/month/year/...), math (abs, round, floor, ceil, sqrt, power, ...), strings
// (length, concat, lower, upper, trim, substring, ...), and null handling (coalesce, nullif).
#include <algorithm>
#include <cmath>
#include <functional>

#include "core/date_pattern.h"
#include "core/timestamp.h"
#include "sql/expr_nodes.h"
#include "sql/interval.h"
#include "sql/lexer.h"
#include "sql/utf8_case.h"

namespace sundial::sql {
namespace {

using core::Status;
using Args = std::vector<BoundPtr>;

Status ArgError(const Expr& call, const Args& args) {
  std::string s;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k) s += ", ";
    s += cairo::ColumnTypeName(args[k]->type());
  }
  return Status::InvalidArgument("unexpected argument types for function `" + call.sval +
                                     "`: (" + s + ")",
                                 call.pos);
}

bool IsNull(const BoundPtr& a) {
  const Value* c = a->constant();
  return c && c->is_untyped_null;
}

// double -> double over a numeric argument.
BoundPtr MathFn(const Expr& call, Args args, ColumnType out_type,
                std::function<double(double)> fn) {
  return MakeFunction(call.sval, out_type, std::move(args),
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

// int64 timestamp -> int64 (nulls propagate).
BoundPtr TimeFn(const Expr& call, Args args, ColumnType out_type,
                std::function<int64_t(int64_t)> fn, bool date_input = false) {
  return MakeFunction(call.sval, out_type, std::move(args),
                      [fn, date_input](const std::vector<Vec>& a, size_t n, Vec* out) {
                        int64_t* o = out->AllocI(n);
                        const Vec& x = a.back();
                        for (size_t k = 0; k < n; ++k) {
                          int64_t v = x.i[k];
                          if (v == kNullI64) {
                            o[k] = kNullI64;
                          } else {
                            o[k] = fn(date_input ? v * 1000 : v);
                          }
                        }
                        return Status::Ok();
                      },
                      true, call.pos);
}

// string -> string row function (null in, null out).
BoundPtr StrFn(const Expr& call, Args args, std::function<std::string(std::string_view)> fn) {
  return MakeFunction(call.sval, ColumnType::kVarchar, std::move(args),
                      [fn](const std::vector<Vec>& a, size_t n, Vec* out) {
                        std::string_view* o = out->AllocS(n);
                        StringPool* pool = out->Pool();
                        for (size_t k = 0; k < n; ++k) {
                          std::string_view s = a[0].Str(k);
                          o[k] = s.data() == nullptr ? std::string_view() : pool->Add(fn(s));
                        }
                        return Status::Ok();
                      },
                      true, call.pos);
}

// Generic row-at-a-time function over Values (for rarely hot functions).
BoundPtr RowFn(const Expr& call, Args args, ColumnType out_type,
               std::function<core::Result<Value>(const std::vector<Value>&)> fn,
               bool deterministic = true) {
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
          if (os) os[k] = v.is_null ? std::string_view() : res.Pool()->Add(v.s.empty() ? std::string_view(StringPool::kEmpty, 0) : std::string_view(v.s));
        }
        *out = std::move(res);
        return Status::Ok();
      },
      deterministic, pos);
}

double ToD(const Value& v) {
  return PhysOf(v.type) == Phys::kF64 ? v.d : static_cast<double>(v.i);
}

int64_t FloorToUnit(int64_t ts, char unit, int64_t stride) {
  int64_t fixed = FixedUnitMicros(unit);
  if (unit == 'w') {
    // Weeks start on Monday (1970-01-05 was a Monday).
    const int64_t monday = 4 * core::kMicrosPerDay;
    int64_t size = stride * fixed;
    return core::FloorDiv(ts - monday, size) * size + monday;
  }
  if (fixed) {
    int64_t size = stride * fixed;
    return core::FloorDiv(ts, size) * size;
  }
  core::CivilTime c = core::ToCivil(ts);
  if (unit == 'M') {
    int64_t months = c.year * 12 + (c.month - 1);
    months = core::FloorDiv(months, stride) * stride;
    return core::DaysFromCivil(core::FloorDiv(months, 12), static_cast<int>(months - core::FloorDiv(months, 12) * 12) + 1, 1) * core::kMicrosPerDay;
  }
  int64_t y = core::FloorDiv(c.year, stride) * stride;
  return core::DaysFromCivil(y, 1, 1) * core::kMicrosPerDay;
}

bool ParseUnitArg(std::string_view s, char* unit, int64_t* stride) {
  size_t k = 0;
  int64_t v = 0;
  while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
    v = v * 10 + (s[k] - '0');
    if (v > 1'000'000'000) return false;
    ++k;
  }
  if (k + 1 != s.size()) return false;
  *stride = k == 0 ? 1 : v;
  *unit = s[k];
  if (*stride <= 0) return false;
  int64_t dummy;
  return AddDuration(0, *unit, 0, &dummy);
}

// The unit letter of dateadd/datediff ('y','M','w','d','h','m','s','T','u').
char DateUnit(std::string_view s) {
  if (s.size() != 1) return 0;
  char c = s[0];
  if (c == 'u') return 'U';
  int64_t dummy;
  return AddDuration(0, c, 0, &dummy) ? c : 0;
}

int64_t ExtractField(std::string_view f, int64_t ts, bool* ok) {
  *ok = true;
  core::CivilTime c = core::ToCivil(ts);
  if (f == "year") return c.year;
  if (f == "month") return c.month;
  if (f == "day") return c.day;
  if (f == "hour") return c.hour;
  if (f == "minute") return c.minute;
  if (f == "second") return c.second;
  if (f == "millisecond" || f == "milliseconds") return c.second * 1000 + c.micros / 1000;
  if (f == "microsecond" || f == "microseconds") return c.second * 1000000LL + c.micros;
  if (f == "dow") return core::DayOfWeek(ts) % 7;  // Sunday = 0
  if (f == "isodow") return core::DayOfWeek(ts);
  if (f == "doy") return core::FloorDiv(ts, core::kMicrosPerDay) - core::DaysFromCivil(c.year, 1, 1) + 1;
  if (f == "quarter") return (c.month - 1) / 3 + 1;
  if (f == "epoch") return core::FloorDiv(ts, core::kMicrosPerSecond);
  if (f == "decade") return core::FloorDiv(c.year, 10);
  if (f == "century") return c.year > 0 ? (c.year - 1) / 100 + 1 : -((-c.year) / 100 + 1);
  if (f == "millennium") return c.year > 0 ? (c.year - 1) / 1000 + 1 : -((-c.year) / 1000 + 1);
  if (f == "week") {
    int64_t days = core::FloorDiv(ts, core::kMicrosPerDay);
    int64_t dow = ((days + 3) % 7 + 7) % 7;
    int64_t thursday = days - dow + 3;
    int64_t y;
    int m, d;
    core::CivilFromDays(thursday, &y, &m, &d);
    return (thursday - core::DaysFromCivil(y, 1, 1)) / 7 + 1;
  }
  *ok = false;
  return 0;
}

bool IsTimeArg(const BoundPtr& a) {
  return IsTimeType(a->type()) || IsNull(a);
}

// Casts a string argument to TIMESTAMP (implicit conversion of timestamp literals).
core::Result<BoundPtr> AsTimestamp(BoundPtr a) {
  if (a->type() == ColumnType::kTimestamp) return a;
  if (IsStringLike(a->type()) || a->type() == ColumnType::kDate || IsIntegral(a->type()) ||
      IsNull(a)) {
    if (IsNull(a)) return MakeConstant(Value::Null(ColumnType::kTimestamp), a->pos());
    BoundPtr c = MakeCast(a, ColumnType::kTimestamp, a->pos());
    if (a->constant()) {
      ASSIGN_OR_RETURN(Value v, EvalConstant(*c));
      return MakeConstant(v, a->pos());
    }
    return c;
  }
  return Status::InvalidArgument("timestamp expected", a->pos());
}

}  // namespace

std::optional<core::Result<BoundPtr>> BindFunction(const Expr& call, Args args, BindContext& ctx) {
  const std::string& f = call.sval;
  const size_t n = args.size();
  auto need = [&](size_t k) -> bool { return n == k; };

  // --- time ---
  if (f == "now" || f == "systimestamp" || f == "sysdate") {
    if (!need(0)) return ArgError(call, args);
    ColumnType t = f == "sysdate" ? ColumnType::kDate : ColumnType::kTimestamp;
    int64_t v = f == "sysdate" ? core::FloorDiv(ctx.now_us, 1000) : ctx.now_us;
    return MakeConstant(Value::Long(t, v), call.pos);
  }
  if (f == "to_timestamp" || f == "to_date") {
    if (n < 1 || n > 2 || !IsStringLike(args[0]->type())) return ArgError(call, args);
    ColumnType out = f == "to_date" ? ColumnType::kDate : ColumnType::kTimestamp;
    if (n == 1) return MakeCast(args[0], out, call.pos);
    const Value* fmt = args[1]->constant();
    if (!fmt || fmt->is_null) return Status::InvalidArgument("format must be a constant", args[1]->pos());
    auto parsed = core::DatePattern::Compile(fmt->s);
    if (!parsed.ok()) return parsed.status().WithPosition(args[1]->pos());
    auto format = std::make_shared<const core::DatePattern>(std::move(parsed).value());
    return MakeFunction(f, out, std::move(args),
                        [format, out](const std::vector<Vec>& a, size_t rows, Vec* o) {
                          int64_t* p = o->AllocI(rows);
                          for (size_t k = 0; k < rows; ++k) {
                            std::string_view s = a[0].Str(k);
                            int64_t ts;
                            if (s.data() == nullptr || !format->Parse(s, &ts)) {
                              p[k] = kNullI64;
                            } else {
                              p[k] = out == ColumnType::kDate ? core::FloorDiv(ts, 1000) : ts;
                            }
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "to_str" || f == "to_char") {
    if (n != 2 || !IsTimeArg(args[0])) return ArgError(call, args);
    const Value* fmt = args[1]->constant();
    if (!fmt || fmt->is_null) return Status::InvalidArgument("format must be a constant", args[1]->pos());
    auto parsed = core::DatePattern::Compile(fmt->s);
    if (!parsed.ok()) return parsed.status().WithPosition(args[1]->pos());
    auto format = std::make_shared<const core::DatePattern>(std::move(parsed).value());
    bool is_date = args[0]->type() == ColumnType::kDate;
    return MakeFunction(f, ColumnType::kVarchar, std::move(args),
                        [format, is_date](const std::vector<Vec>& a, size_t rows, Vec* o) {
                          std::string_view* p = o->AllocS(rows);
                          StringPool* pool = o->Pool();
                          std::string tmp;
                          for (size_t k = 0; k < rows; ++k) {
                            int64_t v = a[0].i[k];
                            if (v == kNullI64) {
                              p[k] = {};
                              continue;
                            }
                            tmp.clear();
                            format->Format(is_date ? v * 1000 : v, &tmp);
                            p[k] = pool->Add(tmp);
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "timestamp_floor" || f == "timestamp_ceil") {
    if (n != 2 || !IsStringLike(args[0]->type())) return ArgError(call, args);
    const Value* u = args[0]->constant();
    char unit;
    int64_t stride;
    if (!u || u->is_null || !ParseUnitArg(u->s, &unit, &stride)) {
      return Status::InvalidArgument("invalid unit [unit=" + (u ? u->s : std::string()) + "]", args[0]->pos());
    }
    auto ts = AsTimestamp(args[1]);
    if (!ts.ok()) return ts.status();
    args[1] = *ts;
    bool ceil = f == "timestamp_ceil";
    return TimeFn(call, std::move(args), ColumnType::kTimestamp, [unit, stride, ceil](int64_t v) {
      int64_t fl = FloorToUnit(v, unit, stride);
      if (!ceil || fl == v) return fl;
      int64_t next;
      AddDuration(fl, unit, stride, &next);
      return next;
    });
  }
  if (f == "dateadd") {
    if (n != 3 || !IsStringLike(args[0]->type()) || !IsIntegral(args[1]->type())) return ArgError(call, args);
    const Value* u = args[0]->constant();
    char unit = u && !u->is_null ? DateUnit(u->s) : 0;
    if (!unit) return Status::InvalidArgument("invalid time unit", args[0]->pos());
    auto ts = AsTimestamp(args[2]);
    if (!ts.ok()) return ts.status();
    args[2] = *ts;
    return MakeFunction(f, ColumnType::kTimestamp, std::move(args),
                        [unit](const std::vector<Vec>& a, size_t rows, Vec* o) {
                          int64_t* p = o->AllocI(rows);
                          for (size_t k = 0; k < rows; ++k) {
                            int64_t cnt = a[1].i[k], v = a[2].i[k];
                            if (cnt == kNullI64 || v == kNullI64) {
                              p[k] = kNullI64;
                            } else {
                              AddDuration(v, unit, cnt, &p[k]);
                            }
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "datediff") {
    if (n != 3 || !IsStringLike(args[0]->type())) return ArgError(call, args);
    const Value* u = args[0]->constant();
    char unit = u && !u->is_null ? DateUnit(u->s) : 0;
    if (!unit) return Status::InvalidArgument("invalid time unit", args[0]->pos());
    for (int k = 1; k <= 2; ++k) {
      auto ts = AsTimestamp(args[k]);
      if (!ts.ok()) return ts.status();
      args[k] = *ts;
    }
    return MakeFunction(f, ColumnType::kLong, std::move(args),
                        [unit](const std::vector<Vec>& a, size_t rows, Vec* o) {
                          int64_t* p = o->AllocI(rows);
                          for (size_t k = 0; k < rows; ++k) {
                            int64_t x = a[1].i[k], y = a[2].i[k];
                            if (x == kNullI64 || y == kNullI64) {
                              p[k] = kNullI64;
                              continue;
                            }
                            int64_t fixed = FixedUnitMicros(unit);
                            if (fixed) {
                              p[k] = std::llabs((y - x) / fixed);
                            } else {
                              core::CivilTime cx = core::ToCivil(std::min(x, y)), cy = core::ToCivil(std::max(x, y));
                              int64_t months = (cy.year - cx.year) * 12 + (cy.month - cx.month);
                              int64_t back;
                              AddDuration(std::max(x, y), 'M', -months, &back);
                              if (back < std::min(x, y)) --months;
                              p[k] = unit == 'y' ? months / 12 : months;
                            }
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "extract" || f == "date_part") {
    if (n != 2) return ArgError(call, args);
    const Value* u = args[0]->constant();
    if (!u || u->is_null) return Status::InvalidArgument("unit expected", args[0]->pos());
    std::string field = ToLower(u->s);
    bool ok;
    ExtractField(field, 0, &ok);
    if (!ok) return Status::InvalidArgument("unsupported extract unit: " + field, args[0]->pos());
    auto ts = AsTimestamp(args[1]);
    if (!ts.ok()) return ts.status();
    args[1] = *ts;
    ColumnType out = (field == "epoch" || field == "microsecond" || field == "microseconds")
                         ? ColumnType::kLong
                         : ColumnType::kInt;
    return TimeFn(call, std::move(args), out, [field](int64_t v) {
      bool k;
      return ExtractField(field, v, &k);
    });
  }
  static constexpr std::pair<std::string_view, std::string_view> kParts[] = {
      {"year", "year"}, {"month", "month"}, {"day", "day"}, {"hour", "hour"},
      {"minute", "minute"}, {"second", "second"}, {"millis", "millisecond"},
      {"micros", "microsecond"}, {"week_of_year", "week"}, {"day_of_year", "doy"}};
  for (auto [name, field] : kParts) {
    if (f == name) {
      if (n != 1 || !IsTimeArg(args[0])) return ArgError(call, args);
      bool is_date = args[0]->type() == ColumnType::kDate;
      std::string fl(field);
      if (fl == "millisecond") {
        return TimeFn(call, std::move(args), ColumnType::kInt, [](int64_t v) {
          return core::FloorDiv(v, 1000) - core::FloorDiv(v, 1000000) * 1000;
        }, is_date);
      }
      if (fl == "microsecond") {
        return TimeFn(call, std::move(args), ColumnType::kInt, [](int64_t v) {
          return v - core::FloorDiv(v, 1000) * 1000;
        }, is_date);
      }
      if (fl == "hour") {
        return TimeFn(call, std::move(args), ColumnType::kInt, [](int64_t v) {
          return core::FloorDiv(v, core::kMicrosPerHour) - core::FloorDiv(v, core::kMicrosPerDay) * 24;
        }, is_date);
      }
      return TimeFn(call, std::move(args), ColumnType::kInt, [fl](int64_t v) {
        bool ok;
        return ExtractField(fl, v, &ok);
      }, is_date);
    }
  }
  if (f == "day_of_week" || f == "day_of_week_sunday_first") {
    if (n != 1 || !IsTimeArg(args[0])) return ArgError(call, args);
    bool sunday = f == "day_of_week_sunday_first";
    bool is_date = args[0]->type() == ColumnType::kDate;
    return TimeFn(call, std::move(args), ColumnType::kInt, [sunday](int64_t v) {
      int d = core::DayOfWeek(v);
      return static_cast<int64_t>(sunday ? d % 7 + 1 : d);
    }, is_date);
  }
  if (f == "days_in_month" || f == "is_leap_year") {
    if (n != 1 || !IsTimeArg(args[0])) return ArgError(call, args);
    bool dim = f == "days_in_month";
    return TimeFn(call, std::move(args), dim ? ColumnType::kInt : ColumnType::kBoolean, [dim](int64_t v) {
      core::CivilTime c = core::ToCivil(v);
      return static_cast<int64_t>(dim ? core::DaysInMonth(c.year, c.month) : core::IsLeapYear(c.year));
    });
  }

  // --- math ---
  if (f == "abs") {
    if (n != 1 || !IsNumeric(args[0]->type())) return ArgError(call, args);
    if (PhysOf(args[0]->type()) == Phys::kI64) {
      ColumnType t = args[0]->type();
      return TimeFn(call, std::move(args), t, [](int64_t v) { return v < 0 ? -v : v; });
    }
    return MathFn(call, std::move(args), args[0]->type(), [](double v) { return std::fabs(v); });
  }
  if (f == "floor" || f == "ceil" || f == "ceiling") {
    if (n != 1 || !IsNumeric(args[0]->type())) return ArgError(call, args);
    if (PhysOf(args[0]->type()) == Phys::kI64) return args[0];
    bool fl = f == "floor";
    return MathFn(call, std::move(args), args[0]->type(), [fl](double v) { return fl ? std::floor(v) : std::ceil(v); });
  }
  if (f == "round" || f == "round_down" || f == "round_up" || f == "round_half_even") {
    if (n < 1 || n > 2 || !IsNumeric(args[0]->type())) return ArgError(call, args);
    if (n == 2 && !IsIntegral(args[1]->type())) return ArgError(call, args);
    std::string mode = f;
    return RowFn(call, std::move(args), ColumnType::kDouble, [mode](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || (v.size() > 1 && v[1].is_null)) return Value::Null(ColumnType::kDouble);
      double x = ToD(v[0]);
      int64_t scale = v.size() > 1 ? v[1].i : 0;
      if (scale > 15 || scale < -15) return Value::Null(ColumnType::kDouble);
      double m = std::pow(10.0, static_cast<double>(scale));
      double y = x * m, r;
      if (mode == "round_down") {
        r = std::trunc(y);
      } else if (mode == "round_up") {
        r = y < 0 ? std::floor(y) : std::ceil(y);
      } else if (mode == "round_half_even") {
        r = std::nearbyint(y);
      } else {
        // Round half away from zero, correcting representation error (2.675 -> 2.68).
        r = std::round(y);
        double alt = std::round(std::stod([&] { char b[64]; std::snprintf(b, sizeof b, "%.15g", y); return std::string(b); }()));
        r = alt;
      }
      return Value::Double(ColumnType::kDouble, r / m);
    });
  }
  if (f == "sqrt" || f == "ln" || f == "log" || f == "exp" || f == "log10" || f == "log2" ||
      f == "sin" || f == "cos" || f == "tan" || f == "cbrt") {
    if (n != 1 || !IsNumeric(args[0]->type())) return ArgError(call, args);
    std::function<double(double)> fn;
    if (f == "sqrt") fn = [](double v) { return std::sqrt(v); };
    else if (f == "ln") fn = [](double v) { return std::log(v); };
    else if (f == "log" || f == "log10") fn = [](double v) { return std::log10(v); };
    else if (f == "log2") fn = [](double v) { return std::log2(v); };
    else if (f == "exp") fn = [](double v) { return std::exp(v); };
    else if (f == "sin") fn = [](double v) { return std::sin(v); };
    else if (f == "cos") fn = [](double v) { return std::cos(v); };
    else if (f == "tan") fn = [](double v) { return std::tan(v); };
    else fn = [](double v) { return std::cbrt(v); };
    return MathFn(call, std::move(args), ColumnType::kDouble, fn);
  }
  if (f == "power" || f == "pow") {
    if (n != 2 || !IsNumeric(args[0]->type()) || !IsNumeric(args[1]->type())) return ArgError(call, args);
    return RowFn(call, std::move(args), ColumnType::kDouble, [](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null) return Value::Null(ColumnType::kDouble);
      return Value::Double(ColumnType::kDouble, std::pow(ToD(v[0]), ToD(v[1])));
    });
  }
  if (f == "sign") {
    if (n != 1 || !IsNumeric(args[0]->type())) return ArgError(call, args);
    return MathFn(call, std::move(args), ColumnType::kDouble, [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; });
  }
  if (f == "pi") {
    if (n != 0) return ArgError(call, args);
    return MakeConstant(Value::Double(ColumnType::kDouble, M_PI), call.pos);
  }

  // --- strings ---
  if (f == "length" || f == "char_length") {
    if (n != 1) return ArgError(call, args);
    if (IsNull(args[0])) return MakeConstant(Value::Long(ColumnType::kInt, -1), call.pos);
    return MakeFunction(f, ColumnType::kInt, std::move(args),
                        [](const std::vector<Vec>& a, size_t rows, Vec* o) {
                          int64_t* p = o->AllocI(rows);
                          for (size_t k = 0; k < rows; ++k) {
                            std::string_view s = a[0].Str(k);
                            if (s.data() == nullptr) {
                              p[k] = -1;  // QuestDB: length(NULL) = -1
                              continue;
                            }
                            int64_t chars = 0;
                            for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
                            p[k] = chars;
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "lower" || f == "upper" || f == "trim" || f == "ltrim" || f == "rtrim" || f == "reverse") {
    if (n != 1 || (!IsStringLike(args[0]->type()) && !IsNull(args[0]))) return ArgError(call, args);
    std::function<std::string(std::string_view)> fn;
    if (f == "lower") fn = [](std::string_view s) { return Utf8Lower(s); };
    else if (f == "upper") fn = [](std::string_view s) { return Utf8Upper(s); };
    else if (f == "reverse") fn = [](std::string_view s) { return std::string(s.rbegin(), s.rend()); };
    else {
      bool l = f != "rtrim", r = f != "ltrim";
      fn = [l, r](std::string_view s) {
        while (l && !s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (r && !s.empty() && s.back() == ' ') s.remove_suffix(1);
        return std::string(s);
      };
    }
    return StrFn(call, std::move(args), fn);
  }
  if (f == "concat") {
    return MakeFunction(f, ColumnType::kVarchar, std::move(args),
                        [](const std::vector<Vec>& a, size_t rows, Vec* o) -> Status {
                          std::vector<Vec> strs(a.size());
                          for (size_t j = 0; j < a.size(); ++j) {
                            RETURN_IF_ERROR(CastVec(a[j], ColumnType::kVarchar, &strs[j], 0));
                          }
                          std::string_view* p = o->AllocS(rows);
                          StringPool* pool = o->Pool();
                          std::string tmp;
                          for (size_t k = 0; k < rows; ++k) {
                            tmp.clear();
                            for (const Vec& v : strs) tmp.append(v.Str(k));  // NULL is ''
                            p[k] = pool->Add(tmp.empty() ? std::string_view(StringPool::kEmpty, 0) : std::string_view(tmp));
                          }
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "substring" || f == "substr") {
    if (n < 2 || n > 3 || !IsStringLike(args[0]->type())) return ArgError(call, args);
    return RowFn(call, std::move(args), ColumnType::kVarchar, [](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null) return Value::Null(ColumnType::kVarchar);
      int64_t start = v[1].i - 1, len = v.size() > 2 ? (v[2].is_null ? -1 : v[2].i) : INT64_MAX / 2;
      if (len < 0) return Value::Null(ColumnType::kVarchar);
      int64_t end = start + len;
      start = std::max<int64_t>(start, 0);
      end = std::min<int64_t>(end, static_cast<int64_t>(v[0].s.size()));
      if (end <= start) return Value::Str(ColumnType::kVarchar, "");
      return Value::Str(ColumnType::kVarchar, v[0].s.substr(start, end - start));
    });
  }
  if (f == "left" || f == "right") {
    if (n != 2 || !IsStringLike(args[0]->type())) return ArgError(call, args);
    bool left = f == "left";
    return RowFn(call, std::move(args), ColumnType::kVarchar, [left](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null) return Value::Null(ColumnType::kVarchar);
      int64_t len = static_cast<int64_t>(v[0].s.size());
      int64_t k = std::clamp<int64_t>(v[1].i < 0 ? len + v[1].i : v[1].i, 0, len);
      return Value::Str(ColumnType::kVarchar, left ? v[0].s.substr(0, k) : v[0].s.substr(len - k));
    });
  }
  if (f == "replace") {
    if (n != 3) return ArgError(call, args);
    return RowFn(call, std::move(args), ColumnType::kVarchar, [](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null || v[2].is_null) return Value::Null(ColumnType::kVarchar);
      std::string s = v[0].s, out;
      const std::string& from = v[1].s;
      if (from.empty()) return Value::Str(ColumnType::kVarchar, s);
      size_t p = 0;
      for (;;) {
        size_t q = s.find(from, p);
        if (q == std::string::npos) break;
        out.append(s, p, q - p);
        out += v[2].s;
        p = q + from.size();
      }
      out.append(s, p);
      return Value::Str(ColumnType::kVarchar, out);
    });
  }
  if (f == "strpos" || f == "position") {
    if (n != 2) return ArgError(call, args);
    return RowFn(call, std::move(args), ColumnType::kInt, [](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null) return Value::Null(ColumnType::kInt);
      size_t p = v[0].s.find(v[1].s);
      return Value::Long(ColumnType::kInt, p == std::string::npos ? 0 : static_cast<int64_t>(p) + 1);
    });
  }
  if (f == "starts_with") {
    if (n != 2) return ArgError(call, args);
    return RowFn(call, std::move(args), ColumnType::kBoolean, [](const std::vector<Value>& v) -> core::Result<Value> {
      if (v[0].is_null || v[1].is_null) return Value::Long(ColumnType::kBoolean, 0);
      return Value::Long(ColumnType::kBoolean, v[0].s.rfind(v[1].s, 0) == 0);
    });
  }

  // --- nulls and comparisons ---
  if (f == "coalesce" || f == "greatest" || f == "least" || f == "nullif") {
    if (n < 1 || (f == "nullif" && n != 2)) return ArgError(call, args);
    ColumnType type = ColumnType::kVarchar;
    bool any = false;
    for (const auto& a : args) {
      if (IsNull(a)) continue;
      if (!any) {
        type = a->type();
        any = true;
      } else if (a->type() != type) {
        if (IsNumeric(type) && IsNumeric(a->type())) {
          type = PhysOf(type) == Phys::kF64 || PhysOf(a->type()) == Phys::kF64
                     ? ColumnType::kDouble
                     : (type == ColumnType::kLong || a->type() == ColumnType::kLong ? ColumnType::kLong : ColumnType::kInt);
        } else if (IsStringLike(type) && IsStringLike(a->type())) {
          type = ColumnType::kVarchar;
        } else if (IsTimeType(type) && IsStringLike(a->type())) {
        } else {
          return ArgError(call, args);
        }
      }
    }
    for (auto& a : args) {
      if (IsNull(a)) {
        a = MakeConstant(Value::Null(type), a->pos());
      } else if (a->type() != type) {
        a = MakeCast(a, type, a->pos());
      }
    }
    std::string fn = f;
    return MakeFunction(f, type, std::move(args),
                        [fn, type](const std::vector<Vec>& a, size_t rows, Vec* o) -> Status {
                          Phys p = type == ColumnType::kSymbol ? Phys::kStr : PhysOf(type);
                          if (fn == "nullif") {
                            Vec res;
                            CopyVec(a[0], &res);
                            for (size_t k = 0; k < rows; ++k) {
                              bool eq = false;
                              if (!a[0].IsNull(k) && !a[1].IsNull(k)) {
                                if (p == Phys::kF64) eq = a[0].d[k] == a[1].d[k];
                                else if (p == Phys::kI64) eq = a[0].i[k] == a[1].i[k];
                                else eq = a[0].Str(k) == a[1].Str(k);
                              }
                              if (eq) {
                                if (p == Phys::kF64) res.own_d[k] = std::nan("");
                                else if (p == Phys::kI64) res.own_i[k] = kNullI64;
                                else res.own_s[k] = {};
                              }
                            }
                            *o = std::move(res);
                            return Status::Ok();
                          }
                          Vec res;
                          res.Reset(type, rows);
                          int64_t* oi = p == Phys::kI64 ? res.AllocI(rows) : nullptr;
                          double* od = p == Phys::kF64 ? res.AllocD(rows) : nullptr;
                          std::string_view* os = p == Phys::kStr ? res.AllocS(rows) : nullptr;
                          for (size_t k = 0; k < rows; ++k) {
                            int best = -1;
                            for (size_t j = 0; j < a.size(); ++j) {
                              if (a[j].IsNull(k)) continue;
                              if (best < 0) {
                                best = static_cast<int>(j);
                                if (fn == "coalesce") break;
                                continue;
                              }
                              bool better;
                              if (p == Phys::kF64) better = a[j].d[k] > a[best].d[k];
                              else if (p == Phys::kI64) better = a[j].i[k] > a[best].i[k];
                              else better = a[j].Str(k) > a[best].Str(k);
                              if (fn == "least") {
                                if (p == Phys::kF64) better = a[j].d[k] < a[best].d[k];
                                else if (p == Phys::kI64) better = a[j].i[k] < a[best].i[k];
                                else better = a[j].Str(k) < a[best].Str(k);
                              }
                              if (better) best = static_cast<int>(j);
                            }
                            if (oi) oi[k] = best < 0 ? kNullI64 : a[best].i[k];
                            if (od) od[k] = best < 0 ? std::nan("") : a[best].d[k];
                            if (os) os[k] = best < 0 ? std::string_view() : res.Pool()->Add(a[best].Str(k));
                          }
                          *o = std::move(res);
                          return Status::Ok();
                        },
                        true, call.pos);
  }
  if (f == "isnull" || f == "is_null") {
    if (n != 1) return ArgError(call, args);
    return MakeIsNull(args[0], false, call.pos);
  }
  if (f == "to_long" || f == "to_int" || f == "to_double") {
    if (n != 1) return ArgError(call, args);
    ColumnType t = f == "to_long" ? ColumnType::kLong : f == "to_int" ? ColumnType::kInt : ColumnType::kDouble;
    return MakeCast(args[0], t, call.pos);
  }
  return std::nullopt;
}

}  // namespace sundial::sql
