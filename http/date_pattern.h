// http/date_pattern.h — QuestDB/Java-style date patterns for /imp's `schema` part
// ({"name":"ts","type":"TIMESTAMP","pattern":"dd/MM/yyyy HH:mm"}): compiled once per column,
// then used to parse every value of that column. Immutable after Compile; thread-safe.
//
// Letters (English names; numbers are ASCII digits):
//   y yy yyy yyyy  year (y: any number of digits, two digits meaning 20xx; yy: 20xx;
//                  yyyy: four digits, or '-' and four for years before 0)
//   M MM           month number;  MMM MMMM  English month name, short or long (Jan, January)
//   d dd           day of month;  E EE      English day name (Mon, Monday), checked, ignored
//   u              day of week 1..7, ignored;  D  day of year, w  week of year: ignored
//   H HH  hour 0-23   k kk  hour 1-24   K KK  hour 0-11   h hh  hour 1-12   a  AM / PM
//   m mm  minute      s ss  second
//   S SSS milliseconds (S: 1-3 digits read as a fraction, "5" = 500 ms)
//   U UUU microseconds within the millisecond (U: 1-3 digits as a fraction)
//   N NNN nanoseconds: read and dropped (timestamps keep microseconds)
//   Z z zz zzz x xx xxx   offset: Z, UTC, GMT, +01, +0100, +01:00, GMT+01:00 (no zone names)
//   'text'         literal text; '' is a quote. Other non-letters are literal too, and so is an
//                  unquoted 'T' (as in QuestDB's own yyyy-MM-ddTHH:mm:ss).
// As in QuestDB, a one-letter number field reads one digit when another field follows it
// directly and any number of digits when a literal, AM/PM, a zone or the end follows.
// Any other letter (G, W, Y, F, unknown ones, or an unsupported run such as SSSSSS) makes
// Compile fail with InvalidArgument naming it. Fields missing from the pattern default to
// 1970-01-01T00:00:00Z. A value must match the whole pattern and name a real date
// (month 1-12, day within the month, hour 0-23, minute and second 0-59).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::http {

class DatePattern {
 public:
  static core::Result<DatePattern> Compile(std::string_view pattern);

  // Microseconds since the epoch (UTC), or false if `text` does not match.
  bool Parse(std::string_view text, int64_t* timestamp_us) const;

  const std::string& text() const { return text_; }

 private:
  enum class Field : uint8_t {
    kLiteral, kYear, kMonth, kMonthName, kDay, kDayName, kDayOfWeek, kIgnoredNumber,
    kHour24, kHour24OneBased, kHour12, kHour12OneBased, kAmPm, kMinute, kSecond, kMillis,
    kMicros, kNanos, kOffset,
  };
  struct Op {
    Field field;
    int digits;           // exact digit count; 0 = greedy (fraction fields: 1-3 digits)
    std::string literal;  // kLiteral only
  };
  std::string text_;
  std::vector<Op> ops_;
};

}  // namespace sundial::http
