// core/cron.h — standard 5-field cron expressions (`minute hour day-of-month month day-of-week`,
// the syntax of QuestDB Enterprise's `backup.schedule.cron` and of crontab(5)) and their next
// fire time, in local wall time or, with a core::TimeZone, as a UTC instant.
//
// Syntax of each field: `*`, a value `5`, a range `1-5`, a step `*/15` or `1-30/5` or `10/15`
// (from 10 to the field's end), and comma lists of those (`1,15,30-35`). Months take names
// JAN..DEC and weekdays SUN..SAT (case-insensitive, also in ranges: MON-FRI); weekday 0 and 7
// are both Sunday. Macros: @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
//
// Day rule (Vixie cron's, as in cronie and most crontabs): when both day-of-month and
// day-of-week are restricted, a day matches if EITHER matches (`0 0 1 * MON` fires on the 1st
// and on every Monday); a field that starts with `*` (`*`, `*/2`) counts as unrestricted, and
// then both must match (`0 0 */2 * MON` fires on Mondays that are odd days of the month).
//
// An expression that can never fire (`0 0 30 2 *`) is refused at Parse. Errors are
// InvalidArgument naming the field: `day-of-month field '32': 32 is out of range 1-31`.
// Immutable once parsed; thread-safe.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time_zone.h"

namespace sundial::core {

class CronExpression {
 public:
  static Result<CronExpression> Parse(std::string_view text);

  // The expression as given (trimmed).
  const std::string& text() const { return text_; }

  // Whether the minute of local wall time `local_us` (seconds ignored) is a fire time. Local
  // wall times are µs since 1970-01-01T00:00 of the wall clock (FromCivil of the civil fields).
  bool Matches(int64_t local_us) const;

  // The first fire time strictly after `local_us` (a whole minute), in local wall time. Always
  // exists (Parse refused expressions that never fire).
  int64_t NextLocalAfter(int64_t local_us) const;

  // The first fire instant strictly after the UTC instant `utc_us`, for wall times of `zone`.
  // DST rule: a wall time that occurs twice (clocks set back) fires once, at its first
  // occurrence; a wall time that does not exist (clocks set forward) fires at the instant the
  // gap ends (02:30 on a 02:00→03:00 night fires at 03:00 new time), once for all the gap's
  // wall times. Error only if no fire instant is found within a search bound (not expected).
  Result<int64_t> NextUtcAfter(int64_t utc_us, const TimeZone& zone) const;

 private:
  bool DayMatches(int64_t year, int month, int day) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1..31
  std::bitset<13> months_;    // 1..12
  std::bitset<7> weekdays_;   // 0 = Sunday .. 6 = Saturday
  bool day_star_ = false;      // day-of-month field starts with '*'
  bool weekday_star_ = false;  // day-of-week field starts with '*'
};

}  // namespace sundial::core
