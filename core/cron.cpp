#include "core/cron.h"

#include <array>
#include <cctype>
#include <vector>

#include "core/timestamp.h"

namespace sundial::core {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is value min + i; nullptr: numbers only
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kWeekdayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// Weekday accepts 0..7 (7 = Sunday, folded after parsing).
constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kWeekdayNames, 7},
}};

Status FieldError(const FieldSpec& f, std::string_view field, const std::string& why) {
  return Status::InvalidArgument(std::string(f.name) + " field '" + std::string(field) + "': " +
                                 why);
}

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// One value: a decimal number or, where the field has them, a name. -1 if neither.
int ParseValue(const FieldSpec& f, std::string_view s) {
  if (s.empty()) return -1;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    int v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000) return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  const std::string u = Upper(s);
  for (int i = 0; i < f.name_count; ++i) {
    if (u == f.names[i]) return f.min + i;
  }
  return -1;
}

Status ParseValueChecked(const FieldSpec& f, std::string_view field, std::string_view s, int* out) {
  int v = ParseValue(f, s);
  if (v < 0) {
    return FieldError(f, field, "'" + std::string(s) + "' is not a " +
                                    (f.names ? "number or name" : "number"));
  }
  if (v < f.min || v > f.max) {
    return FieldError(f, field, std::to_string(v) + " is out of range " + std::to_string(f.min) +
                                    "-" + std::to_string(f.max));
  }
  *out = v;
  return Status::Ok();
}

// Parses one comma-separated element (`*`, `v`, `a-b`, any of those with `/step`) into `bits`.
Status ParseElement(const FieldSpec& f, std::string_view field, std::string_view e,
                    std::vector<bool>* bits) {
  if (e.empty()) return FieldError(f, field, "empty list element");
  int step = 1;
  bool has_step = false;
  if (size_t slash = e.find('/'); slash != std::string_view::npos) {
    std::string_view s = e.substr(slash + 1);
    int v = 0;
    bool digits = !s.empty() && s.size() <= 4;
    for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits) return FieldError(f, field, "step '" + std::string(s) + "' is not a number");
    for (char c : s) v = v * 10 + (c - '0');
    if (v == 0) return FieldError(f, field, "step must be at least 1");
    step = v;
    has_step = true;
    e = e.substr(0, slash);
  }
  int lo = f.min, hi = f.max;
  if (e == "*") {
    // all values (weekday: 0..6, Sunday once)
    if (f.max == 7) hi = 6;
  } else if (size_t dash = e.find('-'); dash != std::string_view::npos) {
    RETURN_IF_ERROR(ParseValueChecked(f, field, e.substr(0, dash), &lo));
    RETURN_IF_ERROR(ParseValueChecked(f, field, e.substr(dash + 1), &hi));
    if (lo > hi) {
      return FieldError(f, field, "range " + std::string(e) + " runs backwards");
    }
  } else {
    RETURN_IF_ERROR(ParseValueChecked(f, field, e, &lo));
    // `10/15`: from 10 to the end of the field
    hi = has_step ? (f.max == 7 ? 6 : f.max) : lo;
    if (has_step && lo > hi) hi = lo;
  }
  for (int v = lo; v <= hi; v += step) (*bits)[static_cast<size_t>(v - f.min)] = true;
  return Status::Ok();
}

