// core/date_pattern.h — QuestDB's date patterns, the one implementation used by SQL
// (to_timestamp, to_date, to_str, to_char) and by /imp (the `pattern` of a schema column).
// Compiled once (per statement, per import column); immutable after Compile, so Parse and
// Format are const and thread-safe.
//
// Letters (English names; numbers are ASCII digits):
//   y yy yyy yyyy  year (y: any number of digits, two digits meaning 20xx; yy: 20xx;
//                  yyyy: four digits, or '-' and four for years before 0)
//   M MM           month number;  MMM MMMM  English month name, short or long (Jan, January)
//   d dd           day of month;  E EE EEE EEEE  English day name (E, EEE: Mon; EE, EEEE:
//                  Monday; either is read), checked, ignored when parsing
//   u              day of week 1..7 (Monday 1), ignored when parsing
//   D  day of year, w  week of year (weeks start on Sunday): ignored when parsing
//   H HH  hour 0-23   k kk  hour 1-24   K KK  hour 0-11   h hh  hour 1-12   a  AM / PM
//   m mm  minute      s ss  second
//   S SSS milliseconds (S: 1-3 digits read as a fraction, "5" = 500 ms)
//   U UUU microseconds within the millisecond (U: 1-3 digits as a fraction)
//   N NNN nanoseconds: read and dropped (timestamps keep microseconds), written as zeros
//   Z z zz zzz x xx xxx   offset: Z, UTC, GMT, +01, +0100, +01:00, GMT+01:00 (no zone names);
//                  written as Z (times are UTC)
//   'text'         literal text; '' is a quote. Other non-letters are literal too, and so is an
//                  unquoted 'T' (as in QuestDB's own yyyy-MM-ddTHH:mm:ss).
// As in QuestDB, a one-letter number field reads one digit when another field follows it
// directly and any number of digits when a literal, AM/PM, a zone or the end follows.
// Any other letter (G, W, Y, F, unknown ones, or an unsupported run such as SSSSSS) makes
// Compile fail with InvalidArgument naming it (no position: callers add theirs). Fields missing
// from the pattern default to 1970-01-01T00:00:00Z. A value must match the whole pattern and
// name a real date (month 1-12, day within the month, hour in its clock's range, minute and
// second 0-59). Format writes numbers zero-padded to the letter count (S, U, N: 3 digits).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sundial::core {

class DatePattern {
 public:
  static Result<DatePattern> Compile(std::string_view pattern);

  // Microseconds since the epoch (UTC), or false if `text` does not match.
  bool Parse(std::string_view text, int64_t* timestamp_us) const;
  // Appends `timestamp_us` (UTC) laid out by the pattern.
  void Format(int64_t timestamp_us, std::string* out) const;

  const std::string& text() const { return text_; }

 private:
  enum class Field : uint8_t {
    kLiteral, kYear, kMonth, kMonthName, kDay, kDayName, kDayOfWeek, kDayOfYear, kWeekOfYear,
    kHour24, kHour24OneBased, kHour12, kHour12OneBased, kAmPm, kMinute, kSecond, kMillis,
    kMicros, kNanos, kOffset,
  };
  struct Op {
    Field field;
    int digits;           // exact digit count; 0 = greedy (fraction fields: 1-3 digits)
    std::string literal;  // kLiteral only
    int letters = 0;      // the letter count in the pattern (how Format lays it out)
  };
  static bool CompileLetter(char c, int n, Op* op);
  void FormatOp(const Op& op, int64_t timestamp_us, std::string* out) const;

  std::string text_;
  std::vector<Op> ops_;
};

}  // namespace sundial::core
