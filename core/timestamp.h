// core/timestamp.h — microsecond UTC timestamps: civil-date arithmetic, ISO-8601 formatting
// and parsing, and the clocks. Timestamps are int64 µs since 1970-01-01T00:00:00Z; the null
// timestamp is INT64_MIN (kNullTimestamp). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sundial::core {

inline constexpr int64_t kNullTimestamp = INT64_MIN;
inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

struct CivilTime {
  int64_t year = 1970;
  int month = 1;   // 1..12
  int day = 1;     // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int micros = 0;  // 0..999999
};

// Days since the epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, int month, int day);
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);
int DaysInMonth(int64_t year, int month);
bool IsLeapYear(int64_t year);

CivilTime ToCivil(int64_t timestamp_us);
int64_t FromCivil(const CivilTime& c);
// ISO day of week, Monday = 1 .. Sunday = 7.
int DayOfWeek(int64_t timestamp_us);

// Floors a floored division, for negative timestamps too.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// "2026-11-21T10:00:00.000000Z" (6 fraction digits, QuestDB's TIMESTAMP rendering).
std::string FormatTimestamp(int64_t timestamp_us);
// Appends the same text to `out` (no allocation beyond growth of `out`).
void AppendTimestamp(std::string* out, int64_t timestamp_us);
// "2026-11-21T10:00:00.000Z" from milliseconds (QuestDB's DATE rendering).
void AppendDateMillis(std::string* out, int64_t millis);

// Parses an ISO-8601 UTC timestamp with any precision:
//   2026, 2026-11, 2026-11-21, 2026-11-21T10, 2026-11-21T10:15, 2026-11-21T10:15:30,
//   fractions of 1..9 digits (beyond µs truncated), 'T' or ' ' between date and time, an
//   optional 'Z' or ±HH:MM / ±HHMM offset. `unit_us` (optional) receives the size of the last
//   given field in µs (a year, a month, a day, an hour, ...), for interval filters such as
//   `ts IN '2026-11-21'`; for year and month it is the length of that year or month.
Result<int64_t> ParseTimestamp(std::string_view text, int64_t* unit_us = nullptr);

// Clocks. Tests pass a ManualClock; the server uses SystemClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;       // wall clock, µs since epoch
  virtual int64_t MonotonicMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  int64_t MonotonicMicros() const override;
  static const SystemClock* Instance();
};

int64_t RealtimeMicros();
int64_t MonotonicMicros();

}  // namespace sundial::core
