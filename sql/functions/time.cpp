// Time functions: now, to_timestamp/to_date, to_str, timestamp_floor/ceil, date_trunc,
// dateadd, datediff, extract, hour/day/month/year/..., today/tomorrow/yesterday,
// to_timezone/to_utc (IANA zones from core::TimeZone), timestamp_sequence.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "core/date_pattern.h"
#include "core/time_zone.h"
#include "core/timestamp.h"
#include "sql/functions/function_util.h"
#include "sql/interval.h"
#include "sql/lexer.h"
#include "sql/zone.h"

namespace sundial::sql {
namespace {

using namespace fn;  // NOLINT

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
    int64_t year = core::FloorDiv(months, 12);
    return core::DaysFromCivil(year, static_cast<int>(months - year * 12) + 1, 1) *
           core::kMicrosPerDay;
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
  if (f == "doy") {
    return core::FloorDiv(ts, core::kMicrosPerDay) - core::DaysFromCivil(c.year, 1, 1) + 1;
  }
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

// date_trunc's units (QuestDB's, as PostgreSQL's): the start of the unit containing ts.
bool DateTrunc(std::string_view unit, int64_t ts, int64_t* out) {
  core::CivilTime c = core::ToCivil(ts);
  auto year_start = [](int64_t y) { return core::DaysFromCivil(y, 1, 1) * core::kMicrosPerDay; };
  if (unit == "microseconds" || unit == "microsecond") {
    *out = ts;
  } else if (unit == "milliseconds" || unit == "millisecond") {
    *out = FloorToUnit(ts, 'T', 1);
  } else if (unit == "second") {
    *out = FloorToUnit(ts, 's', 1);
  } else if (unit == "minute") {
    *out = FloorToUnit(ts, 'm', 1);
  } else if (unit == "hour") {
    *out = FloorToUnit(ts, 'h', 1);
  } else if (unit == "day") {
    *out = FloorToUnit(ts, 'd', 1);
  } else if (unit == "week") {
    *out = FloorToUnit(ts, 'w', 1);
  } else if (unit == "month") {
    *out = FloorToUnit(ts, 'M', 1);
  } else if (unit == "quarter") {
    *out = core::DaysFromCivil(c.year, (c.month - 1) / 3 * 3 + 1, 1) * core::kMicrosPerDay;
  } else if (unit == "year") {
    *out = year_start(c.year);
  } else if (unit == "decade") {
    *out = year_start(core::FloorDiv(c.year, 10) * 10);
  } else if (unit == "century") {
    // Centuries start in years ending with 01 (2001-01-01 starts the 21st).
    *out = year_start(core::FloorDiv(c.year - 1, 100) * 100 + 1);
  } else if (unit == "millennium") {
    *out = year_start(core::FloorDiv(c.year - 1, 1000) * 1000 + 1);
  } else {
    return false;
  }
  return true;
}

// Binds f(ts, zone) with a constant zone; `to_local` converts UTC -> local (to_timezone),
// otherwise local -> UTC (to_utc).
core::Result<BoundPtr> BindZoneShift(const Expr& call, Args args, bool to_local) {
  ASSIGN_OR_RETURN(args[0], AsTimestamp(args[0]));
  ASSIGN_OR_RETURN(std::string name, ConstantText(args[1], "timezone"));
  ASSIGN_OR_RETURN(Zone zone, LoadZone(name, args[1]->pos()));
  auto z = std::make_shared<const Zone>(std::move(zone));
  args.pop_back();
  return TimeFn(call, std::move(args), ColumnType::kTimestamp,
                [z, to_local](int64_t v) { return to_local ? z->ToLocal(v) : z->ToUtc(v); });
}

// today()/tomorrow()/yesterday() [with a zone]: the start of that day, as a UTC instant.
core::Result<BoundPtr> BindDay(const Expr& call, const Args& args, const BindContext& ctx,
                               int days) {
  Zone zone;
  if (args.size() == 1) {
    ASSIGN_OR_RETURN(std::string name, ConstantText(args[0], "timezone"));
    ASSIGN_OR_RETURN(zone, LoadZone(name, args[0]->pos()));
  }
  int64_t local = zone.ToLocal(ctx.now_us);
  int64_t day = core::FloorDiv(local, core::kMicrosPerDay) + days;
  return MakeConstant(Value::Long(ColumnType::kTimestamp, zone.ToUtc(day * core::kMicrosPerDay)),
                      call.pos);
}

core::Result<BoundPtr> BindFormatParse(const Expr& call, Args args, ColumnType out) {
  if (args.size() == 1) return MakeCast(args[0], out, call.pos);
  const Value* fmt = args[1]->constant();
  if (!fmt || fmt->is_null) {
    return Status::InvalidArgument("format must be a constant", args[1]->pos());
  }
  auto parsed = core::DatePattern::Compile(fmt->s);
  if (!parsed.ok()) return parsed.status().WithPosition(args[1]->pos());
  auto format = std::make_shared<const core::DatePattern>(std::move(parsed).value());
  return MakeFunction(
      call.sval, out, std::move(args),
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

core::Result<BoundPtr> BindFormat(const Expr& call, Args args) {
  const Value* fmt = args[1]->constant();
  if (!fmt || fmt->is_null) {
    return Status::InvalidArgument("format must be a constant", args[1]->pos());
  }
  auto parsed = core::DatePattern::Compile(fmt->s);
  if (!parsed.ok()) return parsed.status().WithPosition(args[1]->pos());
  auto format = std::make_shared<const core::DatePattern>(std::move(parsed).value());
  bool is_date = args[0]->type() == ColumnType::kDate;
  return MakeFunction(
      call.sval, ColumnType::kVarchar, std::move(args),
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

core::Result<BoundPtr> BindFloorCeil(const Expr& call, Args args, bool ceil) {
  const Value* u = args[0]->constant();
  char unit;
  int64_t stride;
  if (!u || u->is_null || !ParseUnitArg(u->s, &unit, &stride)) {
    return Status::InvalidArgument("invalid unit [unit=" + (u ? u->s : std::string()) + "]",
                                   args[0]->pos());
  }
  ASSIGN_OR_RETURN(args[1], AsTimestamp(args[1]));
  return TimeFn(call, std::move(args), ColumnType::kTimestamp, [unit, stride, ceil](int64_t v) {
    int64_t fl = FloorToUnit(v, unit, stride);
    if (!ceil || fl == v) return fl;
    int64_t next;
    AddDuration(fl, unit, stride, &next);
    return next;
  });
}

// dateadd/datediff's first argument: a constant unit letter (DateUnit), else `invalid time unit`.
core::Result<char> ConstantDateUnit(const BoundExpr& arg) {
  const Value* u = arg.constant();
  char unit = u && !u->is_null ? DateUnit(u->s) : 0;
  if (!unit) return Status::InvalidArgument("invalid time unit", arg.pos());
  return unit;
}

core::Result<BoundPtr> BindDateAdd(const Expr& call, Args args) {
  ASSIGN_OR_RETURN(char unit, ConstantDateUnit(*args[0]));
  ASSIGN_OR_RETURN(args[2], AsTimestamp(args[2]));
  return MakeFunction(
      call.sval, ColumnType::kTimestamp, std::move(args),
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

core::Result<BoundPtr> BindDateDiff(const Expr& call, Args args) {
  ASSIGN_OR_RETURN(char unit, ConstantDateUnit(*args[0]));
  for (int k = 1; k <= 2; ++k) {
    ASSIGN_OR_RETURN(args[k], AsTimestamp(args[k]));
  }
  return MakeFunction(
      call.sval, ColumnType::kLong, std::move(args),
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
            core::CivilTime cx = core::ToCivil(std::min(x, y));
            core::CivilTime cy = core::ToCivil(std::max(x, y));
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

core::Result<BoundPtr> BindExtract(const Expr& call, Args args) {
  const Value* u = args[0]->constant();
  if (!u || u->is_null) return Status::InvalidArgument("unit expected", args[0]->pos());
  std::string field = ToLower(u->s);
  bool ok;
  ExtractField(field, 0, &ok);
  if (!ok) return Status::InvalidArgument("unsupported extract unit: " + field, args[0]->pos());
  ASSIGN_OR_RETURN(args[1], AsTimestamp(args[1]));
  ColumnType out = (field == "epoch" || field == "microsecond" || field == "microseconds")
                       ? ColumnType::kLong
                       : ColumnType::kInt;
  return TimeFn(call, std::move(args), out, [field](int64_t v) {
    bool k;
    return ExtractField(field, v, &k);
  });
}

core::Result<BoundPtr> BindDatePart(const Expr& call, Args args, std::string field) {
  bool is_date = args[0]->type() == ColumnType::kDate;
  if (field == "millisecond") {
    return TimeFn(
        call, std::move(args), ColumnType::kInt,
        [](int64_t v) { return core::FloorDiv(v, 1000) - core::FloorDiv(v, 1000000) * 1000; },
        is_date);
  }
  if (field == "microsecond") {
    return TimeFn(
        call, std::move(args), ColumnType::kInt,
        [](int64_t v) { return v - core::FloorDiv(v, 1000) * 1000; }, is_date);
  }
  if (field == "hour") {
    return TimeFn(
        call, std::move(args), ColumnType::kInt,
        [](int64_t v) {
          return core::FloorDiv(v, core::kMicrosPerHour) -
                 core::FloorDiv(v, core::kMicrosPerDay) * 24;
        },
        is_date);
  }
  return TimeFn(
      call, std::move(args), ColumnType::kInt,
      [field](int64_t v) {
        bool ok;
        return ExtractField(field, v, &ok);
      },
      is_date);
}

core::Result<BoundPtr> BindDateTrunc(const Expr& call, Args args) {
  ASSIGN_OR_RETURN(std::string unit, ConstantText(args[0], "unit"));
  unit = ToLower(unit);
  int64_t probe;
  if (!DateTrunc(unit, 0, &probe)) {
    return Status::InvalidArgument("invalid unit '" + unit + "'", args[0]->pos());
  }
  ASSIGN_OR_RETURN(args[1], AsTimestamp(args[1]));
  return TimeFn(call, std::move(args), ColumnType::kTimestamp, [unit](int64_t v) {
    int64_t r = v;
    DateTrunc(unit, v, &r);
    return r;
  });
}

// timestamp_sequence(start, step): start + row_number * step, row numbers from 0 in the order
// rows are produced. Stateful: never folded, one counter per bound call.
core::Result<BoundPtr> BindTimestampSequence(const Expr& call, Args args) {
  ASSIGN_OR_RETURN(args[0], AsTimestamp(args[0]));
  auto next = std::make_shared<std::atomic<int64_t>>(0);
  return MakeFunction(
      call.sval, ColumnType::kTimestamp, std::move(args),
      [next](const std::vector<Vec>& a, size_t rows, Vec* o) {
        int64_t* p = o->AllocI(rows);
        int64_t first = next->fetch_add(static_cast<int64_t>(rows));
        for (size_t k = 0; k < rows; ++k) {
          int64_t start = a[0].i[k], step = a[1].i[k];
          if (start == kNullI64 || step == kNullI64) {
            p[k] = kNullI64;
            continue;
          }
          // Wraps like QuestDB's long arithmetic instead of overflowing (UB) in C++.
          uint64_t v = static_cast<uint64_t>(start) +
                       static_cast<uint64_t>(step) * static_cast<uint64_t>(first + k);
          p[k] = static_cast<int64_t>(v);
        }
        return Status::Ok();
      },
      false, call.pos);
}

bool TimeOrNull(const BoundPtr& a) { return IsTimeArg(a); }
bool TimestampLike(const BoundPtr& a) {
  return IsTimeArg(a) || IsStringLike(a->type()) || IsIntegral(a->type());
}
bool IntegralArg(const BoundPtr& a) { return IsIntegral(a->type()) || IsNullArg(a); }

}  // namespace

void RegisterTimeFunctions(FunctionRegistry& r) {
  for (std::string_view name : {"now", "systimestamp", "sysdate"}) {
    bool is_date = name == "sysdate";
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    is_date ? "the statement's start time as a DATE"
                            : "the statement's start time (fixed for the whole statement)");
    Overload(d, std::string(name) + "()", Arity(0),
             [is_date](const Expr& call, Args, BindContext& ctx) -> core::Result<BoundPtr> {
               ColumnType t = is_date ? ColumnType::kDate : ColumnType::kTimestamp;
               int64_t v = is_date ? core::FloorDiv(ctx.now_us, 1000) : ctx.now_us;
               return MakeConstant(Value::Long(t, v), call.pos);
             });
  }
  for (std::string_view name : {"to_timestamp", "to_date"}) {
    ColumnType out = name == "to_date" ? ColumnType::kDate : ColumnType::kTimestamp;
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    "parses text with an optional date pattern (null when it does not parse)");
    Overload(
        d, std::string(name) + "(text VARCHAR [, pattern VARCHAR])",
        [](const Args& a) {
          return (a.size() == 1 || a.size() == 2) && IsStringLike(a[0]->type());
        },
        [out](const Expr& call, Args args, BindContext&) {
          return BindFormatParse(call, args, out);
        });
  }
  for (std::string_view name : {"to_str", "to_char"}) {
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    "formats a timestamp or date with a date pattern");
    Overload(d, std::string(name) + "(ts TIMESTAMP|DATE, pattern VARCHAR)",
             ArgsAre({TimeOrNull, [](const BoundPtr&) { return true; }}),
             [](const Expr& call, Args args, BindContext&) { return BindFormat(call, args); });
  }
  for (std::string_view name : {"timestamp_floor", "timestamp_ceil"}) {
    bool ceil = name == "timestamp_ceil";
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    ceil ? "rounds a timestamp up to a unit such as '1h', '15m', 'M'"
                         : "rounds a timestamp down to a unit such as '1h', '15m', 'M'");
    Overload(
        d, std::string(name) + "(unit VARCHAR, ts TIMESTAMP)",
        [](const Args& a) { return a.size() == 2 && IsStringLike(a[0]->type()); },
        [ceil](const Expr& call, Args args, BindContext&) {
          return BindFloorCeil(call, args, ceil);
        });
  }
  {
    auto& d = r.Add("date_trunc", "time", FunctionKind::kScalar,
                    "truncates a timestamp to millennium, century, decade, year, quarter, month, "
                    "week, day, hour, minute, second, milliseconds or microseconds");
    Overload(d, "date_trunc(unit VARCHAR, ts TIMESTAMP)", ArgsAre({IsStringArg, TimestampLike}),
             [](const Expr& call, Args args, BindContext&) { return BindDateTrunc(call, args); });
  }
  {
    auto& d = r.Add("dateadd", "time", FunctionKind::kScalar,
                    "adds a count of units (y M w d h m s T u) to a timestamp");
    Overload(
        d, "dateadd(unit CHAR|VARCHAR, count INT, ts TIMESTAMP)",
        [](const Args& a) {
          return a.size() == 3 && IsStringLike(a[0]->type()) && IsIntegral(a[1]->type());
        },
        [](const Expr& call, Args args, BindContext&) { return BindDateAdd(call, args); });
  }
  {
    auto& d = r.Add("datediff", "time", FunctionKind::kScalar,
                    "whole units (y M w d h m s T u) between two timestamps");
    Overload(
        d, "datediff(unit VARCHAR, a TIMESTAMP, b TIMESTAMP)",
        [](const Args& a) { return a.size() == 3 && IsStringLike(a[0]->type()); },
        [](const Expr& call, Args args, BindContext&) { return BindDateDiff(call, args); });
  }
  for (std::string_view name : {"extract", "date_part"}) {
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    "a field (year, month, day, hour, ..., epoch, dow, doy, week) of a timestamp");
    Overload(d, std::string(name) + "(field, ts TIMESTAMP)", Arity(2),
             [](const Expr& call, Args args, BindContext&) { return BindExtract(call, args); });
  }
  static constexpr std::pair<std::string_view, std::string_view> kParts[] = {
      {"year", "year"},          {"month", "month"},        {"day", "day"},
      {"hour", "hour"},          {"minute", "minute"},      {"second", "second"},
      {"millis", "millisecond"}, {"micros", "microsecond"}, {"week_of_year", "week"},
      {"day_of_year", "doy"}};
  for (auto [name, field] : kParts) {
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    "the " + std::string(field) + " of a timestamp or date");
    std::string fl(field);
    Overload(
        d, std::string(name) + "(ts TIMESTAMP|DATE)", ArgsAre({TimeOrNull}),
        [fl](const Expr& call, Args args, BindContext&) { return BindDatePart(call, args, fl); });
  }
  for (std::string_view name : {"day_of_week", "day_of_week_sunday_first"}) {
    bool sunday = name == "day_of_week_sunday_first";
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    sunday ? "day of week, 1 = Sunday .. 7 = Saturday"
                           : "day of week, 1 = Monday .. 7 = Sunday");
    Overload(d, std::string(name) + "(ts TIMESTAMP|DATE)", ArgsAre({TimeOrNull}),
             [sunday](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               bool is_date = args[0]->type() == ColumnType::kDate;
               return TimeFn(
                   call, std::move(args), ColumnType::kInt,
                   [sunday](int64_t v) {
                     int d = core::DayOfWeek(v);
                     return static_cast<int64_t>(sunday ? d % 7 + 1 : d);
                   },
                   is_date);
             });
  }
  for (std::string_view name : {"days_in_month", "is_leap_year"}) {
    bool dim = name == "days_in_month";
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    dim ? "days in the month of a timestamp" : "whether the year is a leap year");
    Overload(d, std::string(name) + "(ts TIMESTAMP|DATE)", ArgsAre({TimeOrNull}),
             [dim](const Expr& call, Args args, BindContext&) -> core::Result<BoundPtr> {
               return TimeFn(call, std::move(args), dim ? ColumnType::kInt : ColumnType::kBoolean,
                             [dim](int64_t v) {
                               core::CivilTime c = core::ToCivil(v);
                               return static_cast<int64_t>(dim ? core::DaysInMonth(c.year, c.month)
                                                               : core::IsLeapYear(c.year));
                             });
             });
  }
  static constexpr std::pair<std::string_view, int> kDays[] = {
      {"today", 0}, {"tomorrow", 1}, {"yesterday", -1}};
  for (auto [name, days] : kDays) {
    auto& d = r.Add(std::string(name), "time", FunctionKind::kScalar,
                    "the start of that day (UTC, or in the given time zone) as a timestamp");
    int offset = days;
    Overload(
        d, std::string(name) + "([timezone VARCHAR])",
        [](const Args& a) { return a.empty() || (a.size() == 1 && IsStringArg(a[0])); },
        [offset](const Expr& call, Args args, BindContext& ctx) {
          return BindDay(call, args, ctx, offset);
        });
  }
  {
    auto& d = r.Add("to_timezone", "time", FunctionKind::kScalar,
                    "the local time in a zone (IANA name or +HH:MM) of a UTC timestamp");
    Overload(d, "to_timezone(ts TIMESTAMP, zone VARCHAR)", ArgsAre({TimestampLike, IsStringArg}),
             [](const Expr& call, Args args, BindContext&) {
               return BindZoneShift(call, std::move(args), true);
             });
  }
  {
    auto& d = r.Add("to_utc", "time", FunctionKind::kScalar,
                    "the UTC instant of a local time in a zone (IANA name or +HH:MM)");
    Overload(d, "to_utc(ts TIMESTAMP, zone VARCHAR)", ArgsAre({TimestampLike, IsStringArg}),
             [](const Expr& call, Args args, BindContext&) {
               return BindZoneShift(call, std::move(args), false);
             });
  }
  {
    auto& d = r.Add("timestamp_sequence", "time", FunctionKind::kScalar,
                    "start + n * step for the n-th row (from 0), step in microseconds");
    Overload(d, "timestamp_sequence(start TIMESTAMP|LONG, step LONG)",
             ArgsAre({TimestampLike, IntegralArg}), [](const Expr& call, Args args, BindContext&) {
               return BindTimestampSequence(call, std::move(args));
             });
  }
}

}  // namespace sundial::sql