Result<std::vector<bool>> ParseField(const FieldSpec& f, std::string_view field) {
  std::vector<bool> bits(static_cast<size_t>(f.max - f.min + 1), false);
  size_t start = 0;
  while (true) {
    size_t comma = field.find(',', start);
    std::string_view e = field.substr(start, comma == std::string_view::npos ? field.npos
                                                                             : comma - start);
    RETURN_IF_ERROR(ParseElement(f, field, e, &bits));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view ExpandMacro(std::string_view s) {
  const std::string u = Upper(s);
  if (u == "@YEARLY" || u == "@ANNUALLY") return "0 0 1 1 *";
  if (u == "@MONTHLY") return "0 0 1 * *";
  if (u == "@WEEKLY") return "0 0 * * 0";
  if (u == "@DAILY" || u == "@MIDNIGHT") return "0 0 * * *";
  if (u == "@HOURLY") return "0 * * * *";
  return {};
}

// Days in the Gregorian calendar's 400-year cycle: weekdays and leap days repeat after it.
constexpr int64_t kCycleDays = 146097;

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view text) {
  CronExpression c;
  text = Trim(text);
  c.text_ = std::string(text);
  auto fail = [&](const Status& st) {
    return Status::InvalidArgument("invalid cron expression '" + c.text_ + "': " + st.message());
  };
  if (text.empty()) return fail(Status::InvalidArgument("empty expression"));
  std::string_view body = text;
  if (text[0] == '@') {
    body = ExpandMacro(text);
    if (body.empty()) {
      return fail(Status::InvalidArgument(
          "unknown macro (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or "
          "@hourly)"));
    }
  }
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    size_t j = i;
    while (j < body.size() && !std::isspace(static_cast<unsigned char>(body[j]))) ++j;
    if (j > i) fields.push_back(body.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 5) {
    return fail(Status::InvalidArgument(
        "expected 5 fields (minute hour day-of-month month day-of-week), got " +
        std::to_string(fields.size())));
  }
  std::array<std::vector<bool>, 5> bits;
  for (size_t f = 0; f < 5; ++f) {
    auto b = ParseField(kFields[f], fields[f]);
    if (!b.ok()) return fail(b.status());
    bits[f] = std::move(b).value();
  }
  for (int v = 0; v < 60; ++v) c.minutes_[v] = bits[0][v];
  for (int v = 0; v < 24; ++v) c.hours_[v] = bits[1][v];
  for (int v = 1; v <= 31; ++v) c.days_[v] = bits[2][v - 1];
  for (int v = 1; v <= 12; ++v) c.months_[v] = bits[3][v - 1];
  for (int v = 0; v < 7; ++v) c.weekdays_[v] = bits[4][v];
  if (bits[4][7]) c.weekdays_[0] = true;  // 7 = Sunday
  c.day_star_ = fields[2][0] == '*';
  c.weekday_star_ = fields[4][0] == '*';
  // Never fires? The calendar repeats after 400 years, so one cycle of days decides.
  bool fires = false;
  for (int64_t d = 0; d < kCycleDays && !fires; ++d) {
    int64_t y;
    int m, day;
    CivilFromDays(d, &y, &m, &day);
    fires = c.DayMatches(y, m, day);
  }
  if (!fires) {
    return fail(Status::InvalidArgument(
        "day-of-month field '" + std::string(fields[2]) + "' never matches in month field '" +
        std::string(fields[3]) + "'" + (c.weekday_star_ ? "" : " on the day-of-week given") +
        ", so the expression never fires"));
  }
  return c;
}

bool CronExpression::DayMatches(int64_t year, int month, int day) const {
  if (!months_[month]) return false;
  // DaysFromCivil 0 = Thursday 1970-01-01; 0 = Sunday here.
  int64_t days = DaysFromCivil(year, month, day);
  int weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);
  bool dom = days_[day];
  bool dow = weekdays_[weekday];
  if (day_star_ || weekday_star_) return dom && dow;
  return dom || dow;
}

bool CronExpression::Matches(int64_t local_us) const {
  CivilTime c = ToCivil(local_us);
  return minutes_[c.minute] && hours_[c.hour] && DayMatches(c.year, c.month, c.day);
}

int64_t CronExpression::NextLocalAfter(int64_t local_us) const {
  // Start at the next whole minute.
  const int64_t start = (FloorDiv(local_us, kMicrosPerMinute) + 1) * kMicrosPerMinute;
  int64_t day = FloorDiv(start, kMicrosPerDay);
  int first_minute = static_cast<int>((start - day * kMicrosPerDay) / kMicrosPerMinute);
  for (int64_t n = 0; n <= kCycleDays; ++n, ++day, first_minute = 0) {
    int64_t y;
    int m, d;
    CivilFromDays(day, &y, &m, &d);
    if (!DayMatches(y, m, d)) continue;
    for (int h = first_minute / 60; h < 24; ++h) {
      if (!hours_[h]) continue;
      for (int mi = h == first_minute / 60 ? first_minute % 60 : 0; mi < 60; ++mi) {
        if (minutes_[mi]) return day * kMicrosPerDay + (h * 60 + mi) * kMicrosPerMinute;
      }
    }
  }
  return kNullTimestamp;  // unreachable: Parse checked that some day of every cycle matches
}

Result<int64_t> CronExpression::NextUtcAfter(int64_t utc_us, const TimeZone& zone) const {
  int64_t local = utc_us + zone.OffsetSecondsAt(utc_us) * kMicrosPerSecond;
  // Under the DST rule a wall time before `local` never fires after `utc_us` (an overlap's
  // first occurrence and a gap's end are both before the instants of later wall times), and
  // candidates are non-decreasing in wall time: the first candidate after `utc_us` is the
  // answer. A wall time inside an overlap already past is skipped.
  int64_t cursor = local - kMicrosPerMinute;
  for (int i = 0; i < 100'000; ++i) {
    int64_t wall = NextLocalAfter(cursor);
    if (wall == kNullTimestamp) break;
    LocalTimeResolution r = zone.Resolve(wall);
    int64_t at = r.kind == LocalTimeKind::kGap ? r.transition_utc_us : r.earlier_utc_us;
    if (at > utc_us) return at;
    cursor = wall;
  }
  return Status::Internal("no cron fire time found after " + FormatTimestamp(utc_us) +
                          " [cron=" + text_ + "]");
}

}  // namespace sundial::core
