#include "core/timestamp.h"

#include <time.h>

#include <charconv>

namespace sundial::core {

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[(month - 1) % 12];
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (m <= 2);
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

CivilTime ToCivil(int64_t ts) {
  CivilTime c;
  int64_t days = FloorDiv(ts, kMicrosPerDay);
  int64_t rem = ts - days * kMicrosPerDay;
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / kMicrosPerHour);
  rem %= kMicrosPerHour;
  c.minute = static_cast<int>(rem / kMicrosPerMinute);
  rem %= kMicrosPerMinute;
  c.second = static_cast<int>(rem / kMicrosPerSecond);
  c.micros = static_cast<int>(rem % kMicrosPerSecond);
  return c;
}

int64_t FromCivil(const CivilTime& c) {
  return DaysFromCivil(c.year, c.month, c.day) * kMicrosPerDay + c.hour * kMicrosPerHour +
         c.minute * kMicrosPerMinute + c.second * kMicrosPerSecond + c.micros;
}

int DayOfWeek(int64_t ts) {
  int64_t days = FloorDiv(ts, kMicrosPerDay);
  // 1970-01-01 was a Thursday (4).
  int64_t w = (days + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

namespace {

void AppendPadded(std::string* out, int64_t v, int width) {
  char buf[24];
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) out->push_back('-');
  for (int i = n; i < width; ++i) out->push_back('0');
  while (n) out->push_back(buf[--n]);
}

void AppendCivil(std::string* out, const CivilTime& c, int frac_digits, int64_t frac) {
  AppendPadded(out, c.year, 4);
  out->push_back('-');
  AppendPadded(out, c.month, 2);
  out->push_back('-');
  AppendPadded(out, c.day, 2);
  out->push_back('T');
  AppendPadded(out, c.hour, 2);
  out->push_back(':');
  AppendPadded(out, c.minute, 2);
  out->push_back(':');
  AppendPadded(out, c.second, 2);
  out->push_back('.');
  AppendPadded(out, frac, frac_digits);
  out->push_back('Z');
}

}  // namespace

void AppendTimestamp(std::string* out, int64_t ts) {
  CivilTime c = ToCivil(ts);
  AppendCivil(out, c, 6, c.micros);
}

std::string FormatTimestamp(int64_t ts) {
  std::string s;
  s.reserve(28);
  AppendTimestamp(&s, ts);
  return s;
}

void AppendDateMillis(std::string* out, int64_t millis) {
  CivilTime c = ToCivil(millis * 1000);
  AppendCivil(out, c, 3, c.micros / 1000);
}

namespace {

// Reads exactly `n` digits at s[*i].
bool ReadDigits(std::string_view s, size_t* i, int n, int64_t* v) {
  if (*i + n > s.size()) return false;
  int64_t r = 0;
  for (int k = 0; k < n; ++k) {
    char ch = s[*i + k];
    if (ch < '0' || ch > '9') return false;
    r = r * 10 + (ch - '0');
  }
  *i += n;
  *v = r;
  return true;
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view s, int64_t* unit_us) {
  auto bad = [&]() {
    return Status::InvalidArgument("invalid timestamp: '" + std::string(s.substr(0, 64)) + "'");
  };
  size_t i = 0;
  int64_t year, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  int64_t unit = 0;
  bool neg_year = false;
  if (i < s.size() && s[i] == '-') return bad();
  (void)neg_year;
  if (!ReadDigits(s, &i, 4, &year)) return bad();
  unit = (IsLeapYear(year) ? 366 : 365) * kMicrosPerDay;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!ReadDigits(s, &i, 2, &month) || month < 1 || month > 12) return bad();
    unit = DaysInMonth(year, static_cast<int>(month)) * kMicrosPerDay;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!ReadDigits(s, &i, 2, &day) || day < 1 || day > DaysInMonth(year, static_cast<int>(month)))
        return bad();
      unit = kMicrosPerDay;
      if (i < s.size() && (s[i] == 'T' || s[i] == ' ') && i + 1 < s.size() && s[i + 1] >= '0' &&
          s[i + 1] <= '9') {
        ++i;
        if (!ReadDigits(s, &i, 2, &hour) || hour > 23) return bad();
        unit = kMicrosPerHour;
        if (i < s.size() && s[i] == ':') {
          ++i;
          if (!ReadDigits(s, &i, 2, &minute) || minute > 59) return bad();
          unit = kMicrosPerMinute;
          if (i < s.size() && s[i] == ':') {
            ++i;
            if (!ReadDigits(s, &i, 2, &second) || second > 59) return bad();
            unit = kMicrosPerSecond;
            if (i < s.size() && s[i] == '.') {
              ++i;
              int digits = 0;
              int64_t frac = 0;
              while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                if (digits < 6) frac = frac * 10 + (s[i] - '0');
                ++digits;
                ++i;
              }
              if (digits == 0 || digits > 9) return bad();
              int scale_digits = digits < 6 ? digits : 6;
              unit = 1;
              for (int k = scale_digits; k < 6; ++k) {
                frac *= 10;
                unit *= 10;
              }
              micros = frac;
            }
          }
        }
      }
    }
  }
  int64_t offset_us = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && unit <= kMicrosPerHour) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int64_t oh, om = 0;
    if (!ReadDigits(s, &i, 2, &oh) || oh > 23) return bad();
    if (i < s.size() && s[i] == ':') ++i;
    if (i < s.size() && !ReadDigits(s, &i, 2, &om)) return bad();
    offset_us = sign * (oh * kMicrosPerHour + om * kMicrosPerMinute);
  }
  if (i != s.size()) return bad();
  CivilTime c;
  c.year = year;
  c.month = static_cast<int>(month);
  c.day = static_cast<int>(day);
  c.hour = static_cast<int>(hour);
  c.minute = static_cast<int>(minute);
  c.second = static_cast<int>(second);
  c.micros = static_cast<int>(micros);
  if (unit_us) *unit_us = unit;
  return FromCivil(c) - offset_us;
}

int64_t RealtimeMicros() {
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * kMicrosPerSecond + t.tv_nsec / 1000;
}

int64_t MonotonicMicros() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * kMicrosPerSecond + t.tv_nsec / 1000;
}

int64_t SystemClock::NowMicros() const { return RealtimeMicros(); }
int64_t SystemClock::MonotonicMicros() const { return core::MonotonicMicros(); }
const SystemClock* SystemClock::Instance() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace sundial::core
