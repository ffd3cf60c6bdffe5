#include "sql/interval.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/timestamp.h"

namespace sundial::sql {

int64_t FixedUnitMicros(char unit) {
  switch (unit) {
    case 'U': case 'u': return 1;
    case 'T': return 1000;
    case 's': return core::kMicrosPerSecond;
    case 'm': return core::kMicrosPerMinute;
    case 'h': return core::kMicrosPerHour;
    case 'd': return core::kMicrosPerDay;
    case 'w': return 7 * core::kMicrosPerDay;
    default: return 0;
  }
}

bool AddDuration(int64_t ts, char unit, int64_t count, int64_t* out) {
  int64_t fixed = FixedUnitMicros(unit);
  if (fixed) {
    *out = ts + count * fixed;
    return true;
  }
  if (unit != 'M' && unit != 'y') return false;
  core::CivilTime c = core::ToCivil(ts);
  int64_t months = c.year * 12 + (c.month - 1) + (unit == 'y' ? count * 12 : count);
  c.year = core::FloorDiv(months, 12);
  c.month = static_cast<int>(months - c.year * 12) + 1;
  int dim = core::DaysInMonth(c.year, c.month);
  if (c.day > dim) c.day = dim;
  *out = core::FromCivil(c);
  return true;
}

bool ParseDurationText(std::string_view s, char* unit, int64_t* count) {
  size_t k = 0;
  bool neg = false;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) {
    neg = s[k] == '-';
    ++k;
  }
  size_t start = k;
  int64_t v = 0;
  while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
    v = v * 10 + (s[k] - '0');
    if (v > 1'000'000'000) return false;
    ++k;
  }
  if (k == start || k + 1 != s.size()) return false;
  *unit = s[k];
  *count = neg ? -v : v;
  int64_t dummy;
  return AddDuration(0, *unit, 0, &dummy);
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

core::Result<std::vector<Interval>> ParseIntervalString(std::string_view s, int32_t pos) {
  std::vector<std::string_view> parts;
  size_t b = 0;
  for (size_t k = 0; k <= s.size(); ++k) {
    if (k == s.size() || s[k] == ';') {
      parts.push_back(Trim(s.substr(b, k - b)));
      b = k + 1;
    }
  }
  auto invalid = [&]() {
    return core::Status::InvalidArgument("Invalid date [str=" + std::string(s) + "]", pos);
  };
  if (parts.empty() || parts.size() > 4 || parts.size() == 3) return invalid();
  int64_t unit_us = 0;
  auto start = core::ParseTimestamp(parts[0], &unit_us);
  if (!start.ok()) return invalid();
  Interval iv{*start, *start + std::max<int64_t>(unit_us, 1) - 1};
  if (parts.size() >= 2) {
    char unit;
    int64_t count;
    if (!ParseDurationText(parts[1], &unit, &count)) return invalid();
    // The modifier moves the end: a positive one extends, a negative one shrinks.
    int64_t hi;
    AddDuration(iv.hi, unit, count, &hi);
    iv.hi = hi;
  }
  std::vector<Interval> out{iv};
  if (parts.size() == 4) {
    char unit;
    int64_t period;
    // A negative period steps back from the start (QuestDB's '2024-01-31;1h;-1d;7').
    if (!ParseDurationText(parts[2], &unit, &period) || period == 0) return invalid();
    int64_t count = 0;
    for (char c : parts[3]) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return invalid();
      count = count * 10 + (c - '0');
      if (count > 100000) return invalid();
    }
    out.clear();
    for (int64_t r = 0; r < count; ++r) {
      Interval x;
      AddDuration(iv.lo, unit, period * r, &x.lo);
      AddDuration(iv.hi, unit, period * r, &x.hi);
      out.push_back(x);
    }
  }
  return NormalizeIntervals(std::move(out));
}

std::vector<Interval> NormalizeIntervals(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
  std::vector<Interval> out;
  for (const Interval& x : v) {
    if (x.lo > x.hi) continue;
    if (!out.empty() && (out.back().hi == INT64_MAX || x.lo <= out.back().hi + 1)) {
      out.back().hi = std::max(out.back().hi, x.hi);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

std::vector<Interval> IntersectIntervals(const std::vector<Interval>& a,
                                         const std::vector<Interval>& b) {
  std::vector<Interval> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t lo = std::max(a[i].lo, b[j].lo);
    int64_t hi = std::min(a[i].hi, b[j].hi);
    if (lo <= hi) out.push_back({lo, hi});
    if (a[i].hi < b[j].hi) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

}  // namespace sundial::sql
